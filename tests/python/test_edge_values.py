"""Fused edge values (src/exec/lower_edge_values.cpp, edge_values.cpp): per-edge weights computed
from g.edge_src / g.edge_dst / edge arrays and read only by a semiring neighbor_agg are computed
inside its pull, batch by batch, with no E-length array.

Checked: the plan (gathers and kernel absorbed: "<- fused[...] per edge"), the must-not-fire cases
(the edge values escape, direction "both", a plain weighted mean; a plain float64 weighted sum is fused), partial absorption (a gather read
elsewhere stays a step and is read as an edge array), results bitwise equal to the unfused program
(the same program returning its edge values) for every combine x op x direction x mask, against
NumPy, inside a loop, and across batch boundaries (nodes whose edges span batches)."""
import numpy as np
import pytest

import fuseflow as ff

COMBINES = ("mul", "add", "second")
OPS = ("sum", "mean", "min", "max")


def graph(seed, n=300, m=5000, hub=False):
    """Self-loops, parallel edges, isolated nodes (the last 3), user order not sorted; with
    hub=True node 0 has 3000 in-edges (its list spans two batches of 2048 edges)."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n - 3, m)
    dst = rng.integers(0, n - 3, m)
    src[:2] = dst[:2] = 4
    src[2:4], dst[2:4] = 6, 8
    if hub:
        dst[100:3100] = 0
    return ff.Graph.from_edges(src, dst, num_nodes=n), src, dst, rng


def values(rng, n, m):
    return rng.uniform(-1.0, 1.0, n), rng.uniform(0.5, 2.0, m)


def plan(f, *args):
    return f.ir(*args, optimized=True).split("// execution plan")[1]


def make(op, direction, combine, masked):
    """The program, and the same program also returning its edge values (so they are not fused)."""
    def body(g, h, a, mask):
        msg = ff.exp(g.edge_src(h) * a - g.edge_dst(h))
        return ff.neighbor_agg(g, h, op, direction, weights=msg, combine=combine,
                               active=mask if masked else None), msg

    return ff.jit(lambda g, h, a, mask: body(g, h, a, mask)[0]), ff.jit(body)


def reference(n, src, dst, h, a, op, direction, combine, mask):
    msg = np.exp(h[src] * a - h[dst])
    v, u = (dst, src) if direction == "in" else (src, dst)
    val = {"mul": h[u] * msg, "add": h[u] + msg, "second": msg}[combine]
    keep = mask[u] if mask is not None else np.ones(len(u), bool)
    v, val = v[keep], val[keep]
    if op in ("sum", "mean"):
        out = np.zeros(n)
        np.add.at(out, v, val)
        if op == "mean":
            cnt = np.bincount(v, minlength=n)
            out = np.where(cnt > 0, out / np.maximum(cnt, 1), 0.0)
        return out
    out = np.full(n, np.inf if op == "min" else -np.inf)
    (np.minimum if op == "min" else np.maximum).at(out, v, val)
    return out


@pytest.mark.plan
def test_gathers_and_kernel_are_absorbed_into_the_aggregation():
    g, src, dst, rng = graph(0)
    h, a = values(rng, g.num_nodes, g.num_edges)
    fused, unfused = make("sum", "in", "second", False)
    text = plan(fused, g, h, a, np.ones(g.num_nodes, bool))
    assert "neighbor_agg.sum.in.second <- fused[mul, sub, exp] per edge" in text
    assert "edge_src" not in text and "edge_dst" not in text and text.count("step ") == 1
    assert "per edge" not in plan(unfused, g, h, a, np.ones(g.num_nodes, bool))


@pytest.mark.parametrize("combine", COMBINES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("direction", ["in", "out"])
@pytest.mark.parametrize("masked", [False, True])
def test_fused_equals_unfused_bitwise_and_numpy(combine, op, direction, masked):
    g, src, dst, rng = graph(1, hub=True)
    n = g.num_nodes
    h, a = values(rng, n, g.num_edges)
    mask = rng.random(n) < 0.5
    fused, unfused = make(op, direction, combine, masked)
    got = fused(g, h, a, mask)
    np.testing.assert_array_equal(got, unfused(g, h, a, mask)[0])
    np.testing.assert_allclose(got, reference(n, src, dst, h, a, op, direction, combine, mask if masked else None),
                               rtol=1e-12, atol=1e-12)


def test_a_gather_read_elsewhere_stays_and_is_read_as_an_edge_array():
    @ff.jit
    def f(g, h, a):
        s = g.edge_src(h)
        return ff.neighbor_agg(g, h, "max", weights=s * a, combine="second"), ff.sum(s)

    g, src, dst, rng = graph(2)
    h, a = values(rng, g.num_nodes, g.num_edges)
    out, total = f(g, h, a)
    want = np.full(g.num_nodes, -np.inf)
    np.maximum.at(want, dst, h[src] * a)
    np.testing.assert_array_equal(out, want)
    assert total == pytest.approx(h[src].sum(), rel=1e-12)


def test_both_directions_and_plain_means_are_not_fused():
    g, src, dst, rng = graph(3)
    h, a = values(rng, g.num_nodes, g.num_edges)
    both = ff.jit(lambda g, h, a: ff.neighbor_agg(g, h, "sum", "both", weights=g.edge_src(h) * a, combine="second"))
    mean = ff.jit(lambda g, h, a: ff.neighbor_agg(g, h, "mean", weights=g.edge_src(h) * a))
    assert "per edge" not in plan(both, g, h, a)
    assert "per edge" not in plan(mean, g, h, a)
    want = np.zeros(g.num_nodes)
    np.add.at(want, dst, h[src] * a)
    np.add.at(want, src, h[src] * a)
    np.testing.assert_allclose(both(g, h, a), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("direction", ["in", "out"])
def test_a_plain_weighted_sum_is_fused_with_the_same_bits(direction):
    """neighbor_agg(g, x, "sum", weights=g.edge_src(x) * w): the issue's own example."""
    g, src, dst, rng = graph(5, hub=True)
    h, a = values(rng, g.num_nodes, g.num_edges)
    fused = ff.jit(lambda g, h, a: ff.neighbor_agg(g, h, "sum", direction, weights=g.edge_src(h) * a))
    unfused = ff.jit(lambda g, h, a: (ff.neighbor_agg(g, h, "sum", direction, weights=g.edge_src(h) * a), g.edge_src(h) * a))
    got = fused(g, h, a)
    np.testing.assert_array_equal(got, unfused(g, h, a)[0])
    v, u = (dst, src) if direction == "in" else (src, dst)
    want = np.zeros(g.num_nodes)
    np.add.at(want, v, h[u] * (h[src] * a))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.plan
def test_a_plain_weighted_sum_plan():
    g, src, dst, rng = graph(5)
    h, a = values(rng, g.num_nodes, g.num_edges)
    fused = ff.jit(lambda g, h, a: ff.neighbor_agg(g, h, "sum", weights=g.edge_src(h) * a))
    assert "neighbor_agg.sum.in <- fused[mul] per edge" in plan(fused, g, h, a)


def test_inside_a_loop():
    """An attention-like update repeated: the edge values depend on the carry, so they stay in the loop."""
    @ff.jit
    def f(g, h):
        def body(x):
            att = ff.exp(g.edge_dst(x) - g.edge_src(x))
            return ff.neighbor_agg(g, x, "mean", weights=att, combine="mul") * 0.5 + x * 0.5
        return ff.fori_loop(3, body, h)

    g, src, dst, rng = graph(4)
    h, _ = values(rng, g.num_nodes, g.num_edges)
    x = h.copy()
    for _ in range(3):
        att = np.exp(x[dst] - x[src])
        acc = np.zeros(g.num_nodes)
        np.add.at(acc, dst, x[src] * att)
        cnt = np.bincount(dst, minlength=g.num_nodes)
        x = np.where(cnt > 0, acc / np.maximum(cnt, 1), 0.0) * 0.5 + x * 0.5
    np.testing.assert_allclose(f(g, h), x, rtol=1e-12, atol=1e-12)


def test_empty_graph_and_isolated_nodes():
    g = ff.Graph.from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), num_nodes=4)
    f = ff.jit(lambda g, h, a: ff.neighbor_agg(g, h, "min", weights=g.edge_src(h) + a, combine="second"))
    np.testing.assert_array_equal(f(g, np.ones(4), np.zeros(0)), np.full(4, np.inf))
