"""Argument checks shared by the Python front end: each error names the argument and the rule."""

import numbers

import os

import numpy as np


def as_array(value):
    """A NumPy array of any array-like, without a copy whenever the producer allows it.

    Order: an ndarray as is; DLPack (``__dlpack__``: JAX, PyTorch CPU tensors, CuPy would
    refuse: not on the CPU) through ``np.from_dlpack``; then ``__array__`` (pandas Series and
    DataFrames, PyArrow arrays without nulls) and the buffer protocol (memoryview, bytes-like,
    ``array.array``) through ``np.asarray``, which views the producer's memory. Lists, tuples and
    scalars convert once (a new array). Outputs stay NumPy arrays.

    Example:
        >>> import array
        >>> a = array.array("q", [1, 2, 3])
        >>> as_array(a).tolist(), as_array(a).dtype.name
        ([1, 2, 3], 'int64')
    """
    if type(value) is np.ndarray:
        return value
    if hasattr(value, "__dlpack__") and hasattr(value, "__dlpack_device__") and not isinstance(value, np.ndarray):
        try:
            return np.from_dlpack(value)
        except (BufferError, TypeError, RuntimeError, ValueError):
            pass  # a device array, a read-only export or an unsupported dtype: try the others
    return np.asarray(value)


def as_1d_array(name, value):
    """A 1-D NumPy array view of `value` (no copy when it already is one, or when an array-like
    exposes its memory: see :func:`as_array`)."""
    arr = as_array(value)
    if arr.ndim != 1:
        raise ValueError(f"{name}: must be 1-D, got an array of shape {arr.shape}")
    return arr


def as_id_array(name, value):
    """int32/int64 node ids, C-contiguous; other dtypes are a TypeError (no silent casts)."""
    arr = as_1d_array(name, value)
    if arr.dtype not in (np.int32, np.int64):
        raise TypeError(f"{name}: node ids must be an int32 or int64 array, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr)


def as_float64_array(name, value, length=None, allow_nan=False):
    arr = as_1d_array(name, value)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name}: must be a numeric array, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name}: must have length {length}, got {arr.shape[0]}")
    if not allow_nan and np.isnan(arr).any():
        raise ValueError(f"{name}: must not contain NaN (first at index {int(np.flatnonzero(np.isnan(arr))[0])})")
    return arr


def as_int(name, value, minimum=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: must be an integer, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {value}")
    return value


def as_float(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: must be a real number, got {type(value).__name__}")
    return float(value)


def as_fs_path(path):
    """Any path the OS accepts (str, bytes, os.PathLike; UTF-8 or not) as bytes for the native side."""
    try:
        return os.fsencode(os.fspath(path))
    except TypeError:
        raise TypeError(f"path: must be a str, bytes or os.PathLike, got {type(path).__name__}") from None


def as_existing_file(path):
    """An existing file's path as bytes (FileNotFoundError naming it otherwise)."""
    path = as_fs_path(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path: no such file: {os.fsdecode(path)!r}")
    return path
