"""The tracing DSL: symbolic values that record IR ops, and the ff.* array/graph functions.

Inside an ``ff.jit`` function every argument is symbolic (a :class:`Traced` value or a
:class:`TracedGraph`); Python operators and ``ff.*`` functions append typed ops to the program
being traced. Type and shape rules (NumPy promotion, broadcasting, length symbols) live in the
C++ IR builder, which raises ValueError/TypeError naming the op and the user's file:line.

Outside ``ff.jit`` the same functions accept plain NumPy arrays and compute eagerly with NumPy.
"""

import atexit
import numbers
import os
import sys
import threading

import numpy as np

from . import _core
from . import _numpy_interop
from . import _slicing

__all__ = [
    "Traced", "TracedGraph", "where", "minimum", "maximum", "clip", "abs", "exp", "log", "log1p",
    "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "erf", "erfc", "norm_cdf", "floor", "ceil",
    "round", "relu", "square", "sum", "mean", "min", "max", "argmin", "argmax", "dot", "norm", "full", "arange",
    "neighbor_agg", "fori_loop", "while_loop", "converge", "ConvergeInfo",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SUPPORTED_DTYPES = ("bool", "int32", "int64", "float32", "float64")
_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1


# --------------------------------------------------------------------------- trace context

class _TraceState(threading.local):
    def __init__(self):
        self.stack = []


_state = _TraceState()


class TraceContext:
    """One trace in progress: the IR builder, the loop nesting depth, and the ff.converge calls
    whose outcome the jit function reports after each run (see _ConvergeMonitor)."""

    def __init__(self, name):
        self.builder = _core.IRBuilder(name)
        self.loop_depth = 0
        self.monitors = []
        self.closed = False

    def __enter__(self):
        _state.stack.append(self)
        return self

    def __exit__(self, *exc):
        _state.stack.pop()
        # Traced values that escape the function (a list, a global) must not record ops later.
        self.closed = True
        return False


def _current():
    return _state.stack[-1] if _state.stack else None


def _user_location():
    """(file, line) of the innermost caller outside the fuseflow package: the user's code."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR):
            return filename, frame.f_lineno
        frame = frame.f_back
    return "<unknown>", 0


def _located(ctx):
    """The builder, with the user's current file:line attached to the next ops."""
    if ctx.closed:
        raise ValueError("a traced value was used outside the ff.jit function that created it "
                         "(return it from the function instead of keeping it)")
    file, line = _user_location()
    ctx.builder.set_location(file, line)
    return ctx.builder


# --------------------------------------------------------------------------- traced values

class Traced:
    """A symbolic array or scalar inside ``ff.jit``. Use it like a NumPy value."""

    __slots__ = ("_ctx", "_id", "_type")
    __array_priority__ = 1000  # NumPy defers binary operators to us

    def __init__(self, ctx, value_id):
        self._ctx = ctx
        self._id = value_id
        self._type = ctx.builder.type_of(value_id)  # (kind, dtype, length symbol, weak)

    # ---- introspection
    @property
    def dtype(self):
        """The NumPy dtype, known while tracing (a new input dtype traces again).

        Example:
            >>> @ff.jit
            ... def f(x):
            ...     return x.astype("float64") if x.dtype == np.float32 else x
            >>> f(np.ones(2, dtype=np.float32)).dtype
            dtype('float64')
        """
        return np.dtype(self._type[1])

    @property
    def ndim(self):
        """The number of axes (0 for a scalar), known while tracing.

        Example:
            >>> ff.jit(lambda x: x.sum(axis=-1) if x.ndim == 2 else x)(np.ones((2, 3)))
            array([3., 3.])
        """
        return len(self._ctx.builder.shape_of(self._id)) if self._type[0] == "array" else 0

    @property
    def is_array(self):
        """True for an array, False for a scalar (a Python number or 0-d input, or a reduction).

        Example:
            >>> ff.jit(lambda x, s: x * s if x.is_array else s)(np.arange(3.0), 2.0)
            array([0., 2., 4.])
        """
        return self._type[0] == "array"

    @property
    def size(self):
        """The length as a traced int64 scalar (arrays), or 1 for a scalar.

        Example:
            >>> ff.jit(lambda x: x.sum() / x.size)(np.array([1.0, 2.0, 6.0]))
            np.float64(3.0)
        """
        if not self.is_array:
            return 1
        return Traced(self._ctx, _located(self._ctx).length(self._id))

    @property
    def shape(self):
        """1-D: (x.size,) with the length a traced scalar. N-d shapes are symbolic while tracing
        (repr(x) shows their axis symbols); use x.size for the element count.

        Example:
            >>> ff.jit(lambda x: x.shape[0])(np.zeros(5))
            np.int64(5)
        """
        if self.is_array and self.ndim > 1:
            raise TypeError("the shape of an N-d traced array is symbolic while tracing (see repr(x)); "
                            "use x.size for its element count")
        return (self.size,) if self.is_array else ()

    def __len__(self):
        raise TypeError("len() of a traced array is not known while tracing; use x.size (a traced scalar) "
                        "or ff.full(x.size, ...)")

    def __repr__(self):
        kind, dtype, length, weak = self._type
        if kind == "array":
            return f"Traced(array {dtype}[{', '.join(self._ctx.builder.shape_of(self._id))}])"
        return f"Traced(scalar {'weak ' if weak else ''}{dtype})"

    # ---- control flow on traced values is not allowed
    def __bool__(self):
        raise TypeError("the truth value of a traced value is unknown while tracing (Python if/and/or/not "
                        "on it); use ff.where(cond, a, b) for a choice per element, or ff.while_loop")

    def __index__(self):
        raise TypeError("a traced value cannot be used as a Python int while tracing; pass it to ff.* functions")

    __int__ = __index__

    def __float__(self):
        raise TypeError("a traced value cannot be converted to a Python float while tracing")

    def __iter__(self):
        raise TypeError("a traced array cannot be iterated while tracing; use whole-array operations")

    def __array__(self, *args, **kwargs):
        raise TypeError("a traced value cannot be converted to a NumPy array inside ff.jit; "
                        "use ff.* functions (ff.exp, ff.sum, ...) instead of numpy ones")

    def __getitem__(self, index):
        """Basic slices with static bounds on any axes (x[1:-1], x[::2], x[:, 2:5], x[::-1]: NumPy's
        rules; each sliced axis is one strided copy), integer indexing along one axis: x[i], x[:, i],
        x[..., i] (i a Python int or a traced int scalar: the axis is dropped) and gathers x[idx],
        x[:, idx] (idx a traced int32/int64 array: np.take along that axis), which may sit next to
        slices, and new length-1 axes beside slices: x[:, None], x[None], x[..., None]
        (np.newaxis; the axes keep their length symbols, so mu[:, None] broadcasts against the
        rows it came from). Negative indices count from the end; one out of range is an
        IndexError naming idx at run time. Boolean masks, None next to an integer or array index,
        and several indexed axes are not implemented inside ff.jit."""
        from .array_ops import take
        if not self.is_array:
            raise TypeError("index: a traced scalar cannot be indexed")
        items = index if isinstance(index, tuple) else (index,)
        if any(it is None for it in items):
            return _slicing.with_new_axes(self, items)
        ndim = self.ndim
        if any(it is Ellipsis for it in items):
            if len([it for it in items if it is Ellipsis]) > 1:
                raise IndexError("index: an index can only have a single ellipsis ('...')")
            k = next(i for i, it in enumerate(items) if it is Ellipsis)
            items = items[:k] + (slice(None),) * max(ndim - len(items) + 1, 0) + items[k + 1:]
        if len(items) > ndim:
            raise IndexError(f"index: too many indices for a {ndim}-D array: {len(items)} were given")
        picked = None
        slices = []
        for axis, it in enumerate(items):
            if isinstance(it, slice) and it.start is None and it.stop is None and it.step is None:
                continue  # (not it == slice(None): that compares a traced bound with None)
            if isinstance(it, slice):
                _slicing.normalize(it)  # bad bounds raise before any op is recorded
                slices.append((axis, it))
                continue
            if isinstance(it, (bool, np.bool_)) or (isinstance(it, Traced) and it.dtype == np.bool_):
                raise NotImplementedError("index: boolean masks are not implemented inside ff.jit; use "
                                          "ff.where(mask, x, 0) and a reduction")
            if picked is not None:
                raise NotImplementedError("index: indexing more than one axis at once is not implemented inside "
                                          "ff.jit; index one axis at a time")
            picked = (axis, it)
        result = self
        for axis, it in slices:  # slicing keeps the rank, so the axis numbers stay valid
            result = _slicing.slice_axis(result, axis, it)
        if picked is None:
            return result
        axis, it = picked
        return take(result, it, axis=axis)

    # ---- axis permutations (one transpose step each; see src/exec/lower_axis.cpp)
    @property
    def T(self):  # noqa: N802 (NumPy's name)
        """The array with its axes reversed (NumPy's ``.T``); a 1-D array is itself.

        Example:
            >>> ff.jit(lambda x: x.T)(np.arange(6.0).reshape(2, 3))
            array([[0., 3.],
                   [1., 4.],
                   [2., 5.]])
        """
        return self.transpose()

    def transpose(self, *axes):
        """The array with its axes permuted as NumPy's ``x.transpose(*axes)``: no axes reverses
        them; else one entry per axis (negative counts from the end), each axis once.

        Example:
            >>> ff.jit(lambda x: x.transpose(2, 0, 1))(np.zeros((2, 1, 3))).shape
            (3, 2, 1)
        """
        if not self.is_array:
            raise TypeError("x: transpose needs an array, got a traced scalar")
        ndim = self.ndim
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = () if axes[0] is None else tuple(axes[0])
        if not axes:
            axes = tuple(range(ndim - 1, -1, -1))
        if len(axes) != ndim:
            raise ValueError(f"axes: must name each of the {ndim} axes once, got {len(axes)} entries")
        perm = []
        for a in axes:
            if isinstance(a, bool) or not isinstance(a, numbers.Integral):
                raise TypeError(f"axes: entries must be integers, got {type(a).__name__}")
            a = int(a)
            if not -ndim <= a < ndim:
                raise np.exceptions.AxisError(a, ndim, "axes")
            perm.append(a % ndim)
        if sorted(perm) != list(range(ndim)):
            raise ValueError(f"axes: repeated axis in transpose {tuple(axes)}")
        if perm == list(range(ndim)):
            return self
        return Traced(self._ctx, _located(self._ctx).transpose(self._id, perm))

    def reshape(self, *shape, order="C"):
        """x's elements (C order) as the given shape: ints, one of them may be -1, or traced int
        scalars (see ff.reshape). Element counts that differ are a ValueError naming the shape when
        the function runs (axis lengths are symbols while tracing). One copy step.

        Example:
            >>> ff.jit(lambda x: x.reshape(2, -1))(np.arange(6.0))
            array([[0., 1., 2.],
                   [3., 4., 5.]])
        """
        from .shape_ops import reshape
        return reshape(self, *shape, order=order)

    __hash__ = object.__hash__

    # ---- arithmetic
    def __add__(self, o): return _binary("add", self, o)
    def __radd__(self, o): return _binary("add", o, self)
    def __sub__(self, o): return _binary("sub", self, o)
    def __rsub__(self, o): return _binary("sub", o, self)
    def __mul__(self, o): return _binary("mul", self, o)
    def __rmul__(self, o): return _binary("mul", o, self)
    def __truediv__(self, o): return _binary("div", self, o)
    def __rtruediv__(self, o): return _binary("div", o, self)
    # Integer // and % by zero give 0, and x // -1 at the type's minimum wraps, as in NumPy (which
    # also warns; fuseflow does not). The executor and constant folding share this rule.
    def __floordiv__(self, o): return _binary("floor_div", self, o)
    def __rfloordiv__(self, o): return _binary("floor_div", o, self)
    def __mod__(self, o): return _binary("mod", self, o)
    def __rmod__(self, o): return _binary("mod", o, self)
    def __pow__(self, o): return _binary("pow", self, o)
    def __rpow__(self, o): return _binary("pow", o, self)
    def __neg__(self): return _unary("neg", self)
    def __pos__(self): return self
    def __abs__(self): return _unary("abs", self)
    def __invert__(self): return _unary("not", self)
    def __and__(self, o): return _binary("and", self, o)
    def __rand__(self, o): return _binary("and", o, self)
    def __or__(self, o): return _binary("or", self, o)
    def __ror__(self, o): return _binary("or", o, self)
    def __xor__(self, o): return _binary("xor", self, o)
    def __rxor__(self, o): return _binary("xor", o, self)
    def __lt__(self, o): return _binary("lt", self, o)
    def __le__(self, o): return _binary("le", self, o)
    def __gt__(self, o): return _binary("gt", self, o)
    def __ge__(self, o): return _binary("ge", self, o)
    def __eq__(self, o): return _binary("eq", self, o)  # noqa: E704
    def __ne__(self, o): return _binary("ne", self, o)  # noqa: E704

    def astype(self, dtype):
        """Converts to dtype ("bool", "int32", "int64", "float32", "float64").

        Float to integer truncates toward zero. NaN, +-inf and values outside the integer type's
        range become the type's minimum (INT32_MIN / INT64_MIN), on every CPU: what NumPy gives on
        x86, without NumPy's RuntimeWarning. To bool: nonzero (and NaN) is True.

        Example:
            >>> ff.jit(lambda x: x.astype("int32"))(np.array([1.7, -1.7, np.nan]))
            array([          1,          -1, -2147483648], dtype=int32)
        """
        name = _dtype_name(dtype, "dtype")
        return Traced(self._ctx, _located(self._ctx).cast(self._id, name))

    # ---- reductions as methods, like NumPy
    def sum(self, axis=None, keepdims=False):
        """ff.sum(x, axis, keepdims) as a method, like NumPy's.

        Example:
            >>> x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
            >>> ff.jit(lambda x: x.sum(axis=1))(x), ff.jit(lambda x: x.sum())(x)
            (array([ 9., 12.]), np.float64(21.0))
        """
        return sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """ff.mean(x, axis, keepdims) as a method, like NumPy's.

        Example:
            >>> x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
            >>> ff.jit(lambda x: x.mean(axis=0, keepdims=True))(x)
            array([[2.5, 3.5, 4.5]])
        """
        return mean(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """ff.min(x, axis, keepdims) as a method, like NumPy's (NaN wins, as in np.min).

        Example:
            >>> x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
            >>> ff.jit(lambda x: x.min(axis=1))(x)
            array([1., 2.])
        """
        return min(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        """ff.max(x, axis, keepdims) as a method, like NumPy's (NaN wins, as in np.max).

        Example:
            >>> x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
            >>> ff.jit(lambda x: x.max(axis=1))(x)
            array([5., 6.])
        """
        return max(self, axis, keepdims)

    def argmin(self, axis=None, keepdims=False):
        """ff.argmin(x, axis, keepdims) as a method: int64 indices, the first on ties.

        Example:
            >>> x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
            >>> ff.jit(lambda x: x.argmin(axis=1))(x)
            array([0, 1])
        """
        return argmin(self, axis, keepdims)

    def argmax(self, axis=None, keepdims=False):
        """ff.argmax(x, axis, keepdims) as a method: int64 indices (of the flattened array
        without an axis), the first on ties.

        Example:
            >>> x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
            >>> ff.jit(lambda x: x.argmax())(x)
            np.int64(5)
        """
        return argmax(self, axis, keepdims)

    # ---- NumPy ufuncs applied to traced values (np.exp(x), np.float32(2) * x, ...)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        reduced = _numpy_interop.array_ufunc(ufunc, method, inputs, kwargs, _UFUNCS)  # raises if unsupported
        if reduced is not None:
            return reduced
        name = _UFUNCS[ufunc]
        if ufunc.nin == 1:
            return _strong(_unary(name, inputs[0]))
        return _strong(_binary(name, inputs[0], inputs[1]))

    # ---- NumPy functions applied to traced values (np.sum(x), np.where(c, x, y), ...)
    def __array_function__(self, func, types, args, kwargs):
        return _numpy_interop.array_function(func, args, dict(kwargs))


_UFUNCS = {
    np.add: "add", np.subtract: "sub", np.multiply: "mul", np.true_divide: "div",
    np.floor_divide: "floor_div", np.remainder: "mod", np.power: "pow", np.negative: "neg",
    np.absolute: "abs", np.exp: "exp", np.log: "log", np.log1p: "log1p", np.expm1: "expm1",
    np.sqrt: "sqrt", np.sin: "sin", np.cos: "cos", np.tanh: "tanh", np.floor: "floor",
    np.ceil: "ceil", np.rint: "round", np.square: "square", np.minimum: "minimum", np.maximum: "maximum",
    np.less: "lt", np.less_equal: "le", np.greater: "gt", np.greater_equal: "ge", np.equal: "eq",
    np.not_equal: "ne", np.bitwise_and: "and", np.bitwise_or: "or", np.bitwise_xor: "xor",
    np.logical_and: "and", np.logical_or: "or", np.logical_xor: "xor", np.invert: "not",
    np.logical_not: "not",
}


class _UndeclaredGraphWeights(Exception):
    """A retrace needed a graph's weights that the first trace of the same signature did not use
    (see JitFunction._trace); not raised for a function that traces the same way each time."""


class TracedGraph:
    """A symbolic ff.Graph inside ``ff.jit``: sizes, degrees, gathers, neighbour aggregation.

    has_weights is part of the trace signature. A weighted graph's own weights (user edge order,
    f64[E]) are a hidden program input that ff.jit appends after the arguments; `_weights` is that
    input's id (None when this trace did not declare one) and `_weights_used` records whether
    neighbor_agg read it, so a signature whose program never does passes no hidden input."""

    __slots__ = ("_ctx", "_id", "_has_weights", "_weights", "_weights_used")

    def __init__(self, ctx, value_id, has_weights=False, weights_id=None):
        self._ctx = ctx
        self._id = value_id
        self._has_weights = has_weights
        self._weights = weights_id
        self._weights_used = False

    @property
    def has_weights(self):
        """Whether the graph this trace runs on is weighted (known at trace time: a weighted
        and an unweighted graph trace separately).

        Example:
            >>> f = ff.jit(lambda g, x: x * 2 if g.has_weights else x)
            >>> g = ff.Graph.from_edges([0, 1], [1, 0], num_nodes=2)
            >>> gw = ff.Graph.from_edges([0, 1], [1, 0], num_nodes=2, weights=[0.5, 2.0])
            >>> f(g, np.ones(2)), f(gw, np.ones(2))
            (array([1., 1.]), array([2., 2.]))
        """
        return self._has_weights

    def _own_weights(self):
        """Id of the hidden input holding the graph's weights in user edge order, or None when the
        graph is unweighted."""
        if not self._has_weights:
            return None
        if self._weights is None:
            raise _UndeclaredGraphWeights()
        self._weights_used = True
        return self._weights

    @property
    def num_nodes(self):
        """The node count as a traced int64 scalar.

        Example:
            >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 1], num_nodes=3)
            >>> ff.jit(lambda g: g.num_nodes)(g)
            np.int64(3)
        """
        return Traced(self._ctx, _located(self._ctx).num_nodes(self._id))

    @property
    def num_edges(self):
        """The edge count (parallel edges and self-loops included) as a traced int64 scalar.

        Example:
            >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 1], num_nodes=3)
            >>> ff.jit(lambda g: g.num_edges)(g)
            np.int64(4)
        """
        return Traced(self._ctx, _located(self._ctx).num_edges(self._id))

    def out_degree(self):
        """Out-edges per node (an int64 node array).

        Example:
            >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 1], num_nodes=3)
            >>> ff.jit(lambda g: g.out_degree())(g)
            array([1, 1, 2])
        """
        return Traced(self._ctx, _located(self._ctx).out_degree(self._id))

    def in_degree(self):
        """In-edges per node (an int64 node array).

        Example:
            >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 1], num_nodes=3)
            >>> ff.jit(lambda g: g.in_degree())(g)
            array([1, 2, 1])
        """
        return Traced(self._ctx, _located(self._ctx).in_degree(self._id))

    def edge_src(self, x):
        """x[src(e)] for every edge e, in user edge order (see ff.Graph): a length-E array.

        Example:
            >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 1], num_nodes=3)
            >>> ff.jit(lambda g, x: g.edge_src(x))(g, np.array([10.0, 20.0, 30.0]))
            array([10., 20., 30., 30.])
        """
        return Traced(self._ctx, _located(self._ctx).edge_src(self._id, _lift(self._ctx, x, "x")._id))

    def edge_dst(self, x):
        """x[dst(e)] for every edge e, in user edge order (see ff.Graph): a length-E array.

        Example:
            >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 1], num_nodes=3)
            >>> ff.jit(lambda g, x: g.edge_dst(x))(g, np.array([10.0, 20.0, 30.0]))
            array([20., 30., 10., 20.])
        """
        return Traced(self._ctx, _located(self._ctx).edge_dst(self._id, _lift(self._ctx, x, "x")._id))

    def __bool__(self):
        raise TypeError("the truth value of a traced graph is unknown while tracing")

    def __repr__(self):
        return "TracedGraph()"


# --------------------------------------------------------------------------- lifting constants

def _dtype_name(dtype, argument):
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"{argument}: not a dtype: {dtype!r}") from None
    if name not in _SUPPORTED_DTYPES:
        raise TypeError(f"{argument}: unsupported dtype {name} (supported: {', '.join(_SUPPORTED_DTYPES)})")
    return name


def _constant(ctx, value, argument):
    """A Python or NumPy scalar as an IR constant: Python scalars weak, NumPy scalars strong."""
    b = _located(ctx)
    if isinstance(value, (bool, np.bool_)):
        return Traced(ctx, b.constant_bool(bool(value), isinstance(value, bool)))
    if isinstance(value, np.generic):
        name = _dtype_name(value.dtype, argument)
        if name.startswith("float"):
            return Traced(ctx, b.constant_float(float(value), name, False))
        return Traced(ctx, b.constant_int(int(value), name, False))
    if isinstance(value, numbers.Integral):
        value = int(value)
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise OverflowError(f"{argument}: integer {value} does not fit in int64")
        return Traced(ctx, b.constant_int(value, "int64", True))
    if isinstance(value, numbers.Real):
        return Traced(ctx, b.constant_float(float(value), "float64", True))
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _constant(ctx, value[()], argument)
        raise TypeError(f"{argument}: a NumPy array captured inside ff.jit cannot be embedded in the program; "
                        "pass it as an argument of the jit function")
    raise TypeError(f"{argument}: unsupported value of type {type(value).__name__} inside ff.jit "
                    "(expected a traced value, a Python/NumPy scalar)")


def _lift(ctx, value, argument="operand"):
    if isinstance(value, Traced):
        if value._ctx is not ctx:
            raise ValueError(f"{argument}: a traced value from another ff.jit trace was used here "
                             "(do not keep traced values across calls)")
        return value
    if isinstance(value, TracedGraph):
        raise TypeError(f"{argument}: expected an array or scalar, got a graph")
    return _constant(ctx, value, argument)


def _context_of(*values):
    for v in values:
        if isinstance(v, (Traced, TracedGraph)):
            return v._ctx
    return None


def _unary(op, x):
    ctx = x._ctx
    return Traced(ctx, _located(ctx).unary(op, _lift(ctx, x)._id))


_COMPARISONS = frozenset(("lt", "le", "gt", "ge", "eq", "ne"))
_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1


def _wide_python_int(value):
    """A Python int (not bool) outside int32, which cannot take an int32 operand's dtype."""
    return (isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.generic))
            and not _INT32_MIN <= int(value) <= _INT32_MAX)


def _is_int32(value):
    return isinstance(value, Traced) and value._type[1] == "int32"


def _int32_overflow(value, argument):
    return OverflowError(f"{argument}: Python integer {int(value)} out of bounds for int32 (a Python int takes "
                         "the dtype of the int32 array it meets, as in NumPy 2; cast the array to int64 first)")


def _binary(op, a, b):
    ctx = _context_of(a, b)
    # NumPy 2: a Python int takes an int32 operand's dtype, so one outside int32 is an OverflowError,
    # except in comparisons, which NumPy evaluates exactly (here: in int64).
    for value, other, argument in ((a, b, "lhs"), (b, a, "rhs")):
        if not _is_int32(other):
            continue
        if _wide_python_int(value) and op not in _COMPARISONS:
            raise _int32_overflow(value, argument)
        runtime_int = isinstance(value, Traced) and value._type[0] == "scalar" and value._type[3] \
            and value._type[1] == "int64"
        if op in _COMPARISONS and (_wide_python_int(value) or runtime_int):
            if other is a:
                a = a.astype("int64")
            else:
                b = b.astype("int64")
    a = _lift(ctx, a, "lhs")
    b = _lift(ctx, b, "rhs")
    if a._type[1] == "bool" and b._type[1] == "bool" and op in _BOOL_ARITHMETIC:
        op = _bool_arithmetic(op)
    return Traced(ctx, _located(ctx).binary(op, a._id, b._id))


# NumPy 2 on two bool operands: + and maximum are logical or, * and minimum logical and (the
# result stays bool); - raises; //, % and ** give int8, a dtype fuseflow does not have.
_BOOL_ARITHMETIC = {"add": "or", "mul": "and", "maximum": "or", "minimum": "and",
                    "sub": None, "floor_div": None, "mod": None, "pow": None}


def _bool_arithmetic(op):
    replacement = _BOOL_ARITHMETIC[op]
    if replacement is not None:
        return replacement
    if op == "sub":
        raise TypeError("sub: arithmetic on bool values: bool - bool is not supported (as in NumPy); "
                        "use ^ (xor) or cast with .astype(...) first")
    raise TypeError(f"{op}: arithmetic on bool values: bool {op} bool gives int8 in NumPy, a dtype "
                    "fuseflow does not have; cast with .astype('int32') first")


def _check_int32_operands(values, names):
    """where/clip: a Python int outside int32 next to an int32 operand is an OverflowError
    (NumPy 2 wraps it silently in np.where; fuseflow refuses instead)."""
    if any(_is_int32(v) for v in values):
        for value, argument in zip(values, names):
            if _wide_python_int(value):
                raise _int32_overflow(value, argument)


# --------------------------------------------------------------------------- elementwise functions

def _eager_special(name):
    import scipy.special as sc  # only for eager use outside ff.jit

    return {"erf": sc.erf, "erfc": sc.erfc, "norm_cdf": sc.ndtr, "sigmoid": sc.expit}[name]


def _strong(v):
    """NumPy functions return NumPy scalars, which are strong-typed, even for Python-scalar input
    (np.abs(0.5) is np.float64): ff.* functions do the same, unlike Python operators."""
    kind, dtype, _, weak = v._type
    if kind == "scalar" and weak:
        return Traced(v._ctx, _located(v._ctx).cast(v._id, dtype))
    return v


# Eager ff.exp(x) etc. on NumPy arrays: the native SIMD kernel (_core.eager_math) when x is a
# contiguous float32/float64 ndarray of a size where it beats NumPy, NumPy (or scipy.special) for
# everything else. Which sizes is measured per op and dtype (eager_native_max in
# src/api/eager_math.cpp): the native call is 0.1-0.7x NumPy's below ~1,000 elements for every op;
# above, one-instruction ops (abs, floor, sqrt, ...) and float32 tanh go to NumPy.
_MATH_OPS = _core.eager_math_ops()
_ndarray = np.ndarray
_eager_math = _core.eager_math


# Each unary function's docstring example: (input, NumPy's / SciPy's answer rounded to 6 digits).
# The answers were computed with NumPy and scipy.special, not fuseflow; test_typing runs them.
_ANY, _POSITIVE = "[-1.5, 0.0, 2.0]", "[0.5, 1.0, 2.0]"
_UNARY_EXAMPLES = {
    "abs": (_ANY, "array([1.5, 0. , 2. ])"),
    "exp": (_ANY, "array([0.22313 , 1.      , 7.389056])"),
    "log": (_POSITIVE, "array([-0.693147,  0.      ,  0.693147])"),
    "log1p": (_POSITIVE, "array([0.405465, 0.693147, 1.098612])"),
    "expm1": (_ANY, "array([-0.77687 ,  0.      ,  6.389056])"),
    "sqrt": (_POSITIVE, "array([0.707107, 1.      , 1.414214])"),
    "sin": (_ANY, "array([-0.997495,  0.      ,  0.909297])"),
    "cos": (_ANY, "array([ 0.070737,  1.      , -0.416147])"),
    "tanh": (_ANY, "array([-0.905148,  0.      ,  0.964028])"),
    "sigmoid": (_ANY, "array([0.182426, 0.5     , 0.880797])"),
    "erf": (_ANY, "array([-0.966105,  0.      ,  0.995322])"),
    "erfc": (_ANY, "array([1.966105, 1.      , 0.004678])"),
    "norm_cdf": (_ANY, "array([0.066807, 0.5     , 0.97725 ])"),
    "floor": (_ANY, "array([-2.,  0.,  2.])"),
    "ceil": (_ANY, "array([-1.,  0.,  2.])"),
    "round": (_ANY, "array([-2.,  0.,  2.])"),
    "relu": (_ANY, "array([0., 0., 2.])"),
    "square": (_ANY, "array([2.25, 0.  , 4.  ])"),
}


def _make_unary(name, numpy_fn):
    """ff.<name>: the unary row `name` of the C++ op table (include/fuseflow/ir/ops.def) when traced,
    numpy_fn (None: scipy.special, see _eager_special) on NumPy values outside ff.jit.
    tests/python/test_op_table.py checks that every unary row has exactly one such function."""
    kernel = _MATH_OPS.get(name)  # None: no kernels-layer op (relu, square)

    def fn(x):
        if kernel is not None and type(x) is _ndarray:
            out = _eager_math(kernel, x)
            if out is not None:
                return out
        if isinstance(x, Traced):
            return _strong(_unary(name, x))
        if numpy_fn is None:
            return _eager_special(name)(x)
        return numpy_fn(x)

    fn.__name__ = name
    fn.__qualname__ = name
    x, expected = _UNARY_EXAMPLES[name]
    fn.__doc__ = (f"Elementwise {name}. Traced inside ff.jit; outside, the native kernel on contiguous "
                  f"float32/float64 NumPy arrays and NumPy for anything else.\n\n"
                  f"Example:\n"
                  f"    >>> @ff.jit\n"
                  f"    ... def f(x):\n"
                  f"    ...     return ff.{name}(x)\n"
                  f"    >>> np.round(f(np.array({x})), 6)\n"
                  f"    {expected}\n"
                  f"    >>> np.round(ff.{name}(np.array({x})), 6)  # eager, outside ff.jit\n"
                  f"    {expected}\n")
    _UNARY_FUNCTIONS[name] = fn
    if kernel is None:
        return fn
    # The same as a builtin function (one C call to the kernel or to NumPy's ufunc, no Python
    # frame): ~0.15 us less per call, which decides small calls against NumPy.
    native = _core.eager_function(kernel, name, fn.__doc__, numpy_fn, fn, __name__)
    _UNARY_FUNCTIONS[name] = native
    return native


# ff.<name> of every unary row of the op table, by op name (test_op_table.py checks the table).
_UNARY_FUNCTIONS = {}


def _numeric(name, numpy_fn):
    """Eager ff.<name> for an op the table defines on numbers only (as it is when traced)."""
    def fn(x):
        if np.result_type(x) == np.bool_:
            raise TypeError(f"ff.{name}: x must be numeric, got a bool value; cast with .astype(...) first")
        return numpy_fn(x)
    return fn


# One line per unary row of the op table that is an ff.* function (neg, not and cast are the
# operators -x, ~x and .astype).
abs = _make_unary("abs", np.abs)  # noqa: A001 (mirrors numpy naming)
exp = _make_unary("exp", np.exp)
log = _make_unary("log", np.log)
log1p = _make_unary("log1p", np.log1p)
expm1 = _make_unary("expm1", np.expm1)
sqrt = _make_unary("sqrt", np.sqrt)
sin = _make_unary("sin", np.sin)
cos = _make_unary("cos", np.cos)
tanh = _make_unary("tanh", np.tanh)
sigmoid = _make_unary("sigmoid", None)
erf = _make_unary("erf", None)
erfc = _make_unary("erfc", None)
norm_cdf = _make_unary("norm_cdf", None)
floor = _make_unary("floor", np.floor)
ceil = _make_unary("ceil", np.ceil)
round = _make_unary("round", np.round)  # noqa: A001 (half to even, like numpy.round)
relu = _make_unary("relu", _numeric("relu", lambda x: np.maximum(x, 0)))  # NaN propagates; relu(-0.0) = 0.0
square = _make_unary("square", _numeric("square", np.square))


def minimum(a, b):
    """Elementwise minimum (NaN propagates), NumPy broadcasting.

    Example:
        >>> f = ff.jit(lambda x, y: ff.minimum(x, y))
        >>> f(np.array([1.0, 5.0, np.nan]), np.array([3.0, 2.0, 0.0]))
        array([ 1.,  2., nan])
    """
    if _context_of(a, b) is None:
        return np.minimum(a, b)
    return _strong(_binary("minimum", a, b))


def maximum(a, b):
    """Elementwise maximum (NaN propagates), NumPy broadcasting.

    Example:
        >>> f = ff.jit(lambda x, y: ff.maximum(x, y))
        >>> f(np.array([1.0, 5.0, np.nan]), np.array([3.0, 2.0, 0.0]))
        array([ 3.,  5., nan])
    """
    if _context_of(a, b) is None:
        return np.maximum(a, b)
    return _strong(_binary("maximum", a, b))


def where(cond, a, b):
    """a where cond else b, elementwise (cond is cast to bool: nonzero is True).

    Example:
        >>> @ff.jit
        ... def f(x, y):
        ...     return ff.where(x > 0, x * y, -x)
        >>> f(np.array([-1.0, 2.0, 3.0]), np.array([10.0, 10.0, 0.5]))
        array([ 1. , 20. ,  1.5])
    """
    ctx = _context_of(cond, a, b)
    if ctx is None:
        return np.where(cond, a, b)
    _check_int32_operands((a, b), ("x", "y"))
    c, x, y = _lift(ctx, cond, "cond"), _lift(ctx, a, "x"), _lift(ctx, b, "y")
    return _strong(Traced(ctx, _located(ctx).where(c._id, x._id, y._id)))


def clip(x, lo, hi):
    """minimum(maximum(x, lo), hi), elementwise.

    Example:
        >>> f = ff.jit(lambda x: ff.clip(x, 0.0, 1.0))
        >>> f(np.array([-0.5, 0.25, 3.0]))
        array([0.  , 0.25, 1.  ])
    """
    ctx = _context_of(x, lo, hi)
    if ctx is None:
        return np.clip(x, lo, hi)
    _check_int32_operands((x, lo, hi), ("x", "lo", "hi"))
    v, a, b = _lift(ctx, x, "x"), _lift(ctx, lo, "lo"), _lift(ctx, hi, "hi")
    return _strong(Traced(ctx, _located(ctx).clip(v._id, a._id, b._id)))


# --------------------------------------------------------------------------- creation

def full(n, value):
    """A length-n array filled with value; n may be traced (g.num_nodes, x.size, an argument).

    Example:
        >>> f = ff.jit(lambda x: x + ff.full(x.size, 0.5))
        >>> f(np.array([1.0, 2.0]))
        array([1.5, 2.5])
    """
    ctx = _context_of(n, value)
    if ctx is None:
        return np.full(n, value)
    count, fill = _lift(ctx, n, "n"), _lift(ctx, value, "value")
    if count.is_array or fill.is_array:
        raise TypeError("ff.full: n and value must be scalars")
    return Traced(ctx, _located(ctx).full(count._id, fill._id))


def arange(n):
    """0, 1, ..., n-1 as int64; n may be traced.

    Example:
        >>> f = ff.jit(lambda x: x * ff.arange(x.size))
        >>> f(np.array([5.0, 5.0, 5.0]))
        array([ 0.,  5., 10.])
    """
    ctx = _context_of(n)
    if ctx is None:
        return np.arange(n, dtype=np.int64)
    count = _lift(ctx, n, "n")
    if count.is_array:
        raise TypeError("ff.arange: n must be a scalar")
    return Traced(ctx, _located(ctx).arange(count._id))


# --------------------------------------------------------------------------- graphs

_AGG_OPS = ("sum", "mean", "min", "max", "count", "mode")
_DIRECTIONS = ("in", "out", "both")


_COMBINES = ("mul", "add", "first", "second")
_SEMIRING_OPS = ("sum", "mean", "min", "max")


def neighbor_agg(g, x, op="sum", direction="in", weights=None, combine=None, active=None):
    """Aggregate x over each node's neighbours: op in sum/mean/min/max/count/mode,
    direction "in" (u -> v edges, pull), "out" or "both".
    Nodes without neighbours get the op's identity (0 for sum/count/mean, +inf/max int for min,
    -inf/lowest for max, NaN/-1 for mode). min/max propagate NaN and order zeros -0.0 < +0.0 (as
    ff.min / ff.max do), so a node's result is the same in any edge order, pushed or pulled.

    weights: a float64 array of length E in *user edge order* (edge i = the i-th edge given to
    Graph.from_edges; see ff.Graph), applied to every direction ("in", "out", "both") alike.
    weights=None uses the graph's own weights when it has any (unweighted otherwise);
    weights=False ignores them. Weights apply to sum (sum of w * x), mean (weighted mean),
    count (sum of w, a float64 weighted degree) and mode (weighted votes); min/max take no
    weights. The rule is the same inside ``ff.jit``: whether a graph argument is weighted is part
    of the trace signature, so one jit function traces separately for weighted and unweighted
    graphs (their results' dtypes can differ: count is int64 unweighted, float64 weighted).

    combine: a semiring aggregation. Each edge u -(e)- v contributes combine(x[u], w[e]) --
    "mul" (x * w), "add" (x + w), "first" (x alone, no weights), "second" (w alone) -- folded by
    op in sum/mean/min/max (mean: the sum over the number of contributing edges), in float64.
    op="min", combine="add" is a Bellman-Ford relaxation (min-plus), "max"/"mul" max-times,
    "sum"/"mul" plus-times. The weights are `weights` or, when None, the graph's own (an error if
    it has none); "first" takes none.

    active: a bool node mask (needs combine=; use combine="first" for plain values): only edges
    whose neighbour u is active contribute; a node with no contributing edge gets the op's
    identity (0 for sum/mean, +inf for min, -inf for max), as a node without neighbours does.
    When the active nodes' edges are few the engine pushes from them instead of pulling over
    every edge (BFS / Bellman-Ford frontiers cost their own edges, not the graph's).

    Inside ``ff.while_loop(lambda c: ff.any(mask), body, ...)`` whose body is such an aggregation
    plus elementwise work that provably leaves a node no active edge reaches unchanged (and its
    mask False) -- BFS, Bellman-Ford, min-label components -- iterations with few frontier edges
    run sparsely: only the reached nodes are computed, so a loop of thousands of levels does not
    cost N per level (``f.ir(..., optimized=True)`` shows ``frontier:``). When the body also
    computes a guard from the carries alone outside which it is idle (BFS: "not visited yet"),
    larger frontiers pull bottom-up at the guarded nodes only, stopping at the first frontier
    neighbour when all frontier values are equal (a BFS level). A Bellman-Ford of that
    shape -- ``d, mask = ff.minimum(d, agg), ff.minimum(d, agg) < d`` with op="min",
    combine="add", x = d -- is a min-plus fixpoint whose result does not depend on the order of
    relaxations: with weights >= 0 it runs as delta-stepping (plan: ``min-plus fixpoint of``),
    same bits, as fast as ``ff.algorithms.sssp``.

    Edge values: weights computed elementwise from ``g.edge_src(x)``, ``g.edge_dst(y)``, edge
    arrays and scalars, and read by this aggregation alone, are computed per edge inside it (no
    length-E array is written) for combine="mul"/"add"/"second" and a plain float64 weighted sum,
    directions "in" and "out"; the plan shows ``<- fused[...] per edge``.

    Example:
        >>> g = ff.Graph.from_edges([0, 0, 1, 2], [1, 2, 2, 0], num_nodes=4)
        >>> f = ff.jit(lambda g, x: ff.neighbor_agg(g, x, "sum"))  # sum over in-neighbours
        >>> f(g, np.array([1.0, 10.0, 100.0, 1000.0]))
        array([100.,   1.,  11.,   0.])
        >>> ff.neighbor_agg(g, np.array([1.0, 10.0, 100.0, 1000.0]), "max", direction="out")  # eager
        array([100., 100.,   1., -inf])
        >>> w = np.array([1.0, 5.0, 1.0, 1.0])  # min-plus: one Bellman-Ford relaxation from node 0
        >>> ff.neighbor_agg(g, np.array([0.0, np.inf, np.inf, np.inf]), "min", weights=w, combine="add")
        array([inf,  1.,  5., inf])
    """
    if op not in _AGG_OPS:
        raise ValueError(f"op: must be one of {', '.join(_AGG_OPS)}; got {op!r}")
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction: must be one of {', '.join(_DIRECTIONS)}; got {direction!r}")
    if weights is True:
        raise ValueError("weights: must be None (the graph's own), False (unweighted) or a length-E array, got True")
    if combine is not None:
        if combine not in _COMBINES:
            raise ValueError(f"combine: must be one of {', '.join(_COMBINES)} or None; got {combine!r}")
        if op not in _SEMIRING_OPS:
            raise ValueError(f"op: combine={combine!r} goes with {', '.join(_SEMIRING_OPS)}; got {op!r}")
        if combine == "first" and weights is not None and weights is not False:
            raise ValueError("weights: combine='first' folds x alone and takes no weights")
        if combine != "first" and weights is False:
            raise ValueError(f"weights: combine={combine!r} needs edge weights; got False")
    elif active is not None:
        raise ValueError("active: needs combine= (a semiring aggregation); combine='first' aggregates x itself")
    semiring_weights = combine is not None and combine != "first"
    if isinstance(g, TracedGraph):
        ctx = g._ctx
        xv = _lift(ctx, x, "x")
        if weights is None:
            if semiring_weights:
                if not g.has_weights:
                    raise ValueError(f"weights: combine={combine!r} needs edge weights; the graph has none and no weights= was given")
                wv = g._own_weights()
            elif combine is None and op not in ("min", "max"):
                wv = g._own_weights()
            else:
                wv = None
        elif weights is False:
            wv = None
        else:
            wv = _lift(ctx, weights, "weights")._id
        av = _lift(ctx, active, "active")._id if active is not None else None
        return Traced(ctx, _located(ctx).neighbor_agg(g._id, xv._id, op, direction, wv, combine or "", av))
    if any(isinstance(v, (Traced, TracedGraph)) for v in (x, weights, active)):
        raise TypeError("g: inside ff.jit the graph must be an argument of the jit function")
    return _eager_graph_op(g, x, op, direction, weights, combine, active)


def _eager_graph_op(g, x, op, direction, weights, combine=None, active=None):
    """neighbor_agg outside ff.jit: a one-op jit program, compiled once per signature.

    weights=None on a weighted graph passes the graph's weights (in user edge order; for a graph
    built in CSR order that is its own array, no copy) for the ops that take weights."""
    from .graph import Graph
    from .jit import jit

    if not isinstance(g, Graph):
        raise TypeError(f"g: must be a fuseflow.Graph, got {type(g).__name__}")
    semiring_weights = combine is not None and combine != "first"
    if weights is None and g.has_weights and (semiring_weights or (combine is None and op not in ("min", "max"))):
        weights = g._g.user_order_weights()
    elif weights is None and semiring_weights:
        raise ValueError(f"weights: combine={combine!r} needs edge weights; the graph has none and no weights= was given")
    elif weights is False:
        weights = None
    if active is not None:
        active = np.asarray(active)
        if active.dtype != np.bool_:
            raise TypeError(f"active: must be a bool node mask, got dtype {active.dtype}")
        active = np.ascontiguousarray(active)
    key = (op, direction, weights is None, combine, active is None)
    fn = _EAGER_AGG.get(key)
    if fn is None:
        # One explicit signature per case: ff.jit traces positional arguments.
        if weights is None and active is None:
            def agg(graph, values):
                return neighbor_agg(graph, values, op, direction, False, combine)
        elif active is None:
            def agg(graph, values, w):
                return neighbor_agg(graph, values, op, direction, w, combine)
        elif weights is None:
            def agg(graph, values, mask):
                return neighbor_agg(graph, values, op, direction, False, combine, mask)
        else:
            def agg(graph, values, w, mask):
                return neighbor_agg(graph, values, op, direction, w, combine, mask)
        fn = _EAGER_AGG[key] = jit(agg)
    x = np.ascontiguousarray(x)
    args = [g, x]
    if weights is not None:
        args.append(np.ascontiguousarray(weights, dtype=np.float64))
    if active is not None:
        args.append(active)
    return fn(*args)


_EAGER_AGG = {}
# Emptied at exit, before interpreter teardown: jit functions still held by this module when
# nanobind shuts down are reported as leaks ("nanobind: leaked 3 instances!" after any eager
# neighbor_agg call).
atexit.register(_EAGER_AGG.clear)


# Reductions live in reductions.py and loops in loops.py (both import the names above); re-exported
# here, where ff.* takes them.
from .reductions import (  # noqa: E402,F401,A004
    _NORMS, argmax, argmin, dot, logsumexp, max, mean, min, norm, prod, softmax, std, sum, var,
)  # ff.any/ff.all: reductions.py (dsl.py itself calls the builtins)
from .loops import ConvergeInfo, converge, fori_loop, while_loop  # noqa: E402,F401
