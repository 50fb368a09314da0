"""ff.jit: trace a Python function once per signature into IR, compile it, run it natively.

The signature of a call is, per argument: its kind (graph / array / scalar), dtype, and for
arrays which length class it has (a graph's N or E, length 1, or the same length as an earlier
array argument). Python and NumPy scalars are runtime inputs, so new values never recompile.

This module holds the public decorator; the work is split by job into the modules next to it:
_jit_function (JitFunction: call paths, cache, inspection), _jit_signature (binding arguments),
_jit_args (signature keys, array-likes), _jit_trace (tracing), _jit_errors (errors in the user's
terms), _jit_entry (one traced signature), _jit_out (out= rules), _jit_static (static
arguments), _jit_pickle (pickling), _jit_capture (captured arrays), _jit_explain (why it retraced).
"""

import warnings

from ._jit_function import JitFunction
from ._jit_static import StaticJitFunction, _static_names

# Internal names other fuseflow modules and tests import from here (kept where they used to be).
from ._jit_args import _SUPPORTED_DTYPES, _MAX_RANK, _array_like, _classify  # noqa: F401
from ._jit_entry import _Traced  # noqa: F401
from ._jit_pickle import _global_target  # noqa: F401

__all__ = ["jit", "JitFunction"]


_NO_FLAG = object()


def jit(fn=None, *, deterministic=_NO_FLAG, static_argnames=None, static_argnums=None):
    """Decorator: trace fn once per argument signature and run it natively.

    Arrays may have 1 to 4 axes. Operands broadcast as in NumPy (``(B, D) + (D,)``,
    ``(B, 1) * (1, D)``), checked while tracing: a mismatch is a ValueError naming the op, your
    line and each array argument's shape. The trace signature holds each array's rank and which
    axes have length 1 (and which axes share a length), so new sizes of the same layout do not
    retrace. Results are C-contiguous NumPy arrays of the broadcast shape. C-contiguous inputs are
    read in place (zero-copy); strided, sliced, transposed or Fortran-order inputs are copied to C
    order once per call (np.ascontiguousarray), then run like contiguous ones. Measured on a
    loaded 2-core machine, exp(x) * 2 + 1 on a 2000 x 2000 float64: C order 25-67 ms, Fortran
    order 116-252 ms (the transposing copy alone 70 ms), a step slice [:, ::2] about the same;
    NumPy reads Fortran order natively. Strided reads inside the kernels (no copy) are not
    implemented yet, so that alternative is unmeasured: pass C-contiguous arrays for speed.
    Inside ff.jit: reductions over the whole array or along ``axis=`` (int or tuple, negative
    allowed) with ``keepdims=`` (ff.sum ... ff.var/std with ``ddof``, ff.logsumexp, ff.softmax);
    basic slices with static bounds, integer indices, gathers ``x[idx]`` / ff.take and new
    length-1 axes ``x[:, None]``; ``x.reshape(...)``, ``x.T`` / ``x.transpose(...)``,
    ff.concatenate / ff.stack; scans and order statistics (ff.cumsum ... ff.top_k, ff.median,
    ff.quantile; ff.bincount with ``length=``, ff.histogram with ``range=``). A NumPy scalar
    argument (``np.float32(0.5)``) keeps its dtype as in NumPy 2; a Python number is weak.

    Results are bitwise identical at any thread count (ff.set_num_threads): kernels split arrays
    into fixed blocks and combine reductions in block order, and neighbor_agg reduces each node's
    neighbours in order on one thread. That is the only mode, so ``deterministic=True`` is
    accepted and changes nothing; ``deterministic=False`` (there is no faster non-deterministic
    mode) is accepted with a DeprecationWarning; anything but a bool is a TypeError.

    Captured arrays: NumPy arrays the function reads from an enclosing scope (closure variables)
    or from its module's globals are inputs of the program, like arguments, not constants: they
    are read again at every call and never copied, so an in-place change (``w[0] = 1``) or a
    rebinding (``w = new_array``) is seen by the next call; a new dtype or rank/axis layout
    retraces. Which names are captured is decided when ff.jit wraps the function (variables that
    hold an ndarray then). Captured Python scalars and other objects stay trace-time constants.

    Methods: ``@ff.jit`` on a method gives each instance its own jit function on first access
    (``obj.method``); the instance's ndarray attributes (``vars(self)`` when bound) are inputs
    read at every call, like captured arrays; its other attributes are read while tracing and are
    constants of that trace (changing them later does not retrace); methods called on ``self``
    see the traced arrays too. The instance is held weakly. Call it through the instance, not as
    ``Class.method(obj, x)``.

    Keyword arguments, defaults and ``out=`` take the native call path like positional calls.
    ``f.explain_recompile()`` says why each trace happened (first call, or which argument changed
    dtype / rank / length-1 axes / kind); FUSEFLOW_LOG_COMPILES=1 prints each to stderr when it
    happens. NumPy functions on traced values (``np.sum(x)``, ``np.where(c, a, b)``, ``np.exp(x)``)
    run as the fuseflow op; unsupported ones raise a TypeError naming them.

    ``static_argnames`` / ``static_argnums`` (as in JAX) name parameters whose values are Python
    constants of the trace, not runtime inputs: strings, options, shapes, flags that choose the
    program. Each distinct (hashable) value traces and compiles its own program; the others stay
    runtime inputs. Example::

        @ff.jit(static_argnames="norm")
        def scale(x, norm):
            return x / (ff.sum(x) if norm == "l1" else ff.norm(x))
    """
    if deterministic is not _NO_FLAG:
        if not isinstance(deterministic, bool):
            raise TypeError(f"deterministic: must be a bool, got {type(deterministic).__name__}")
        if not deterministic:
            warnings.warn("ff.jit(deterministic=False) is deprecated and ignored: results are always bitwise "
                          "identical at any thread count", DeprecationWarning, stacklevel=2)
    if fn is None:
        return lambda f: jit(f, static_argnames=static_argnames, static_argnums=static_argnums)
    if not callable(fn):
        raise TypeError(f"ff.jit: expected a function, got {type(fn).__name__}")
    statics = _static_names(fn, static_argnames, static_argnums)
    return StaticJitFunction(fn, statics) if statics else JitFunction(fn)
