"""Shape functions of arrays: reshape, concatenate, stack.

Inside ``ff.jit`` they record IR ops (reshape: one copy step; concatenate/stack: one step writing
every operand into one output); outside it they are NumPy's functions on the given arrays.
Axis lengths of traced arrays are symbols, so ``x.reshape(a, b)`` takes Python ints (one may be
-1) or traced int scalars, and the check that the element counts agree (NumPy's ValueError
naming the shape) happens when the function runs.
"""

import numbers

import numpy as np

from . import _slicing

__all__ = ["reshape", "concatenate", "stack"]

_MAX_RANK = 4


def _shape_entries(shape):
    """The reshape arguments as a tuple of entries (x.reshape(2, 3) and x.reshape((2, 3)))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _traced_reshape(x, shape, order):
    from .dsl import Traced, _located, where
    if order != "C":
        raise NotImplementedError(f"order: only order='C' is implemented inside ff.jit, got {order!r}")
    if not x.is_array:
        raise TypeError("x: reshape needs an array, got a traced scalar")
    entries = _shape_entries(shape)
    if not 1 <= len(entries) <= _MAX_RANK:
        raise ValueError(f"shape: inside ff.jit an array has 1 to {_MAX_RANK} axes, got {len(entries)} entries")
    ctx = x._ctx
    unknown = None
    values = []
    only_ones = True  # every known entry a literal 1: the unknown axis is x.size, x's own symbol
    for k, e in enumerate(entries):
        if isinstance(e, Traced):
            if e.is_array or e.dtype.kind not in "iu":
                raise TypeError(f"shape: entries must be integers or traced int scalars, got {e!r} at position {k}")
            values.append(e)
            only_ones = False
            continue
        if isinstance(e, bool) or not isinstance(e, (numbers.Integral, np.integer)):
            raise TypeError(f"shape: entries must be integers or traced int scalars, got {type(e).__name__} at position {k}")
        e = int(e)
        only_ones = only_ones and e in (1, -1)
        if e == -1:
            if unknown is not None:
                raise ValueError("shape: can only specify one unknown dimension (-1)")
            unknown = k
            values.append(None)
            continue
        if e < 0:
            raise ValueError(f"shape: negative dimensions are not allowed, got {e} at position {k}")
        if e > 2 ** 62:
            raise ValueError(f"shape: dimension {e} at position {k} is too large")
        # One traced constant per length (per trace), so equal reshapes get equal axis symbols.
        values.append(_slicing._cached(ctx, ("const", e), lambda e=e: Traced(ctx, _located(ctx).constant_int(e, "int64", True))))
    if unknown is not None and only_ones:
        values[unknown] = x.size  # (n0,) -> (n0, 1) keeps n0: broadcasts against (n0, n1)
    elif unknown is not None:
        def infer_unknown():
            size = x.size
            known = None
            for v in values:
                if v is not None:
                    known = v if known is None else known * v
            if known is None:
                return size
            # NumPy's unknown axis; -1 (a run-time ValueError naming the shape) when the known
            # axes are 0 or do not divide the element count.
            divisor = where(known == 0, 1, known)
            return where((known == 0) | (size % divisor != 0), -1, size // divisor)
        # Cached per (element-count symbol, known lengths): x.reshape(2, -1) + y.reshape(2, -1)
        # of equally long x and y get one axis symbol.
        key = ("unknown", x._type[2], unknown, tuple(None if v is None else v._id for v in values))
        values[unknown] = _slicing._cached(ctx, key, infer_unknown)
    return Traced(ctx, _located(ctx).reshape(x._id, [v._id for v in values]))


def reshape(x, *shape, order="C"):
    """x's elements in C order as the given shape (np.reshape; ``x.reshape(...)`` inside ff.jit).

    shape: ints (one may be -1: the length that makes the counts agree) or, inside ff.jit, traced
    int scalars (such as x.size). Element counts that differ are a ValueError naming the shape (at
    run time inside ff.jit, where axis lengths are symbols). Inside ff.jit the result is a copy.

    Example:
        >>> ff.jit(lambda x: ff.reshape(x, 2, -1) * 2)(np.arange(6.0))
        array([[ 0.,  2.,  4.],
               [ 6.,  8., 10.]])
    """
    from .dsl import Traced
    if isinstance(x, Traced):
        return _traced_reshape(x, shape, order)
    return np.reshape(np.asarray(x), _shape_entries(shape), order=order)


# --------------------------------------------------------------------------- concatenate / stack

_MAX_JOIN = 256  # arrays per concatenate/stack inside ff.jit (the IR op's operand limit)


def _join_operands(name, arrays):
    """(ctx, traced arrays cast to NumPy's result dtype) of a traced concatenate/stack, or None
    when no entry is traced (the eager path)."""
    from .dsl import Traced
    if isinstance(arrays, Traced):
        raise TypeError(f"arrays: ff.{name} takes a sequence of arrays, got one traced array (wrap it in a list)")
    try:
        items = list(arrays)
    except TypeError:
        raise TypeError(f"arrays: ff.{name} takes a sequence of arrays, got {type(arrays).__name__}") from None
    if not any(isinstance(a, Traced) for a in items):
        return None, items
    if not items:
        raise ValueError(f"arrays: need at least one array to {name}")
    if len(items) > _MAX_JOIN:
        raise ValueError(f"arrays: at most {_MAX_JOIN} arrays per ff.{name} inside ff.jit, got {len(items)}")
    for k, a in enumerate(items):
        if not isinstance(a, Traced):
            raise TypeError(f"arrays: inside ff.jit every entry of ff.{name} must be a traced array, got "
                            f"{type(a).__name__} at position {k}")
        if not a.is_array:
            raise ValueError(f"arrays: zero-dimensional arrays cannot be {'concatenated' if name == 'concatenate' else 'stacked'} "
                             f"(a traced scalar at position {k})")
    ctx = items[0]._ctx
    if any(a._ctx is not ctx for a in items):
        raise ValueError(f"arrays: the entries of ff.{name} come from different ff.jit traces")
    dtype = np.result_type(*[a.dtype for a in items])
    return ctx, [a if a.dtype == dtype else a.astype(dtype) for a in items]


def _join_axis(axis, rank):
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"axis: must be an integer, got {type(axis).__name__}")
    axis = int(axis)
    if not -rank <= axis < rank:
        raise np.exceptions.AxisError(axis, rank, "axis")
    return axis % rank


def concatenate(arrays, axis=0):
    """The arrays joined along an existing axis (np.concatenate). Inside ff.jit: traced arrays of
    one rank whose other axes have the same lengths (the same symbols: e.g. slices or functions of
    one input), promoted to NumPy's result dtype; one step writes them into one output.

    Example:
        >>> ff.jit(lambda x: ff.concatenate([x[1:], x[:1]]))(np.arange(4.0))
        array([1., 2., 3., 0.])
    """
    from .dsl import Traced, _located
    ctx, items = _join_operands("concatenate", arrays)
    if ctx is None:
        return np.concatenate(items, axis=axis)
    if axis is None:
        raise NotImplementedError("axis: axis=None (flattening) is not implemented for ff.concatenate inside "
                                  "ff.jit; reshape(-1) each array first")
    rank = items[0].ndim
    for k, a in enumerate(items):
        if a.ndim != rank:
            raise ValueError(f"arrays: all the input arrays must have the same number of dimensions, but the array "
                             f"at position 0 has {rank} and the array at position {k} has {a.ndim}")
    axis = _join_axis(axis, rank)
    if len(items) == 1:
        return items[0]
    symbols = tuple(ctx.builder.shape_of(a._id)[axis] for a in items)

    def total():
        lengths = [_slicing._cached(ctx, ("dim", s), lambda a=a: Traced(ctx, _located(ctx).dim(a._id, axis)))
                   for s, a in zip(symbols, items)]
        t = lengths[0]
        for v in lengths[1:]:
            t = t + v
        return t

    # Cached per axis symbols: two concatenations of equally long pieces get one axis symbol.
    count = _slicing._cached(ctx, ("concat", symbols), total)
    return Traced(ctx, _located(ctx).join("concatenate", count._id, [a._id for a in items], axis))


def stack(arrays, axis=0):
    """The arrays (one shape) joined along a new axis (np.stack). Inside ff.jit: traced arrays
    whose shapes have the same symbols, promoted to NumPy's result dtype; one step.

    Example:
        >>> ff.jit(lambda x: ff.stack([x, x * 2], axis=1))(np.arange(3.0))
        array([[0., 0.],
               [1., 2.],
               [2., 4.]])
    """
    from .dsl import Traced, _located
    ctx, items = _join_operands("stack", arrays)
    if ctx is None:
        return np.stack(items, axis=axis)
    shape = ctx.builder.shape_of(items[0]._id)
    for k, a in enumerate(items):
        if ctx.builder.shape_of(a._id) != shape:
            raise ValueError(f"arrays: all input arrays must have the same shape, but the array at position 0 has "
                             f"[{', '.join(shape)}] and the array at position {k} has "
                             f"[{', '.join(ctx.builder.shape_of(a._id))}]")
    rank = len(shape) + 1
    if rank > _MAX_RANK:
        raise ValueError(f"arrays: stacking {len(shape)}-D arrays gives {rank} axes; ff.jit arrays have at most {_MAX_RANK}")
    axis = _join_axis(axis, rank)
    n = len(items)
    count = _slicing._cached(ctx, ("const", n), lambda: Traced(ctx, _located(ctx).constant_int(n, "int64", True)))
    return Traced(ctx, _located(ctx).join("stack", count._id, [a._id for a in items], axis))
