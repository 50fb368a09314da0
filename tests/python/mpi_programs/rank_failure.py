"""Run under mpirun (plain `python`, not `python -m mpi4py`, so nothing aborts the job): a native
step of fuseflow.mpi.run fails on one rank only, and every rank must raise the same error
instead of waiting in the next collective. Each rank writes what it saw to OUT.rank<r>.txt.

usage: python rank_failure.py OUT
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mpi4py import MPI  # noqa: E402

import fuseflow.mpi as fmpi  # noqa: E402
import dsl_programs as P  # noqa: E402


def attempt(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the test compares the type and message on every rank
        return f"{type(e).__name__}: {e}"
    return "no error"


def main():
    out = sys.argv[1]
    comm = MPI.COMM_WORLD
    n = 40
    src = np.arange(n, dtype=np.int64)
    dst = (src * 7 + 3) % n
    mine = slice(comm.rank, n, comm.size)  # each rank passes every size-th edge
    g = fmpi.DistGraph.from_edges(src[mine], dst[mine], num_nodes=n)
    x = np.arange(n, dtype=np.int64)
    last = np.ones(n, np.int64)
    last[n - 1] = -1  # only the rank owning the last node fails
    first = np.ones(n, np.int64)
    first[0] = -1  # only rank 0 fails
    lines = [
        attempt(lambda: fmpi.run(P.power_then_pull, g, x, last)),
        attempt(lambda: fmpi.run(P.power_then_pull, g, x, first, exchange="allgather")),
        attempt(lambda: fmpi.run(P.power_in_loop, g, x, last)),
        attempt(lambda: fmpi.run(P.power_last, g, x, last, gather="local")),
        attempt(lambda: fmpi.run(P.power_last, g, x, first, gather="all")),
        # every rank but the last owns no nodes (and runs no reduction of its own)
        attempt(lambda: fmpi.run(P.power_in_loop, fmpi.DistGraph.from_edges(
            src[mine], dst[mine], num_nodes=n, bounds=[0] * comm.size + [n]), x, last)),
        # the same programs without a negative exponent run
        "sum " + str(int(fmpi.run(P.power_then_pull, g, x, np.ones(n, np.int64), gather="all").sum())),
    ]
    with open(f"{out}.rank{comm.rank}.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
