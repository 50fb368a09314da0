"""Native graph algorithms against SciPy / NetworkX / simple serial references.

Random graphs include self-loops, parallel edges, isolated nodes; the empty graph is covered.
Exact equality is asserted for integer results; SSSP distances to 1e-12 relative.
"""

import collections

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse import csgraph

import fuseflow as ff


def random_edges(seed, n=300, m=900, weighted=False, isolated=20):
    """Edges over nodes [0, n - isolated) plus `isolated` nodes with no edge; forced self-loops
    and parallel edges (first 10 edges repeated)."""
    rng = np.random.default_rng(seed)
    active = n - isolated
    src = rng.integers(0, active, m)
    dst = rng.integers(0, active, m)
    src[:5] = dst[:5]  # self-loops
    src = np.concatenate([src, src[:10]])
    dst = np.concatenate([dst, dst[:10]])
    w = rng.uniform(0.1, 10.0, src.shape[0]) if weighted else None
    return src.astype(np.int64), dst.astype(np.int64), n, w


def scipy_matrix(src, dst, n, w=None, reduce="sum"):
    """Adjacency with parallel edges merged (by min for weights) and no duplicate entries."""
    if w is None:
        w = np.ones(src.shape[0])
    if reduce == "min":
        order = np.lexsort((w, dst, src))
        s, d, ww = src[order], dst[order], w[order]
        first = np.ones(s.shape[0], dtype=bool)
        first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
        src, dst, w = s[first], d[first], ww[first]
    return sp.csr_matrix((w, (src, dst)), shape=(n, n))


def min_id_labels(n, scipy_labels):
    """Relabel components by their smallest member."""
    smallest = np.full(scipy_labels.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(smallest, scipy_labels, np.arange(n))
    return smallest[scipy_labels]


# ---------------------------------------------------------------- connected components

@pytest.mark.parametrize("seed", range(4))
def test_connected_components_matches_scipy(seed):
    src, dst, n, _ = random_edges(seed, m=260 + 40 * seed)  # sparse: many components
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    labels = ff.algorithms.connected_components(g)
    _, ref = csgraph.connected_components(scipy_matrix(src, dst, n), directed=True, connection="weak")
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, min_id_labels(n, ref))


def test_connected_components_rmat_every_thread_count():
    src, dst = ff.generators.rmat(12, 4, seed=3)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << 12)
    _, ref = csgraph.connected_components(scipy_matrix(src.astype(np.int64), dst.astype(np.int64), 1 << 12),
                                          directed=True, connection="weak")
    expected = min_id_labels(1 << 12, ref)
    try:
        for threads in (1, 2, 3):
            ff.set_num_threads(threads)
            np.testing.assert_array_equal(ff.algorithms.connected_components(g), expected)
    finally:
        ff.set_num_threads(0)


def test_connected_components_empty_and_edgeless():
    assert ff.algorithms.connected_components(ff.Graph.from_edges(np.array([], np.int64), np.array([], np.int64))).size == 0
    g = ff.Graph.from_edges(np.array([], np.int64), np.array([], np.int64), num_nodes=5)
    np.testing.assert_array_equal(ff.algorithms.connected_components(g), np.arange(5))


# ---------------------------------------------------------------- BFS

def serial_bfs(n, src, dst, source):
    adj = [[] for _ in range(n)]
    for u, v in zip(src.tolist(), dst.tolist()):
        adj[u].append(v)
    level = [-1] * n
    level[source] = 0
    queue = collections.deque([source])
    while queue:
        u = queue.popleft()
        for v in adj[u]:
            if level[v] < 0:
                level[v] = level[u] + 1
                queue.append(v)
    return np.array(level, dtype=np.int64)


@pytest.mark.parametrize("seed", range(4))
def test_bfs_matches_scipy_hops(seed):
    src, dst, n, _ = random_edges(seed, m=700)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    source = int(src[7])
    levels = ff.algorithms.bfs(g, source)
    hops = csgraph.shortest_path(scipy_matrix(src, dst, n), directed=True, unweighted=True, indices=source)
    expected = np.where(np.isinf(hops), -1, hops).astype(np.int64)
    assert levels.dtype == np.int64
    np.testing.assert_array_equal(levels, expected)


def test_bfs_bottom_up_path_on_dense_graph_matches_serial():
    # A dense R-MAT graph makes the frontier large enough to switch to bottom-up steps.
    src, dst = ff.generators.rmat(11, 16, seed=5)
    n = 1 << 11
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    source = int(src[0])
    np.testing.assert_array_equal(ff.algorithms.bfs(g, source), serial_bfs(n, src, dst, source))


def test_bfs_parents_are_valid_and_smallest():
    src, dst, n, _ = random_edges(11, m=800)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    source = int(src[3])
    levels, parents = ff.algorithms.bfs(g, source, return_parents=True)
    edges = set(zip(src.tolist(), dst.tolist()))
    assert parents[source] == -1
    for v in range(n):
        if levels[v] <= 0:
            assert parents[v] == -1 or v == source
            continue
        candidates = [u for u in range(n) if (u, v) in edges and levels[u] == levels[v] - 1]
        assert parents[v] == min(candidates)


def test_bfs_follows_out_edges_only():
    g = ff.Graph.from_edges(np.array([0, 2]), np.array([1, 1]), num_nodes=4)
    np.testing.assert_array_equal(ff.algorithms.bfs(g, 0), [0, 1, -1, -1])
    np.testing.assert_array_equal(ff.algorithms.bfs(g, 1), [-1, 0, -1, -1])


@pytest.mark.parametrize("source", [-1, 5])
def test_bfs_source_out_of_range(source):
    g = ff.Graph.from_edges(np.array([0]), np.array([1]), num_nodes=5)
    with pytest.raises(ValueError, match=r"source: must be a node id in \[0, num_nodes\)"):
        ff.algorithms.bfs(g, source)


def test_bfs_on_empty_graph_has_no_valid_source():
    g = ff.Graph.from_edges(np.array([], np.int64), np.array([], np.int64))
    with pytest.raises(ValueError, match="source"):
        ff.algorithms.bfs(g, 0)


def test_bfs_source_must_be_integer():
    g = ff.Graph.from_edges(np.array([0]), np.array([1]))
    with pytest.raises(TypeError, match="source: must be an integer"):
        ff.algorithms.bfs(g, 0.5)


# ---------------------------------------------------------------- SSSP

@pytest.mark.parametrize("seed", range(4))
def test_sssp_matches_scipy_dijkstra_lightest_parallel_edge(seed):
    src, dst, n, w = random_edges(seed, m=800, weighted=True)
    # Make the repeated edges heavier/lighter than the originals so "lightest counts" matters.
    w[-10:] = np.where(np.arange(10) % 2 == 0, w[:10] * 0.25, w[:10] * 4.0)
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    source = int(src[20])
    dist = ff.algorithms.sssp(g, source)
    ref = csgraph.dijkstra(scipy_matrix(src, dst, n, w, reduce="min"), directed=True, indices=source)
    assert dist.dtype == np.float64
    np.testing.assert_array_equal(np.isinf(dist), np.isinf(ref))
    np.testing.assert_allclose(dist[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12, atol=0)


def test_sssp_matches_networkx_with_zero_weights_and_rmat():
    src, dst = ff.generators.rmat(10, 8, seed=2)
    rng = np.random.default_rng(4)
    w = rng.choice([0.0, 0.5, 1.0, 3.0], size=src.shape[0])
    n = 1 << 10
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for u, v, x in zip(src.tolist(), dst.tolist(), w.tolist()):
        if not G.has_edge(u, v) or G[u][v]["weight"] > x:
            G.add_edge(u, v, weight=x)
    source = int(src[0])
    ref = nx.single_source_dijkstra_path_length(G, source)
    expected = np.full(n, np.inf)
    for v, d in ref.items():
        expected[v] = d
    for threads in (1, 2):
        ff.set_num_threads(threads)
        try:
            np.testing.assert_allclose(ff.algorithms.sssp(g, source), expected, rtol=1e-12, atol=0)
        finally:
            ff.set_num_threads(0)


def test_sssp_on_empty_graph_has_no_valid_source():
    g = ff.Graph.from_edges(np.array([], np.int64), np.array([], np.int64), weights=np.array([]))
    with pytest.raises(ValueError, match="source"):
        ff.algorithms.sssp(g, 0)


def test_sssp_isolated_source_and_edgeless_graph():
    g = ff.Graph.from_edges(np.array([], np.int64), np.array([], np.int64), num_nodes=3)
    np.testing.assert_array_equal(ff.algorithms.sssp(g, 1), [np.inf, 0.0, np.inf])


def test_sssp_requires_weights():
    g = ff.Graph.from_edges(np.array([0]), np.array([1]))
    with pytest.raises(ValueError, match="g: sssp needs edge weights"):
        ff.algorithms.sssp(g, 0)


def test_sssp_rejects_negative_weights():
    g = ff.Graph.from_edges(np.array([0, 1]), np.array([1, 2]), weights=np.array([1.0, -2.0]))
    with pytest.raises(ValueError, match=r"g: sssp needs non-negative edge weights, but edge 1 -> 2"):
        ff.algorithms.sssp(g, 0)


@pytest.mark.parametrize("source", [-1, 3])
def test_sssp_source_out_of_range(source):
    g = ff.Graph.from_edges(np.array([0, 1]), np.array([1, 2]), weights=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"source: must be a node id in \[0, num_nodes\)"):
        ff.algorithms.sssp(g, source)


# ---------------------------------------------------------------- label propagation

MASK64 = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def serial_label_propagation(n, src, dst, seed):
    """The documented rule, swept serially in node order until nothing changes. On a graph small
    enough to be one chunk, fuseflow's sweeps are exactly this (skipped sweeps change nothing)."""
    neighbours = [[] for _ in range(n)]
    for u, v in zip(src.tolist(), dst.tolist()):
        if u != v:
            neighbours[u].append(v)
            neighbours[v].append(u)
    labels = list(range(n))
    changed = True
    while changed:
        changed = False
        for v in range(n):
            if not neighbours[v]:
                continue
            counts = collections.Counter(labels[u] for u in neighbours[v])
            best_count = max(counts.values())
            if counts.get(labels[v], 0) == best_count:
                continue
            tied = [l for l, c in counts.items() if c == best_count]
            best = min(tied, key=lambda l: (splitmix64(seed ^ splitmix64((l << 32) | v)), l))
            labels[v] = best
            changed = True
    return np.array(labels, dtype=np.int64)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 12345])
def test_label_propagation_matches_serial_reference_exactly(seed):
    src, dst, n, _ = random_edges(seed, n=200, m=500)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    ours = ff.algorithms.label_propagation(g, max_iter=10_000, seed=seed)
    np.testing.assert_array_equal(ours, serial_label_propagation(n, src, dst, seed))


def test_label_propagation_two_cliques_joined_by_one_edge():
    blocks = []
    for base in (0, 6):
        for i in range(6):
            for j in range(6):
                if i != j:
                    blocks.append((base + i, base + j))
    blocks.append((5, 6))
    e = np.array(blocks)
    g = ff.Graph.from_edges(e[:, 0], e[:, 1])
    labels = ff.algorithms.label_propagation(g, seed=1)
    assert len(set(labels[:6].tolist())) == 1
    assert len(set(labels[6:].tolist())) == 1
    assert labels[0] != labels[6]


def test_label_propagation_labels_stay_inside_components():
    src, dst, n, _ = random_edges(2, m=300)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    labels = ff.algorithms.label_propagation(g, seed=3)
    comp = ff.algorithms.connected_components(g)
    assert labels.dtype == np.int64
    # A label is a node id of the same component; isolated nodes keep their own id.
    np.testing.assert_array_equal(comp[labels], comp)
    isolated = (g.out_degree() == 0) & (g.in_degree() == 0)
    np.testing.assert_array_equal(labels[isolated], np.flatnonzero(isolated))


def test_label_propagation_is_a_fixed_point_when_converged():
    # After convergence every node's label is among the most frequent of its neighbours' labels.
    src, dst = ff.generators.rmat(10, 8, seed=9)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << 10)
    labels = ff.algorithms.label_propagation(g, max_iter=1000, seed=5)
    neighbours = collections.defaultdict(list)
    for u, v in zip(src.tolist(), dst.tolist()):
        if u != v:
            neighbours[u].append(v)
            neighbours[v].append(u)
    for v, nbrs in neighbours.items():
        counts = collections.Counter(labels[nbrs].tolist())
        assert counts[int(labels[v])] == max(counts.values())


def test_label_propagation_same_seed_same_labels_at_any_thread_count():
    src, dst = ff.generators.rmat(14, 8, seed=1)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << 14)
    results = []
    try:
        for threads in (1, 2, 3, 4):
            ff.set_num_threads(threads)
            results.append(ff.algorithms.label_propagation(g, seed=42))
    finally:
        ff.set_num_threads(0)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
    other = ff.algorithms.label_propagation(g, seed=43)
    assert not np.array_equal(other, results[0])


def test_label_propagation_zero_iterations_keeps_ids():
    src, dst, n, _ = random_edges(1)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    np.testing.assert_array_equal(ff.algorithms.label_propagation(g, max_iter=0), np.arange(n))


def test_label_propagation_empty_graph():
    g = ff.Graph.from_edges(np.array([], np.int64), np.array([], np.int64))
    assert ff.algorithms.label_propagation(g).size == 0


def test_label_propagation_rejects_negative_max_iter():
    g = ff.Graph.from_edges(np.array([0]), np.array([1]))
    with pytest.raises(ValueError, match="max_iter: must be >= 0"):
        ff.algorithms.label_propagation(g, max_iter=-1)


def test_label_propagation_rejects_negative_seed():
    g = ff.Graph.from_edges(np.array([0]), np.array([1]))
    with pytest.raises(ValueError, match="seed: must be >= 0"):
        ff.algorithms.label_propagation(g, seed=-1)


def test_algorithms_reject_non_graph():
    for f in (ff.algorithms.connected_components, ff.algorithms.label_propagation):
        with pytest.raises(TypeError, match="g: must be a fuseflow.Graph"):
            f(np.zeros(3))


# ---------------------------------------------------------------- personalised PageRank

def nx_digraph(src, dst, n):
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    return G


@pytest.mark.parametrize("seed", range(3))
def test_personalized_pagerank_matches_networkx(seed):
    rng = np.random.default_rng(seed)
    n = 120
    G = nx.gnp_random_graph(n, 0.04, seed=seed, directed=True)  # no parallel edges, some dangling
    src = np.array([u for u, _ in G.edges()], dtype=np.int64)
    dst = np.array([v for _, v in G.edges()], dtype=np.int64)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    p = rng.uniform(0.0, 1.0, n)
    p[rng.choice(n, 30, replace=False)] = 0.0
    ours = ff.algorithms.pagerank(g, personalization=p, tol=1e-13, max_iter=1000)
    ref = nx.pagerank(G, alpha=0.85, personalization=dict(enumerate(p)), tol=1e-14, max_iter=1000)
    np.testing.assert_allclose(ours, [ref[v] for v in range(n)], atol=1e-10, rtol=0)
    assert abs(ours.sum() - 1.0) < 1e-12


def test_personalized_pagerank_single_seed_node_matches_networkx():
    G = nx.DiGraph([(0, 1), (1, 2), (2, 0), (2, 3), (3, 4)])  # node 4 dangling
    g = ff.Graph.from_networkx(G)
    p = np.array([0, 0, 1.0, 0, 0])
    ours = ff.algorithms.pagerank(g, personalization=p, tol=1e-14, max_iter=1000)
    ref = nx.pagerank(G, personalization={2: 1.0}, tol=1e-15, max_iter=1000)
    np.testing.assert_allclose(ours, [ref[v] for v in G.nodes()], atol=1e-11, rtol=0)


def test_personalized_pagerank_rejects_bad_vectors():
    g = ff.Graph.from_edges(np.array([0, 1]), np.array([1, 2]))
    with pytest.raises(ValueError, match="personalization: must have length 3"):
        ff.algorithms.pagerank(g, personalization=np.ones(2))
    with pytest.raises(ValueError, match="personalization: values must be finite and >= 0"):
        ff.algorithms.pagerank(g, personalization=np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="personalization: must have a positive sum"):
        ff.algorithms.pagerank(g, personalization=np.zeros(3))
