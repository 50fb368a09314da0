"""Issue 16 item 1: neighbor_agg(weights=None) uses a weighted graph's own weights inside ff.jit
too, with the results of the eager call and of SciPy, on the Python and the native call paths.

References: SciPy sparse products (A.T @ x for "in", A @ x for "out", parallel edges summed) for
sum / count / mean, and a serial NumPy ufunc.at loop for min / max (which take no weights).
Floating-point sums may round differently from SciPy's: rtol 1e-12. Jit against eager is exact
(the same program runs both)."""

import numpy as np
import pytest
import scipy.sparse as sp

import fuseflow as ff

RTOL = 1e-12
DIRECTIONS = ("in", "out", "both")


def shuffled_graph(seed, n=60, m=400, weighted=True):
    """Edges deliberately out of CSR order (shuffled, with parallel edges, self-loops and
    isolated nodes), weights in that same user order."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n - 5, m)
    dst = rng.integers(0, n - 5, m)
    src[:5], dst[:5] = 3, 3  # self-loops
    src[5:9], dst[5:9] = 1, 2  # parallel edges
    perm = rng.permutation(m)
    src, dst = src[perm], dst[perm]
    w = rng.uniform(0.25, 4.0, m) if weighted else None
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    return g, src, dst, w, n


def scipy_weighted_sum(src, dst, w, n, x, direction):
    a = sp.csr_matrix((w, (src, dst)), shape=(n, n))
    if direction == "in":
        return a.T @ x
    if direction == "out":
        return a @ x
    return a.T @ x + a @ x


def serial_extreme(src, dst, n, x, direction, op):
    fill = np.inf if op == "min" else -np.inf
    out = np.full(n, fill)
    ufunc = np.minimum if op == "min" else np.maximum
    if direction in ("in", "both"):
        ufunc.at(out, dst, x[src])
    if direction in ("out", "both"):
        ufunc.at(out, src, x[dst])
    return out


def reference(op, direction, src, dst, w, n, x):
    if op in ("min", "max"):
        return serial_extreme(src, dst, n, x, direction, op)
    s = scipy_weighted_sum(src, dst, w, n, x, direction)
    if op == "sum":
        return s
    deg = scipy_weighted_sum(src, dst, w, n, np.ones(n), direction)
    if op == "count":
        return deg
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(deg > 0, s / np.where(deg > 0, deg, 1.0), 0.0)


def test_graph_is_out_of_csr_order():
    g, src, dst, w, n = shuffled_graph(0)
    assert not g._g.user_order_is_csr
    s, d, ww = g.edges()
    np.testing.assert_array_equal(s, src)
    np.testing.assert_array_equal(ww, w)


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("op", ["sum", "mean", "min", "max", "count"])
def test_jit_weights_none_uses_graph_weights(op, direction):
    g, src, dst, w, n = shuffled_graph(1)
    x = np.random.default_rng(2).normal(size=n)

    @ff.jit
    def f(graph, values):
        return ff.neighbor_agg(graph, values, op, direction)

    expected = reference(op, direction, src, dst, w, n, x)
    eager = ff.neighbor_agg(g, x, op, direction)
    first = f(g, x)  # traced, Python path
    second = f(g, x)  # remembered layout: the native dispatcher
    keyword = f(graph=g, values=x)  # keywords: always the Python path
    assert f._remembered >= 1
    for got in (first, second, keyword):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, eager)
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_same_jit_function_weighted_and_unweighted(direction):
    gw, src, dst, w, n = shuffled_graph(3)
    gu = ff.Graph.from_edges(src, dst, num_nodes=n)
    x = np.random.default_rng(4).normal(size=n)

    @ff.jit
    def f(graph, values):
        return (ff.neighbor_agg(graph, values, "sum", direction),
                ff.neighbor_agg(graph, values, "count", direction))

    # Alternate so a cached program of one kind would be reused for the other if the key missed it.
    for _ in range(2):
        for g, weights in ((gw, w), (gu, np.ones(len(src)))):
            for total, count in (f(g, x), f(graph=g, values=x)):
                np.testing.assert_allclose(total, scipy_weighted_sum(src, dst, weights, n, x, direction), rtol=RTOL,
                                           atol=1e-12)
                deg = scipy_weighted_sum(src, dst, weights, n, np.ones(n), direction)
                if g is gw:
                    assert count.dtype == np.float64
                    np.testing.assert_allclose(count, deg, rtol=RTOL)
                else:
                    assert count.dtype == np.int64
                    np.testing.assert_array_equal(count, deg.astype(np.int64))
                np.testing.assert_array_equal(count, ff.neighbor_agg(g, x, "count", direction))
    assert f.trace_count == 2


def test_weights_false_inside_jit_is_unweighted():
    g, src, dst, w, n = shuffled_graph(5)
    x = np.random.default_rng(6).normal(size=n)

    @ff.jit
    def f(graph, values):
        return ff.neighbor_agg(graph, values, "sum", "in", weights=False)

    expected = scipy_weighted_sum(src, dst, np.ones(len(src)), n, x, "in")
    for got in (f(g, x), f(g, x)):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-12)
        np.testing.assert_array_equal(got, ff.neighbor_agg(g, x, "sum", "in", weights=False))


def test_explicit_weights_still_override_inside_jit():
    g, src, dst, w, n = shuffled_graph(7)
    x = np.random.default_rng(8).normal(size=n)
    other = np.random.default_rng(9).uniform(0.0, 2.0, len(src))

    @ff.jit
    def f(graph, values, weights):
        return ff.neighbor_agg(graph, values, "sum", "out", weights=weights)

    for got in (f(g, x, other), f(g, x, other)):
        np.testing.assert_allclose(got, scipy_weighted_sum(src, dst, other, n, x, "out"), rtol=RTOL, atol=1e-12)


def test_unused_weights_add_no_hidden_input():
    gw, src, dst, w, n = shuffled_graph(10)
    gu = ff.Graph.from_edges(src, dst, num_nodes=n)
    x = np.random.default_rng(11).normal(size=n)

    @ff.jit
    def extremes(graph, values):
        return ff.neighbor_agg(graph, values, "min", "in") + graph.out_degree()

    @ff.jit
    def total(graph, values):
        return ff.neighbor_agg(graph, values, "sum", "in")

    # min takes no weights: the weighted graph's program is the unweighted one.
    assert extremes.ir(gw, x) == extremes.ir(gu, x)
    assert extremes.trace_count == 2
    np.testing.assert_array_equal(extremes(gw, x), extremes(gu, x))
    np.testing.assert_array_equal(extremes(gw, x), serial_extreme(src, dst, n, x, "in", "min") + gu.out_degree())
    # sum reads them: one more (float64, length E) input.
    assert total.ir(gw, x) != total.ir(gu, x)


def test_graph_weights_inside_loop_and_with_two_graphs():
    """A weighted graph after the arrays and an unweighted one first (the hidden input is graph
    ordinal 1), neighbor_agg inside fori_loop."""
    gw, src, dst, w, n = shuffled_graph(12)
    gu = ff.Graph.from_edges(np.array([0, 1, 2]), np.array([1, 2, 0]), num_nodes=n + 3)
    x = np.random.default_rng(14).uniform(size=n)

    @ff.jit
    def f(plain, values, weighted):
        def step(v):
            v = ff.neighbor_agg(weighted, v, "sum", "in") + ff.neighbor_agg(weighted, v, "count", "out")
            return v / ff.sum(v) * plain.num_edges

        return ff.fori_loop(5, step, values)

    v = x.copy()
    for _ in range(5):
        v = scipy_weighted_sum(src, dst, w, n, v, "in") + scipy_weighted_sum(src, dst, w, n, np.ones(n), "out")
        v = v / v.sum() * 3
    for got in (f(gu, x, gw), f(gu, x, gw), f(plain=gu, values=x, weighted=gw)):
        np.testing.assert_allclose(got, v, rtol=1e-10)


def test_csr_ordered_weighted_graph():
    """Edges given in CSR order: the hidden input is the graph's own weight array (no copy)."""
    _, src, dst, w, n = shuffled_graph(15)
    order = np.lexsort((dst, src))
    src, dst, w = src[order], dst[order], w[order]
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    x = np.random.default_rng(16).normal(size=n)

    @ff.jit
    def f(graph, values):
        return ff.neighbor_agg(graph, values, "mean", "both")

    expected = reference("mean", "both", src, dst, w, n, x)
    for got in (f(g, x), f(g, x)):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-12)
        np.testing.assert_array_equal(got, ff.neighbor_agg(g, x, "mean", "both"))


def test_native_path_reads_each_calls_graph_weights():
    """Graphs of equal size share a remembered layout; the hidden input must come from the graph
    of each call, not the one the program was traced or remembered with."""
    g1, src, dst, w1, n = shuffled_graph(17)
    w2 = np.random.default_rng(18).uniform(0.5, 3.0, len(src))
    g2 = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w2)
    x = np.random.default_rng(19).normal(size=n)

    @ff.jit
    def f(graph, values):
        return ff.neighbor_agg(graph, values, "sum", "out")

    f(g1, x)
    for g, w in ((g2, w2), (g1, w1), (g2, w2)):
        np.testing.assert_allclose(f(g, x), scipy_weighted_sum(src, dst, w, n, x, "out"), rtol=RTOL, atol=1e-12)
    assert f.trace_count == 1


def test_remember_rejects_a_bad_graph_ordinal():
    g, src, dst, w, n = shuffled_graph(20)
    x = np.zeros(n)

    @ff.jit
    def f(graph, values):
        return ff.neighbor_agg(graph, values, "sum")

    compiled = f._compiled(f._get((g, x), {})[0])
    with pytest.raises(ValueError, match="graph_weights: must name graph arguments by ordinal"):
        f._remember((g, x), compiled, None, [1])


def test_design_pagerank_example_ignores_weights():
    """examples.pagerank (the DESIGN.md program) stays the unweighted PageRank on a weighted
    graph now that weights=None would read the graph's weights: same ranks as on the unweighted
    graph and as ff.algorithms.pagerank (which ignores weights)."""
    from fuseflow import examples

    pagerank = ff.jit(examples.pagerank.__wrapped__)  # not the shared one: test_jit counts its traces
    src, dst = ff.generators.rmat(10, 8, seed=0)
    w = np.random.default_rng(21).uniform(0.5, 2.0, len(src))
    gw = ff.Graph.from_edges(src, dst, num_nodes=1024, weights=w)
    gu = ff.Graph.from_edges(src, dst, num_nodes=1024)
    ranks = pagerank(gw, 0.85, 20)
    np.testing.assert_array_equal(ranks, pagerank(gu, 0.85, 20))
    np.testing.assert_allclose(ranks, ff.algorithms.pagerank(gw, damping=0.85, tol=0, max_iter=20), rtol=0, atol=1e-12)
    assert abs(ranks.sum() - 1.0) < 1e-12


def test_tracing_that_depends_on_outside_state_is_refused():
    """The retrace that drops unused hidden inputs must trace the same program; a function whose
    tracing reads outside state and only then wants the graph's weights gets a named error, not
    silently unweighted results."""
    g, src, dst, w, n = shuffled_graph(22)
    calls = []

    def fickle(graph, values):
        calls.append(1)
        return ff.neighbor_agg(graph, values, "min" if len(calls) == 1 else "sum")

    with pytest.raises(RuntimeError, match="fickle read a graph's own weights in one trace and not in another"):
        ff.jit(fickle)(g, np.zeros(n))
