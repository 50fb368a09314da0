from .. import _core
from ._common import require_graph, require_source


def bfs(g, source, return_parents=False):
    """Breadth-first search from `source` following out-edges (direction-optimising).

    Returns int64 levels (hops from source, -1 when unreachable). With return_parents=True
    returns (levels, parents): parents[v] is v's smallest-id in-neighbour one level closer to
    the source, -1 for the source and for unreachable nodes. For undirected reachability build
    the graph with edges both ways (Graph.from_networkx does this for undirected graphs).
    """
    native = require_graph(g)
    source = require_source(g, source)
    levels, parents = _core.bfs(native, source, bool(return_parents))
    return (levels, parents) if return_parents else levels
