"""Graphs in and out in the formats users hold (issue 15 items 2-3): SciPy, NetworkX, edge lists
(plain and compressed), node labels, pickling and copying of Graph and EmbeddingIndex."""

import bz2
import copy
import gzip
import lzma
import os
import pickle
import subprocess
import sys

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import fuseflow as ff


def random_graph(seed=0, n=50, e=300, weighted=True):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, e)
    dst = rng.integers(0, n, e)
    src[:5] = dst[:5]  # self-loops
    src[5:10], dst[5:10] = 3, 7  # parallel edges
    w = rng.standard_normal(e) * 1e3 if weighted else None
    return ff.Graph.from_edges(src, dst, num_nodes=n + 3, weights=w)  # 3 isolated nodes


def edge_multiset(g):
    return sorted(zip(*[a.tolist() for a in g.edges() if a is not None]))


def same_edges(a, b):
    assert a.num_nodes == b.num_nodes and a.num_edges == b.num_edges
    for x, y in zip(a.edges(), b.edges()):
        if x is None or y is None:
            assert x is None and y is None
        else:
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_to_scipy_matches_dense_reference(fmt):
    g = random_graph()
    m = g.to_scipy(fmt)
    assert m.format == fmt and m.shape == (g.num_nodes, g.num_nodes)
    src, dst, w = g.edges()
    dense = np.zeros((g.num_nodes, g.num_nodes))
    np.add.at(dense, (src, dst), w)  # parallel edges sum, as SciPy does
    np.testing.assert_allclose(m.toarray(), dense, rtol=1e-15, atol=0)
    assert m.nnz == g.num_edges  # parallel edges stay separate entries


def test_scipy_round_trip_keeps_every_edge():
    g = random_graph()
    back = ff.Graph.from_scipy(g.to_scipy("coo"))
    same_edges(g, back)
    h = ff.Graph.from_scipy(g.to_scipy("csr"))
    # CSR lists edges by source: same multiset of (src, dst, w).
    assert edge_multiset(h) == edge_multiset(g)


def test_to_scipy_unweighted_is_ones_and_format_checked():
    g = random_graph(weighted=False)
    assert np.all(g.to_scipy().data == 1.0)
    with pytest.raises(ValueError, match="format"):
        g.to_scipy("dok")


def test_to_networkx_round_trip_multigraph_and_simple():
    g = random_graph()
    G = g.to_networkx()
    assert isinstance(G, nx.MultiDiGraph)  # it has parallel edges
    assert G.number_of_nodes() == g.num_nodes and G.number_of_edges() == g.num_edges
    back = ff.Graph.from_networkx(G)  # NetworkX lists edges grouped by source: same multiset
    assert back.num_nodes == g.num_nodes and edge_multiset(back) == edge_multiset(g)
    simple = ff.Graph.from_edges(np.array([0, 1]), np.array([1, 2]), weights=np.array([0.5, 2.0]))
    S = simple.to_networkx()
    assert type(S) is nx.DiGraph and S[0][1]["weight"] == 0.5
    same_edges(simple, ff.Graph.from_networkx(S))


def test_networkx_labels_kept_and_mapped():
    G = nx.Graph()
    G.add_edges_from([("a", "b"), ("b", ("x", 1)), (("x", 1), 42)])
    g = ff.Graph.from_networkx(G)
    assert list(g.node_labels) == list(G.nodes())
    assert g.index_of(("x", 1)) == list(G.nodes()).index(("x", 1))
    np.testing.assert_array_equal(g.index_of(["b", 42]), [1, 3])
    with pytest.raises(KeyError, match="labels: 'zz'"):
        g.index_of("zz")
    back = g.to_networkx()
    assert set(back.nodes()) == set(G.nodes())
    assert {frozenset(e) for e in back.edges()} == {frozenset(e) for e in G.edges()}


def test_index_of_without_labels_checks_range():
    g = random_graph()
    assert g.node_labels is None and g.index_of(3) == 3
    with pytest.raises(KeyError, match="labels"):
        g.index_of(g.num_nodes)
    with pytest.raises(KeyError, match="labels"):
        g.index_of("a")


def test_from_pandas_string_ids_become_labels():
    df = pd.DataFrame({"src": ["x", "y", "z", "x"], "dst": ["y", "z", "w", "w"], "w": [1.0, 2.0, 3.0, 4.0]})
    g = ff.Graph.from_pandas(df, weight="w")
    assert list(g.node_labels) == ["x", "y", "z", "w"]  # first appearance, source column first
    src, dst, w = g.edges()
    assert [g.node_labels[i] for i in src] == list(df.src) and [g.node_labels[i] for i in dst] == list(df.dst)
    np.testing.assert_array_equal(w, df.w)
    with pytest.raises(ValueError, match="num_nodes"):
        ff.Graph.from_pandas(df, num_nodes=4)
    cat = ff.Graph.from_pandas(df.astype({"src": "category", "dst": "category"}))
    assert list(cat.node_labels) == ["x", "y", "z", "w"]


@pytest.mark.parametrize("suffix,opener", [("", open), (".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)])
def test_write_and_read_edgelist_round_trip(tmp_path, suffix, opener):
    g = random_graph()
    path = tmp_path / f"g.txt{suffix}"
    g.write_edgelist(path)
    back = ff.read_edgelist(path, weighted=True, num_nodes=g.num_nodes)
    same_edges(g, back)  # weights exact: 17 significant digits
    with opener(path, "rb") as f:
        first = f.readline().decode().split()
    src, dst, w = g.edges()
    assert [int(first[0]), int(first[1]), float(first[2])] == [src[0], dst[0], w[0]]


def test_zstandard_edgelist_is_read(tmp_path):
    # Reading .zst is transparent (with the zstandard package); writing it is refused by name.
    zstandard = pytest.importorskip("zstandard")
    g = random_graph()
    plain = tmp_path / "g.txt"
    g.write_edgelist(plain)
    path = tmp_path / "g.txt.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    same_edges(g, ff.read_edgelist(path, weighted=True, num_nodes=g.num_nodes))
    with pytest.raises(ValueError, match="writing .zst is not supported"):
        g.write_edgelist(tmp_path / "out.txt.zst")
    written = tmp_path / "by_zstd.txt.zst"
    written.write_bytes(zstandard.ZstdCompressor().compress(b"0 1\n1 2\n2 0\n"))
    back = ff.read_edgelist(written)
    assert back.edges()[0].tolist() == [0, 1, 2] and back.edges()[1].tolist() == [1, 2, 0]


def test_write_edgelist_rules(tmp_path):
    g = random_graph(weighted=False)
    with pytest.raises(ValueError, match="weights"):
        g.write_edgelist(tmp_path / "a.txt", weights=True)
    with pytest.raises(ValueError, match="delimiter"):
        g.write_edgelist(tmp_path / "a.txt", delimiter="ab")
    g.write_edgelist(tmp_path / "b.csv", delimiter=",")
    same_edges(g, ff.read_edgelist(tmp_path / "b.csv", delimiter=",", num_nodes=g.num_nodes))
    assert sorted(os.listdir(tmp_path)) == ["b.csv"]  # failed writes left nothing behind


def test_compressed_reader_errors_name_the_callers_path(tmp_path):
    bad = tmp_path / "broken.txt.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="broken.txt.gz"):
        ff.read_edgelist(bad)
    malformed = tmp_path / "malformed.txt.gz"
    malformed.write_bytes(gzip.compress(b"0 1\n1 x\n"))
    with pytest.raises(ValueError, match="malformed.txt.gz") as info:
        ff.read_edgelist(malformed)
    assert "fuseflow-decompress" not in str(info.value)


def test_compressed_matrix_market(tmp_path):
    text = b"%%MatrixMarket matrix coordinate real general\n3 3 2\n1 2 0.5\n3 1 2.5\n"
    path = tmp_path / "m.mtx.bz2"
    path.write_bytes(bz2.compress(text))
    g = ff.read_matrix_market(path)
    src, dst, w = g.edges()
    assert src.tolist() == [0, 2] and dst.tolist() == [1, 0] and w.tolist() == [0.5, 2.5]


def test_graph_pickle_copy_and_labels():
    g = random_graph()
    h = pickle.loads(pickle.dumps(g))
    same_edges(g, h)
    assert copy.copy(g) is g and copy.deepcopy(g) is g  # immutable
    labelled = ff.Graph.from_networkx(nx.path_graph(["p", "q", "r"]))
    back = pickle.loads(pickle.dumps(labelled))
    assert list(back.node_labels) == ["p", "q", "r"] and back.index_of("r") == 2


def test_index_pickle_and_deepcopy_are_independent():
    rng = np.random.default_rng(1)
    idx = ff.EmbeddingIndex(8, metric="cosine")
    idx.add(rng.standard_normal((40, 8)).astype(np.float32), ids=np.arange(100, 140))
    q = rng.standard_normal((3, 8)).astype(np.float32)
    for other in (pickle.loads(pickle.dumps(idx)), copy.deepcopy(idx), copy.copy(idx)):
        assert other is not idx and other.metric == "cosine" and len(other) == 40
        for a, b in zip(other.search(q, 5), idx.search(q, 5)):
            np.testing.assert_array_equal(a, b)
        other.remove([100])
        assert len(idx) == 40


def test_pickles_load_in_a_fresh_process(tmp_path):
    g = random_graph()
    idx = ff.EmbeddingIndex(4, metric="l2")
    idx.add(np.arange(20, dtype=np.float32).reshape(5, 4))
    blob = tmp_path / "objs.pkl"
    blob.write_bytes(pickle.dumps((g, idx, ff.Graph.from_networkx(nx.path_graph(["a", "b"])))))
    code = (
        "import pickle, sys, numpy as np\n"
        f"g, idx, lab = pickle.loads(open({str(blob)!r}, 'rb').read())\n"
        "src, dst, w = g.edges()\n"
        "print(g.num_nodes, g.num_edges, int(src.sum()), int(dst.sum()), repr(float(w.sum())))\n"
        "print(idx.search(np.zeros(4, np.float32), 2)[1].tolist(), list(lab.node_labels))\n"
    )
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    src, dst, w = g.edges()
    assert out.stdout.split("\n")[0] == f"{g.num_nodes} {g.num_edges} {int(src.sum())} {int(dst.sum())} {float(w.sum())!r}"
    assert out.stdout.split("\n")[1] == "[0, 1] ['a', 'b']"
