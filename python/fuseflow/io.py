"""Graph loaders for text formats; parsing runs natively in parallel with the GIL released."""

from . import _core
from ._compressed import read_plain
from ._checks import as_existing_file, as_int
from .graph import Graph


def _single_char(name, value):
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) != 1 or value == "\n":
        raise ValueError(f"{name}: must be None or a single character other than newline, got {value!r}")
    return value


def read_edgelist(path, delimiter=None, comment="#", weighted=False, skip_rows=0, num_nodes=None):
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
    """
    path = as_existing_file(path)
    delimiter = _single_char("delimiter", delimiter)
    comment = _single_char("comment", comment)
    if delimiter and delimiter == comment:
        raise ValueError("delimiter: must differ from comment")
    skip_rows = as_int("skip_rows", skip_rows, minimum=0)
    n = -1 if num_nodes is None else as_int("num_nodes", num_nodes, minimum=0)
    return Graph(read_plain(path, lambda p: _core.read_edgelist(p, delimiter, comment, bool(weighted), skip_rows, n)))


def read_matrix_market(path):
    """A Graph from a Matrix Market coordinate file: entry (i, j, value) is the edge i-1 -> j-1.

    Fields real/integer give weights, pattern gives an unweighted graph; symmetric and
    skew-symmetric files store one triangle, and each off-diagonal entry becomes two edges
    (skew: the mirrored weight is negated). The matrix must be square, with at most
    2**20 + 64 * (file size in bytes) rows (ValueError beyond). Edge order: user edge i is the
    i-th entry line; the mirrored edges of symmetric files follow all entries, in entry order.
    Compressed files (.gz, .bz2, .xz, .zst) are read transparently.
    """
    return Graph(read_plain(as_existing_file(path), _core.read_matrix_market))
