"""ff.Graph: an immutable directed multigraph (CSR out-edges + CSC in-edges), built once."""

import os
import sys
import tempfile
import time

import numpy as np

from . import _core
from ._checks import as_existing_file, as_float64_array, as_fs_path, as_id_array, as_int
from ._progress import NativeProgress, Stage, check_progress, log_call

# Stage numbers as the native loaders report them: 0 parses text (bytes), 1 builds the CSR and
# CSC (two counting sorts, each reading every edge twice: 4 counter units per edge).
LOADER_STAGES = {0: Stage("parse", "B"), 1: Stage("build", "edge", per=4)}


class Graph:
    """A directed multigraph over nodes 0..num_nodes-1.

    Build with :meth:`from_edges`, :meth:`from_scipy` or :meth:`from_networkx`. Parallel edges
    are kept (an edge listed twice counts twice). Degree arrays are read-only views.

    Edge order, one rule everywhere: every length-E array you pass (``neighbor_agg`` weights) or
    get back (:meth:`edges`, ``g.edge_src(x)`` / ``g.edge_dst(x)`` inside ``ff.jit``) is in *user
    edge order*: edge i is the i-th edge you gave to :meth:`from_edges` (from_pandas: row i;
    from_scipy: entry i of ``matrix.tocoo()``; from_networkx: ``G.edges()`` order, then the
    reversed copies of an undirected graph's edges; read_edgelist/read_matrix_market: the i-th
    edge line). The graph stores its edges sorted by source (CSR) and keeps the map from that
    order to yours; :meth:`csr` and :meth:`csc` expose the internal orders. A graph saved with
    :meth:`save` keeps its user order; a file written before this rule (version 1) has its CSR
    order as user order. Edges given sorted by source need no map (the fast path).

    Node labels: :meth:`from_networkx` and :meth:`from_pandas` keep the caller's node names
    (any hashable: strings, tuples, non-contiguous integers) as :attr:`node_labels`, node i
    being ``node_labels[i]``; :meth:`index_of` maps labels back to node ids. Graphs built from
    integer ids have ``node_labels = None`` (node i is called i).

    A Graph is immutable: ``copy.copy``/``copy.deepcopy`` return the graph itself, and it pickles
    through its binary file format (:meth:`save`), labels included, so it can be sent to a
    multiprocessing pool or a Dask worker.
    """

    __slots__ = ("_g", "_labels", "_label_index", "__weakref__")

    def __init__(self, _native, _labels=None):
        if not isinstance(_native, _core.Graph):
            raise TypeError("use Graph.from_edges, Graph.from_scipy or Graph.from_networkx to build a Graph")
        self._g = _native
        self._labels = None if _labels is None else _as_label_array(_labels, _native.num_nodes)
        self._label_index = None

    @classmethod
    def from_edges(cls, src, dst, num_nodes=None, weights=None, *, progress=False):
        """Edges src[i] -> dst[i]; int32 or int64 ids, read without copying.

        Ids must be in [0, 2**31 - 1) (ValueError naming src or dst otherwise); num_nodes=None
        means max id + 1. weights (float64, length E, no NaN) are in the same order as src/dst.
        A graph whose arrays would not fit in this machine's memory raises MemoryError naming
        its size before allocating; Ctrl-C interrupts a long build (KeyboardInterrupt).

        progress=True shows a tqdm bar on stderr (edges sorted into CSR and CSC); every call logs
        one INFO record on the "fuseflow" logger.

        Example:
            >>> import fuseflow as ff
            >>> g = ff.Graph.from_edges([0, 1, 2], [1, 2, 0])
            >>> g
            Graph(num_nodes=3, num_edges=3, unweighted)
        """
        src = as_id_array("src", src)
        dst = as_id_array("dst", dst)
        if src.dtype != dst.dtype:
            # Mixed widths: widen the narrower one (a copy only in this rare case).
            src, dst = src.astype(np.int64, copy=False), dst.astype(np.int64, copy=False)
        if src.shape[0] != dst.shape[0]:
            raise ValueError(f"dst: src and dst must have the same length, got {src.shape[0]} and {dst.shape[0]}")
        n = -1 if num_nodes is None else as_int("num_nodes", num_nodes, minimum=0)
        w = None if weights is None else as_float64_array("weights", weights, length=src.shape[0])
        return cls(_build("from_edges", src, dst, n, w, check_progress(progress)))

    @classmethod
    def from_scipy(cls, matrix, *, progress=False):
        """Entry (i, j) of a square SciPy sparse matrix is an edge i -> j weighted by its value.

        progress=True shows a tqdm bar on stderr (edges sorted into CSR and CSC); every call logs
        one INFO record on the "fuseflow" logger.

        Example:
            >>> import fuseflow as ff, scipy.sparse as sp
            >>> g = ff.Graph.from_scipy(sp.csr_array([[0.0, 2.0], [0.5, 0.0]]))
            >>> g.edges()[2].tolist()
            [2.0, 0.5]
        """
        import scipy.sparse as sp

        progress = check_progress(progress)
        if not sp.issparse(matrix):
            raise TypeError(f"matrix: must be a scipy.sparse matrix or array, got {type(matrix).__name__}")
        if matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"matrix: must be square (nodes x nodes), got shape {matrix.shape}")
        coo = matrix.tocoo()
        src = as_id_array("matrix", coo.row.astype(np.int64, copy=False))
        dst = as_id_array("matrix", coo.col.astype(np.int64, copy=False))
        w = as_float64_array("matrix", coo.data, length=src.shape[0])
        return cls(_build("from_scipy", src, dst, as_int("matrix", matrix.shape[0], minimum=0), w, progress))

    @classmethod
    def from_networkx(cls, G, weight="weight", *, progress=False):
        """Nodes are numbered 0..n-1 in G's node order; G's nodes become :attr:`node_labels`.

        Undirected edges go both ways. If any edge carries the `weight` attribute the graph is
        weighted (missing values = 1). ``g.index_of(node)`` gives a node's id.

        progress=True shows tqdm bars on stderr (G's edges read, then sorted into CSR and CSC):
        reading a NetworkX graph runs in Python, edge by edge, and is usually the longer part.

        Example:
            >>> import fuseflow as ff, networkx as nx
            >>> g = ff.Graph.from_networkx(nx.path_graph(["a", "b", "c"]))
            >>> g.num_edges, g.index_of("c")
            (4, 2)
        """
        progress = check_progress(progress)
        n = G.number_of_nodes()
        index = {node: i for i, node in enumerate(G.nodes())}
        edges = G.edges(data=True)
        if progress:
            from tqdm.auto import tqdm

            edges = tqdm(edges, total=G.number_of_edges(), desc="from_networkx: read", unit="edge",
                         file=sys.stderr, dynamic_ncols=True)
        edges = list(edges)
        src = np.fromiter((index[u] for u, _, _ in edges), dtype=np.int64, count=len(edges))
        dst = np.fromiter((index[v] for _, v, _ in edges), dtype=np.int64, count=len(edges))
        weighted = weight is not None and any(weight in d for _, _, d in edges)
        w = np.fromiter((d.get(weight, 1.0) for _, _, d in edges), dtype=np.float64, count=len(edges)) if weighted else None
        if not G.is_directed():
            loops = src == dst  # a self-loop is one edge, not two
            src, dst = np.concatenate([src, dst[~loops]]), np.concatenate([dst, src[~loops]])
            if w is not None:
                w = np.concatenate([w, w[~loops]])
        return cls(_build("from_networkx", src, dst, n, w, progress), list(G.nodes()))

    @classmethod
    def from_pandas(cls, df, source="src", target="dst", weight=None, num_nodes=None, *, progress=False):
        """Edges from DataFrame columns `source` -> `target`, weighted by column `weight` if given.

        Integer id columns are node ids (non-negative, read without copying when already
        int32/int64; ``node_labels`` is None). Any other id columns (strings, objects, floats,
        categoricals) are node labels: nodes are numbered in order of first appearance, source
        column first then target column, and the labels are kept as :attr:`node_labels`
        (num_nodes must then be None). Missing values are a ValueError in any id column.

        progress=True shows a tqdm bar on stderr (edges sorted into CSR and CSC); every call logs
        one INFO record on the "fuseflow" logger.

        Example:
            >>> import fuseflow as ff, pandas as pd
            >>> df = pd.DataFrame({"src": ["x", "y"], "dst": ["y", "z"], "w": [1.5, 2.5]})
            >>> g = ff.Graph.from_pandas(df, weight="w")
            >>> g.node_labels.tolist(), g.edges()[1].tolist()
            (['x', 'y', 'z'], [1, 2])
        """
        import pandas as pd

        progress = check_progress(progress)
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"df: must be a pandas.DataFrame, got {type(df).__name__}")
        columns = {}
        for name, column in (("source", source), ("target", target), ("weight", weight)):
            if column is None and name == "weight":
                continue
            if column not in df.columns:
                raise ValueError(f"{name}: column {column!r} is not in the DataFrame (columns: {list(df.columns)})")
            series = df[column]
            if series.isna().any():
                raise ValueError(f"{name}: column {column!r} has missing values")
            columns[name] = series
        labels = None
        integer_ids = all(pd.api.types.is_integer_dtype(columns[name].dtype) for name in ("source", "target"))
        if integer_ids:
            ids = []
            for name in ("source", "target"):
                arr = columns[name].to_numpy()
                if arr.dtype not in (np.int32, np.int64):
                    # Other integer widths (and nullable Int64 without NAs) widen to int64.
                    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
                        raise ValueError(f"{name}: node ids must be < 2**31 - 1")
                    arr = arr.astype(np.int64)
                ids.append(arr)
        else:
            if num_nodes is not None:
                raise ValueError("num_nodes: must be None when the id columns hold labels (the labels define the nodes)")
            both = pd.concat([columns["source"], columns["target"]], ignore_index=True)
            codes, uniques = pd.factorize(both, sort=False)
            e = len(columns["source"])
            ids = [codes[:e].astype(np.int64, copy=False), codes[e:].astype(np.int64, copy=False)]
            labels = list(uniques)
        w = None
        if "weight" in columns:
            series = columns["weight"]
            if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
                raise TypeError(f"weight: column {weight!r} must be numeric, got dtype {series.dtype}")
            w = series.to_numpy(dtype=np.float64)
        src, dst = as_id_array("source", ids[0]), as_id_array("target", ids[1])
        if src.dtype != dst.dtype:
            src, dst = src.astype(np.int64, copy=False), dst.astype(np.int64, copy=False)
        if labels is None:
            n = -1 if num_nodes is None else as_int("num_nodes", num_nodes, minimum=0)
            return cls(_build("from_pandas", src, dst, n, w, progress))
        return cls(_build("from_pandas", src, dst, len(labels), w, progress), labels)

    @classmethod
    def load(cls, path):
        """A graph written by :meth:`save` (path: str, bytes or os.PathLike, any encoding).

        ValueError naming the path when the file is truncated, corrupted (checksums), or
        structurally inconsistent even with valid checksums: offsets not rising from 0 to E, ids
        out of range, a CSC whose in-degrees, source order (ascending per node) or multiset of
        (source, target, weight) edges differ from the CSR's, an edge order that is not a
        permutation. Sizes in the header are checked against the file size before anything
        is allocated. The file is read, not mapped: truncation meanwhile is a ValueError.

        Example:
            >>> import fuseflow as ff, os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "g.ffg")
            >>> ff.Graph.from_edges([0, 1], [1, 2]).save(path)
            >>> ff.Graph.load(path)
            Graph(num_nodes=3, num_edges=2, unweighted)
        """

        return cls(_core.load_graph(as_existing_file(path)))

    def save(self, path):
        """Writes a binary file (header with counts and checksums, CSR and CSC, edge order).

        Atomic: the data goes to a temporary file in the same directory, is flushed to disk and
        then renamed over `path`, so a failed save (disk full, Ctrl-C) raises ValueError and
        leaves any previous file at `path` unchanged. path: str, bytes or os.PathLike; an
        existing path must be a regular file (ValueError for a directory or device).

        Example:
            >>> import fuseflow as ff, os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "g.ffg")
            >>> ff.Graph.from_edges([0, 1], [1, 2], weights=[0.5, 1.5]).save(path)
            >>> ff.Graph.load(path).edges()[2].tolist()
            [0.5, 1.5]
        """

        _core.save_graph(self._g, as_fs_path(path))

    @property
    def num_nodes(self):
        """Number of nodes (ids 0..num_nodes-1).

        Example:
            >>> ff.Graph.from_edges([0, 1], [1, 2], num_nodes=5).num_nodes
            5
        """
        return self._g.num_nodes

    @property
    def num_edges(self):
        """Number of edges, parallel edges included.

        Example:
            >>> ff.Graph.from_edges([0, 0], [1, 1]).num_edges  # parallel edges count
            2
        """
        return self._g.num_edges

    @property
    def has_weights(self):
        """Whether the graph was built with edge weights.

        Example:
            >>> ff.Graph.from_edges([0], [1], weights=[2.0]).has_weights
            True
        """
        return self._g.has_weights

    def out_degree(self):
        """Out-degree per node (int64, read-only view owned by the graph).

        Example:
            >>> ff.Graph.from_edges([0, 0, 1], [1, 2, 2]).out_degree().tolist()
            [2, 1, 0]
        """
        return self._g.out_degree()

    def in_degree(self):
        """In-degree per node (int64, read-only view owned by the graph).

        Example:
            >>> ff.Graph.from_edges([0, 0, 1], [1, 2, 2]).in_degree().tolist()
            [0, 1, 2]
        """
        return self._g.in_degree()

    def edges(self):
        """(src, dst, weights or None) in user edge order: the edges as given to from_edges.

        src and dst are new int32 arrays; weights is a read-only float64 view owned by the graph.
        ``Graph.from_edges(*g.edges()[:2], weights=g.edges()[2])`` rebuilds the same graph.

        Example:
            >>> src, dst, w = ff.Graph.from_edges([2, 0], [0, 1]).edges()
            >>> src.tolist(), dst.tolist(), w
            ([2, 0], [0, 1], None)
        """
        src, dst = self._g.user_order_edges()
        return src, dst, (self._g.user_order_weights() if self.has_weights else None)

    def csr(self):
        """(offsets int64[n+1], targets int32[E], weights float64[E] or None): out-edges, in the
        internal CSR order (not user edge order unless edges were given sorted by source).

        Example:
            >>> offsets, targets, w = ff.Graph.from_edges([2, 0], [0, 1]).csr()
            >>> offsets.tolist(), targets.tolist()
            ([0, 1, 1, 2], [1, 0])
        """
        return self._g.out_offsets(), self._g.out_targets(), (self._g.out_weights() if self.has_weights else None)

    def csc(self):
        """(offsets int64[n+1], sources int32[E], weights float64[E] or None): in-edges, in the
        internal CSC order.

        Example:
            >>> offsets, sources, w = ff.Graph.from_edges([2, 0], [0, 1]).csc()
            >>> offsets.tolist(), sources.tolist()
            ([0, 1, 2, 2], [2, 0])
        """
        return self._g.in_offsets(), self._g.in_sources(), (self._g.in_weights() if self.has_weights else None)

    def memory_bytes(self):
        """Bytes held by the graph's arrays (CSR, CSC, degrees, edge order).

        Example:
            >>> ff.Graph.from_edges([0, 1], [1, 2]).memory_bytes() > 0
            True
        """
        return self._g.memory_bytes()

    def __repr__(self):
        kind = "weighted" if self.has_weights else "unweighted"
        return f"Graph(num_nodes={self.num_nodes}, num_edges={self.num_edges}, {kind})"

    # -- views -----------------------------------------------------------------------------------

    def subgraph(self, node_mask=None, edge_mask=None):
        """The subgraph induced by the kept nodes, restricted to the kept edges (a GraphView).

        node_mask: a bool array with one entry per node, or an array of node ids; edge_mask: a
        bool array per edge in user edge order, or an array of edge indices. An edge is kept
        when it is selected and both its ends are. The view numbers its nodes 0..k-1 in base id
        order (``view.node_ids`` maps back) and keeps the base's edge order (``view.edge_ids``),
        so algorithms on it equal those on the induced subgraph, as NetworkX's ``G.subgraph``.
        The view is made from the masks alone (no CSR copied): ``ff.algorithms.bfs``,
        ``sssp``, ``dijkstra`` and ``shortest_path`` run on the masks inside the kernels,
        reading only the edges they reach. Anything else that reads its edges cuts it first,
        once, from this graph's CSR (reading only the kept nodes' out-lists, so a small subgraph
        costs time in proportion to its nodes' degrees), and so do those searches once their
        masked runs have cost as much as the cut; ``view.materialize()`` cuts at once. A
        subgraph of a view not cut yet, by nodes only, combines the masks.

        Example:
            >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], weights=[1.0, 2.0, 3.0, 4.0])
            >>> v = g.subgraph(node_mask=[0, 1, 2], edge_mask=[True, True, False, True])
            >>> v.edges()[2].tolist(), v.edge_ids.tolist()
            ([1.0, 2.0], [0, 1])
        """
        from .graph_view import _subgraph

        return _subgraph(self, node_mask, edge_mask)

    def reverse(self):
        """Every edge u -> v as v -> u (a GraphView; same nodes, edge order and weights).

        When this graph's edges are in source order (``src`` non-decreasing), the view reads this
        graph's arrays (its CSR is this CSC, its CSC this CSR) instead of copying them: it is made
        in one pass over the targets and holds at most the out-lists that are not sorted by
        target, re-sorted. Either way it equals the graph built from the reversed edges.

        Example:
            >>> ff.Graph.from_edges([0, 1], [1, 2]).reverse().edges()[0].tolist()
            [1, 2]
        """
        from .graph_view import _reverse

        return _reverse(self)

    def to_undirected(self):
        """Every edge in both directions (a GraphView), as Graph.from_networkx reads an undirected
        graph: edge u -> v (u != v) gains a copy v -> u with its weight, appended after the
        edges in the same order; a self-loop stays one edge. Parallel edges stay parallel.

        Example:
            >>> ff.Graph.from_edges([0, 1], [1, 1]).to_undirected().edges()[:2]
            (array([0, 1, 1], dtype=int32), array([1, 1, 0], dtype=int32))
        """
        from .graph_view import _to_undirected

        return _to_undirected(self)

    # -- node labels ---------------------------------------------------------------------------

    @property
    def node_labels(self):
        """The caller's node names (object array, node i is ``node_labels[i]``) or None.

        Example:
            >>> import networkx as nx
            >>> ff.Graph.from_networkx(nx.Graph([("u", "v")])).node_labels.tolist()
            ['u', 'v']
        """
        return self._labels

    def index_of(self, labels):
        """Node id(s) of `labels`: one label -> int, a list/array of labels -> int64 array.

        Without node labels, labels are the ids themselves (checked to be in [0, num_nodes)).
        KeyError naming the first label that is not a node of this graph.

        Example:
            >>> import networkx as nx
            >>> g = ff.Graph.from_networkx(nx.Graph([("u", "v"), ("v", "w")]))
            >>> g.index_of("w"), g.index_of(["v", "u"]).tolist()
            (2, [1, 0])
        """
        single = not isinstance(labels, (list, tuple, np.ndarray)) or (
            self._labels is not None and isinstance(labels, tuple) and self._is_label(labels))
        items = [labels] if single else list(labels)
        if self._labels is None:
            out = np.empty(len(items), dtype=np.int64)
            for i, item in enumerate(items):
                if isinstance(item, (bool, np.bool_)) or not isinstance(item, (int, np.integer)) \
                        or not 0 <= item < self.num_nodes:
                    raise KeyError(f"labels: {item!r} is not a node of this graph (ids are 0..{self.num_nodes - 1})")
                out[i] = item
        else:
            index = self._labels_to_ids()
            out = np.empty(len(items), dtype=np.int64)
            for i, item in enumerate(items):
                try:
                    out[i] = index[item]
                except (KeyError, TypeError):
                    raise KeyError(f"labels: {item!r} is not a node of this graph") from None
        return int(out[0]) if single else out

    def _is_label(self, value):
        try:
            return value in self._labels_to_ids()
        except TypeError:
            return False

    def _labels_to_ids(self):
        if self._label_index is None:
            self._label_index = {label: i for i, label in enumerate(self._labels)}
        return self._label_index

    # -- interchange ---------------------------------------------------------------------------

    def to_scipy(self, format="csr"):
        """The adjacency as a SciPy sparse array (``csr_array``/``csc_array``/``coo_array``).

        Entry (i, j) holds the weight of edge i -> j (1.0 when unweighted). Parallel edges stay
        separate (duplicate) entries, which SciPy sums in arithmetic and ``sum_duplicates``;
        ``Graph.from_scipy(g.to_scipy())`` rebuilds the same edges (weighted). The arrays are
        copies: the graph stays immutable.

        Example:
            >>> m = ff.Graph.from_edges([0, 1], [1, 0], weights=[2.0, 3.0]).to_scipy()
            >>> m.toarray().tolist()
            [[0.0, 2.0], [3.0, 0.0]]
        """
        import scipy.sparse as sp

        if format not in ("csr", "csc", "coo"):
            raise ValueError(f"format: must be \"csr\", \"csc\" or \"coo\", got {format!r}")
        n = self.num_nodes
        shape = (n, n)
        if format == "coo":
            src, dst, w = self.edges()
            data = np.ones(len(src)) if w is None else np.array(w)
            return sp.coo_array((data, (src.astype(np.int64), dst.astype(np.int64))), shape=shape)
        offsets, neighbours, w = self.csr() if format == "csr" else self.csc()
        data = np.ones(len(neighbours)) if w is None else np.array(w)
        build = sp.csr_array if format == "csr" else sp.csc_array
        return build((data, np.array(neighbours), np.array(offsets)), shape=shape)

    def to_networkx(self, multigraph=None, weight="weight"):
        """A NetworkX directed graph with the same nodes (labels if any) and edges (user order).

        multigraph=None picks ``MultiDiGraph`` when the graph has parallel edges (so none is
        lost) and ``DiGraph`` otherwise; True/False force the class (False collapses parallel
        edges, the last one's weight winning, as NetworkX does). Weights go to the edge
        attribute `weight`.

        Example:
            >>> G = ff.Graph.from_edges([0, 1], [1, 2]).to_networkx()
            >>> sorted(G.edges())
            [(0, 1), (1, 2)]
        """
        import networkx as nx

        src, dst, w = self.edges()
        if multigraph is None:
            keys = src.astype(np.int64) * max(self.num_nodes, 1) + dst
            multigraph = len(np.unique(keys)) != len(keys)
        G = nx.MultiDiGraph() if multigraph else nx.DiGraph()
        names = self._labels if self._labels is not None else range(self.num_nodes)
        G.add_nodes_from(names)
        if self._labels is not None:
            s_names, d_names = self._labels[src], self._labels[dst]
        else:
            s_names, d_names = src.tolist(), dst.tolist()
        if w is None:
            G.add_edges_from(zip(s_names, d_names))
        else:
            G.add_weighted_edges_from(zip(s_names, d_names, w.tolist()), weight=weight)
        return G

    def write_edgelist(self, path, delimiter=" ", weights=None):
        """Writes one "src dst[ weight]" line per edge in user edge order (node ids, not labels).

        weights=None writes the weight column when the graph is weighted (17 significant digits:
        ``read_edgelist(path, weighted=True)`` reads the same float64 back). A path ending in
        .gz or .bz2 is compressed. Atomic like :meth:`save`: a temporary file in the same
        directory is renamed over `path` once complete.

        Example:
            >>> import os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "g.txt")
            >>> ff.Graph.from_edges([0, 1], [1, 2]).write_edgelist(path)
            >>> ff.read_edgelist(path).edges()[1].tolist()
            [1, 2]
        """
        from ._compressed import open_for_write

        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\n#":
            raise ValueError(f"delimiter: must be one character other than newline and '#', got {delimiter!r}")
        write_weights = self.has_weights if weights is None else bool(weights)
        if write_weights and not self.has_weights:
            raise ValueError("weights: this graph has no weights to write")
        target = os.fsdecode(as_fs_path(path))
        src, dst, w = self.edges()
        directory = os.path.dirname(os.path.abspath(target))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".fuseflow-edgelist-")
        os.close(fd)
        try:
            with open_for_write(tmp, target) as out:
                chunk = 1 << 20  # bounded memory for the text of huge graphs
                for start in range(0, len(src), chunk):
                    stop = start + chunk
                    cols = [src[start:stop].astype(str), dst[start:stop].astype(str)]
                    if write_weights:
                        cols.append(np.char.mod("%.17g", w[start:stop]))
                    lines = cols[0]
                    for c in cols[1:]:
                        lines = np.char.add(np.char.add(lines, delimiter), c)
                    out.write(("\n".join(lines.tolist()) + "\n").encode())
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    # -- copying and pickling ----------------------------------------------------------------------

    def __copy__(self):
        return self  # immutable

    def __deepcopy__(self, memo):
        return self  # immutable: sharing is indistinguishable from copying

    def __reduce__(self):
        with tempfile.TemporaryDirectory(prefix="fuseflow-pickle-") as tmp:
            path = os.path.join(tmp, "graph.ffg")
            self.save(path)
            with open(path, "rb") as f:
                data = f.read()
        labels = None if self._labels is None else list(self._labels)
        return _graph_from_bytes, (data, labels)


def _build(what, src, dst, num_nodes, weights, progress):
    """The native graph from checked id arrays (same dtype), num_nodes (-1: max id + 1) and
    weights, with the progress bar and log record named after the public call `what`."""
    started = time.perf_counter()
    with NativeProgress(progress, what, {1: LOADER_STAGES[1]}) as counter:
        native = _core.graph_from_edges(src, dst, num_nodes, weights, counter)
    log_call(what, started, nodes=native.num_nodes, edges=native.num_edges)
    return native


def _graph_from_bytes(data, labels):
    """Unpickles a Graph: its binary file format, checked like any loaded file."""
    with tempfile.TemporaryDirectory(prefix="fuseflow-pickle-") as tmp:
        path = os.path.join(tmp, "graph.ffg")
        with open(path, "wb") as f:
            f.write(data)
        native = _core.load_graph(path.encode())
    return Graph(native, labels)


def _as_label_array(labels, n):
    arr = labels if isinstance(labels, np.ndarray) and labels.dtype == object else np.fromiter(labels, dtype=object, count=-1)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"labels: need one label per node ({n}), got {len(arr)}")
    return arr
