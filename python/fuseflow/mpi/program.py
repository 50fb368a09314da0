"""Running a user's ff.jit graph program on a DistGraph: :func:`run`.

The program is traced as usual (on stand-ins of the global shapes: a graph with the DistGraph's
num_nodes and no edges, uninitialised node arrays - the IR depends on kinds and dtypes only)
and its IR text (before optimization) is cut at the ops that need other ranks' data:

- ``neighbor_agg``: the source values the rank's nodes aggregate over are exchanged (halo
  exchange of the ghosts by default, or an Allgatherv of every value), then the native
  neighbor_agg kernel runs on the rank's local graph (fuseflow.mpi.halo);
- whole-array reductions (sum, mean, min, max, argmin, argmax, dot, norm): the native
  reduction runs on the rank's slice, the partial states of all ranks are exchanged with one
  allgather and combined in rank order, so every rank holds the identical scalar (loop
  conditions read it: ranks must agree to the bit on when to stop);
- graph facts: num_nodes/num_edges are global scalars, out_degree/in_degree the local slice;
  full/arange make the local slice of the global array (arange holds global ids);
- ``loop`` (ff.fori_loop) and ``while`` (ff.while_loop, ff.converge) regions run their body
  plan once per iteration;
- everything between those ops (elementwise ops on node arrays and scalars, consts) is one
  native program per run of consecutive ops, compiled once (the optimizer fuses it).

Node arrays live on their owners (rank r holds [bounds[r], bounds[r+1])); scalars are
identical on every rank. Any other op (edge arrays, edge_src/edge_dst, neighbor_agg with an
edge-weight array, arrays of another length) raises :class:`DistributionError` naming it.
"""

import atexit

import numpy as np

from .._fork_safe import ForkSafeLock
from .. import _core
from ..jit import JitFunction
from ._collective import agree, allgatherv, gather_to, same_everywhere
from ._ir import elem_of, is_node_array, parse_program
from .dist_graph import DistGraph
from .pagerank import check_gather

__all__ = ["run", "DistributionError"]

_ELEMENTWISE = {
    "neg", "abs", "not", "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "erf", "erfc",
    "norm_cdf", "floor", "ceil", "round", "relu", "square", "cast", "add", "sub", "mul", "div", "floor_div", "mod",
    "pow", "minimum", "maximum", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor", "where", "clip",
}
_REDUCTIONS = {"sum", "mean", "min", "max", "argmin", "argmax", "dot", "norm"}
_DTYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32, "bool": np.bool_}


class DistributionError(ValueError):
    """A program that cannot run on a DistGraph (the message names the op)."""


_compiled_cache = {}
atexit.register(_compiled_cache.clear)  # before teardown: see fuseflow.dsl._EAGER_AGG
_compiled_lock = ForkSafeLock()


def _compiled(text):
    c = _compiled_cache.get(text)
    if c is None:
        with _compiled_lock:
            c = _compiled_cache.get(text)
            if c is None:
                c = _core.compile(_core.parse_ir(text))
                _compiled_cache[text] = c
    return c


def _local_type(t):
    return t[:-3] + "[n0]" if is_node_array(t) else t


# ---- planning: one list of steps per block


class _Plan:
    def __init__(self, text):
        self.name, self.params, self.body = parse_program(text)
        self.types = {}
        self.consts = {}
        self.users = {}
        graphs = [i for i, t in self.params if t == "graph"]
        if len(graphs) != 1:
            raise DistributionError(f"{self.name}: the program must take exactly one graph (the DistGraph), "
                                    f"got {len(graphs)}")
        for i, t in self.params:
            self.types[i] = t
            if t != "graph" and t.endswith("]") and not is_node_array(t):
                raise DistributionError(f"{self.name}: input {i} has type {t}; only node arrays (length num_nodes) "
                                        "and scalars can be distributed")
        self._scan(self.body)
        self._eval_consts()
        self.steps = self._plan_block(self.body)

    def _scan(self, block):
        for i, t in block.args:
            self.types[i] = t
        for op in block.ops:
            for a in op.args:
                self.users.setdefault(a, set()).add(id(op))
            for i, t in op.results:
                self.types[i] = t
                if t.endswith("]") and not is_node_array(t):
                    raise DistributionError(
                        f"op '{op.name}' ({i}) makes an array of type {t}: only node arrays (length num_nodes) "
                        "can be distributed (edge arrays and other lengths cannot)")
            if op.name == "const":
                self.consts[op.results[0][0]] = op
            for region in op.regions:
                self._scan(region)
        for y in block.yields:
            self.users.setdefault(y, set()).add(("yield", id(block)))

    def _eval_consts(self):
        if not self.consts:
            return
        ops = list(self.consts.values())
        lines = [f"  {op.line()}" for op in ops]
        ret = ", ".join(op.results[0][0] for op in ops)
        text = "func @consts() {\n" + "\n".join(lines) + f"\n  return {ret}\n}}\n"
        values = _compiled(_renumber(text)).run([])
        self.const_values = dict(zip(self.consts, values))

    def _plan_block(self, block):
        steps, segment = [], []
        for op in block.ops:
            base = op.base
            if base == "const":
                continue
            if base in _ELEMENTWISE:
                segment.append(op)
                continue
            if segment:
                steps.append(self._segment(segment))
                segment = []
            steps.append(self._special(op))
        if segment:
            steps.append(self._segment(segment))
        return [s for s in steps if s is not None]

    def _segment(self, ops):
        inside = {id(op) for op in ops}
        defined = {i for op in ops for i, _ in op.results}
        inputs, consts = [], []
        for op in ops:
            for a in op.args:
                if a in defined or a in inputs or a in consts:
                    continue
                (consts if a in self.consts else inputs).append(a)
        outputs = [i for op in ops for i, _ in op.results if any(u not in inside for u in self.users.get(i, ()))]
        if not outputs:
            return None
        sig = ", ".join(f"{i}:{_local_type(self.types[i])}" for i in inputs)
        lines = [f"  {self.consts[c].line()}" for c in consts]
        for op in ops:
            results = ", ".join(f"{i}:{_local_type(t)}" for i, t in op.results)
            lines.append(f"  {results} = {op.name} {op.rest}")
        text = f"func @segment({sig}) {{\n" + "\n".join(lines) + "\n  return " + ", ".join(outputs) + "\n}\n"
        return ("segment", _compiled(_renumber(text)), inputs, outputs)

    def _special(self, op):
        base, (rid, rtype) = op.base, op.results[0]
        if base in ("num_nodes", "num_edges", "out_degree", "in_degree"):
            return ("graph", base, rid, rtype)
        if base == "length":
            if not is_node_array(self.types[op.args[0]]):
                raise DistributionError(f"op 'length' ({rid}) of a non-node array cannot be distributed")
            return ("graph", "num_nodes", rid, rtype)
        if base in ("full", "arange"):
            if not is_node_array(rtype):
                raise DistributionError(f"op '{base}' ({rid}) makes an array of type {rtype}: only node arrays "
                                        "(length num_nodes) can be distributed")
            return (base, rid, op.args, _DTYPES[elem_of(rtype)])
        if base in _REDUCTIONS:
            return self._reduction(op)
        if base == "neighbor_agg":
            if len(op.args) != 2:
                raise DistributionError(f"op '{op.name}' ({rid}) with an edge-weight array cannot be distributed "
                                        "(a DistGraph holds no edge arrays; pass weights=False)")
            _, agg, direction = op.name.split(".")
            xtype = _local_type(self.types[op.args[1]]).replace("[n0]", "[N]")
            text = (f"func @agg(%0:graph, %1:{xtype}) {{\n  %2:{rtype} = neighbor_agg.{agg}.in %0, %1\n"
                    f"  return %2\n}}\n")
            return ("agg", rid, op.args[1], direction, _compiled(text))
        if base == "loop":
            return ("loop", op, self._plan_block(op.regions[0]))
        if base == "while":
            return ("while", op, self._plan_block(op.regions[0]), self._plan_block(op.regions[1]))
        raise DistributionError(f"op '{op.name}' ({rid}) cannot be distributed: a DistGraph program may use "
                                "elementwise ops, neighbor_agg, whole-array reductions, graph facts (num_nodes, "
                                "degrees), full/arange and loops")

    def _reduction(self, op):
        rid, rtype = op.results[0]
        kind = op.name  # sum, mean, min, max, argmin, argmax, dot, norm.l1/l2/inf
        operands = [self.types[a] for a in op.args]
        if not all(is_node_array(t) for t in operands):
            raise DistributionError(f"op '{kind}' ({rid}) reduces a scalar")
        elem = elem_of(operands[0])
        sig = ", ".join(f"%{j}:{_local_type(t)}" for j, t in enumerate(operands))
        args = ", ".join(f"%{j}" for j in range(len(operands)))
        k = len(operands)
        if kind == "mean":
            selem = elem if elem in ("f64", "f32") else "i64"
            body = f"  %{k}:{selem} = sum {args}\n  return %{k}"
        elif kind in ("argmin", "argmax"):
            body = f"  %{k}:{elem} = {kind[3:]} {args}\n  %{k + 1}:i64 = {kind} {args}\n  return %{k}, %{k + 1}"
        else:
            body = f"  %{k}:{rtype.lstrip('~')} = {kind} {args}\n  return %{k}"
        return ("reduce", kind, rid, list(op.args), _compiled(f"func @partial({sig}) {{\n{body}\n}}\n"),
                _DTYPES[elem_of(rtype)])


def _renumber(text):
    """The same program with its value ids renumbered %0, %1, ... in order of appearance."""
    import re

    names = {}

    def sub(m):
        v = m.group(0)
        if v not in names:
            names[v] = f"%{len(names)}"
        return names[v]

    return re.sub(r"%\d+", sub, text)


# ---- running


class _Run:
    """Runs a plan's steps on this rank.

    A native step can fail on one rank only (an integer power with a negative exponent in its
    slice): the other ranks would then wait forever in the next collective. So every collective
    is preceded by an agreement on errors whenever a native step ran since the last one: the
    failing rank enters it at once with its error, the others when they reach their next
    collective (only local steps lie between, and control flow is identical on every rank:
    loop counts and conditions are scalars every rank holds equal), and all raise the same
    exception. The agreement is one Allreduce of a flag (an allgather of the message only on
    failure), so the cost is one small collective per exchange or reduction.
    """

    def __init__(self, plan, g, exchange):
        self.plan, self.g, self.exchange = plan, g, exchange
        self.env = dict(getattr(plan, "const_values", {}))
        self.unchecked = False  # a native step ran since the ranks last agreed on errors

    def native(self, compiled, values):
        """compiled.run(values); an error there is agreed with the other ranks at once."""
        self.unchecked = True
        try:
            return compiled.run(values)
        except Exception as e:  # noqa: BLE001 - every rank must learn of any failure
            self.agree_errors(e)
            raise  # pragma: no cover - agree_errors raises on every rank

    def before_collective(self):
        if self.unchecked:
            self.agree_errors(None)

    def agree_errors(self, error):
        from mpi4py import MPI

        self.unchecked = False
        comm = self.g.comm
        flag = np.array([0 if error is None else 1], np.int32)
        found = np.zeros(1, np.int32)
        comm.Allreduce(flag, found, op=MPI.MAX)
        if found[0]:
            agree(comm, error)

    def block(self, steps):
        env, g = self.env, self.g
        for step in steps:
            kind = step[0]
            if kind == "segment":
                _, compiled, inputs, outputs = step
                for i, v in zip(outputs, self.native(compiled, [env[i] for i in inputs])):
                    env[i] = v
            elif kind == "agg":
                _, rid, x, direction, compiled = step
                self.before_collective()  # (building the plan is collective too, the first time)
                plan = g.exchange_plan(direction, self.exchange)
                env[rid] = plan.local(self.native(compiled, [plan.graph._g, plan.gather(env[x])])[0])
            elif kind == "reduce":
                env[step[2]] = self.reduce(*step[1:])
            elif kind == "graph":
                _, what, rid, rtype = step
                if what == "num_nodes":
                    env[rid] = g.num_nodes
                elif what == "num_edges":
                    env[rid] = g.num_edges
                elif what == "out_degree":
                    env[rid] = g.local_out_degree.astype(_DTYPES[elem_of(rtype)], copy=False)
                else:
                    env[rid] = np.diff(g.offsets).astype(_DTYPES[elem_of(rtype)], copy=False)
            elif kind == "full":
                _, rid, args, dtype = step
                env[rid] = np.full(g.num_local_nodes, env[args[1]], dtype=dtype)
            elif kind == "arange":
                env[step[1]] = np.arange(g.lo, g.hi, dtype=step[3])
            elif kind == "loop":
                _, op, body = step
                carry = [env[a] for a in op.args[1:]]
                region = op.regions[0]
                for _ in range(int(env[op.args[0]])):
                    carry = self.region(region, body, carry)
                for (i, _), v in zip(op.results, carry):
                    env[i] = v
            else:  # while
                _, op, cond, body = step
                carry = [env[a] for a in op.args]
                while bool(self.region(op.regions[0], cond, carry)[0]):
                    carry = self.region(op.regions[1], body, carry)
                for (i, _), v in zip(op.results, carry):
                    env[i] = v

    def region(self, region, steps, values):
        env = self.env
        for (i, _), v in zip(region.args, values):
            env[i] = v
        self.block(steps)
        return [env[y] for y in region.yields]

    def reduce(self, kind, rid, args, compiled, dtype):
        g = self.g
        partial = None
        self.unchecked = True  # on every rank, also one without nodes: the agreement is collective
        if g.num_local_nodes:
            out = self.native(compiled, [self.env[a] for a in args])
            if kind in ("argmin", "argmax"):
                partial = (out[0].item(), int(out[1]) + g.lo)
            else:
                partial = out[0].item()
        self.before_collective()
        parts = [p for p in g.comm.allgather(partial) if p is not None]
        if kind in ("min", "max", "argmin", "argmax", "norm.inf") and not parts:
            if kind == "norm.inf":
                return dtype(0)
            raise ValueError(f"op '{kind}' ({rid}): the array is empty (no rank has nodes)")
        if kind in ("min", "max", "norm.inf"):
            pick = min if kind == "min" else max
            return dtype(pick(parts))
        if kind in ("argmin", "argmax"):
            best = parts[0]
            for p in parts[1:]:  # ties keep the first (smallest) index, as the single-process kernel
                if (p[0] < best[0]) if kind == "argmin" else (p[0] > best[0]):
                    best = p
            return dtype(best[1])
        total = 0
        if kind == "norm.l2":
            for p in parts:
                total += p * p
            return dtype(np.sqrt(total))
        for p in parts:  # sum, dot, norm.l1, mean: in rank order
            total += p
        if kind == "mean":
            return dtype(total / g.num_nodes) if g.num_nodes else dtype(np.nan)
        return dtype(total)


_plans = {}


def _plan_for(entry):
    hit = _plans.get(id(entry))
    if hit is None or hit[0] is not entry:
        hit = (entry, _Plan(entry.program.print(False)))
        _plans[id(entry)] = hit
    return hit[1]


def _stand_in_graph(g):
    if g._stand_in is None:
        from ..graph import Graph

        g._stand_in = Graph.from_edges(np.empty(0, np.int64), np.empty(0, np.int64), num_nodes=g.num_nodes)
    return g._stand_in


def run(f, *args, gather="root", root=0, exchange="halo", **kwargs):
    """Runs the ff.jit graph program ``f(*args, **kwargs)`` with one DistGraph argument in place
    of the ff.Graph, collectively on every rank of the DistGraph's communicator.

    Node-array arguments are either this rank's slice (length ``g.num_local_nodes``: the data
    stays distributed) or the whole array (length ``g.num_nodes``: each rank takes its slice);
    scalar arguments must be equal on every rank. ``exchange="halo"`` sends each rank only the
    values of its nodes' non-local neighbours per neighbor_agg (ghost lists agreed once per
    DistGraph and direction); ``"allgather"`` sends every value to every rank.

    Node-array outputs: gather="root" returns them whole on `root` (None elsewhere), "all" on
    every rank, "local" as this rank's slice [g.lo, g.hi); scalar outputs are on every rank.
    Results equal ``f`` on the single-process graph: bitwise for elementwise work and
    neighbor_agg over in-edges, within 1e-12 relative where a float sum is associated per rank.
    Raises DistributionError (a ValueError) naming the op the program cannot distribute.
    Native work failing on one rank only raises the same exception on every rank, naming the
    rank ("... (on rank r)"), instead of leaving the others waiting in the next exchange.

    Example:
        Run as ``mpiexec -n P python -m mpi4py app.py``: each rank passes its own edges and gets
        the results on rank 0 (None elsewhere). On one process (as here) the world has one rank.

        >>> import fuseflow.mpi as fmpi
        >>> @ff.jit
        ... def in_sum(g, x):
        ...     return ff.neighbor_agg(g, x, "sum"), ff.sum(x)
        >>> g = fmpi.DistGraph.from_edges(np.array([0, 1, 2, 2]), np.array([1, 2, 0, 3]))
        >>> pulled, total = fmpi.run(in_sum, g, np.arange(4.0))  # the whole x; or this rank's slice
        >>> pulled.tolist(), float(total)
        ([2.0, 0.0, 1.0, 2.0], 6.0)
    """
    if not isinstance(f, JitFunction):
        raise TypeError(f"f: must be an ff.jit function, got {type(f).__name__}")
    graphs = [v for v in (*args, *kwargs.values()) if isinstance(v, DistGraph)]
    if len(graphs) != 1:
        raise TypeError(f"{f.__name__}: pass exactly one fuseflow.mpi.DistGraph among the arguments, got {len(graphs)}")
    g = graphs[0]
    check_gather(g, gather, root)
    if exchange not in ("halo", "allgather"):
        raise ValueError(f'exchange: must be "halo" or "allgather", got {exchange!r}')
    same_everywhere(g.comm, "exchange", exchange)
    actual = {}
    error = None
    scalars = []

    def stand_in(name, v):
        if isinstance(v, DistGraph):
            s = _stand_in_graph(g)
            actual[id(s._g)] = None
            return s
        if isinstance(v, np.ndarray) and v.ndim == 1:
            if v.shape[0] == g.num_local_nodes:
                local = v
            elif v.shape[0] == g.num_nodes:
                local = v[g.lo:g.hi]
            else:
                raise ValueError(f"{name}: a node array must have this rank's {g.num_local_nodes} values or all "
                                 f"{g.num_nodes}, got {v.shape[0]}")
            s = np.empty(g.num_nodes, v.dtype)  # never read: tracing needs shapes and dtypes only
            actual[id(s)] = np.ascontiguousarray(local)
            return s
        scalars.append((name, v if isinstance(v, (int, float, bool, np.generic)) else repr(v)))
        return v

    try:
        names = list(f._signature.parameters)
        s_args = [stand_in(names[min(i, len(names) - 1)] if names else f"args[{i}]", v) for i, v in enumerate(args)]
        s_kwargs = {k: stand_in(k, v) for k, v in kwargs.items()}
    except (TypeError, ValueError) as e:
        error = e
    agree(g.comm, error)
    values = g.comm.allgather(scalars)
    if any(v != values[0] for v in values[1:]):
        raise ValueError(f"{f.__name__}: scalar arguments must be the same on every rank, got {values}")
    entry, inputs = f._get(tuple(s_args), s_kwargs)
    plan = _plan_for(entry)
    r = _Run(plan, g, exchange)
    for (pid, _), v in zip(plan.params, inputs):
        r.env[pid] = actual[id(v)] if id(v) in actual else v
    r.block(plan.steps)
    r.before_collective()  # a native step may have failed on another rank since the last exchange
    outputs = []
    for y in plan.body.yields:
        v = r.env[y]
        if is_node_array(plan.types[y]) and gather != "local":
            dtype = v.dtype
            v = v.view(np.uint8) if dtype == np.bool_ else v  # bools travel as bytes
            if gather == "all":
                v = allgatherv(g.comm, v, g.counts())
            else:
                v = gather_to(g.comm, v, g.counts(), root, v.dtype)
            v = v.view(np.bool_) if v is not None and dtype == np.bool_ else v
        outputs.append(v)
    return entry.result(outputs, 2)
