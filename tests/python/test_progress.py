"""progress=True (tqdm on stderr, driven by the native counter) and the "fuseflow" logger.

Checked: the bar's final totals are the call's real figures (iterations, nodes, bytes, edges,
rows), progress=False prints nothing at all, results are bitwise identical with and without
progress, and each call emits exactly one INFO record carrying its figures.
"""

import logging
import re

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import _core


def _random_graph(n=3000, m=30000, weighted=False, seed=1):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    w = rng.random(m) if weighted else None
    return ff.Graph.from_edges(src, dst, num_nodes=n, weights=w), (src, dst, w)


def _final(text, desc):
    """(done, total) of the last refresh of the bar named `desc` in captured tqdm output."""
    found = re.findall(re.escape(desc) + r":[^\r\n]*?\|\s*(\d+)/(\d+)", text)
    assert found, f"no bar {desc!r} in {text!r}"
    return tuple(int(x) for x in found[-1])


@pytest.fixture
def graph():
    return _random_graph()[0]


def test_pagerank_bar_counts_iterations_and_shows_residual(graph, capfd):
    ranks, info = ff.algorithms.pagerank(graph, tol=1e-10, max_iter=200, return_info=True, progress=True)
    err = capfd.readouterr().err
    assert _final(err, "pagerank: iterations") == (info.iterations, 200)
    shown = float(re.findall(r"residual=([0-9.e+-]+)", err)[-1])
    assert shown == pytest.approx(info.residual, rel=1e-2)


def test_label_propagation_bar_counts_sweeps(graph, capfd):
    labels, info = ff.algorithms.label_propagation(graph, max_iter=50, return_info=True, progress=True)
    assert _final(capfd.readouterr().err, "label_propagation: sweeps") == (info.iterations, 50)


def test_bfs_bar_counts_reached_nodes(graph, capfd):
    levels = ff.algorithms.bfs(graph, 0, progress=True)
    assert _final(capfd.readouterr().err, "bfs: nodes reached") == (int((levels >= 0).sum()), graph.num_nodes)


def test_bfs_bar_on_a_view_before_its_cut_counts_the_views_nodes(graph, capfd):
    view = graph.subgraph(node_mask=np.arange(graph.num_nodes) % 3 != 0)
    levels = ff.algorithms.bfs(view, 0, progress=True)
    assert not view.materialized  # the search ran on the masks
    assert _final(capfd.readouterr().err, "bfs: nodes reached") == (int((levels >= 0).sum()), view.num_nodes)


def test_connected_components_bar_ends_at_its_total(graph, capfd):
    ff.algorithms.connected_components(graph, progress=True)
    done, total = _final(capfd.readouterr().err, "connected_components: edge chunks")
    assert done == total > 0


def test_sssp_counter_without_total(capfd):
    g, _ = _random_graph(weighted=True)
    dist = ff.algorithms.sssp(g, 0, progress=True)
    done, total = _final(capfd.readouterr().err, "sssp: nodes scanned")
    # Every reached node is scanned at least once (the last, unreached-free sweep included).
    assert done == total >= int(np.isfinite(dist).sum())


def test_read_edgelist_bars_show_bytes_then_edges(tmp_path, capfd):
    path = tmp_path / "g.txt"
    rng = np.random.default_rng(3)
    edges = rng.integers(0, 500, (4000, 2))
    np.savetxt(path, edges, fmt="%d", header="src dst")
    g = ff.read_edgelist(path, progress=True)
    err = capfd.readouterr().err
    assert _final(err, "read_edgelist: parse") == (path.stat().st_size,) * 2  # the whole text, header included
    assert _final(err, "read_edgelist: build") == (g.num_edges, 4000)


def test_read_matrix_market_and_from_edges_bars(tmp_path, capfd):
    path = tmp_path / "m.mtx"
    path.write_text("%%MatrixMarket matrix coordinate real general\n4 4 3\n1 2 0.5\n2 3 1\n4 1 2\n")
    ff.read_matrix_market(path, progress=True)
    err = capfd.readouterr().err
    assert _final(err, "read_matrix_market: build") == (3, 3)
    ff.Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 0], progress=True)
    err = capfd.readouterr().err
    assert _final(err, "from_edges: build") == (4, 4)
    assert "parse" not in err  # from_edges parses nothing


def test_index_add_bar_counts_rows(capfd):
    index = ff.EmbeddingIndex(8)
    vectors = np.random.default_rng(4).standard_normal((5000, 8))
    index.add(vectors, progress=True)
    assert _final(capfd.readouterr().err, "EmbeddingIndex.add: rows") == (5000, 5000)


def test_progress_false_prints_nothing(tmp_path, capfd, caplog):
    g, (src, dst, _) = _random_graph()
    path = tmp_path / "g.txt"
    np.savetxt(path, np.c_[src, dst], fmt="%d")
    with caplog.at_level(logging.WARNING, logger="fuseflow"):
        ff.algorithms.pagerank(g)
        ff.algorithms.label_propagation(g, max_iter=100)
        ff.algorithms.connected_components(g)
        ff.algorithms.bfs(g, 0)
        ff.read_edgelist(path)
        ff.Graph.from_edges(src, dst)
        ff.EmbeddingIndex(4).add(np.ones((10, 4)))
    out = capfd.readouterr()
    assert out.out == "" and out.err == ""
    assert caplog.records == []


def test_results_identical_with_and_without_progress(capfd):
    g, (src, dst, w) = _random_graph(weighted=True)
    pairs = [
        (lambda p: ff.algorithms.pagerank(g, tol=1e-12, progress=p)),
        (lambda p: ff.algorithms.label_propagation(g, max_iter=100, progress=p)),
        (lambda p: ff.algorithms.connected_components(g, progress=p)),
        (lambda p: ff.algorithms.bfs(g, 5, return_parents=True, progress=p)),
        (lambda p: ff.algorithms.sssp(g, 5, progress=p)),
        (lambda p: ff.Graph.from_edges(src, dst, weights=w, progress=p).csc()),
    ]
    for run in pairs:
        a, b = run(False), run(True)
        for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            np.testing.assert_array_equal(x, y)
    vectors = np.random.default_rng(5).standard_normal((300, 6))
    i1, i2 = ff.EmbeddingIndex(6), ff.EmbeddingIndex(6)
    i1.add(vectors)
    i2.add(vectors, progress=True)
    np.testing.assert_array_equal(i1._native.vectors(), i2._native.vectors())
    capfd.readouterr()


def test_logger_emits_one_info_record_per_call_with_figures(caplog):
    g, _ = _random_graph()
    with caplog.at_level(logging.INFO, logger="fuseflow"):
        ranks, info = ff.algorithms.pagerank(g, tol=1e-9, return_info=True)
        labels = ff.algorithms.connected_components(g)
        levels = ff.algorithms.bfs(g, 0)
        ff.EmbeddingIndex(4).add(np.ones((7, 4)))
    records = [r for r in caplog.records if r.name == "fuseflow"]
    assert [r.levelno for r in records] == [logging.INFO] * 4
    assert [r.fuseflow["call"] for r in records] == ["pagerank", "connected_components", "bfs", "EmbeddingIndex.add"]
    pr = records[0].fuseflow
    assert (pr["iterations"], pr["residual"], pr["converged"]) == (info.iterations, info.residual, True)
    assert (pr["nodes"], pr["edges"]) == (g.num_nodes, g.num_edges)
    assert f"iterations={info.iterations}" in records[0].getMessage()
    assert records[1].fuseflow["components"] == len(np.unique(labels))
    assert records[2].fuseflow["reached"] == int((levels >= 0).sum())
    assert records[3].fuseflow["rows"] == 7 and records[3].fuseflow["size"] == 7


def test_progress_must_be_a_bool(graph):
    with pytest.raises(TypeError, match="progress: must be True or False"):
        ff.algorithms.pagerank(graph, progress="yes")
    with pytest.raises(TypeError, match="progress: must be True or False"):
        ff.EmbeddingIndex(2).add(np.ones((1, 2)), progress=1)


def test_bar_closed_when_the_call_raises(capfd):
    g = ff.Graph.from_edges([0, 1], [1, 0])
    with pytest.raises(ValueError, match="needs edge weights"):
        ff.algorithms.sssp(g, 0, progress=True)
    capfd.readouterr()
    # No thread left behind writing to stderr.
    import threading

    assert not [t for t in threading.enumerate() if t.name == "fuseflow-progress"]


def test_native_counter_defaults():
    c = _core.ProgressCounter()
    assert (c.stage, c.done, c.total) == (-1, 0, 0)
    assert np.isnan(c.residual) and c.stage_total(0) == 0 and c.stage_total(99) == 0


def test_progress_without_tqdm_is_a_clear_import_error(monkeypatch, graph):
    import sys

    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` raise ImportError
    with pytest.raises(ImportError, match=r"progress=True needs the tqdm package \(pip install tqdm\); pagerank"):
        ff.algorithms.pagerank(graph, progress=True)
    ff.algorithms.pagerank(graph)  # progress=False never imports it


def test_from_scipy_pandas_networkx_bars_and_records(capfd, caplog):
    import networkx as nx
    import pandas as pd
    import scipy.sparse as sp

    _, (src, dst, _) = _random_graph(n=500, m=4000)
    w = np.arange(1, src.shape[0] + 1, dtype=np.float64)
    reference = ff.Graph.from_edges(src, dst, num_nodes=500, weights=w)
    matrix = sp.coo_array((w, (src, dst)), shape=(500, 500))
    df = pd.DataFrame({"src": src, "dst": dst, "w": w})
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(500))
    G.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist()))
    with caplog.at_level(logging.INFO, logger="fuseflow"):
        built = [ff.Graph.from_scipy(matrix, progress=True), ff.Graph.from_pandas(df, weight="w", progress=True),
                 ff.Graph.from_networkx(G, progress=True)]
    err = capfd.readouterr().err
    m = src.shape[0]
    assert _final(err, "from_scipy: build") == (m, m)
    assert _final(err, "from_pandas: build") == (m, m)
    assert _final(err, "from_networkx: read") == (m, m)
    assert _final(err, "from_networkx: build") == (m, m)
    assert [r.fuseflow["call"] for r in caplog.records if r.name == "fuseflow"] == [
        "from_scipy", "from_pandas", "from_networkx"]
    # The same graphs as without progress (edges in the same user order) and as from_edges (the
    # same edges: each builder has its own user order, so compared sorted).
    def sorted_edges(g):
        s, d, weights = g.edges()
        order = np.lexsort((weights, d, s))
        return s[order], d[order], weights[order]

    for g, quiet in zip(built, [ff.Graph.from_scipy(matrix), ff.Graph.from_pandas(df, weight="w"),
                                ff.Graph.from_networkx(G)]):
        assert g.num_nodes == 500
        for a, b in zip(g.edges(), quiet.edges()):
            np.testing.assert_array_equal(a, b)
        for a, c in zip(sorted_edges(g), sorted_edges(reference)):
            np.testing.assert_array_equal(a, c)
    assert capfd.readouterr().err == ""  # progress=False printed nothing


def test_builders_check_progress_first():
    import networkx as nx
    import pandas as pd
    import scipy.sparse as sp

    with pytest.raises(TypeError, match="progress: must be True or False, got str"):
        ff.Graph.from_scipy(sp.csr_array((2, 2)), progress="yes")
    with pytest.raises(TypeError, match="progress: must be True or False, got int"):
        ff.Graph.from_pandas(pd.DataFrame({"src": [0], "dst": [1]}), progress=1)
    with pytest.raises(TypeError, match="progress: must be True or False, got NoneType"):
        ff.Graph.from_networkx(nx.path_graph(3), progress=None)
