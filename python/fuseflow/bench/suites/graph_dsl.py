"""graph_dsl: graph programs composed in the DSL against fuseflow's own native algorithms, on the
two kinds of graph whose behaviour differs most: R-MAT (skewed degrees, a handful of BFS levels,
huge frontiers) and a road-like grid (ff.generators.road_grid: degree <= 4, ~2 * side BFS levels,
tiny frontiers). These are issue 12's checks: what a user pays for composing.

- PageRank per iteration: the DESIGN.md program (fuseflow.examples.pagerank; relabelled by
  out-degree when the cost model says so) vs ff.algorithms.pagerank. Goal: <= 1.10x.
- BFS: a while_loop over neighbor_agg(min, combine="first", active=frontier) vs
  ff.algorithms.bfs. Goal: <= 2x. The loop is a frontier loop (plan line "frontier:"): iterations
  whose frontier has few edges run sparsely, so the road grid's thousands of levels cost their
  own edges, not N each.
- SSSP: Bellman-Ford written with min-plus neighbor_agg over the nodes whose distance dropped vs
  ff.algorithms.sssp (delta-stepping). Goal on the road graph: <= 3x. The executor recognises the
  loop as a min-plus fixpoint (plan line "min-plus fixpoint of") and, the weights being
  non-negative, runs it as delta-stepping with the same result; as synchronous rounds (each
  re-relaxing the nodes whose distance dropped, ~13 times per node on the grid) it took 28x.
- Fused edge values: an attention-like aggregation, the sum over each node's in-edges of
  exp(h[src] - h[dst]) * w[e], computed per edge inside the pull (no E-length array) vs the same
  program made to write its edge values (it also returns their sum) and NumPy (bincount).
Every DSL result is checked against the native one. Both sides use all cores.
"""

import numpy as np

from .._harness import Disagreement
from . import _graph_dsl as dsl

DESCRIPTION = "DSL PageRank / BFS / Bellman-Ford vs ff.algorithms on R-MAT and a road grid (issue 12)"


def run(ctx):
    import fuseflow as ff

    scale = ctx.pick(10, 16, 20)
    src, dst = ctx.rmat(scale, 16, seed=1)
    n = 1 << scale
    w = np.random.default_rng(0).random(len(src))
    _graph(ctx, ff, f"R-MAT {scale}: {n:,} nodes, {len(src):,} edges", src, dst, n, w, source=int(src[0]))
    del src, dst, w
    side = ctx.pick(32, 256, 2048)
    rs, rd, rw = ff.generators.road_grid(side)
    # Source 0 is a corner: the BFS runs ~2 * side levels.
    _graph(ctx, ff, f"road grid {side}x{side}: {side * side:,} nodes, {len(rs):,} edges", rs, rd, side * side, rw, source=0)


def _graph(ctx, ff, label, src, dst, n, w, source):
    from fuseflow import examples

    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    gw = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    m = len(src)
    k1, k2 = ctx.pick((2, 6), (2, 6), (3, 13))

    def native(k):
        out = ff.algorithms.pagerank(g, damping=0.85, tol=0.0, max_iter=k)
        return out[0] if isinstance(out, tuple) else out

    ctx.measure("PageRank per iteration, DSL vs native",
                {"fuseflow native": native, "fuseflow DSL": lambda k: examples.pagerank(g, 0.85, k)},
                baseline="fuseflow native", size=m, size_label=label, per_iteration=(k1, k2), rtol=1e-10, atol=1e-15,
                note="goal: the DSL within 1.10x of the native per iteration")
    ctx.measure("BFS levels, DSL vs native",
                {"fuseflow native": lambda: ff.algorithms.bfs(g, source),
                 "fuseflow DSL (while_loop + frontier)": lambda: dsl.bfs_levels(g, source)},
                baseline="fuseflow native", size=m, size_label=label, agree=_same_levels,
                note="goal: the DSL within 2x of the native")
    ctx.measure("SSSP, DSL Bellman-Ford vs native",
                {"fuseflow native": lambda: ff.algorithms.sssp(gw, source),
                 "fuseflow DSL Bellman-Ford (min-plus + frontier)": lambda: dsl.sssp(gw, source)},
                baseline="fuseflow native", size=m, size_label=label, agree=_same_distances,
                note="goal on the road graph: within 3x. The loop runs as delta-stepping (a min-plus fixpoint "
                     "with weights >= 0); as synchronous rounds it re-relaxes a grid node ~13 times")
    fused, written = _edge_programs(ff)
    h = np.random.default_rng(1).uniform(-1.0, 1.0, n)
    ctx.measure("attention-like aggregation: sum over in-edges of exp(h[src] - h[dst]) * w",
                {"fuseflow": lambda: fused(g, h, w),
                 "fuseflow, edge values written": lambda: written(g, h, w)[0],
                 "numpy (bincount)": lambda: np.bincount(dst, weights=np.exp(h[src] - h[dst]) * w, minlength=n)},
                size=m, size_label=label, rtol=1e-10,
                note="fused: the gathers and the exp kernel run per batch of edges inside the pull; "
                     "'written' is the same program also returning the edge values' sum")


_EDGE = {}


def _edge_programs(ff):
    if not _EDGE:
        def message(g, h, w):
            return ff.exp(g.edge_src(h) - g.edge_dst(h)) * w

        _EDGE["fused"] = ff.jit(lambda g, h, w: ff.neighbor_agg(g, h, "sum", weights=message(g, h, w), combine="second"))

        @ff.jit
        def written(g, h, w):
            msg = message(g, h, w)  # also summed: the edge values must exist as an array
            return ff.neighbor_agg(g, h, "sum", weights=msg, combine="second"), ff.sum(msg)

        _EDGE["written"] = written
    return _EDGE["fused"], _EDGE["written"]


def _same_levels(ours, theirs):
    if not np.array_equal(ours, theirs):
        raise Disagreement("BFS levels differ")
    return 0.0


def _same_distances(ours, theirs):
    """max |diff| of the finite distances when both reach the same nodes, else Disagreement."""
    if not np.array_equal(np.isinf(ours), np.isinf(theirs)):
        raise Disagreement("different nodes reached")
    fin = np.isfinite(ours)
    diff = float(np.max(np.abs(ours[fin] - theirs[fin]), initial=0.0))
    if diff > 1e-12 * max(1.0, float(np.max(ours[fin], initial=0.0))):
        raise Disagreement(f"distances differ by {diff:.3g}")
    return diff
