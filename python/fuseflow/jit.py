"""ff.jit: trace a Python function once per signature into IR, compile it, run it natively.

The signature of a call is, per argument: its kind (graph / array / scalar), dtype, and for
arrays which length class it has (a graph's N or E, length 1, or the same length as an earlier
array argument). Python and NumPy scalars are runtime inputs, so new values never recompile.
"""

import functools
import inspect
import itertools
import logging
import numbers
import os
import sys
import threading
import types
import warnings
import weakref

import numpy as np

from . import _core
from .dsl import TraceContext, Traced, TracedGraph, _UndeclaredGraphWeights
from .loops import _flatten, _unflatten
from .dsl import _state as _trace_state
from .graph import Graph
from .profile import Profile
from ._jit_capture import captured_sources as _captured_sources, read_source as _read_source, with_captured as _with_captured
from ._jit_explain import recompile_reason as _recompile_reason

_arg_layout = _core.arg_layout
_core.JitDispatcher._register_graph_type(Graph)  # graph arguments take the native call path too

__all__ = ["jit", "JitFunction"]

_log = logging.getLogger("fuseflow.jit")
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
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
from ._jit_capture import _MISSING  # noqa: E402  (one sentinel shared with the capture helpers)


def _bound_cache(jit_function):
    """{id(instance): bound JitFunction} of a jit method (see JitFunction.__get__)."""
    cache = jit_function.__dict__.get("_bound")
    if cache is None:
        cache = jit_function.__dict__.setdefault("_bound", {})
    return cache


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


def _add_user_location(error):
    """Appends the user's file:line (innermost traceback frame outside fuseflow) to a trace error
    raised by the DSL, unless the IR builder already named it."""
    if not error.args or not isinstance(error.args[0], str) or "(at " in error.args[0]:
        return
    location = None
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR):
            location = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    if location is not None:
        error.args = (f"{error.args[0]} (at {location})",) + error.args[1:]


def _add_argument_shapes(error, names, values, traced, builder):
    """Puts a trace error in the user's terms: IR value ids of arguments become the argument
    names (``%1 (f64[n1])`` -> ``y (f64[n1=4])``), other ids "a computed value", and axis symbols
    carry the actual lengths of this call. A broadcasting / length error also gets each array
    argument's shape."""
    if not error.args or not isinstance(error.args[0], str):
        return
    message = error.args[0]
    by_id, lengths, parts = {}, {}, []
    for name, value, t in zip(names, values, traced):
        if isinstance(t, Traced):
            by_id[t._id] = name
            if t.is_array and hasattr(value, "shape"):
                symbols = builder.shape_of(t._id)
                for sym, n in zip(symbols, value.shape):
                    if sym != "1":
                        lengths.setdefault(sym, n)
                parts.append(f"{name}: shape {tuple(value.shape)}")
    message = _user_terms(message, by_id, lengths)
    if ("do not broadcast" in message or "length mismatch" in message) and parts:
        message = f"{message}; arguments: {'; '.join(parts)}"
    error.args = (message,) + error.args[1:]


_VALUE_REF = None


def _user_terms(message, by_id, lengths):
    """message with %K value references named and n<K> symbols given their lengths (see above)."""
    global _VALUE_REF
    import re
    if _VALUE_REF is None:
        _VALUE_REF = (re.compile(r"%(\d+) \(([^()]*)\)"), re.compile(r"\b(n\d+)\b(?!=)"))
    values, symbols = _VALUE_REF
    head, sep, tail = message.partition(" (at ")  # the user's file:line stays as it is

    def value(m):
        vid = int(m.group(1))
        name = by_id.get(vid)
        return f"{name} ({m.group(2)})" if name is not None else f"a computed value ({m.group(2)})"

    head = values.sub(value, head)
    if not any(w in head for w in ("mismatch", "broadcast", "as length")):
        return head + sep + tail  # lengths matter to shape errors; other messages keep the IR types as they are
    head = symbols.sub(lambda m: f"{m.group(1)}={lengths[m.group(1)]}" if m.group(1) in lengths else m.group(1), head)
    return head + sep + tail


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
        elif t is Graph:
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
        if type(v) not in (np.ndarray, float, int, bool, Graph):
            return False
    return True


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


class _Traced:
    """A traced program and, once compiled, its executable. `monitors`: the program's top-level
    ff.converge calls, whose hidden outputs follow the `num_results` outputs of the function."""

    __slots__ = ("program", "structure", "compiled", "lock", "monitors", "num_results", "graph_weights")

    def __init__(self, program, structure, monitors=(), num_results=0, graph_weights=()):
        self.program = program
        # Ordinals of the graph inputs whose own weights are hidden inputs after the arguments.
        self.graph_weights = tuple(graph_weights)
        self.structure = structure
        self.compiled = None
        self.lock = threading.Lock()
        self.monitors = tuple(monitors)
        self.num_results = num_results

    def result(self, outputs, stacklevel):
        """The function's return value from the program's outputs; reports each monitored
        ff.converge (ConvergenceWarning / ConvergenceError / ValueError for a bad tol)."""
        if self.monitors:
            hidden = iter(outputs[self.num_results:])
            for m in self.monitors:
                m.check([next(hidden) for _ in m.hidden_outputs()], stacklevel + 1)
            outputs = outputs[:self.num_results]
        if self.structure is None:
            return outputs[0]
        return _unflatten(self.structure, iter(outputs))


class JitFunction(_core.JitDispatcher):
    """The callable ff.jit returns. Also: .ir(*args), .dot(*args), .profile(*args).

    f(*args, out=buf) writes the result into the caller's array(s) and returns them (a tuple or
    list of arrays for a function returning a tuple); see _call_into for the rules.

    __call__ is native (_core.JitDispatcher): a call with the exact argument layout of an earlier
    call (kinds, dtypes, array lengths, graph sizes; plain arrays, graphs and Python numbers) runs
    the remembered compiled program without entering Python; every other call comes to _call_slow."""

    def __init__(self, fn, bound_self=_MISSING):
        super().__init__()
        self._fn = fn
        # A method's instance (see __get__) by weak reference when it allows one, so the per-instance
        # cache does not keep it alive; None for a plain function.
        self._self = None
        if bound_self is not _MISSING:
            try:
                self._self = weakref.ref(bound_self)
            except TypeError:
                self._self = lambda: bound_self
        self._signature = inspect.signature(fn)
        if bound_self is not _MISSING:
            params = list(self._signature.parameters.values())
            if not params or params[0].kind not in (inspect.Parameter.POSITIONAL_ONLY,
                                                    inspect.Parameter.POSITIONAL_OR_KEYWORD):
                raise TypeError(f"ff.jit: method {fn.__name__} must take self as its first positional parameter")
            self._signature = self._signature.replace(parameters=params[1:])
        for p in self._signature.parameters.values():
            if p.kind == inspect.Parameter.VAR_KEYWORD:
                raise TypeError(f"ff.jit: {fn.__name__} takes **{p.name}; name every argument instead")
        params = list(self._signature.parameters.values())
        # Fast path: plain positional parameters called positionally (no *args, no keywords).
        self._plain = all(p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                          for p in params)
        self._param_names = tuple(p.name for p in params)
        self._param_index = {name: i for i, name in enumerate(self._param_names)}
        self._defaults = tuple(p.default for p in params)
        self._n_params = len(params)
        self._n_required = sum(1 for p in params if p.default is inspect.Parameter.empty)
        self._cache = {}
        # Memo of exact argument layouts (types, dtypes, shapes, strides, graph sizes) -> entry, so
        # a repeated call skips classification; bounded because it keys on lengths.
        self._fast = {}
        self._lock = threading.Lock()
        self.trace_count = 0  # how many times the function was traced (tests check no recompiles)
        self._compile_log = []  # one line per trace: why it happened (explain_recompile)
        # Captured arrays: inputs read at every call, after the parameters (see jit's docstring).
        self._captured_names, sources = _captured_sources(fn, bound_self)
        self._captured_sources = sources
        missing = object()
        self._set_signature(self._param_names, tuple(missing if d is inspect.Parameter.empty else d
                                                     for d in self._defaults),
                            missing, self._plain, list(sources))
        functools.update_wrapper(self, fn)

    def __get__(self, obj, objtype=None):
        """``@ff.jit`` on a method: ``obj.method`` is a jit function bound to obj (one per
        instance, made on first access), whose array attributes are inputs (see jit)."""
        if obj is None or self._self is not None:
            return self
        cache = _bound_cache(self)
        bound = cache.get(id(obj))
        if bound is None or bound._self() is not obj:
            bound = JitFunction(self._fn, obj)
            try:
                weakref.finalize(obj, cache.pop, id(obj), None)
            except TypeError:
                # Not weak-referenceable: held strongly, so the cache is bounded.
                if len(cache) >= 64:
                    cache.clear()
            cache[id(obj)] = bound
        return bound

    def _captured_values(self):
        values = []
        for name, source in zip(self._captured_names, self._captured_sources):
            try:
                values.append(_read_source(source))
            except ValueError:
                raise NameError(f"{self._fn.__name__}: captured variable {name!r} is not bound") from None
        return values

    def explain_recompile(self):
        """Why each trace (compile) of this function happened, one line per trace: the first
        call, or which argument changed what (dtype, rank, length-1 axes, kind) against the
        closest earlier signature. FUSEFLOW_LOG_COMPILES=1 prints each line to stderr as it
        happens (also logged at DEBUG on the "fuseflow.jit" logger)."""
        if not self._compile_log:
            return f"{self._fn.__name__}: not compiled yet"
        return "\n".join(self._compile_log)

    def _note_compile(self, key, names):
        reason = _recompile_reason(key, names, list(self._cache))
        line = f"{self._fn.__name__} compile #{len(self._compile_log) + 1}: {reason}"
        self._compile_log.append(line)
        _log.debug("%s", line)
        if os.environ.get("FUSEFLOW_LOG_COMPILES", "") not in ("", "0"):
            print(f"fuseflow.jit: {line}", file=sys.stderr)

    def _keywords_to_positions(self, args, kwargs):
        """A keyword call of plain parameters as the equivalent positional tuple, so it takes the
        positional path (layout memo, no signature binding); None when some name is unknown,
        given twice or a required parameter is missing."""
        values = list(args) + [_MISSING] * (self._n_params - len(args))
        if len(values) != self._n_params:
            return None
        index = self._param_index
        for name, value in kwargs.items():
            i = index.get(name)
            if i is None or values[i] is not _MISSING:
                return None
            values[i] = value
        for i, v in enumerate(values):
            if v is _MISSING:
                default = self._defaults[i]
                if default is inspect.Parameter.empty:
                    return None
                values[i] = default
        return tuple(values)

    # ---- pickling: by reference to the Python function; the other side traces and compiles anew
    def __reduce__(self):
        if _global_target(self) is self:
            return self.__qualname__  # `@ff.jit def f`: pickled as the global it is, like a function
        return jit, (self._fn,)  # `g = ff.jit(f)`: f goes by reference, g is rebuilt around it

    # ---- arguments
    def _bind(self, args, kwargs):
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self._fn.__name__}(): {e}") from None
        bound.apply_defaults()
        names, values = [], []
        for pname, value in bound.arguments.items():
            kind = self._signature.parameters[pname].kind
            if kind == inspect.Parameter.VAR_POSITIONAL:
                for i, v in enumerate(value):
                    names.append(f"{pname}[{i}]")
                    values.append(v)
            else:
                names.append(pname)
                values.append(value)
        if self._captured_names:
            names.extend(self._captured_names)
            values.extend(self._captured_values())
        return names, values

    def _get(self, args, kwargs):
        """(traced entry, native inputs) for one call, tracing on a new signature."""
        n = len(args)
        if kwargs and self._plain:
            positional = self._keywords_to_positions(args, kwargs)  # None: _bind says what is wrong
            if positional is not None:
                args, n, kwargs = positional, len(positional), {}
        if self._plain and not kwargs and self._n_required <= n <= self._n_params:
            names, values = self._param_names, (args + self._defaults[n:] if n < self._n_params else args)
            if self._captured_names:
                names = names + self._captured_names
                values = tuple(values) + tuple(self._captured_values())
            layout = _arg_layout(*values)
            if layout is None:  # graphs, NumPy scalars: the Python layout
                layout = _layout(values)
            hit = self._fast.get(layout)
            if hit is not None:
                for i, v in enumerate(values):  # the layout says "int", not whether it fits
                    if type(v) is int and not _INT64_MIN <= v <= _INT64_MAX:
                        raise OverflowError(f"{names[i]}: integer {v} does not fit in int64")
                entry, graph_positions = hit
                if graph_positions is None:
                    return entry, list(values)
                return entry, _with_graph_weights(entry, _graphs_first(values, graph_positions))
        else:
            names, values = self._bind(args, kwargs)
            layout = None
        key, inputs = _classify(names, values)
        entry = self._cache.get(key)
        if entry is None:
            with self._lock:
                entry = self._cache.get(key)
                if entry is None:
                    self._note_compile(key, names)
                    entry = self._trace_ambiguous(key, names, values)
                    self._cache[key] = entry
        if layout is not None and _memoizable(values):
            if len(self._fast) > 256:
                self._fast.clear()
            positions = tuple(i for i, v in enumerate(values) if isinstance(v, Graph))
            self._fast[layout] = (entry, positions or None)
        return entry, _with_graph_weights(entry, inputs)

    # ---- tracing
    def _trace_ambiguous(self, key, names, values):
        """Trace, resolving arrays whose length matches both a graph's N and E: each is tried as
        N, then as E, until the program type-checks (usually one edge-weight array)."""
        ambiguous = [i for i, k in enumerate(key) if k[0] == "a" and k[2][0] == "N|E"]
        if not ambiguous:
            return self._trace(key, names, values)
        first_error = None
        for choice in itertools.product(("N", "E"), repeat=min(len(ambiguous), 4)):
            resolved = list(key)
            for position, symbol in zip(ambiguous, choice + ("N",) * (len(ambiguous) - len(choice))):
                resolved[position] = ("a", key[position][1], (symbol, key[position][2][1]))
            try:
                return self._trace(tuple(resolved), names, values)
            except ValueError as e:
                first_error = first_error or e
        raise first_error

    def _trace(self, key, names, values):
        """Traces once declaring a hidden weights input for every weighted graph; if the program
        reads only some of them, traces again declaring just those (a program has a fixed input
        list, declared before its first op, so an unused input cannot be dropped afterwards)."""
        self.trace_count += 1
        weighted = tuple(j for j, k in enumerate(k for k in key if k[0] == "g") if k[1])
        if not weighted:
            return self._trace_once(key, names, values, ())
        entry = self._trace_once(key, names, values, weighted)
        if entry.graph_weights == weighted:
            return entry
        try:
            return self._trace_once(key, names, values, entry.graph_weights)
        except _UndeclaredGraphWeights:
            raise RuntimeError(f"ff.jit: {self._fn.__name__} read a graph's own weights in one trace and not in "
                               "another of the same signature; its tracing must not depend on outside state") from None

    def _trace_once(self, key, names, values, declared):
        ctx = TraceContext(self._fn.__name__)
        b = ctx.builder
        # Graph inputs come first in the program (so arrays can take their N/E length whatever the
        # argument order); _classify orders the native inputs the same way.
        args = [None] * len(key)
        graph_ids = []
        traced_graphs = []
        for i, k in enumerate(key):
            if k[0] == "g":
                graph_ids.append(b.add_graph_input())
                args[i] = TracedGraph(ctx, graph_ids[-1], k[1])
                traced_graphs.append(args[i])
        symbols = []  # IR symbol of each array axis, in argument and axis order
        for i, k in enumerate(key):
            if k[0] == "A":
                dims = [self._axis_symbol(b, cls, graph_ids, symbols) for cls in k[2]]
                args[i] = Traced(ctx, b.add_shaped_input(k[1], dims))
            elif k[0] == "a":
                args[i] = Traced(ctx, b.add_array_input(k[1], self._axis_symbol(b, k[2], graph_ids, symbols)))
            elif k[0] == "s":
                args[i] = Traced(ctx, b.add_scalar_input(k[1], k[2]))
        # Hidden inputs go after every argument: the native inputs are the arguments' plus these.
        for j in declared:
            traced_graphs[j]._weights = b.add_array_input("float64", b.edges_symbol(graph_ids[j]))
        fn = self._fn
        if self._captured_names or self._self is not None:
            owner = _MISSING if self._self is None else self._self()
            if owner is None:
                raise ReferenceError(f"{self._fn.__name__}: the instance this method was bound to is gone")
            fn = _with_captured(fn, owner, self._captured_names, self._captured_sources,
                                args[len(args) - len(self._captured_names):])
        with ctx:
            try:
                result = fn(*self._rebuild(names, values, args))
            except (TypeError, ValueError, OverflowError) as e:
                _add_user_location(e)
                _add_argument_shapes(e, names, values, args, b)
                raise
        return self._finish(ctx, result, tuple(j for j in declared if traced_graphs[j]._weights_used))

    @staticmethod
    def _axis_symbol(b, cls, graph_ids, symbols):
        """The IR symbol of one array axis from its length class (see _length_class)."""
        if cls[0] == "N":
            sym = b.nodes_symbol(graph_ids[cls[1]])
        elif cls[0] == "E":
            sym = b.edges_symbol(graph_ids[cls[1]])
        elif cls[0] == "1":
            sym = b.one_symbol()
        elif cls[0] == "same":
            sym = symbols[cls[1]]
        else:
            sym = b.new_input_symbol()
        symbols.append(sym)
        return sym

    def _rebuild(self, names, values, traced):
        """Positional arguments for the user's function (re-packing *args)."""
        out = []
        it = iter(traced)
        for pname, p in self._signature.parameters.items():
            if p.kind == inspect.Parameter.VAR_POSITIONAL:
                count = sum(1 for n in names if n.startswith(pname + "["))
                out.extend(next(it) for _ in range(count))
            else:
                out.append(next(it))
        return out

    def _finish(self, ctx, result, graph_weights=()):
        leaves = []
        structure = _flatten(result, leaves)
        ids = []
        name = self._fn.__name__
        for i, leaf in enumerate(leaves):
            where = f"output {i}" if structure is not None else "the return value"
            code = getattr(self._fn, "__code__", None)
            at = f" (function at {code.co_filename}:{code.co_firstlineno})" if code is not None else ""
            if isinstance(leaf, TracedGraph):
                raise TypeError(f"{name}: {where} is a graph; return arrays or scalars{at}")
            if not isinstance(leaf, Traced):
                raise TypeError(f"{name}: {where} must be a traced array or scalar computed from the arguments "
                                f"(or a tuple of them), got {type(leaf).__name__}{at}")
            ids.append(leaf._id)
        num_results = len(ids)
        for m in ctx.monitors:
            ids.extend(m.hidden_outputs())
        ctx.builder.set_outputs(ids)
        program = ctx.builder.finish()
        return _Traced(program, structure, ctx.monitors, num_results, graph_weights)

    # ---- running
    def _compiled(self, entry):
        if entry.compiled is None:
            with entry.lock:
                if entry.compiled is None:
                    compile_fn = getattr(_core, "compile", None)
                    if compile_fn is None:
                        raise NotImplementedError("this build of fuseflow has no executor (_core.compile)")
                    entry.compiled = compile_fn(entry.program)
        return entry.compiled

    def _call_slow(self, *args, **kwargs):
        """Every call the native __call__ has not remembered: traces on a new signature, and
        remembers plain positional layouts so their next call stays native."""
        if "out" in kwargs and "out" not in self._param_index and not _trace_state.stack:
            out = kwargs.pop("out")
            return self._call_into(args, kwargs, out)
        if self._plain and (kwargs or len(args) < self._n_params) and not _trace_state.stack:
            positional = self._keywords_to_positions(args, kwargs)
            if positional is not None:
                # Keywords and defaults filled in: the same call in positional form, which the
                # native dispatcher serves from its remembered layouts.
                return _core.JitDispatcher.__call__(self, *positional)
        if _trace_state.stack and _any_traced(args, kwargs):
            # Called from inside another trace: inline it into that program.
            return self._fn(*args, **kwargs)
        if any(hasattr(v, "__dask_graph__") for v in (*args, *kwargs.values())):
            from .dask import jit_call  # optional dependency: imported only for Dask arguments
            return jit_call(self, args, kwargs)
        entry, inputs = self._get(args, kwargs)
        compiled = entry.compiled
        if compiled is None:
            compiled = self._compiled(entry)
        # The native path returns outputs as they are: programs whose ff.converge must be checked
        # after each run stay on this one.
        self._maybe_remember(args, kwargs, entry, compiled)
        return entry.result(compiled.run(inputs), 2)

    def _maybe_remember(self, args, kwargs, entry, compiled):
        """Remembers a plain positional call's layout natively (see _call_slow)."""
        if not kwargs and len(args) == self._n_params and not entry.monitors:
            full = args + tuple(self._captured_values()) if self._captured_names else args
            if _memoizable(full):
                self._remember(full, compiled, entry.structure, entry.graph_weights)

    def _call_into(self, args, kwargs, out):
        """f(..., out=buf): runs f and writes its outputs into the caller's arrays, returning them.
        out is one array for a function returning one array, else a tuple/list matching the
        returned tuple. Each must be a numpy.ndarray, C-contiguous, aligned, writeable, of the
        output's exact dtype and shape. The outputs are copied in once the whole program has run,
        so an out array that overlaps (or is) an input gets the result computed from the inputs as
        they were before the call. The run reuses its pooled output buffers: no output arrays are
        allocated on repeated calls."""
        entry, inputs = self._get(args, kwargs)
        if entry.monitors:
            raise TypeError(f"{self._fn.__name__}: out= is not supported for functions that call ff.converge")
        leaves = []
        if entry.structure is None:
            if isinstance(out, (tuple, list)):
                raise TypeError(f"out: {self._fn.__name__} returns one array; pass one numpy.ndarray, "
                                f"got a {type(out).__name__}")
            leaves = [out]
        else:
            if not isinstance(out, (tuple, list)):
                raise TypeError(f"out: {self._fn.__name__} returns {entry.num_results} values; pass a tuple "
                                f"or list of as many arrays, got {type(out).__name__}")
            leaves = list(out)
            if len(leaves) != entry.num_results:
                raise ValueError(f"out: {self._fn.__name__} returns {entry.num_results} values, got "
                                 f"{len(leaves)} out arrays")
        for i, a in enumerate(leaves):
            name = "out" if entry.structure is None else f"out[{i}]"
            if type(a) is not np.ndarray:
                raise TypeError(f"{name}: must be a numpy.ndarray, got {type(a).__name__}")
            if not a.flags.c_contiguous or not a.flags.aligned or not a.dtype.isnative:
                raise ValueError(f"{name}: must be C-contiguous, aligned and in native byte order")
            if not a.flags.writeable:
                raise ValueError(f"{name}: must be writeable")
            if a.ndim < 1 or a.ndim > 4:
                raise ValueError(f"{name}: must have rank 1-4 (scalar outputs cannot go to out=), got shape {a.shape}")
        compiled = entry.compiled
        if compiled is None:
            compiled = self._compiled(entry)
        compiled.run_into(inputs, leaves)
        self._maybe_remember(args, kwargs, entry, compiled)  # the next out= call runs natively
        if entry.structure is None:
            return out
        return out if isinstance(out, tuple) else tuple(out)

    def program(self, *args, **kwargs):
        """The traced, verified _core.Program for these arguments' signature."""
        return self._get(args, kwargs)[0].program

    def ir(self, *args, optimized=False, locations=False, **kwargs):
        """IR text for these arguments' signature.

        optimized=True gives the IR after the optimizer's passes followed by the execution plan
        (fused kernels, aggregations, loops), i.e. what actually runs."""
        entry, inputs = self._get(args, kwargs)
        if optimized:
            compiled = self._compiled(entry)
            # The variant these arguments run (large graphs run one compiled without loop_rotation).
            text, plan, _ = compiled.variant_ir(inputs)
            note = ""
            if compiled.large_graph_min_nodes:
                note = (f"// graphs with more than {compiled.large_graph_min_nodes:,} nodes run a variant compiled "
                        "without loop_rotation\n")
            return text + "\n// execution plan\n" + note + plan
        return entry.program.print(locations)

    def dot(self, *args, **kwargs):
        """Graphviz (dot) text of the traced program."""
        return self._get(args, kwargs)[0].program.to_dot()

    def profile(self, *args, **kwargs):
        """Runs the function once with per-step timing; returns an ff.Profile (str() is the per-step
        table plus the optimizer's pass report; .steps, .outputs, .to_chrome_trace(path))."""
        entry, inputs = self._get(args, kwargs)
        compiled = self._compiled(entry)
        _, plan, pass_report = compiled.variant_ir(inputs)
        outputs, rows, events, dropped = compiled.run_profiled(inputs, events=True)
        result = entry.result(outputs, 2)
        return Profile(self._fn.__name__, rows, events, dropped, result, pass_report, plan)

    def explain(self, *args, **kwargs):
        """Which tier (interp / prejit:key / native:key) runs each fused kernel, and why."""
        from ._explain import explain
        return explain(self, args, kwargs)

    def __repr__(self):
        return f"<ff.jit {self._fn.__qualname__}, {len(self._cache)} signature(s) traced>"


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
    Inside ff.jit reductions
    (ff.sum, ff.max, ...) are over the whole array at any rank; ``axis=`` / ``keepdims=`` raise
    NotImplementedError there for now.

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


def _global_target(obj):
    """What obj's module.qualname names today (pickling by reference needs it to be obj)."""
    target = sys.modules.get(getattr(obj, "__module__", None) or "")
    for part in getattr(obj, "__qualname__", "").split("."):
        target = getattr(target, part, None)
    return target


def _static_names(fn, static_argnames, static_argnums):
    """The parameter names made static, checked against fn's signature."""
    params = list(inspect.signature(fn).parameters.values())
    names = [p.name for p in params]
    chosen = []
    if static_argnames is not None:
        for name in (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames):
            if not isinstance(name, str) or name not in names:
                raise ValueError(f"static_argnames: {name!r} is not a parameter of {fn.__name__} {tuple(names)}")
            chosen.append(name)
    if static_argnums is not None:
        for num in (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums):
            if isinstance(num, bool) or not isinstance(num, int) or not -len(params) <= num < len(params):
                raise ValueError(f"static_argnums: {num!r} is not a parameter position of {fn.__name__} "
                                 f"(it has {len(params)})")
            chosen.append(names[num])
    for name in chosen:
        kind = params[names.index(name)].kind
        if kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise ValueError(f"static_argnames: *{name} cannot be static; name single parameters")
    return tuple(dict.fromkeys(chosen))


class StaticJitFunction:
    """ff.jit with static arguments: one JitFunction per distinct tuple of static values, each
    tracing fn with those values bound as Python constants."""

    def __init__(self, fn, statics):
        self._fn = fn
        self._signature = inspect.signature(fn)
        self._statics = statics
        self._specialized = {}
        self._lock = threading.Lock()
        functools.update_wrapper(self, fn)

    @property
    def trace_count(self):
        return sum(f.trace_count for f in list(self._specialized.values()))

    def _split(self, args, kwargs):
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self._fn.__name__}(): {e}") from None
        bound.apply_defaults()
        values = {}
        for name in self._statics:
            value = bound.arguments[name]
            try:
                hash(value)
            except TypeError:
                raise TypeError(f"{name}: a static argument must be hashable (it keys the compiled program), "
                                f"got {type(value).__name__}") from None
            values[name] = value
        key = tuple((name, type(v), v) for name, v in values.items())
        fn = self._specialized.get(key)
        if fn is None:
            with self._lock:
                fn = self._specialized.get(key)
                if fn is None:
                    fn = JitFunction(_bind_statics(self._fn, self._signature, values))
                    self._specialized[key] = fn
        rest_args, rest_kwargs = [], {}
        for name, p in self._signature.parameters.items():
            if name in values:
                continue
            if p.kind == inspect.Parameter.VAR_POSITIONAL:
                rest_args.extend(bound.arguments[name])
            elif p.kind == inspect.Parameter.KEYWORD_ONLY:
                rest_kwargs[name] = bound.arguments[name]
            else:
                rest_args.append(bound.arguments[name])
        return fn, rest_args, rest_kwargs

    def __call__(self, *args, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn(*a, **k)

    def explain_recompile(self):
        """Why each program was traced: one block per distinct static value tuple (a new one
        always traces), each with its own JitFunction.explain_recompile lines."""
        if not self._specialized:
            return f"{self._fn.__name__}: not compiled yet"
        blocks = []
        for key, fn in list(self._specialized.items()):
            statics = ", ".join(f"{name}={value!r}" for name, _, value in key)
            blocks.append(f"static {statics}:\n" + fn.explain_recompile())
        return "\n".join(blocks)

    def ir(self, *args, optimized=False, locations=False, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn.ir(*a, optimized=optimized, locations=locations, **k)

    def dot(self, *args, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn.dot(*a, **k)

    def profile(self, *args, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn.profile(*a, **k)

    def explain(self, *args, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn.explain(*a, **k)

    def __reduce__(self):
        if _global_target(self) is self:
            return self.__qualname__  # a decorated global pickles as itself
        return functools.partial(jit, static_argnames=self._statics), (self._fn,)


def _bind_statics(fn, signature, values):
    """fn with the static parameters fixed to `values`; the rest keep their kinds and names."""
    params = [p for name, p in signature.parameters.items() if name not in values]

    def specialized(*args, **kwargs):
        bound = reduced.bind(*args, **kwargs)
        positional, keywords = [], {}
        for name, p in signature.parameters.items():
            value = values[name] if name in values else bound.arguments.get(name, p.default)
            if p.kind == inspect.Parameter.VAR_POSITIONAL:
                positional.extend(value if name not in values else ())
            elif p.kind == inspect.Parameter.KEYWORD_ONLY:
                keywords[name] = value
            elif p.kind == inspect.Parameter.VAR_KEYWORD:
                keywords.update(value)
            else:
                positional.append(value)
        return fn(*positional, **keywords)

    reduced = signature.replace(parameters=params)
    specialized.__signature__ = reduced
    specialized.__name__ = getattr(fn, "__name__", "fn")
    specialized.__qualname__ = getattr(fn, "__qualname__", specialized.__name__)
    specialized.__module__ = getattr(fn, "__module__", None)
    return specialized
