"""Eager array ops (fuseflow.array_ops) against NumPy 2: hypothesis over shapes up to rank 4
(0-size and length-1 axes), every supported dtype, NaN/inf; one test per argument rule."""

import math
import warnings

import numpy as np
import pytest
from gil import ticks_while_running
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fuseflow as ff
from fuseflow import array_ops as ao

DTYPES = [np.bool_, np.uint8, np.int32, np.int64, np.float32, np.float64]
NUMERIC = [np.uint8, np.int32, np.int64, np.float32, np.float64]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0]


def _elements(dtype, lo=None, hi=None):
    """Elements for `dtype`: floats mix a bounded range with NaN/inf/-0.0; ints their full range."""
    if np.dtype(dtype).kind != "f":
        return None
    width = 32 if dtype == np.float32 else 64
    bounded = st.floats(lo if lo is not None else -1e3, hi if hi is not None else 1e3, width=width)
    return st.one_of(bounded, st.sampled_from(SPECIALS))


@st.composite
def array_axis(draw, dtypes=DTYPES, max_side=6, lo=None, hi=None, min_dims=1):
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=4, min_side=0, max_side=max_side))
    arr = draw(hnp.arrays(dtype, shape, elements=_elements(dtype, lo, hi)))
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))) if shape else None
    return arr, axis


def _numpy_axis(arr, axis):
    return (arr.reshape(-1), 0) if axis is None else (arr, axis)


def assert_same(got, want):
    """Same dtype, shape and values (NaN where NumPy has NaN, -0.0 and 0.0 equal)."""
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


# --------------------------------------------------------------------------- scans

@SETTINGS
@given(array_axis())
def test_cumsum_matches_numpy(case):
    arr, axis = case
    got = ao.cumsum(arr, axis)
    with np.errstate(invalid="ignore"):
        want = np.cumsum(arr, axis=axis)
    assert got.dtype == want.dtype and got.shape == want.shape
    flat, ax = _numpy_axis(arr, axis)
    if arr.dtype.kind != "f" or flat.ndim == 0 or ax != flat.ndim - 1 or flat.shape[ax] < 6:
        # Integers wrap like NumPy; a non-last axis and short lines keep NumPy's order: bitwise.
        np.testing.assert_array_equal(got, want)
        return
    # Along the last axis float sums reassociate (scan.h): within the recursive-summation bound
    # (i + 1) * eps * sum |x_j| of the exact prefix; non-finite entries exactly where NumPy has them.
    eps = np.finfo(arr.dtype).eps
    with np.errstate(invalid="ignore", over="ignore"):
        bound = (np.arange(1, flat.shape[ax] + 1) * eps) * np.cumsum(np.abs(flat.astype(np.float64)), axis=ax)
        finite = np.isfinite(want)
    np.testing.assert_array_equal(np.isfinite(got), finite)
    np.testing.assert_array_equal(got[~finite], want[~finite])
    assert np.all(np.abs(got[finite].astype(np.float64) - want[finite]) <= 2 * bound.reshape(want.shape)[finite])


@SETTINGS
@given(array_axis(max_side=4, lo=0.75, hi=1.25))
def test_cumprod_matches_numpy(case):
    # Factors in [0.75, 1.25] (and NaN/inf/0): no overflow over 256 of them, even in float32.
    arr, axis = case
    got = ao.cumprod(arr, axis)
    with np.errstate(invalid="ignore"):
        want = np.cumprod(arr, axis=axis)
    assert got.dtype == want.dtype and got.shape == want.shape
    if arr.dtype.kind != "f":
        np.testing.assert_array_equal(got, want)
    else:
        rtol = 4 * want.size * np.finfo(arr.dtype).eps
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)


@SETTINGS
@given(array_axis())
def test_cummax_cummin_match_numpy_accumulate(case):
    arr, axis = case
    flat, ax = _numpy_axis(arr, axis)
    assert_same(ao.cummax(arr, axis), np.maximum.accumulate(flat, axis=ax))
    assert_same(ao.cummin(arr, axis), np.minimum.accumulate(flat, axis=ax))


def test_cumsum_of_a_long_line_crosses_parallel_blocks(rng):
    x = rng.standard_normal(1_000_003)
    with ff_threads(4):  # the two-pass parallel scan needs >= 4 threads (scan.h)
        got = ao.cumsum(x)
    want = np.cumsum(x)
    bound = np.arange(1, x.size + 1) * np.finfo(np.float64).eps * np.cumsum(np.abs(x))
    assert np.all(np.abs(got - want) <= 2 * bound)
    ints = rng.integers(-(2**62), 2**62, 1_000_003)
    np.testing.assert_array_equal(ao.cumsum(ints), np.cumsum(ints))
    with ff_threads(1):
        one = ao.cumsum(x)
    np.testing.assert_array_equal(one, got)  # deterministic at any thread count


class ff_threads:
    def __init__(self, n):
        self.n = n

    def __enter__(self):
        ff.set_num_threads(self.n)

    def __exit__(self, *exc):
        ff.set_num_threads(0)


def test_scan_dtypes_follow_numpy_2():
    for dtype in DTYPES:
        x = np.ones(3, dtype)
        assert ao.cumsum(x).dtype == np.cumsum(x).dtype
        assert ao.cumprod(x).dtype == np.cumprod(x).dtype
        assert ao.cummax(x).dtype == np.maximum.accumulate(x).dtype


# --------------------------------------------------------------------------- diff

@SETTINGS
@given(array_axis(min_dims=1), st.integers(0, 4))
def test_diff_matches_numpy(case, n):
    arr, axis = case
    axis = -1 if axis is None else axis
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.diff(arr, n=n, axis=axis)
    assert_same(ao.diff(arr, n=n, axis=axis), want)


# --------------------------------------------------------------------------- sorting

@SETTINGS
@given(array_axis())
def test_sort_and_stable_argsort_match_numpy(case):
    arr, axis = case
    axis = -1 if axis is None and arr.ndim else axis
    assert_same(ao.sort(arr, axis), np.sort(arr, axis=axis))
    assert_same(ao.argsort(arr, axis), np.argsort(arr, axis=axis, kind="stable"))


def _reference_top_k(arr, k, axis):
    # Descending, ties to the lower index: a stable ascending argsort of the reversed line, reversed.
    n = arr.shape[axis]
    order = np.flip(np.argsort(np.flip(arr, axis), axis=axis, kind="stable"), axis)
    idx = (n - 1 - order).take(np.arange(k), axis=axis)
    return np.take_along_axis(arr, idx, axis=axis), idx


@SETTINGS
@given(array_axis(), st.data())
def test_top_k_is_a_stable_descending_sort_prefix(case, data):
    arr, axis = case
    axis = -1 if axis is None else axis
    k = data.draw(st.integers(0, arr.shape[axis]))
    values, indices = ao.top_k(arr, k, axis)
    want_values, want_indices = _reference_top_k(arr, k, axis)
    assert_same(indices, want_indices.astype(np.int64))
    assert_same(values, want_values)


# --------------------------------------------------------------------------- order statistics

@SETTINGS
@given(array_axis())
def test_median_matches_numpy(case):
    arr, axis = case
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        want = np.median(arr, axis=axis)
        got = ao.median(arr, axis)
    assert type(got) is type(want) or isinstance(got, np.ndarray) and isinstance(want, np.ndarray)
    assert_same(np.asarray(got), np.asarray(want))


@SETTINGS
@given(array_axis(dtypes=NUMERIC), st.one_of(st.floats(0, 1), st.lists(st.floats(0, 1), min_size=1, max_size=4)))
def test_quantile_matches_numpy_bitwise(case, q):
    arr, axis = case
    flat, ax = _numpy_axis(arr, axis)
    if flat.shape[ax] == 0:
        return
    with np.errstate(all="ignore"):
        want = np.quantile(arr, q, axis=axis)
    got = ao.quantile(arr, q, axis)
    assert_same(np.asarray(got), np.asarray(want))


@pytest.mark.parametrize("dtype", NUMERIC)
def test_quantile_of_long_lines_with_several_cut_points_matches_numpy(rng, dtype):
    # Lines >= 4096 with several cut points take the full-sort path (quantile.cpp).
    x = (rng.standard_normal((3, 5000)) * 100).astype(dtype)
    if dtype in (np.float32, np.float64):
        x[0, :7] = [np.inf, -np.inf, -0.0, 0.0, np.inf, 1e30, -1e30]
    qs = [0.0, 0.1, 0.5, 0.75, 0.999, 1.0]
    with np.errstate(all="ignore"):
        assert_same(np.asarray(ao.quantile(x, qs, axis=1)), np.quantile(x, qs, axis=1))
        assert_same(np.asarray(ao.quantile(x, 0.3, axis=1)), np.quantile(x, 0.3, axis=1))


def test_quantile_integer_q_takes_order_statistics_in_the_input_dtype():
    x = np.array([[3, 1, 2], [9, 7, 8]], np.int32)
    assert_same(np.asarray(ao.quantile(x, 1, axis=1)), np.quantile(x, 1, axis=1))
    assert_same(np.asarray(ao.quantile(x, [0, 1], axis=0)), np.quantile(x, [0, 1], axis=0))
    f = np.array([1.0, np.nan, 0.5])
    assert_same(np.asarray(ao.quantile(f, 0)), np.asarray(np.quantile(f, 0)))


def test_median_of_an_empty_axis_is_nan_with_a_runtime_warning():
    with pytest.warns(RuntimeWarning):
        assert math.isnan(ao.median(np.array([], np.float64)))


# --------------------------------------------------------------------------- counting

@SETTINGS
@given(hnp.arrays(st.sampled_from([np.uint8, np.int32, np.int64, np.bool_]), st.integers(0, 300),
                  elements=st.integers(0, 1)) | hnp.arrays(np.int64, st.integers(0, 300), elements=st.integers(0, 50)),
       st.integers(0, 60), st.booleans())
def test_bincount_matches_numpy(x, minlength, weighted):
    weights = np.linspace(-1, 2, x.size) if weighted else None
    assert_same(ao.bincount(x, weights, minlength), np.bincount(x, weights, minlength))


@SETTINGS
@given(hnp.arrays(st.sampled_from([np.uint8, np.int32, np.int64, np.float32, np.float64]),
                  hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=8)),
       st.integers(1, 20), st.booleans())
def test_histogram_matches_numpy(x, bins, use_range):
    if x.dtype.kind == "f":
        x = np.where(np.isfinite(x), x, 0).astype(x.dtype)  # an autodetected range must be finite
    rng_arg = (-10.5, 30.25) if use_range else None
    with np.errstate(all="ignore"):
        try:
            want = np.histogram(x, bins, rng_arg)
        except ValueError:
            return  # NumPy refuses this range (e.g. too many bins for a tiny one); tested below
    counts, edges = ao.histogram(x, bins, rng_arg)
    assert_same(counts, want[0])
    assert_same(edges, want[1])


def test_histogram_values_on_edges_land_where_numpy_puts_them(rng):
    x = np.concatenate([np.linspace(0, 1, 1001), rng.random(10000)]).astype(np.float32)
    for bins in (3, 7, 10, 100):
        counts, edges = ao.histogram(x, bins)
        want = np.histogram(x, bins)
        assert_same(counts, want[0])
        assert_same(edges, want[1])
        counts, edges = ao.histogram(x, bins, (0.1, 0.9))
        want = np.histogram(x, bins, (0.1, 0.9))
        assert_same(counts, want[0])
    explicit = [0.0, 0.25, 0.25, 0.6, 1.0]
    counts, edges = ao.histogram(x, explicit)
    want = np.histogram(x, explicit)
    assert_same(counts, want[0])
    assert_same(edges, want[1])


# --------------------------------------------------------------------------- gather

@SETTINGS
@given(array_axis(dtypes=DTYPES + [np.complex128, np.int16]), st.data())
def test_take_matches_numpy(case, data):
    arr, axis = case
    flat, ax = _numpy_axis(arr, axis)
    n = flat.shape[ax]
    idx_shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=5))
    if n == 0:
        idx_shape = (0,)
    idx = data.draw(hnp.arrays(st.sampled_from([np.int32, np.int64]), idx_shape,
                               elements=st.integers(-n, max(n - 1, -n))))
    assert_same(ao.take(arr, idx, axis=axis), np.take(arr, idx, axis=axis))


def test_take_of_ten_thousand_random_rows(rng):
    x = rng.standard_normal((5000, 3))
    idx = rng.integers(-5000, 5000, 100_000)
    assert_same(ao.take(x, idx), np.take(x, idx, axis=0))


# --------------------------------------------------------------------------- inputs

def test_non_contiguous_and_fortran_inputs_are_converted(rng):
    base = rng.standard_normal((6, 8))
    for x in (base[:, ::2], base.T, np.asfortranarray(base), base[::-1]):
        assert_same(ao.sort(x, 0), np.sort(x, 0))
        assert_same(ao.cumsum(x, 0), np.cumsum(x, 0))
        assert_same(ao.take(x, [1, -1], axis=1), np.take(x, [1, -1], axis=1))
        assert_same(np.asarray(ao.quantile(x, 0.3, axis=1)), np.quantile(x, 0.3, axis=1))
    assert_same(ao.cumsum([[1, 2], [3, 4]], 1), np.cumsum([[1, 2], [3, 4]], 1))  # lists
    big_endian = np.arange(5, dtype=">f8")
    assert_same(ao.cumsum(big_endian), np.cumsum(big_endian).astype("=f8"))


def test_length_one_and_zero_size_axes():
    x = np.zeros((2, 0, 3), np.float32)
    assert ao.cumsum(x, 1).shape == (2, 0, 3)
    assert ao.sort(x, 1).shape == (2, 0, 3)
    assert ao.top_k(x, 0, 1)[0].shape == (2, 0, 3)
    assert ao.diff(x, 1, 1).shape == (2, 0, 3)
    y = np.arange(6.0).reshape(2, 1, 3)
    assert_same(ao.cumsum(y, 1), np.cumsum(y, 1))
    assert_same(ao.median(y, 1), np.median(y, 1))


def test_kernels_release_the_gil():
    x = np.random.default_rng(0).standard_normal(4_000_000)
    assert ticks_while_running(lambda: ao.sort(x)) > 1000


# --------------------------------------------------------------------------- argument rules

AXIS_OPS = [
    lambda x, a: ao.cumsum(x, a), lambda x, a: ao.cumprod(x, a), lambda x, a: ao.cummax(x, a),
    lambda x, a: ao.cummin(x, a), lambda x, a: ao.diff(x, 1, a), lambda x, a: ao.sort(x, a),
    lambda x, a: ao.argsort(x, a), lambda x, a: ao.top_k(x, 1, a), lambda x, a: ao.median(x, a),
    lambda x, a: ao.quantile(x, 0.5, a), lambda x, a: ao.take(x, [0], a),
]


@pytest.mark.parametrize("op", AXIS_OPS)
def test_axis_out_of_range_is_an_axis_error_naming_axis(op):
    with pytest.raises(np.exceptions.AxisError, match="axis"):
        op(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match="axis"):  # AxisError is a ValueError too
        op(np.ones((2, 3)), -3)


@pytest.mark.parametrize("op", AXIS_OPS)
def test_non_integer_axis_is_a_type_error(op):
    with pytest.raises(TypeError, match="axis"):
        op(np.ones((2, 3)), 1.5)


@pytest.mark.parametrize("op", [ao.cumsum, ao.sort, ao.median, ao.argsort, lambda x: ao.top_k(x, 1)])
def test_unsupported_dtypes_are_type_errors_naming_x(op):
    with pytest.raises(TypeError, match="x: .*int16"):
        op(np.ones(3, np.int16))
    with pytest.raises(TypeError, match="x: .*complex128"):
        op(np.ones(3, np.complex128))


def test_traced_argument_with_a_numpy_x_is_a_type_error_naming_it():
    # Every array op runs inside ff.jit on a traced x (tests/python/test_jit_axis_ops.py,
    # test_jit_array_stats.py); a traced q/k/weights/bins with a NumPy x is refused.
    @ff.jit
    def f(q):
        return ao.quantile(np.ones(4), q)

    with pytest.raises(TypeError, match="q: ff.quantile got a traced q with an x that is not traced"):
        f(np.array([0.5]))


def test_diff_rules():
    with pytest.raises(ValueError, match="n: must be >= 0"):
        ao.diff([1, 2], n=-1)
    with pytest.raises(TypeError, match="n: must be an integer"):
        ao.diff([1, 2], n=1.0)
    with pytest.raises(ValueError, match="x: .*at least one dimension"):
        ao.diff(np.float64(3))


def test_top_k_rules():
    with pytest.raises(ValueError, match="k: must be at most the length of axis 1 .3., got 4"):
        ao.top_k(np.ones((2, 3)), 4)
    with pytest.raises(ValueError, match="k: must be >= 0"):
        ao.top_k(np.ones(3), -1)
    with pytest.raises(TypeError, match="k: must be an integer"):
        ao.top_k(np.ones(3), 1.0)


def test_quantile_rules():
    for q in (-0.1, 1.5, [0.5, 2.0], math.nan):
        with pytest.raises(ValueError, match="q: quantiles must be in the range"):
            ao.quantile([1.0, 2.0], q)
    with pytest.raises(ValueError, match="method: only 'linear'"):
        ao.quantile([1.0, 2.0], 0.5, method="nearest")
    with pytest.raises(ValueError, match="x: cannot take a quantile along an empty axis"):
        ao.quantile(np.ones((2, 0)), 0.5, axis=1)
    with pytest.raises(TypeError, match="x: .*bool"):
        ao.quantile([True, False], 0.5)
    with pytest.raises(TypeError, match="q: must be a real number"):
        ao.quantile([1.0], "half")


def test_bincount_rules():
    with pytest.raises(ValueError, match="x: must hold no negative values .*-3 at position 2"):
        ao.bincount([1, 2, -3, 4])
    with pytest.raises(ValueError, match="x: must be 1-D"):
        ao.bincount(np.ones((2, 2), np.int64))
    with pytest.raises(TypeError, match="x: must be an integer array"):
        ao.bincount([1.5, 2.0])
    with pytest.raises(TypeError, match="x: must be an integer array"):
        ao.bincount(np.array([1], np.uint64))
    with pytest.raises(ValueError, match="minlength: must be >= 0"):
        ao.bincount([1], minlength=-1)
    with pytest.raises(ValueError, match="weights: must have the shape of x"):
        ao.bincount([1, 2], weights=[1.0])
    with pytest.raises(TypeError, match="x: must be an integer array"):
        ao.bincount(np.array([], np.float64))  # NumPy refuses an empty float array too
    assert_same(ao.bincount(np.array([], np.int64), minlength=3), np.bincount(np.array([], np.int64), minlength=3))


def test_histogram_rules():
    for bins in (0, -3):
        with pytest.raises(ValueError, match="bins: must be a positive integer"):
            ao.histogram([1.0, 2.0], bins)
    with pytest.raises(TypeError, match="bins: .*'auto'"):
        ao.histogram([1.0, 2.0], "auto")
    with pytest.raises(ValueError, match="bins: edges must increase monotonically"):
        ao.histogram([1.0, 2.0], [0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="range: max must be larger than min"):
        ao.histogram([1.0, 2.0], 3, (2.0, 1.0))
    with pytest.raises(ValueError, match="range: supplied range .* is not finite"):
        ao.histogram([1.0, 2.0], 3, (0.0, math.inf))
    with pytest.raises(ValueError, match="x: autodetected range .* is not finite"):
        ao.histogram([1.0, math.nan])
    with pytest.raises(TypeError, match="x: .*bool"):
        ao.histogram([True, False])


def test_take_rules():
    x = np.arange(10.0)
    with pytest.raises(IndexError, match=r"idx: index 12 at position 2 is out of bounds for an axis of size 10"):
        ao.take(x, [1, 3, 12, -20])
    with pytest.raises(IndexError, match=r"idx: index -11 at position 0"):
        ao.take(x, [-11])
    with pytest.raises(TypeError, match="idx: must be an integer array"):
        ao.take(x, [1.0])
    with pytest.raises(TypeError, match="idx: must be an integer array"):
        ao.take(x, [True, False])
    with pytest.raises(IndexError, match="idx: index 0 at position 0 .* size 0"):
        ao.take(np.ones((2, 0)), [0], axis=1)
    with pytest.raises(TypeError, match="x: ff.take needs a fixed-size dtype"):
        ao.take(np.array([None, 1], dtype=object), [0])
