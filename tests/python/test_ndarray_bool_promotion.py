"""NumPy 2 promotion of arithmetic on two bool operands inside ff.jit: + and maximum are logical or,
* and minimum logical and (bool results, checked against NumPy); -, //, % and ** raise TypeError
(NumPy raises for -, and gives int8 for the others, a dtype fuseflow does not have)."""
import itertools

import numpy as np
import pytest

import fuseflow as ff

_A = np.array([[True, False], [True, False]])
_B = np.array([True, False])  # broadcasts along the last axis: all four pairs appear

_ALLOWED = {
    "add": (lambda x, y: x + y, np.add),
    "mul": (lambda x, y: x * y, np.multiply),
    "maximum": (lambda x, y: ff.maximum(x, y), np.maximum),
    "minimum": (lambda x, y: ff.minimum(x, y), np.minimum),
}


def _check(got, want):
    assert got.dtype == want.dtype == np.bool_
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", sorted(_ALLOWED))
def test_bool_pairs_follow_numpy(name):
    fn, ref = _ALLOWED[name]
    _check(ff.jit(fn)(_A, _B), ref(_A, _B))
    _check(ff.jit(fn)(_B, _A), ref(_B, _A))
    _check(ff.jit(fn)(_A.reshape(2, 1, 2, 1), _B.reshape(2, 1)), ref(_A.reshape(2, 1, 2, 1), _B.reshape(2, 1)))


@pytest.mark.parametrize("name", sorted(_ALLOWED))
@pytest.mark.parametrize("scalar", [True, False])
def test_bool_array_with_python_bool(name, scalar):
    fn, ref = _ALLOWED[name]
    _check(ff.jit(lambda x: fn(x, scalar))(_A), ref(_A, scalar))
    _check(ff.jit(lambda x: fn(scalar, x))(_A), ref(scalar, _A))


def test_bool_results_of_comparisons_add_like_numpy():
    x = np.array([-2.0, -1.0, 0.0, 1.0, np.nan])
    got = ff.jit(lambda v: (v > 0) + (v < 0))(x)
    _check(got, (x > 0) + (x < 0))
    got = ff.jit(lambda v: (v >= 0) * (v <= 0))(x)
    _check(got, (x >= 0) * (x <= 0))


def test_bool_with_other_dtypes_still_promotes_like_numpy():
    for dt in ("int32", "int64", "float32", "float64"):
        y = np.arange(4, dtype=dt).reshape(2, 2)
        for fn, ref in ((lambda a, b: a + b, np.add), (lambda a, b: a * b, np.multiply)):
            got, want = ff.jit(fn)(_A, y), ref(_A, y)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fn,numpy_raises", [
    (lambda x, y: x - y, True),
    (lambda x, y: x // y, False),
    (lambda x, y: x % y, False),
    (lambda x, y: x ** y, False),
])
def test_bool_pairs_without_a_bool_result_raise(fn, numpy_raises):
    if numpy_raises:
        with pytest.raises(TypeError):
            fn(_A, _B)
    else:
        with np.errstate(all="ignore"):
            assert fn(_A, _B).dtype == np.int8  # the reason: fuseflow has no int8
    with pytest.raises(TypeError, match=r"arithmetic on bool values.*(not supported|int8)"):
        ff.jit(fn)(_A, _B)


def test_all_bool_pairs_exhaustive():
    pairs = np.array(list(itertools.product([False, True], repeat=2)))
    x, y = pairs[:, 0].copy(), pairs[:, 1].copy()
    for name, (fn, ref) in _ALLOWED.items():
        _check(ff.jit(fn)(x, y), ref(x, y))
