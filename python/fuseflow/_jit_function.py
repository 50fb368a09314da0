"""JitFunction, the callable ff.jit returns: the call paths (native dispatcher, slow path,
out=), the trace cache per signature, methods bound per instance, and the inspection methods
(ir, dot, profile, explain, explain_recompile). Arguments, tracing, out= rules and pickling
live in the _jit_* modules next to this one."""

import functools
import inspect
import logging
import os
import sys
import weakref

from ._fork_safe import ForkSafeLock
from . import _core
from .dsl import _state as _trace_state
from .graph import Graph
from .profile import Profile
from ._jit_args import (_INT64_MAX, _INT64_MIN, _any_traced, _classify, _graphs_first, _layout, _memoizable,
                        _with_graph_weights)
from ._jit_capture import _MISSING, captured_sources as _captured_sources
from ._jit_explain import recompile_reason as _recompile_reason
from ._jit_out import out_leaves
from ._jit_pickle import reduce_jit
from ._jit_signature import JitArguments
from ._jit_trace import JitTracing

_arg_layout = _core.arg_layout
_core.JitDispatcher._register_graph_type(Graph)  # graph arguments take the native call path too

_log = logging.getLogger("fuseflow.jit")


def _bound_cache(jit_function):
    """{id(instance): bound JitFunction} of a jit method (see JitFunction.__get__)."""
    cache = jit_function.__dict__.get("_bound")
    if cache is None:
        cache = jit_function.__dict__.setdefault("_bound", {})
    return cache


class JitFunction(_core.JitDispatcher, JitArguments, JitTracing):
    """The callable ff.jit returns. Also: ``.ir(*args)``, ``.dot(*args)``, ``.profile(*args)``.

    ``f(*args, out=buf)`` writes the result into the caller's array(s) and returns them (a tuple or
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
        self._init_signature(fn, bound_self)
        self._cache = {}
        # Memo of exact argument layouts (types, dtypes, shapes, strides, graph sizes) -> entry, so
        # a repeated call skips classification; bounded because it keys on lengths.
        self._fast = {}
        self._lock = ForkSafeLock()
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

    # ---- pickling: by reference to the Python function; the other side traces and compiles anew
    def __reduce__(self):
        return reduce_jit(self, self._fn)

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
        leaves = out_leaves(self._fn.__name__, entry, out)
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

