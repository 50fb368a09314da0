"""Loops of the tracing DSL: ff.fori_loop, ff.while_loop and ff.converge, plus the flattening of
(nested tuple / list / namedtuple) carries and return values shared with ff.jit.

Inside ff.jit a loop body is traced once into a loop region that runs natively; outside, the same
functions loop in Python over NumPy values. ff.converge reports how it ended (ConvergeInfo,
ConvergenceWarning / ConvergenceError): see its docstring for the rule.
"""

import math
import numbers

import numpy as np

from ._checks import as_int
from ._warnings import ConvergenceInfo, report_convergence
from .dsl import _NORMS, Traced, TracedGraph, _context_of, _current, _lift, _located, dot, maximum, norm, sqrt
from .dsl import abs as _abs

__all__ = ["fori_loop", "while_loop", "converge", "ConvergeInfo"]


def _flatten(tree, leaves):
    """Tuples/lists of values -> leaves (in order) and a structure to rebuild them."""
    if isinstance(tree, (tuple, list)):
        return (type(tree), [_flatten(t, leaves) for t in tree])
    leaves.append(tree)
    return None


def _unflatten(structure, leaves_iter):
    if structure is None:
        return next(leaves_iter)
    kind, children = structure
    items = [_unflatten(c, leaves_iter) for c in children]
    if hasattr(kind, "_fields"):  # a namedtuple takes its fields as arguments
        return kind(*items)
    return kind(items)


def _structure_str(structure):
    if structure is None:
        return "value"
    kind, children = structure
    inner = ", ".join(_structure_str(c) for c in children)
    return f"({inner},)" if kind is tuple and len(children) == 1 else (f"({inner})" if kind is tuple else f"[{inner}]")


def _carry_leaves(ctx, tree, argument):
    leaves = []
    structure = _flatten(tree, leaves)
    ids = []
    for i, leaf in enumerate(leaves):
        if isinstance(leaf, TracedGraph):
            raise TypeError(f"{argument}: a graph cannot be a loop carry")
        ids.append(_lift(ctx, leaf, f"{argument}[{i}]" if structure is not None else argument)._id)
    return structure, ids


def _wrap(ctx, structure, ids):
    return _unflatten(structure, iter([Traced(ctx, v) for v in ids]))


def _body_result(ctx, structure, result, fn_name):
    leaves = []
    got = _flatten(result, leaves)
    if got != structure:
        raise TypeError(f"{fn_name}: the body must return a carry with the same structure as init "
                        f"({_structure_str(structure)}), got {_structure_str(got)}")
    return [_lift(ctx, leaf, f"{fn_name} body result")._id for leaf in leaves]


def _loop_context(*values):
    ctx = None
    for v in values:
        leaves = []
        _flatten(v, leaves)
        ctx = ctx or _context_of(*leaves)
    return ctx or _current()


def fori_loop(n, body, init):
    """Run carry = body(carry) n times; returns the last carry. init may be a tuple.

    Inside ff.jit the body is traced once into a loop region and runs natively.

    Example:
        >>> @ff.jit
        ... def f(x):
        ...     return ff.fori_loop(3, lambda c: c * 2.0 + 1.0, x)
        >>> f(np.array([0.0, 1.0]))
        array([ 7., 15.])
    """
    ctx = _loop_context(n, init)
    if ctx is None:
        carry = init
        for _ in range(int(n)):
            carry = body(carry)
        return carry
    count = _lift(ctx, n, "n")
    structure, inits = _carry_leaves(ctx, init, "init")
    args = _located(ctx).begin_loop(count._id, inits)
    with _LoopBody(ctx):
        yields = _body_result(ctx, structure, body(_wrap(ctx, structure, args)), "fori_loop")
    return _wrap(ctx, structure, _located(ctx).end_loop(yields))


def while_loop(cond, body, init):
    """while cond(carry): carry = body(carry); returns the last carry. cond returns a bool scalar.

    Example:
        >>> @ff.jit
        ... def f(x):
        ...     # halve every value until the largest is below 1
        ...     return ff.while_loop(lambda c: ff.max(c) >= 1.0, lambda c: c * 0.5, x)
        >>> f(np.array([3.0, 12.0]))
        array([0.1875, 0.75  ])
    """
    ctx = _loop_context(init)
    if ctx is None:
        carry = init
        while cond(carry):
            carry = body(carry)
        return carry
    structure, inits = _carry_leaves(ctx, init, "init")
    args = _located(ctx).begin_while(inits)
    with _LoopBody(ctx):
        c = _lift(ctx, cond(_wrap(ctx, structure, args)), "while_loop condition")
        body_args = _located(ctx).begin_while_body(c._id)
        yields = _body_result(ctx, structure, body(_wrap(ctx, structure, body_args)), "while_loop")
    return _wrap(ctx, structure, _located(ctx).end_while(yields))


# One record for ff.converge and the algorithms (ConvergeInfo is its older name here).
ConvergeInfo = ConvergenceInfo


class _ConvergeMonitor:
    """One top-level ff.converge of a traced program: the program returns its iteration count and
    residual (and tol / max_iter when they are traced) as extra outputs, which the jit function
    checks after each run (_report_converge) and strips from the result."""

    __slots__ = ("iterations", "residual", "tol", "max_iter", "strict")

    def __init__(self, iterations, residual, tol, max_iter, strict):
        self.iterations, self.residual, self.tol, self.max_iter, self.strict = (
            iterations, residual, tol, max_iter, strict)

    def hidden_outputs(self):
        """Value ids the program must return for this monitor, in the order check() reads them."""
        ids = [self.iterations, self.residual]
        ids += [v._id for v in (self.tol, self.max_iter) if isinstance(v, Traced)]
        return ids

    def check(self, values, stacklevel):
        """values: the hidden outputs, as hidden_outputs() ordered them (NumPy scalars)."""
        iterations, residual = int(values[0]), float(values[1])
        rest = iter(values[2:])
        tol = float(next(rest)) if isinstance(self.tol, Traced) else self.tol
        max_iter = int(next(rest)) if isinstance(self.max_iter, Traced) else self.max_iter
        _check_tol(tol)
        _check_max_iter(max_iter)
        _report_converge(iterations, residual, tol, self.strict, stacklevel + 1)


class _LoopBody:
    """Marks the tracing of a loop body (ff.converge calls inside one cannot report per run)."""

    def __init__(self, ctx):
        self.ctx = ctx

    def __enter__(self):
        self.ctx.loop_depth += 1

    def __exit__(self, *exc):
        self.ctx.loop_depth -= 1
        return False


def _check_tol(tol):
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
        raise TypeError(f"tol: must be a real number, got {type(tol).__name__}")
    if not (math.isfinite(float(tol)) and float(tol) >= 0):
        raise ValueError(f"tol: must be a finite number >= 0, got {tol!r}")


def _check_max_iter(max_iter):
    as_int("max_iter", max_iter, minimum=0)


def _report_converge(iterations, residual, tol, strict, stacklevel):
    """ff.converge's end, reported by the one rule (residual > tol or NaN: not converged)."""
    info = ConvergenceInfo(iterations, residual, residual <= tol)
    report_convergence("ff.converge", info, strict, f"the change {residual:.6g} > tol={tol:g}", stacklevel + 1)


def converge(body, init, tol=1e-6, max_iter=100, norm="l1", *, strict=False, return_info=False):
    """Iterate carry = body(carry) until the change |new - old| (norm over all carried values)
    is <= tol, or max_iter iterations ran. Returns the last carry, or (carry, ConvergeInfo) with
    return_info=True.

    tol must be a finite number >= 0 and max_iter an int >= 0 (ValueError otherwise; checked when
    the jit function runs if they are its arguments). A NaN change stops the loop at once and, like
    stopping at max_iter with a change > tol, is not convergence: a fuseflow.ConvergenceWarning, or a
    fuseflow.ConvergenceError (with .iterations and .residual) when strict=True. Inside ff.jit the
    check runs after every call of the jit function, for converge calls at the function's top
    level; a converge nested in another loop's body does not report (use return_info there).

    Example:
        >>> @ff.jit
        ... def f(x):
        ...     # the fixed point of c -> (c + 2 / c) / 2 is sqrt(2) (Newton's square root)
        ...     return ff.converge(lambda c: (c + 2.0 / c) * 0.5, x, tol=1e-12, return_info=True)
        >>> root, info = f(np.array([1.0, 3.0]))
        >>> float(np.max(np.abs(root - np.sqrt(2.0)))) < 1e-12, bool(info.converged)
        (True, True)
    """
    kind = norm
    if kind not in _NORMS:
        raise ValueError(f'norm: must be "l1", "l2" or "inf", got {kind!r}')
    ctx = _loop_context(init, tol, max_iter)
    if not isinstance(tol, Traced):
        _check_tol(tol)
    if not isinstance(max_iter, Traced):
        _check_max_iter(max_iter)
    if ctx is None:
        carry, info = _converge_eager(body, init, tol, max_iter, kind)
        _report_converge(info.iterations, info.residual, tol, strict, 2)
        return (carry, info) if return_info else carry
    structure, inits = _carry_leaves(ctx, init, "init")
    b = _located(ctx)
    delta0 = b.constant_float(math.inf, "float64", False)
    iter0 = b.constant_int(0, "int64", False)
    tol_v = _lift(ctx, tol, "tol")
    max_v = _lift(ctx, max_iter, "max_iter")
    args = b.begin_while(inits + [delta0, iter0])
    olds = [Traced(ctx, a) for a in args]
    # Continue while delta > tol: a NaN delta compares False, so it stops the loop too.
    cond = (olds[-1] < max_v) & (olds[-2] > tol_v)
    body_args = _located(ctx).begin_while_body(cond._id)
    carry = [Traced(ctx, a) for a in body_args]
    with _LoopBody(ctx):
        new_ids = _body_result(ctx, structure, body(_unflatten(structure, iter(carry[:-2]))), "converge")
    delta = None
    for old, new_id in zip(carry[:-2], new_ids):
        diff = _absolute_change(Traced(ctx, new_id), old)
        part = _norm_of(diff, kind)
        if delta is None:
            delta = part
        elif kind == "inf":
            delta = maximum(delta, part)
        else:
            delta = delta + part
    if delta is None:
        delta = Traced(ctx, _located(ctx).constant_float(0.0, "float64", False))
    elif kind == "l2":
        delta = sqrt(delta)
    delta = delta.astype("float64")
    results = _located(ctx).end_while(new_ids + [delta._id, (carry[-1] + 1)._id])
    residual, iterations = Traced(ctx, results[-2]), Traced(ctx, results[-1])
    if ctx.loop_depth == 0:
        ctx.monitors.append(_ConvergeMonitor(iterations._id, residual._id, tol_v if isinstance(tol, Traced) else tol,
                                             max_v if isinstance(max_iter, Traced) else max_iter, strict))
    out = _wrap(ctx, structure, results[:-2])
    if not return_info:
        return out
    return out, ConvergeInfo(iterations, residual, residual <= tol_v)


def _absolute_change(new, old):
    if new.dtype == np.bool_:
        return new.astype("int64") - old.astype("int64")
    return new - old


def _norm_of(diff, kind):
    """A carried value's contribution to the convergence measure (l2: squared, summed later)."""
    if diff.is_array:
        if kind == "l2":
            v = diff.astype("float64")
            return dot(v, v)
        return norm(diff, kind).astype("float64")
    d = _abs(diff).astype("float64")
    return d * d if kind == "l2" else d


def _converge_eager(body, init, tol, max_iter, kind):
    carry = init
    order = {"l1": 1, "l2": 2, "inf": np.inf}[kind]
    iterations, delta = 0, math.inf
    for _ in range(int(max_iter)):
        new = body(carry)
        old_leaves, new_leaves = [], []
        _flatten(carry, old_leaves)
        _flatten(new, new_leaves)
        parts = [np.abs(np.asarray(n, dtype=np.float64) - np.asarray(o, dtype=np.float64)).ravel()
                 for n, o in zip(new_leaves, old_leaves)]
        flat = np.concatenate(parts) if parts else np.zeros(0)
        delta = float(np.linalg.norm(flat, ord=order)) if flat.size else 0.0
        carry = new
        iterations += 1
        if not delta > tol:  # converged, or a NaN change (not convergence: reported by the caller)
            break
    return carry, ConvergeInfo(iterations, delta, bool(delta <= tol))
