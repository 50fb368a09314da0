"""Synthetic graph generators (native, deterministic per seed at any thread count)."""

from . import _core
from ._checks import as_float, as_int


def rmat(scale, edge_factor=16, a=0.57, b=0.19, c=0.19, seed=0, scramble=True):
    """R-MAT edges (Graph500 parameters by default): 2**scale nodes, edge_factor * 2**scale edges.

    Returns (src, dst) int32 arrays. Self-loops and repeated edges occur, as in R-MAT.
    scale must be <= 30 and edge_factor * 2**scale must fit in int64 (ValueError); a size whose
    8 bytes per edge exceed this machine's memory raises MemoryError before allocating.
    """
    scale = as_int("scale", scale, minimum=0)
    if scale > 30:
        raise ValueError(f"scale: must be <= 30, got {scale}")
    edge_factor = as_int("edge_factor", edge_factor, minimum=0)
    if edge_factor << scale > 2**63 - 1:
        raise ValueError(f"edge_factor: edge_factor * 2**scale = {edge_factor << scale} overflows int64")
    a, b, c = as_float("a", a), as_float("b", b), as_float("c", c)
    if min(a, b, c) < 0 or a + b + c > 1.0:
        raise ValueError("a, b, c: quadrant probabilities must be >= 0 with a + b + c <= 1")
    seed = as_int("seed", seed, minimum=0)
    return _core.rmat(scale, edge_factor, a, b, c, seed, bool(scramble))
