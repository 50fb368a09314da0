"""f.explain(*args): which tier runs each fused kernel of a jit function, and why.

A fused kernel runs in the block interpreter ("interp"), as a kernel compiled into fuseflow for
its region shape ("prejit:<key>"), or, in mode "native", as a kernel the system compiler built in
the background ("native:<key>"). The key is the region's structure (ops, dtype, operand slots;
constants are run-time values). Which tier runs never changes a result: every tier gives the
interpreter's bits.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _core


@dataclass(frozen=True)
class KernelTier:
    """One block kernel of the execution plan."""

    label: str  # the plan's label, e.g. "fused[gt, mul, where]"
    where: str  # "kernel", "epilogue of <step>", "loop body > kernel", ...
    tier: str  # "interp", "prejit" or "native"
    detail: str  # "prejit:<key>", "native:<key>" or "interp: <why>"


class Explanation:
    """What f.explain(*args) returns: ``.kernels`` (a list of KernelTier in plan order), ``.mode``
    (the compiled tier's mode when asked); str() is one line per kernel."""

    def __init__(self, name: str, mode: str, kernels: list[KernelTier]):
        self.name = name
        self.mode = mode
        self.kernels = kernels

    def __str__(self) -> str:
        lines = [f"{self.name}: compiled tier mode {self.mode!r}, {len(self.kernels)} block kernel(s)"]
        for i, k in enumerate(self.kernels):
            lines.append(f"  [{i}] {k.where}: {k.label}")
            lines.append(f"      {k.detail}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<fuseflow explanation of {self.name}: " + ", ".join(k.tier for k in self.kernels) + ">"


def explain(f, args, kwargs) -> Explanation:
    """The tier of every block kernel f runs for these arguments' signature (compiles f for it if
    needed; in mode "native" also queues the compile of prejit misses, never waiting for it).
    Graphs large enough to run f's large-graph variant are explained with the main plan, whose
    kernels are the same regions."""
    entry, _inputs = f._get(args, kwargs)
    compiled = f._compiled(entry)
    rows = [KernelTier(*row) for row in _core._jit_explain(compiled)]
    return Explanation(getattr(f, "__name__", "function"), _core._jit_mode(), rows)
