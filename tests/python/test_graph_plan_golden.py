"""Golden plans of the graph rewrites done while lowering (issue 12): frontier loops with and
without a guard, the min-plus fixpoint, fused edge values, and their must-not-fire cases. The whole
`f.ir(..., optimized=True)` text (optimized IR and execution plan) is compared with
tests/python/golden_plans/<case>.txt; FUSEFLOW_UPDATE_GOLDEN=1 rewrites them (review the diff).
Small graphs: the locality relabelling does not pay there, so it never appears."""

import os
import pathlib

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import examples

GOLDEN = pathlib.Path(__file__).parent / "golden_plans"


def _graph():
    rng = np.random.default_rng(0)
    src, dst = rng.integers(0, 50, 200), rng.integers(0, 50, 200)
    return ff.Graph.from_edges(src, dst, num_nodes=50, weights=rng.uniform(0, 1, 200))


def _start(n):
    d = np.full(n, np.inf)
    d[0] = 0.0
    return d, d == 0.0


@ff.jit
def mask_by_inequality(g, dist, active):
    """Bellman-Ford whose mask is d' != d: not even a frontier loop (NaN != NaN, so the mask is
    not provably false where no edge reaches; the analysis may miss, never lie)."""
    def body(c):
        d, a = c
        nd = ff.minimum(d, ff.neighbor_agg(g, d, "min", "in", combine="add", active=a))
        return nd, nd != d
    return ff.while_loop(lambda c: ff.any(c[1]), body, (dist, active))[0]


@ff.jit
def counts_rounds(g, dist, active, rounds):
    """An iteration counter is a carry that changes at every node: no frontier loop."""
    def body(c):
        d, a, k = c
        nd = ff.minimum(d, ff.neighbor_agg(g, d, "min", "in", combine="add", active=a))
        return nd, nd < d, k + 1
    return ff.while_loop(lambda c: ff.any(c[1]), body, (dist, active, rounds))


@ff.jit
def attention(g, h, w):
    """Edge values read only by the aggregation: computed per edge inside it."""
    return ff.neighbor_agg(g, h, "sum", weights=ff.exp(g.edge_src(h) - g.edge_dst(h)) * w, combine="second")


@ff.jit
def attention_values_kept(g, h, w):
    """The same edge values also returned: they are written (must not fuse)."""
    e = ff.exp(g.edge_src(h) - g.edge_dst(h)) * w
    return ff.neighbor_agg(g, h, "sum", weights=e, combine="second"), e


def _cases():
    g = _graph()
    d, a = _start(g.num_nodes)
    h = np.linspace(-1.0, 1.0, g.num_nodes)
    w = np.linspace(0.5, 1.5, g.num_edges)
    return {
        "bfs_frontier_with_guard": (examples.bfs, (g, d, a)),
        "bellman_ford_min_plus": (examples.bellman_ford, (g, d, a)),
        "bellman_ford_mask_inequality_no_min_plus": (mask_by_inequality, (g, d, a)),
        "round_counter_no_frontier": (counts_rounds, (g, d, a, 0)),
        "attention_fused_edge_values": (attention, (g, h, w)),
        "attention_values_kept_not_fused": (attention_values_kept, (g, h, w)),
    }


@pytest.mark.plan
@pytest.mark.parametrize("case", sorted(_cases()))
def test_graph_plan_is_golden(case):
    f, args = _cases()[case]
    text = f.ir(*args, optimized=True).rstrip() + "\n"
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("FUSEFLOW_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; run with FUSEFLOW_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(), f"plan of {case} changed:\n{text}"
