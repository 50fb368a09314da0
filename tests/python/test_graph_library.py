"""The graph algorithm library against NetworkX / SciPy references.

Graphs: random directed multigraphs with self-loops, parallel edges and isolated nodes, the
empty graph, a single node and two disconnected components. Integer results (triangles, SCC
partition, core numbers, DFS order, MST weight) are compared exactly; centralities to 1e-9
relative; distances to 1e-12 relative.
"""

import math

import networkx as nx
import numpy as np
import pytest
from scipy.sparse import csgraph
import scipy.sparse as sp

import fuseflow as ff
from fuseflow import algorithms as alg

REL = 1e-9


def random_edges(seed, n=120, m=420, weighted=False, isolated=10):
    rng = np.random.default_rng(seed)
    active = n - isolated
    src = rng.integers(0, active, m)
    dst = rng.integers(0, active, m)
    src[:5] = dst[:5]  # self-loops
    src = np.concatenate([src, src[:10]])  # parallel edges
    dst = np.concatenate([dst, dst[:10]])
    w = rng.uniform(0.5, 10.0, src.shape[0]) if weighted else None
    return src.astype(np.int64), dst.astype(np.int64), n, w


def two_components(weighted=False):
    """A directed 4-cycle with a chord and a separate triangle with a tail; node 9 isolated."""
    src = np.array([0, 1, 2, 3, 0, 4, 5, 6, 6, 7, 8, 8], dtype=np.int64)
    dst = np.array([1, 2, 3, 0, 2, 5, 6, 4, 7, 8, 7, 8], dtype=np.int64)
    w = np.linspace(1.0, 3.0, src.shape[0]) if weighted else None
    return src, dst, 10, w


def graphs(weighted=False):
    cases = [random_edges(s, weighted=weighted) for s in range(3)]
    cases.append(random_edges(7, n=60, m=400, weighted=weighted, isolated=3))  # dense: many triangles
    cases.append(two_components(weighted))
    return cases


GRAPH_IDS = ["random0", "random1", "random2", "dense", "two_components"]


def build(src, dst, n, w=None):
    return ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)


def nx_digraph(src, dst, n, w=None):
    """nx.DiGraph with parallel edges merged, keeping the lightest weight."""
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for i, (a, b) in enumerate(zip(src.tolist(), dst.tolist())):
        if w is None:
            G.add_edge(a, b)
        elif not G.has_edge(a, b) or w[i] < G[a][b]["weight"]:
            G.add_edge(a, b, weight=float(w[i]))
    return G


def nx_simple_undirected(src, dst, n):
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    G.remove_edges_from(list(nx.selfloop_edges(G)))
    return G


def empty():
    return build(np.zeros(0, np.int64), np.zeros(0, np.int64), 0)


def assert_close(actual, expected, rel=REL):
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    nan = np.isnan(expected)
    assert np.array_equal(np.isnan(actual), nan)
    np.testing.assert_allclose(actual[~nan], expected[~nan], rtol=rel, atol=1e-300)


# --- triangles, clustering, transitivity -------------------------------------------------------


@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_triangles_match_networkx(case):
    src, dst, n, _ = graphs()[case]
    g = build(src, dst, n)
    G = nx_simple_undirected(src, dst, n)
    per_node, total = alg.triangle_count(g)
    expected = nx.triangles(G)
    assert per_node.dtype == np.int64
    assert per_node.tolist() == [expected[v] for v in range(n)]
    assert total == sum(expected.values()) // 3
    assert total == per_node.sum() // 3
    clust = nx.clustering(G)
    assert_close(alg.clustering(g), [clust[v] for v in range(n)], rel=1e-15)
    assert alg.transitivity(g) == pytest.approx(nx.transitivity(G), rel=1e-15)


def test_triangles_dense_graph_is_nontrivial():
    src, dst, n, _ = graphs()[3]
    assert alg.triangle_count(build(src, dst, n))[1] > 100  # the case above really counts something


def test_triangles_both_directions_count_once():
    # u->v and v->u are one undirected edge: a triangle given in both directions is still one.
    src = np.array([0, 1, 1, 2, 2, 0, 1, 0, 2, 1, 0, 2], dtype=np.int64)
    dst = np.array([1, 0, 2, 1, 0, 2, 0, 1, 1, 2, 2, 0], dtype=np.int64)
    per_node, total = alg.triangle_count(build(src, dst, 3))
    assert total == 1 and per_node.tolist() == [1, 1, 1]


def test_triangles_rmat_matches_networkx():
    src, dst = ff.generators.rmat(10, 8, seed=3)
    src, dst = src.astype(np.int64), dst.astype(np.int64)
    n = 1 << 10
    G = nx_simple_undirected(src, dst, n)
    per_node, total = alg.triangle_count(build(src, dst, n))
    expected = nx.triangles(G)
    assert per_node.tolist() == [expected[v] for v in range(n)]
    assert alg.transitivity(build(src, dst, n)) == pytest.approx(nx.transitivity(G), rel=1e-15)


def test_triangles_long_and_short_lists_match_networkx():
    # A 40-clique (oriented lists up to 39 ids: the marked path) joined to a sparse random part
    # (lists of a few ids: the merge path), with duplicates in both directions.
    rng = np.random.default_rng(7)
    clique = [(u, v) for u in range(40) for v in range(u + 1, 40)]
    sparse = rng.integers(30, 400, size=(1500, 2))
    edges = np.array(clique + [tuple(e) for e in sparse] + [(v, u) for u, v in clique[:100]], dtype=np.int64)
    src, dst, n = edges[:, 0], edges[:, 1], 400
    G = nx_simple_undirected(src, dst, n)
    per_node, total = alg.triangle_count(build(src, dst, n))
    expected = nx.triangles(G)
    assert per_node.tolist() == [expected[v] for v in range(n)]
    assert total == sum(expected.values()) // 3 and total >= 9880  # C(40, 3) from the clique alone


@pytest.mark.parametrize("hub", [False, True], ids=["id_order", "degree_order"])
def test_triangles_lattice_with_and_without_a_hub_match_networkx(hub):
    # A triangulated 30x30 lattice (a grid plus one diagonal per cell: degrees <= 6 each way)
    # is counted with nodes oriented by id; one hub joined to 100 lattice nodes (more than 64
    # candidate neighbours) switches the count to (degree, id) order. Both equal NetworkX.
    side = 30
    ids = np.arange(side * side).reshape(side, side)
    edges = [np.column_stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()]),
             np.column_stack([ids[:-1, :].ravel(), ids[1:, :].ravel()]),
             np.column_stack([ids[:-1, :-1].ravel(), ids[1:, 1:].ravel()])]
    edges.append(edges[0][::7, ::-1])  # some reversed duplicates
    n = side * side
    if hub:
        edges.append(np.column_stack([np.full(100, n), np.random.default_rng(2).choice(n, 100, replace=False)]))
        n += 1
    e = np.concatenate(edges).astype(np.int64)
    src, dst = e[:, 0], e[:, 1]
    G = nx_simple_undirected(src, dst, n)
    per_node, total = alg.triangle_count(build(src, dst, n))
    expected = nx.triangles(G)
    assert per_node.tolist() == [expected[v] for v in range(n)]
    assert total == sum(expected.values()) // 3 >= 2 * (side - 1) ** 2
    assert_close(alg.clustering(build(src, dst, n)), [nx.clustering(G)[v] for v in range(n)], rel=1e-15)


def test_triangles_empty_and_single_node():
    per_node, total = alg.triangle_count(empty())
    assert per_node.shape == (0,) and total == 0
    assert alg.clustering(empty()).shape == (0,)
    assert alg.transitivity(empty()) == 0.0
    g = build(np.array([0]), np.array([0]), 1)
    assert alg.triangle_count(g)[1] == 0 and alg.clustering(g).tolist() == [0.0]


# --- strongly connected components, k-core ---------------------------------------------------


def min_id_labels(labels):
    n = labels.shape[0]
    smallest = np.full(labels.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(n))
    return smallest[labels]


@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_scc_partition_equals_scipy(case):
    src, dst, n, _ = graphs()[case]
    labels = alg.strongly_connected_components(build(src, dst, n))
    A = sp.csr_matrix((np.ones(src.shape[0]), (src, dst)), shape=(n, n))
    _, ref = csgraph.connected_components(A, directed=True, connection="strong")
    assert labels.tolist() == min_id_labels(ref).tolist()


def test_scc_sparse_random_has_many_components_and_matches_scipy():
    # Sparse enough that trimming, the pivot's component and Tarjan each have work.
    for seed in range(4):
        rng = np.random.default_rng(seed)
        n = 3000
        src = rng.integers(0, n, 4500)
        dst = rng.integers(0, n, 4500)
        labels = alg.strongly_connected_components(build(src, dst, n))
        A = sp.csr_matrix((np.ones(src.shape[0]), (src, dst)), shape=(n, n))
        k, ref = csgraph.connected_components(A, directed=True, connection="strong")
        assert labels.tolist() == min_id_labels(ref).tolist()
        assert 10 < k < n


def test_scc_long_cycle_and_empty():
    n = 20000
    src = np.arange(n)
    dst = (src + 1) % n
    assert (alg.strongly_connected_components(build(src, dst, n)) == 0).all()
    assert alg.strongly_connected_components(empty()).shape == (0,)


@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_k_core_equals_networkx(case):
    src, dst, n, _ = graphs()[case]
    core = alg.k_core(build(src, dst, n))
    expected = nx.core_number(nx_simple_undirected(src, dst, n))
    assert core.tolist() == [expected[v] for v in range(n)]


def test_k_core_rmat_and_empty():
    src, dst = ff.generators.rmat(11, 8, seed=5)
    n = 1 << 11
    expected = nx.core_number(nx_simple_undirected(src.astype(np.int64), dst.astype(np.int64), n))
    assert alg.k_core(build(src, dst, n)).tolist() == [expected[v] for v in range(n)]
    assert alg.k_core(empty()).shape == (0,)


@pytest.mark.parametrize("kind", ["rmat", "road"])
def test_k_core_parallel_peel_equals_networkx_at_1_and_2_threads(kind):
    # Large enough for the parallel degree count and parallel peeling rounds (>= 2048 nodes).
    if kind == "rmat":
        src, dst = ff.generators.rmat(14, 8, seed=2)
        n = 1 << 14
    else:
        src, dst, _ = ff.generators.road_grid(120)
        n = 120 * 120
    src, dst = src.astype(np.int64), dst.astype(np.int64)
    expected = nx.core_number(nx_simple_undirected(src, dst, n))
    expected = [expected[v] for v in range(n)]
    g = build(src, dst, n)
    try:
        for t in (1, 2):
            ff.set_num_threads(t)
            assert alg.k_core(g).tolist() == expected
    finally:
        ff.set_num_threads(0)


def test_k_core_wide_frontiers_peeled_in_parallel_rounds_equal_igraph():
    # R-MAT 17 (2M edges): its first levels' frontiers hold >= 32,768 list ids, so the peel runs
    # parallel rounds at 2 threads (R-MAT 14 never does). igraph's coreness is the reference
    # (NetworkX takes ~20 s here); 1 thread runs the serial peel only.
    ig = pytest.importorskip("igraph")
    src, dst = ff.generators.rmat(17, 16, seed=2)
    n = 1 << 17
    und = ig.Graph(n=n, edges=np.column_stack([src, dst]).astype(np.int64), directed=False)
    und.simplify()
    expected = und.coreness()
    g = build(src, dst, n)
    try:
        for t in (1, 2):
            ff.set_num_threads(t)
            assert alg.k_core(g).tolist() == expected
    finally:
        ff.set_num_threads(0)


# --- betweenness, closeness ------------------------------------------------------------------


@pytest.mark.parametrize("normalized", [True, False])
@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_betweenness_exact_matches_networkx(case, normalized):
    src, dst, n, _ = graphs()[case]
    G = nx_digraph(src, dst, n)
    bc = alg.betweenness_centrality(build(src, dst, n), normalized=normalized)
    expected = nx.betweenness_centrality(G, normalized=normalized)
    assert_close(bc, [expected[v] for v in range(n)])


@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_betweenness_weighted_matches_networkx(case):
    src, dst, n, w = graphs(weighted=True)[case]
    G = nx_digraph(src, dst, n, w)
    bc = alg.betweenness_centrality(build(src, dst, n, w), weights=True)
    expected = nx.betweenness_centrality(G, weight="weight")
    assert_close(bc, [expected[v] for v in range(n)])


@pytest.mark.parametrize("k", [1, 5, 40])
def test_betweenness_sampled_uses_networkx_sources(k):
    src, dst, n, _ = graphs()[0]
    G = nx_digraph(src, dst, n)
    for normalized in (True, False):
        bc = alg.betweenness_centrality(build(src, dst, n), k=k, seed=42, normalized=normalized)
        expected = nx.betweenness_centrality(G, k=k, seed=42, normalized=normalized)
        assert_close(bc, [expected[v] for v in range(n)])


def test_betweenness_explicit_sources_equal_sampled():
    src, dst, n, _ = graphs()[1]
    g = build(src, dst, n)
    import random

    sources = random.Random(9).sample(range(n), 7)
    assert_close(alg.betweenness_centrality(g, sources=sources), alg.betweenness_centrality(g, k=7, seed=9), rel=0)


def test_betweenness_undirected_via_both_directions():
    G = nx.gnm_random_graph(80, 200, seed=4)
    g = ff.Graph.from_networkx(G)
    expected = nx.betweenness_centrality(G)
    assert_close(alg.betweenness_centrality(g), [expected[v] for v in range(80)])
    raw = nx.betweenness_centrality(G, normalized=False)
    assert_close(alg.betweenness_centrality(g, normalized=False), [2 * raw[v] for v in range(80)])


def test_betweenness_grid_many_equal_paths():
    # A grid has exponentially many shortest paths: sigma counts must not overflow or lose ties.
    G = nx.grid_2d_graph(12, 12)
    G = nx.convert_node_labels_to_integers(G)
    expected = nx.betweenness_centrality(G)
    assert_close(alg.betweenness_centrality(ff.Graph.from_networkx(G)), [expected[v] for v in range(144)])


def test_betweenness_small_and_empty():
    assert alg.betweenness_centrality(empty()).shape == (0,)
    g = build(np.array([0]), np.array([1]), 2)
    assert alg.betweenness_centrality(g).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("wf_improved", [True, False])
@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_closeness_matches_networkx(case, wf_improved):
    src, dst, n, _ = graphs()[case]
    G = nx_digraph(src, dst, n)
    c = alg.closeness_centrality(build(src, dst, n), wf_improved=wf_improved)
    expected = nx.closeness_centrality(G, wf_improved=wf_improved)
    assert_close(c, [expected[v] for v in range(n)])


@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_harmonic_matches_networkx(case):
    src, dst, n, _ = graphs()[case]
    G = nx_digraph(src, dst, n)
    c = alg.closeness_centrality(build(src, dst, n), harmonic=True)
    expected = nx.harmonic_centrality(G)
    assert_close(c, [expected[v] for v in range(n)])


def test_closeness_empty_and_single():
    assert alg.closeness_centrality(empty()).shape == (0,)
    assert alg.closeness_centrality(build(np.array([0]), np.array([0]), 1)).tolist() == [0.0]


# --- dfs, dijkstra, shortest_path, bellman_ford, minimum spanning tree ----------------------


@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_dfs_matches_networkx(case):
    src, dst, n, _ = graphs()[case]
    g = build(src, dst, n)
    G = nx_digraph(src, dst, n)
    for source in (0, int(src[7]), n - 1):
        preorder, parents = alg.dfs(g, source)
        assert preorder.tolist() == list(nx.dfs_preorder_nodes(G, source))
        pred = nx.dfs_predecessors(G, source)
        assert parents.tolist() == [pred.get(v, -1) for v in range(n)]


@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_dijkstra_matches_networkx(case):
    src, dst, n, w = graphs(weighted=True)[case]
    g = build(src, dst, n, w)
    G = nx_digraph(src, dst, n, w)
    for source in (0, int(src[3])):
        dist, parents = alg.dijkstra(g, source)
        expected = nx.single_source_dijkstra_path_length(G, source)
        assert_close(dist, [expected.get(v, math.inf) for v in range(n)], rel=1e-12)
        # Parents form lightest paths: dist[v] == dist[parent] + w(parent, v).
        for v in range(n):
            p = parents[v]
            if v == source or not np.isfinite(dist[v]):
                assert p == -1
            else:
                assert dist[v] == pytest.approx(dist[p] + G[p][v]["weight"], rel=1e-12)


def test_dijkstra_target_and_shortest_path():
    src, dst, n, w = graphs(weighted=True)[0]
    g = build(src, dst, n, w)
    G = nx_digraph(src, dst, n, w)
    lengths = nx.single_source_dijkstra_path_length(G, 0)
    targets = [t for t in lengths if t != 0][:15]
    for t in targets:
        dist, _ = alg.dijkstra(g, 0, target=t)
        assert dist[t] == pytest.approx(lengths[t], rel=1e-12)
        path = alg.shortest_path(g, 0, t)
        assert path[0] == 0 and path[-1] == t
        assert sum(G[a][b]["weight"] for a, b in zip(path, path[1:])) == pytest.approx(lengths[t], rel=1e-12)
    unreachable = n - 1  # isolated
    with pytest.raises(ValueError, match="target: node"):
        alg.shortest_path(g, 0, unreachable)
    assert alg.shortest_path(g, 5, 5) == [5]


def test_shortest_path_unweighted_counts_hops():
    src, dst, n, _ = graphs()[1]
    g = build(src, dst, n)
    G = nx_digraph(src, dst, n)
    lengths = nx.single_source_shortest_path_length(G, 2)
    for t in list(lengths)[:20]:
        path = alg.shortest_path(g, 2, t)
        assert len(path) - 1 == lengths[t]
        assert all(G.has_edge(a, b) for a, b in zip(path, path[1:]))


@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_bellman_ford_negative_weights_match_networkx(case):
    # Negative weights without negative cycles: weights are potential differences plus a
    # non-negative part, w(u, v) = p(u) - p(v) + c, so every cycle weighs sum(c) >= 0.
    src, dst, n, w = graphs(weighted=True)[case]
    p = np.random.default_rng(case).uniform(0, 20, n)
    w = p[src] - p[dst] + w
    w[src == dst] = np.abs(w[src == dst])
    g = build(src, dst, n, w)
    G = nx_digraph(src, dst, n, w)
    assert (w < 0).any()
    dist, parents = alg.bellman_ford(g, 0)
    expected = nx.single_source_bellman_ford_path_length(G, 0)
    np.testing.assert_allclose(dist, [expected.get(v, math.inf) for v in range(n)], rtol=1e-12, atol=1e-9)


def test_bellman_ford_negative_cycle_is_named():
    src = np.array([0, 1, 2, 3, 4], dtype=np.int64)
    dst = np.array([1, 2, 3, 1, 0], dtype=np.int64)
    w = np.array([1.0, 2.0, -1.0, -2.0, 1.0])
    g = build(src, dst, 5, w)
    with pytest.raises(ValueError, match=r"g: negative cycle reachable from source 0: (1 -> 2 -> 3 -> 1|2 -> 3 -> 1 -> 2|3 -> 1 -> 2 -> 3)"):
        alg.bellman_ford(g, 0)
    # Not reachable from 4's side... from node 4 it is reachable via 0; from an isolated part it is not.
    g2 = build(np.array([0, 1, 2, 3]), np.array([1, 2, 1, 0]), 5, np.array([1.0, -3.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="negative cycle"):
        alg.bellman_ford(g2, 0)
    dist, _ = alg.bellman_ford(g2, 4)
    assert dist.tolist() == [math.inf, math.inf, math.inf, math.inf, 0.0]
    with pytest.raises(ValueError, match=r"negative cycle reachable from source 0: 0 -> 0"):
        alg.bellman_ford(build(np.array([0]), np.array([0]), 1, np.array([-1.0])), 0)


def mst_weight_networkx(src, dst, n, w):
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for i, (a, b) in enumerate(zip(src.tolist(), dst.tolist())):
        if a == b:
            continue
        weight = 1.0 if w is None else float(w[i])
        if not G.has_edge(a, b) or weight < G[a][b]["weight"]:
            G.add_edge(a, b, weight=weight)
    T = nx.minimum_spanning_tree(G)
    return T.size(weight="weight"), T.number_of_edges()


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_minimum_spanning_tree_matches_networkx(case, weighted):
    src, dst, n, w = graphs(weighted=weighted)[case]
    g = build(src, dst, n, w)
    s, d, ww, ids = alg.minimum_spanning_tree(g)
    total, count = mst_weight_networkx(src, dst, n, w)
    assert len(ids) == count
    assert ww.sum() == pytest.approx(total, rel=1e-12)
    assert (s == src[ids]).all() and (d == dst[ids]).all()
    # A forest spanning every component: n - components edges, no cycle.
    k, _ = csgraph.connected_components(sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)), directed=False)
    assert len(ids) == n - k
    assert nx.is_forest(nx.Graph(list(zip(s.tolist(), d.tolist()))))


def test_minimum_spanning_tree_empty():
    s, d, w, ids = alg.minimum_spanning_tree(empty())
    assert len(ids) == 0


# --- argument rules --------------------------------------------------------------------------


def test_errors_name_the_argument():
    src, dst, n, w = graphs(weighted=True)[0]
    g = build(src, dst, n, w)
    gu = build(src, dst, n)
    with pytest.raises(TypeError, match="g: must be a fuseflow.Graph"):
        alg.triangle_count(None)
    for f in (alg.dfs, alg.dijkstra, alg.bellman_ford):
        with pytest.raises(ValueError, match=r"source: must be a node id in \[0, num_nodes\)"):
            f(g, n)
        with pytest.raises(ValueError, match="source: "):
            f(g, -1)
    with pytest.raises(ValueError, match="target: must be a node id"):
        alg.dijkstra(g, 0, target=n)
    with pytest.raises(ValueError, match="target: must be a node id"):
        alg.shortest_path(g, 0, -3)
    with pytest.raises(ValueError, match="g: dijkstra needs edge weights"):
        alg.dijkstra(gu, 0)
    with pytest.raises(ValueError, match="g: bellman_ford needs edge weights"):
        alg.bellman_ford(gu, 0)
    neg = w.copy()
    neg[3] = -1.0
    with pytest.raises(ValueError, match="g: dijkstra needs non-negative edge weights, but edge"):
        alg.dijkstra(build(src, dst, n, neg), 0)
    with pytest.raises(ValueError, match="g: weighted betweenness needs positive finite edge weights"):
        alg.betweenness_centrality(build(src, dst, n, neg), weights=True)
    zero = w.copy()
    zero[0] = 0.0
    with pytest.raises(ValueError, match="g: weighted betweenness needs positive finite"):
        alg.betweenness_centrality(build(src, dst, n, zero), weights=True)
    with pytest.raises(ValueError, match="g: weighted betweenness needs edge weights"):
        alg.betweenness_centrality(gu, weights=True)
    with pytest.raises(ValueError, match=r"k: must be in \[1, num_nodes\]"):
        alg.betweenness_centrality(g, k=n + 1)
    with pytest.raises(ValueError, match="k: must be in"):
        alg.betweenness_centrality(g, k=0)
    with pytest.raises(ValueError, match="sources, k: give at most one"):
        alg.betweenness_centrality(g, sources=[1], k=1)
    with pytest.raises(ValueError, match="sources: must hold node ids"):
        alg.betweenness_centrality(g, sources=[0, n])
    with pytest.raises(ValueError, match="sources: must not repeat a node, but 3 appears twice"):
        alg.betweenness_centrality(g, sources=[3, 1, 3])
    with pytest.raises(ValueError, match="sources: must name at least one node"):
        alg.betweenness_centrality(g, sources=np.zeros(0, np.int64))
    with pytest.raises(TypeError, match="sources: node ids must be an int32 or int64 array"):
        alg.betweenness_centrality(g, sources=np.array([1.0]))
    with pytest.raises(TypeError, match="normalized: must be True or False"):
        alg.betweenness_centrality(g, normalized=1)
    with pytest.raises(TypeError, match="harmonic: must be True or False"):
        alg.closeness_centrality(g, harmonic="yes")
    # NaN weights never reach the algorithms: the graph refuses them when built.
    with pytest.raises(ValueError, match="weights: must not contain NaN"):
        build(src, dst, n, np.where(np.arange(len(w)) == 2, np.nan, w))


# --- generators ------------------------------------------------------------------------------


def test_road_grid_shape_weights_and_determinism():
    src, dst, w = ff.generators.road_grid(30, 40, removed=0.1, seed=3)
    n = 30 * 40
    streets = 30 * 39 + 29 * 40
    assert src.dtype == np.int32 and dst.dtype == np.int32 and w.dtype == np.float64
    assert src.shape[0] % 2 == 0 and 0.8 * streets < src.shape[0] // 2 < streets
    half = src.shape[0] // 2
    assert (src[:half] == dst[half:]).all() and (w[:half] == w[half:]).all()  # both directions
    r1, c1, r2, c2 = src // 40, src % 40, dst // 40, dst % 40
    assert (np.abs(r1 - r2) + np.abs(c1 - c2) == 1).all()  # grid neighbours only
    assert ((w >= 1.0) & (w < 10.0)).all()
    again = ff.generators.road_grid(30, 40, removed=0.1, seed=3)
    assert all((x == y).all() for x, y in zip((src, dst, w), again))
    # Nothing removed: a full grid with diameter rows + cols - 2 hops.
    s, d, _ = ff.generators.road_grid(20, 25, removed=0.0)
    g = ff.Graph.from_edges(s, d, num_nodes=500)
    assert g.num_edges == 2 * (20 * 24 + 19 * 25)
    assert alg.bfs(g, 0).max() == 20 + 25 - 2


def test_urand_is_uniform_and_deterministic():
    src, dst = ff.generators.urand(12, 8, seed=1)
    assert src.dtype == np.int32 and src.shape[0] == 8 << 12
    assert 0 <= src.min() and src.max() < 4096 and 0 <= dst.min() and dst.max() < 4096
    counts = np.bincount(np.concatenate([src, dst]), minlength=4096)
    assert counts.std() < 2 * np.sqrt(counts.mean())  # no skew, unlike R-MAT
    assert all((x == y).all() for x, y in zip((src, dst), ff.generators.urand(12, 8, seed=1)))


def test_generator_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"removed: must be in \[0, 1\)"):
        ff.generators.road_grid(4, removed=1.0)
    with pytest.raises(ValueError, match="rows"):
        ff.generators.road_grid(0)
    with pytest.raises(ValueError, match="rows, cols: rows \\* cols"):
        ff.generators.road_grid(1 << 16, 1 << 15)
    with pytest.raises(ValueError, match="min_weight, max_weight"):
        ff.generators.road_grid(4, min_weight=0.0)
    with pytest.raises(ValueError, match="scale: must be <= 30"):
        ff.generators.urand(31)


def test_results_do_not_depend_on_threads():
    src, dst = ff.generators.rmat(11, 8, seed=8)
    g = build(src, dst, 1 << 11)
    try:
        results = []
        for t in (1, 3):
            ff.set_num_threads(t)
            results.append((alg.triangle_count(g)[0], alg.strongly_connected_components(g), alg.k_core(g),
                            alg.betweenness_centrality(g, k=64, seed=1), alg.closeness_centrality(g)))
    finally:
        ff.set_num_threads(0)  # the default
    a, b = results
    for x, y in zip(a[:3], b[:3]):
        assert (x == y).all()
    assert_close(a[3], b[3], rel=1e-12)
    assert (a[4] == b[4]).all()


def test_betweenness_path_counts_beyond_double_range():
    # 1100 diamonds in series: 2**1100 (~1e331) shortest paths reach the far end, past the double
    # range; the counts are kept in long double then. From source 0 every path to a node beyond
    # joint k passes through it, and half of them through each side of a diamond.
    d = 1100
    n = 3 * d + 1
    src, dst = [], []
    for i in range(d):
        c, a, b, nxt = 3 * i, 3 * i + 1, 3 * i + 2, 3 * i + 3
        src += [c, c, a, b]
        dst += [a, b, nxt, nxt]
    g = build(np.array(src), np.array(dst), n)
    bc = alg.betweenness_centrality(g, sources=[0], normalized=False)
    expected = np.zeros(n)
    for k in range(1, d + 1):
        expected[3 * k] = n - 1 - 3 * k  # joint k: every target after it
        expected[3 * k - 2] = expected[3 * k - 1] = (n - 3 * k) / 2  # each side: half of the rest
    expected *= n - 1  # NetworkX's rescaling for one sampled source ((n-1)/k for non-sources)
    assert np.isnan(bc[0])  # the source: 0/0 with k = 1, as NetworkX
    np.testing.assert_allclose(bc[1:], expected[1:], rtol=1e-12)
    w = alg.betweenness_centrality(build(np.array(src), np.array(dst), n, np.ones(len(src))), sources=[0],
                                   normalized=False, weights=True)
    np.testing.assert_allclose(w[1:], expected[1:], rtol=1e-12)
