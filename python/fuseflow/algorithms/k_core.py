from .. import _core
from ._common import require_graph


def k_core(g):
    """Core number of each node (int64) on the undirected simple view, by bucketed peeling.

    Edge direction is ignored, parallel edges count once and self-loops are dropped; the result
    equals nx.core_number on that graph (NetworkX itself refuses graphs with self-loops).

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> ff.algorithms.k_core(g).tolist()
        [2, 2, 2, 1]
    """
    return _core.k_core(require_graph(g))
