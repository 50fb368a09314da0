"""Axis reductions inside ff.jit against NumPy, hypothesis over random shapes up to rank 4 (0-size
and length-1 axes), random axis tuples (negative too), keepdims, ddof, f32/f64/i32/i64/bool, and
NaN/inf for the order-free kinds. The exhaustive rank <= 3 sweep is test_axis_reductions.py.

Tolerances: min/max/argmin/argmax/any/all are exact (bitwise, NaN where NumPy has NaN); sum/mean/
var/prod are compared with rtol 1e-12 (f64) / 2e-5 (f32) plus an atol of that rtol times the
line's sum of |x| (the summation order differs from NumPy's pairwise sum)."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fuseflow as ff
from fuseflow import reductions as R

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's empty-slice/ddof warnings
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXACT = {"min": np.min, "max": np.max, "any": np.any, "all": np.all}
ROUNDED = {"sum": np.sum, "mean": np.mean, "prod": np.prod}
SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0]


def _elements(dtype, specials, bound):
    if np.dtype(dtype).kind != "f":
        return st.integers(-50, 50) if np.dtype(dtype).kind == "i" else None
    width = 32 if dtype == np.float32 else 64
    bounded = st.floats(-bound, bound, width=width)
    return st.one_of(bounded, st.sampled_from(SPECIALS)) if specials else bounded


@st.composite
def case(draw, dtypes, specials=False, bound=1e3, min_side=0):
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=min_side, max_side=5))
    x = draw(hnp.arrays(dtype, shape, elements=_elements(dtype, specials, bound)))
    nd = len(shape)
    picked = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
    # Each axis spelled positive or negative at random; an int when one axis is picked.
    spelled = tuple(a - nd if draw(st.booleans()) else a for a in picked)
    axis = spelled[0] if len(spelled) == 1 and draw(st.booleans()) else spelled
    axis = draw(st.sampled_from([axis, None])) if draw(st.integers(0, 5)) == 0 else axis
    return x, axis, draw(st.booleans())


def _run(fn, x):
    return np.asarray(ff.jit(fn)(x))


def _rtol(x):
    return 2e-5 if x.dtype == np.float32 else 1e-12


@SETTINGS
@given(case([np.float32, np.float64, np.int32, np.int64, np.bool_], specials=True), st.sampled_from(sorted(EXACT)))
def test_order_free_reductions_match_numpy_exactly(c, kind):
    x, axis, keepdims = c
    try:
        want = EXACT[kind](x, axis=axis, keepdims=keepdims)
    except ValueError:  # min/max of an empty line: NumPy's ValueError, the same type inside ff.jit
        with pytest.raises(ValueError):
            _run(lambda a: getattr(R, kind)(a, axis=axis, keepdims=keepdims), x)
        return
    got = _run(lambda a: getattr(R, kind)(a, axis=axis, keepdims=keepdims), x)
    assert got.shape == np.shape(want) and got.dtype == np.asarray(want).dtype, (got.shape, got.dtype, np.shape(want))
    np.testing.assert_array_equal(got, want)


@SETTINGS
@given(case([np.float32, np.float64], specials=True, min_side=1), st.sampled_from(["argmin", "argmax"]), st.data())
def test_arg_reductions_match_numpy(c, kind, data):
    x, _, keepdims = c
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    want = getattr(np, kind)(x, axis=axis, keepdims=keepdims)
    got = _run(lambda a: getattr(R, kind)(a, axis=axis, keepdims=keepdims), x)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)  # first extremum, NaN counts as the extremum (NumPy)


def _close(got, want, x, axis, keepdims):
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    mag = np.sum(np.abs(x.astype(np.float64)), axis=axis, keepdims=keepdims)
    rtol = _rtol(x)
    assert np.all(np.abs(got.astype(np.float64) - np.asarray(want, np.float64)) <= rtol * (mag + np.abs(np.asarray(want, np.float64))) + 1e-300), (got, want)


@SETTINGS
@given(case([np.float32, np.float64, np.int32, np.int64], bound=1e3), st.sampled_from(["sum", "mean"]))
def test_sum_mean_match_numpy(c, kind):
    x, axis, keepdims = c
    with np.errstate(all="ignore"):
        want = ROUNDED[kind](x, axis=axis, keepdims=keepdims)
    got = _run(lambda a: getattr(R, kind)(a, axis=axis, keepdims=keepdims), x)
    assert got.dtype == np.asarray(want).dtype, (got.dtype, np.asarray(want).dtype)
    nan = np.isnan(np.asarray(want, np.float64))  # mean of an empty line
    np.testing.assert_array_equal(np.isnan(got.astype(np.float64)), nan)
    _close(np.where(nan, 0, got), np.where(nan, 0, want), x, axis, keepdims)


@SETTINGS
@given(case([np.float32, np.float64], bound=2.0))
def test_prod_matches_numpy(c):
    x, axis, keepdims = c
    want = np.prod(x, axis=axis, keepdims=keepdims)
    got = _run(lambda a: R.prod(a, axis=axis, keepdims=keepdims), x)
    assert got.dtype == want.dtype
    # |prod| <= 2**(5**4): a relative tolerance per factor, scaled by the line length.
    n = max(1, x.size // max(1, want.size))
    np.testing.assert_allclose(got, want, rtol=n * _rtol(x), atol=np.finfo(x.dtype).tiny)


@SETTINGS
@given(case([np.float32, np.float64], bound=1e3), st.sampled_from([0, 1]), st.sampled_from(["var", "std"]))
def test_var_std_match_numpy(c, ddof, kind):
    x, axis, keepdims = c
    with np.errstate(all="ignore"):
        want = getattr(np, kind)(x, axis=axis, ddof=ddof, keepdims=keepdims)
    got = _run(lambda a: getattr(R, kind)(a, axis=axis, ddof=ddof, keepdims=keepdims), x)
    assert got.shape == want.shape and got.dtype == want.dtype
    nan = np.isnan(want) | np.isinf(want)  # n - ddof <= 0: NumPy's NaN/inf
    np.testing.assert_array_equal(np.isnan(got) | np.isinf(got), nan)
    # var's error is relative to mean(x**2), not to var itself (cancellation in x - mean).
    scale = np.mean(x.astype(np.float64) ** 2, axis=axis, keepdims=keepdims) if x.size else np.zeros(want.shape)
    scale = np.sqrt(scale) if kind == "std" else scale
    ok = np.abs(got.astype(np.float64) - want) <= 10 * _rtol(x) * (np.broadcast_to(scale, want.shape) + np.abs(want))
    assert np.all(ok | nan), (x, axis, got, want)


@pytest.mark.parametrize("kind", ["sum", "prod", "any", "all", "mean"])
def test_empty_lines_over_non_adjacent_axes(kind):
    # Reduced axes 0 and 2 do not merge and axis 0 has length 0: every line is empty (found by the
    # hypothesis test above: prod read x's first element, past the end of a 0-size array).
    x = np.zeros((0, 3, 2), np.float32)
    with np.errstate(all="ignore"):
        want = getattr(np, kind)(x, axis=(0, 2))
    got = _run(lambda a: getattr(R, kind)(a, axis=(0, 2)), x)
    assert got.shape == want.shape == (3,)
    np.testing.assert_array_equal(got, want)
