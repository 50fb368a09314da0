"""Graphs derived from a graph: induced subgraphs, reversed and undirected views (ff.GraphView).

A view is an ff.Graph in every respect (library algorithms, ff.jit programs, saving, pickling)
over its own compact node and edge ids, plus the maps back to the graph it was taken from:
``node_ids[i]`` is the base id of view node i and ``edge_ids[j]`` the base user edge index of
view edge j. Results of an algorithm on a view are indexed by view ids; ``node_ids`` scatters
them back (``full[view.node_ids] = result``) and ``edge_ids`` selects a base edge array for the
view (``w[view.edge_ids]``).

A subgraph view is made from its masks alone, in O(nodes): no CSR is copied. The single-source
searches (bfs, sssp, dijkstra, shortest_path) run on the masks, inside the kernels, reading only
the edges they reach; anything else that reads the view's edges (other algorithms, ff.jit
programs, edges(), csr(), saving) first cuts the view once into its own arrays, and so do the
searches once their masked runs have cost as much as the cut would (fuseflow/_view_masks.py
states the rule). ``materialize()`` cuts at once. A cut view runs exactly as fast as a graph
built from its edges, and is array for array that graph; the masked runs give the same results.
reverse and to_undirected are built when made. How each is made:

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
from ._view_masks import PendingCut
from .graph import Graph, _build

# Graph's slots, wrapped by GraphView's properties: a view's arrays are cut when first needed and
# its labels (base ids) made when first read.
_NATIVE = Graph._g
_LABELS = Graph._labels
_BASE_IDS = object()  # _labels' placeholder: the view's labels are its base ids, not made yet


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

    __slots__ = ("_base", "_node_ids", "_edge_ids", "_how", "_pending")

    def __init__(self, _native, _labels, base, node_ids, edge_ids, how, _pending=None):
        # The labels are g's or base ids, already checked: Graph.__init__'s checks are skipped.
        _NATIVE.__set__(self, _native)
        _LABELS.__set__(self, _labels)
        self._label_index = None
        self._base = base
        self._node_ids = node_ids
        self._edge_ids = edge_ids
        self._how = how
        self._pending = _pending

    @property
    def _g(self):
        if self._pending is not None:
            self._cut()
        return _NATIVE.__get__(self)

    @_g.setter
    def _g(self, native):
        _NATIVE.__set__(self, native)

    @property
    def _labels(self):
        labels = _LABELS.__get__(self)
        if labels is _BASE_IDS:
            labels = self.node_ids.astype(object)
            _LABELS.__set__(self, labels)
        return labels

    @_labels.setter
    def _labels(self, labels):
        _LABELS.__set__(self, labels)

    def _cut(self):
        pending = self._pending
        with pending.lock:
            if self._pending is None:  # another thread cut it meanwhile
                return
            native, edge_local = _cut(pending.over, pending.nodes, pending.edges)
            self._edge_ids = _ids(_compose(_parts(pending.over)[2], edge_local))
            _NATIVE.__set__(self, native)
            self._pending = None

    def materialize(self):
        """Cuts the view's own arrays now (a subgraph view's CSR and CSC); returns the view.

        Algorithms cut a view when they need its arrays (bfs, sssp, dijkstra and shortest_path
        run on its masks until cutting pays), so this is only for choosing the moment, e.g. before timing a loop.

        Example:
            >>> v = ff.Graph.from_edges([0, 1, 2], [1, 2, 0]).subgraph(node_mask=[0, 1])
            >>> v.materialized, v.materialize().materialized
            (False, True)
        """
        self._g  # noqa: B018 (the property cuts)
        return self

    @property
    def materialized(self):
        """Whether the view holds its own arrays (a subgraph view is made from its masks alone).

        Example:
            >>> ff.Graph.from_edges([0, 1], [1, 0]).reverse().materialized
            True
        """
        return self._pending is None

    @property
    def num_nodes(self):
        """Number of nodes (known without cutting the view).

        Example:
            >>> ff.Graph.from_edges([0, 1], [1, 2]).subgraph(node_mask=[0, 2]).num_nodes
            2
        """
        pending = self._pending
        return pending.num_nodes if pending is not None else _NATIVE.__get__(self).num_nodes

    @property
    def num_edges(self):
        """Number of edges (counted over the masks, once, without cutting the view).

        Example:
            >>> ff.Graph.from_edges([0, 1], [1, 2]).subgraph(node_mask=[0, 1]).num_edges
            1
        """
        pending = self._pending
        return pending.size()[1] if pending is not None else _NATIVE.__get__(self).num_edges

    @property
    def has_weights(self):
        """Whether the view's edges carry weights: the base's, if any edge is kept (as from_edges).

        Example:
            >>> ff.Graph.from_edges([0], [1], weights=[2.0]).subgraph(edge_mask=[False]).has_weights
            False
        """
        pending = self._pending
        if pending is not None:
            return pending.over.has_weights and pending.has_edge()
        return _NATIVE.__get__(self).has_weights

    def memory_bytes(self):
        """Bytes held by the view's arrays; until a subgraph view is cut, by its masks.

        Example:
            >>> ff.Graph.from_edges([0, 1], [1, 2]).subgraph(node_mask=[True, True, False]).memory_bytes()
            3
        """
        pending = self._pending
        if pending is not None:
            return pending.nbytes()
        return Graph.memory_bytes(self)

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
        if self._pending is not None:
            self._cut()
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
        native = self._g  # cuts a pending view (its parts are then complete)
        return _view_from_parts, (Graph(native, self._labels), self._base, self._node_ids, self._edge_ids, self._how)


def _view_from_parts(graph, base, node_ids, edge_ids, how):
    return GraphView(graph._g, graph._labels, base, node_ids, edge_ids, how)


def _read_only(arr):
    arr.flags.writeable = False
    return arr


def _selection(name, value, length, what):
    """A bool mask of `length` from a bool mask or an array of ids (any order, repeats allowed);
    always a new array: a view holds its masks until it is cut, and the caller may reuse theirs."""
    arr = as_1d_array(name, value)
    if arr.dtype == np.bool_:
        if arr.shape[0] != length:
            raise ValueError(f"{name}: a bool mask must have one entry per {what} ({length}), got {arr.shape[0]}")
        return np.array(arr, dtype=np.bool_)
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
    return GraphView(native, _view_labels(g, node_local), base, _ids(node_ids), _ids(edge_ids), _how(how, g))


def _view_labels(g, node_local):
    """Kept nodes take g's labels, or their base ids (made when first read) when the base has none."""
    if node_local is None:
        return g._labels
    return _BASE_IDS if g._labels is None else g._labels[node_local]


def _how(how, g):
    return how if not isinstance(g, GraphView) else f"{how} of {g._how}"


def _ids(ids):
    return None if ids is None else _read_only(ids.astype(np.int64, copy=False))


def _subgraph(g, node_mask=None, edge_mask=None):
    """See Graph.subgraph: a view of g's masks, cut when first needed (GraphView._cut)."""
    nodes = None if node_mask is None else _selection("node_mask", node_mask, g.num_nodes, "node")
    edges = None if edge_mask is None else _selection("edge_mask", edge_mask, g.num_edges, "edge")
    local = None if nodes is None else np.flatnonzero(nodes)  # kept ids, in the graph the masks are over
    over = g
    pending = g._pending if isinstance(g, GraphView) else None
    if pending is not None and edges is None:
        # A node subset of a view still in masks: the same masks over the same graph, fewer nodes.
        over = pending.over
        if nodes is None:
            nodes, local = pending.nodes, pending.local
        else:
            local = local if pending.local is None else pending.local[local]
            nodes = np.zeros(over.num_nodes, dtype=np.bool_)
            nodes[local] = True
        edges = pending.edges
    base, node_ids, _ = _parts(over)
    return GraphView(None, _view_labels(over, local), base, _ids(_compose(node_ids, local)), None,
                     _how("subgraph", over), _pending=PendingCut(over, nodes, edges, local))


def _cut(g, nodes, edges):
    """(native graph, g's user edge index of each kept edge or None) of g's induced subgraph."""
    if edges is not None and not g._g.user_order_is_csr:
        # The mask is in user order, the CSR in another: cutting the CSR would read the mask at
        # random once per edge (R-MAT 20: 1.1 s against 0.5 s for filtering in user order).
        return _cut_in_user_order(g, nodes, edges)
    native, edge_ids = _core.graph_subgraph(g._g, nodes, edges)
    return native, (None if nodes is None and edges is None else edge_ids)


def _cut_in_user_order(g, nodes, edges):
    """The kept edges filtered in user order, then built as Graph.from_edges builds."""
    src, dst, w = g.edges()
    keep = edges.copy()
    n = g.num_nodes
    if nodes is not None:
        keep &= nodes[src]
        keep &= nodes[dst]
        new_id = (np.cumsum(nodes, dtype=np.int64) - 1).astype(np.int32)  # g's id -> view id (kept nodes)
        n = int(np.count_nonzero(nodes))
    edge_local = np.flatnonzero(keep)
    src, dst = src[edge_local], dst[edge_local]
    w = None if w is None else np.ascontiguousarray(w[edge_local])
    if nodes is not None:
        src, dst = new_id[src], new_id[dst]
    return _build("subgraph", src, dst, n, w, False), edge_local


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
