from .. import _core
from .._checks import as_float, as_int
from ._common import require_graph


def louvain(g, resolution=1.0, seed=0, weights=None):
    """Louvain communities (modularity optimisation with graph contraction).

    The graph is read as undirected: each edge u -> v of weight w adds w between u and v
    (parallel edges add up; a self-loop adds 2w to A[u][u], as igraph and NetworkX count it).
    weights: None uses the graph's weights when it has them, else 1 per edge; True requires
    them; False ignores them. Weights must be >= 0.

    Returns (labels, modularity): int64 community ids 0..C-1 numbered by their smallest node,
    and the modularity of that partition at `resolution` (equal to
    nx.community.modularity(G, communities, resolution=resolution) on the undirected
    multigraph). A graph without edges gives singletons and modularity 0.0.

    Deterministic: the node visiting order is drawn from `seed`, moves are made one at a time
    and ties go to the lowest community id, so the result depends on the seed alone, never on
    the thread count. ValueError names `resolution` (must be finite and > 0), `seed` or `g`.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 0, 1, 3, 3, 4, 2], [1, 2, 2, 4, 5, 5, 3], num_nodes=6)  # two triangles joined by one edge
        >>> labels, q = ff.algorithms.louvain(g, seed=0)
        >>> labels.tolist(), round(q, 4)
        ([0, 0, 0, 1, 1, 1], 0.3571)
    """
    native = require_graph(g)
    resolution, seed, use_weights = _community_arguments(g, resolution, seed, weights)
    labels, modularity, _ = _core.louvain(native, resolution, seed, use_weights)
    return labels, float(modularity)


def _community_arguments(g, resolution, seed, weights):
    """The checks louvain and leiden share: (resolution, seed, use_weights)."""
    resolution = as_float("resolution", resolution)
    seed = as_int("seed", seed, minimum=0)
    if seed >= 2**64:
        raise ValueError(f"seed: must be < 2**64, got {seed}")
    if weights is None:
        use_weights = g.has_weights
    elif isinstance(weights, bool):
        use_weights = weights
    else:
        raise TypeError(f"weights: must be None, True or False, got {type(weights).__name__}")
    return resolution, seed, use_weights
