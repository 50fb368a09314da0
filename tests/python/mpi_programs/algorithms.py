"""Run under mpirun: builds a DistGraph from uneven parts of a test graph, runs the distributed
algorithms and saves rank 0's gathered results (plus one rank's local slice) to an .npz file.

usage: python algorithms.py KIND SEED OUT.npz
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mpi4py import MPI  # noqa: E402

import fuseflow.mpi as fmpi  # noqa: E402
from graphs import edges, part  # noqa: E402


def main():
    kind, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    comm = MPI.COMM_WORLD
    src, dst, n = edges(kind, seed)
    s, d = part(src, dst, comm.rank, comm.size, seed)
    g = fmpi.DistGraph.from_edges(s, d, num_nodes=n)
    before = g.traffic.received.get("alltoallv halo", 0)
    ranks_fixed = fmpi.pagerank(g, tol=0.0, max_iter=30)
    bytes_halo = g.traffic.received.get("alltoallv halo", 0) - before
    ranks_allgather = fmpi.pagerank(g, tol=0.0, max_iter=30, exchange="allgather")
    bytes_allgather = g.traffic.received.get("allgatherv neighbor_agg", 0)
    ranks_conv, info = fmpi.pagerank(g, tol=1e-13, max_iter=500, return_info=True)
    ranks_all = fmpi.pagerank(g, tol=0.0, max_iter=30, gather="all")
    local = fmpi.pagerank(g, tol=0.0, max_iter=30, gather="local")
    sources = [s % n for s in (0, 5, 2200, n - 1)]
    levels = [fmpi.bfs(g, s) for s in sources]
    labels = fmpi.connected_components(g)
    labels_other_root = fmpi.connected_components(g, root=comm.size - 1)
    # Every rank checks its own local slice and its "all" copy against what rank 0 gathered.
    gathered = comm.bcast(ranks_fixed, root=0)
    ok_local = bool(np.array_equal(local, gathered[g.lo:g.hi]))
    ok_all = bool(np.array_equal(ranks_all, gathered))
    oks = comm.gather((ok_local, ok_all), root=0)
    local_edges = comm.gather(g.num_local_edges, root=0)
    bytes_pr = comm.gather((bytes_halo, g.exchange_plan("in").num_ghosts, bytes_allgather), root=0)
    if comm.rank == comm.size - 1:
        comm.send(labels_other_root, dest=0)
    if comm.rank == 0:
        other = comm.recv(source=comm.size - 1)
        np.savez(out, ranks_fixed=ranks_fixed, ranks_allgather=ranks_allgather, ranks_conv=ranks_conv,
                 iterations=info.iterations,
                 converged=info.converged, levels=np.array(levels), sources=np.array(sources), labels=labels,
                 labels_other_root=other, oks=np.array(oks), bounds=g.bounds, local_edges=np.array(local_edges),
                 num_edges=g.num_edges, bytes_pagerank=np.array(bytes_pr))


if __name__ == "__main__":
    main()
