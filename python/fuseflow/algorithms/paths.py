import numpy as np

from .. import _core
from ._common import require_graph, require_source
from .._checks import as_int


def dfs(g, source):
    """Depth-first search from `source` along out-edges.

    Returns (preorder, parents): preorder holds the reached nodes in visiting order (int64),
    parents[v] the node v was discovered from (-1 for the source and unreached nodes).
    Neighbours are visited in the order their edges were given, so both equal NetworkX's
    dfs_preorder_nodes / dfs_predecessors on an nx.DiGraph built from the same edge list.
    """
    native = require_graph(g)
    return _core.dfs(native, require_source(g, source))


def _require_target(g, target):
    target = as_int("target", target)
    n = g.num_nodes
    if not 0 <= target < n:
        raise ValueError(f"target: must be a node id in [0, num_nodes) = [0, {n}), got {target}")
    return target


def dijkstra(g, source, target=None):
    """Lightest paths from `source` along out-edges (Dijkstra, binary heap).

    Needs non-negative weights (ValueError naming `g` otherwise; use bellman_ford). Returns
    (dist, parents): float64 distances (inf when unreached) and int64 parents on a lightest
    path (-1 for the source and unreached nodes; of equally light paths the first found). With
    `target` the search stops once target is settled; nodes not settled by then read inf / -1.
    """
    native = require_graph(g)
    source = require_source(g, source)
    target = -1 if target is None else _require_target(g, target)
    return _core.dijkstra(native, source, target)


def bellman_ford(g, source):
    """Lightest paths from `source` with negative weights allowed (queue-based Bellman-Ford).

    Returns (dist, parents) as dijkstra. A negative cycle reachable from source raises
    ValueError naming the cycle ("g: negative cycle reachable from source 0: 3 -> 5 -> 3").
    """
    native = require_graph(g)
    return _core.bellman_ford(native, require_source(g, source))


def shortest_path(g, source, target):
    """Node list of a shortest path source -> target (inclusive) along out-edges.

    Lightest by weight on a weighted graph (Dijkstra, weights >= 0), fewest hops otherwise
    (BFS). ValueError naming `target` when no path exists.
    """
    native = require_graph(g)
    source = require_source(g, source)
    target = _require_target(g, target)
    if g.has_weights:
        dist, parents = _core.dijkstra(native, source, target)
        reached = np.isfinite(dist[target])
    else:
        levels, parents = _core.bfs(native, source, True)
        reached = levels[target] >= 0
    if not reached:
        raise ValueError(f"target: node {target} is not reachable from source {source}")
    path = [target]
    while path[-1] != source:
        path.append(int(parents[path[-1]]))
    return path[::-1]
