"""Buffer reuse in the executor, checked against NumPy: a neighbor_agg whose only reader is its
epilogue writes straight into an epilogue output (updated in place), and a loop takes the buffer of
an init nothing reads after it. The cases put readers in the places that would break either."""

import numpy as np
import pytest

import fuseflow as ff


@pytest.fixture(scope="module")
def graph():
    rng = np.random.default_rng(7)
    n = 3000  # several chunks and blocks
    src = rng.integers(0, n, 20000)
    dst = rng.integers(0, n, 20000)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    return src, dst, n, g


def gather_in(src, dst, n, x):
    return np.bincount(dst, weights=x[src], minlength=n)


def test_epilogue_reading_aggregate_after_writing_an_output(graph):
    src, dst, n, g = graph

    @ff.jit
    def f(g, x):
        a = ff.neighbor_agg(g, x, "sum")
        y = a * 2.0
        z = y + a  # reads the aggregate after y is written
        return y, z, ff.sum(a * a)

    x = np.random.default_rng(1).standard_normal(n)
    y, z, s = f(g, x)
    a = gather_in(src, dst, n, x)
    np.testing.assert_allclose(y, a * 2.0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(z, a * 3.0, rtol=1e-12, atol=1e-12)
    assert s == pytest.approx(float(np.sum(a * a)), rel=1e-12)


def test_aggregate_also_returned_is_not_overwritten(graph):
    src, dst, n, g = graph

    @ff.jit
    def f(g, x):
        a = ff.neighbor_agg(g, x, "sum")
        return a, a * 0.5 + 1.0

    x = np.random.default_rng(2).standard_normal(n)
    a, b = f(g, x)
    want = gather_in(src, dst, n, x)
    np.testing.assert_allclose(a, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b, want * 0.5 + 1.0, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("iters", [0, 1, 4])
def test_loop_init_read_around_the_loop(graph, iters):
    src, dst, n, g = graph

    @ff.jit
    def f(g, x, iters):
        init = ff.neighbor_agg(g, x, "sum", "out")  # not a kernel: the next line opens a new fused kernel
        doubled = init + 1.0  # read before the loop, in a kernel the plan runs after the loop step
        out = ff.fori_loop(iters, lambda r: ff.neighbor_agg(g, r, "sum") * 0.5 + r, init)
        return out, doubled, ff.sum(out)

    @ff.jit
    def g_after(g, x, iters):
        init = x * 2.0
        out = ff.fori_loop(iters, lambda r: ff.neighbor_agg(g, r, "sum") * 0.5 + r, init)
        return out - init  # init is read after the loop: it must not be moved

    x = np.random.default_rng(3).standard_normal(n)
    first = np.bincount(src, weights=x[dst], minlength=n)  # out-neighbours' sum
    want = first.copy()
    for _ in range(iters):
        want = gather_in(src, dst, n, want) * 0.5 + want
    out, doubled, total = f(g, x, iters)
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(doubled, first + 1.0, rtol=1e-12, atol=1e-12)
    assert total == pytest.approx(float(np.sum(want)), rel=1e-9, abs=1e-9)
    want_after = x * 2.0
    for _ in range(iters):
        want_after = gather_in(src, dst, n, want_after) * 0.5 + want_after
    np.testing.assert_allclose(g_after(g, x, iters), want_after - x * 2.0, rtol=1e-10, atol=1e-10)
    # Repeated runs reuse the pooled buffers: same answers again.
    np.testing.assert_array_equal(f(g, x, iters)[0], out)
