import random

import numpy as np

from .. import _core
from .._checks import as_id_array, as_int
from ._common import require_flag, require_graph


def betweenness_centrality(g, sources=None, k=None, seed=0, weights=False, normalized=True):
    """Betweenness centrality (Brandes), in parallel over sources.

    Shortest paths follow out-edges of the directed simple view, as NetworkX on nx.DiGraph(G):
    parallel edges count once (the lightest when weighted), self-loops never lie on a path,
    endpoints are not counted. For undirected betweenness build the graph with both
    directions (Graph.from_networkx does): normalized values then equal NetworkX's for the
    undirected graph, unnormalized ones are twice NetworkX's.

    - sources: node ids to run from (distinct). k: run from k nodes sampled with
      random.Random(seed).sample(range(n), k) -- the same nodes NetworkX samples for
      betweenness_centrality(G, k=k, seed=seed) when G's nodes are 0..n-1 in order. Give at
      most one of the two; neither runs from every node (exact).
    - weights=True: lightest paths by edge weight (Dijkstra); weights must be finite and > 0.
    - Rescaling is NetworkX 3.6's: exact runs divide by (n-1)(n-2) when normalized; runs from
      k sources scale source nodes by 1/((k-1)(n-2)) and the rest by 1/(k(n-2))
      (unnormalized: (n-1)/(k-1) and (n-1)/k), a source node is NaN when k == 1; no
      rescaling when n < 3.

    Returns float64 scores. ValueError names `sources`, `k` or `g` (missing or non-positive
    weights); results agree with NetworkX to rounding (the per-thread sums are added at the end).
    Shortest-path counts beyond the double range (grids and road networks: 2**1100 paths is
    common) are kept in long double for that source; OverflowError only past ~1e4932 paths.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> ff.algorithms.betweenness_centrality(g).round(4).tolist()
        [0.1667, 0.3333, 0.5, 0.0]
    """
    native = require_graph(g)
    weights = require_flag("weights", weights)
    normalized = require_flag("normalized", normalized)
    n = g.num_nodes
    if sources is not None and k is not None:
        raise ValueError("sources, k: give at most one of them")
    if k is not None:
        k = as_int("k", k)
        if not 1 <= k <= n:
            raise ValueError(f"k: must be in [1, num_nodes] = [1, {n}], got {k}")
        seed = as_int("seed", seed)
        sources = np.array(random.Random(seed).sample(range(n), k), dtype=np.int64)
    elif sources is not None:
        sources = np.ascontiguousarray(as_id_array("sources", sources), dtype=np.int64)
    return _core.betweenness_centrality(native, sources, weights, normalized)


def closeness_centrality(g, harmonic=False, wf_improved=True):
    """Closeness centrality with NetworkX semantics (hop distances), in parallel over nodes.

    Distances are measured TO each node (NetworkX reverses a directed graph): with r the
    number of nodes that reach u (u included) and S the sum of their distances to u,
    closeness(u) = (r - 1) / S, multiplied by (r - 1) / (n - 1) when wf_improved (Wasserman and
    Faust's scaling, which keeps nodes of small components from scoring high); 0 when S == 0.
    harmonic=True returns nx.harmonic_centrality instead: the sum of 1 / d(v, u) over the nodes
    v != u that reach u (wf_improved is then ignored). Returns float64 scores.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> ff.algorithms.closeness_centrality(g).round(4).tolist()
        [0.4444, 0.4444, 0.4444, 0.5]
    """
    native = require_graph(g)
    harmonic = require_flag("harmonic", harmonic)
    wf_improved = require_flag("wf_improved", wf_improved)
    return _core.closeness_centrality(native, harmonic, wf_improved)
