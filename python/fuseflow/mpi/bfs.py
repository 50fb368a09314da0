"""Distributed breadth-first search over a DistGraph (levels by hops along out-edges)."""

import numpy as np

from ._collective import allgatherv, same_everywhere
from .pagerank import _result, check_gather

__all__ = ["bfs"]


def bfs(g, source, *, gather="root", root=0):
    """int64 levels (hops from `source` along out-edges, -1 unreachable), equal to
    ff.algorithms.bfs. Collective; `source` must be the same on every rank.

    Level by level: each rank sends the ids of its nodes reached at the last level (the
    frontier) to every rank with one Allgatherv, then marks those of its unvisited nodes that
    have an in-edge from the frontier. The frontier ids cross the network once each (8 bytes
    per reached node to every rank); each level reads the rank's in-edges once.
    """
    check_gather(g, gather, root)
    if isinstance(source, bool) or not isinstance(source, (int, np.integer)):
        raise TypeError(f"source: must be an integer node id, got {type(source).__name__}")
    if not 0 <= source < g.num_nodes:
        raise ValueError(f"source: must be a node id in [0, {g.num_nodes}), got {source}")
    source = same_everywhere(g.comm, "source", int(source))
    levels = np.full(g.num_local_nodes, -1, np.int64)
    frontier = np.empty(0, np.int64)
    if g.lo <= source < g.hi:
        levels[source - g.lo] = 0
        frontier = np.array([source], np.int64)
    targets = g.local_targets()
    in_frontier = np.zeros(g.num_nodes, bool)
    level = 0
    while True:
        sizes = np.array(g.comm.allgather(int(frontier.shape[0])), np.int64)
        if sizes.sum() == 0:
            break
        everyone = allgatherv(g.comm, frontier, sizes, traffic=g.traffic, what="allgatherv bfs frontier")
        in_frontier[everyone] = True
        hit = in_frontier[g.sources]
        reached = np.zeros(g.num_local_nodes, bool)
        reached[targets[hit]] = True
        in_frontier[everyone] = False
        new = np.flatnonzero(reached & (levels < 0))
        level += 1
        levels[new] = level
        frontier = new + g.lo
    return _result(g, levels, gather, root, np.int64)
