"""Splitting a traced ff.jit program into blockwise and tree-reduction steps.

The split is read off the program's IR (``f.ir(...)``, the text the optimizer starts from), not
written per operation:

- every value gets a *pass*: inputs and constants are pass 0; an elementwise op (unary,
  binary, ternary, cast) is in the pass of its latest operand; a whole-array reduction (sum,
  mean, min, max, argmin, argmax, dot, norm.l1/l2/inf) closes its operand's pass, and its
  scalar result is available from the next pass on. ``x - ff.mean(x)`` is thus pass 1 and
  ``ff.mean((x - ff.mean(x)) ** 2)`` (a variance) needs two passes over the data;
- pass p's *chunk program* is the slice of the program computing the operands of the pass-p
  reductions on one block, with the reduced scalars of earlier passes as scalar inputs; its
  outputs are per-block partial states derived from the reduction's kind (the reduction of
  the block itself; mean adds the block's sum; argmin/argmax add the block's min/max value);
- *combine programs* reduce the partial states of a group of blocks with the same kinds of
  reductions (a sum of sums, min of mins, the l2 norm of l2 norms, ...), generated as IR;
- the *tail program* computes the scalar outputs from the reduced scalars (``ff.mean(x*x) -
  ff.mean(x)**2``, ``ff.sqrt(ff.dot(x, x)) / 3``), and the *map program* the array outputs of
  one block (with the reduced scalars they read as inputs).

Anything else (arange/full/length, graph ops, loops, converge) cannot be cut into blocks and
raises ``ValueError`` naming the op.
"""

import re

__all__ = ["Split", "split_program", "SplitError"]

_ELEMENTWISE = {
    "neg", "abs", "not", "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "erf", "erfc",
    "norm_cdf", "floor", "ceil", "round", "cast", "add", "sub", "mul", "div", "floor_div", "mod", "pow",
    "minimum", "maximum", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor", "where", "clip",
}
_REDUCTIONS = {"sum", "mean", "min", "max", "argmin", "argmax", "dot", "norm.l1", "norm.l2", "norm.inf"}
_HEADER = re.compile(r"^func @(\S+)\((.*)\) \{$")
_LINE = re.compile(r"^(%\d+):(\S+) = (\S+)(?: (.*))?$")
_PARAM = re.compile(r"^(%\d+):(\S+)$")


class SplitError(ValueError):
    """A program that cannot be run block by block (the message names the op)."""


class _Value:
    __slots__ = ("id", "type", "op", "args", "attr", "is_array", "elem", "pass_", "line")

    def __init__(self, id_, type_, op, args, attr, line):
        self.id, self.type, self.op, self.args, self.attr, self.line = id_, type_, op, args, attr, line
        self.is_array = type_.endswith("]")
        self.elem = type_.lstrip("~").split("[", 1)[0]
        self.pass_ = 0


def _elem_of_sum(elem):
    return elem if elem in ("f64", "f32") else "i64"


class Split:
    """The pieces of one program; see the module docstring. Attributes:

    params: [(id, type)] of the original inputs, in order; passes: a list, one per pass, of
    dicts {"chunk": IR text, "inputs": [("param", j) | ("reduced", id)], "reductions": [(id,
    kind, elem)], "parts": [(reduction index, role, elem)], "combine": IR text}; outputs: per output
    ("array", index in map outputs) | ("scalar", index in tail outputs); map / tail: {"text",
    "inputs", "outputs": [(id, type)]} or None.
    """

    def __init__(self):
        self.params = []
        self.passes = []
        self.outputs = []
        self.map = None
        self.tail = None


def _parse(text):
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.strip().startswith("//")]
    header = _HEADER.match(lines[0])
    if header is None or lines[-1] != "}":
        raise SplitError("the program's IR is not a single function (loops and nested regions cannot be split)")
    params = []
    values = {}
    for p in filter(None, (s.strip() for s in header.group(2).split(","))):
        m = _PARAM.match(p)
        if m is None:
            raise SplitError(f"cannot read the program input {p!r}")
        v = _Value(m.group(1), m.group(2), "input", [], "", None)
        if v.is_array and not re.fullmatch(r"\S+\[n\d+\]", v.type):
            raise SplitError(f"input {v.id} has type {v.type}; only 1-D arrays and scalars can be split")
        params.append(v)
        values[v.id] = v
    body, ret = lines[1:-2], lines[-2]
    if not ret.startswith("return"):
        raise SplitError("the program has nested regions (loops, while_loop, converge), which cannot be split")
    outputs = [s.strip() for s in ret[len("return"):].split(",") if s.strip()]
    order = []
    for ln in body:
        if ln.endswith("{"):  # an op with a region: loop, while (ff.fori_loop, ff.while_loop, ff.converge)
            op = ln.split(" = ", 1)[1].split()[0] if " = " in ln else ln.split()[0]
            raise SplitError(f"op '{op}' cannot be split into blocks: loops carry whole arrays from one "
                             "iteration to the next (only elementwise ops and whole-array reductions can)")
        m = _LINE.match(ln)
        if m is None:
            op = ln.split("=", 1)[-1].split()[0] if "=" in ln else ln.split()[0]
            raise SplitError(f"op '{op}' cannot be split into blocks (only elementwise ops and whole-array "
                             f"reductions can): {ln}")
        id_, type_, op, rest = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        args = re.findall(r"%\d+", rest) if op != "const" else []
        v = _Value(id_, type_, op, args, rest, ln)
        values[id_] = v
        order.append(v)
    return params, values, order, outputs


def _check_and_assign_passes(params, values, order):
    arrays = {p.type.split("[", 1)[1] for p in params if p.is_array}
    if len(arrays) > 1:
        raise SplitError("the array inputs have different lengths; blockwise mapping needs equal lengths")
    for v in order:
        base = v.op
        if v.op == "const":
            v.pass_ = 0
            continue
        if base not in _ELEMENTWISE and base not in _REDUCTIONS:
            raise SplitError(f"op '{base}' ({v.id}) cannot be split into blocks: only elementwise ops and the "
                             "whole-array reductions sum, mean, min, max, argmin, argmax, dot, norm can")
        if v.is_array and not v.type.endswith("[n0]"):
            raise SplitError(f"op '{base}' ({v.id}) makes an array of another length ({v.type})")
        operands = [values[a] for a in v.args]
        v.pass_ = max((o.pass_ for o in operands), default=0)
        if base in _REDUCTIONS:
            if not all(o.is_array for o in operands):
                raise SplitError(f"op '{base}' ({v.id}) reduces a scalar")
            if base in ("argmin", "argmax") and operands[0].elem == "bool":
                raise SplitError(f"op '{base}' ({v.id}) over a bool array cannot be split; cast it to int32 first")
            v.pass_ += 1


def _emit(name, inputs, values, order, outputs, extra=()):
    """(IR text, positions in `inputs` it reads) of the slice of the program computing `outputs`
    (ids) from `inputs` ([(id, type)]; unused ones are left out), renumbered from %0; `extra` are
    ("%id:type = op %args", [operand ids]) lines added at the end
    with their own ids (which must not clash: they use ids above the original program's)."""
    needed = set()
    extra_ids = {line.split(":", 1)[0] for line, _ in extra}
    stack = [o for o in outputs if o not in extra_ids] + [a for _, args in extra for a in args]
    input_ids = {i for i, _ in inputs}
    while stack:
        i = stack.pop()
        if i in needed:
            continue
        needed.add(i)
        if i in input_ids:
            continue
        v = values[i]
        if v.op == "input":
            raise SplitError(f"internal: {i} is needed but not an input of the {name} program")
        stack.extend(v.args)
    rename = {}

    def new_id(old):
        rename[old] = f"%{len(rename)}"
        return rename[old]

    kept = [j for j, (i, _) in enumerate(inputs) if i in needed]
    sig = ", ".join(f"{new_id(inputs[j][0])}:{inputs[j][1]}" for j in kept)
    body = []
    sub = (lambda m: rename[m.group(0)])
    for v in order:
        if v.id in needed and v.id not in input_ids:
            new = new_id(v.id)
            rest = re.sub(r"%\d+", sub, v.attr) if v.op != "const" else v.attr
            body.append(f"  {new}:{v.type} = {v.op}" + (f" {rest}" if rest else ""))
    for line, _ in extra:
        old = line.split(":", 1)[0]
        head, rest = line.split(" = ", 1)
        new = new_id(old)
        body.append(f"  {new}:{head.split(':', 1)[1]} = {re.sub(r'%[0-9]+', sub, rest)}")
    ret = ", ".join(rename[o] for o in outputs)
    return f"func @{name}({sig}) {{\n" + "\n".join(body + [f"  return {ret}"]) + "\n}\n", kept


# Per reduction kind: the partial states a block yields (role, op emitted, type rule) and how
# a group of partial states combines (op over the vector of each role's values).
_COMBINE = {"sum": "sum", "dot": "sum", "min": "min", "max": "max", "norm.l1": "sum", "norm.l2": "norm.l2",
            "norm.inf": "max", "mean": "sum", "argmin": "argmin", "argmax": "argmax"}


def split_program(text):
    """A :class:`Split` of the IR text of a traced program (raises SplitError naming the op)."""
    params, values, order, outputs = _parse(text)
    _check_and_assign_passes(params, values, order)
    split = Split()
    split.params = [(p.id, p.type) for p in params]
    next_id = [max(int(i[1:]) for i in values) + 1]

    def fresh():
        next_id[0] += 1
        return f"%{next_id[0]}"

    n_passes = max((v.pass_ for v in order if v.op in _REDUCTIONS), default=0)
    reduced_inputs = []  # [(id, type)] of the reductions closed so far, in order
    for p in range(1, n_passes + 1):
        reductions = [v for v in order if v.op in _REDUCTIONS and v.pass_ == p]
        parts, extra, chunk_outputs, kinds = [], [], [], []
        for r_index, r in enumerate(reductions):
            kinds.append((r.id, r.op, r.elem))
            operand = values[r.args[0]]
            if r.op == "mean":
                s = fresh()
                extra.append((f"{s}:{_elem_of_sum(operand.elem)} = sum {operand.id}", [operand.id]))
                chunk_outputs.append(s)
                parts.append((r_index, "sum", _elem_of_sum(operand.elem)))
            elif r.op in ("argmin", "argmax"):
                m = fresh()
                extra.append((f"{m}:{operand.elem} = {r.op[3:]} {operand.id}", [operand.id]))
                chunk_outputs.extend([m, r.id])
                parts.extend([(r_index, "value", operand.elem), (r_index, "index", "i64")])
            else:
                chunk_outputs.append(r.id)
                parts.append((r_index, "value", r.elem))
        inputs = [(pid, ptype) for pid, ptype in split.params] + reduced_inputs
        chunk, kept = _emit(f"chunk{p}", inputs, values, order, chunk_outputs, extra)
        spec = [("param", j) for j in range(len(split.params))] + [("reduced", i) for i, _ in reduced_inputs]
        # The combine program: one input array per partial state, one reduction per state.
        sig, body, outs = [], [], []
        for j, (r_index, role, elem) in enumerate(parts):
            sig.append(f"%{j}:{elem}[n0]")
        for j, (r_index, role, elem) in enumerate(parts):
            kind = kinds[r_index][1]
            op = _COMBINE[kind] if role != "index" else None
            if op is None:
                continue
            rid = f"%{len(parts) + len(body)}"
            out_elem = "i64" if op in ("argmin", "argmax") else (_elem_of_sum(elem) if op == "sum" else elem)
            body.append(f"  {rid}:{out_elem} = {op} %{j}")
            outs.append(rid)
        combine = (f"func @combine{p}({', '.join(sig)}) {{\n" + "\n".join(body + [f"  return {', '.join(outs)}"])
                   + "\n}\n")
        split.passes.append({
            "chunk": chunk,
            "inputs": [spec[j] for j in kept],
            "reductions": kinds,
            "parts": parts,
            "combine": combine,
        })
        reduced_inputs = reduced_inputs + [(r.id, r.type.lstrip("~")) for r in reductions]

    all_inputs = split.params + reduced_inputs
    input_spec = [("param", j) for j in range(len(split.params))] + [("reduced", i) for i, _ in reduced_inputs]
    array_outputs = [o for o in outputs if values[o].is_array]
    scalar_outputs = [o for o in outputs if not values[o].is_array]
    for o in outputs:
        v = values[o]
        if v.is_array:
            split.outputs.append(("array", array_outputs.index(o)))
        else:
            split.outputs.append(("scalar", scalar_outputs.index(o)))
    if array_outputs:
        text, kept = _emit("blocks", all_inputs, values, order, array_outputs)
        split.map = {"text": text, "inputs": [input_spec[j] for j in kept],
                     "outputs": [(o, values[o].type) for o in array_outputs]}
    if scalar_outputs:
        text, kept = _emit("tail", all_inputs, values, order, scalar_outputs)
        if any(input_spec[j][0] == "param" and split.params[j][1].endswith("]") for j in kept):
            raise SplitError("internal: a scalar output reads an array input outside a reduction")
        split.tail = {"text": text, "inputs": [input_spec[j] for j in kept],
                      "outputs": [(o, values[o].type) for o in scalar_outputs]}
    return split
