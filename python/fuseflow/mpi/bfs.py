"""Distributed breadth-first search over a DistGraph (levels by hops along out-edges)."""

import numpy as np

from .. import dsl as ff
from ..jit import jit
from ._collective import same_everywhere
from .pagerank import check_gather

__all__ = ["bfs"]


@jit
def _levels(g, source):
    # Level-synchronous BFS as a graph program: a node is reached at level l + 1 when one of its
    # in-neighbours is at level l. fuseflow.mpi.run cuts it at the neighbor_agg (a halo
    # exchange of the frontier flags) and the frontier count (summed over the ranks).
    start = ff.where(ff.arange(g.num_nodes) == source, 0, -1)

    def body(carry):
        levels, _, level = carry
        reached = ff.neighbor_agg(g, levels == level, "max") & (levels < 0)
        return ff.where(reached, level + 1, levels), ff.sum(reached), level + 1
    levels, _, _ = ff.while_loop(lambda carry: carry[1] > 0, body, (start, 1, 0))
    return levels


def bfs(g, source, *, gather="root", root=0, exchange="halo"):
    """int64 levels (hops from `source` along out-edges, -1 unreachable), equal to
    ff.algorithms.bfs. Collective; `source` must be the same on every rank.

    Runs the level-synchronous program above with :func:`fuseflow.mpi.run`: per level, each
    rank receives the frontier flags of its ghosts (1 byte per ghost; exchange="allgather":
    of every node) and pulls them over its in-edges with the native neighbor_agg kernel;
    the count of newly reached nodes, summed over the ranks, ends the loop.

    Example:
        Run as ``mpiexec -n P python -m mpi4py app.py``: each rank passes its own edges and gets
        the results on rank 0 (None elsewhere). On one process (as here) the world has one rank.

        >>> import fuseflow.mpi as fmpi
        >>> g = fmpi.DistGraph.from_edges(np.array([0, 1, 2]), np.array([1, 2, 0]), num_nodes=4)
        >>> fmpi.bfs(g, 0).tolist()  # node 3 is unreachable
        [0, 1, 2, -1]
    """
    from .program import run

    check_gather(g, gather, root)
    if isinstance(source, bool) or not isinstance(source, (int, np.integer)):
        raise TypeError(f"source: must be an integer node id, got {type(source).__name__}")
    if not 0 <= source < g.num_nodes:
        raise ValueError(f"source: must be a node id in [0, {g.num_nodes}), got {source}")
    source = same_everywhere(g.comm, "source", int(source))
    return run(_levels, g, source, gather=gather, root=root, exchange=exchange)
