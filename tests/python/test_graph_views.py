"""Graph views (g.subgraph / g.reverse / g.to_undirected) against references built edge by edge
in plain Python, SciPy and NetworkX, on random multigraphs with self-loops, parallel edges and
isolated nodes; algorithms and ff.jit programs on views against the same programs on graphs
built from the reference edges."""

import pickle

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse import csgraph

import fuseflow as ff


def random_multigraph(seed, n=60, m=260, weighted=True):
    """Edges among the first n-5 nodes (the last five are isolated), with self-loops and repeats."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n - 5, m)
    dst = rng.integers(0, n - 5, m)
    src[:10] = dst[:10]  # self-loops
    src[10:20], dst[10:20] = src[20:30], dst[20:30]  # parallel edges
    w = rng.uniform(0.5, 4.0, m) if weighted else None
    return ff.Graph.from_edges(src, dst, num_nodes=n, weights=w), src, dst, w


def reference_subgraph(src, dst, w, n, nodes, edges):
    """Kept edges in user order, relabelled to the kept nodes' ranks, one edge at a time."""
    kept_nodes = [v for v in range(n) if nodes[v]]
    rank = {v: i for i, v in enumerate(kept_nodes)}
    out_s, out_d, out_w, ids = [], [], [], []
    for e in range(len(src)):
        if edges[e] and nodes[src[e]] and nodes[dst[e]]:
            out_s.append(rank[src[e]])
            out_d.append(rank[dst[e]])
            out_w.append(None if w is None else w[e])
            ids.append(e)
    return kept_nodes, out_s, out_d, out_w, ids


def assert_same_graph(got, want, context=""):
    """Every CSR, CSC and user-order edge array equal (None where want has none), and the same
    user-order flag and weightedness: `got` is array for array the graph `want`."""
    for got_arrays, want_arrays in ((got.csr(), want.csr()), (got.csc(), want.csc()), (got.edges(), want.edges())):
        for a, b in zip(got_arrays, want_arrays):
            if b is None:
                assert a is None, context
            else:
                np.testing.assert_array_equal(a, b, err_msg=context)
    assert got._g.user_order_is_csr == want._g.user_order_is_csr, context
    assert got.has_weights == want.has_weights, context


MASKS = {
    "random": lambda rng, n, m: (rng.random(n) < 0.7, rng.random(m) < 0.8),
    "empty": lambda rng, n, m: (np.zeros(n, bool), np.zeros(m, bool)),
    "full": lambda rng, n, m: (np.ones(n, bool), np.ones(m, bool)),
    "nodes only": lambda rng, n, m: (rng.random(n) < 0.5, np.ones(m, bool)),
    "edges only": lambda rng, n, m: (np.ones(n, bool), rng.random(m) < 0.5),
}


@pytest.mark.parametrize("case", sorted(MASKS))
@pytest.mark.parametrize("seed", [1, 2])
def test_subgraph_edges_and_maps_match_reference(case, seed):
    g, src, dst, w = random_multigraph(seed)
    nodes, edges = MASKS[case](np.random.default_rng(seed + 10), g.num_nodes, g.num_edges)
    v = g.subgraph(node_mask=nodes, edge_mask=edges)
    kept, rs, rd, rw, ids = reference_subgraph(src, dst, w, g.num_nodes, nodes, edges)
    assert isinstance(v, ff.GraphView) and isinstance(v, ff.Graph)
    assert v.num_nodes == len(kept) and v.num_edges == len(ids)
    vs, vd, vw = v.edges()
    assert vs.tolist() == rs and vd.tolist() == rd
    assert (vw.tolist() if vw is not None else []) == rw  # an edgeless graph is unweighted
    assert v.node_ids.tolist() == kept and v.edge_ids.tolist() == ids
    assert v.base is g
    assert v.node_labels.tolist() == kept  # an unlabelled base labels the view by base ids
    # Degrees against SciPy's submatrix of the kept edges.
    a = sp.coo_array((np.ones(len(ids)), (np.array(src[ids], dtype=int), np.array(dst[ids], dtype=int))),
                     shape=(g.num_nodes, g.num_nodes)).tocsr()[kept][:, kept]
    np.testing.assert_array_equal(v.out_degree(), np.asarray(a.sum(axis=1)).ravel())
    np.testing.assert_array_equal(v.in_degree(), np.asarray(a.sum(axis=0)).ravel())


def _bases(seed, weighted):
    """A 6,000-edge multigraph over 400 nodes in three edge orders: random (the subgraph ranks its
    edges by user id), source order (its user order is its CSR order), and the reverse of a
    source-ordered graph (a view whose user ids are its base's in_edge_ids)."""
    rng = np.random.default_rng(seed)
    n, m = 400, 6000
    src, dst = rng.integers(0, n - 3, m), rng.integers(0, n - 3, m)
    src[:40] = dst[:40]
    w = rng.uniform(0.5, 4.0, m) if weighted else None
    order = np.argsort(src, kind="stable")
    yield "random", ff.Graph.from_edges(src, dst, num_nodes=n, weights=w), src, dst, w
    so = ff.Graph.from_edges(src[order], dst[order], num_nodes=n, weights=None if w is None else w[order])
    yield "source order", so, src[order], dst[order], None if w is None else w[order]
    yield "reversed", so.reverse(), dst[order], src[order], None if w is None else w[order]


SIZES = {  # (node mask, edge mask): few kept edges are ranked by a sort, many by a pass over E
    "ten nodes": lambda rng, n, m: (rng.choice(n, 10, replace=False), None),
    "most nodes": lambda rng, n, m: (rng.random(n) < 0.9, None),
    "few edges": lambda rng, n, m: (None, rng.choice(m, 30, replace=False)),
    "both": lambda rng, n, m: (rng.random(n) < 0.8, rng.random(m) < 0.7),
    "neither": lambda rng, n, m: (None, None),
}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("weighted", [False, True])
def test_subgraph_is_array_for_array_the_graph_built_from_its_edges(size, weighted):
    for order, g, src, dst, w in _bases(7, weighted):
        nodes, edges = SIZES[size](np.random.default_rng(3), g.num_nodes, g.num_edges)
        v = g.subgraph(node_mask=nodes, edge_mask=edges)
        node_keep, edge_keep = np.ones(g.num_nodes, bool), np.ones(g.num_edges, bool)
        if nodes is not None:
            node_keep = nodes if nodes.dtype == bool else np.isin(np.arange(g.num_nodes), nodes)
        if edges is not None:
            edge_keep = edges if edges.dtype == bool else np.isin(np.arange(g.num_edges), edges)
        kept, rs, rd, rw, ids = reference_subgraph(src, dst, w, g.num_nodes, node_keep, edge_keep)
        want = ff.Graph.from_edges(np.array(rs, dtype=np.int64), np.array(rd, dtype=np.int64), num_nodes=len(kept),
                                   weights=None if w is None or not rw else np.array(rw))
        assert_same_graph(v, want, f"{order}, {size}")
        base_edges = g.edge_ids if isinstance(g, ff.GraphView) else np.arange(g.num_edges)
        np.testing.assert_array_equal(v.edge_ids, base_edges[ids])
        np.testing.assert_array_equal(v.node_ids, kept)
        np.testing.assert_array_equal(ff.algorithms.pagerank(v), ff.algorithms.pagerank(want))
        # The native cut itself, also where Python filters in user order instead (an edge mask
        # on a base not in CSR order).
        native, native_ids = ff._core.graph_subgraph(g._g, None if nodes is None else node_keep,
                                                     None if edges is None else edge_keep)
        assert_same_graph(ff.Graph(native), want, f"native, {order}, {size}")
        np.testing.assert_array_equal(native_ids, ids)


@pytest.mark.parametrize("weighted", [False, True])
def test_to_undirected_is_array_for_array_the_graph_built_from_both_directions(weighted):
    small = [("only loops", ff.Graph.from_edges([2, 0, 2], [2, 0, 2], num_nodes=4,
                                                weights=[1.0, 2.0, 3.0] if weighted else None), [2, 0, 2], [2, 0, 2],
              [1.0, 2.0, 3.0] if weighted else None),
             ("no edges", ff.Graph.from_edges(np.array([], np.int64), np.array([], np.int64), num_nodes=3,
                                              weights=np.array([]) if weighted else None), [], [], None)]
    for order, g, src, dst, w in list(_bases(9, weighted)) + small:
        src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
        v = g.to_undirected()
        copies = np.flatnonzero(src != dst)  # one plain loop per edge: the reference order
        ref_ids = list(range(len(src))) + [int(e) for e in copies]
        rs = [int(src[e]) for e in range(len(src))] + [int(dst[e]) for e in copies]
        rd = [int(dst[e]) for e in range(len(src))] + [int(src[e]) for e in copies]
        rw = None if w is None or not ref_ids else np.array([w[e] for e in ref_ids])
        want = ff.Graph.from_edges(np.array(rs, dtype=np.int64), np.array(rd, dtype=np.int64), num_nodes=g.num_nodes,
                                   weights=rw)
        assert_same_graph(v, want, order)
        base_edges = g.edge_ids if isinstance(g, ff.GraphView) else np.arange(g.num_edges)
        np.testing.assert_array_equal(v.edge_ids, base_edges[np.array(ref_ids, dtype=np.int64)])
        np.testing.assert_array_equal(ff.algorithms.connected_components(v), ff.algorithms.connected_components(want))


def test_ids_and_masks_select_the_same_subgraph():
    g, *_ = random_multigraph(3)
    rng = np.random.default_rng(0)
    nodes, edges = rng.random(g.num_nodes) < 0.6, rng.random(g.num_edges) < 0.6
    by_mask = g.subgraph(nodes, edges)
    ids = np.flatnonzero(nodes)[::-1]
    by_ids = g.subgraph(np.concatenate([ids, ids[:3]]), list(np.flatnonzero(edges)))  # any order, repeats
    for a, b in zip(by_mask.edges(), by_ids.edges()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(by_mask.node_ids, by_ids.node_ids)
    assert g.subgraph(node_mask=[]).num_nodes == 0


def test_reverse_is_the_transpose_in_the_same_edge_order():
    g, src, dst, w = random_multigraph(4)
    r = g.reverse()
    rs, rd, rw = r.edges()
    np.testing.assert_array_equal(rs, dst)
    np.testing.assert_array_equal(rd, src)
    np.testing.assert_array_equal(rw, w)
    assert (r.to_scipy() - g.to_scipy().T).count_nonzero() == 0
    np.testing.assert_array_equal(r.out_degree(), g.in_degree())
    assert r.edge_ids.tolist() == list(range(g.num_edges)) and r.node_labels is None


def test_to_undirected_matches_networkx_reading_of_an_undirected_graph():
    g, src, dst, w = random_multigraph(5)
    u = g.to_undirected()
    # The same edges Graph.from_networkx builds from an undirected MultiGraph.
    G = nx.MultiGraph()
    G.add_nodes_from(range(g.num_nodes))
    G.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist()))
    ref = ff.Graph.from_networkx(G)
    a, b = u.to_scipy(), ref.to_scipy()
    assert (a - b).count_nonzero() == 0  # duplicates summed: same multiset of weighted edges
    loops = src == dst
    assert u.num_edges == 2 * g.num_edges - loops.sum()
    assert u.edge_ids.tolist() == list(range(g.num_edges)) + np.flatnonzero(~loops).tolist()
    np.testing.assert_array_equal(u.out_degree(), u.in_degree())


def test_chained_views_map_to_the_base():
    g, src, dst, w = random_multigraph(6)
    rng = np.random.default_rng(1)
    first = rng.random(g.num_nodes) < 0.8
    v1 = g.subgraph(node_mask=first)
    second = rng.random(v1.num_nodes) < 0.8
    v2 = v1.reverse().subgraph(node_mask=second)
    assert v2.base is g
    kept = np.flatnonzero(first)[second]
    np.testing.assert_array_equal(v2.node_ids, kept)
    # Each view edge is its base edge, reversed, between the kept nodes.
    vs, vd, vw = v2.edges()
    np.testing.assert_array_equal(kept[vs], dst[v2.edge_ids])
    np.testing.assert_array_equal(kept[vd], src[v2.edge_ids])
    np.testing.assert_array_equal(vw, w[v2.edge_ids])
    both = set(zip(src.tolist(), dst.tolist()))
    assert all((int(b), int(a)) in both for a, b in zip(kept[vs], kept[vd]))
    assert "subgraph of reverse of subgraph" in repr(v2)


def test_labelled_base_keeps_its_labels():
    G = nx.path_graph(["a", "b", "c", "d"])
    g = ff.Graph.from_networkx(G)
    v = g.subgraph(node_mask=g.index_of(["b", "c", "d"]))
    assert v.node_labels.tolist() == ["b", "c", "d"]
    assert v.index_of("c") == 1
    assert sorted(v.to_networkx().edges()) == [("b", "c"), ("c", "b"), ("c", "d"), ("d", "c")]


def test_pickle_keeps_the_view_and_its_maps():
    g, *_ = random_multigraph(7)
    v = g.subgraph(node_mask=np.arange(0, g.num_nodes, 2)).to_undirected()
    back = pickle.loads(pickle.dumps(v))
    assert isinstance(back, ff.GraphView)
    for a, b in zip(v.edges(), back.edges()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.node_ids, v.node_ids)
    np.testing.assert_array_equal(back.edge_ids, v.edge_ids)
    assert back.base.num_edges == g.num_edges


# ------------------------------------------------------------------ algorithms on views


def induced_networkx(src, dst, w, kept):
    """The induced subgraph by NetworkX itself (MultiDiGraph, base node names)."""
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(max(max(src), max(dst)) + 6))
    G.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist()))
    return G.subgraph(kept)


def test_pagerank_on_a_subgraph_equals_networkx_on_the_induced_subgraph():
    g, src, dst, w = random_multigraph(8)
    nodes = np.random.default_rng(2).random(g.num_nodes) < 0.7
    v = g.subgraph(node_mask=nodes)
    ranks = ff.algorithms.pagerank(v, tol=1e-12, max_iter=1000)
    H = induced_networkx(src, dst, w, np.flatnonzero(nodes).tolist())
    ref = nx.pagerank(H, weight=None, tol=1e-13, max_iter=1000)  # parallel edges count, as in ff
    np.testing.assert_allclose(ranks, [ref[int(b)] for b in v.node_ids], rtol=1e-8, atol=1e-12)


def test_bfs_and_shortest_paths_on_a_reversed_subgraph():
    g, src, dst, w = random_multigraph(9)
    rng = np.random.default_rng(3)
    nodes, edges = rng.random(g.num_nodes) < 0.8, rng.random(g.num_edges) < 0.8
    v = g.subgraph(nodes, edges).reverse()
    kept, rs, rd, rw, _ = reference_subgraph(src, dst, w, g.num_nodes, nodes, edges)
    # SciPy on the reversed kept edges; parallel edges: the lightest counts.
    a = np.full((len(kept), len(kept)), np.inf)
    for s, d, x in zip(rd, rs, rw):
        a[s, d] = min(a[s, d], x)
    dense = np.where(np.isinf(a), 0, a)
    hops = csgraph.shortest_path(sp.csr_array(dense != 0), unweighted=True, indices=0)
    levels = ff.algorithms.bfs(v, 0)
    np.testing.assert_array_equal(levels, np.where(np.isinf(hops), -1, hops).astype(np.int64))
    dist = csgraph.dijkstra(sp.csr_array(dense), indices=0)
    np.testing.assert_allclose(ff.algorithms.sssp(v, 0), dist, rtol=1e-12)


def test_components_and_triangles_on_views():
    g, src, dst, w = random_multigraph(10, m=120)
    nodes = np.random.default_rng(4).random(g.num_nodes) < 0.6
    v = g.subgraph(node_mask=nodes)
    kept, rs, rd, _, _ = reference_subgraph(src, dst, w, g.num_nodes, nodes, np.ones(g.num_edges, bool))
    a = sp.coo_array((np.ones(len(rs)), (rs, rd)), shape=(len(kept), len(kept)))
    count, ref = csgraph.connected_components(a, directed=True, connection="weak")
    labels = ff.algorithms.connected_components(v)
    assert len(np.unique(labels)) == count
    for c in range(count):  # the same partition: each reference component has one label
        assert len(np.unique(labels[ref == c])) == 1
    per_node, total = ff.algorithms.triangle_count(v.to_undirected())
    H = nx.Graph(induced_networkx(src, dst, w, kept).to_undirected())
    H.remove_edges_from(nx.selfloop_edges(H))
    tri = nx.triangles(H)
    assert per_node.tolist() == [tri[int(b)] for b in v.node_ids]
    assert total == sum(tri.values()) // 3


# ------------------------------------------------------------------ ff.jit programs on views


def test_jit_programs_on_views_equal_the_same_program_on_the_reference_graph():
    g, src, dst, w = random_multigraph(11)
    rng = np.random.default_rng(5)
    nodes, edges = rng.random(g.num_nodes) < 0.7, rng.random(g.num_edges) < 0.7
    kept, rs, rd, rw, ids = reference_subgraph(src, dst, w, g.num_nodes, nodes, edges)
    ref_graph = ff.Graph.from_edges(np.array(rs, dtype=np.int64), np.array(rd, dtype=np.int64),
                                    num_nodes=len(kept), weights=np.array(rw))

    @ff.jit
    def program(graph, x, ew):
        s = ff.neighbor_agg(graph, x, "sum")  # the graph's own weights
        m = ff.neighbor_agg(graph, x, "min", direction="out")
        t = ff.neighbor_agg(graph, x, "sum", weights=ew * graph.edge_src(x))
        return s, m, t, graph.in_degree()

    x = rng.standard_normal(g.num_nodes)
    ew = rng.uniform(0, 1, g.num_edges)
    v = g.subgraph(nodes, edges)
    got = program(v, x[v.node_ids], ew[v.edge_ids])
    want = program(ref_graph, x[kept], ew[ids])
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    # And the plain sum against SciPy: A^T (w x) over the kept edges.
    a = sp.coo_array((np.array(rw), (rs, rd)), shape=(len(kept), len(kept)))
    np.testing.assert_allclose(got[0], a.T @ x[kept], rtol=1e-12, atol=1e-12)
    # Reversed: an in-aggregation is the base's out-aggregation.
    r = ff.jit(lambda graph, y: ff.neighbor_agg(graph, y, "max"))
    np.testing.assert_array_equal(r(g.reverse(), x), ff.neighbor_agg(g, x, "max", direction="out"))


# ------------------------------------------------------------------ reverse without a copy

def source_ordered_multigraph(seed, sorted_targets):
    """random_multigraph's edges in source order (as a file or SciPy gives them): reverse() shares
    the graph's arrays instead of building a copy."""
    _, src, dst, w = random_multigraph(seed)
    order = np.lexsort((dst, src)) if sorted_targets else np.argsort(src, kind="stable")
    src, dst, w = src[order], dst[order], w[order]
    return ff.Graph.from_edges(src, dst, num_nodes=60, weights=w), src, dst, w


@pytest.mark.parametrize("sorted_targets", [False, True])
def test_reverse_of_a_source_ordered_graph_shares_its_arrays_and_equals_the_rebuilt_graph(sorted_targets):
    g, src, dst, w = source_ordered_multigraph(12, sorted_targets)
    r = g.reverse()
    # It holds nothing of the CSR/CSC itself, or (out-lists not sorted) only the sorted in-lists.
    assert r.memory_bytes() == (0 if sorted_targets else g.num_edges * (4 + 8))
    assert g.memory_bytes() > 10 * g.num_edges
    want = ff.Graph.from_edges(dst, src, num_nodes=60, weights=w)
    assert_same_graph(r, want)
    np.testing.assert_array_equal(r.node_ids, np.arange(60))
    np.testing.assert_array_equal(r.edge_ids, np.arange(g.num_edges))
    assert r.reverse()._g is g._g  # reversing twice gives the graph back
    # Every algorithm sees the same graph as the rebuilt one: the same answers, bit for bit.
    for f in (lambda x: ff.algorithms.pagerank(x), lambda x: ff.algorithms.bfs(x, 3),
              lambda x: ff.algorithms.sssp(x, 3), lambda x: ff.algorithms.connected_components(x),
              lambda x: ff.algorithms.betweenness_centrality(x)):
        np.testing.assert_array_equal(f(r), f(want))
    program = ff.jit(lambda graph, x: (ff.neighbor_agg(graph, x / ff.maximum(graph.out_degree(), 1), "sum"),
                                       ff.neighbor_agg(graph, x, "min", direction="out"), graph.edge_src(x)))
    x = np.random.default_rng(3).standard_normal(60)
    for a, b in zip(program(r, x), program(want, x)):
        np.testing.assert_array_equal(a, b)
    # Against SciPy: the transpose.
    assert (r.to_scipy() - g.to_scipy().T).count_nonzero() == 0
    u = pickle.loads(pickle.dumps(r))
    np.testing.assert_array_equal(u.csc()[1], want.csc()[1])
    assert u.base.num_edges == g.num_edges


def test_a_shared_reverse_outlives_its_base():
    g, src, dst, w = source_ordered_multigraph(13, False)
    r = g.reverse()
    want = ff.algorithms.bfs(ff.Graph.from_edges(dst, src, num_nodes=60, weights=w), 0)
    del g
    import gc

    gc.collect()
    r._base = None  # only the native view holds the base graph now
    np.testing.assert_array_equal(ff.algorithms.bfs(r, 0), want)


def test_reverse_of_a_graph_not_in_source_order_is_a_copy():
    g, src, dst, w = random_multigraph(14)
    assert not g._g.user_order_is_csr
    r = g.reverse()
    assert r.memory_bytes() > 10 * g.num_edges
    np.testing.assert_array_equal(r.edges()[0], dst)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("kwargs, error, words", [
    ({"node_mask": np.ones(3, bool)}, ValueError, "node_mask: a bool mask must have one entry per node"),
    ({"edge_mask": np.ones(2, bool)}, ValueError, "edge_mask: a bool mask must have one entry per edge"),
    ({"node_mask": [0, 99]}, ValueError, "node_mask: node ids must be in [0, 6), got 99"),
    ({"node_mask": [-1]}, ValueError, "node_mask: node ids must be in [0, 6), got -1"),
    ({"edge_mask": [5]}, ValueError, "edge_mask: edge ids must be in [0, 4), got 5"),
    ({"node_mask": np.ones(6)}, TypeError, "node_mask: must be a bool mask or an array of node ids"),
    ({"edge_mask": ["a"]}, TypeError, "edge_mask: must be a bool mask or an array of edge ids"),
    ({"node_mask": np.ones((2, 3), bool)}, ValueError, "node_mask: must be 1-D"),
])
def test_bad_masks_name_the_argument(kwargs, error, words):
    g = ff.Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 0], num_nodes=6)
    with pytest.raises(error) as info:
        g.subgraph(**kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize("args, error, words", [
    ((np.ones(3, bool), None), ValueError, "node_mask: must have one entry per node (6), got 3"),
    ((None, np.ones(2, bool)), ValueError, "edge_mask: must have one entry per edge (4), got 2"),
    ((np.ones(6, np.int8), None), TypeError, "node_mask: must be a bool array, got int8"),
    ((None, np.ones(4)), TypeError, "edge_mask: must be a bool array, got float64"),
])
def test_the_native_cut_checks_its_masks_too(args, error, words):
    g = ff.Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 0], num_nodes=6)
    with pytest.raises(error) as info:
        ff._core.graph_subgraph(g._g, *args)
    assert words in str(info.value)


# ------------------------------------------------------------------ chains, property-based

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def graphs_and_chains(draw):
    """A small multigraph in any edge order (loops, parallel edges, isolated nodes, weights or
    not) and a chain of one to three view steps with their masks."""
    n = draw(st.integers(0, 9))
    m = draw(st.integers(0, 30)) if n else 0
    src = draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=m, max_size=m))
    dst = draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=m, max_size=m))
    if draw(st.booleans()):
        order = sorted(range(m), key=lambda e: src[e])  # source order: the CSR-order paths
        src, dst = [src[e] for e in order], [dst[e] for e in order]
    w = draw(st.lists(st.sampled_from([0.5, 1.0, 2.5, -1.0]), min_size=m, max_size=m)) if draw(st.booleans()) else None
    steps = draw(st.lists(st.sampled_from(["subgraph", "reverse", "to_undirected"]), min_size=1, max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    return n, src, dst, w, steps, seed


def _reference_step(step, n, src, dst, w, ids, rng, use_nodes, use_edges):
    """One view step on plain edge lists: (n, src, dst, w, base edge ids, kept base nodes)."""
    if step == "reverse":
        return n, dst, src, w, ids, None, None
    if step == "to_undirected":
        copies = [e for e in range(len(src)) if src[e] != dst[e]]
        return (n, src + [dst[e] for e in copies], dst + [src[e] for e in copies],
                None if w is None else w + [w[e] for e in copies], ids + [ids[e] for e in copies], None, None)
    nodes = rng.random(n) < 0.7 if use_nodes else None
    edges = rng.random(len(src)) < 0.7 if use_edges else None
    keep_n = np.ones(n, bool) if nodes is None else nodes
    rank = np.cumsum(keep_n) - 1
    kept = [e for e in range(len(src)) if (edges is None or edges[e]) and keep_n[src[e]] and keep_n[dst[e]]]
    return (int(keep_n.sum()), [int(rank[src[e]]) for e in kept], [int(rank[dst[e]]) for e in kept],
            None if w is None else [w[e] for e in kept], [ids[e] for e in kept], nodes, edges)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs_and_chains())
def test_any_chain_of_views_is_the_graph_built_from_its_edges(case):
    n, src, dst, w, steps, seed = case
    g = ff.Graph.from_edges(np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), num_nodes=n,
                            weights=None if w is None else np.array(w, dtype=np.float64))
    rng = np.random.default_rng(seed)
    view, ids, node_ids = g, list(range(len(src))), np.arange(n)
    for step in steps:
        use_nodes, use_edges = bool(rng.integers(2)), bool(rng.integers(2))
        n, src, dst, w, ids, nodes, edges = _reference_step(step, n, src, dst, w, ids, rng, use_nodes, use_edges)
        if step == "subgraph":
            view = view.subgraph(node_mask=nodes, edge_mask=edges)
            if nodes is not None:
                node_ids = node_ids[nodes]
        else:
            view = getattr(view, step)()
    want = ff.Graph.from_edges(np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), num_nodes=n,
                               weights=None if w is None or not src else np.array(w, dtype=np.float64))
    assert_same_graph(view, want)
    np.testing.assert_array_equal(view.edge_ids, np.array(ids, dtype=np.int64))
    np.testing.assert_array_equal(view.node_ids, node_ids)
