"""Synthetic graph generators (native, deterministic per seed at any thread count)."""

import numpy as np

from . import _core
from ._checks import as_float, as_int


def rmat(scale, edge_factor=16, a=0.57, b=0.19, c=0.19, seed=0, scramble=True):
    """R-MAT edges (Graph500 parameters by default): 2**scale nodes, edge_factor * 2**scale edges.

    Returns (src, dst) int32 arrays. Self-loops and repeated edges occur, as in R-MAT.
    scale must be <= 30 and edge_factor * 2**scale must fit in int64 (ValueError); a size whose
    8 bytes per edge exceed this machine's memory raises MemoryError before allocating.

    Example:
        >>> src, dst = ff.generators.rmat(10, edge_factor=8, seed=1)
        >>> src.shape, src.dtype, int(max(src.max(), dst.max())) < 2**10
        ((8192,), dtype('int32'), True)
        >>> ff.Graph.from_edges(src, dst, num_nodes=2**10)
        Graph(num_nodes=1024, num_edges=8192, unweighted)
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


def urand(scale, edge_factor=16, seed=0):
    """GAP's "urand" graph: edge_factor * 2**scale edges with both endpoints uniform over
    2**scale nodes (Erdos-Renyi-like, no skew, low diameter).

    Returns (src, dst) int32 arrays, deterministic per seed (NumPy's PCG64). Self-loops and
    repeated edges occur, as in GAP. scale must be <= 30 (ValueError).

    Example:
        >>> src, dst = ff.generators.urand(8, edge_factor=4, seed=3)
        >>> src.shape, bool(((src >= 0) & (src < 256)).all())
        ((1024,), True)
    """
    scale = as_int("scale", scale, minimum=0)
    if scale > 30:
        raise ValueError(f"scale: must be <= 30, got {scale}")
    edge_factor = as_int("edge_factor", edge_factor, minimum=0)
    seed = as_int("seed", seed, minimum=0)
    n, m = 1 << scale, edge_factor << scale
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, m, dtype=np.int32), rng.integers(0, n, m, dtype=np.int32)


def road_grid(rows, cols=None, removed=0.05, min_weight=1.0, max_weight=10.0, seed=0):
    """A road-like graph: a rows x cols 2-D grid (node r * cols + c), each street in both
    directions with one random weight, and a fraction `removed` of the streets dropped.

    Its diameter is about rows + cols hops (thousands at full size: road_grid(2048) has 4.2M
    nodes and ~16M directed edges), the regime of real road networks, unlike R-MAT's handful.
    Weights are uniform in [min_weight, max_weight). Returns (src, dst, weights): int32, int32,
    float64, deterministic per seed. ValueError naming `rows`/`cols` (< 1 or more than 2**31
    nodes), `removed` (outside [0, 1)) or `min_weight`/`max_weight` (not 0 < min <= max).

    Example:
        >>> src, dst, w = ff.generators.road_grid(3, removed=0.0)
        >>> src.shape, float(w.min()) >= 1.0  # 12 streets of a 3 x 3 grid, both directions
        ((24,), True)
        >>> g = ff.Graph.from_edges(src, dst, weights=w)
        >>> int(ff.algorithms.bfs(g, 0).max())  # the far corner is 4 hops away
        4
    """
    rows = as_int("rows", rows, minimum=1)
    cols = rows if cols is None else as_int("cols", cols, minimum=1)
    if rows * cols >= 2**31:
        raise ValueError(f"rows, cols: rows * cols = {rows * cols} must be < 2**31 nodes")
    removed = as_float("removed", removed)
    if not 0.0 <= removed < 1.0:
        raise ValueError(f"removed: must be in [0, 1), got {removed}")
    min_weight, max_weight = as_float("min_weight", min_weight), as_float("max_weight", max_weight)
    if not 0.0 < min_weight <= max_weight < float("inf"):
        raise ValueError(f"min_weight, max_weight: need 0 < min_weight <= max_weight < inf, got {min_weight}, {max_weight}")
    seed = as_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    ids = np.arange(rows * cols, dtype=np.int32).reshape(rows, cols)
    # Streets: east (r, c) - (r, c+1) and south (r, c) - (r+1, c).
    a = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    b = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    keep = rng.random(a.shape[0]) >= removed
    a, b = a[keep], b[keep]
    w = rng.uniform(min_weight, max_weight, a.shape[0])
    return np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([w, w])
