import time

import numpy as np

from .. import _core
from .._progress import NativeProgress, Stage, check_progress, log_call
from ._common import pending_masks, require_graph_type, require_source

_STAGES = {0: Stage("nodes reached", "node")}


def bfs(g, source, return_parents=False, *, progress=False):
    """Breadth-first search from `source` following out-edges (direction-optimising).

    Returns int64 levels (hops from source, -1 when unreachable). With return_parents=True
    returns (levels, parents): parents[v] is v's smallest-id in-neighbour one level closer to
    the source, -1 for the source and for unreachable nodes. For undirected reachability build
    the graph with edges both ways (Graph.from_networkx does this for undirected graphs).
    On a subgraph view not cut yet the search runs on the view's masks (Graph.subgraph).

    progress=True shows a tqdm bar on stderr (nodes reached out of num_nodes, once per level);
    every call logs one INFO record on the "fuseflow" logger (nodes, edges, reached, depth).

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 1], [1, 2, 3], num_nodes=5)
        >>> ff.algorithms.bfs(g, 0).tolist()
        [0, 1, 2, 2, -1]
    """
    require_graph_type(g)
    source = require_source(g, source)
    progress = check_progress(progress)
    started = time.perf_counter()
    with NativeProgress(progress, "bfs", _STAGES) as counter:
        levels, parents = _search(g, source, bool(return_parents), counter)
    log_call("bfs", started, nodes=g.num_nodes, edges=lambda: g.num_edges, source=source,
             reached=lambda: int(np.count_nonzero(levels >= 0)), depth=lambda: int(levels.max()))
    return (levels, parents) if return_parents else levels


def _search(g, source, return_parents, counter=None):
    """(levels, parents or None) on g's arrays, or on a subgraph view's masks inside the kernel
    while they pay (no cut); no checks, no log record (shortest_path's search too)."""
    masks = pending_masks(g)
    if masks is None:
        return _core.bfs(g._g, source, return_parents, counter)
    out, in_ = masks.edge_positions(in_edges=True)  # bottom-up steps and parents read in-edges
    levels, parents, reached = _core.bfs_masked(masks.over._g, masks.nodes, masks.edges, out, in_, source,
                                                return_parents, counter)
    masks.charge(reached)
    return levels, parents
