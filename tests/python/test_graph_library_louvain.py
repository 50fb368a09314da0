"""Louvain against igraph's community_multilevel (modularity >= 0.98x on the same graph) and
NetworkX's modularity (the reported value equals it for the returned partition)."""

import igraph as ig
import networkx as nx
import numpy as np
import pytest

import fuseflow as ff
from fuseflow import algorithms as alg


def nx_modularity(src, dst, n, labels, w=None, resolution=1.0):
    M = nx.MultiGraph()
    M.add_nodes_from(range(n))
    for i, (a, b) in enumerate(zip(src.tolist(), dst.tolist())):
        M.add_edge(a, b, weight=1.0 if w is None else float(w[i]))
    comms = [set(np.flatnonzero(labels == c).tolist()) for c in range(labels.max() + 1)]
    return nx.community.modularity(M, comms, weight="weight", resolution=resolution)


def planted(seed, groups=8, size=40, p_in=0.3, p_out=0.01):
    G = nx.planted_partition_graph(groups, size, p_in, p_out, seed=seed)
    src, dst = map(np.array, zip(*G.edges()))
    return src.astype(np.int64), dst.astype(np.int64), groups * size


def messy(seed, n=400, m=1600):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n - 20, m)  # 20 isolated nodes
    dst = np.where(rng.random(m) < 0.8, (src + rng.integers(-6, 7, m)) % (n - 20), rng.integers(0, n - 20, m))
    src[:8] = dst[:8]  # self-loops
    src = np.concatenate([src, src[:20]])  # parallel edges
    dst = np.concatenate([dst, dst[:20]])
    return src.astype(np.int64), dst.astype(np.int64), n


def two_cliques():
    a = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    b = [(i + 6, j + 6) for i, j in a]
    src, dst = map(np.array, zip(*(a + b)))
    return src.astype(np.int64), dst.astype(np.int64), 12


CASES = [planted(1), planted(2, groups=4, size=100), messy(3), messy(4), two_cliques()]


def rmat_case():
    src, dst = ff.generators.rmat(12, 8, seed=5)
    return src.astype(np.int64), dst.astype(np.int64), 1 << 12


@pytest.mark.parametrize("case", range(len(CASES) + 1))
def test_modularity_matches_networkx_and_reaches_igraph(case):
    src, dst, n = CASES[case] if case < len(CASES) else rmat_case()
    labels, q = alg.louvain(ff.Graph.from_edges(src, dst, num_nodes=n), seed=0)
    assert labels.dtype == np.int64 and labels.shape == (n,)
    assert sorted(set(labels.tolist())) == list(range(labels.max() + 1))
    assert q == pytest.approx(nx_modularity(src, dst, n, labels), rel=1e-12, abs=1e-14)
    G = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=False)
    q_ig = G.modularity(G.community_multilevel().membership)
    assert q >= 0.98 * q_ig, (q, q_ig)


def test_two_cliques_are_found():
    src, dst, n = two_cliques()
    labels, q = alg.louvain(ff.Graph.from_edges(src, dst, num_nodes=n))
    assert labels.tolist() == [0] * 6 + [1] * 6
    assert q == pytest.approx(0.5)


def test_weighted_and_resolution():
    src, dst, n = CASES[0]
    w = np.random.default_rng(0).uniform(0.1, 5.0, src.shape[0])
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    labels, q = alg.louvain(g)  # weights=None: the graph's weights
    assert q == pytest.approx(nx_modularity(src, dst, n, labels, w), rel=1e-12)
    G = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=False)
    G.es["weight"] = w
    assert q >= 0.98 * G.modularity(G.community_multilevel(weights="weight").membership, weights="weight")
    unweighted, q1 = alg.louvain(g, weights=False)
    assert q1 == pytest.approx(nx_modularity(src, dst, n, unweighted), rel=1e-12)
    fine, qf = alg.louvain(g, resolution=3.0)
    assert qf == pytest.approx(nx_modularity(src, dst, n, fine, w, resolution=3.0), rel=1e-12)
    coarse, _ = alg.louvain(g, resolution=0.05)
    assert coarse.max() < labels.max()  # lower resolution, larger communities


def test_deterministic_for_a_seed_at_any_thread_count():
    src, dst, n = rmat_case()
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    try:
        runs = []
        for t in (1, 2, 4):
            ff.set_num_threads(t)
            runs.append(alg.louvain(g, seed=7))
    finally:
        ff.set_num_threads(0)
    for labels, q in runs[1:]:
        assert (labels == runs[0][0]).all() and q == runs[0][1]
    other, _ = alg.louvain(g, seed=8)
    assert not (other == runs[0][0]).all()  # the seed does matter


def test_empty_and_edgeless():
    labels, q = alg.louvain(ff.Graph.from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), num_nodes=0))
    assert labels.shape == (0,) and q == 0.0
    labels, q = alg.louvain(ff.Graph.from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), num_nodes=5))
    assert labels.tolist() == [0, 1, 2, 3, 4] and q == 0.0


def test_errors_name_the_argument():
    src, dst, n = CASES[0]
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="resolution: must be finite and > 0"):
            alg.louvain(g, resolution=bad)
    with pytest.raises(ValueError, match="seed"):
        alg.louvain(g, seed=-1)
    with pytest.raises(ValueError, match="g: louvain with weights needs edge weights"):
        alg.louvain(g, weights=True)
    with pytest.raises(TypeError, match="weights: must be None, True or False"):
        alg.louvain(g, weights="weight")
    neg = ff.Graph.from_edges(src, dst, num_nodes=n, weights=-np.ones(src.shape[0]))
    with pytest.raises(ValueError, match="g: louvain needs non-negative edge weights"):
        alg.louvain(neg)


def multi_slab_cases():
    """Graphs of 3-4 slabs of the parallel local moving (16384 nodes each): social and road."""
    src, dst = ff.generators.rmat(16, 4, seed=3)
    rs, rd, _ = ff.generators.road_grid(200)
    return [(src.astype(np.int64), dst.astype(np.int64), 1 << 16),
            (rs.astype(np.int64), rd.astype(np.int64), 200 * 200)]


@pytest.mark.parametrize("case", [0, 1])
def test_parallel_slabs_deterministic_and_reach_igraph(case):
    src, dst, n = multi_slab_cases()[case]
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    try:
        runs = []
        for t in (1, 2):
            ff.set_num_threads(t)
            runs.append(alg.louvain(g, seed=3))
    finally:
        ff.set_num_threads(0)
    labels, q = runs[0]
    assert (runs[1][0] == labels).all() and runs[1][1] == q
    G = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=False)
    assert q == pytest.approx(G.modularity(labels.tolist()), rel=1e-9)
    assert q >= 0.98 * G.modularity(G.community_multilevel().membership), q
