from .. import _core
from ._common import require_graph


def triangle_count(g):
    """Triangles through each node, on the undirected simple view of `g`.

    Follows NetworkX on nx.Graph(G): edge direction is ignored, parallel edges count once and
    self-loops are dropped. Returns (per_node, total): per_node[v] is an int64 array equal to
    nx.triangles, and total = per_node.sum() // 3 is the number of distinct triangles. Exact
    integer counts, computed in parallel (degree-ordered, sorted-list intersection).

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> per_node, total = ff.algorithms.triangle_count(g)
        >>> per_node.tolist(), total
        ([1, 1, 1, 0], 1)
    """
    per_node, total = _core.triangle_count(require_graph(g))
    return per_node, int(total)


def clustering(g):
    """Local clustering coefficient of each node (float64), as nx.clustering(nx.Graph(G)).

    c[v] = 2 T(v) / (d(v) (d(v) - 1)) on the undirected simple view (direction ignored,
    parallel edges merged, self-loops dropped); 0 for nodes of degree < 2.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> ff.algorithms.clustering(g).round(4).tolist()
        [1.0, 1.0, 0.3333, 0.0]
    """
    return _core.clustering(require_graph(g))


def transitivity(g):
    """Global transitivity 3 x triangles / connected triples, as nx.transitivity(nx.Graph(G)).

    Undirected simple view as in triangle_count; 0.0 for a graph without triangles.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> round(ff.algorithms.transitivity(g), 4)
        0.6
    """
    return float(_core.transitivity(require_graph(g)))
