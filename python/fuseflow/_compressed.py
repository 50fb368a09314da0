"""Transparent .gz/.bz2/.xz/.zst for the text loaders and writers.

The native parsers read a plain file in parallel; a compressed file is first streamed into a
temporary plain file (bounded memory, interruptible with Ctrl-C), parsed, then removed. Errors
name the caller's path, never the temporary one.
"""

import contextlib
import os
import shutil
import tempfile

_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zstd")


def _suffix(path):
    lower = os.fsdecode(path).lower()
    for suffix in _SUFFIXES:
        if lower.endswith(suffix):
            return suffix
    return None


def _open_read(path, suffix):
    if suffix == ".gz":
        import gzip
        return gzip.open(path, "rb")
    if suffix == ".bz2":
        import bz2
        return bz2.open(path, "rb")
    if suffix == ".xz":
        import lzma
        return lzma.open(path, "rb")
    try:
        import zstandard
    except ImportError:
        raise ImportError(f"path: reading {os.fsdecode(path)!r} needs the zstandard package "
                          "(pip install zstandard)") from None
    return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)


def read_plain(path, parse):
    """parse(plain_path) on `path`, decompressing it to a temporary file first when compressed."""
    suffix = _suffix(path)
    if suffix is None:
        return parse(path)
    with tempfile.TemporaryDirectory(prefix="fuseflow-decompress-") as tmp:
        plain = os.path.join(tmp, "plain")
        try:
            with _open_read(path, suffix) as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (OSError, EOFError, ValueError) as e:
            if isinstance(e, FileNotFoundError):
                raise
            raise ValueError(f"path: {os.fsdecode(path)!r} is not a valid {suffix} file ({e})") from None
        try:
            return parse(os.fsencode(plain))
        except ValueError as e:
            raise ValueError(str(e).replace(plain, os.fsdecode(path))) from None


@contextlib.contextmanager
def open_for_write(tmp_path, final_path):
    """A binary writer on tmp_path, compressing when final_path ends in .gz/.bz2/.xz."""
    suffix = _suffix(final_path)
    if suffix in (".zst", ".zstd"):
        raise ValueError(f"path: writing {suffix} is not supported; use .gz, .bz2, .xz or a plain file")
    if suffix == ".gz":
        import gzip
        f = gzip.open(tmp_path, "wb")
    elif suffix == ".bz2":
        import bz2
        f = bz2.open(tmp_path, "wb")
    elif suffix == ".xz":
        import lzma
        f = lzma.open(tmp_path, "wb")
    else:
        f = open(tmp_path, "wb")
    with f:
        yield f
