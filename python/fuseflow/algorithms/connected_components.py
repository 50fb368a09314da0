from .. import _core
from ._common import require_graph


def connected_components(g):
    """Weakly connected components (edge direction ignored), computed natively in parallel.

    Returns int64 labels: label[v] is the smallest node id in v's component, so two nodes are
    connected exactly when their labels are equal and the labels do not depend on threads.
    """
    return _core.connected_components(require_graph(g))
