import numpy as np

from .. import _core, _view_masks
from .bfs import _search as _bfs_search
from ._common import pending_masks, require_flag, require_graph, require_graph_type, require_source
from .._checks import as_int


def dfs(g, source):
    """Depth-first search from `source` along out-edges.

    Returns (preorder, parents): preorder holds the reached nodes in visiting order (int64),
    parents[v] the node v was discovered from (-1 for the source and unreached nodes).
    Neighbours are visited in the order their edges were given, so both equal NetworkX's
    dfs_preorder_nodes / dfs_predecessors on an nx.DiGraph built from the same edge list.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> order, parents = ff.algorithms.dfs(g, 0)
        >>> order.tolist(), parents.tolist()
        ([0, 1, 2, 3], [-1, 0, 1, 2])
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
    On a subgraph view not cut yet the search runs on the view's masks (Graph.subgraph): a
    route avoiding closed streets (an edge mask) settles only the nodes it needs.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 0, 2], [1, 2, 2, 3], num_nodes=4, weights=[1.0, 2.0, 5.0, 1.0])
        >>> dist, parents = ff.algorithms.dijkstra(g, 0)
        >>> dist.tolist(), parents.tolist()
        ([0.0, 1.0, 3.0, 4.0], [-1, 0, 1, 2])
    """
    require_graph_type(g)
    source = require_source(g, source)
    target = -1 if target is None else _require_target(g, target)
    return _dijkstra(g, source, target)


def _dijkstra(g, source, target):
    """(dist, parents) on g's arrays, or on a subgraph view's masks while they pay (no cut)."""
    masks = pending_masks(g)
    if masks is None:
        return _core.dijkstra(g._g, source, target)
    out, _ = masks.edge_positions(in_edges=False, make=False)
    dist, parents, settled = _core.dijkstra_masked(masks.over._g, masks.nodes, masks.edges, out, source, target)
    masks.charge(settled, _view_masks.SSSP_EDGE_COST)
    return dist, parents


def bellman_ford(g, source):
    """Lightest paths from `source` with negative weights allowed (queue-based Bellman-Ford).

    Returns (dist, parents) as dijkstra. A negative cycle reachable from source raises
    ValueError naming the cycle ("g: negative cycle reachable from source 0: 3 -> 5 -> 3").

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 0, 2], [1, 2, 2, 3], num_nodes=4, weights=[1.0, 2.0, 5.0, 1.0])
        >>> dist, parents = ff.algorithms.bellman_ford(g, 0)
        >>> dist.tolist(), parents.tolist()
        ([0.0, 1.0, 3.0, 4.0], [-1, 0, 1, 2])
    """
    native = require_graph(g)
    return _core.bellman_ford(native, require_source(g, source))


def shortest_path(g, source, target):
    """Node list of a shortest path source -> target (inclusive) along out-edges.

    Lightest by weight on a weighted graph (Dijkstra, weights >= 0), fewest hops otherwise
    (BFS). ValueError naming `target` when no path exists.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 0, 2], [1, 2, 2, 3], num_nodes=4, weights=[1.0, 2.0, 5.0, 1.0])
        >>> ff.algorithms.shortest_path(g, 0, 3)
        [0, 1, 2, 3]
    """
    require_graph_type(g)
    source = require_source(g, source)
    target = _require_target(g, target)
    if g.has_weights:
        dist, parents = _dijkstra(g, source, target)
        reached = np.isfinite(dist[target])
    else:
        levels, parents = _bfs_search(g, source, True)
        reached = levels[target] >= 0
    if not reached:
        raise ValueError(f"target: node {target} is not reachable from source {source}")
    path = [target]
    while path[-1] != source:
        path.append(int(parents[path[-1]]))
    return path[::-1]


def astar(g, source, target, heuristic=None, coordinates=None, check_heuristic=True):
    """A lightest path source -> target along out-edges by A* search.

    The heuristic is data, so the search runs natively:

    - ``heuristic``: float64 array, ``heuristic[v]`` a lower bound on the distance v -> target
      (finite, >= 0, and 0 at the target);
    - ``coordinates``: (num_nodes, d) float array; h(v) is the Euclidean distance from v to the
      target, a lower bound when every edge weighs at least the distance between its
      endpoints (a grid or road graph whose weights are lengths: road_grid with
      min_weight >= 1 on coordinates (row, col));
    - neither: h = 0, which is Dijkstra.

    Weights: the graph's (must be >= 0), or 1 per edge on a graph without weights.

    check_heuristic=True (default) first verifies on every edge that the heuristic is
    consistent, h(u) <= w(u, v) + h(v) (relative slack 1e-9), which with h(target) = 0 proves
    it admissible: one O(m) parallel pass, and ValueError naming `heuristic` / `coordinates`
    and the edge when it fails. check_heuristic=False skips it: the search re-expands nodes
    reached again by a lighter path, so any admissible heuristic still gives a lightest path;
    an inadmissible one may give a longer path (not an error).

    Returns (path, length): the int64 node list source .. target inclusive and its length.
    ValueError naming `target` when target is unreachable; `source`/`target` out of range;
    `g` for a negative weight; `heuristic`/`coordinates` for a wrong shape, a non-finite or
    negative entry, both given, or (checked) an inconsistent edge.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 0, 2], [1, 2, 2, 3], num_nodes=4, weights=[1.0, 2.0, 5.0, 1.0])
        >>> path, length = ff.algorithms.astar(g, 0, 3)
        >>> path.tolist(), length
        ([0, 1, 2, 3], 4.0)
    """
    native = require_graph(g)
    source = require_source(g, source)
    target = _require_target(g, target)
    check_heuristic = require_flag("check_heuristic", check_heuristic)
    n = g.num_nodes
    h = coords = None
    dim = 0
    if heuristic is not None and coordinates is not None:
        raise ValueError("heuristic, coordinates: give one of them, not both")
    if heuristic is not None:
        h = np.ascontiguousarray(heuristic, dtype=np.float64)
        if h.ndim != 1 or h.shape[0] != n:
            raise ValueError(f"heuristic: must have shape (num_nodes,) = ({n},), got {h.shape}")
    if coordinates is not None:
        c = np.ascontiguousarray(coordinates, dtype=np.float64)
        if c.ndim == 1:
            c = c.reshape(-1, 1)
        if c.ndim != 2 or c.shape[0] != n or c.shape[1] < 1:
            raise ValueError(f"coordinates: must have shape (num_nodes, d) = ({n}, d >= 1), got {c.shape}")
        dim = c.shape[1]
        coords = c.ravel()
    path, length, _ = _core.astar(native, source, target, h, coords, dim, check_heuristic)
    if not np.isfinite(length):
        raise ValueError(f"target: node {target} is not reachable from source {source}")
    return path, float(length)
