"""Scale-out overheads, same run: fuseflow on Dask and on MPI against single-process fuseflow.

Workloads (all on this one machine, loopback only, so they measure overhead, not speed-up
from more hardware):
  bs-dask      : the DESIGN.md Black-Scholes ff.jit program over 10M options: single process
                 (ff threads = all cores) vs fuseflow.dask.map_jit over a LocalCluster of 2
                 worker processes x 1 thread, inputs persisted on the workers first; timed to
                 the result persisted on the workers and to the result gathered to the client.
  index-dask   : EmbeddingIndex.search vs fuseflow.dask.ShardedIndex.search (2 and 8 shards on
                 the same cluster), 100k x 128 float32 "dot", k=10, 1 query and 64 queries.
  pagerank-mpi : fuseflow.mpi.pagerank per iteration at 1 and 2 ranks (mpirun, tcp over lo,
                 FUSEFLOW_NUM_THREADS=1 per rank), R-MAT scale 18 / edge factor 16, tol=0;
                 per-iteration time is the slope (T(k2) - T(k1)) / (k2 - k1); the bytes each
                 rank receives per iteration are counted by the library. Native single-process
                 ff.algorithms.pagerank per iteration (1 thread) is printed alongside.
Each pair is timed in interleaved rounds (common.interleaved_medians); mpirun launches alternate
1, 2, 1, 2 ranks and each reports medians over its own rounds.

Usage: python bench/bench_scale_out.py [--quick] [--only bs,index,mpi]
       -> tables on stdout, bench/results/scale_out.json
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

import fuseflow as ff  # noqa: E402


@ff.jit
def bs_call(s, k, t, r, sigma):  # DESIGN.md
    sq = sigma * ff.sqrt(t)
    d1 = (ff.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
    return s * ff.norm_cdf(d1) - k * ff.exp(-r * t) * ff.norm_cdf(d1 - sq)


def _cluster():
    import distributed

    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None)
    return cluster, distributed.Client(cluster)


def bench_black_scholes(client, n, repeats):
    import dask.array as da
    from distributed import wait

    import fuseflow.dask as fdask

    rng = np.random.default_rng(0)
    s, k = rng.uniform(50, 150, n), rng.uniform(50, 150, n)
    t, sigma = rng.uniform(0.1, 2.0, n), rng.uniform(0.1, 0.6, n)
    chunk = n // 4
    # Inputs live on the workers before timing (as they would after loading there).
    dargs = [da.from_array(a, chunks=chunk).persist() for a in (s, k, t, sigma)]
    wait(dargs)

    def single():
        return bs_call(s, k, t, 0.03, sigma)

    def dask_persisted():
        out = fdask.map_jit(bs_call, dargs[0], dargs[1], dargs[2], 0.03, dargs[3]).persist()
        wait(out)
        return out

    def dask_gathered():
        return fdask.map_jit(bs_call, dargs[0], dargs[1], dargs[2], 0.03, dargs[3]).compute()

    want = single()
    assert np.array_equal(dask_gathered(), want)
    t_single, t_persist, t_gather = common.interleaved_medians([single, dask_persisted, dask_gathered], repeats)
    return {"options": n, "chunks": 4, "single_process_s": t_single, "dask_2workers_persisted_s": t_persist,
            "dask_2workers_gathered_s": t_gather, "ratio_persisted": t_persist / t_single,
            "ratio_gathered": t_gather / t_single, "fuseflow_threads_single": ff.get_num_threads()}


def bench_index(client, repeats):
    import fuseflow.dask as fdask

    rng = np.random.default_rng(0)
    x = rng.standard_normal((100_000, 128)).astype(np.float32)
    local = ff.EmbeddingIndex(128, "dot")
    local.add(x)
    sharded = {s: fdask.ShardedIndex(client, 128, "dot", n_shards=s) for s in (2, 8)}
    for idx in sharded.values():
        idx.add(x)
    rows = []
    for nq in (1, 64):
        q = rng.standard_normal((nq, 128)).astype(np.float32)
        want = local.search(q, 10)
        for idx in sharded.values():
            got = idx.search(q, 10)
            assert np.array_equal(got[1], want[1]) and got[0].tobytes() == want[0].tobytes()
        fns = [lambda: local.search(q, 10)] + [lambda i=i: i.search(q, 10) for i in sharded.values()]
        t_local, t2, t8 = common.interleaved_medians(fns, repeats)
        rows.append({"queries": nq, "local_ms": t_local * 1e3, "sharded2_ms": t2 * 1e3, "sharded8_ms": t8 * 1e3,
                     "overhead2_ms": (t2 - t_local) * 1e3, "overhead8_ms": (t8 - t_local) * 1e3})
    return rows


# ---- MPI part: this file is also the program mpirun starts (--mpi-worker)

def mpi_worker(scale, edge_factor, k1, k2, rounds, out):
    from mpi4py import MPI

    import fuseflow.mpi as fmpi

    comm = MPI.COMM_WORLD
    src, dst = ff.generators.rmat(scale, edge_factor, seed=1)
    m = len(src)
    lo, hi = comm.rank * m // comm.size, (comm.rank + 1) * m // comm.size
    g = fmpi.DistGraph.from_edges(src[lo:hi], dst[lo:hi], num_nodes=1 << scale)
    fmpi.pagerank(g, tol=0.0, max_iter=2)  # warm: builds the local graph, traces the pull
    times = {k1: [], k2: []}
    bytes_per_iter = None
    for _ in range(rounds):
        for k in (k1, k2):
            comm.Barrier()
            before = g.traffic.received.get("allgatherv pagerank", 0)
            start = time.perf_counter()
            fmpi.pagerank(g, tol=0.0, max_iter=k, gather="local")
            comm.Barrier()
            times[k].append(time.perf_counter() - start)
            bytes_per_iter = (g.traffic.received["allgatherv pagerank"] - before) / k if comm.size > 1 else 0
    per_iter = (statistics.median(times[k2]) - statistics.median(times[k1])) / (k2 - k1)
    all_bytes = comm.gather(bytes_per_iter, root=0)
    if comm.rank == 0:
        Path(out).write_text(json.dumps({"ranks": comm.size, "per_iteration_s": per_iter,
                                         "bytes_received_per_iteration_per_rank": all_bytes,
                                         "bytes_moved_per_iteration_total": sum(all_bytes),
                                         "nodes": 1 << scale, "edges": m}))


def bench_mpi(scale, edge_factor, rounds, launches):
    mpirun = shutil.which("mpirun", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    if mpirun is None:
        return {"skipped": "no mpirun"}
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               FUSEFLOW_NUM_THREADS="1", OMP_NUM_THREADS="1")
    results = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for launch in range(launches):
            for p in (1, 2):
                out = os.path.join(tmp, f"r{p}-{launch}.json")
                # No --oversubscribe (2 ranks fit 2 cores): with it Open MPI yields the CPU while
                # waiting, which on a loaded machine adds a scheduler quantum to every collective.
                cmd = [mpirun, "-np", str(p), "--bind-to", "none", "--mca", "btl", "tcp,self",
                       "--mca", "btl_tcp_if_include", "lo", sys.executable, __file__, "--mpi-worker",
                       str(scale), str(edge_factor), "5", "15", str(rounds), out]
                subprocess.run(cmd, env=env, check=True, timeout=900)
                results[p].append(json.loads(Path(out).read_text()))
    src, dst = ff.generators.rmat(scale, edge_factor, seed=1)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << scale)
    saved = ff.get_num_threads()
    ff.set_num_threads(1)
    try:
        ff.algorithms.pagerank(g, tol=0.0, max_iter=2)
        t5, t15 = common.interleaved_medians([lambda: ff.algorithms.pagerank(g, tol=0.0, max_iter=5),
                                              lambda: ff.algorithms.pagerank(g, tol=0.0, max_iter=15)], rounds)
    finally:
        ff.set_num_threads(saved)
    row = {}
    for p in (1, 2):
        row[f"ranks{p}_per_iteration_ms"] = statistics.median(r["per_iteration_s"] for r in results[p]) * 1e3
    row["bytes_moved_per_iteration_total"] = results[2][0]["bytes_moved_per_iteration_total"]
    row["bytes_received_per_iteration_per_rank"] = results[2][0]["bytes_received_per_iteration_per_rank"]
    row["native_single_process_1thread_per_iteration_ms"] = (t15 - t5) / 10 * 1e3
    row["speedup_2_vs_1"] = row["ranks1_per_iteration_ms"] / row["ranks2_per_iteration_ms"]
    row["nodes"], row["edges"] = 1 << scale, len(src)
    return row


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--mpi-worker":
        a = sys.argv[2:]
        mpi_worker(int(a[0]), int(a[1]), int(a[2]), int(a[3]), int(a[4]), a[5])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats (smoke run)")
    ap.add_argument("--only", default="bs,index,mpi")
    args = ap.parse_args()
    only = set(args.only.split(","))
    repeats = 3 if args.quick else 7
    payload = {}
    if only & {"bs", "index"}:
        cluster, client = _cluster()
        try:
            if "bs" in only:
                bs = bench_black_scholes(client, 1_000_000 if args.quick else 10_000_000, repeats)
                common.print_table("Black-Scholes: single process vs Dask blockwise (2 workers x 1 thread)", [bs],
                                   ["options", "single_process_s", "dask_2workers_persisted_s",
                                    "dask_2workers_gathered_s", "ratio_persisted", "ratio_gathered"])
                payload["black_scholes_dask"] = bs
            if "index" in only:
                rows = bench_index(client, 5 if args.quick else 21)
                common.print_table("EmbeddingIndex vs ShardedIndex (100k x 128, k=10), ms", rows,
                                   ["queries", "local_ms", "sharded2_ms", "sharded8_ms", "overhead2_ms",
                                    "overhead8_ms"])
                payload["sharded_index"] = rows
        finally:
            client.close()
            cluster.close()
    if "mpi" in only:
        row = bench_mpi(14 if args.quick else 18, 16, 3 if args.quick else 5, 1 if args.quick else 3)
        common.print_table("fuseflow.mpi PageRank per iteration (R-MAT), 1 vs 2 ranks", [row],
                           ["nodes", "edges", "ranks1_per_iteration_ms", "ranks2_per_iteration_ms", "speedup_2_vs_1",
                            "bytes_moved_per_iteration_total", "native_single_process_1thread_per_iteration_ms"])
        payload["pagerank_mpi"] = row
    common.write_results("scale_out", payload)


if __name__ == "__main__":
    main()
