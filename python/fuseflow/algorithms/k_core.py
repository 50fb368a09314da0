from .. import _core
from ._common import require_graph


def k_core(g):
    """Core number of each node (int64) on the undirected simple view, by bucketed peeling.

    Edge direction is ignored, parallel edges count once and self-loops are dropped; the result
    equals nx.core_number on that graph (NetworkX itself refuses graphs with self-loops).
    """
    return _core.k_core(require_graph(g))
