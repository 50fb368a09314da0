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

__all__ = ["reshape"]

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
    for k, e in enumerate(entries):
        if isinstance(e, Traced):
            if e.is_array or e.dtype.kind not in "iu":
                raise TypeError(f"shape: entries must be integers or traced int scalars, got {e!r} at position {k}")
            values.append(e)
            continue
        if isinstance(e, bool) or not isinstance(e, (numbers.Integral, np.integer)):
            raise TypeError(f"shape: entries must be integers or traced int scalars, got {type(e).__name__} at position {k}")
        e = int(e)
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
    if unknown is not None:
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
