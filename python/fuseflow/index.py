"""ff.EmbeddingIndex: exact top-k similarity search over a contiguous float32 matrix."""

import os
import tempfile
import time

import numpy as np

from . import _core
from ._checks import as_array, as_existing_file, as_fs_path, as_int
from ._progress import NativeProgress, Stage, check_progress, log_call

_METRICS = ("cosine", "dot", "l2")
_ADD_STAGES = {0: Stage("rows", "row")}


def _as_float_array(name, value):
    """The slow path for lists and other array-likes: Python numbers become float64.

    NumPy arrays of other dtypes are a TypeError (no silent casts)."""
    if isinstance(value, np.ndarray):
        raise TypeError(f"{name}: must be a float32 or float64 array, got dtype {value.dtype}")
    arr = as_array(value)  # DLPack, __array__, buffer protocol: a view when the producer allows
    if arr.dtype in (np.float32, np.float64):
        return arr
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name}: must be float32 or float64 numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False) if arr.dtype != np.float32 else arr


def _as_ids(name, ids):
    arr = as_array(ids)
    if arr.ndim != 1:
        raise ValueError(f"{name}: must be 1-D, got an array of shape {arr.shape}")
    if arr.size == 0:
        return np.empty(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name}: must be integers (int64 ids), got dtype {arr.dtype}")
    if arr.dtype == np.uint64 and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name}: ids must fit in int64")
    return np.ascontiguousarray(arr, dtype=np.int64)


class EmbeddingIndex:
    """Exact k-nearest-neighbour search over float32 vectors kept in one aligned matrix.

    ``EmbeddingIndex(dim, metric="cosine", dtype="float32")`` with metric

    - ``"cosine"``: vectors are normalised once at insert; scores are cosine similarities,
      sorted descending. Zero vectors and zero queries are rejected.
    - ``"dot"``: scores are inner products, sorted descending.
    - ``"l2"``: scores are **squared** Euclidean distances, sorted ascending, computed from the
      differences. (Only large batches that skip the int8 prefilter, see below, use
      ``|x|^2 + |q|^2 - 2 x.q`` clamped at 0, which can differ by float32 rounding.)

    Results are exact: the same as a float32 brute-force scan (they agree with a float64
    reference to float32 rounding); ties are broken by the smaller id. ``search(..., k)`` with k
    larger than ``len(index)`` returns ``len(index)`` results per query (an empty index returns
    zero results).

    How search runs: on CPUs with int8 dot-product instructions (AVX-512 VNNI) the index keeps an
    int8 copy of the rows (+25% memory). A search first scores that copy and derives, for every
    row, an interval that provably contains its float32 score (quantisation error bounds plus
    float32 rounding); only rows whose upper bound reaches the k-th best lower bound are
    rescored in float32. This reads ~1/4 of the bytes and returns exactly what the full scan
    returns; clustered data only makes more rows reach the rescoring step. Batches with at least
    4 queries and one 4-query tile per thread use 4x4 register tiles (int8, or float32 without
    VNNI) over L2-sized row blocks; smaller batches run as single queries.

    ``save``/``load`` use the binary format documented in docs/index_format.md; paths may be
    ``str``, ``bytes`` or ``os.PathLike`` (any file name, UTF-8 or not).

    Threads: one index may be shared by many Python threads. Searches (and ``ids``, ``len``,
    ``save``) run concurrently with the GIL released; ``add`` and ``remove`` take the index
    exclusively (they wait for running searches, and searches started meanwhile wait for them),
    so every search sees the index entirely before or entirely after each add/remove.

    Sizes: an allocation that cannot be satisfied (a huge ``dim`` x count, a broadcast array
    claiming billions of rows) raises ``MemoryError`` naming what was being allocated.
    """

    __slots__ = ("_native", "__weakref__")

    def __init__(self, dim, metric="cosine", dtype="float32", *, _native=None):
        if _native is None:
            dim = as_int("dim", dim, minimum=1)
            if not isinstance(metric, str) or metric not in _METRICS:
                raise ValueError(f"metric: must be \"cosine\", \"dot\" or \"l2\", got {metric!r}")
            try:
                supported = np.dtype(dtype) == np.float32
            except TypeError:
                supported = False
            if not supported:
                raise ValueError(f"dtype: only float32 storage is supported, got {dtype!r}")
            _native = _core.EmbeddingIndexCore(dim, metric)
        self._native = _native

    def search(self, queries, k=10):
        """(scores, ids) of the k best vectors per query.

        A 1-D query (dim,) gives 1-D results of length min(k, len(self)); a 2-D batch (nq, dim)
        gives (nq, min(k, len(self))) arrays. Scores are float32, ids int64. float32/float64
        NumPy queries in any layout are read by the native code directly (no Python-side copy).

        Example:
            >>> import fuseflow as ff, numpy as np
            >>> index = ff.EmbeddingIndex(dim=2, metric="l2")
            >>> index.add(np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]]))
            >>> scores, ids = index.search(np.array([0.9, 0.0]), k=2)
            >>> ids.tolist(), [round(float(s), 2) for s in scores]
            ([1, 0], [0.01, 0.81])
        """
        # Hot path: two type checks, then straight into native code (validation lives there).
        if type(queries) is not np.ndarray:
            queries = _as_float_array("queries", queries)
        if type(k) is not int:
            k = as_int("k", k)
        return self._native.search(queries, k)

    @property
    def dim(self):
        """Length of every vector.

        Example:
            >>> ff.EmbeddingIndex(dim=8).dim
            8
        """
        return self._native.dim

    @property
    def metric(self):
        """The similarity: "cosine", "dot" or "l2".

        Example:
            >>> ff.EmbeddingIndex(dim=8, metric="dot").metric
            'dot'
        """
        return self._native.metric

    @property
    def dtype(self):
        """Storage dtype (always float32).

        Example:
            >>> ff.EmbeddingIndex(dim=8).dtype
            dtype('float32')
        """
        return np.dtype(np.float32)

    def __len__(self):
        return len(self._native)

    def add(self, vectors, ids=None, *, progress=False):
        """Copy vectors (n, dim), float32 or float64, into the index once.

        ``ids`` (int64, one per vector, unique and not already present) default to consecutive
        integers starting one above the largest id in the index (0 when it is empty, or when
        every id is negative). If those would pass 2**63-1 (the largest int64), ValueError is
        raised and nothing is added: pass ``ids`` explicitly.

        progress=True shows a tqdm bar on stderr (rows copied, normalised and quantised); every
        call logs one INFO record on the "fuseflow" logger (rows, dim, size after, seconds).

        Example:
            >>> import fuseflow as ff, numpy as np
            >>> index = ff.EmbeddingIndex(dim=2, metric="dot")
            >>> index.add(np.array([[1.0, 0.0], [0.0, 1.0]]), ids=[10, 20])
            >>> len(index), index.ids().tolist()
            (2, [10, 20])
        """
        if type(vectors) is not np.ndarray:
            vectors = _as_float_array("vectors", vectors)
        elif vectors.dtype not in (np.float32, np.float64):
            vectors = _as_float_array("vectors", vectors)
        if vectors.ndim != 2:
            raise ValueError(f"vectors: must be 2-D (n, dim), got an array of shape {vectors.shape}")
        if ids is not None:
            ids = _as_ids("ids", ids)
            if ids.shape[0] != vectors.shape[0]:
                raise ValueError(f"ids: must have one id per vector ({vectors.shape[0]}), got {ids.shape[0]}")
        progress = check_progress(progress)
        started = time.perf_counter()
        with NativeProgress(progress, "EmbeddingIndex.add", _ADD_STAGES) as counter:
            self._native.add(vectors, ids, counter)
        log_call("EmbeddingIndex.add", started, rows=int(vectors.shape[0]), dim=lambda: self.dim, size=lambda: len(self))

    def remove(self, ids):
        """Remove vectors by id; every id must be present (else ValueError, nothing removed).

        Example:
            >>> import numpy as np
            >>> index = ff.EmbeddingIndex(dim=2)
            >>> index.add(np.eye(2), ids=[7, 9])
            >>> index.remove(7)
            >>> index.ids().tolist()
            [9]
        """
        self._native.remove(_as_ids("ids", np.atleast_1d(as_array(ids))))

    def ids(self):
        """The ids of the stored vectors, in insertion order (int64).

        Example:
            >>> import numpy as np
            >>> index = ff.EmbeddingIndex(dim=2)
            >>> index.add(np.eye(2))
            >>> index.ids().tolist()
            [0, 1]
        """
        return self._native.ids()

    def save(self, path):
        """Write the index to `path` (format: docs/index_format.md). Tombstones are dropped.

        Example:
            >>> import numpy as np, os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "index.ffi")
            >>> index = ff.EmbeddingIndex(dim=2)
            >>> index.add(np.eye(2))
            >>> index.save(path)
            >>> len(ff.EmbeddingIndex.load(path))
            2
        """
        self._native.save(as_fs_path(path))

    @classmethod
    def load(cls, path, mmap=False):
        """Read an index written by :meth:`save`.

        ``mmap=True`` maps the file and reads the float32 rows in place (the first add/remove
        copies them into memory); the int8 copy used by the prefilter is rebuilt in memory either
        way (a quarter of the vectors' size). The whole file is read once to verify its checksum
        and its content: every value finite, the padding columns zero, and in a cosine index
        every row of unit length (``| |x|^2 - 1 | <= 1e-5``). A truncated, corrupted or invalid
        file raises ValueError naming the path and the first broken row.

        A mapped index never crashes and never changes silently when another writer truncates
        or rewrites the file in place: every search, ``vectors()``, ``save`` and the first
        ``add``/``remove`` check (before and after reading the mapping) that the file still has
        the size, modification time and inode it had at load, and a fault in a truncated mapping
        is caught; either raises ValueError ("... was truncated or modified by another writer
        ...") and the index stays unusable until loaded again. Replacing the file by rename
        (as ``save`` does) leaves the mapped snapshot valid. ``mmap=False`` (the default) reads
        the file into memory and is not affected by later writes at all.

        Example:
            >>> import numpy as np, os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "index.ffi")
            >>> index = ff.EmbeddingIndex(dim=2, metric="dot")
            >>> index.add(np.eye(2), ids=[3, 4])
            >>> index.save(path)
            >>> ff.EmbeddingIndex.load(path, mmap=True).search(np.array([0.0, 1.0]), k=1)[1].tolist()
            [4]
        """
        return cls(0, _native=_core.EmbeddingIndexCore.load(as_existing_file(path), bool(mmap)))

    # Pickling goes through the file format (docs/index_format.md), checked on load like any file;
    # copies are independent (an index is mutable), so copy.copy is as deep as copy.deepcopy.
    def __reduce__(self):
        with tempfile.TemporaryDirectory(prefix="fuseflow-pickle-") as tmp:
            path = os.path.join(tmp, "index.ffi")
            self.save(path)
            with open(path, "rb") as f:
                return _index_from_bytes, (f.read(),)

    def __copy__(self):
        return _index_from_bytes(*self.__reduce__()[1])

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __repr__(self):
        return f"EmbeddingIndex(dim={self.dim}, metric={self.metric!r}, size={len(self)})"


def _index_from_bytes(data):
    """Unpickles an EmbeddingIndex from its file format."""
    with tempfile.TemporaryDirectory(prefix="fuseflow-pickle-") as tmp:
        path = os.path.join(tmp, "index.ffi")
        with open(path, "wb") as f:
            f.write(data)
        return EmbeddingIndex(0, _native=_core.EmbeddingIndexCore.load(os.fsencode(path), False))
