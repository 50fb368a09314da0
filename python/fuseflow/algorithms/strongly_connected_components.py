from .. import _core
from ._common import require_graph


def strongly_connected_components(g):
    """Strongly connected components along edge directions (trim, forward-backward, Tarjan).

    Returns int64 labels: label[v] is the smallest node id in v's component, so two nodes are
    mutually reachable exactly when their labels are equal; labels do not depend on threads.
    The partition equals scipy.sparse.csgraph.connected_components(connection="strong").

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> ff.algorithms.strongly_connected_components(g).tolist()
        [0, 0, 0, 3]
    """
    return _core.strongly_connected_components(require_graph(g))
