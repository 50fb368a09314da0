"""Reading a traced program's IR text (``f.program(...).print()``, before optimization) into
nested blocks, for the distributed executor (program.py).

Only the printed text is read (the engine's public form of a program): an op line is
``%a:T, %b:U = name args``, and ``loop`` / ``while`` open regions (``{ ^(args): ... yield ... }``,
``while`` a condition region then ``} do {`` and a body region).
"""

import re

__all__ = ["Op", "Block", "parse_program", "is_node_array", "elem_of"]

_HEADER = re.compile(r"^func @(\S+)\((.*)\) \{$")
_BLOCK_ARGS = re.compile(r"^\^\((.*)\):$")
_VALUE = re.compile(r"^(%\d+):(\S+)$")


class Op:
    """One op: results [(id, type)], name (e.g. ``neighbor_agg.sum.in``), args (value ids),
    rest (the text after the name: operands and attributes, as printed), regions [Block]."""

    __slots__ = ("results", "name", "args", "rest", "regions")

    def __init__(self, results, name, args, rest, regions=()):
        self.results, self.name, self.args, self.rest, self.regions = results, name, args, rest, list(regions)

    @property
    def base(self):
        return self.name.split(".", 1)[0]

    def line(self):
        head = ", ".join(f"{i}:{t}" for i, t in self.results)
        return f"{head} = {self.name}" + (f" {self.rest}" if self.rest else "")


class Block:
    """A straight-line list of ops with block arguments [(id, type)] and the ids it yields
    (or, for the function's body, returns)."""

    __slots__ = ("args", "ops", "yields")

    def __init__(self, args):
        self.args, self.ops, self.yields = args, [], []


def elem_of(type_):
    return type_.lstrip("~").split("[", 1)[0]


def is_node_array(type_):
    return type_.endswith("[N]")


def _values(text):
    out = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        m = _VALUE.match(item)
        if m is None:
            raise ValueError(f"fuseflow.mpi: cannot read the value {item!r} of the traced program")
        out.append((m.group(1), m.group(2)))
    return out


def _parse_block(lines, pos, args, end_tokens):
    """Ops from lines[pos] until a line in end_tokens (a yield/return line ends the block's
    ops); returns (block, position of the closing line)."""
    block = Block(args)
    while pos < len(lines):
        ln = lines[pos]
        if ln in end_tokens:
            return block, pos
        if ln.startswith("yield") or ln.startswith("return"):
            word = ln.split(None, 1)
            block.yields = [s.strip() for s in word[1].split(",")] if len(word) > 1 else []
            pos += 1
            continue
        head, body = ln.split(" = ", 1)
        results = _values(head)
        opens = body.endswith("{")
        if opens:
            body = body[:-1].rstrip()
        name, _, rest = body.partition(" ")
        args_ids = re.findall(r"%\d+", rest) if name != "const" else []
        op = Op(results, name, args_ids, rest)
        pos += 1
        while opens:
            m = _BLOCK_ARGS.match(lines[pos])
            if m is None:
                raise ValueError(f"fuseflow.mpi: cannot read the region of op '{name}': {lines[pos]!r}")
            region, pos = _parse_block(lines, pos + 1, _values(m.group(1)), ("}", "} do {"))
            op.regions.append(region)
            opens = lines[pos] == "} do {"
            pos += 1
        block.ops.append(op)
    raise ValueError("fuseflow.mpi: the traced program's text ended inside a block")


def parse_program(text):
    """(name, params [(id, type)], body Block) of a printed program."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.strip().startswith("//")]
    header = _HEADER.match(lines[0])
    if header is None or lines[-1] != "}":
        raise ValueError("fuseflow.mpi: the traced program's text is not a single function")
    params = _values(header.group(2))
    body, end = _parse_block(lines, 1, params, ("}",))
    if end != len(lines) - 1:
        raise ValueError("fuseflow.mpi: unexpected text after the traced program's body")
    return header.group(1), params, body
