"""Distributed weakly connected components over a DistGraph (min-label propagation)."""

from .. import dsl as ff
from ..jit import jit
from .pagerank import check_gather

__all__ = ["connected_components"]


@jit
def _min_labels(g, max_rounds):
    # Every node takes the smallest label among itself and its in- and out-neighbours until no
    # label changes; labels start as the node ids, so each ends as its component's smallest id.
    def step(labels):
        return ff.minimum(labels, ff.neighbor_agg(g, labels, "min", direction="both"))
    return ff.converge(step, ff.arange(g.num_nodes), tol=0, max_iter=max_rounds)


def connected_components(g, *, gather="root", root=0, exchange="halo"):
    """int64 labels, label[v] = the smallest node id in v's weakly connected component: equal to
    ff.algorithms.connected_components. Collective.

    Runs the min-label program above with :func:`fuseflow.mpi.run`: every edge is also stored
    reversed on the owner of its source (one Alltoallv, cached on the graph); per round each
    rank receives its ghosts' labels (8 bytes each; exchange="allgather": every node's) and
    takes the minimum over both neighbour lists with the native neighbor_agg kernel; rounds stop
    when no label changed on any rank (at most the largest component's diameter + 1 rounds).

    Example:
        Run as ``mpiexec -n P python -m mpi4py app.py``: each rank passes its own edges and gets
        the results on rank 0 (None elsewhere). On one process (as here) the world has one rank.

        >>> import fuseflow.mpi as fmpi
        >>> g = fmpi.DistGraph.from_edges(np.array([0, 2, 4]), np.array([1, 3, 3]), num_nodes=6)
        >>> fmpi.connected_components(g).tolist()
        [0, 0, 2, 2, 2, 5]
    """
    from .program import run

    check_gather(g, gather, root)
    return run(_min_labels, g, g.num_nodes + 1, gather=gather, root=root, exchange=exchange)
