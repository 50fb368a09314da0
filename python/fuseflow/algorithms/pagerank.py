from .. import _core
from .._checks import as_float, as_float64_array, as_int
from ._common import require_graph


def pagerank(g, damping=0.85, tol=1e-6, max_iter=100, personalization=None):
    """PageRank by power iteration (pull over in-edges, float64).

    Dangling nodes' rank is spread like the teleport: uniformly, or by `personalization`
    (non-negative, one value per node, normalised to sum 1). Stops when the L1 change of an
    iteration is <= tol; tol=0 runs exactly max_iter iterations. Edges count with their
    multiplicity; edge weights are not used. Returns float64 ranks summing to 1.

    The first call on a graph builds (and caches on it) a copy of the in-edges over nodes
    relabelled by out-degree, so the most-read ranks share cache lines: about 0.1 s and
    4 bytes per edge at 16.7M edges, repaid by ~1.5x faster iterations.
    """
    native = require_graph(g)
    damping = as_float("damping", damping)
    if not 0.0 < damping < 1.0:
        raise ValueError(f"damping: must be in the open interval (0, 1), got {damping}")
    tol = as_float("tol", tol)
    if not tol >= 0.0:
        raise ValueError(f"tol: must be >= 0 (0 runs exactly max_iter iterations), got {tol}")
    max_iter = as_int("max_iter", max_iter, minimum=0)
    p = None
    if personalization is not None:
        p = as_float64_array("personalization", personalization, length=g.num_nodes)
    rank, _iterations, _delta = _core.pagerank(native, damping, tol, max_iter, p)
    return rank
