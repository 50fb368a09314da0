"""ff.Graph: an immutable directed multigraph (CSR out-edges + CSC in-edges), built once."""

import numpy as np

from . import _core
from ._checks import as_existing_file, as_float64_array, as_fs_path, as_id_array, as_int


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
    """

    __slots__ = ("_g", "__weakref__")

    def __init__(self, _native):
        if not isinstance(_native, _core.Graph):
            raise TypeError("use Graph.from_edges, Graph.from_scipy or Graph.from_networkx to build a Graph")
        self._g = _native

    @classmethod
    def from_edges(cls, src, dst, num_nodes=None, weights=None):
        """Edges src[i] -> dst[i]; int32 or int64 ids, read without copying.

        Ids must be in [0, 2**31 - 1) (ValueError naming src or dst otherwise); num_nodes=None
        means max id + 1. weights (float64, length E, no NaN) are in the same order as src/dst.
        A graph whose arrays would not fit in this machine's memory raises MemoryError naming
        its size before allocating; Ctrl-C interrupts a long build (KeyboardInterrupt).
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
        return cls(_core.graph_from_edges(src, dst, n, w))

    @classmethod
    def from_scipy(cls, matrix):
        """Entry (i, j) of a square SciPy sparse matrix is an edge i -> j weighted by its value."""
        import scipy.sparse as sp

        if not sp.issparse(matrix):
            raise TypeError(f"matrix: must be a scipy.sparse matrix or array, got {type(matrix).__name__}")
        if matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"matrix: must be square (nodes x nodes), got shape {matrix.shape}")
        coo = matrix.tocoo()
        return cls.from_edges(coo.row.astype(np.int64, copy=False), coo.col.astype(np.int64, copy=False),
                              num_nodes=matrix.shape[0], weights=coo.data)

    @classmethod
    def from_networkx(cls, G, weight="weight"):
        """Nodes are relabelled 0..n-1 in G's node order. Undirected edges go both ways.

        If any edge carries the `weight` attribute the graph is weighted (missing values = 1).
        """
        n = G.number_of_nodes()
        index = {node: i for i, node in enumerate(G.nodes())}
        edges = list(G.edges(data=True))
        src = np.fromiter((index[u] for u, _, _ in edges), dtype=np.int64, count=len(edges))
        dst = np.fromiter((index[v] for _, v, _ in edges), dtype=np.int64, count=len(edges))
        weighted = weight is not None and any(weight in d for _, _, d in edges)
        w = np.fromiter((d.get(weight, 1.0) for _, _, d in edges), dtype=np.float64, count=len(edges)) if weighted else None
        if not G.is_directed():
            loops = src == dst  # a self-loop is one edge, not two
            src, dst = np.concatenate([src, dst[~loops]]), np.concatenate([dst, src[~loops]])
            if w is not None:
                w = np.concatenate([w, w[~loops]])
        return cls.from_edges(src, dst, num_nodes=n, weights=w)

    @classmethod
    def from_pandas(cls, df, source="src", target="dst", weight=None, num_nodes=None):
        """Edges from DataFrame columns `source` -> `target`, weighted by column `weight` if given.

        Id columns must hold non-negative integers (no missing values); they are read without
        copying when already int32/int64.
        """
        import pandas as pd

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
        ids = []
        for name in ("source", "target"):
            series = columns[name]
            if not pd.api.types.is_integer_dtype(series.dtype):
                raise TypeError(f"{name}: column {source if name == 'source' else target!r} must hold integers, "
                                f"got dtype {series.dtype}")
            arr = series.to_numpy()
            if arr.dtype not in (np.int32, np.int64):
                # Other integer widths (and nullable Int64 without NAs) widen to int64.
                if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
                    raise ValueError(f"{name}: node ids must be < 2**31 - 1")
                arr = arr.astype(np.int64)
            ids.append(arr)
        w = None
        if "weight" in columns:
            series = columns["weight"]
            if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
                raise TypeError(f"weight: column {weight!r} must be numeric, got dtype {series.dtype}")
            w = series.to_numpy(dtype=np.float64)
        return cls.from_edges(ids[0], ids[1], num_nodes=num_nodes, weights=w)

    @classmethod
    def load(cls, path):
        """A graph written by :meth:`save` (path: str, bytes or os.PathLike, any encoding).

        ValueError naming the path when the file is truncated, corrupted (checksums), or
        structurally inconsistent even with valid checksums: offsets not rising from 0 to E, ids
        out of range, a CSC whose in-degrees, source order (ascending per node) or multiset of
        (source, target, weight) edges differ from the CSR's, an edge order that is not a
        permutation. Sizes in the header are checked against the file size before anything
        is allocated. The file is read, not mapped: truncation meanwhile is a ValueError.
        """

        return cls(_core.load_graph(as_existing_file(path)))

    def save(self, path):
        """Writes a binary file (header with counts and checksums, CSR and CSC, edge order).

        Atomic: the data goes to a temporary file in the same directory, is flushed to disk and
        then renamed over `path`, so a failed save (disk full, Ctrl-C) raises ValueError and
        leaves any previous file at `path` unchanged. path: str, bytes or os.PathLike; an
        existing path must be a regular file (ValueError for a directory or device).
        """

        _core.save_graph(self._g, as_fs_path(path))

    @property
    def num_nodes(self):
        return self._g.num_nodes

    @property
    def num_edges(self):
        return self._g.num_edges

    @property
    def has_weights(self):
        return self._g.has_weights

    def out_degree(self):
        """Out-degree per node (int64, read-only view owned by the graph)."""
        return self._g.out_degree()

    def in_degree(self):
        """In-degree per node (int64, read-only view owned by the graph)."""
        return self._g.in_degree()

    def edges(self):
        """(src, dst, weights or None) in user edge order: the edges as given to from_edges.

        src and dst are new int32 arrays; weights is a read-only float64 view owned by the graph.
        ``Graph.from_edges(*g.edges()[:2], weights=g.edges()[2])`` rebuilds the same graph.
        """
        src, dst = self._g.user_order_edges()
        return src, dst, (self._g.user_order_weights() if self.has_weights else None)

    def csr(self):
        """(offsets int64[n+1], targets int32[E], weights float64[E] or None): out-edges, in the
        internal CSR order (not user edge order unless edges were given sorted by source)."""
        return self._g.out_offsets(), self._g.out_targets(), (self._g.out_weights() if self.has_weights else None)

    def csc(self):
        """(offsets int64[n+1], sources int32[E], weights float64[E] or None): in-edges, in the
        internal CSC order."""
        return self._g.in_offsets(), self._g.in_sources(), (self._g.in_weights() if self.has_weights else None)

    def memory_bytes(self):
        return self._g.memory_bytes()

    def __repr__(self):
        kind = "weighted" if self.has_weights else "unweighted"
        return f"Graph(num_nodes={self.num_nodes}, num_edges={self.num_edges}, {kind})"
