"""Basic slices of traced arrays: NumPy's slice rules turned into a slice op's count and begin.

A slice x[start:stop:step] along an axis of (run-time) length n keeps ``len(range(n)[start:stop:step])``
elements. The tracer computes that count as a traced int64 from ``dim`` (the axis length) and
writes the element count of each sliced axis as one canonical formula, so two slices with the same
count for every n (``x[1:]`` and ``x[:-1]``) get the same traced count and hence the same length
symbol: their results combine elementwise (``x[1:] - x[:-1]``).

The canonical formula is ceil(min(max(n - K, 0), L) / s) (L None = no cap); a negative step is
the positive one over the reversed axis (index i <-> n - 1 - i maps a bound c to -c - 1).
"""

import operator

# Cache keys of a count the canonical form cannot express (a start counted from the end with a
# stop counted from the front): those get a key of their own.
_GENERIC = "generic"
_BIG = 2 ** 60


def static_bound(value, what):
    """A slice bound as a Python int (None stays None); TypeError for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"index: slice {what} must be an int or None inside ff.jit, got bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"index: slice {what} must be a static int or None inside ff.jit (a traced or float "
                        f"bound is not supported), got {type(value).__name__}") from None


def normalize(sl):
    """(start, stop, step) of a slice with ints or None; ValueError for a zero step."""
    start = static_bound(sl.start, "start")
    stop = static_bound(sl.stop, "stop")
    step = static_bound(sl.step, "step")
    if step is None:
        step = 1
    if step == 0:
        raise ValueError("index: slice step cannot be zero")
    # Bounds beyond any axis length act as the largest ones; clamped so that the traced int64
    # arithmetic on them cannot overflow.
    def clamp(c):
        return None if c is None else max(-_BIG, min(_BIG, c))
    return clamp(start), clamp(stop), max(-_BIG, min(_BIG, step))


def count_form(start, stop, step):
    """The element count as a function of the axis length n: ("const", c), ("lin", K, L, s) for
    ceil(min(max(n - K, 0), L) / s) with L None for no cap, or (_GENERIC, start, stop, step)."""
    if step < 0:
        def flip(c):
            return None if c is None else -c - 1
        start, stop, step = flip(start), flip(stop), -step
    # lo: ("abs", a) means min(a, n); ("rel", a) means max(n - a, 0). hi likewise.
    lo = ("abs", 0) if start is None else ("abs", start) if start >= 0 else ("rel", -start)
    hi = ("rel", 0) if stop is None else ("abs", stop) if stop >= 0 else ("rel", -stop)
    if lo[0] == "abs" and hi[0] == "rel":
        return ("lin", lo[1] + hi[1], None, step)
    if lo[0] == "abs" and hi[0] == "abs":
        if hi[1] <= lo[1]:
            return ("const", 0)
        return ("lin", lo[1], hi[1] - lo[1], step)
    if lo[0] == "rel" and hi[0] == "rel":
        if lo[1] <= hi[1]:
            return ("const", 0)
        return ("lin", hi[1], lo[1] - hi[1], step)
    return (_GENERIC, start, stop, step)


def count_of(form, n):
    """The count a form gives for a Python int n (tests; mirrors the traced computation)."""
    if form[0] == "const":
        return form[1]
    if form[0] == "lin":
        _, k, cap, s = form
        v = max(n - k, 0)
        if cap is not None:
            v = min(v, cap)
        return (v + s - 1) // s
    _, start, stop, step = form
    return len(range(n)[start:stop:step])


# --------------------------------------------------------------------------- traced slices

import weakref  # noqa: E402

# Per trace: axis-length symbol name -> dim value id, and (symbol, form) -> count value id. An
# entry whose value was defined in a loop body that has ended is recomputed (builder.visible).
_memo = weakref.WeakKeyDictionary()


def _cached(ctx, key, make):
    memo = _memo.setdefault(ctx, {})
    v = memo.get(key)
    if v is None or not ctx.builder.visible(v._id):
        v = make()
        memo[key] = v
    return v


def with_new_axes(x, items):
    """x[items] for an index holding None (np.newaxis) beside basic slices and at most one
    Ellipsis: the slices as usual, then one reshape that inserts a length-1 axis at each None.
    The other axes are given by dim(...) and the new ones by the constant 1, so the result keeps
    x's axis symbols ((n0,) -> (n0, 1)) and broadcasts against arrays of those axes."""
    from .dsl import Traced, _located
    for it in items:
        if it is not None and it is not Ellipsis and not isinstance(it, slice):
            raise NotImplementedError("index: np.newaxis / None next to an integer or array index is not "
                                      "implemented inside ff.jit; index first, then add the axis (x[i][None])")
    ellipses = sum(it is Ellipsis for it in items)
    if ellipses > 1:
        raise IndexError("index: an index can only have a single ellipsis ('...')")
    ndim = x.ndim
    axes_given = sum(isinstance(it, slice) for it in items)
    if axes_given > ndim:
        raise IndexError(f"index: too many indices for a {ndim}-D array: {axes_given} were given")
    rest = [slice(None)] * (ndim - axes_given)
    expanded = []
    for it in items:
        expanded.extend(rest if it is Ellipsis else [it])
    if not ellipses:
        expanded.extend(rest)  # the axes the index does not name follow, as NumPy's
    if len(expanded) > 4:
        raise ValueError(f"index: inside ff.jit an array has 1 to 4 axes; this index makes {len(expanded)}")
    y = x[tuple(it for it in expanded if it is not None)]
    ctx = y._ctx
    shape = ctx.builder.shape_of(y._id)
    dims = []
    axis = 0
    for it in expanded:
        if it is None:
            dims.append(_cached(ctx, ("const", 1), lambda: Traced(ctx, _located(ctx).constant_int(1, "int64", True))))
            continue
        dims.append(_cached(ctx, ("dim", shape[axis]), lambda a=axis: Traced(ctx, _located(ctx).dim(y._id, a))))
        axis += 1
    return Traced(ctx, _located(ctx).reshape(y._id, [d._id for d in dims]))


def slice_axis(x, axis, sl):
    """x[..., start:stop:step, ...] on `axis` (a basic slice with static bounds) as one slice op;
    x itself when the slice keeps every element in order."""
    from .dsl import Traced, _located, maximum, minimum
    start, stop, step = normalize(sl)
    form = count_form(start, stop, step)
    if step > 0 and form == ("lin", 0, None, 1):
        return x
    ctx = x._ctx
    symbol = ctx.builder.shape_of(x._id)[axis]
    n = _cached(ctx, ("dim", symbol), lambda: Traced(ctx, _located(ctx).dim(x._id, axis)))

    def make_count():
        if form == ("lin", 0, None, 1):  # every element (reversed): keep the axis's own symbol
            if symbol.startswith("%") and ctx.builder.visible(int(symbol[1:])):
                return Traced(ctx, int(symbol[1:]))  # a run-time length: the count value itself
            if x.ndim == 1:
                return x.size  # length(x) has x's length symbol
        if form[0] == "const":
            return Traced(ctx, _located(ctx).constant_int(form[1], "int64", True))
        if form[0] == "lin":
            _, k, cap, s = form
            v = maximum(n - k, 0)
            if cap is not None:
                v = minimum(v, cap)
        else:  # a start from the end, a stop from the front (in positive-step coordinates)
            _, a, c, s = form
            v = maximum(minimum(n, c) - maximum(n + a, 0), 0)
        return v if s == 1 else (v + (s - 1)) // s

    count = _cached(ctx, ("count", symbol, form), make_count)
    # The first index kept (meaningful when count > 0, which the step checks).
    if step > 0:
        begin = 0 if start is None else start if start >= 0 else maximum(n + start, 0)
    else:
        begin = n - 1 if start is None else minimum(n - 1, start) if start >= 0 else n + start
    b = _located(ctx)
    if not isinstance(begin, Traced):
        begin = Traced(ctx, b.constant_int(begin, "int64", True))
    step_value = Traced(ctx, b.constant_int(step, "int64", True))
    return Traced(ctx, _located(ctx).slice(x._id, count._id, begin._id, step_value._id, axis))
