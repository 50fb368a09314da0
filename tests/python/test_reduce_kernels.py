"""Block reduction kernels (fuseflow._core.reduce_kernel) against NumPy and math.fsum."""

import math

import numpy as np
import pytest

from fuseflow import _core

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 7, 16, 17, 1000, 100_003])
def test_sum_and_dot_close_to_exact(n, dtype):
    x = RNG.uniform(-1, 1, n).astype(dtype)
    y = RNG.uniform(-1, 1, n).astype(dtype)
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    # float32 inputs accumulate in float64, so both dtypes meet a float64-sized bound.
    bound = (n / 16 + 5) * np.finfo(np.float64).eps
    assert abs(_core.reduce_kernel("sum", x) - math.fsum(x64)) <= bound * np.abs(x64).sum()
    exact_dot = math.fsum((x64 * y64).tolist())  # products of float32 values are exact in float64
    assert abs(_core.reduce_kernel("dot", x, y) - exact_dot) <= (bound + 2**-53) * np.abs(x64 * y64).sum()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_min_max_arg_match_numpy_with_ties_and_nan(dtype):
    x = np.round(RNG.uniform(-20, 20, 5001)).astype(dtype)
    for name, fn in [("min", np.min), ("max", np.max), ("argmin", np.argmin), ("argmax", np.argmax)]:
        assert _core.reduce_kernel(name, x) == fn(x), name
    x[[1234, 4000]] = np.nan
    assert np.isnan(_core.reduce_kernel("min", x)) and np.isnan(_core.reduce_kernel("max", x))
    assert _core.reduce_kernel("argmin", x) == np.argmin(x) == 1234
    assert _core.reduce_kernel("argmax", x) == np.argmax(x) == 1234


@pytest.mark.parametrize("n", [5, 16, 4099])
def test_sum_follows_the_documented_order_bitwise(n):
    # reduce.h: element i goes to partial i % 16 in index order; partials combine pairwise.
    x = RNG.standard_normal(n) * 10.0 ** RNG.integers(-8, 8, n)
    partials = [float(np.add.accumulate(x[j::16])[-1]) if j < n else 0.0 for j in range(16)]
    width = 8
    while width >= 1:
        partials = [partials[j] + partials[j + width] for j in range(width)]
        width //= 2
    assert _core.reduce_kernel("sum", x) == partials[0]


def test_unknown_reduction_raises_value_error():
    with pytest.raises(ValueError, match="name: must be one of sum, dot"):
        _core.reduce_kernel("mean", np.ones(3))


def test_dot_without_y_raises_value_error():
    with pytest.raises(ValueError, match="y: is required for dot"):
        _core.reduce_kernel("dot", np.ones(3))


def test_dot_length_mismatch_raises_value_error():
    with pytest.raises(ValueError, match="y: must have the same length as x"):
        _core.reduce_kernel("dot", np.ones(3), np.ones(4))


def test_dot_dtype_mismatch_raises_type_error():
    with pytest.raises(TypeError, match="y: must have the same dtype as x"):
        _core.reduce_kernel("dot", np.ones(3), np.ones(3, dtype=np.float32))


def test_y_for_other_reductions_raises_value_error():
    with pytest.raises(ValueError, match="y: is only accepted by dot"):
        _core.reduce_kernel("sum", np.ones(3), np.ones(3))


def test_integer_input_raises_type_error():
    with pytest.raises(TypeError, match="x: must be a float32 or float64 array, got int32"):
        _core.reduce_kernel("sum", np.ones(3, dtype=np.int32))
