from .. import _core
from ._common import require_graph


def strongly_connected_components(g):
    """Strongly connected components along edge directions (trim, forward-backward, Tarjan).

    Returns int64 labels: label[v] is the smallest node id in v's component, so two nodes are
    mutually reachable exactly when their labels are equal; labels do not depend on threads.
    The partition equals scipy.sparse.csgraph.connected_components(connection="strong").
    """
    return _core.strongly_connected_components(require_graph(g))
