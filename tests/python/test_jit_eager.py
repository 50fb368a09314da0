"""Eager ff.exp(x) etc. outside ff.jit: contiguous float32/float64 NumPy arrays go to the native
SIMD kernel (bit for bit what the same op gives inside ff.jit, and within the kernels' documented
accuracy of NumPy/SciPy, special values exact); everything else goes to NumPy unchanged."""

import numpy as np
import pytest
import scipy.special as sc

import fuseflow as ff
from fuseflow import dsl

# ff.* name -> reference (NumPy or SciPy) for the ops with a native kernel.
REFERENCE = {
    "abs": np.abs, "exp": np.exp, "log": np.log, "log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt,
    "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "sigmoid": sc.expit, "erf": sc.erf, "erfc": sc.erfc,
    "norm_cdf": sc.ndtr, "floor": np.floor, "ceil": np.ceil, "round": np.round,
}
# Relative error allowed against the reference (kernels/math.h: <= 3.1 ulp float64, <= 2.9 ulp
# float32, erf family 1e-14 relative; the reference has its own last-ulp error too).
RTOL = {np.float64: 4e-15, np.float32: 1e-6}
# The erf family: 1e-14 relative in the kernels, and SciPy's erfc/ndtr tails are off by a few
# 1e-15 themselves (mpmath is the exact reference in test_math_accuracy.py).
ERF_FAMILY_RTOL = 5e-14


def _values(dtype, n=2000):
    rng = np.random.default_rng(3)
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, np.nan, np.inf, -np.inf, 1e-30, -1e-30, 40.0, -40.0, 700.0, -700.0]
    x = np.concatenate([np.array(special), rng.standard_normal(n) * 5]).astype(dtype)
    return x


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    nan = np.isnan(b)
    np.testing.assert_array_equal(np.isnan(a), nan)
    u = np.dtype(f"u{a.dtype.itemsize}")
    np.testing.assert_array_equal(a[~nan].view(u), b[~nan].view(u))


def _close_to_reference(got, want, dtype, rtol):
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    inf = np.isinf(want)
    np.testing.assert_array_equal(got[inf], want[inf])
    finite = np.isfinite(want)
    tiny = np.finfo(dtype).tiny * 1e3
    np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=tiny)


def _native_max(name, dtype):
    """Largest size eager ff.<name> runs natively (src/api/eager_math.cpp); NumPy above."""
    return ff._core.eager_native_max(ff._core.eager_math_ops()[name], dtype == np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_eager_matches_jit_bitwise_and_reference_within_accuracy(name, dtype):
    fn = getattr(dsl, name)
    x = _values(dtype, 400)  # 416 elements: native for every op (each op's native maximum is >= 1,024)
    assert x.size <= _native_max(name, dtype)
    with np.errstate(all="ignore"):
        want = REFERENCE[name](x)
    got = fn(x)
    assert type(got) is np.ndarray and got.dtype == dtype and not np.shares_memory(got, x)
    _same_bits(got, ff.jit(lambda v: fn(v))(x))
    erf_family = name in ("erf", "erfc", "norm_cdf") and dtype == np.float64
    _close_to_reference(got, want, dtype, ERF_FAMILY_RTOL if erf_family else RTOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_eager_above_the_native_maximum_is_numpys(name, dtype):
    # Sizes where NumPy's own loop was measured faster go to NumPy unchanged; the rest stay native.
    fn = getattr(dsl, name)
    x = _values(dtype, 70_000)
    with np.errstate(all="ignore"):
        got = fn(x)
        if x.size > _native_max(name, dtype):
            _same_bits(got, REFERENCE[name](x))
        else:
            _same_bits(got, ff.jit(lambda v: fn(v))(x))


def test_native_maxima_are_where_numpy_was_measured_faster():
    ops = ff._core.eager_math_ops()
    always = 2**64 - 1
    for name in ("exp", "log", "sin", "cos", "sigmoid", "erf", "erfc", "norm_cdf"):
        assert ff._core.eager_native_max(ops[name], True) == always
        assert ff._core.eager_native_max(ops[name], False) == always
    assert ff._core.eager_native_max(ops["tanh"], True) == 2048
    assert ff._core.eager_native_max(ops["tanh"], False) == always
    for name in ("abs", "floor", "ceil", "round", "sqrt", "log1p"):
        assert 1024 <= ff._core.eager_native_max(ops[name], False) < 70_000
    with pytest.raises(ValueError, match="op"):
        ff._core.eager_native_max(len(ops), True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_eager_on_2d_and_long_arrays(dtype):
    x = _values(dtype, 20_000).reshape(-1, 4)  # C-contiguous 2-D: the kernel over all elements
    _same_bits(dsl.exp(x), ff.jit(lambda v: ff.exp(v))(x.ravel()).reshape(x.shape))
    long = np.linspace(-5, 5, 300_001).astype(dtype)  # several interrupt-checked chunks, GIL released
    _same_bits(dsl.sigmoid(long), ff.jit(lambda v: ff.sigmoid(v))(long))


def test_float32_tanh_of_large_arrays_is_numpys():
    # NumPy's float32 tanh is faster above ~2,000 elements (measured): it is used there, unchanged.
    x = _values(np.float32, 5000)
    _same_bits(dsl.tanh(x), np.tanh(x))


@pytest.mark.parametrize("make", [
    lambda: np.linspace(-2, 2, 101)[::2],                         # strided
    lambda: np.asfortranarray(np.linspace(-2, 2, 12).reshape(3, 4)),  # Fortran order
    lambda: np.arange(-5, 5, dtype=np.int64),                     # integers: NumPy's float64 result
    lambda: np.array([True, False]),
    lambda: np.array(0.5),                                        # 0-d: NumPy gives a scalar
    lambda: np.float32(0.5),
    lambda: 0.5,
    lambda: [0.5, -1.0],
    lambda: np.linspace(-2, 2, 7).astype(">f8"),                  # byte-swapped
])
@pytest.mark.parametrize("name", ["exp", "abs", "round", "erf"])
def test_eager_falls_back_to_numpy_for_other_inputs(make, name):
    x = make()
    with np.errstate(all="ignore"):
        want = REFERENCE[name](x)
        got = getattr(dsl, name)(x)
    assert type(got) is type(want)
    want, got = np.asarray(want), np.asarray(got)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_unary_functions_are_builtins_that_call_like_the_python_ones():
    import inspect

    x = np.linspace(-1.0, 1.0, 9)
    for name in ("exp", "tanh", "erf", "round"):
        fn = getattr(ff, name)
        assert inspect.isbuiltin(fn) and fn.__name__ == name and fn.__module__ == "fuseflow.dsl"
        assert str(inspect.signature(fn)) == "(x)" and ">>>" in fn.__doc__
        _same_bits(fn(x=x), fn(x))  # keyword call: through the Python function, same result
        with pytest.raises(TypeError):
            fn()
        with pytest.raises(TypeError):
            fn(x, x)
    # ndarray subclasses and masked arrays keep NumPy's behaviour (their own types).
    m = np.ma.masked_array(x, mask=x < 0)
    got = ff.exp(m)
    assert type(got) is np.ma.MaskedArray and np.ma.allequal(got, np.ma.exp(m))
    # Inside ff.jit the same names trace.
    np.testing.assert_array_equal(ff.jit(lambda v: ff.exp(v) + 1.0)(x), ff.exp(x) + 1.0)
