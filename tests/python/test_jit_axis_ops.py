"""Array ops along an axis (cumsum, cumprod, cummax, cummin, sort, argsort) and transposes inside
ff.jit, against NumPy (and bitwise against the eager ff.* call, which runs the same kernels), for
random shapes up to rank 4 with 0-size and length-1 axes, every dtype, NaN/inf; plus the rules."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import fuseflow as ff

_DTYPES = ["bool", "int32", "int64", "float32", "float64"]
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SHAPES = hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)


def _values(dtype, shape, small=False):
    elements = {
        "bool": st.booleans(),
        "int32": st.integers(-3, 3) if small else st.integers(-1000, 1000),
        "int64": st.integers(-3, 3) if small else st.integers(-10 ** 6, 10 ** 6),
        "float32": st.floats(-2, 2, width=32) if small else st.floats(width=32, allow_nan=True, allow_infinity=True),
        "float64": st.floats(-2, 2) if small else st.floats(allow_nan=True, allow_infinity=True),
    }[dtype]
    return hnp.arrays(np.dtype(dtype), shape, elements=elements)


def _numpy_cumsum(x, axis):
    return np.cumsum(x, axis=axis)


def _numpy_cumprod(x, axis):
    return np.cumprod(x, axis=axis)


_NUMPY = {
    "cumsum": _numpy_cumsum,
    "cumprod": _numpy_cumprod,
    "cummax": lambda x, axis: np.maximum.accumulate(x, axis=axis) if x.dtype != np.bool_ else np.logical_or.accumulate(x, axis=axis),
    "cummin": lambda x, axis: np.minimum.accumulate(x, axis=axis) if x.dtype != np.bool_ else np.logical_and.accumulate(x, axis=axis),
    "sort": lambda x, axis: np.sort(x, axis=axis),
    "argsort": lambda x, axis: np.argsort(x, axis=axis, kind="stable"),
}

# One jit function per (op, axis), made once (module-level: hypothesis must not hold them).
_JITS = {}


def _jit(op, axis):
    key = (op, axis)
    if key not in _JITS:
        fn = getattr(ff, op)

        def program(x):
            return fn(x, axis=axis)

        program.__name__ = f"{op}_axis{axis}"
        _JITS[key] = ff.jit(program)
    return _JITS[key]


def _check(got, want, exact):
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if exact:
        np.testing.assert_array_equal(got, want)
    else:
        tol = 1e-5 if want.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * 10)


@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("op", sorted(_NUMPY))
@_SETTINGS
@given(data=st.data())
def test_axis_op_matches_numpy_and_eager(op, dtype, data):
    shape = data.draw(_SHAPES)
    small = op in ("cumsum", "cumprod")
    x = data.draw(_values(dtype, shape, small=small))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    got = _jit(op, axis)(x)
    eager = getattr(ff, op)(x, axis=axis)
    np.testing.assert_array_equal(got, eager)  # same kernel, same bits
    assert got.dtype == eager.dtype
    # Reassociated float sums/products (last axis) agree with NumPy to a tolerance; the rest exactly.
    exact = not (small and dtype.startswith("float"))
    _check(got, _NUMPY[op](x, axis), exact)


_PERMS = {
    1: [(0,)],
    2: [(1, 0)],
    3: [(2, 1, 0), (1, 0, 2), (0, 2, 1), (2, 0, 1)],
    4: [(3, 2, 1, 0), (0, 2, 3, 1), (1, 0, 3, 2)],
}
_TRANSPOSES = {}


def _transpose_jit(perm):
    if perm not in _TRANSPOSES:
        def program(x):
            return x.transpose(perm) * 1, x.T

        _TRANSPOSES[perm] = ff.jit(program)
    return _TRANSPOSES[perm]


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64"])
@_SETTINGS
@given(data=st.data())
def test_transpose_matches_numpy(dtype, data):
    shape = data.draw(_SHAPES)
    x = data.draw(_values(dtype, shape))
    perm = data.draw(st.sampled_from(_PERMS[len(shape)]))
    moved, reversed_ = _transpose_jit(perm)(x)
    _check(moved, x.transpose(perm) * 1, exact=True)
    _check(reversed_, x.T, exact=True)


@ff.jit
def _bool_transpose(x):
    return x.T


def test_transpose_of_bool_and_one_dimensional():
    x = np.array([[True, False, True], [False, False, True]])
    _check(_bool_transpose(x), x.T, exact=True)
    v = np.arange(5.0)
    _check(_bool_transpose(v), v, exact=True)


@ff.jit
def _softmax_rank(x):
    # An axis op between elementwise producers and consumers, on a transposed view.
    e = ff.exp(x - 1.0)
    c = ff.cumsum(e, axis=1)
    return (c / 2.0).T + ff.sort(x, axis=0).T


def test_axis_ops_compose_with_elementwise_and_transpose():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((7, 33))
    want = (np.cumsum(np.exp(x - 1.0), axis=1) / 2.0).T + np.sort(x, axis=0).T
    np.testing.assert_allclose(_softmax_rank(x), want, rtol=1e-12, atol=1e-12)


@ff.jit
def _cumsum_in_loop(x):
    def body(acc):
        return ff.cumsum(acc, axis=0) * 0.5
    return ff.fori_loop(3, body, x)


def test_axis_op_inside_a_loop():
    x = np.linspace(-1, 1, 12).reshape(4, 3)
    want = x
    for _ in range(3):
        want = np.cumsum(want, axis=0) * 0.5
    np.testing.assert_allclose(_cumsum_in_loop(x), want, rtol=1e-12, atol=1e-15)


@pytest.mark.plan
def test_axis_op_is_one_plan_step_between_kernels():
    x = np.ones((3, 4))
    text = _softmax_rank.ir(x, optimized=True)
    assert "cumsum.axis1" in text and "transpose.p10" in text and "sort.axis0" in text
    assert "cumsum(axis=1)" in text and "transpose(perm=10)" in text


# --------------------------------------------------------------------------- rules

def _trace(fn, *args):
    return ff.jit(fn)(*args)


def test_axis_out_of_range_is_an_axis_error_naming_axis():
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError, match="axis"):
        _trace(lambda a: ff.cumsum(a, axis=2), x)
    with pytest.raises(np.exceptions.AxisError, match="axis"):
        _trace(lambda a: ff.sort(a, axis=-3), x)


def test_non_integer_axis_is_a_type_error():
    with pytest.raises(TypeError, match="axis: must be an integer"):
        _trace(lambda a: ff.argsort(a, axis=1.0), np.ones((2, 3)))


def test_axis_none_of_nd_traced_array_is_not_implemented_naming_axis():
    with pytest.raises(NotImplementedError, match="axis: ff.cumsum"):
        _trace(lambda a: ff.cumsum(a), np.ones((2, 3)))
    # 1-D: axis=None is the array itself, as NumPy.
    np.testing.assert_array_equal(_trace(lambda a: ff.cumsum(a), np.arange(4)), np.cumsum(np.arange(4)))


def test_axis_op_of_traced_scalar_is_a_type_error_naming_x():
    with pytest.raises(TypeError, match="x: ff.cummax needs an array"):
        _trace(lambda a: ff.cummax(ff.sum(a)), np.ones(3))


def test_transpose_rules():
    x = np.ones((2, 3, 4))
    with pytest.raises(ValueError, match="axes: must name each of the 3 axes once"):
        _trace(lambda a: a.transpose(1, 0), x)
    with pytest.raises(ValueError, match="axes: repeated axis"):
        _trace(lambda a: a.transpose(0, 0, 1), x)
    with pytest.raises(np.exceptions.AxisError, match="axes"):
        _trace(lambda a: a.transpose(0, 1, 3), x)
    with pytest.raises(TypeError, match="axes: entries must be integers"):
        _trace(lambda a: a.transpose(0, 1, "2"), x)
    with pytest.raises(TypeError, match="x: transpose needs an array"):
        _trace(lambda a: ff.sum(a).T, x)
    np.testing.assert_array_equal(_trace(lambda a: a.transpose(None) + 0, x), x.T)
    np.testing.assert_array_equal(_trace(lambda a: a.transpose([0, -1, 1]) + 0, x), x.transpose(0, 2, 1))


def test_static_quantile_list_inside_jit_names_q():
    # diff/top_k/median/quantile/bincount/histogram trace now (tests/python/test_jit_array_stats.py);
    # a Python list of quantiles cannot be a traced constant.
    with pytest.raises(TypeError, match="q: inside ff.jit"):
        _trace(lambda a: ff.quantile(a, [0.1, 0.5]), np.ones(3))


# --------------------------------------------------------------------------- take and indexing

_TAKES = {}


def _take_jit(axis):
    if axis not in _TAKES:
        def program(x, idx):
            return ff.take(x, idx, axis=axis)

        _TAKES[axis] = ff.jit(program)
    return _TAKES[axis]


@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("idx_dtype", ["int32", "int64"])
@_SETTINGS
@given(data=st.data())
def test_take_matches_numpy(dtype, idx_dtype, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))
    x = data.draw(_values(dtype, shape))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    idx_rank = data.draw(st.integers(0, 4 - len(shape) + 1))
    idx_shape = data.draw(hnp.array_shapes(min_dims=idx_rank, max_dims=idx_rank, min_side=0, max_side=4)) if idx_rank else ()
    if n == 0:
        idx = np.zeros(idx_shape, idx_dtype)
        try:  # NumPy checks the indices even when the result is empty (if rows precede the axis)
            np.take(x, idx, axis=axis)
        except IndexError:
            with pytest.raises(IndexError, match="idx: index 0 at position 0 is out of bounds"):
                _take_jit(axis)(x, idx if idx.ndim else idx[()])
            return
    else:
        idx = data.draw(hnp.arrays(np.dtype(idx_dtype), idx_shape, elements=st.integers(-n, n - 1)))
    if idx.ndim == 0:
        idx = idx_dtype == "int64" and np.int64(idx) or np.int32(idx)
    got = _take_jit(axis)(x, idx)
    want = np.take(x, idx, axis=axis)
    assert np.shape(got) == want.shape and np.asarray(got).dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@ff.jit
def _indexing(x, i, idx):
    return x[:, 0] * 2, x[-1], x[..., i], x[:, idx], x[1, ...]


def test_integer_and_array_indexing_match_numpy():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5, 3))
    idx = np.array([4, -5, 0, 2])
    got = _indexing(x, 2, idx)
    want = (x[:, 0] * 2, x[-1], x[..., 2], x[:, idx], x[1, ...])
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@ff.jit
def _scalar_index(v, k):
    return v[0] + v[-1] * v[k]


def test_one_dimensional_index_gives_a_scalar_and_checks_bounds_at_run_time():
    v = np.array([1.5, -2.0, 4.0, 8.0])
    assert _scalar_index(v, 2) == 1.5 + 8.0 * 4.0
    assert _scalar_index(v, -3) == 1.5 + 8.0 * -2.0
    with pytest.raises(IndexError, match=r"idx: index 4 .*out of bounds for an axis of size 4"):
        _scalar_index(v, 4)
    with pytest.raises(IndexError, match=r"idx: index -5 "):
        _scalar_index(v, -5)
    with pytest.raises(IndexError, match="idx"):
        _scalar_index(np.zeros(0), 0)


def test_gather_out_of_range_is_an_index_error_naming_idx():
    with pytest.raises(IndexError, match=r"idx: index 3 at position 1"):
        _take_jit(0)(np.arange(3.0), np.array([0, 3, 1]))


def test_indexing_rules_name_index():
    x = np.ones((2, 3))
    np.testing.assert_array_equal(_trace(lambda a: a[1:], x), x[1:])  # slices: tests/python/test_jit_slices.py
    with pytest.raises(NotImplementedError, match="index: boolean masks"):
        _trace(lambda a: a[a > 0], x)
    with pytest.raises(NotImplementedError, match="index: indexing more than one axis"):
        _trace(lambda a: a[0, 1], x)
    with pytest.raises(IndexError, match="index: too many indices for a 2-D array"):
        _trace(lambda a: a[:, :, 0], x)
    with pytest.raises(IndexError, match="index: an index can only have a single ellipsis"):
        _trace(lambda a: a[..., 0, ...], x)
    with pytest.raises(TypeError, match="index: a traced scalar cannot be indexed"):
        _trace(lambda a: ff.sum(a)[0], x)
    np.testing.assert_array_equal(_trace(lambda a: a[:, :] + 0, x), x)


def test_take_rules_name_the_argument():
    x = np.ones((2, 3))
    with pytest.raises(TypeError, match="idx: must be an int32 or int64"):
        _trace(lambda a, i: ff.take(a, i), x, np.array([0.0]))
    with pytest.raises(TypeError, match="idx: inside ff.jit must be a traced"):
        _trace(lambda a: ff.take(a, [0, 1]), x)
    with pytest.raises(np.exceptions.AxisError, match="axis"):
        _trace(lambda a: ff.take(a, 0, axis=2), x)
    with pytest.raises(ValueError, match="at most 4"):
        _trace(lambda a, i: ff.take(a, i, axis=0), np.ones((2, 2, 2)), np.zeros((1, 1, 1), np.int64))
