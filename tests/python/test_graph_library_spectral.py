"""Katz, eigenvector and HITS centralities (ff.jit programs) against NetworkX."""

import networkx as nx
import numpy as np
import pytest

import fuseflow as ff
from fuseflow import algorithms as alg


def graphs():
    D = nx.gnm_random_graph(300, 1500, seed=1, directed=True)
    D.add_edges_from([(5, 5), (7, 7)])  # self-loops
    D.add_nodes_from(range(300, 310))  # isolated
    U = nx.gnm_random_graph(200, 600, seed=2)
    U.add_edges_from((a + 200, b + 200) for a, b in nx.cycle_graph(30).edges())  # a second component
    W = nx.gnm_random_graph(150, 700, seed=3, directed=True)
    rng = np.random.default_rng(3)
    for a, b in W.edges():
        W[a][b]["weight"] = float(rng.uniform(0.5, 2.0))
    return [D, U, W]


def as_array(d, n):
    return np.array([d[v] for v in range(n)])


@pytest.mark.parametrize("case", range(3))
def test_katz_matches_networkx(case):
    G = graphs()[case]
    g = ff.Graph.from_networkx(G)
    for alpha, normalized in ((0.05, True), (0.02, False)):
        ours = alg.katz_centrality(g, alpha=alpha, beta=1.0, normalized=normalized, tol=1e-10)
        ref = nx.katz_centrality(G, alpha=alpha, beta=1.0, normalized=normalized, tol=1e-10, weight="weight")
        np.testing.assert_allclose(ours, as_array(ref, G.number_of_nodes()), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("case", [0, 2])  # eigenvector centrality needs a connected dominant part
def test_eigenvector_matches_networkx(case):
    G = graphs()[case]
    ours = alg.eigenvector_centrality(ff.Graph.from_networkx(G), tol=1e-10, max_iter=1000)
    ref = nx.eigenvector_centrality(G, tol=1e-10, max_iter=1000, weight="weight")
    np.testing.assert_allclose(ours, as_array(ref, G.number_of_nodes()), rtol=1e-7, atol=1e-10)


def test_eigenvector_undirected_component():
    G = nx.gnm_random_graph(120, 500, seed=9)
    ours = alg.eigenvector_centrality(ff.Graph.from_networkx(G), tol=1e-12, max_iter=5000)
    ref = nx.eigenvector_centrality(G, tol=1e-12, max_iter=5000)
    np.testing.assert_allclose(ours, as_array(ref, 120), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("case", range(3))
def test_hits_matches_networkx(case):
    G = graphs()[case]
    h, a = alg.hits(ff.Graph.from_networkx(G), tol=1e-12, max_iter=10000)  # weighted when G is (as nx.hits)
    hn, an = nx.hits(nx.DiGraph(G) if not G.is_directed() else G, max_iter=10000, tol=1e-12)
    n = G.number_of_nodes()
    np.testing.assert_allclose(h, as_array(hn, n), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(a, as_array(an, n), rtol=1e-6, atol=1e-9)
    assert h.sum() == pytest.approx(1.0) and a.sum() == pytest.approx(1.0)


def test_unweighted_flag_ignores_weights():
    G = graphs()[2]
    g = ff.Graph.from_networkx(G)
    ours = alg.katz_centrality(g, alpha=0.05, weights=False, tol=1e-10)
    ref = nx.katz_centrality(G, alpha=0.05, tol=1e-10, weight=None)
    np.testing.assert_allclose(ours, as_array(ref, 150), rtol=1e-8)


def test_no_convergence_raises_and_errors_name_the_argument():
    G = graphs()[0]
    g = ff.Graph.from_networkx(G)
    with pytest.raises(ff.ConvergenceError):
        alg.katz_centrality(g, alpha=0.9, max_iter=50)  # alpha above 1 / lambda_max: diverges
    with pytest.raises(ff.ConvergenceError):
        alg.eigenvector_centrality(g, max_iter=1, tol=0.0)
    with pytest.raises(ValueError, match="tol: must be finite and >= 0"):
        alg.hits(g, tol=-1.0)
    with pytest.raises(ValueError, match="max_iter"):
        alg.katz_centrality(g, max_iter=-1)
    with pytest.raises(ValueError, match="weights: True needs a weighted graph"):
        alg.katz_centrality(g, weights=True)
    with pytest.raises(TypeError, match="weights: must be None, True or False"):
        alg.hits(g, weights="w")
    empty = ff.Graph.from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), num_nodes=0)
    with pytest.raises(ValueError, match="g: eigenvector centrality is undefined for the empty graph"):
        alg.eigenvector_centrality(empty)
    assert alg.katz_centrality(empty).shape == (0,)
