"""Kernels of at most 4,096 elements run with their operands on the stack
(src/exec/executor_small.cpp); longer ones take the general path. Both against NumPy at the
boundary sizes, with broadcast operands read as blocks and as scalars, fused reductions across
blocks, casts, and the error flags a kernel raises."""

import numpy as np
import pytest

import fuseflow as ff

SIZES = [1, 2, 255, 256, 257, 1024, 4095, 4096, 4097, 8192]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_elementwise_chain_matches_numpy(n, dtype):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 10).astype(dtype)
    y = (rng.standard_normal(n) * 10).astype(dtype)
    got = ff.jit(lambda a, b: (a + b) * a - b)(x, y)
    np.testing.assert_array_equal(got, (x + y) * x - y)


@pytest.mark.parametrize("n", SIZES)
def test_broadcast_operand_read_as_a_block(n):
    # where's untaken branch is a scalar broadcast that the ternary reads as a whole block.
    x = np.random.default_rng(1).standard_normal(n)
    got = ff.jit(lambda a, s: ff.where(a > 0, a, s))(x, 2.5)
    np.testing.assert_array_equal(got, np.where(x > 0, x, 2.5))


@pytest.mark.parametrize("n", SIZES)
def test_fused_reduction_across_blocks(n):
    x = np.random.default_rng(2).standard_normal(n).astype(np.float32)
    got = ff.jit(lambda a: ff.sum(a * 2.0 + 1.0))(x)
    np.testing.assert_allclose(got, np.sum(x * np.float32(2) + np.float32(1), dtype=np.float64), rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(ff.jit(lambda a: ff.argmax(a * 3.0))(x), np.argmax(x * 3.0))


@pytest.mark.parametrize("n", [1, 300, 4096, 5000])
def test_cast_and_scalar_forms(n):
    x = np.arange(n, dtype=np.int32)
    got = ff.jit(lambda a: a.astype(np.float64) / 3.0 + (1.0 - a))(x)
    np.testing.assert_allclose(got, x.astype(np.float64) / 3.0 + (1.0 - x), rtol=1e-15)


@pytest.mark.parametrize("n", [1, 300, 5000])
def test_kernel_error_flags_raise(n):
    x = np.full(n, 2, dtype=np.int64)
    e = np.zeros(n, dtype=np.int64)
    e[-1] = -1
    with pytest.raises(ValueError, match="negative integer powers"):
        ff.jit(lambda a, b: a ** b)(x, e)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_without_registers_runs_whole_and_keeps_the_bits(dtype):
    # A kernel with no registers runs its small case in one piece instead of block by block
    # (executor_small.cpp); every element must keep the bits the blocked (long) run gives it.
    rng = np.random.default_rng(7)
    long = rng.standard_normal(9000).astype(dtype) * 4
    for fn in (lambda a: ff.exp(a), lambda a: ff.tanh(a), lambda a: ff.sigmoid(a), lambda a: a * 3.0):
        f = ff.jit(fn)
        want = f(long)  # 9,000 elements: the general path, 256-element blocks
        for n in (1, 255, 257, 1000, 4095, 4096):
            got = f(long[:n].copy())
            assert got.tobytes() == want[:n].tobytes()
