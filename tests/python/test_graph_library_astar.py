"""A* against NetworkX (astar_path_length, Dijkstra lengths): random multigraphs with
self-loops, parallel edges and isolated nodes, two components, a road grid with coordinates;
lengths to 1e-12 relative, and every returned path checked edge by edge."""

import math

import networkx as nx
import numpy as np
import pytest

import fuseflow as ff
from fuseflow import algorithms as alg
from test_graph_library import GRAPH_IDS, build, graphs, nx_digraph


def assert_path(G, path, source, target, length, weighted=True):
    assert path.dtype == np.int64 and path[0] == source and path[-1] == target
    total = 0.0
    for a, b in zip(path.tolist(), path.tolist()[1:]):
        assert G.has_edge(a, b)
        total += G[a][b]["weight"] if weighted else 1.0
    assert total == pytest.approx(length, rel=1e-12)


def exact_to_target(G, target):
    """Distance v -> target for every v (Dijkstra on the reversed graph): the perfect heuristic."""
    d = nx.single_source_dijkstra_path_length(G.reverse(copy=True), target)
    return d


@pytest.mark.parametrize("case", range(5), ids=GRAPH_IDS)
def test_lengths_match_networkx_with_each_heuristic(case):
    src, dst, n, w = graphs(weighted=True)[case]
    g = build(src, dst, n, w)
    G = nx_digraph(src, dst, n, w)
    source = int(src[3])
    lengths = nx.single_source_dijkstra_path_length(G, source)
    for target in list(lengths)[:12] + [n - 1]:
        if target not in lengths:
            with pytest.raises(ValueError, match=f"target: node {target} is not reachable"):
                alg.astar(g, source, target)
            continue
        exact = exact_to_target(G, target)
        # Nodes that cannot reach the target may take any bound: a large one stays consistent
        # (their out-neighbours cannot reach it either).
        perfect = np.array([exact.get(v, 1e6) for v in range(n)])
        for h in (None, np.zeros(n), perfect, 0.5 * perfect):
            path, length = alg.astar(g, source, target, heuristic=h)
            assert length == pytest.approx(lengths[target], rel=1e-12)
            assert length == pytest.approx(nx.astar_path_length(G, source, target), rel=1e-12)
            assert_path(G, path, source, target, length)


def test_road_grid_with_coordinates_matches_networkx_astar():
    rows, cols = 30, 40
    src, dst, w = ff.generators.road_grid(rows, cols, removed=0.1, seed=3)
    n = rows * cols
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    coords = np.stack(np.divmod(np.arange(n), cols), axis=1).astype(float)  # (row, col)
    G = nx_digraph(src.astype(np.int64), dst.astype(np.int64), n, w)
    euclid = lambda a, b: math.dist(coords[a], coords[b])  # noqa: E731
    rng = np.random.default_rng(0)
    dist0 = nx.single_source_dijkstra_path_length(G, 0)
    for _ in range(10):
        s, t = (int(x) for x in rng.integers(0, n, 2))
        lengths = nx.single_source_dijkstra_path_length(G, s)
        if t not in lengths:
            continue
        path, length = alg.astar(g, s, t, coordinates=coords)
        assert length == pytest.approx(nx.astar_path_length(G, s, t, heuristic=euclid), rel=1e-12)
        assert length == pytest.approx(lengths[t], rel=1e-12)
        assert_path(G, path, s, t, length)
        # The same heuristic given as a per-node array.
        h = np.linalg.norm(coords - coords[t], axis=1)
        assert alg.astar(g, s, t, heuristic=h)[1] == pytest.approx(length, rel=1e-12)
    assert dist0  # grid is mostly connected


def test_unweighted_counts_hops_and_source_is_target():
    src, dst, n, _ = graphs()[1]
    g = build(src, dst, n)
    G = nx_digraph(src, dst, n)
    hops = nx.single_source_shortest_path_length(G, 2)
    for t in list(hops)[:20]:
        path, length = alg.astar(g, 2, t)
        assert length == hops[t] and len(path) - 1 == hops[t]
        assert_path(G, path, 2, t, length, weighted=False)
    path, length = alg.astar(g, 5, 5)
    assert path.tolist() == [5] and length == 0.0


def test_admissible_inconsistent_heuristic_needs_check_off_and_stays_optimal():
    # Chain 0 -> 1 -> 2 -> 3 (weights 1) with a shortcut 0 -> 2 (weight 3). h is admissible
    # (each entry <= the true distance to 3) but drops by 2 across the unit edge 1 -> 2.
    src = np.array([0, 1, 2, 0], np.int64)
    dst = np.array([1, 2, 3, 2], np.int64)
    w = np.array([1.0, 1.0, 1.0, 3.0])
    g = build(src, dst, 4, w)
    h = np.array([0.0, 2.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"heuristic: not consistent on edge 1 -> 2"):
        alg.astar(g, 0, 3, heuristic=h)
    path, length = alg.astar(g, 0, 3, heuristic=h, check_heuristic=False)
    assert path.tolist() == [0, 1, 2, 3] and length == 3.0
    # Inadmissible (overestimates at 1): rejected when checked; unchecked it returns a path, not an error.
    bad = np.array([0.0, 10.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="heuristic: not consistent"):
        alg.astar(g, 0, 3, heuristic=bad)
    path, length = alg.astar(g, 0, 3, heuristic=bad, check_heuristic=False)
    assert path[0] == 0 and path[-1] == 3 and length >= 3.0


def test_coordinates_inconsistent_with_weights_are_rejected():
    # Edge weights shorter than the Euclidean distance between their endpoints.
    src, dst, w = ff.generators.road_grid(5, seed=1)
    g = ff.Graph.from_edges(src, dst, num_nodes=25, weights=w)
    coords = 100.0 * np.stack(np.divmod(np.arange(25), 5), axis=1)
    with pytest.raises(ValueError, match="coordinates: not consistent on edge"):
        alg.astar(g, 0, 24, coordinates=coords)
    assert alg.astar(g, 0, 24, coordinates=coords, check_heuristic=False)[0][-1] == 24


def test_errors_name_the_argument():
    src, dst, n, w = graphs(weighted=True)[0]
    g = build(src, dst, n, w)
    with pytest.raises(ValueError, match="source: must be a node id"):
        alg.astar(g, n, 0)
    with pytest.raises(ValueError, match="source: must be a node id"):
        alg.astar(g, -1, 0)
    with pytest.raises(ValueError, match="target: must be a node id"):
        alg.astar(g, 0, n)
    with pytest.raises(ValueError, match="source: must be a node id"):
        alg.astar(build(np.zeros(0, np.int64), np.zeros(0, np.int64), 0), 0, 0)
    with pytest.raises(ValueError, match=r"heuristic: must have shape \(num_nodes,\)"):
        alg.astar(g, 0, 1, heuristic=np.zeros(n + 1))
    for bad in (-1.0, math.nan, math.inf):
        h = np.zeros(n)
        h[4] = bad
        with pytest.raises(ValueError, match="heuristic: entries must be finite and >= 0.*node 4"):
            alg.astar(g, 0, 1, heuristic=h)
    with pytest.raises(ValueError, match="heuristic: must be 0 at the target"):
        alg.astar(g, 0, 1, heuristic=np.full(n, 0.1))
    with pytest.raises(ValueError, match="heuristic, coordinates: give one"):
        alg.astar(g, 0, 1, heuristic=np.zeros(n), coordinates=np.zeros((n, 2)))
    with pytest.raises(ValueError, match="coordinates: must have shape"):
        alg.astar(g, 0, 1, coordinates=np.zeros((n - 1, 2)))
    with pytest.raises(ValueError, match="coordinates: must have shape"):
        alg.astar(g, 0, 1, coordinates=np.zeros((n, 0)))
    c = np.zeros((n, 2))
    c[7, 1] = math.nan
    with pytest.raises(ValueError, match="coordinates: entries must be finite, node 7"):
        alg.astar(g, 0, 1, coordinates=c)
    with pytest.raises(TypeError, match="check_heuristic: must be True or False"):
        alg.astar(g, 0, 1, check_heuristic=1)
    neg = build(src, dst, n, -w)
    with pytest.raises(ValueError, match="g: astar needs non-negative edge weights"):
        alg.astar(neg, 0, 1)
    with pytest.raises(TypeError, match="g: must be a fuseflow.Graph"):
        alg.astar(None, 0, 1)
