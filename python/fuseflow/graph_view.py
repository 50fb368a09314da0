"""Graphs derived from a graph: induced subgraphs, reversed and undirected views (ff.GraphView).

A view is an ff.Graph in every respect (library algorithms, ff.jit programs, saving, pickling)
over its own compact node and edge ids, plus the maps back to the graph it was taken from:
``node_ids[i]`` is the base id of view node i and ``edge_ids[j]`` the base user edge index of
view edge j. Results of an algorithm on a view are indexed by view ids; ``node_ids`` scatters
them back (``full[view.node_ids] = result``) and ``edge_ids`` selects a base edge array for the
view (``w[view.edge_ids]``).

The view's graph is built once, when the view is made, and is a copy of the kept edges, not masks
applied inside the kernels: a view runs exactly as fast as a graph built from its edges, and is
array for array that graph. How each is made:

- subgraph: cut from the base's CSR in parallel, reading only the kept nodes' out-lists (its CSR
  is the base's, filtered: from_edges would sort its edges into the same lists), so a small
  induced subgraph of a large graph costs time in proportion to its nodes' degrees, not to the
  base. A base whose edge order is not its CSR order adds one pass over its edges when more than
  1/64 of them are kept (to rank them), and an edge mask on such a base is applied in user order
  instead, the kept edges then built as Graph.from_edges builds them (the CSR would read the
  mask at random).
- to_undirected: each node's list is its base out-list followed by its base in-edges in user
  order (one counting sort of the base's edges by target), then the CSC as in every build.
- reverse() of a graph whose edges are in source order (``src`` non-decreasing, as a file, a
  SciPy matrix or NetworkX usually gives them) copies nothing: its CSR is the graph's CSC and its
  CSC the graph's CSR, shared (only out-lists not sorted by target are copied, sorted). Other
  graphs are reversed by building from the reversed edges.
"""

import numpy as np

from . import _core
from ._checks import as_1d_array
from .graph import Graph, _build


class GraphView(Graph):
    """A graph derived from `base` by :meth:`Graph.subgraph`, :meth:`Graph.reverse` or
    :meth:`Graph.to_undirected` (and chains of them).

    Node ids are compact: view node i is base node ``node_ids[i]`` (kept nodes in increasing base
    id order). Edge order follows the base's user edge order: view edge j is base edge
    ``edge_ids[j]`` (for to_undirected, the reversed copies follow the kept edges, as in
    Graph.from_networkx). A subgraph of a graph without node labels is labelled by its base
    ids, so ``view.index_of(base_id)`` gives the view id and to_networkx keeps the base's
    names; otherwise the view keeps its base's labels.

    Example:
        >>> g = ff.Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 0])
        >>> v = g.subgraph(node_mask=[True, True, True, False])
        >>> v, v.node_ids.tolist(), v.edge_ids.tolist()
        (GraphView(num_nodes=3, num_edges=2, unweighted; subgraph of Graph(num_nodes=4, num_edges=4, unweighted)), [0, 1, 2], [0, 1])
        >>> ff.algorithms.bfs(g.reverse(), 0).tolist()  # hops along reversed edges
        [0, 3, 2, 1]
    """

    __slots__ = ("_base", "_node_ids", "_edge_ids", "_how")

    def __init__(self, _native, _labels, base, node_ids, edge_ids, how):
        super().__init__(_native, _labels)
        self._base = base
        self._node_ids = node_ids
        self._edge_ids = edge_ids
        self._how = how

    @property
    def base(self):
        """The graph (never itself a view) whose ids node_ids and edge_ids refer to.

        Example:
            >>> g = ff.Graph.from_edges([0, 1], [1, 2])
            >>> g.reverse().reverse().base is g
            True
        """
        return self._base

    @property
    def node_ids(self):
        """Base node id of each view node (int64, read-only).

        Example:
            >>> g = ff.Graph.from_edges([0, 1, 2], [1, 2, 0])
            >>> g.subgraph(node_mask=[1, 2]).node_ids.tolist()
            [1, 2]
        """
        if self._node_ids is None:  # the identity, made when first asked for
            self._node_ids = _read_only(np.arange(self.num_nodes, dtype=np.int64))
        return self._node_ids

    @property
    def edge_ids(self):
        """Base user edge index of each view edge (int64, read-only).

        Example:
            >>> g = ff.Graph.from_edges([0, 1, 2], [1, 2, 0])
            >>> g.to_undirected().edge_ids.tolist()  # each edge, then its reversed copy
            [0, 1, 2, 0, 1, 2]
        """
        if self._edge_ids is None:  # the identity, made when first asked for
            self._edge_ids = _read_only(np.arange(self.num_edges, dtype=np.int64))
        return self._edge_ids

    def __repr__(self):
        kind = "weighted" if self.has_weights else "unweighted"
        return (f"GraphView(num_nodes={self.num_nodes}, num_edges={self.num_edges}, {kind}; "
                f"{self._how} of {Graph.__repr__(self._base)})")

    def __reduce__(self):
        # The view's own graph pickles as a plain Graph (its file format); the base and the id
        # maps ride along, so an unpickled view is a view of an equal base.
        return _view_from_parts, (Graph(self._g, self._labels), self._base, self._node_ids, self._edge_ids, self._how)


def _view_from_parts(graph, base, node_ids, edge_ids, how):
    return GraphView(graph._g, graph._labels, base, node_ids, edge_ids, how)


def _read_only(arr):
    arr.flags.writeable = False
    return arr


def _selection(name, value, length, what):
    """A bool mask of `length` from a bool mask or an array of ids (any order, repeats allowed)."""
    arr = as_1d_array(name, value)
    if arr.dtype == np.bool_:
        if arr.shape[0] != length:
            raise ValueError(f"{name}: a bool mask must have one entry per {what} ({length}), got {arr.shape[0]}")
        return np.ascontiguousarray(arr)
    if arr.size == 0 and arr.dtype == np.float64:
        arr = arr.astype(np.int64)  # [] from a list: no ids
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name}: must be a bool mask or an array of {what} ids, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= length):
        bad = arr[(arr < 0) | (arr >= length)][0]
        raise ValueError(f"{name}: {what} ids must be in [0, {length}), got {bad}")
    mask = np.zeros(length, dtype=np.bool_)
    mask[arr] = True
    return mask


def _parts(g):
    """(base, node_ids, edge_ids) of g; a plain graph is its own base (None: identity maps)."""
    if isinstance(g, GraphView):
        return g._base, g._node_ids, g._edge_ids
    return g, None, None


def _compose(outer, inner):
    """outer[inner]: a chain of views maps straight back to the base (None = identity)."""
    if outer is None:
        return inner
    if inner is None:
        return outer
    return outer[inner]


def _finish(what, how, g, src, dst, w, num_nodes, node_local, edge_local, native=None):
    """The view of `g` with these edges (or the native graph made already); node_local /
    edge_local map view ids to g's ids. Identity maps stay None until asked for."""
    base, node_ids, edge_ids = _parts(g)
    if native is None:
        native = _build(what, src, dst, num_nodes, w, False)
    node_ids = _compose(node_ids, node_local)
    edge_ids = _compose(edge_ids, edge_local)
    labels = g._labels
    if node_local is not None:
        # Kept nodes take g's labels, or their base ids when the base has none.
        labels = labels[node_local] if labels is not None else node_ids.astype(object)
    how = how if not isinstance(g, GraphView) else f"{how} of {g._how}"
    return GraphView(native, labels, base, _ids(node_ids), _ids(edge_ids), how)


def _ids(ids):
    return None if ids is None else _read_only(ids.astype(np.int64, copy=False))


def _subgraph(g, node_mask=None, edge_mask=None):
    """See Graph.subgraph."""
    nodes = None if node_mask is None else _selection("node_mask", node_mask, g.num_nodes, "node")
    edges = None if edge_mask is None else _selection("edge_mask", edge_mask, g.num_edges, "edge")
    node_local = None if nodes is None else np.flatnonzero(nodes)
    if edges is not None and not g._g.user_order_is_csr:
        # The mask is in user order, the CSR in another: cutting the CSR would read the mask at
        # random once per edge (R-MAT 20: 1.1 s against 0.5 s for filtering in user order).
        return _subgraph_in_user_order(g, nodes, edges, node_local)
    native, edge_ids = _core.graph_subgraph(g._g, nodes, edges)
    edge_local = None if nodes is None and edges is None else edge_ids
    return _finish("subgraph", "subgraph", g, None, None, None, native.num_nodes, node_local, edge_local,
                   native=native)


def _subgraph_in_user_order(g, nodes, edges, node_local):
    """The kept edges filtered in user order, then built as Graph.from_edges builds."""
    src, dst, w = g.edges()
    keep = edges.copy()
    n = g.num_nodes
    if nodes is not None:
        keep &= nodes[src]
        keep &= nodes[dst]
        new_id = (np.cumsum(nodes, dtype=np.int64) - 1).astype(np.int32)  # base id -> view id (kept nodes)
        n = node_local.shape[0]
    edge_local = np.flatnonzero(keep)
    src, dst = src[edge_local], dst[edge_local]
    w = None if w is None else np.ascontiguousarray(w[edge_local])
    if nodes is not None:
        src, dst = new_id[src], new_id[dst]
    return _finish("subgraph", "subgraph", g, src, dst, w, n, node_local, edge_local)


def _reverse(g):
    """See Graph.reverse."""
    native = _core.graph_reversed(g._g)  # sharing g's arrays, when g's edges are in source order
    if native is not None:
        return _finish("reverse", "reverse", g, None, None, None, g.num_nodes, None, None, native=native)
    src, dst, w = g.edges()
    return _finish("reverse", "reverse", g, dst, src, None if w is None else np.array(w), g.num_nodes, None, None)


def _to_undirected(g):
    """See Graph.to_undirected."""
    native, edge_ids = _core.graph_undirected(g._g)
    return _finish("to_undirected", "undirected", g, None, None, None, g.num_nodes, None, edge_ids, native=native)
