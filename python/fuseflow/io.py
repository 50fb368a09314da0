"""Graph loaders for text formats; parsing runs natively in parallel with the GIL released."""

import os
import time

from . import _core
from ._compressed import read_plain
from ._checks import as_existing_file, as_int
from ._progress import NativeProgress, check_progress, log_call
from .graph import LOADER_STAGES, Graph


def _single_char(name, value):
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) != 1 or value == "\n":
        raise ValueError(f"{name}: must be None or a single character other than newline, got {value!r}")
    return value


def read_edgelist(path, delimiter=None, comment="#", weighted=False, skip_rows=0, num_nodes=None, *,
                  progress=False):
    """A Graph from a text edge list: one edge per line, "src dst" or "src dst weight".

    delimiter: None (or " " or "\\t") splits on runs of spaces/tabs; another character such
    as "," splits on it (spaces around it are allowed). comment: text from this character to
    the end of the line is ignored (None: no comments); blank lines are skipped. weighted: read
    a third column as float64 weights. skip_rows: lines to skip first (e.g. a CSV header).
    Node ids are non-negative integers < 2**31 - 1; num_nodes=None means max id + 1, otherwise
    ids must be below it. An inferred num_nodes is limited to 2**20 + 64 * (file size in bytes)
    (ValueError naming num_nodes beyond it: a tiny file naming id 2**31 - 2 would otherwise
    allocate gigabytes); pass num_nodes explicitly for such sparse ids. A malformed line
    (including a NUL byte where comment=None) raises ValueError naming the path and line number.
    path may be str, bytes or os.PathLike, in any encoding. Edge order: user edge i is the i-th
    edge line (see Graph.edges). The file is read into memory (not mapped), so another process
    truncating it meanwhile gives a ValueError, never a crash. A path ending in .gz, .bz2, .xz
    or .zst (the last needs the zstandard package) is decompressed transparently.

    progress=True shows tqdm bars on stderr (bytes parsed, then edges built into the graph);
    every call logs one INFO record on the "fuseflow" logger (path, bytes, nodes, edges).

    Example:
        >>> import fuseflow as ff, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "g.txt")
        >>> with open(path, "w") as f:
        ...     _ = f.write("# src dst\\n0 1\\n1 2\\n")
        >>> ff.read_edgelist(path)
        Graph(num_nodes=3, num_edges=2, unweighted)
    """
    path = as_existing_file(path)
    delimiter = _single_char("delimiter", delimiter)
    comment = _single_char("comment", comment)
    if delimiter and delimiter == comment:
        raise ValueError("delimiter: must differ from comment")
    skip_rows = as_int("skip_rows", skip_rows, minimum=0)
    n = -1 if num_nodes is None else as_int("num_nodes", num_nodes, minimum=0)
    progress = check_progress(progress)
    started = time.perf_counter()
    with NativeProgress(progress, "read_edgelist", LOADER_STAGES) as counter:
        native = read_plain(path, lambda p: _core.read_edgelist(p, delimiter, comment, bool(weighted), skip_rows, n,
                                                                counter))
    log_call("read_edgelist", started, path=os.fsdecode(path), bytes=os.path.getsize(path),
             nodes=native.num_nodes, edges=native.num_edges)
    return Graph(native)


def read_matrix_market(path, *, progress=False):
    """A Graph from a Matrix Market coordinate file: entry (i, j, value) is the edge i-1 -> j-1.

    Fields real/integer give weights, pattern gives an unweighted graph; symmetric and
    skew-symmetric files store one triangle, and each off-diagonal entry becomes two edges
    (skew: the mirrored weight is negated). The matrix must be square, with at most
    2**20 + 64 * (file size in bytes) rows (ValueError beyond). Edge order: user edge i is the
    i-th entry line; the mirrored edges of symmetric files follow all entries, in entry order.
    Compressed files (.gz, .bz2, .xz, .zst) are read transparently.

    progress=True shows tqdm bars on stderr (bytes parsed, then edges built); every call logs
    one INFO record on the "fuseflow" logger.

    Example:
        >>> import fuseflow as ff, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "m.mtx")
        >>> with open(path, "w") as f:
        ...     _ = f.write("%%MatrixMarket matrix coordinate real general\\n3 3 2\\n1 2 0.5\\n2 3 2.0\\n")
        >>> g = ff.read_matrix_market(path)
        >>> g.edges()[2].tolist()
        [0.5, 2.0]
    """
    path = as_existing_file(path)
    progress = check_progress(progress)
    started = time.perf_counter()
    with NativeProgress(progress, "read_matrix_market", LOADER_STAGES) as counter:
        native = read_plain(path, lambda p: _core.read_matrix_market(p, counter))
    log_call("read_matrix_market", started, path=os.fsdecode(path), bytes=os.path.getsize(path),
             nodes=native.num_nodes, edges=native.num_edges)
    return Graph(native)
