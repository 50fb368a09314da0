"""Run under mpirun: the ff.jit programs of dsl_programs.py on a DistGraph (fuseflow.mpi.run),
over a chosen partition; rank 0 saves the results to an .npz file, and every rank's error
messages (one per line) to OUT.rank<r>.txt.

usage: python dsl.py KIND SEED PARTITION OUT.npz
  PARTITION: balanced | uneven | empty (a rank owns no nodes)
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mpi4py import MPI  # noqa: E402

import fuseflow.mpi as fmpi  # noqa: E402
import dsl_programs as P  # noqa: E402
from graphs import edges, part  # noqa: E402


def bounds_for(partition, n, size):
    if partition == "balanced":
        return None
    if partition == "uneven":
        cuts = [int(n * f) for f in np.linspace(0.1, 0.35, size - 1)]
        return np.array([0, *cuts, n], np.int64)
    if partition == "empty":  # with 2 ranks rank 0 owns nothing, with 3 rank 1
        return np.array([0, 0, n] if size == 2 else [0, n // 2, n // 2] + [n] * (size - 2), np.int64)
    raise ValueError(partition)


def attempt(fn):
    try:
        fn()
    except (ValueError, TypeError) as e:
        return f"{type(e).__name__}: {e}"
    return "no error"


def main():
    kind, seed, partition, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    comm = MPI.COMM_WORLD
    src, dst, n = edges(kind, seed)
    s, d = part(src, dst, comm.rank, comm.size, seed)
    g = fmpi.DistGraph.from_edges(s, d, num_nodes=n, bounds=bounds_for(partition, n, comm.size))
    x = np.random.default_rng(seed + 7).random(n)
    res = {"bounds": g.bounds}
    before = g.traffic.received.get("alltoallv halo", 0)
    res["pagerank_halo"] = fmpi.run(P.pagerank, g, 0.85, 30)
    halo_bytes = g.traffic.received.get("alltoallv halo", 0) - before
    before = g.traffic.received.get("allgatherv neighbor_agg", 0)
    pr_all = fmpi.run(P.pagerank, g, 0.85, 30, exchange="allgather", gather="all")
    allgather_bytes = g.traffic.received.get("allgatherv neighbor_agg", 0) - before
    pr_local = fmpi.run(P.pagerank, g, damping=0.85, iters=30, gather="local")
    res["pagerank_allgather"] = pr_all
    ranks, info = fmpi.run(P.pagerank_converge, g, 0.85, 1e-12)
    res["pagerank_converge"], res["converge_iterations"] = ranks, info.iterations
    res["components_halo"] = fmpi.run(P.min_label_components, g)
    res["components_allgather"] = fmpi.run(P.min_label_components, g, exchange="allgather", root=comm.size - 1,
                                           gather="all")
    arrays, scalars = fmpi.run(P.many_ops, g, x[g.lo:g.hi])  # this rank's slice
    arrays2, scalars2 = fmpi.run(P.many_ops, g, x, exchange="allgather")  # the whole array
    # Every rank's scalars are identical (loop conditions depend on it) and its local slices
    # and "all" copies equal what the root gathered.
    first = fmpi.run(P.pagerank, g, 0.85, 30, gather="all")
    checks = [bool(np.array_equal(pr_local, first[g.lo:g.hi])), bool(np.array_equal(pr_all, first)),
              [float(v) for v in scalars] == [float(v) for v in comm.bcast(scalars, root=0)]]
    res["checks"] = np.array(comm.gather(checks, root=0))
    res["halo_bytes"] = np.array(comm.gather(halo_bytes, root=0))
    res["allgather_bytes"] = np.array(comm.gather(allgather_bytes, root=0))
    res["num_ghosts"] = np.array(comm.gather(g.exchange_plan("in").num_ghosts, root=0))
    lines = [
        attempt(lambda: fmpi.run(P.uses_edge_arrays, g, x)),
        attempt(lambda: fmpi.run(P.weighted_by_edge_array, g, x)),
        attempt(lambda: fmpi.run(P.many_ops, g, x[:5] if comm.rank == comm.size - 1 else x)),
        attempt(lambda: fmpi.run(P.pagerank, g, 0.85 + 0.01 * comm.rank, 3)),
        attempt(lambda: fmpi.run(P.pagerank, g, 0.85, 3, exchange="some")),
        attempt(lambda: fmpi.run(P.pagerank, g, 0.85, 3, gather="some")),
        attempt(lambda: fmpi.run(P.pagerank, 0.85, 3)),
        attempt(lambda: fmpi.run(P.pagerank.__wrapped__ if hasattr(P.pagerank, "__wrapped__") else len, g)),
    ]
    # After the errors the communicator still works.
    lines.append("components " + str(int(fmpi.run(P.min_label_components, g, gather="all").max())))
    with open(f"{out}.rank{comm.rank}.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    if comm.rank == 0:
        for i, a in enumerate(arrays):
            res[f"many_{i}"] = a
            res[f"many2_{i}"] = arrays2[i]
        res["scalars"] = np.array([float(v) for v in scalars])
        res["scalars2"] = np.array([float(v) for v in scalars2])
        np.savez(out, **res)


if __name__ == "__main__":
    main()
