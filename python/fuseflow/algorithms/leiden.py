from .. import _core
from .._checks import as_int
from ._common import require_graph
from .louvain import _community_arguments


def leiden(g, resolution=1.0, seed=0, weights=None, iterations=2):
    """Leiden communities (Traag, Waltman & van Eck 2019): Louvain's local moving and
    contraction with a refinement phase between them, so every community is connected.

    The graph is read as louvain reads it (undirected; parallel edges add up; a self-loop adds
    2w to A[u][u]); `weights` as in louvain (None: the graph's weights when it has them).
    iterations: how many times the whole multi-level procedure runs, each from the partition
    the previous one found (igraph's n_iterations, default 2); None runs until an iteration
    moves no node (at most 1000).

    Returns (labels, modularity): int64 community ids 0..C-1 numbered by their smallest node,
    each community connected, and the modularity at `resolution` (equal to
    nx.community.modularity on the undirected multigraph). A graph without edges gives
    singletons and modularity 0.0.

    Refinement merges a node into a well-connected sub-community chosen at random with
    probability proportional to exp(gain / 0.01) (gain in units of edge weight, as igraph's
    randomness 0.01). Deterministic: every random choice comes from one stream seeded by
    `seed` and the phases run serially, so the result depends on the seed alone, never on the
    thread count. ValueError names `resolution` (finite and > 0), `seed`, `iterations` (>= 1
    or None) or `g` (weights=True without weights, a negative weight).

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 0, 1, 3, 3, 4, 2], [1, 2, 2, 4, 5, 5, 3], num_nodes=6)  # two triangles joined by one edge
        >>> labels, q = ff.algorithms.leiden(g, seed=0)
        >>> labels.tolist(), round(q, 4)
        ([0, 0, 0, 1, 1, 1], 0.3571)
    """
    native = require_graph(g)
    resolution, seed, use_weights = _community_arguments(g, resolution, seed, weights)
    if iterations is None:
        iterations = -1
    else:
        iterations = as_int("iterations", iterations, minimum=1)
        if iterations > 2**62:
            raise ValueError(f"iterations: must be <= 2**62, got {iterations}")
    labels, modularity, _ = _core.leiden(native, resolution, seed, use_weights, iterations)
    return labels, float(modularity)
