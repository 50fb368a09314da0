"""Eager array ops on NumPy arrays: scans, diff, sort, top_k, quantiles, bincount, histogram, take.

Each function takes anything ``np.asarray`` accepts and returns NumPy arrays with NumPy 2's result
dtypes; N-d inputs are handled as an (outer, axis length, inner) view of one C-contiguous array
(a non-contiguous input is copied once). The work runs in native kernels (src/kernels/) with the
GIL released; Ctrl-C stops a long call with KeyboardInterrupt.

Rules (each error names the argument):

- supported element types: bool, uint8, int32, int64, float32, float64 (``take``: any fixed-size
  dtype); others are a TypeError naming ``x``.
- ``axis`` out of range: ``numpy.exceptions.AxisError`` (a ValueError and an IndexError) naming
  ``axis``; a non-integer axis is a TypeError.
- inside ``ff.jit`` every op here takes a traced array of any rank (rank 1 with ``axis=None``,
  except median/quantile, which reduce every axis, and histogram, which flattens; bincount: 1-D)
  and becomes one step of the program (src/exec/lower_axis.cpp,
  axis_step.cpp, axis_stats_step.cpp) running the same kernels with the same arguments, so traced
  and eager results are bitwise equal; ``x[i]``, ``x[:, i]`` and ``x[idx]`` are takes. A traced
  q/k/weights/bins with an x that is not traced is a TypeError naming the argument.
- result lengths inside ``ff.jit`` must follow from the arguments, not from the data: ``top_k``'s
  k is a Python int or a traced int scalar (k > the axis length: ValueError naming k at run time);
  ``diff`` gives max(len - n, 0); ``quantile``'s q is a Python float or a traced float scalar or
  1-D array (not a list: TypeError naming q; an integer q is a TypeError); ``bincount`` needs
  ``length=`` (or ``minlength=`` > 0), the exact output length, and a value of x outside
  [0, length) is a ValueError naming x at run time (NumPy would have returned a longer array);
  ``histogram`` with a number of bins needs ``range=`` (Python numbers or traced scalars; the
  data's own min/max is not taken), or takes a traced 1-D array of edges. Checks that need the
  data (q in [0, 1], an empty quantile axis, monotonic edges, a finite range) run in the step and
  raise the eager messages. Differences from eager: a median over an empty line is NaN without
  NumPy's RuntimeWarning; a weighted bincount of an empty x is float64 zeros (NumPy: int64).
"""

import math
import numbers
import operator
import warnings

import numpy as np

from . import _core
from .dsl import Traced, _located

__all__ = [
    "argsort",
    "bincount",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "diff",
    "histogram",
    "median",
    "quantile",
    "sort",
    "take",
    "top_k",
]

_KERNEL_DTYPES = (np.bool_, np.uint8, np.int32, np.int64, np.float32, np.float64)
_DTYPE_NAMES = "bool, uint8, int32, int64, float32 or float64"


# --------------------------------------------------------------------------- argument checks

def _not_traced(op, **values):
    for name, value in values.items():
        if isinstance(value, Traced):
            raise TypeError(
                f"{name}: ff.{op} got a traced {name} with an x that is not traced; inside ff.jit x must "
                "be a traced array too (an argument of the jitted function)")


def _as_array(op, name, value, kernel_dtype=True):
    _not_traced(op, **{name: value})
    arr = np.asarray(value)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if kernel_dtype and arr.dtype.type not in _KERNEL_DTYPES:
        raise TypeError(f"{name}: ff.{op} supports {_DTYPE_NAMES} arrays, got dtype {arr.dtype}")
    return arr


def _as_axis(axis, ndim):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis: must be an integer or None, got {type(axis).__name__}")
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim, "axis")
    return axis % ndim


def _as_count(name, value, minimum=0):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: must be an integer, got {type(value).__name__}")
    value = operator.index(value)
    if value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {value}")
    return value


def _view(shape, axis):
    """(outer, len, inner) of a C-contiguous array of `shape` seen along `axis`."""
    return math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:])


def _flat(arr):
    """The flat C-contiguous data the kernels take (bool as its uint8 bytes)."""
    flat = np.ascontiguousarray(arr).reshape(-1)
    return flat.view(np.uint8) if flat.dtype == np.bool_ else flat


def _along(op, x, axis):
    """(array, axis) with axis=None meaning the flattened array, as NumPy does."""
    arr = _as_array(op, "x", x)
    if axis is None:
        return np.ascontiguousarray(arr).reshape(-1), 0
    return np.ascontiguousarray(arr), _as_axis(axis, arr.ndim)


# --------------------------------------------------------------------------- scans and diff

def _empty(shape, dtype):
    """np.empty for results; large ones on recycled memory (ff.memory_cache_info): a freed result's
    block serves the next of its size without page faults (~40% of a 10M-element scan's time)."""
    dtype = np.dtype(dtype)
    if math.prod(shape) * dtype.itemsize >= _core.cached_block_min_bytes:
        return _core.cached_empty(shape, dtype)
    return np.empty(shape, dtype)


def _scan_dtype(dtype, kernel_op):
    if kernel_op in ("max", "min"):
        return dtype
    if dtype == np.uint8:
        return np.dtype(np.uint64)
    if dtype.kind in "bi":
        return np.dtype(np.int64)
    return dtype


def _traced_axis_op(op, x, axis):
    """ff.<op> on a traced array: one IR op along the (normalised) axis. axis=None means the
    flattened array, which inside ff.jit is the array itself when it is 1-D."""
    if not x.is_array:
        raise TypeError(f"x: ff.{op} needs an array, got a traced scalar")
    ndim = x.ndim
    if axis is None:
        if ndim != 1:
            raise NotImplementedError(
                f"axis: ff.{op}(x, axis=None) of a {ndim}-D traced array (the flattened array) is not "
                "implemented inside ff.jit; pass an axis")
        axis = 0
    ax = _as_axis(axis, ndim)
    return Traced(x._ctx, _located(x._ctx).axis_op(op, x._id, ax))


def _traced_take(x, idx, axis):
    """ff.take on a traced array: idx a traced int32/int64 array or scalar, or a Python int (a
    constant). An index array must be traced (an argument of the jitted function)."""
    from .dsl import _lift
    if not x.is_array:
        raise TypeError("x: ff.take needs an array, got a traced scalar")
    if axis is None:
        if x.ndim != 1:
            raise NotImplementedError("axis: ff.take(x, idx, axis=None) of an N-d traced array (the flattened "
                                      "array) is not implemented inside ff.jit; pass an axis")
        axis = 0
    ax = _as_axis(axis, x.ndim)
    if isinstance(idx, Traced):
        if idx.dtype not in (np.int32, np.int64):
            raise TypeError(f"idx: must be an int32 or int64 array or scalar, got dtype {idx.dtype}")
    elif isinstance(idx, numbers.Integral) and not isinstance(idx, (bool, np.bool_)):
        idx = _lift(x._ctx, int(idx), "idx")
    else:
        raise TypeError("idx: inside ff.jit must be a traced int32/int64 array or scalar, or a Python int, got "
                        f"{type(idx).__name__} (pass index arrays as arguments of the jitted function)")
    return Traced(x._ctx, _located(x._ctx).take(x._id, idx._id, ax))


def _stat(op, operands, axis=0, keep=False):
    """One array-statistics IR op (ops.def axis_len ... histogram_bins) on traced operands; for
    median/quantile axis=None reduces every axis (flag bit 1) and keep is keepdims (bit 0)."""
    ctx = operands[0]._ctx
    flags = (1 if keep else 0) | (2 if axis is None else 0)
    return Traced(ctx, _located(ctx).array_stat(op, [v._id for v in operands], 0 if axis is None else axis, flags))


def _traced_x(op, x):
    if not x.is_array:
        raise TypeError(f"x: ff.{op} needs an array, got a traced scalar")


def _traced_count(op, name, value, ctx):
    """A count argument inside ff.jit: a Python int >= 0 (a constant) or a traced int scalar
    (checked at run time)."""
    from .dsl import _lift
    if isinstance(value, Traced):
        if value.is_array or value.dtype not in (np.int32, np.int64):
            raise TypeError(f"{name}: inside ff.jit must be a Python int or a traced int32/int64 scalar, "
                            f"got a traced {value.dtype} {'array' if value.is_array else 'scalar'}")
        return value
    return _lift(ctx, _as_count(name, value), name)


def _traced_diff(x, n, axis):
    from .dsl import maximum
    n = _as_count("n", n)
    _traced_x("diff", x)
    ax = _as_axis(axis, x.ndim)
    if n == 0:
        return x  # NumPy returns the input itself
    count = maximum(_stat("axis_len", [x], ax) - n, 0)
    return _stat("diff", [x, count], ax)


def _traced_top_k(x, k, axis):
    _traced_x("top_k", x)
    ax = _as_axis(axis, x.ndim)
    kk = _traced_count("top_k", "k", k, x._ctx)
    return _stat("top_k", [x, kk], ax), _stat("top_k_indices", [x, kk], ax)


def _traced_quantile(x, q, axis, keepdims):
    from .dsl import _lift
    _traced_x("quantile", x)
    ax = None if axis is None else _as_axis(axis, x.ndim)
    if x.dtype == np.bool_:
        raise TypeError("x: ff.quantile of a bool array with a fractional q is not supported (NumPy "
                        "cannot subtract bools); convert x to an integer dtype")
    if isinstance(q, Traced):
        if q.dtype not in (np.float32, np.float64) or (q.is_array and q.ndim != 1):
            raise TypeError(f"q: inside ff.jit must be a float scalar or 1-D float array, got a traced "
                            f"{q.dtype} value of {q.ndim} axes")
    elif isinstance(q, float) or isinstance(q, np.floating):
        q = _lift(x._ctx, float(q), "q")
    else:
        raise TypeError(f"q: inside ff.jit must be a Python float or a traced float scalar or 1-D array, got "
                        f"{type(q).__name__} (pass arrays of quantiles as arguments of the jitted function; "
                        "an integer q picks an order statistic: use ff.sort)")
    return _stat("quantile", [x, q], ax, keepdims)


def _traced_bincount(x, weights, minlength, length):
    _traced_x("bincount", x)
    if x.ndim != 1:
        raise ValueError(f"x: must be 1-D, got a {x.ndim}-D array")
    if x.dtype not in (np.bool_, np.int32, np.int64):
        raise TypeError(f"x: must be an integer array castable to int64, got dtype {x.dtype}")
    minlength = _as_count("minlength", minlength)
    if length is None:
        if minlength == 0:
            raise TypeError("length: inside ff.jit ff.bincount needs a static output length: pass length= "
                            "(a Python int or a traced int scalar) or minlength= > 0; a value of x outside "
                            "[0, length) is then a ValueError naming x at run time")
        length = minlength
    elif not isinstance(length, Traced) and _as_count("length", length) < minlength:
        raise ValueError(f"length: must be at least minlength ({minlength}), got {length}")
    operands = [x, _traced_count("bincount", "length", length, x._ctx)]
    if weights is not None:
        if not isinstance(weights, Traced):
            raise TypeError(f"weights: inside ff.jit must be a traced array (an argument of the jitted "
                            f"function), got {type(weights).__name__}")
        if not weights.is_array or weights.ndim != 1:
            raise ValueError("weights: must be a 1-D array of the length of x")
        operands.append(weights if weights.dtype == np.float64 else weights.astype("float64"))
    return _stat("bincount", operands)


def _traced_histogram(x, bins, range):  # noqa: A002
    from .dsl import _lift
    _traced_x("histogram", x)
    if x.dtype == np.bool_:
        raise TypeError("x: ff.histogram of a bool array is not supported; convert x to an integer dtype")
    if isinstance(bins, Traced):
        if not bins.is_array or bins.ndim != 1:
            raise ValueError("bins: must be an integer or a 1-D array of edges")
        if range is not None:
            _outer_edges(np.empty(0), range)  # NumPy checks range even when the edges are given
        edges = bins if bins.dtype == np.float64 else bins.astype("float64")
        counts = _stat("histogram_bins", [x, edges, bins.size - 1])
        return counts, bins
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral):
        raise TypeError(f"bins: inside ff.jit must be a Python int (with range=) or a traced 1-D array of "
                        f"edges, got {type(bins).__name__}")
    nbins = operator.index(bins)
    if nbins < 1:
        raise ValueError(f"bins: must be a positive integer, got {nbins}")
    if range is None:
        raise TypeError("range: inside ff.jit ff.histogram with a number of bins needs range=(min, max) "
                        "(Python numbers or traced scalars); the data's own min/max is not taken")
    try:
        first, last = range
    except (TypeError, ValueError):
        raise ValueError(f"range: must be a pair (min, max), got {range!r}") from None
    bounds = []
    for b in (first, last):
        if isinstance(b, Traced):
            if b.is_array:
                raise TypeError("range: bounds must be scalars, got a traced array")
            bounds.append(b if b.dtype == np.float64 else b.astype("float64"))
        else:
            bounds.append(_lift(x._ctx, float(b), "range"))
    if not any(isinstance(b, Traced) for b in (first, last)):
        _outer_edges(np.empty(0), (first, last))  # static range: its rules at trace time
    counts = _stat("histogram", [x, _lift(x._ctx, nbins, "bins"), *bounds])
    edges = _stat("histogram_edges", [x, _lift(x._ctx, nbins + 1, "bins"), *bounds])
    return counts, edges


def _scan(op, kernel_op, x, axis):
    if isinstance(x, Traced):
        return _traced_axis_op(op, x, axis)
    arr, ax = _along(op, x, axis)
    outer, n, inner = _view(arr.shape, ax)
    out = _empty(arr.shape, _scan_dtype(arr.dtype, kernel_op))
    _core.array_scan(kernel_op, _flat(arr), outer, n, inner, _flat(out))
    return out


def cumsum(x, axis=None):
    """Cumulative sum along `axis` (None: of the flattened array), NumPy 2 dtypes (int32/bool ->
    int64, uint8 -> uint64, floats keep theirs). Along the last axis float results reassociate the
    sum in fixed blocks (deterministic at any thread count; within a few ulps x n of NumPy's).

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.jit(lambda x: ff.cumsum(x, axis=1))(x)
        array([[3. , 4. , 6. ],
               [0.5, 4.5, 6. ]])
    """
    return _scan("cumsum", "sum", x, axis)


def cumprod(x, axis=None):
    """Cumulative product along `axis` (None: flattened); dtypes as cumsum.

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.jit(lambda x: ff.cumprod(x, axis=0))(x)
        array([[3. , 1. , 2. ],
               [1.5, 4. , 3. ]])
    """
    return _scan("cumprod", "prod", x, axis)


def cummax(x, axis=None):
    """Running maximum along `axis` (None: flattened): ``np.maximum.accumulate``; NaN propagates.

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.jit(lambda x: ff.cummax(x, axis=1))(x)
        array([[3. , 3. , 3. ],
               [0.5, 4. , 4. ]])
    """
    return _scan("cummax", "max", x, axis)


def cummin(x, axis=None):
    """Running minimum along `axis` (None: flattened): ``np.minimum.accumulate``; NaN propagates.

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.cummin(x, axis=1)  # eager, on a NumPy array
        array([[3. , 1. , 1. ],
               [0.5, 0.5, 0.5]])
    """
    return _scan("cummin", "min", x, axis)


def diff(x, n=1, axis=-1):
    """n-th discrete difference along `axis` (np.diff): bool gives x[i+1] != x[i], integers wrap.
    Inside ff.jit the result's axis has length max(len - n, 0), n a Python int (n = 0: x itself).

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.diff(x, axis=1)
        array([[-2. ,  1. ],
               [ 3.5, -2.5]])
    """
    if isinstance(x, Traced):
        return _traced_diff(x, n, axis)
    arr = _as_array("diff", "x", x)
    n = _as_count("n", n)
    if arr.ndim == 0:
        raise ValueError("x: ff.diff needs an array of at least one dimension")
    ax = _as_axis(axis, arr.ndim)
    arr = np.ascontiguousarray(arr)
    outer, length, inner = _view(arr.shape, ax)
    shape = list(arr.shape)
    shape[ax] = max(length - n, 0)
    out = _empty(shape, arr.dtype)
    _core.array_diff(_flat(arr), outer, length, inner, n, arr.dtype == np.bool_, _flat(out))
    return out


# --------------------------------------------------------------------------- sorting

def sort(x, axis=-1):
    """Sorted copy along `axis` (None: flattened), ascending, NaN last (np.sort).

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.jit(lambda x: ff.sort(x) * 2.0)(x)
        array([[2., 4., 6.],
               [1., 3., 8.]])
    """
    if isinstance(x, Traced):
        return _traced_axis_op("sort", x, axis)
    arr, ax = _along("sort", x, axis)
    outer, n, inner = _view(arr.shape, ax)
    out = _empty(arr.shape, arr.dtype)
    _core.array_sort(_flat(arr), outer, n, inner, False, _flat(out))
    return out


def argsort(x, axis=-1):
    """Indices that sort `x` along `axis` (None: flattened). STABLE: equal values keep their
    order, NaNs come last in their original order, -0.0 ties with 0.0 - np.argsort(kind="stable").

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.jit(lambda x: ff.argsort(x))(x)
        array([[1, 2, 0],
               [0, 2, 1]])
    """
    if isinstance(x, Traced):
        return _traced_axis_op("argsort", x, axis)
    arr, ax = _along("argsort", x, axis)
    outer, n, inner = _view(arr.shape, ax)
    out = _empty(arr.shape, np.int64)
    _core.array_sort(_flat(arr), outer, n, inner, True, out.reshape(-1))
    return out


def top_k(x, k, axis=-1):
    """The k largest entries along `axis`: (values, indices), largest first; ties go to the lower
    index and NaN ranks above +inf (the first k of a stable descending sort). 0 <= k <= axis length.
    Inside ff.jit k may be a traced int scalar (one trace for every k), checked at run time.

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> values, indices = ff.top_k(x, 2)
        >>> values.tolist(), indices.tolist()
        ([[3.0, 2.0], [4.0, 1.5]], [[0, 2], [1, 2]])
    """
    if isinstance(x, Traced):
        return _traced_top_k(x, k, axis)
    arr = _as_array("top_k", "x", x)
    _not_traced("top_k", k=k)
    k = _as_count("k", k)
    if arr.ndim == 0:
        raise np.exceptions.AxisError(axis if isinstance(axis, int) else 0, 0, "axis")
    ax = _as_axis(axis, arr.ndim)
    arr = np.ascontiguousarray(arr)
    outer, n, inner = _view(arr.shape, ax)
    if k > n:
        raise ValueError(f"k: must be at most the length of axis {ax} ({n}), got {k}")
    values, indices = _core.array_top_k(_flat(arr), outer, n, inner, k)
    if arr.dtype == np.bool_:
        values = values.view(np.bool_)
    shape = list(arr.shape)
    shape[ax] = k
    return values.reshape(shape), indices.reshape(shape)


# --------------------------------------------------------------------------- order statistics

def _reduced(arr, axis):
    """(array, axis, result shape without the axis) for axis=None|int."""
    if axis is None:
        flat = np.ascontiguousarray(arr).reshape(-1)
        return flat, 0, ()
    ax = _as_axis(axis, arr.ndim)
    return np.ascontiguousarray(arr), ax, arr.shape[:ax] + arr.shape[ax + 1:]


def _scalar_or_array(out):
    return out[()] if out.ndim == 0 else out


def _keep(out, arr_shape, axis, keepdims):
    """The reduced result with the axis kept as length 1 (axis=None: every axis) when keepdims."""
    if not keepdims:
        return out
    out = np.asarray(out)
    lead = out.shape[:out.ndim - (len(arr_shape) - (1 if axis is not None else len(arr_shape)))]
    kept = tuple(1 if (axis is None or k == axis) else d for k, d in enumerate(arr_shape))
    return out.reshape(lead + kept)


def median(x, axis=None, keepdims=False):
    """Median along `axis` (None: all), NumPy's way: the middle value or the mean of the two
    middle ones; float32 stays float32, everything else gives float64; NaN in a line gives NaN;
    an empty line gives NaN with a RuntimeWarning, as NumPy (inside ff.jit: NaN, no warning).
    ``keepdims=True`` keeps the reduced axis (every axis for axis=None) as length 1.

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.median(x, axis=1)
        array([2. , 1.5])
    """
    if isinstance(x, Traced):
        _traced_x("median", x)
        return _stat("median", [x], None if axis is None else _as_axis(axis, x.ndim), keepdims)
    arr = _as_array("median", "x", x)
    full_shape, norm_axis = arr.shape, None if axis is None else _as_axis(axis, arr.ndim)
    arr, ax, shape = _reduced(arr, axis)
    outer, n, inner = _view(arr.shape, ax)
    if n == 0 and outer * inner > 0:
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=2)
    out = _core.array_median(_flat(arr), outer, n, inner)
    if keepdims:
        return _keep(out.reshape(shape), full_shape, norm_axis, True)
    return _scalar_or_array(out.reshape(shape))


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """q-th quantiles along `axis` (None: all) with NumPy's default "linear" method, reproducing
    NumPy's arithmetic (and its result dtype: float64, or float32 for float32 data with a Python
    float q; integer q picks order statistics in the input dtype). The result has q's shape
    followed by the reduced shape. NaN in a line gives NaN. Rules: q in [0, 1] (ValueError naming
    q), method "linear" only, an empty axis is a ValueError naming x (NumPy: IndexError), bool data
    with a fractional q is a TypeError (NumPy cannot subtract bools). ``keepdims=True`` keeps the
    reduced axis as length 1 after q's axes. Inside ff.jit q is a Python float or a traced float
    scalar or 1-D array (the rules above are then checked at run time).

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.quantile(x, [0.25, 0.5])
        array([1.125, 1.75 ])
    """
    if method != "linear":
        raise ValueError(f"method: only 'linear' (NumPy's default) is supported, got {method!r}")
    if isinstance(x, Traced):
        return _traced_quantile(x, q, axis, keepdims)
    arr = _as_array("quantile", "x", x)
    _not_traced("quantile", q=q)
    full_shape, norm_axis = arr.shape, None if axis is None else _as_axis(axis, arr.ndim)
    weak = type(q) in (int, float)
    q_arr = np.asarray(q)
    if q_arr.dtype == np.bool_:
        q_arr = q_arr.astype(np.int64)
    if q_arr.dtype.kind not in "iuf":
        raise TypeError(f"q: must be a real number or an array of them, got dtype {q_arr.dtype}")
    if not (np.all(q_arr >= 0) and np.all(q_arr <= 1)):
        raise ValueError("q: quantiles must be in the range [0, 1]")
    arr, ax, shape = _reduced(arr, axis)
    outer, n, inner = _view(arr.shape, ax)
    if n == 0:
        raise ValueError(f"x: cannot take a quantile along an empty axis (axis {ax} has length 0)")
    if q_arr.dtype.kind in "iu":
        # Integer q (0 or 1): NumPy takes the order statistic itself, in the input dtype.
        ordered = sort(arr, axis=ax)
        picked = np.take(ordered, (n - 1) * q_arr.astype(np.int64), axis=ax)
        picked = np.moveaxis(picked, list(range(ax, ax + q_arr.ndim)), list(range(q_arr.ndim)))
        if arr.dtype.kind == "f":
            has_nan = np.isnan(np.take(ordered, -1, axis=ax))
            picked = np.where(has_nan, np.asarray(np.nan, arr.dtype), picked)
        return _keep(np.array(picked), full_shape, norm_axis, True) if keepdims else _scalar_or_array(np.array(picked))
    if arr.dtype == np.bool_:
        raise TypeError("x: ff.quantile of a bool array with a fractional q is not supported (NumPy "
                        "cannot subtract bools); convert x to an integer dtype")
    narrow = arr.dtype == np.float32 and (weak or q_arr.dtype == np.float32)
    qs = np.ascontiguousarray(q_arr, dtype=np.float64).reshape(-1)
    # NumPy computes the virtual index (n - 1) * q in q's dtype: float32 for a float32 q array.
    out = _core.array_quantile(_flat(arr), outer, n, inner, qs, narrow, q_arr.dtype == np.float32)
    if keepdims:
        return _keep(out.reshape(q_arr.shape + shape), full_shape, norm_axis, True)
    return _scalar_or_array(out.reshape(q_arr.shape + shape))


# --------------------------------------------------------------------------- counting

def bincount(x, weights=None, minlength=0, length=None):
    """Occurrences of each value of the non-negative integer array x (np.bincount): int64 counts,
    or float64 sums of `weights` (added in index order: bitwise NumPy's). ``length=`` fixes the
    output length exactly (a value >= length is a ValueError naming x): inside ff.jit the output
    length must be static, so there ``length=`` (or ``minlength=`` > 0, taken as the length) is
    required.

    Example:
        >>> ff.bincount(np.array([0, 2, 2, 5])).tolist()
        [1, 0, 2, 0, 0, 1]
    """
    if isinstance(x, Traced):
        return _traced_bincount(x, weights, minlength, length)
    arr = _as_array("bincount", "x", x, kernel_dtype=False)
    _not_traced("bincount", weights=weights, length=length)
    minlength = _as_count("minlength", minlength)
    if length is not None:
        length = _as_count("length", length)
        if length < minlength:
            raise ValueError(f"length: must be at least minlength ({minlength}), got {length}")
    if arr.ndim != 1:
        raise ValueError(f"x: must be 1-D, got an array of shape {arr.shape}")
    if arr.dtype == np.bool_:
        arr = arr.view(np.uint8)
    if arr.dtype.kind not in "iu" or not np.can_cast(arr.dtype, np.int64):
        raise TypeError(f"x: must be an integer array castable to int64, got dtype {arr.dtype}")
    if arr.dtype.type not in (np.uint8, np.int32, np.int64):
        arr = arr.astype(np.int64)
    arr = np.ascontiguousarray(arr)
    w = None
    if weights is not None:
        w = np.asarray(weights)
        if w.dtype.kind not in "biuf":
            raise TypeError(f"weights: must be a real array, got dtype {w.dtype}")
        w = np.ascontiguousarray(w, dtype=np.float64)
        if w.shape != arr.shape:
            raise ValueError(f"weights: must have the shape of x {arr.shape}, got {w.shape}")
    if length is not None:
        # A fixed output length (what ff.jit needs): exactly `length` bins; a value outside is an error.
        if arr.size and int(arr.max()) >= length:
            raise ValueError(f"x: holds the value {int(arr.max())}, outside the {length} bins of length=")
        if arr.size == 0:
            return np.zeros(length, np.float64 if w is not None else np.int64)
        return _core.array_bincount(arr, w, length)
    if arr.size == 0:
        return np.zeros(minlength, np.int64)  # NumPy: int64 zeros even with weights
    return _core.array_bincount(arr, w, minlength)


def histogram(x, bins=10, range=None):  # noqa: A002 (NumPy's argument name)
    """np.histogram of the flattened x: `bins` equal bins over `range` (default: x's min and max)
    or explicit increasing edges; returns (int64 counts, edges). The last bin is closed; values
    outside the range and NaN are not counted. Edges and bin assignment follow NumPy's own
    arithmetic, so values on an edge land where NumPy puts them. Inside ff.jit x is 1-D and an
    integer `bins` needs ``range=`` (Python numbers or traced scalars), or `bins` is a traced array.

    Example:
        >>> counts, edges = ff.histogram(np.array([0.5, 1.0, 2.5, 3.9]), bins=4, range=(0.0, 4.0))
        >>> counts.tolist(), edges.tolist()
        ([1, 1, 1, 1], [0.0, 1.0, 2.0, 3.0, 4.0])
    """
    if isinstance(x, Traced):
        return _traced_histogram(x, bins, range)
    arr = _as_array("histogram", "x", x)
    _not_traced("histogram", bins=bins)
    if arr.dtype == np.bool_:
        raise TypeError("x: ff.histogram of a bool array is not supported; convert x to an integer dtype")
    arr = np.ascontiguousarray(arr).reshape(-1)
    if isinstance(bins, str):
        raise TypeError(f"bins: must be an integer or a 1-D array of edges; estimators such as {bins!r} "
                        "are not supported")
    if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        nbins = operator.index(bins)
        if nbins < 1:
            raise ValueError(f"bins: must be a positive integer, got {nbins}")
        first, last = _outer_edges(arr, range)
        bin_type = np.result_type(first, last, arr)
        if np.issubdtype(bin_type, np.integer):
            bin_type = np.result_type(bin_type, float)
        edges = np.linspace(first, last, nbins + 1, endpoint=True, dtype=bin_type)
        if np.any(edges[:-1] >= edges[1:]):
            raise ValueError(f"bins: too many bins ({nbins}) for the data range [{first}, {last}]")
        denom_dtype = np.result_type(last, first)
        if np.issubdtype(denom_dtype, np.integer):
            denom = float(int(last) - int(first))  # NumPy subtracts integer edges exactly
            narrow = False
        else:
            denom_value = np.subtract(last, first, dtype=denom_dtype)
            denom = float(denom_value)
            narrow = bin_type == np.float32 and denom_dtype == np.float32
        data = arr if bin_type != np.float64 or arr.dtype != np.float32 else arr.astype(np.float64)
        counts = _core.array_histogram(_flat(data), edges, True, denom, narrow)
        return counts, edges
    if isinstance(bins, bool):
        raise TypeError("bins: must be an integer or a 1-D array of edges, got bool")
    edges = np.asarray(bins)
    if edges.ndim != 1 or edges.dtype.kind not in "iuf":
        raise ValueError(f"bins: must be an integer or a 1-D array of edges, got {edges.dtype} of shape {edges.shape}")
    if edges.size < 2:
        raise ValueError("bins: an array of edges needs at least 2 of them")
    if np.any(edges[:-1] > edges[1:]):
        raise ValueError("bins: edges must increase monotonically")
    if range is not None:
        _outer_edges(arr, range)  # NumPy checks range even when the edges are given
    counts = _core.array_histogram(_flat(arr), np.ascontiguousarray(edges, dtype=np.float64), False, 0.0, False)
    return counts, edges


def _outer_edges(arr, range):  # noqa: A002
    if range is not None:
        try:
            first, last = range
        except (TypeError, ValueError):
            raise ValueError(f"range: must be a pair (min, max), got {range!r}") from None
        if first > last:
            raise ValueError(f"range: max must be larger than min, got {range!r}")
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"range: supplied range of [{first}, {last}] is not finite")
    elif arr.size == 0:
        first, last = 0, 1
    else:
        first, last = arr.min(), arr.max()
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"x: autodetected range of [{first}, {last}] is not finite; pass range=")
    if first == last:
        first = first - 0.5
        last = last + 0.5
    return first, last


# --------------------------------------------------------------------------- gather

def take(x, idx, axis=0):
    """Elements of x at integer positions `idx` along `axis` (np.take; NB the default axis here is
    0 where NumPy's is None; axis=None takes from the flattened array). The result's shape is
    x.shape[:axis] + idx.shape + x.shape[axis+1:]. Negative indices count from the end; an index
    out of range is an IndexError naming `idx` with the first bad position and its value. Any
    fixed-size dtype; a bool or float idx is a TypeError (use x[mask] for boolean masks).

    Example:
        >>> x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
        >>> ff.jit(lambda x, i: ff.take(x, i, axis=1))(x, np.array([2, 0]))
        array([[2. , 3. ],
               [1.5, 0.5]])
    """
    if isinstance(x, Traced):
        return _traced_take(x, idx, axis)
    arr = _as_array("take", "x", x, kernel_dtype=False)
    _not_traced("take", idx=idx)
    if arr.dtype.hasobject or arr.dtype.itemsize == 0:
        raise TypeError(f"x: ff.take needs a fixed-size dtype, got {arr.dtype}")
    index = np.asarray(idx)
    if index.dtype.kind not in "iu":
        raise TypeError(f"idx: must be an integer array, got dtype {index.dtype}")
    if index.dtype.type not in (np.int32, np.int64):
        index = index.astype(np.int64)
    if not index.dtype.isnative:
        index = index.astype(index.dtype.newbyteorder("="))
    if axis is None:
        arr = np.ascontiguousarray(arr).reshape(-1)
        ax = 0
    else:
        ax = _as_axis(axis, arr.ndim)
        arr = np.ascontiguousarray(arr)
    outer, n, inner = _view(arr.shape, ax)
    raw = arr.reshape(-1).view(np.uint8)
    flat_idx = np.ascontiguousarray(index).reshape(-1)
    out = _empty(arr.shape[:ax] + index.shape + arr.shape[ax + 1:], arr.dtype)
    _core.array_take(raw, outer, n, inner, arr.dtype.itemsize, flat_idx, out.reshape(-1).view(np.uint8))
    return out
