"""Leiden against igraph's community_leiden(objective_function="modularity") (modularity
>= 0.98x on the same graph), NetworkX's modularity (the reported value equals it for the
returned partition) and connectivity (every community induces a connected subgraph)."""

import random

import igraph as ig
import networkx as nx
import numpy as np
import pytest

import fuseflow as ff
from fuseflow import algorithms as alg
from test_graph_library_louvain import CASES, nx_modularity, rmat_case, two_cliques


def ig_graph(src, dst, n, w=None):
    G = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=False)
    if w is not None:
        G.es["weight"] = w
    return G


def ig_leiden_modularity(G, weights=None):
    # igraph draws from Python's `random` module: the best of three seeded runs is the bar.
    best = -1.0
    for s in range(3):
        random.seed(s)
        membership = G.community_leiden(objective_function="modularity", weights=weights).membership
        best = max(best, G.modularity(membership, weights=weights))
    return best


def assert_connected(src, dst, n, labels):
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    for c in range(labels.max() + 1):
        members = np.flatnonzero(labels == c).tolist()
        assert nx.is_connected(G.subgraph(members)), (c, members)


def urand_case():
    src, dst = ff.generators.urand(11, 6, seed=2)
    return src.astype(np.int64), dst.astype(np.int64), 1 << 11


ALL = CASES + [rmat_case(), urand_case()]


@pytest.mark.parametrize("case", range(len(ALL)))
def test_modularity_matches_networkx_reaches_igraph_and_communities_are_connected(case):
    src, dst, n = ALL[case]
    labels, q = alg.leiden(ff.Graph.from_edges(src, dst, num_nodes=n), seed=0)
    assert labels.dtype == np.int64 and labels.shape == (n,)
    assert sorted(set(labels.tolist())) == list(range(labels.max() + 1))
    # numbered by smallest member
    firsts = [int(np.flatnonzero(labels == c)[0]) for c in range(labels.max() + 1)]
    assert firsts == sorted(firsts)
    assert q == pytest.approx(nx_modularity(src, dst, n, labels), rel=1e-12, abs=1e-14)
    assert q >= 0.98 * ig_leiden_modularity(ig_graph(src, dst, n)), q
    assert_connected(src, dst, n, labels)


def test_two_cliques_are_found():
    src, dst, n = two_cliques()
    labels, q = alg.leiden(ff.Graph.from_edges(src, dst, num_nodes=n))
    assert labels.tolist() == [0] * 6 + [1] * 6
    assert q == pytest.approx(0.5)


def test_weighted_and_resolution():
    src, dst, n = CASES[0]
    w = np.random.default_rng(0).uniform(0.1, 5.0, src.shape[0])
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    labels, q = alg.leiden(g)
    assert q == pytest.approx(nx_modularity(src, dst, n, labels, w), rel=1e-12)
    assert q >= 0.98 * ig_leiden_modularity(ig_graph(src, dst, n, w), weights="weight")
    assert_connected(src, dst, n, labels)
    unweighted, q1 = alg.leiden(g, weights=False)
    assert q1 == pytest.approx(nx_modularity(src, dst, n, unweighted), rel=1e-12)
    fine, qf = alg.leiden(g, resolution=3.0)
    assert qf == pytest.approx(nx_modularity(src, dst, n, fine, w, resolution=3.0), rel=1e-12)
    assert_connected(src, dst, n, fine)
    coarse, _ = alg.leiden(g, resolution=0.05)
    assert coarse.max() < labels.max()


def test_more_iterations_never_lower_modularity():
    # The same seed replays the same first iterations; each later one only accepts gains.
    src, dst, n = rmat_case()
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    q1 = alg.leiden(g, iterations=1)[1]
    q2 = alg.leiden(g, iterations=2)[1]
    q_all = alg.leiden(g, iterations=None)[1]
    assert q1 <= q2 + 1e-12 and q2 <= q_all + 1e-12


def test_at_least_louvain_on_average():
    qs = []
    for src, dst, n in ALL:
        g = ff.Graph.from_edges(src, dst, num_nodes=n)
        qs.append(alg.leiden(g)[1] - alg.louvain(g)[1])
    assert np.mean(qs) > -1e-3, qs


def test_deterministic_for_a_seed_at_any_thread_count():
    src, dst, n = rmat_case()
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    try:
        runs = []
        for t in (1, 2, 4):
            ff.set_num_threads(t)
            runs.append(alg.leiden(g, seed=7))
    finally:
        ff.set_num_threads(0)
    for labels, q in runs[1:]:
        assert (labels == runs[0][0]).all() and q == runs[0][1]
    other, _ = alg.leiden(g, seed=8)
    assert not (other == runs[0][0]).all()


def test_empty_edgeless_and_self_loops_only():
    e = np.zeros(0, np.int64)
    labels, q = alg.leiden(ff.Graph.from_edges(e, e, num_nodes=0))
    assert labels.shape == (0,) and q == 0.0
    labels, q = alg.leiden(ff.Graph.from_edges(e, e, num_nodes=5))
    assert labels.tolist() == [0, 1, 2, 3, 4] and q == 0.0
    loops = np.array([0, 1, 1], np.int64)
    labels, q = alg.leiden(ff.Graph.from_edges(loops, loops, num_nodes=3))
    assert labels.tolist() == [0, 1, 2]
    assert q == pytest.approx(nx_modularity(loops, loops, 3, labels))


def test_errors_name_the_argument():
    src, dst, n = CASES[0]
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="resolution: must be finite and > 0"):
            alg.leiden(g, resolution=bad)
    with pytest.raises(ValueError, match="seed"):
        alg.leiden(g, seed=-1)
    with pytest.raises(ValueError, match="seed: must be < 2"):
        alg.leiden(g, seed=2**64)
    for bad in (0, -2):
        with pytest.raises(ValueError, match="iterations"):
            alg.leiden(g, iterations=bad)
    with pytest.raises(TypeError, match="iterations"):
        alg.leiden(g, iterations=1.5)
    with pytest.raises(ValueError, match="g: leiden with weights needs edge weights"):
        alg.leiden(g, weights=True)
    with pytest.raises(TypeError, match="weights: must be None, True or False"):
        alg.leiden(g, weights="weight")
    with pytest.raises(TypeError, match="g: must be a fuseflow.Graph"):
        alg.leiden(None)
    neg = ff.Graph.from_edges(src, dst, num_nodes=n, weights=-np.ones(src.shape[0]))
    with pytest.raises(ValueError, match="g: leiden needs non-negative edge weights"):
        alg.leiden(neg)
