"""ff.sum, mean, min, max, prod, any, all, argmin, argmax, var, std, norm, logsumexp, softmax, dot:
traced inside ff.jit, NumPy outside. Part of the tracing DSL (fuseflow.dsl re-exports every name here).

Inside ff.jit every reduction takes NumPy's ``axis=`` (None, an int or a tuple of ints; negative
counts from the end) and ``keepdims=``. Whole-array reductions (axis=None, keepdims=False) of
sum/mean/min/max/argmin/argmax/norm are accumulated inside the fused kernel of their producers;
the others are one ``reduce_axes`` step (IR), whose result broadcasts back into the consumers'
kernels (x - x.max(axis=-1, keepdims=True) reads the row maxima with stride 0, never copied).

Rules (errors name the argument): axis must be ints (TypeError), in [-ndim, ndim) (AxisError, a
ValueError and IndexError) and distinct (ValueError); argmin/argmax take one int axis or None;
ddof must be a real number (TypeError). min/max/argmin/argmax along an empty axis raise ValueError
at run time, as in NumPy.

Inside ff.jit, min/max order zeros as IEEE 754-2019 does (-0.0 < +0.0): a min over values holding
both zeros is -0.0 and a max +0.0, on every path and thread count (NumPy's sign there follows the
order it meets them in, which eager calls on NumPy arrays keep). NaN wins, as in NumPy.
"""

import operator

import numpy as np

from .dsl import Traced, _context_of, _lift, _located

__all__ = ["sum", "mean", "min", "max", "prod", "any", "all", "argmin", "argmax", "var", "std", "dot",
           "norm", "logsumexp", "softmax"]

def _require_array(x, fn):
    if not x.is_array:
        raise TypeError(f"ff.{fn}: x must be an array, got a scalar")


def _axes(fn, axis, ndim, single=False):
    """axis (None, int or tuple of ints) as a sorted tuple of distinct non-negative axes (None: all)."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        if single:
            raise TypeError(f"axis: ff.{fn} takes one int axis or None, got {axis!r}")
        items = tuple(axis)
    else:
        items = (axis,)
    out = []
    for a in items:
        if isinstance(a, (bool, np.bool_)) or isinstance(a, Traced):
            raise TypeError(f"axis: ff.{fn} needs Python ints, got {a!r}")
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"axis: ff.{fn} needs an int or a tuple of ints, got {a!r}") from None
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(f"axis: {a} is out of bounds for an array of dimension {ndim} (ff.{fn})")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"axis: duplicate value in axis={axis!r} (ff.{fn})")
    return tuple(sorted(out))


def _reduce_axes(x, kind, axes, keepdims, ddof=0.0):
    return Traced(x._ctx, _located(x._ctx).reduce_axes(x._id, kind, list(axes), bool(keepdims), float(ddof)))


def _no_axes(x, kind, ddof=0.0):
    """A reduction over no axes (axis=()): NumPy gives every element on its own, in the result dtype."""
    dt = x.dtype
    if kind in ("sum", "prod"):
        return x.astype(np.int64) if dt.kind in "bi" else x
    if kind in ("mean", "var"):
        xf = x.astype(np.float64) if dt.kind in "bi" else x
        if kind == "mean":
            return xf
        d = xf - xf  # 0, or NaN where x is inf/NaN (as NumPy's x - mean)
        return (d * d) / (1.0 - ddof if ddof < 1 else 0.0)  # n - ddof with n = 1, clamped at 0
    if kind in ("any", "all"):
        return x != 0
    return x  # min, max


_WHOLE = ("sum", "mean", "min", "max", "argmin", "argmax")  # fused whole-array IR reductions


def _traced_reduce(x, kind, axis, keepdims, ddof=0.0):
    _located(x._ctx)  # a value leaked from a finished trace raises its own error before x.ndim is read
    _require_array(x, kind)
    ndim = x.ndim
    axes = _axes(kind, axis, ndim, single=kind in ("argmin", "argmax"))
    if axes is None:
        if not keepdims and kind in _WHOLE:
            return Traced(x._ctx, _located(x._ctx).reduce(kind, x._id))
        if kind in ("argmin", "argmax"):
            if ndim > 1:
                raise NotImplementedError(f"ff.{kind}(axis=None, keepdims=True) of an N-d array inside ff.jit "
                                          f"is not implemented; give an axis")
            axes = (0,)
        else:
            axes = tuple(range(ndim))
    if not axes:
        return _no_axes(x, kind, ddof)
    return _reduce_axes(x, kind, axes, keepdims, ddof)


# Each reduction's docstring example: NumPy's answers (computed with NumPy, not fuseflow) along
# axis=1 and along axis=0 with keepdims, for the 2x3 array the example shows.
_REDUCTION_EXAMPLES = {
    "sum": ("array([ 8., 10.])", "array([[5., 5., 8.]])"),
    "mean": ("array([2.66666667, 3.33333333])", "array([[2.5, 2.5, 4. ]])"),
    "min": ("array([1., 0.])", "array([[1., 0., 2.]])"),
    "max": ("array([5., 6.])", "array([[4., 5., 6.]])"),
    "prod": ("array([10.,  0.])", "array([[ 4.,  0., 12.]])"),
    "any": ("array([ True,  True])", "array([[ True,  True,  True]])"),
    "all": ("array([ True, False])", "array([[ True, False,  True]])"),
    "argmin": ("array([0, 1])", "array([[0, 1, 0]])"),
    "argmax": ("array([1, 2])", "array([[1, 0, 1]])"),
}


def _make_reduction(name, numpy_fn):
    def fn(x, axis=None, keepdims=False):
        if isinstance(x, Traced):
            return _traced_reduce(x, name, axis, keepdims)
        return numpy_fn(np.asarray(x), axis=axis, keepdims=keepdims)

    fn.__name__ = name
    fn.__qualname__ = name
    rows, cols = _REDUCTION_EXAMPLES[name]
    fn.__doc__ = (f"{name} along axis (None: all; an int or a tuple of ints, negative from the end), "
                  f"with keepdims, like numpy.{numpy_fn.__name__}; traced inside ff.jit.\n\n"
                  f"Example:\n"
                  f"    >>> x = np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]])\n"
                  f"    >>> ff.jit(lambda x: ff.{name}(x, axis=1))(x)\n"
                  f"    {rows}\n"
                  f"    >>> ff.jit(lambda x: ff.{name}(x, axis=0, keepdims=True))(x)\n"
                  f"    {cols}\n")
    return fn


sum = _make_reduction("sum", np.sum)  # noqa: A001
mean = _make_reduction("mean", np.mean)
min = _make_reduction("min", np.min)  # noqa: A001
max = _make_reduction("max", np.max)  # noqa: A001
prod = _make_reduction("prod", np.prod)
any = _make_reduction("any", np.any)  # noqa: A001
all = _make_reduction("all", np.all)  # noqa: A001
argmin = _make_reduction("argmin", np.argmin)
argmax = _make_reduction("argmax", np.argmax)


def _ddof(ddof):
    if isinstance(ddof, (bool, np.bool_)) or not isinstance(ddof, (int, float, np.integer, np.floating)):
        raise TypeError(f"ddof: must be a real number, got {ddof!r}")
    ddof = float(ddof)
    if ddof != ddof:
        raise ValueError("ddof: must not be NaN")
    return ddof


def var(x, axis=None, ddof=0, keepdims=False):
    """Variance along axis: mean of squared deviations divided by n - ddof (two passes, float64
    accumulation); like numpy.var (n - ddof <= 0 gives inf or NaN).

    Example:
        >>> x = np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]])
        >>> ff.jit(lambda x: ff.var(x, axis=1, ddof=1))(x)
        array([4.33333333, 9.33333333])
    """
    ddof = _ddof(ddof)
    if isinstance(x, Traced):
        if ddof != round(ddof):
            raise ValueError(f"ddof: must be an integer inside ff.jit, got {ddof}")
        return _traced_reduce(x, "var", axis, keepdims, ddof)
    return np.var(np.asarray(x), axis=axis, ddof=ddof, keepdims=keepdims)


def std(x, axis=None, ddof=0, keepdims=False):
    """Standard deviation: sqrt(var(x, axis, ddof, keepdims)), like numpy.std.

    Example:
        >>> x = np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]])
        >>> np.round(ff.jit(lambda x: ff.std(x, axis=0))(x), 6)
        array([1.5, 2.5, 2. ])
    """
    if isinstance(x, Traced):
        from .dsl import sqrt
        return sqrt(var(x, axis=axis, ddof=ddof, keepdims=keepdims))
    return np.std(np.asarray(x), axis=axis, ddof=_ddof(ddof), keepdims=keepdims)


def _as_float(x):
    return x.astype(np.float64) if x.dtype.kind in "bi" else x


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x), axis)) without overflow (the maximum is subtracted first), like
    scipy.special.logsumexp: -inf for all -inf, inf if any +inf, NaN propagates.

    Example:
        >>> x = np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]])
        >>> np.round(ff.jit(lambda x: ff.logsumexp(x, axis=1))(x), 6)  # scipy.special.logsumexp's answer
        array([5.065884, 6.129109])
    """
    if not isinstance(x, Traced):
        x = np.asarray(x)
        if x.dtype.kind in "bi":
            x = x.astype(np.float64)
        m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
        return s if keepdims else np.squeeze(s, axis=axis) if axis is not None else s.reshape(())[()]
    from .dsl import exp, log, where
    _require_array(x, "logsumexp")
    x = _as_float(x)
    m = max(x, axis=axis, keepdims=True)
    shift = where((m - m) == 0, m, 0.0)  # finite maxima only: all -inf rows give log(0) = -inf
    s = log(sum(exp(x - shift), axis=axis, keepdims=keepdims))
    if keepdims:
        return s + shift
    return s + where(max(x, axis=axis) - max(x, axis=axis) == 0, max(x, axis=axis), 0.0)


def softmax(x, axis=-1):
    """exp(x - max) / sum(exp(x - max)) along axis (default the last; None: all elements), like
    scipy.special.softmax. Inside ff.jit: a max step, one fused exp pass writing e and the sum
    step, one fused divide pass.

    Example:
        >>> x = np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]])
        >>> np.round(ff.jit(lambda x: ff.softmax(x))(x), 6)  # scipy.special.softmax(x, axis=-1)
        array([[0.017148, 0.93624 , 0.046613],
               [0.118943, 0.002179, 0.878878]])
    """
    if not isinstance(x, Traced):
        x = np.asarray(x)
        if x.dtype.kind in "bi":
            x = x.astype(np.float64)
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)
    from .dsl import exp
    _require_array(x, "softmax")
    x = _as_float(x)
    e = exp(x - max(x, axis=axis, keepdims=True))
    return e / sum(e, axis=axis, keepdims=True)


def dot(a, b):
    """Inner product of two 1-D arrays of the same length.

    Example:
        >>> float(ff.jit(lambda a, b: ff.dot(a, b))(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])))
        32.0
    """
    ctx = _context_of(a, b)
    if ctx is None:
        return np.dot(a, b)
    x, y = _lift(ctx, a, "a"), _lift(ctx, b, "b")
    return Traced(ctx, _located(ctx).dot(x._id, y._id))


_NORMS = ("l1", "l2", "inf")


def norm(x, kind="l2", axis=None, keepdims=False):
    """Vector norm along axis (None: all elements, any rank): "l1" (sum of ``abs(x)``), "l2"
    (Euclidean) or "inf" (max of ``abs(x)``; 0 for an empty array when axis is None).

    Example:
        >>> float(ff.jit(lambda x: ff.norm(x))(np.array([3.0, -4.0]))), float(ff.norm(np.array([3.0, -4.0]), "l1"))
        (5.0, 7.0)
        >>> x = np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]])
        >>> ff.jit(lambda x: ff.norm(x, axis=1))(x)
        array([5.47722558, 7.21110255])
    """
    if kind not in _NORMS:
        raise ValueError(f'kind: must be "l1", "l2" or "inf", got {kind!r}')
    if isinstance(x, Traced):
        _require_array(x, "norm")
        if axis is None and not keepdims:
            return Traced(x._ctx, _located(x._ctx).norm(x._id, kind))
        from .dsl import sqrt, square
        a = abs(_as_float(x))
        if kind == "l2":
            return sqrt(sum(square(a), axis=axis, keepdims=keepdims))
        return (sum if kind == "l1" else max)(a, axis=axis, keepdims=keepdims)
    x = np.asarray(x)
    order = {"l1": 1, "l2": 2, "inf": np.inf}[kind]
    if axis is None and not keepdims:
        x = x.ravel()  # a vector norm of all elements, at any rank (as traced)
        return np.linalg.norm(x, ord=order) if x.size else 0.0
    a = np.abs(x.astype(np.float64) if x.dtype.kind in "bi" else x)
    if kind == "l2":
        return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
    return (np.sum if kind == "l1" else np.max)(a, axis=axis, keepdims=keepdims)
