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


def _signed_zero_cases(rng, n, dtype):
    """Arrays holding both zeros (in random slots) and nothing below them (for min) or above them
    (for max), as (for_min, for_max)."""
    mags = rng.integers(1, 100, n).astype(dtype)
    for_min, for_max = mags.copy(), -mags
    slots = rng.choice(n, size=min(n, 4), replace=False)
    signs = np.array([0.0, -0.0, 0.0, -0.0], dtype=dtype)[: len(slots)]
    if len(slots) >= 2:
        rng.shuffle(signs)
        if not (np.signbit(signs).any() and not np.signbit(signs).all()):
            signs[0], signs[1] = dtype(0.0), dtype(-0.0)
    for_min[slots] = signs
    for_max[slots] = signs
    return for_min, for_max


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_min_max_order_zeros_like_ieee_whatever_the_path(dtype, two_threads):
    """min over -0.0 and +0.0 is -0.0 and max is +0.0 (IEEE 754-2019 minimum / maximum), whether
    the lone kernel, the block kernel, a kernel fusing two reductions or an axis reduction
    reduces, at 1 and 2 threads: the sign no longer follows the visiting order. (NumPy's, which
    eager calls on NumPy arrays run, does: np.min([0.0, -0.0]) is -0.0, np.min([-0.0, 0.0]) 0.0.)"""
    rng = np.random.default_rng(11)
    paths = {
        "lone": lambda f: ff.jit(lambda x: f(x)),
        "block": lambda f: ff.jit(lambda x: f(x * 1.0)),  # x * 1.0 keeps -0.0 (x + 0.0 would not)
        "two reductions": lambda f: ff.jit(lambda x: (f(x * 1.0), ff.sum(x * 2.0))),
        "axis": lambda f: ff.jit(lambda x: f(ff.reshape(x, (1, -1)), axis=1)),
    }
    for n in [2, 3, 17, 255, 257, 4099, 70_001, 300_001]:
        for_min, for_max = _signed_zero_cases(rng, n, dtype)
        for threads in (1, 2):
            ff.set_num_threads(threads)
            for label, make in paths.items():
                lo, hi = make(ff.min)(for_min), make(ff.max)(for_max)
                lo = np.asarray(lo[0] if isinstance(lo, tuple) else lo).reshape(-1)[0]
                hi = np.asarray(hi[0] if isinstance(hi, tuple) else hi).reshape(-1)[0]
                assert lo == 0 and np.signbit(lo), (label, n, threads, lo)
                assert hi == 0 and not np.signbit(hi), (label, n, threads, hi)
            # arg* keep NumPy's first of equals (0.0 == -0.0).
            argmin, argmax = ff.jit(lambda x: ff.argmin(x * 1.0)), ff.jit(lambda x: ff.argmax(x * 1.0))
            assert argmin(for_min) == np.argmin(for_min) and argmax(for_max) == np.argmax(for_max)
        ff.set_num_threads(2)


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
