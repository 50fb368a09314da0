"""Loop rotation on DESIGN.md's PageRank: the rotated program gives bitwise the same ranks as with
the pass disabled (and matches a NumPy power iteration), and its loop makes one pass over nodes per
iteration: the gather, whose epilogue computes the update, the next contributions and the sink."""

import re

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import examples


# The DESIGN.md program as a plain function: each test jits a fresh copy (new compile).
pagerank_fn = examples.pagerank.__wrapped__


def numpy_pagerank(src, dst, n, damping, iters):
    deg = np.bincount(src, minlength=n).astype(np.float64)
    inv = np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0)
    rank = np.full(n, 1.0 / n)
    for _ in range(iters):
        gathered = np.bincount(dst, weights=(rank * inv)[src], minlength=n)
        rank = (1.0 - damping) / n + damping * (gathered + rank[deg == 0].sum() / n)
    return rank


@pytest.fixture(scope="module")
def graph():
    src, dst = ff.generators.rmat(11, 8, seed=5)
    return src, dst, ff.Graph.from_edges(src, dst, num_nodes=1 << 11)


@pytest.mark.parametrize("iters", [0, 1, 2, 9])
@pytest.mark.parametrize("threads", [1, 2])
def test_rotated_equals_unrotated_bitwise(graph, monkeypatch, iters, threads):
    src, dst, g = graph
    old = ff.get_num_threads()
    ff.set_num_threads(threads)
    try:
        rotated = ff.jit(pagerank_fn)(g, 0.85, iters)
        monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "loop_rotation")
        plain_fn = ff.jit(pagerank_fn)
        plain = plain_fn(g, 0.85, iters)
        assert "loop_rotation" in plain_fn._compiled(plain_fn._get((g, 0.85, iters), {})[0]).pass_report()
    finally:
        ff.set_num_threads(old)
    np.testing.assert_array_equal(rotated, plain)
    np.testing.assert_allclose(rotated, numpy_pagerank(src, dst, g.num_nodes, 0.85, iters), rtol=1e-12, atol=1e-15)


@pytest.mark.plan
def test_one_pass_over_nodes_per_iteration(graph):
    _, _, g = graph
    f = ff.jit(pagerank_fn)
    prof = f.profile(g, 0.85, 6)
    assert "loop_rotation" in prof.pass_report and "changed" in prof.pass_report
    n, m = g.num_nodes, g.num_edges
    body = [s for s in prof.steps if s["depth"] == 1]
    agg = [s for s in body if s["kind"] == "neighbor_agg"]
    assert len(agg) == 1 and "sum" in agg[0]["label"] and "where" in agg[0]["label"]
    # Besides the gather's own pass (edges + nodes + epilogue), the body only runs scalar kernels.
    assert agg[0]["elements"] == 6 * (n + m + n)
    assert all(s["elements"] <= s["calls"] for s in body if s is not agg[0])


def test_disabled_rotation_keeps_separate_prologue_pass(graph, monkeypatch):
    _, _, g = graph
    monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "loop_rotation")
    prof = ff.jit(pagerank_fn).profile(g, 0.85, 3)
    body = [s for s in prof.steps if s["depth"] == 1]
    node_passes = [s for s in body if s["kind"] == "kernel" and s["elements"] == 3 * g.num_nodes]
    assert len(node_passes) >= 1  # the unrotated body makes an extra pass over nodes


@pytest.mark.plan
def test_large_graphs_run_the_unrotated_variant(monkeypatch):
    # Above the cost model's node count the program compiled without loop_rotation runs (the
    # rotated loop's extra node array stops fitting in cache); same bits either way.
    n = 1 << 19
    src, dst = ff.generators.rmat(19, 2, seed=3)
    big = ff.Graph.from_edges(src, dst, num_nodes=n)
    small = ff.Graph.from_edges(src % 1024, dst % 1024, num_nodes=1024)
    f = ff.jit(pagerank_fn)
    got = f(big, 0.85, 4)
    compiled = f._compiled(f._get((big, 0.85, 4), {})[0])
    assert 0 < compiled.large_graph_min_nodes < n
    assert re.search(r"loop_rotation\s+0\s+skipped", f.profile(big, 0.85, 4).pass_report)
    assert "without loop_rotation" in f.ir(big, 0.85, 4, optimized=True)
    body = [s for s in f.profile(big, 0.85, 4).steps if s["depth"] == 1]
    assert len([s for s in body if s["elements"] > s["calls"]]) == 2  # producer pass + gather
    body = [s for s in f.profile(small, 0.85, 4).steps if s["depth"] == 1]
    assert len([s for s in body if s["elements"] > s["calls"]]) == 1  # rotated: the gather only
    monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "loop_rotation")
    np.testing.assert_array_equal(ff.jit(pagerank_fn)(big, 0.85, 4), got)
    np.testing.assert_allclose(got, numpy_pagerank(src, dst, n, 0.85, 4), rtol=1e-12, atol=1e-18)
