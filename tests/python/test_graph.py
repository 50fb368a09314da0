"""ff.Graph: CSR/CSC construction, degrees, loaders from SciPy/NetworkX, and every input rule."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import fuseflow as ff


def random_edges(rng, n, m, dtype=np.int64):
    return rng.integers(0, n, m).astype(dtype), rng.integers(0, n, m).astype(dtype)


def expected_lists(src, dst, n, by_src):
    """Neighbour lists from a plain Python loop: the independent reference."""
    lists = [[] for _ in range(n)]
    for s, d in zip(src.tolist(), dst.tolist()):
        if by_src:
            lists[s].append(d)
        else:
            lists[d].append(s)
    return lists


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_csr_csc_match_serial_reference(rng, dtype):
    n, m = 300, 5000
    src, dst = random_edges(rng, n, m, dtype)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    assert g.num_nodes == n and g.num_edges == m
    off, tgt, w = g.csr()
    assert w is None
    out_lists = expected_lists(src, dst, n, by_src=True)
    for u in range(n):
        # CSR keeps input order within a node (stable sort).
        assert tgt[off[u]:off[u + 1]].tolist() == out_lists[u]
    ioff, isrc, _ = g.csc()
    in_lists = expected_lists(src, dst, n, by_src=False)
    for v in range(n):
        # CSC lists sources in ascending order (built from the CSR).
        assert isrc[ioff[v]:ioff[v + 1]].tolist() == sorted(in_lists[v])


def test_degrees_equal_bincount(rng):
    n = 1000
    src, dst = random_edges(rng, n, 20000)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    np.testing.assert_array_equal(g.out_degree(), np.bincount(src, minlength=n))
    np.testing.assert_array_equal(g.in_degree(), np.bincount(dst, minlength=n))
    assert g.out_degree().dtype == np.int64 and g.in_degree().dtype == np.int64
    assert not g.out_degree().flags.writeable


def test_degrees_outlive_graph_object(rng):
    src, dst = random_edges(rng, 50, 400)
    deg = ff.Graph.from_edges(src, dst, num_nodes=50).out_degree()
    import gc

    gc.collect()
    np.testing.assert_array_equal(deg, np.bincount(src, minlength=50))


def test_parallel_edges_and_self_loops_are_kept():
    g = ff.Graph.from_edges(np.array([0, 0, 1, 2]), np.array([1, 1, 1, 2]))
    assert g.num_nodes == 3 and g.num_edges == 4
    np.testing.assert_array_equal(g.out_degree(), [2, 1, 1])
    np.testing.assert_array_equal(g.in_degree(), [0, 3, 1])


def test_num_nodes_inferred_and_isolated_nodes():
    g = ff.Graph.from_edges(np.array([3], dtype=np.int32), np.array([7], dtype=np.int32))
    assert g.num_nodes == 8
    g = ff.Graph.from_edges(np.array([0]), np.array([1]), num_nodes=10)
    assert g.num_nodes == 10 and g.out_degree().sum() == 1


def test_empty_graph():
    g = ff.Graph.from_edges(np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    assert g.num_nodes == 0 and g.num_edges == 0
    g = ff.Graph.from_edges(np.array([], dtype=np.int64), np.array([], dtype=np.int64), num_nodes=5)
    np.testing.assert_array_equal(g.in_degree(), np.zeros(5))


def test_mixed_id_widths_and_lists():
    g = ff.Graph.from_edges(np.array([0, 1], dtype=np.int32), np.array([1, 2], dtype=np.int64))
    assert g.num_edges == 2
    g = ff.Graph.from_edges([0, 1, 2], [1, 2, 0])
    assert g.num_nodes == 3


def test_non_contiguous_input_is_read_correctly(rng):
    src, dst = random_edges(rng, 40, 1000)
    g = ff.Graph.from_edges(src[::2], dst[::2], num_nodes=40)
    np.testing.assert_array_equal(g.out_degree(), np.bincount(src[::2], minlength=40))


def test_weights_follow_their_edges(rng):
    n, m = 50, 600
    src, dst = random_edges(rng, n, m)
    w = rng.random(m)
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    off, tgt, cw = g.csr()
    got = {(u, int(tgt[e]), float(cw[e])) for u in range(n) for e in range(off[u], off[u + 1])}
    assert got == set(zip(src.tolist(), dst.tolist(), w.tolist()))
    ioff, isrc, iw = g.csc()
    got_in = {(int(isrc[e]), v, float(iw[e])) for v in range(n) for e in range(ioff[v], ioff[v + 1])}
    assert got_in == got


def test_build_is_identical_across_thread_counts(rng):
    src, dst = random_edges(rng, 5000, 400000)
    ff.set_num_threads(1)
    try:
        a = ff.Graph.from_edges(src, dst, num_nodes=5000)
    finally:
        ff.set_num_threads(0)
    b = ff.Graph.from_edges(src, dst, num_nodes=5000)
    for x, y in zip(a.csr()[:2] + a.csc()[:2], b.csr()[:2] + b.csc()[:2]):
        np.testing.assert_array_equal(x, y)


def test_from_scipy(rng):
    m = sp.random(60, 60, density=0.1, format="csr", random_state=1)
    g = ff.Graph.from_scipy(m)
    assert g.num_nodes == 60 and g.num_edges == m.nnz and g.has_weights
    off, tgt, w = g.csr()
    dense = np.zeros((60, 60))
    for u in range(60):
        for e in range(off[u], off[u + 1]):
            dense[u, tgt[e]] += w[e]
    np.testing.assert_allclose(dense, m.toarray(), rtol=0, atol=0)


def test_from_networkx_relabels_in_node_order():
    G = nx.DiGraph()
    G.add_nodes_from(["c", "a", "b", "z"])
    G.add_edges_from([("a", "b"), ("b", "c"), ("c", "a"), ("a", "c")])
    g = ff.Graph.from_networkx(G)
    # order: c=0, a=1, b=2, z=3
    np.testing.assert_array_equal(g.out_degree(), [1, 2, 1, 0])
    np.testing.assert_array_equal(g.in_degree(), [2, 1, 1, 0])


def test_from_networkx_undirected_goes_both_ways_and_weights():
    G = nx.Graph()
    G.add_edge(0, 1, weight=2.5)
    G.add_edge(1, 2)
    G.add_edge(2, 2)
    g = ff.Graph.from_networkx(G)
    assert g.num_edges == 5  # two edges both ways + one self-loop
    np.testing.assert_array_equal(g.out_degree(), [1, 2, 2])
    off, tgt, w = g.csr()
    assert sorted(w.tolist()) == [1.0, 1.0, 1.0, 2.5, 2.5]


# ---- input rules -----------------------------------------------------------------------

def test_negative_id_is_value_error():
    with pytest.raises(ValueError, match=r"src.*non-negative.*src\[1\] = -1"):
        ff.Graph.from_edges(np.array([0, -1]), np.array([1, 1]))
    with pytest.raises(ValueError, match=r"dst.*non-negative"):
        ff.Graph.from_edges(np.array([0, 1], dtype=np.int32), np.array([1, -5], dtype=np.int32), num_nodes=3)


def test_id_out_of_range_is_value_error():
    with pytest.raises(ValueError, match=r"dst.*< num_nodes = 3.*dst\[0\] = 3"):
        ff.Graph.from_edges(np.array([0]), np.array([3]), num_nodes=3)
    with pytest.raises(ValueError, match=r"src.*< num_nodes = 2"):
        ff.Graph.from_edges(np.array([5]), np.array([0]), num_nodes=2)


def test_length_mismatch_is_value_error():
    with pytest.raises(ValueError, match="same length"):
        ff.Graph.from_edges(np.array([0, 1]), np.array([1]))


@pytest.mark.parametrize("bad", [np.array([0.0, 1.0]), np.array([True, False]), np.array([0, 1], dtype=np.uint32)])
def test_non_integer_ids_are_type_error(bad):
    with pytest.raises(TypeError, match="src.*int32 or int64"):
        ff.Graph.from_edges(bad, np.array([0, 1]))
    with pytest.raises(TypeError, match="dst.*int32 or int64"):
        ff.Graph.from_edges(np.array([0, 1]), bad)


def test_ids_must_be_one_dimensional():
    with pytest.raises(ValueError, match="src.*1-D"):
        ff.Graph.from_edges(np.zeros((2, 2), dtype=np.int64), np.zeros(4, dtype=np.int64))


def test_weights_rules():
    src, dst = np.array([0, 1]), np.array([1, 0])
    with pytest.raises(ValueError, match="weights.*length 2"):
        ff.Graph.from_edges(src, dst, weights=np.array([1.0]))
    with pytest.raises(ValueError, match="weights.*NaN"):
        ff.Graph.from_edges(src, dst, weights=np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="weights"):
        ff.Graph.from_edges(src, dst, weights=np.array(["a", "b"]))


def test_num_nodes_rules():
    with pytest.raises(ValueError, match="num_nodes.*>= 0"):
        ff.Graph.from_edges(np.array([0]), np.array([0]), num_nodes=-1)
    with pytest.raises(TypeError, match="num_nodes.*integer"):
        ff.Graph.from_edges(np.array([0]), np.array([0]), num_nodes=2.5)
    with pytest.raises(ValueError, match="num_nodes.*2\\^31"):
        ff.Graph.from_edges(np.array([0]), np.array([0]), num_nodes=2**31)


def test_from_scipy_rules():
    with pytest.raises(ValueError, match="matrix.*square"):
        ff.Graph.from_scipy(sp.random(3, 4, density=0.5, format="csr"))
    with pytest.raises(TypeError, match="matrix.*scipy.sparse"):
        ff.Graph.from_scipy(np.eye(3))


def test_graph_cannot_be_constructed_directly():
    with pytest.raises(TypeError, match="from_edges"):
        ff.Graph(None)


def test_rmat_generator_is_deterministic_and_skewed():
    s1, d1 = ff.generators.rmat(12, 8, seed=3)
    s2, d2 = ff.generators.rmat(12, 8, seed=3)
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(d1, d2)
    assert len(s1) == 8 * 4096 and s1.dtype == np.int32
    assert s1.min() >= 0 and s1.max() < 4096 and d1.max() < 4096
    deg = np.bincount(s1, minlength=4096)
    # R-MAT is power-law-like: the top 1% of nodes hold far more than 1% of the edges.
    assert np.sort(deg)[-41:].sum() > 0.05 * len(s1)
    s3, _ = ff.generators.rmat(12, 8, seed=4)
    assert not np.array_equal(s1, s3)
    with pytest.raises(ValueError, match="a, b, c"):
        ff.generators.rmat(4, a=0.9, b=0.2, c=0.1)
