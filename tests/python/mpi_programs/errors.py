"""Run under mpirun: bad input on one rank must raise the same error on every rank (no hang).
Each rank writes the messages it saw to OUT_DIR/rank<r>.txt, one per line.

usage: python errors.py OUT_DIR
"""

import os
import sys

import numpy as np
from mpi4py import MPI

import fuseflow.mpi as fmpi


def attempt(fn):
    try:
        fn()
    except (ValueError, TypeError) as e:
        return f"{type(e).__name__}: {e}"
    return "no error"


def main():
    out_dir = sys.argv[1]
    comm = MPI.COMM_WORLD
    r = comm.rank
    ok_src = np.array([0, 1, 2], np.int64)
    lines = [
        # rank 1 alone passes a negative id
        attempt(lambda: fmpi.DistGraph.from_edges(np.array([0, -3 if r == 1 else 1]), np.array([1, 2]))),
        # rank 0 alone passes floats
        attempt(lambda: fmpi.DistGraph.from_edges(np.array([0.5]) if r == 0 else ok_src, ok_src)),
        # lengths differ on the last rank
        attempt(lambda: fmpi.DistGraph.from_edges(ok_src, ok_src[:2] if r == comm.size - 1 else ok_src)),
        # num_nodes too small for an id
        attempt(lambda: fmpi.DistGraph.from_edges(ok_src, ok_src, num_nodes=2)),
        # num_nodes differs between ranks
        attempt(lambda: fmpi.DistGraph.from_edges(ok_src, ok_src, num_nodes=5 + r)),
    ]
    g = fmpi.DistGraph.from_edges(ok_src, np.array([1, 2, 0], np.int64))
    lines += [
        attempt(lambda: fmpi.bfs(g, 0 if r == 0 else 1)),  # source differs between ranks
        attempt(lambda: fmpi.bfs(g, 99)),
        attempt(lambda: fmpi.pagerank(g, damping=1.5)),
        attempt(lambda: fmpi.pagerank(g, tol=-1.0)),
        attempt(lambda: fmpi.pagerank(g, gather="some")),
        attempt(lambda: fmpi.pagerank(g, root=comm.size)),
        # a partition of the caller's own: wrong length, not ending at num_nodes, differing
        attempt(lambda: fmpi.DistGraph.from_edges(ok_src, ok_src, bounds=[0, 3])),
        attempt(lambda: fmpi.DistGraph.from_edges(ok_src, ok_src, bounds=[0] * comm.size + [2])),
        attempt(lambda: fmpi.DistGraph.from_edges(ok_src, ok_src, bounds=[0] * (comm.size - 1) + [r % 2 + 1, 3])),
    ]
    # After all the errors the communicator still works: a real result.
    levels = fmpi.bfs(g, 0, gather="all")
    lines.append("levels " + " ".join(map(str, levels)))
    with open(os.path.join(out_dir, f"rank{r}.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
