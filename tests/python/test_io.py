"""Graph loading: text edge lists, Matrix Market, pandas, and the binary save/load format.

References: NumPy-built graphs (Graph.from_edges on the same arrays) and scipy.io.mmread.
"""

import numpy as np
import pandas as pd
import pytest
import scipy.io
import scipy.sparse as sp

import fuseflow as ff


def assert_same_graph(a, b):
    assert a.num_nodes == b.num_nodes and a.num_edges == b.num_edges and a.has_weights == b.has_weights
    for x, y in zip(a.csr() + a.csc(), b.csr() + b.csc()):
        if x is None or y is None:
            assert x is None and y is None
        else:
            np.testing.assert_array_equal(x, y)


def random_edges(seed, n=500, m=3000, weighted=False):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    w = np.round(rng.uniform(-5, 5, m), 6) if weighted else None
    return src, dst, w


# ---------------------------------------------------------------- read_edgelist

def test_read_edgelist_whitespace_matches_from_edges(tmp_path):
    src, dst, _ = random_edges(0)
    path = tmp_path / "g.txt"
    lines = ["# a comment line", ""] + [f"{u}\t{v}" if i % 3 else f"  {u}   {v}  # trailing" for i, (u, v) in enumerate(zip(src, dst))]
    path.write_text("\r\n".join(lines) + "\r\n")  # Windows line endings too
    g = ff.read_edgelist(path)
    assert_same_graph(g, ff.Graph.from_edges(src, dst))


def test_read_edgelist_csv_with_header_and_weights(tmp_path):
    src, dst, w = random_edges(1, weighted=True)
    path = tmp_path / "g.csv"
    pd.DataFrame({"src": src, "dst": dst, "w": w}).to_csv(path, index=False)
    g = ff.read_edgelist(path, delimiter=",", weighted=True, skip_rows=1)
    assert_same_graph(g, ff.Graph.from_edges(src, dst, weights=w))


@pytest.mark.parametrize("delimiter", [" ", "\t"])
def test_read_edgelist_blank_delimiter_means_whitespace(tmp_path, delimiter):
    path = tmp_path / "g.tsv"
    path.write_text("0\t1\n2  3\n")
    g = ff.read_edgelist(path, delimiter=delimiter)
    np.testing.assert_array_equal(g.csr()[1], [1, 3])


def test_read_edgelist_weights_with_exponents_and_inf(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("0 1 1e-3\n1 2 -2.5E+2\n2 0 inf\n")
    g = ff.read_edgelist(path, weighted=True)
    np.testing.assert_array_equal(g.csr()[2], [1e-3, -250.0, np.inf])


def test_read_edgelist_large_file_parsed_in_chunks(tmp_path):
    # ~3.5 MB: several newline-aligned chunks parsed by different threads.
    src, dst, _ = random_edges(2, n=1_000_000, m=300_000)
    path = tmp_path / "big.txt"
    np.savetxt(path, np.stack([src, dst], axis=1), fmt="%d")
    for threads in (1, 2):
        ff.set_num_threads(threads)
        try:
            assert_same_graph(ff.read_edgelist(path), ff.Graph.from_edges(src, dst))
        finally:
            ff.set_num_threads(0)


def test_read_edgelist_error_line_number_in_a_late_chunk(tmp_path):
    src, dst, _ = random_edges(3, n=1_000_000, m=300_000)
    lines = [f"{u} {v}" for u, v in zip(src, dst)]
    lines[250_000] = "12 oops"
    path = tmp_path / "bad.txt"
    path.write_text("# header\n" + "\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"line 250002: target id 'oops' is not a non-negative integer"):
        ff.read_edgelist(path)


def test_read_edgelist_num_nodes_adds_isolated_nodes(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("0 1\n")
    g = ff.read_edgelist(path, num_nodes=5)
    assert g.num_nodes == 5
    np.testing.assert_array_equal(g.in_degree(), [0, 1, 0, 0, 0])


def test_read_edgelist_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("# nothing\n\n")
    g = ff.read_edgelist(path)
    assert g.num_nodes == 0 and g.num_edges == 0


@pytest.mark.parametrize(
    "text, kwargs, message",
    [
        ("0 1\n-1 2\n", {}, r"line 2: source id '-1' is not a non-negative integer"),
        ("0 1\n1\n", {}, r"line 2: too few fields"),
        ("0 1\n1 2 3\n", {}, r"line 2: unexpected text '3' after the target id .*weighted=True"),
        ("0 1 1.0\n1 2 abc\n", {"weighted": True}, r"line 2: weight 'abc' is not a number"),
        ("0 1 1.0\n1 2 nan\n", {"weighted": True}, r"line 2: weight is NaN"),
        ("0 1\n1.5 2\n", {}, r"line 2: source id '1.5' is not a non-negative integer"),
        ("0 1\n1 2\n", {"num_nodes": 2}, r"line 2: target id 2 is out of range \(ids must be < 2\)"),
        ("0 1\n99999999999 2\n", {}, r"line 2: source id '99999999999' is not a non-negative integer|line 2: source id 99999999999 is out of range"),
        ("0,1\n1;2\n", {"delimiter": ","}, r"line 2: source id '1;2' is not a non-negative integer|line 2: expected the delimiter ','"),
    ],
)
def test_read_edgelist_malformed_line_reports_line_number(tmp_path, text, kwargs, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        ff.read_edgelist(path, **kwargs)


def test_read_edgelist_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="path: no such file"):
        ff.read_edgelist(tmp_path / "nope.txt")


@pytest.mark.parametrize("kwargs, name", [({"delimiter": ",,"}, "delimiter"), ({"comment": "\n"}, "comment"),
                                          ({"delimiter": "#"}, "delimiter"), ({"skip_rows": -1}, "skip_rows")])
def test_read_edgelist_bad_options(tmp_path, kwargs, name):
    path = tmp_path / "g.txt"
    path.write_text("0 1\n")
    with pytest.raises(ValueError, match=f"{name}:"):
        ff.read_edgelist(path, **kwargs)


# ---------------------------------------------------------------- Matrix Market

def graph_as_scipy(g):
    off, tgt, w = g.csr()
    data = np.ones(tgt.shape[0]) if w is None else w
    return sp.csr_matrix((data, tgt, off), shape=(g.num_nodes, g.num_nodes))


@pytest.mark.parametrize("symmetry, field", [("general", "real"), ("symmetric", "real"), ("general", "pattern"),
                                             ("symmetric", "integer"), ("skew-symmetric", "real")])
def test_read_matrix_market_matches_scipy_mmread(tmp_path, symmetry, field):
    A = sp.random(60, 60, density=0.08, random_state=8, format="coo")
    if symmetry != "general":
        A = sp.triu(A, k=1 if symmetry == "skew-symmetric" else 0).tocoo()
        A = A + (A.T if symmetry == "symmetric" else -A.T)
    if field == "integer":
        A.data = np.round(A.data * 100)
    path = tmp_path / "m.mtx"
    scipy.io.mmwrite(path, A, field=field, symmetry=symmetry)
    g = ff.read_matrix_market(path)
    ref = scipy.io.mmread(path).tocsr()
    if field == "pattern":
        ref.data[:] = 1.0
        assert not g.has_weights
    assert g.num_nodes == 60
    assert (graph_as_scipy(g) != ref).nnz == 0


def write_mm(tmp_path, text):
    path = tmp_path / "m.mtx"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        ("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", "dense 'array' format is not supported"),
        ("%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 1 1 0\n", "complex values are not supported"),
        ("%%MatrixMarket matrix coordinate real general\n2 3 1\n1 1 1\n", "line 2: matrix must be square"),
        ("%%MatrixMarket matrix coordinate real general\n% c\n2 2 2\n1 1 1\n", "announces 2 entries, but the file has 1"),
        ("%%MatrixMarket matrix coordinate real general\n2 2 1\n0 1 1\n", "line 3: source id 0 is below the first index 1"),
        ("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n1 3 1\n", "line 4: target id 3 is out of range"),
        ("%%MatrixMarket matrix coordinate real general\n2 2\n", "line 2: expected the size line"),
        ("hello\n", "line 1: not a Matrix Market file"),
    ],
)
def test_read_matrix_market_errors(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        ff.read_matrix_market(write_mm(tmp_path, text))


# ---------------------------------------------------------------- from_pandas

def test_from_pandas_matches_from_edges():
    src, dst, w = random_edges(4, weighted=True)
    df = pd.DataFrame({"a": src.astype(np.int32), "b": dst.astype(np.int16), "w": w})
    g = ff.Graph.from_pandas(df, source="a", target="b", weight="w", num_nodes=600)
    assert_same_graph(g, ff.Graph.from_edges(src, dst, num_nodes=600, weights=w))
    assert_same_graph(ff.Graph.from_pandas(df.rename(columns={"a": "src", "b": "dst"})),
                      ff.Graph.from_edges(src, dst))


def test_from_pandas_missing_column():
    with pytest.raises(ValueError, match="target: column 'dst' is not in the DataFrame"):
        ff.Graph.from_pandas(pd.DataFrame({"src": [0]}))


def test_from_pandas_missing_values():
    df = pd.DataFrame({"src": pd.array([0, None], dtype="Int64"), "dst": [1, 0]})
    with pytest.raises(ValueError, match="source: column 'src' has missing values"):
        ff.Graph.from_pandas(df)


def test_from_pandas_non_integer_ids_are_labels():
    # Not integer ids: the values are labels, numbered by first appearance (source column first).
    g = ff.Graph.from_pandas(pd.DataFrame({"src": [5.0, 2.5], "dst": [2.5, 7.0]}))
    assert list(g.node_labels) == [5.0, 2.5, 7.0]
    assert g.edges()[0].tolist() == [0, 1] and g.edges()[1].tolist() == [1, 2]


def test_from_pandas_negative_ids():
    with pytest.raises(ValueError, match="src: node ids must be non-negative"):
        ff.Graph.from_pandas(pd.DataFrame({"src": [0, -1], "dst": [1, 1]}))


def test_from_pandas_requires_dataframe():
    with pytest.raises(TypeError, match="df: must be a pandas.DataFrame"):
        ff.Graph.from_pandas({"src": [0], "dst": [1]})


# ---------------------------------------------------------------- save / load

@pytest.mark.parametrize("weighted", [False, True])
def test_save_load_round_trip(tmp_path, weighted):
    src, dst, w = random_edges(5, weighted=weighted)
    g = ff.Graph.from_edges(src, dst, num_nodes=520, weights=w)
    path = tmp_path / "g.ffg"
    g.save(path)
    assert_same_graph(ff.Graph.load(path), g)


def test_save_load_empty_graph(tmp_path):
    g = ff.Graph.from_edges(np.array([], np.int64), np.array([], np.int64), num_nodes=3)
    g.save(tmp_path / "e.ffg")
    assert_same_graph(ff.Graph.load(tmp_path / "e.ffg"), g)


def saved_bytes(tmp_path):
    src, dst, w = random_edges(6, weighted=True)
    path = tmp_path / "g.ffg"
    ff.Graph.from_edges(src, dst, weights=w).save(path)
    return path, bytearray(path.read_bytes())


@pytest.mark.parametrize("offset", [100, -7])
def test_load_detects_payload_corruption(tmp_path, offset):
    path, data = saved_bytes(tmp_path)
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="payload checksum mismatch"):
        ff.Graph.load(path)


def test_load_detects_header_corruption(tmp_path):
    path, data = saved_bytes(tmp_path)
    data[16] ^= 0x01  # num_nodes
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="header checksum mismatch"):
        ff.Graph.load(path)


def test_load_detects_truncation(tmp_path):
    path, data = saved_bytes(tmp_path)
    path.write_bytes(bytes(data[:-8]))
    with pytest.raises(ValueError, match="does not match the header.*truncated"):
        ff.Graph.load(path)
    path.write_bytes(bytes(data[:10]))
    with pytest.raises(ValueError, match="shorter than the 64-byte header"):
        ff.Graph.load(path)


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("0 1\n" * 40)
    with pytest.raises(ValueError, match="wrong magic bytes"):
        ff.Graph.load(path)
    with pytest.raises(FileNotFoundError):
        ff.Graph.load(tmp_path / "missing.ffg")
