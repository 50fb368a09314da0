"""Lone full reductions (a kernel that only reduces one contiguous float array) run the SIMD fast
path of src/exec/executor_reduce.cpp. Checked against NumPy, and bitwise against the block
kernel (the same reduction fused behind an op `x + 0.0` (x bitwise for data without -0.0), which keeps the interpreter path)
at 1 and 2 threads, across chunk (64K) and block (256) boundaries, ranks 1-3, NaN and empty input.
"""

import numpy as np
import pytest

import fuseflow as ff

OPS = ["sum", "mean", "min", "max", "argmin", "argmax"]
# Around the 256-element block, the 64K-element chunk and the 256K parallel threshold.
SIZES = [1, 15, 16, 17, 255, 256, 257, 65535, 65536, 65537, 300_001]


def _lone(name):
    fn = getattr(ff, name)
    return ff.jit(lambda x: fn(x))


def _fused(name):
    fn = getattr(ff, name)
    return ff.jit(lambda x: fn(x + 0.0))  # fused: the block kernel reduces


@pytest.fixture
def two_threads():
    before = ff.get_num_threads()
    ff.set_num_threads(2)
    yield
    ff.set_num_threads(before)


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype
    if a.dtype.kind == "f" and np.isnan(a) and np.isnan(b):
        return
    assert a.tobytes() == b.tobytes(), (a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", OPS)
def test_lone_reduction_matches_numpy_and_block_kernel(name, dtype, two_threads):
    rng = np.random.default_rng(7)
    lone, fused = _lone(name), _fused(name)
    for n in SIZES:
        x = (rng.standard_normal(n) * 100).astype(dtype)
        got = lone(x)
        ref = getattr(np, name)(x)
        if name in ("argmin", "argmax", "min", "max"):
            assert got == ref, (n, got, ref)
        else:
            # float32 sums accumulate in float32 lanes like the block kernel; NumPy is pairwise.
            tol = 1e-4 if dtype == np.float32 else 1e-10
            np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * np.abs(x).sum() / max(n, 1))
        _same_bits(got, fused(x))
        ff.set_num_threads(1)
        _same_bits(got, lone(x))
        ff.set_num_threads(2)


@pytest.mark.parametrize("shape", [(3, 5), (512, 513), (7, 300, 40), (1, 1, 1)])
@pytest.mark.parametrize("name", ["sum", "min", "max", "argmax"])
def test_lone_reduction_of_nd_arrays(name, shape):
    x = np.random.default_rng(3).random(shape, dtype=np.float32)
    got = _lone(name)(x)
    ref = getattr(np, name)(x)
    if name == "sum":
        np.testing.assert_allclose(got, ref, rtol=1e-5)
    else:
        assert got == ref
    _same_bits(got, _fused(name)(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", OPS)
def test_lone_reduction_nan_rules(name, dtype):
    for n, where in [(10, [3]), (70_000, [65_540, 69_999]), (300_000, [5, 200_000])]:
        x = np.arange(n, dtype=dtype)
        x[where] = np.nan
        got = _lone(name)(x)
        ref = getattr(np, name)(x)
        if name.startswith("arg"):
            assert got == ref == where[0]
        else:
            assert np.isnan(got) and np.isnan(ref)


def test_lone_reduction_infinities_and_signed_zero():
    x = np.array([-np.inf, 1.0, np.inf, -0.0, 0.0], dtype=np.float64)
    assert _lone("min")(x) == -np.inf and _lone("max")(x) == np.inf
    assert _lone("argmin")(x) == 0 and _lone("argmax")(x) == 2
    assert np.isnan(_lone("sum")(x)) and np.isnan(np.sum(x))


@pytest.mark.parametrize("name", ["min", "max"])
def test_lone_reduction_of_empty_array_raises_like_before(name):
    with pytest.raises(ValueError, match="zero-size array"):
        _lone(name)(np.zeros(0, dtype=np.float32))


@pytest.mark.parametrize("name", ["argmin", "argmax"])
def test_lone_arg_reduction_of_empty_array_raises(name):
    with pytest.raises(ValueError, match="empty sequence"):
        _lone(name)(np.zeros(0, dtype=np.float64))


def test_lone_sum_and_mean_of_empty_array():
    assert _lone("sum")(np.zeros(0, dtype=np.float64)) == 0.0
    assert np.isnan(_lone("mean")(np.zeros(0, dtype=np.float64)))
