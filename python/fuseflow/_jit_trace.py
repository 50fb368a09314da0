"""Tracing for ff.jit: one call's signature key becomes a verified IR program (graph inputs
first, then the arrays and scalars, then hidden graph-weight inputs), by calling the user's
function on traced values."""

import inspect
import itertools

from .dsl import TraceContext, Traced, TracedGraph, _UndeclaredGraphWeights
from .loops import _flatten
from ._jit_capture import _MISSING, with_captured as _with_captured
from ._jit_entry import _Traced
from ._jit_errors import _add_argument_shapes, _add_user_location


class JitTracing:
    """The tracing half of JitFunction (a mixin: it reads the function's _fn, _self, _signature
    and captured names, and counts trace_count)."""

    __slots__ = ()

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
