from .. import _core
from ._common import require_graph, require_source


def sssp(g, source):
    """Single-source shortest path lengths from `source` following out-edges (delta-stepping).

    Needs a weighted graph with non-negative weights (ValueError otherwise). Returns float64
    distances, inf where unreachable. Of parallel edges the lightest counts; self-loops never
    shorten a path.
    """
    native = require_graph(g)
    source = require_source(g, source)
    return _core.sssp(native, source, 0.0)
