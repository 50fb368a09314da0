"""Accuracy and special values of the SIMD math kernels (fuseflow._core.unary_math).

References: mpmath at 40 digits (the truth), and scipy.special / math.erf / NumPy beside it.
Stated ranges: erf on [-6, 6] (|erf| rounds to 1 beyond), erfc on [-6, 26.5] (erfc(26.55) is the
first subnormal), norm_cdf on [-37.5, 9] (Phi(-37.5) ~ 4.6e-308 is the last normal value).
"""

import math

import mpmath
import numpy as np
import pytest
import scipy.special as sc

from fuseflow import _core

mpmath.mp.dps = 40
RNG = np.random.default_rng(20261121)


def unary(name, x):
    return _core.unary_math(name, np.ascontiguousarray(x))


def mp_reference(fn, xs):
    return np.array([float(fn(mpmath.mpf(float(x)))) for x in xs])


def ulp_error(y, ref, dtype):
    """|y - ref| in ulps of `dtype` at ref (ref is exact to far below one ulp)."""
    spacing = np.spacing(np.abs(ref.astype(dtype))).astype(np.float64)
    return np.abs(y.astype(np.float64) - ref) / spacing


def relative_error(y, ref):
    return np.abs(y - ref) / np.abs(ref)


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def test_dispatch_uses_the_widest_simd_target_of_this_cpu():
    target = _core.math_target_name()
    flags = cpu_flags()
    if {"avx512f", "avx512vl", "avx512dq", "avx512bw"} <= flags:
        assert target == "AVX3"
    elif {"avx2", "fma"} <= flags:
        assert target == "AVX2"
    else:
        assert target in {"SSE4", "SSSE3", "EMU128", "SCALAR"}


FLOAT64_ULP_CASES = [
    # name, mpmath reference, inputs, bound (the 2 ulp for exp/log/sqrt)
    ("exp", mpmath.exp, np.concatenate([RNG.uniform(-745, 709.78, 1500), RNG.uniform(-1, 1, 500)]), 2.0),
    ("log", mpmath.log, np.concatenate([10.0 ** RNG.uniform(-310, 308, 1500), RNG.uniform(0.5, 2, 500)]), 2.0),
    ("sqrt", mpmath.sqrt, 10.0 ** RNG.uniform(-310, 308, 1500), 0.5),
]


@pytest.mark.parametrize("name, reference, xs, bound", FLOAT64_ULP_CASES, ids=[c[0] for c in FLOAT64_ULP_CASES])
def test_float64_exp_log_sqrt_within_2_ulp(name, reference, xs, bound):
    y = unary(name, xs)
    err = ulp_error(y, mp_reference(reference, xs), np.float64)
    assert err.max() <= bound, f"{name}: {err.max():.3f} ulp at x={xs[err.argmax()]!r}"


ERF_CASES = [
    ("erf", mpmath.erf, np.concatenate([RNG.uniform(-6, 6, 1500), RNG.uniform(-0.6, 0.6, 500)])),
    ("erfc", mpmath.erfc, np.concatenate([RNG.uniform(-6, 26.5, 1500), RNG.uniform(-0.6, 0.6, 300), [26.5]])),
    ("norm_cdf", mpmath.ncdf, np.concatenate([RNG.uniform(-37.5, 9, 1500), RNG.uniform(-1, 1, 300), [-37.5]])),
]


@pytest.mark.parametrize("name, reference, xs", ERF_CASES, ids=[c[0] for c in ERF_CASES])
def test_erf_family_relative_error_below_1e14_over_normal_range(name, reference, xs):
    err = relative_error(unary(name, xs), mp_reference(reference, xs))
    assert err.max() <= 1e-14, f"{name}: relative error {err.max():.3g} at x={xs[err.argmax()]!r}"


# SciPy and math.erf carry their own rounding error (scipy.special.ndtr reaches 2e-13 near
# x = -37 because it rounds x/sqrt(2) first), so they are compared where they are accurate.
def test_erf_matches_math_erf_and_scipy():
    xs = RNG.uniform(-6, 6, 4000)
    y = unary("erf", xs)
    np.testing.assert_allclose(y, [math.erf(x) for x in xs], rtol=1e-15, atol=0)
    np.testing.assert_allclose(y, sc.erf(xs), rtol=1e-15, atol=0)


def test_erfc_matches_scipy():
    xs = RNG.uniform(-6, 10, 4000)
    np.testing.assert_allclose(unary("erfc", xs), sc.erfc(xs), rtol=1e-14, atol=0)


def test_norm_cdf_matches_scipy_ndtr():
    xs = RNG.uniform(-6, 9, 4000)  # ndtr itself errs by ~x^2 * 1.1e-16 (1e-14 at x = -8)
    np.testing.assert_allclose(unary("norm_cdf", xs), sc.ndtr(xs), rtol=1e-14, atol=0)


FLOAT32_CASES = [
    ("exp", np.exp, RNG.uniform(-103, 88.7, 4000)),
    ("log", np.log, 10.0 ** RNG.uniform(-44, 38, 4000)),
    ("log1p", np.log1p, RNG.uniform(-0.99, 100, 4000)),
    ("expm1", np.expm1, RNG.uniform(-20, 88, 4000)),
    ("sqrt", np.sqrt, 10.0 ** RNG.uniform(-44, 38, 4000)),
    ("sin", np.sin, RNG.uniform(-1000, 1000, 4000)),
    ("cos", np.cos, RNG.uniform(-1000, 1000, 4000)),
    ("tanh", np.tanh, RNG.uniform(-10, 10, 4000)),
    ("sigmoid", sc.expit, RNG.uniform(-100, 100, 4000)),
    ("erf", sc.erf, RNG.uniform(-5, 5, 4000)),
    ("erfc", sc.erfc, RNG.uniform(-5, 9, 4000)),
    ("norm_cdf", sc.ndtr, RNG.uniform(-13, 6, 4000)),
]


@pytest.mark.parametrize("name, reference, xs", FLOAT32_CASES, ids=[c[0] for c in FLOAT32_CASES])
def test_float32_within_4_ulp(name, reference, xs):
    x32 = xs.astype(np.float32)
    y = unary(name, x32)
    assert y.dtype == np.float32
    # float64 references on the float32 inputs are exact to far below one float32 ulp.
    with np.errstate(all="ignore"):
        ref = reference(x32.astype(np.float64))
    err = ulp_error(y, ref, np.float32)
    assert err.max() <= 4.0, f"{name}: {err.max():.3f} ulp at x={x32[err.argmax()]!r}"


SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, -2.0, 0.5, -0.5, 2.5,
                    1e-310, -1e-310, 1e308, -1e308, 709.79, 710.0, -745.2, -746.0, 1000.0, -1000.0,
                    26.6, -26.6, 38.0, -38.0, 1e22])

NUMPY_EQUIVALENTS = {
    "exp": np.exp, "log": np.log, "log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt,
    "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "sigmoid": sc.expit, "erf": sc.erf,
    "erfc": sc.erfc, "norm_cdf": sc.ndtr, "floor": np.floor, "ceil": np.ceil, "round": np.round,
    "abs": np.abs,
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(NUMPY_EQUIVALENTS))
def test_special_values_like_numpy(name, dtype):
    with np.errstate(over="ignore"):  # +-1e308 become +-inf in float32
        x = SPECIAL.astype(dtype)
    with np.errstate(all="ignore"):
        expected = NUMPY_EQUIVALENTS[name](x.astype(np.float64)).astype(dtype)
    y = unary(name, x)
    # NaN, +-inf and exact zeros must match exactly; finite values to within a few ulp.
    np.testing.assert_array_equal(np.isnan(y), np.isnan(expected), err_msg=f"{name} NaN positions")
    np.testing.assert_array_equal(y[np.isinf(expected)], expected[np.isinf(expected)], err_msg=f"{name} inf")
    # SciPy flushes erfc/ndtr to 0 once the result would be subnormal; we return the subnormal.
    assert np.all(np.abs(y[expected == 0]) < np.finfo(dtype).tiny), f"{name} zeros"
    # Finite, normal values: accuracy proper is tested against mpmath above; SciPy's erfc/ndtr
    # here err by up to x^2 * 1.1e-16 themselves (5e-14 at 26.6), hence the looser bound for them.
    normal = np.isfinite(expected) & (np.abs(expected) >= np.finfo(dtype).tiny)
    rtol = 1e-12 if name in ("erfc", "norm_cdf") and dtype == np.float64 else 8 * np.finfo(dtype).eps
    np.testing.assert_allclose(y[normal], expected[normal], rtol=rtol, atol=0, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rounding_ops_equal_numpy_exactly(dtype):
    xs = np.concatenate([RNG.uniform(-1e6, 1e6, 3000), np.arange(-20, 20) + 0.5,
                         RNG.uniform(-4, 4, 3000)]).astype(dtype)
    for name, fn in [("floor", np.floor), ("ceil", np.ceil), ("round", np.round), ("abs", np.abs)]:
        np.testing.assert_array_equal(unary(name, xs), fn(xs), err_msg=name)


def test_sigmoid_and_tanh_stable_for_large_arguments():
    x = np.array([-1e300, -800.0, -50.0, 50.0, 800.0, 1e300])
    np.testing.assert_array_equal(unary("tanh", x), [-1, -1, -1, 1, 1, 1])
    s = unary("sigmoid", x)
    np.testing.assert_array_equal(s[[0, 1, 4, 5]], [0, 0, 1, 1])
    np.testing.assert_allclose(s[2], mp_reference(lambda v: 1 / (1 + mpmath.exp(-v)), [-50.0])[0], rtol=4e-16)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 7, 8, 9, 15, 17, 31, 33])
def test_every_length_matches_elementwise_results(n):
    xs = RNG.uniform(-3, 3, 64)
    for name in ("exp", "norm_cdf", "sin", "round"):
        full = unary(name, xs)
        part = unary(name, xs[:n])
        assert part.shape == (n,)
        np.testing.assert_array_equal(part, full[:n], err_msg=f"{name} n={n}")


def test_unknown_op_name_raises_value_error():
    with pytest.raises(ValueError, match="name: must name a unary math op"):
        _core.unary_math("exp2", np.ones(3))


def test_non_float_dtype_raises_type_error():
    with pytest.raises(TypeError, match="x: must be a float32 or float64 array, got int64"):
        _core.unary_math("exp", np.arange(3, dtype=np.int64))
