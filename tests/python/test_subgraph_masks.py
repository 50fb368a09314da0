"""Subgraph views before their cut: made from masks alone, bfs and sssp run on the masks inside the
kernels (no CSR copied) and equal NetworkX on the induced subgraph; the view cuts itself when
anything else needs its arrays, or when masked runs have cost as much as the cut (the rule of
fuseflow/_view_masks.py); and a cut view is the view it was."""

import pickle
import threading
from unittest import mock

import networkx as nx
import numpy as np
import pytest

import fuseflow as ff
from fuseflow import _view_masks
from test_graph_views import MASKS, random_multigraph, reference_subgraph


def nx_subgraph(src, dst, w, n, nodes, edges):
    """The induced subgraph as a NetworkX multigraph, in view ids (kept nodes renumbered)."""
    kept, s, d, ww, _ = reference_subgraph(src, dst, w, n, nodes, edges)
    h = nx.MultiDiGraph()
    h.add_nodes_from(range(len(kept)))
    for a, b, x in zip(s, d, ww):
        h.add_edge(a, b, weight=x)
    return h


def nx_levels(h, source):
    levels = np.full(h.number_of_nodes(), -1, dtype=np.int64)
    for v, hops in nx.single_source_shortest_path_length(h, source).items():
        levels[v] = hops
    return levels


def nx_distances(h, source):
    dist = np.full(h.number_of_nodes(), np.inf)
    for v, d in nx.single_source_dijkstra_path_length(h, source).items():  # lightest parallel edge
        dist[v] = d
    return dist


@pytest.mark.parametrize("case", sorted(MASKS))
@pytest.mark.parametrize("sorted_edges", [False, True], ids=["random order", "source order"])
def test_bfs_and_sssp_on_the_masks_equal_networkx_on_the_induced_subgraph(case, sorted_edges):
    g, src, dst, w = random_multigraph(7)
    if sorted_edges:  # user order = CSR order: the edge mask is read by CSR position directly
        order = np.argsort(src, kind="stable")
        src, dst, w = src[order], dst[order], w[order]
        g = ff.Graph.from_edges(src, dst, num_nodes=g.num_nodes, weights=w)
    rng = np.random.default_rng(3)
    nodes, edges = MASKS[case](rng, g.num_nodes, g.num_edges)
    h = nx_subgraph(src, dst, w, g.num_nodes, nodes, edges)
    for source in range(h.number_of_nodes()):
        view = g.subgraph(node_mask=nodes, edge_mask=edges)
        with mock.patch.object(_view_masks, "CUT_COST_PER_EDGE", 1e18):  # never cut: test the masked runs
            levels, parents = ff.algorithms.bfs(view, source, return_parents=True)
            dist = ff.algorithms.sssp(view, source)
        assert not view.materialized
        np.testing.assert_array_equal(levels, nx_levels(h, source))
        np.testing.assert_allclose(dist, nx_distances(h, source), rtol=1e-12)  # summation order may differ
        # and exactly what the cut view gives
        cut = view.materialize()
        want_levels, want_parents = ff.algorithms.bfs(cut, source, return_parents=True)
        np.testing.assert_array_equal(levels, want_levels)
        np.testing.assert_array_equal(parents, want_parents)
        np.testing.assert_array_equal(dist, ff.algorithms.sssp(cut, source))


@pytest.mark.parametrize("case", sorted(MASKS))
def test_dijkstra_and_shortest_path_on_the_masks_equal_networkx(case):
    g, src, dst, w = random_multigraph(8)
    nodes, edges = MASKS[case](np.random.default_rng(4), g.num_nodes, g.num_edges)
    h = nx_subgraph(src, dst, w, g.num_nodes, nodes, edges)
    for source in range(0, h.number_of_nodes(), 3):
        view = g.subgraph(node_mask=nodes, edge_mask=edges)
        with mock.patch.object(_view_masks, "CUT_COST_PER_EDGE", 1e18):  # never cut: test the masked runs
            dist, parents = ff.algorithms.dijkstra(view, source)
            for target in range(h.number_of_nodes()):
                if np.isfinite(dist[target]):
                    path = ff.algorithms.shortest_path(view, source, target)
                    assert path[0] == source and path[-1] == target
                    length = sum(min(d["weight"] for d in h.get_edge_data(a, b).values()) for a, b in zip(path, path[1:]))
                    assert length == pytest.approx(dist[target], rel=1e-12)
                else:
                    with pytest.raises(ValueError, match="target: node"):
                        ff.algorithms.shortest_path(view, source, target)
        assert not view.materialized
        np.testing.assert_allclose(dist, nx_distances(h, source), rtol=1e-12)
        want_dist, want_parents = ff.algorithms.dijkstra(view.materialize(), source)
        np.testing.assert_array_equal(dist, want_dist)
        np.testing.assert_array_equal(parents, want_parents)


def test_a_view_is_made_from_masks_and_counts_without_cutting():
    g, src, dst, w = random_multigraph(11)
    nodes = np.random.default_rng(1).random(g.num_nodes) < 0.6
    view = g.subgraph(node_mask=nodes)
    kept, s, _, _, ids = reference_subgraph(src, dst, w, g.num_nodes, nodes, np.ones(len(src), bool))
    assert (view.num_nodes, view.num_edges, view.has_weights) == (len(kept), len(s), True)
    np.testing.assert_array_equal(view.node_ids, kept)
    assert "GraphView(num_nodes=" in repr(view)
    assert view.memory_bytes() == nodes.nbytes  # the mask, until the cut
    assert not view.materialized
    np.testing.assert_array_equal(view.edge_ids, ids)  # needs the cut
    assert view.materialized
    assert view.memory_bytes() > nodes.nbytes
    # Keeping no edge leaves no weights, as from_edges does.
    assert not g.subgraph(edge_mask=np.zeros(g.num_edges, bool)).has_weights


def test_anything_reading_the_edges_cuts_the_view_once():
    g, src, dst, w = random_multigraph(12)
    nodes = np.arange(g.num_nodes) % 3 != 0
    made = {
        "edges": lambda v: v.edges(),
        "csr": lambda v: v.csr(),
        "pagerank": lambda v: ff.algorithms.pagerank(v),
        "jit": lambda v: ff.jit(lambda gg, x: ff.neighbor_agg(gg, x, "sum"))(v, np.ones(v.num_nodes)),
        "reverse": lambda v: v.reverse(),
        "pickle": lambda v: pickle.loads(pickle.dumps(v)),
    }
    want = g.subgraph(node_mask=nodes).materialize()
    for name, use in made.items():
        view = g.subgraph(node_mask=nodes)
        use(view)
        assert view.materialized, name
        for a, b in zip(view.csr(), want.csr()):
            np.testing.assert_array_equal(a, b, err_msg=name)
        np.testing.assert_array_equal(view.edge_ids, want.edge_ids, err_msg=name)


def test_changing_a_mask_after_making_the_view_changes_nothing():
    g, src, dst, w = random_multigraph(15)
    nodes = np.arange(g.num_nodes) % 2 == 0
    edges = np.arange(g.num_edges) % 3 != 0
    want = g.subgraph(node_mask=nodes.copy(), edge_mask=edges.copy()).materialize()
    view = g.subgraph(node_mask=nodes, edge_mask=edges)
    nodes[:] = True
    edges[:] = False
    np.testing.assert_array_equal(ff.algorithms.bfs(view, 0), ff.algorithms.bfs(want, 0))
    np.testing.assert_array_equal(view.edge_ids, want.edge_ids)


def test_a_pickled_view_before_its_cut_is_the_same_view():
    g, *_ = random_multigraph(13)
    view = g.subgraph(node_mask=np.arange(g.num_nodes) % 2 == 0, edge_mask=np.arange(g.num_edges) % 5 != 0)
    back = pickle.loads(pickle.dumps(view))
    np.testing.assert_array_equal(back.node_ids, view.node_ids)
    np.testing.assert_array_equal(back.edge_ids, view.edge_ids)
    np.testing.assert_array_equal(ff.algorithms.bfs(back, 0), ff.algorithms.bfs(view, 0))


def test_masked_runs_cut_the_view_once_they_cost_as_much_as_the_cut():
    """Ski rental: each masked run costs the out-degrees of the nodes it reached plus its passes
    over the dropped nodes; the view is cut before the run that would take the total past the
    cut's estimate."""
    g = ff.Graph.from_edges(*ff.generators.rmat(12, 8, seed=3), num_nodes=1 << 12)
    nodes = np.random.default_rng(2).random(g.num_nodes) < 0.5
    cost = _view_masks.CUT_COST_PER_EDGE * (int(g.out_degree()[nodes].sum()) + int(nodes.sum()))
    passes = _view_masks.NODE_PASS_COST * int(np.count_nonzero(~nodes))
    view = g.subgraph(node_mask=nodes)
    source = int(np.argmax(g.out_degree()[nodes]))  # reaches much of the view
    charged = runs = 0
    while True:
        levels = ff.algorithms.bfs(view, source)
        if view.materialized:
            break
        assert charged + passes < cost  # this run was allowed
        charged += int(g.out_degree()[view.node_ids[levels >= 0]].sum()) + passes
        runs += 1
        assert runs < 1000
    assert charged + passes >= cost  # the next run would have passed the cut's cost
    assert runs >= 2
    # A masked sssp costs about a cut when it reaches most of its view: cut after one or two.
    weighted = ff.Graph.from_edges(*ff.generators.rmat(12, 8, seed=3), num_nodes=1 << 12,
                                   weights=np.random.default_rng(4).random(8 << 12))
    view = weighted.subgraph(node_mask=nodes)
    ff.algorithms.sssp(view, source)
    assert not view.materialized
    ff.algorithms.sssp(view, source)
    ff.algorithms.sssp(view, source)
    assert view.materialized
    # Runs from a node without out-edges cost nothing when every node is kept: never cut.
    lonely = g.subgraph(edge_mask=np.zeros(g.num_edges, bool))
    isolated = int(np.flatnonzero(g.out_degree() == 0)[0])
    for _ in range(50):
        ff.algorithms.bfs(lonely, isolated)
    assert not lonely.materialized
    # A small subgraph of a large graph: its dropped nodes' passes alone cost more than its cut.
    small = g.subgraph(node_mask=np.arange(g.num_nodes) < g.num_nodes // 100)
    ff.algorithms.bfs(small, 0)
    assert small.materialized


def test_node_subsets_of_a_view_before_its_cut_compose_the_masks():
    g, src, dst, w = random_multigraph(14)
    rng = np.random.default_rng(5)
    first, edges = rng.random(g.num_nodes) < 0.7, rng.random(g.num_edges) < 0.8
    outer = g.subgraph(node_mask=first, edge_mask=edges)
    second = rng.random(outer.num_nodes) < 0.6
    chained = outer.subgraph(node_mask=second)
    assert not outer.materialized and not chained.materialized
    both = np.zeros(g.num_nodes, bool)
    both[np.flatnonzero(first)[second]] = True
    direct = g.subgraph(node_mask=both, edge_mask=edges)
    np.testing.assert_array_equal(chained.node_ids, direct.node_ids)
    assert chained.base is g
    np.testing.assert_array_equal(ff.algorithms.bfs(chained, 0), ff.algorithms.bfs(direct, 0))
    np.testing.assert_array_equal(chained.edge_ids, direct.edge_ids)
    # An edge mask on a view refers to the view's edges: the new view's masks are over the view,
    # which is cut when the new one is.
    again = outer.subgraph(edge_mask=np.ones(outer.num_edges, bool))
    assert not outer.materialized
    np.testing.assert_array_equal(again.edge_ids, outer.edge_ids)
    assert outer.materialized and again.base is g


def test_labels_of_a_view_are_its_base_ids_made_when_read():
    g = ff.Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 0])
    view = g.subgraph(node_mask=[1, 3])
    assert view.index_of(3) == 1
    assert view.node_labels.tolist() == [1, 3]
    named = ff.Graph.from_networkx(nx.DiGraph([("a", "b"), ("b", "c")])).subgraph(node_mask=[0, 2])
    assert named.node_labels.tolist() == ["a", "c"]


def test_threads_cutting_one_view_cut_it_once():
    g = ff.Graph.from_edges(*ff.generators.rmat(14, 8, seed=4), num_nodes=1 << 14)
    view = g.subgraph(node_mask=np.arange(g.num_nodes) % 2 == 1)
    natives = []
    start = threading.Barrier(4)

    def cut():
        start.wait()
        natives.append(view.materialize()._g)

    threads = [threading.Thread(target=cut) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(native is natives[0] for native in natives)


def test_searches_on_an_unweighted_view_without_edges_equal_those_on_its_cut():
    g = ff.Graph.from_edges([0, 1], [1, 2])  # unweighted
    for masks in ({"edge_mask": [False, False]}, {"node_mask": [True, False, True]}):
        cut = g.subgraph(**masks).materialize()
        assert not cut.has_weights and cut.num_edges == 0
        view = g.subgraph(**masks)
        with mock.patch.object(_view_masks, "CUT_COST_PER_EDGE", 1e18):  # never cut: test the masked runs
            np.testing.assert_array_equal(ff.algorithms.sssp(view, 0), ff.algorithms.sssp(cut, 0))
            for a, b in zip(ff.algorithms.dijkstra(view, 0), ff.algorithms.dijkstra(cut, 0)):
                np.testing.assert_array_equal(a, b)
        assert not view.materialized
    with pytest.raises(ValueError, match="g: sssp needs edge weights"):
        ff.algorithms.sssp(g.subgraph(node_mask=[True, True, False]), 0)
    with pytest.raises(ValueError, match="g: dijkstra needs edge weights"):
        ff.algorithms.dijkstra(g.subgraph(node_mask=[True, True, False]), 0)


def test_masked_sssp_checks_only_the_kept_weights():
    g = ff.Graph.from_edges([0, 1, 0], [1, 2, 2], weights=[1.0, -1.0, 5.0])
    assert ff.algorithms.sssp(g.subgraph(node_mask=[0, 2]), 0).tolist() == [0.0, 5.0]
    assert ff.algorithms.sssp(g.subgraph(edge_mask=[True, False, True]), 0).tolist() == [0.0, 1.0, 5.0]
    with pytest.raises(ValueError, match=r"g: sssp needs non-negative edge weights, but edge \(base ids\) 1 -> 2"):
        ff.algorithms.sssp(g.subgraph(node_mask=[0, 1, 2]), 0)
    with pytest.raises(ValueError, match=r"source: must be a node id in \[0, num_nodes\) = \[0, 2\), got 2"):
        ff.algorithms.bfs(g.subgraph(node_mask=[0, 2]), 2)


# ------------------------------------------------------------------ property-based

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def masked_graphs(draw):
    """A small multigraph in any edge order (loops, parallel edges, isolated nodes, zero and
    repeated weights), masks that may be absent, empty or full, and a source among the kept."""
    n = draw(st.integers(1, 12))
    m = draw(st.integers(0, 40))
    src = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    dst = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    if draw(st.booleans()):
        order = sorted(range(m), key=lambda e: src[e])
        src, dst = [src[e] for e in order], [dst[e] for e in order]
    w = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.5]), min_size=m, max_size=m))
    nodes = draw(st.none() | st.lists(st.booleans(), min_size=n, max_size=n).filter(any))
    edges = draw(st.none() | st.lists(st.booleans(), min_size=m, max_size=m))
    kept = n if nodes is None else sum(nodes)
    source = draw(st.integers(0, kept - 1))
    return n, src, dst, w, nodes, edges, source


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(masked_graphs())
def test_masked_searches_equal_networkx_for_any_masks(case):
    n, src, dst, w, nodes, edges, source = case
    g = ff.Graph.from_edges(np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), num_nodes=n,
                            weights=np.array(w, dtype=np.float64))
    view = g.subgraph(node_mask=None if nodes is None else np.array(nodes, bool),
                      edge_mask=None if edges is None else np.array(edges, bool))
    h = nx_subgraph(np.array(src), np.array(dst), w, n, np.ones(n, bool) if nodes is None else np.array(nodes),
                    np.ones(len(src), bool) if edges is None else np.array(edges))
    with mock.patch.object(_view_masks, "CUT_COST_PER_EDGE", 1e18):  # never cut: test the masked runs
        levels, parents = ff.algorithms.bfs(view, source, return_parents=True)
        dist = ff.algorithms.sssp(view, source)
        dijkstra_dist, _ = ff.algorithms.dijkstra(view, source)
    assert not view.materialized
    np.testing.assert_array_equal(dijkstra_dist, dist)  # sums of these weights are exact
    np.testing.assert_array_equal(levels, nx_levels(h, source))
    np.testing.assert_allclose(dist, nx_distances(h, source), rtol=1e-15)  # sums of a few exact weights
    for v in np.flatnonzero(levels > 0):  # a parent is an in-neighbour one level up
        assert h.has_edge(parents[v], v) and levels[parents[v]] == levels[v] - 1
    assert (parents[levels <= 0] == -1).all()
