"""Distributed weakly connected components over a DistGraph (min-label propagation)."""

import numpy as np

from ._collective import allgatherv
from .pagerank import _result, check_gather

__all__ = ["connected_components"]


def connected_components(g, *, gather="root", root=0):
    """int64 labels, label[v] = the smallest node id in v's weakly connected component: equal to
    ff.algorithms.connected_components. Collective.

    Every edge is also stored reversed on the owner of its source (one more Alltoallv, cached on
    the graph). Each round, the labels of all nodes are exchanged with one Allgatherv and every
    node takes the smallest label among itself and its neighbours; rounds stop when no label
    changed on any rank. The number of rounds is at most the largest component's diameter + 1.
    """
    check_gather(g, gather, root)
    u = g.undirected()
    counts = u.counts()
    labels = np.arange(u.lo, u.hi, dtype=np.int64)
    nonempty = np.flatnonzero(np.diff(u.offsets) > 0)
    starts = u.offsets[:-1][nonempty]
    everyone = np.empty(u.num_nodes, np.int64)
    while True:
        allgatherv(u.comm, labels, counts, out=everyone, traffic=g.traffic, what="allgatherv components")
        new = labels.copy()
        if u.sources.shape[0]:
            smallest = np.minimum.reduceat(everyone[u.sources], starts)
            new[nonempty] = np.minimum(new[nonempty], smallest)
        changed = int(np.count_nonzero(new != labels))
        labels = new
        if u.comm.allreduce(changed) == 0:
            break
    return _result(g, labels, gather, root, np.int64)
