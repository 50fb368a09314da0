"""ff.sum, ff.mean, ff.min, ff.max, ff.argmin, ff.argmax, ff.dot, ff.norm: traced inside ff.jit
(whole-array reductions of arrays of any rank), NumPy outside. Part of the tracing DSL
(fuseflow.dsl re-exports every name here)."""

import numpy as np

from .dsl import Traced, _context_of, _lift, _located

__all__ = ["sum", "mean", "min", "max", "argmin", "argmax", "dot", "norm"]


def _require_array(x, fn):
    if not x.is_array:
        raise TypeError(f"ff.{fn}: x must be an array, got a scalar")


def _whole_array_only(fn, axis, keepdims):
    """Inside ff.jit, reductions are over the whole array (any rank) for now: an axis or keepdims
    is a NotImplementedError naming the function (outside ff.jit NumPy takes both)."""
    if axis is not None or keepdims:
        raise NotImplementedError(f"ff.{fn}(axis=..., keepdims=...) inside ff.jit is not implemented yet: only "
                                  f"whole-array reductions (axis=None, keepdims=False) of arrays of any rank")


def _make_reduction(name, numpy_fn):
    def fn(x, axis=None, keepdims=False):
        if isinstance(x, Traced):
            _require_array(x, name)
            _whole_array_only(name, axis, keepdims)
            return Traced(x._ctx, _located(x._ctx).reduce(name, x._id))
        return numpy_fn(np.asarray(x), axis=axis, keepdims=keepdims)

    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = (f"{name} over the whole array, any rank (a traced scalar inside ff.jit; axis=/keepdims= "
                  f"are NumPy's outside ff.jit and not implemented inside it yet).")
    return fn


sum = _make_reduction("sum", np.sum)  # noqa: A001
mean = _make_reduction("mean", np.mean)
min = _make_reduction("min", np.min)  # noqa: A001
max = _make_reduction("max", np.max)  # noqa: A001
argmin = _make_reduction("argmin", np.argmin)
argmax = _make_reduction("argmax", np.argmax)


def dot(a, b):
    """Inner product of two 1-D arrays of the same length."""
    ctx = _context_of(a, b)
    if ctx is None:
        return np.dot(a, b)
    x, y = _lift(ctx, a, "a"), _lift(ctx, b, "b")
    return Traced(ctx, _located(ctx).dot(x._id, y._id))


_NORMS = ("l1", "l2", "inf")


def norm(x, kind="l2"):
    """Vector norm of all elements (any rank): "l1" (sum of ``abs(x)``), "l2" (Euclidean) or "inf" (max of ``abs(x)``)."""
    if kind not in _NORMS:
        raise ValueError(f'kind: must be "l1", "l2" or "inf", got {kind!r}')
    if isinstance(x, Traced):
        _require_array(x, "norm")
        return Traced(x._ctx, _located(x._ctx).norm(x._id, kind))
    x = np.asarray(x).ravel()  # a vector norm of all elements, at any rank (as traced)
    order = {"l1": 1, "l2": 2, "inf": np.inf}[kind]
    return np.linalg.norm(x, ord=order) if x.size else 0.0
