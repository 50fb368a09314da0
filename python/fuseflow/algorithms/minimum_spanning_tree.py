import numpy as np

from .. import _core
from ._common import require_graph


def minimum_spanning_tree(g):
    """Minimum spanning forest of the undirected view of `g` (Kruskal).

    Edge direction is ignored and self-loops are never taken. Returns (src, dst, weights,
    edge_ids): the chosen edges as given (edge_ids index the edge list the graph was built
    from), sorted by weight with ties broken by edge index, so the forest is unique. An
    unweighted graph counts every edge as weight 1. n - (number of components) edges.
    ValueError naming `g` when a weight is NaN.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 0, 2], [1, 2, 2, 3], num_nodes=4, weights=[1.0, 2.0, 5.0, 1.0])
        >>> src, dst, weight, edge = ff.algorithms.minimum_spanning_tree(g)
        >>> sorted(zip(src.tolist(), dst.tolist(), weight.tolist()))
        [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 1.0)]
    """
    native = require_graph(g)
    ids = _core.minimum_spanning_tree(native)
    src, dst, weights = g.edges()
    weights = np.ones(len(ids)) if weights is None else np.asarray(weights)[ids]
    return src[ids], dst[ids], weights, ids
