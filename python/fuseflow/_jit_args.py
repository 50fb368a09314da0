"""ff.jit's arguments: the signature key of a call (per argument its kind, dtype and length
class) and the native inputs, array-likes read as NumPy views, the exact-layout memo's helpers.

Everything here runs on every slow-path call (the native dispatcher serves remembered layouts),
so it is part of the boundary cost: common types are tested by exact type first."""

import numbers

import numpy as np

from .dsl import Traced, TracedGraph
from .graph import Graph
from .graph_view import GraphView

_SUPPORTED_DTYPES = {np.dtype(n): n for n in ("bool", "int32", "int64", "float32", "float64")}
_CANONICAL = {d: d for d in _SUPPORTED_DTYPES}  # the interned dtype object of each supported dtype
_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1
_MAX_RANK = 4


def _unsupported_dtype(name, dtype):
    return TypeError(f"{name}: unsupported dtype {dtype} (supported: bool, int32, int64, float32, float64)")


def _scalar_key(name, value):
    """(kind, dtype, weak) of a scalar argument, or None when value is not a scalar."""
    if isinstance(value, bool):
        return ("s", "bool", True)
    if isinstance(value, np.generic):
        dtype = _SUPPORTED_DTYPES.get(value.dtype)
        if dtype is None:
            raise _unsupported_dtype(name, value.dtype)
        return ("s", dtype, False)
    if isinstance(value, numbers.Integral):
        if not _INT64_MIN <= int(value) <= _INT64_MAX:
            raise OverflowError(f"{name}: integer {value} does not fit in int64")
        return ("s", "int64", True)
    if isinstance(value, numbers.Real):
        return ("s", "float64", True)
    return None


_WEAK_FLOAT_KEY = ("s", "float64", True)
_WEAK_INT_KEY = ("s", "int64", True)
_WEAK_BOOL_KEY = ("s", "bool", True)


_PLAIN_TYPES = (float, int, bool, str, bytes, list, tuple, dict)


def _array_like(v):
    """A NumPy view of an array-like that is not an ndarray (pandas Series, PyArrow array, JAX /
    PyTorch CPU tensor, memoryview): DLPack first, then ``__array__`` / the buffer protocol, all
    without a copy when the producer allows it (contiguous, no nulls). Anything else is returned
    unchanged and classified as before. Lists and tuples stay an error (a copy per call that
    the user should make once)."""
    if isinstance(v, (np.ndarray, np.generic, Graph) + _PLAIN_TYPES) or v is None:
        return v
    if hasattr(v, "__dlpack__") and hasattr(v, "__dlpack_device__"):
        try:
            return np.from_dlpack(v)
        except (BufferError, TypeError, RuntimeError):
            pass  # e.g. a device array or a read-only export: try the other protocols
    if hasattr(v, "__array__") or isinstance(v, memoryview):
        return np.asarray(v)
    try:
        return np.asarray(memoryview(v))
    except TypeError:
        return v


def _classify(names, values):
    """(cache key, native inputs) of one call, in one pass over the arguments.

    Per argument the key holds its kind and dtype; arrays also their length class, decided after
    the pass because a graph argument may come after the arrays sized by it. Graph inputs go
    first in the native input list (see JitFunction._trace). The common types are tested by
    exact type first: this runs on every call, so it is part of the boundary cost."""
    key = []
    inputs = []
    graph_inputs = None
    graphs = None
    arrays = None  # (position in key, length)
    for i, v in enumerate(values):
        t = type(v)
        if t is not np.ndarray and t not in _PLAIN_TYPES:
            v = _array_like(v)
            t = type(v)
        if t is np.ndarray and 1 <= v.ndim <= _MAX_RANK:
            dtype = _SUPPORTED_DTYPES.get(v.dtype)
            if dtype is None:
                raise _unsupported_dtype(names[i], v.dtype)
            if arrays is None:
                arrays = []
            arrays.append((len(key), v.shape))
            key.append(dtype)
            # Strided and Fortran-order arrays are copied once to C order (see jit's docstring).
            inputs.append(v if v.flags.c_contiguous else np.ascontiguousarray(v))
        elif t is float:
            key.append(_WEAK_FLOAT_KEY)
            inputs.append(v)
        elif t is int:
            if not _INT64_MIN <= v <= _INT64_MAX:
                raise OverflowError(f"{names[i]}: integer {v} does not fit in int64")
            key.append(_WEAK_INT_KEY)
            inputs.append(v)
        elif t is bool:
            key.append(_WEAK_BOOL_KEY)
            inputs.append(v)
        elif isinstance(v, Graph):
            if graphs is None:
                graphs, graph_inputs = [], []
            g = v._g
            graphs.append((g.num_nodes, g.num_edges))
            graph_inputs.append(g)
            # Weighted or not is part of the signature: neighbor_agg(weights=None) reads the
            # graph's own weights, and changes its result dtypes, only on a weighted graph.
            key.append(("g", g.has_weights))
        else:
            if isinstance(v, np.ndarray) and v.ndim == 0:
                v = v[()]
            sk = _scalar_key(names[i], v)
            if sk is None:
                if isinstance(v, np.ndarray):
                    if v.ndim == 1:  # an ndarray subclass
                        raise TypeError(f"{names[i]}: pass a plain NumPy array, not a {type(v).__name__}")
                    raise ValueError(f"{names[i]}: arrays must have 1 to {_MAX_RANK} axes, got shape {v.shape}")
                if isinstance(v, (list, tuple)):
                    raise TypeError(f"{names[i]}: pass a NumPy array, not a {type(v).__name__}")
                raise TypeError(f"{names[i]}: unsupported argument of type {type(v).__name__}; "
                                "pass NumPy arrays, Python/NumPy scalars or ff.Graph")
            key.append(sk)
            inputs.append(v.item() if isinstance(v, np.generic) else v)
    if arrays is not None:
        lengths = []  # every earlier axis length, in argument and axis order
        for position, shape in arrays:
            if len(shape) == 1:
                key[position] = ("a", key[position], _length_class(shape[0], graphs or (), lengths))
                lengths.append(shape[0])
                continue
            # N-d: one class per axis (a graph's N/E only on axis 0); length-1 axes are "1".
            classes = []
            for axis, n in enumerate(shape):
                classes.append(_length_class(n, graphs or () if axis == 0 else (), lengths))
                lengths.append(n)
            key[position] = ("A", key[position], tuple(("N", c[1]) if c[0] == "N|E" else c for c in classes))
    if graph_inputs is not None:
        inputs = graph_inputs + inputs
    return tuple(key), inputs


def _any_traced(args, kwargs):
    for v in args:
        if isinstance(v, (Traced, TracedGraph)):
            return True
    return any(isinstance(v, (Traced, TracedGraph)) for v in kwargs.values())


def _layout(values):
    """Exact layout of the arguments: equal layouts always classify to the same key.

    A dtype enters by id(): memo entries are only made for the canonical dtype objects, which
    live forever, so an equal id means the same dtype (and hashing ints is cheaper)."""
    out = []
    for v in values:
        t = type(v)
        if t is np.ndarray:
            out.append((id(v.dtype), v.shape, v.strides))
        elif t is Graph or t is GraphView:
            g = v._g
            out.append((g.num_nodes, g.num_edges, g.has_weights))
        else:
            out.append(t)
    return tuple(out)


def _memoizable(values):
    """Arguments passed to the executor as they are (no copies or conversions on the slow path)."""
    for v in values:
        if type(v) is np.ndarray and (not 1 <= v.ndim <= _MAX_RANK or not v.flags.c_contiguous or
                                      _SUPPORTED_DTYPES.get(v.dtype) is None or v.dtype is not _CANONICAL[v.dtype]):
            return False
        if type(v) not in _NATIVE_TYPES:
            return False
    return True


# What the native dispatcher takes as it is: NumPy scalars of the supported dtypes by exact type
# (jit_dispatcher.cpp numpy_scalar_value); np.float32(s) arguments cost 12 instead of 4.6 us
# through the Python path.
_NATIVE_TYPES = frozenset((np.ndarray, float, int, bool, Graph, GraphView, np.float64, np.float32, np.int64,
                           np.int32, np.bool_))


def _graphs_first(values, graph_positions):
    inputs = [values[i]._g for i in graph_positions]
    inputs.extend(v for i, v in enumerate(values) if i not in graph_positions)
    return inputs


def _with_graph_weights(entry, inputs):
    """The native inputs plus the program's hidden inputs: the user-order weights of each graph
    input (by ordinal; graphs come first in `inputs`) whose own weights the program reads. The
    Graph caches them (a view of its CSR weights when its edges were given in CSR order)."""
    if entry.graph_weights:
        inputs = list(inputs)
        inputs.extend(inputs[j].user_order_weights() for j in entry.graph_weights)
    return inputs


def _length_class(n, graphs, lengths):
    # A graph's N / E first, so node arrays combine with degrees and neighbor_agg results.
    for i, (nodes, edges) in enumerate(graphs):
        if n == nodes:
            # When N == E the length alone cannot tell node arrays from edge arrays ("N|E"):
            # the trace tries N first and E if that fails (JitFunction._trace_ambiguous).
            return ("N|E", i) if n == edges else ("N", i)
        if n == edges:
            return ("E", i)
    if n == 1:
        return ("1",)
    for j, m in enumerate(lengths):
        if m == n:
            return ("same", j)
    return ("new",)
