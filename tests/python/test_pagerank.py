"""ff.algorithms.pagerank against SciPy power iteration and networkx.pagerank."""

import signal
import time

import fuseflow as ff
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from gil import ticks_while_running


def scipy_pagerank(src, dst, n, damping=0.85, iterations=20, personalization=None):
    """Independent reference: pull power iteration with scipy.sparse, dangling mass spread
    like the teleport vector."""
    at = sp.csr_matrix((np.ones(len(src)), (dst, src)), shape=(n, n))
    out_deg = np.bincount(src, minlength=n).astype(float)
    dangling = out_deg == 0
    inv = np.divide(1.0, out_deg, out=np.zeros(n), where=~dangling)
    p = np.full(n, 1.0 / n) if personalization is None else personalization / personalization.sum()
    r = np.full(n, 1.0 / n)
    for _ in range(iterations):
        r = (1 - damping) * p + damping * (at @ (r * inv) + r[dangling].sum() * p)
    return r


def random_graph(rng, n, m):
    return rng.integers(0, n, m), rng.integers(0, n, m)


@pytest.mark.parametrize("iterations", [0, 1, 7, 30])
def test_matches_scipy_at_fixed_iterations(rng, iterations):
    n = 500
    src, dst = random_graph(rng, n, 3000)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    got = ff.algorithms.pagerank(g, tol=0, max_iter=iterations)
    want = scipy_pagerank(src, dst, n, iterations=iterations)
    assert np.abs(got - want).max() <= 1e-12
    assert got.dtype == np.float64 and abs(got.sum() - 1) <= 1e-12


def test_matches_scipy_with_dangling_nodes_and_damping(rng):
    n = 2000
    src, dst = random_graph(rng, n, 3000)  # many nodes without out-edges
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    assert (g.out_degree() == 0).sum() > 100
    got = ff.algorithms.pagerank(g, damping=0.6, tol=0, max_iter=25)
    assert np.abs(got - scipy_pagerank(src, dst, n, damping=0.6, iterations=25)).max() <= 1e-12


def test_personalization_matches_scipy_and_networkx(rng):
    n = 300
    src, dst = random_graph(rng, n, 2500)
    p = rng.random(n)
    p[:100] = 0
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    got = ff.algorithms.pagerank(g, tol=0, max_iter=40, personalization=p)
    assert np.abs(got - scipy_pagerank(src, dst, n, iterations=40, personalization=p)).max() <= 1e-12
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(set(zip(src.tolist(), dst.tolist())))
    g2 = ff.Graph.from_networkx(G)
    nx_rank = nx.pagerank(G, personalization=dict(enumerate(p)), tol=1e-13, max_iter=500)
    got2 = ff.algorithms.pagerank(g2, tol=1e-14, max_iter=500, personalization=p)
    assert np.abs(got2 - np.array([nx_rank[i] for i in range(n)])).max() <= 1e-10


def test_matches_networkx_without_parallel_edges(rng):
    G = nx.gnp_random_graph(400, 0.02, seed=7, directed=True)
    g = ff.Graph.from_networkx(G)
    want = nx.pagerank(G, alpha=0.85, tol=1e-13, max_iter=1000)
    got = ff.algorithms.pagerank(g, tol=1e-14, max_iter=1000)
    assert np.abs(got - np.array([want[i] for i in G.nodes()])).max() <= 1e-10


def test_three_cycle_is_uniform():
    g = ff.Graph.from_edges(np.array([0, 1, 2]), np.array([1, 2, 0]))
    np.testing.assert_allclose(ff.algorithms.pagerank(g, tol=0, max_iter=50), [1 / 3] * 3, rtol=0, atol=1e-15)


def test_edgeless_graph_is_uniform():
    g = ff.Graph.from_edges(np.array([], dtype=np.int64), np.array([], dtype=np.int64), num_nodes=7)
    np.testing.assert_allclose(ff.algorithms.pagerank(g), np.full(7, 1 / 7), rtol=0, atol=1e-15)


def test_empty_graph_gives_empty_ranks():
    g = ff.Graph.from_edges(np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    assert ff.algorithms.pagerank(g).shape == (0,)


def test_tolerance_stops_early_and_zero_runs_max_iter(rng):
    n = 400
    src, dst = random_graph(rng, n, 4000)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    loose = ff.algorithms.pagerank(g, tol=1e-3, max_iter=1000)
    # With tol=1e-3 it stops after a few iterations: equal to some small fixed count.
    matches = [k for k in range(1, 60) if np.array_equal(loose, ff.algorithms.pagerank(g, tol=0, max_iter=k))]
    assert matches and matches[0] < 30
    k = matches[0]
    prev = ff.algorithms.pagerank(g, tol=0, max_iter=k - 1)
    assert np.abs(loose - prev).sum() <= 1e-3
    if k > 1:
        assert np.abs(prev - ff.algorithms.pagerank(g, tol=0, max_iter=k - 2)).sum() > 1e-3


def test_bitwise_identical_across_thread_counts():
    src, dst = ff.generators.rmat(14, 16, seed=2)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << 14)
    ff.set_num_threads(1)
    try:
        one = ff.algorithms.pagerank(g, tol=0, max_iter=10)
    finally:
        ff.set_num_threads(0)
    ff.set_num_threads(2)
    try:
        two = ff.algorithms.pagerank(g, tol=0, max_iter=10)
    finally:
        ff.set_num_threads(0)
    assert one.tobytes() == two.tobytes()


def test_keyboard_interrupt_stops_a_long_run():
    src, dst = ff.generators.rmat(12, 8, seed=1)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << 12)
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            ff.algorithms.pagerank(g, tol=0, max_iter=10**9)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - start < 2.0


# ---- input rules -----------------------------------------------------------------------

@pytest.fixture
def small_graph():
    return ff.Graph.from_edges(np.array([0, 1, 2]), np.array([1, 2, 0]))


@pytest.mark.parametrize("damping", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_damping_outside_open_interval(small_graph, damping):
    with pytest.raises(ValueError, match="damping.*\\(0, 1\\)"):
        ff.algorithms.pagerank(small_graph, damping=damping)


def test_negative_max_iter(small_graph):
    with pytest.raises(ValueError, match="max_iter.*>= 0"):
        ff.algorithms.pagerank(small_graph, max_iter=-1)


@pytest.mark.parametrize("tol", [-1e-9, float("nan")])
def test_bad_tol(small_graph, tol):
    with pytest.raises(ValueError, match="tol.*>= 0"):
        ff.algorithms.pagerank(small_graph, tol=tol)


def test_personalization_rules(small_graph):
    with pytest.raises(ValueError, match="personalization.*length 3"):
        ff.algorithms.pagerank(small_graph, personalization=np.ones(2))
    with pytest.raises(ValueError, match="personalization.*>= 0"):
        ff.algorithms.pagerank(small_graph, personalization=np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="personalization.*positive sum"):
        ff.algorithms.pagerank(small_graph, personalization=np.zeros(3))
    with pytest.raises(ValueError, match="personalization.*NaN"):
        ff.algorithms.pagerank(small_graph, personalization=np.array([1.0, np.nan, 1.0]))


def test_graph_argument_must_be_a_graph():
    with pytest.raises(TypeError, match="g: must be a fuseflow.Graph"):
        ff.algorithms.pagerank(np.zeros(3))


def test_gil_is_released_while_running():
    """Another Python thread keeps running during a native PageRank call."""
    src, dst = ff.generators.rmat(14, 16, seed=1)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << 14)
    assert ticks_while_running(lambda: ff.algorithms.pagerank(g, tol=0, max_iter=200)) > 10000
