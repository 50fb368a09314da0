"""NumPy functions called on traced values inside ff.jit (``np.sum(x)``, ``np.where(c, x, y)``,
``np.exp(x)``, ``np.add.reduce(x)``): each maps to the fuseflow op it names, through
Traced.__array_function__ / __array_ufunc__. Anything else raises a TypeError naming the NumPy
function and the ff equivalent when there is one, instead of failing deep inside NumPy."""

import numpy as np

# numpy function -> (fuseflow function name, largest positional count, accepted keywords)
_FUNCTIONS = {
    np.sum: ("sum", 2, ("axis", "keepdims")),
    np.mean: ("mean", 2, ("axis", "keepdims")),
    np.min: ("min", 2, ("axis", "keepdims")),
    np.max: ("max", 2, ("axis", "keepdims")),
    np.amin: ("min", 2, ("axis", "keepdims")),
    np.amax: ("max", 2, ("axis", "keepdims")),
    np.argmin: ("argmin", 2, ("axis", "keepdims")),
    np.argmax: ("argmax", 2, ("axis", "keepdims")),
    np.where: ("where", 3, ()),
    np.clip: ("clip", 3, ()),
    np.dot: ("dot", 2, ()),
    np.round: ("round", 1, ()),
    np.around: ("round", 1, ()),
    np.linalg.norm: ("norm", 1, ()),
    # Array operations along an axis (fuseflow.array_ops) that trace.
    np.cumsum: ("cumsum", 2, ("axis",)),
    np.cumprod: ("cumprod", 2, ("axis",)),
    np.sort: ("sort", 2, ("axis",)),
    np.argsort: ("argsort", 2, ("axis",)),
    np.take: ("take", 3, ("axis",)),
    np.diff: ("diff", 3, ("n", "axis")),
    np.median: ("median", 2, ("axis", "keepdims")),
    np.quantile: ("quantile", 3, ("axis", "method", "keepdims")),
    np.bincount: ("bincount", 3, ("weights", "minlength")),
    np.histogram: ("histogram", 3, ("bins", "range")),
    # Shape operations (fuseflow.shape_ops): one copy step each.
    np.concatenate: ("concatenate", 2, ("axis",)),
    np.stack: ("stack", 2, ("axis",)),
    np.reshape: ("reshape", 3, ("shape", "newshape", "order")),
    np.transpose: ("transpose", 2, ("axes",)),
}

# ufunc.reduce on a traced array -> the fuseflow reduction.
_REDUCE = {np.add: "sum", np.maximum: "max", np.minimum: "min"}
# ufunc.accumulate on a traced array -> the fuseflow scan.
_ACCUMULATE = {np.add: "cumsum", np.multiply: "cumprod", np.maximum: "cummax", np.minimum: "cummin"}


def _ff(name):
    from . import array_ops, dsl, shape_ops  # DSL functions and reductions, axis ops, shape ops
    return getattr(dsl, name, None) or getattr(array_ops, name, None) or getattr(shape_ops, name)


def array_function(func, args, kwargs):
    """Traced.__array_function__: the fuseflow op for func, or a TypeError naming it."""
    name = getattr(func, "__name__", repr(func))
    entry = _FUNCTIONS.get(func)
    if entry is None:
        raise TypeError(f"numpy.{name} is not supported on traced values inside ff.jit; "
                        f"use ff.* functions (ff.sum, ff.where, ff.exp, ...) or move it outside the jit function")
    ff_name, max_positional, keywords = entry
    if func is np.round or func is np.around:
        decimals = args[1] if len(args) > 1 else kwargs.pop("decimals", 0)
        args = args[:1]
        if decimals != 0:
            raise TypeError(f"numpy.{name}(decimals={decimals!r}) is not supported inside ff.jit: only decimals=0 "
                            "(ff.round, half to even)")
    if func is np.linalg.norm:
        if len(args) > 1 or any(kwargs.get(k) is not None for k in ("ord", "axis")) or kwargs.get("keepdims"):
            raise TypeError("numpy.linalg.norm inside ff.jit: only the default 2-norm of the whole array; "
                            "use ff.norm(x, 'l1' | 'l2' | 'inf')")
        kwargs = {}
    if func is np.where and len(args) + len(kwargs) != 3:
        raise TypeError("numpy.where(condition) (the indices form) is not supported inside ff.jit; "
                        "use numpy.where(condition, x, y) or ff.where")
    if len(args) > max_positional:
        raise TypeError(f"numpy.{name} inside ff.jit takes at most {max_positional} positional arguments "
                        f"(as ff.{ff_name}), got {len(args)}")
    extra = sorted(k for k, v in kwargs.items() if k not in keywords and v is not None and v is not np._NoValue)
    if extra:
        raise TypeError(f"numpy.{name}({', '.join(e + '=' for e in extra)}...) is not supported inside ff.jit; "
                        f"ff.{ff_name} takes {', '.join(keywords) or 'no keywords'}")
    kwargs = {k: v for k, v in kwargs.items() if k in keywords and v is not np._NoValue}
    if func is np.reshape:  # np.reshape(a, shape, order) -> ff.reshape(a, *shape, order=order)
        shape = args[1] if len(args) > 1 else kwargs.pop("shape", kwargs.pop("newshape", None))
        kwargs.pop("newshape", None)
        if len(args) > 2:
            kwargs["order"] = args[2]
        shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
        return _ff("reshape")(args[0], *shape, **kwargs)
    if func is np.transpose:
        axes = args[1] if len(args) > 1 else kwargs.get("axes")
        return args[0].transpose(axes)
    return _ff(ff_name)(*args, **kwargs)


def array_ufunc(ufunc, method, inputs, kwargs, ufunc_names):
    """Traced.__array_ufunc__: `ufunc_names` maps ufuncs to DSL op names; returns (op name, how) or
    raises a TypeError naming what is not supported."""
    name = getattr(ufunc, "__name__", repr(ufunc))
    if method == "reduce" and ufunc in _REDUCE:
        bad = sorted(k for k, v in kwargs.items() if k not in ("axis", "keepdims") and v is not None)
        if bad or len(inputs) != 1:
            raise TypeError(f"numpy.{name}.reduce with {', '.join(bad) or 'several inputs'} is not supported inside "
                            f"ff.jit; use ff.{_REDUCE[ufunc]}")
        x, axis = inputs[0], kwargs.get("axis", 0)  # ufunc.reduce's default axis is 0
        if getattr(x, "ndim", None) == 1 and axis in (0, -1, (0,)):
            axis = None  # the whole 1-D array: the form every fuseflow reduction takes
        return _ff(_REDUCE[ufunc])(x, axis=axis, keepdims=kwargs.get("keepdims", False))
    if method == "accumulate" and ufunc in _ACCUMULATE:
        bad = sorted(k for k, v in kwargs.items() if k != "axis" and v is not None)
        if bad or len(inputs) != 1:
            raise TypeError(f"numpy.{name}.accumulate with {', '.join(bad) or 'several inputs'} is not supported "
                            f"inside ff.jit; use ff.{_ACCUMULATE[ufunc]}")
        return _ff(_ACCUMULATE[ufunc])(inputs[0], axis=kwargs.get("axis", 0))  # accumulate's default axis is 0
    if method != "__call__":
        raise TypeError(f"numpy.{name}.{method} is not supported on traced values inside ff.jit")
    if kwargs:
        raise TypeError(f"numpy.{name}({', '.join(k + '=' for k in sorted(kwargs))}...) is not supported inside "
                        "ff.jit: the result is a new traced value (no out=, where=, dtype=; use .astype)")
    if ufunc not in ufunc_names:
        raise TypeError(f"numpy.{name} is not supported on traced values inside ff.jit; use the ff.* equivalent")
    return None
