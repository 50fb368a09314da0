"""Min-plus fixpoint loops (a Bellman-Ford written with ff.while_loop, run by delta-stepping:
src/exec/min_plus_loop.cpp) against the loop run as written (FUSEFLOW_FRONTIER=pull: dense
synchronous rounds) and a serial synchronous Bellman-Ford in NumPy, bit for bit; the cases where
delta-stepping must not be used (negative weights, NaN / -inf / -0.0 distances) still agree."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse import csgraph

import fuseflow as ff
from fuseflow import examples


def serial_bellman_ford(src, dst, w, d, active, direction="in"):
    """Synchronous rounds as the DSL loop is written: the active nodes relax, then the nodes whose
    distance dropped."""
    d = d.copy()
    active = active.copy()
    frm, to = (src, dst) if direction == "in" else (dst, src)
    while active.any():
        agg = np.full(len(d), np.inf)
        on = active[frm]
        np.minimum.at(agg, to[on], d[frm[on]] + w[on])
        nd = np.minimum(d, agg)
        active = nd < d
        d = nd
    return d


def random_weighted(seed, n=300, m=1500, sorted_edges=False):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n - 10, m)  # the last ten nodes are isolated
    dst = rng.integers(0, n - 10, m)
    src[:20] = dst[:20]  # self-loops
    src[20:40], dst[20:40] = src[40:60], dst[40:60]  # parallel edges
    if sorted_edges:
        order = np.argsort(src, kind="stable")
        src, dst = src[order], dst[order]
    w = rng.uniform(0.0, 3.0, m)
    w[60:70] = 0.0  # zero-weight edges
    w[70:75] = np.inf  # unusable edges
    return src, dst, w, n


@ff.jit
def relax_with(g, dist, active, w):
    """Bellman-Ford over an explicit weight array (user edge order), pulling over in-edges."""
    def body(c):
        d, a = c
        nd = ff.minimum(d, ff.neighbor_agg(g, d, "min", "in", weights=w, combine="add", active=a))
        return nd, nd < d
    return ff.while_loop(lambda c: ff.any(c[1]), body, (dist, active))


@ff.jit
def relax_out(g, dist, active):
    """The same over out-neighbours (the graph's own weights): distances along reversed edges."""
    def body(c):
        d, a = c
        nd = ff.minimum(d, ff.neighbor_agg(g, d, "min", "out", combine="add", active=a))
        return nd, d > nd
    return ff.while_loop(lambda c: ff.any(c[1]), body, (dist, active))


def bits(x):
    return np.asarray(x, dtype=np.float64).view(np.int64)


def as_written(monkeypatch, fn, *args):
    monkeypatch.setenv("FUSEFLOW_FRONTIER", "pull")
    try:
        return fn(*args)
    finally:
        monkeypatch.delenv("FUSEFLOW_FRONTIER")


def starts(n, rng, sources, extra_finite=0):
    d = np.full(n, np.inf)
    active = np.zeros(n, bool)
    picks = rng.choice(n, sources + extra_finite, replace=False)
    d[picks] = rng.uniform(-5.0, 5.0, len(picks))
    active[picks[:sources]] = True  # the rest hold finite distances but do not relax at first
    return d, active


@pytest.mark.plan
def test_plans_mark_the_min_plus_fixpoint():
    src, dst, w, n = random_weighted(0)
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    d, a = starts(n, np.random.default_rng(0), 1)
    for plan in (examples.bellman_ford.ir(g, d, a, optimized=True), relax_with.ir(g, d, a, w, optimized=True),
                 relax_out.ir(g, d, a, optimized=True)):
        assert "min-plus fixpoint of" in plan, plan


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("sources, extra", [(1, 0), (5, 0), (3, 20)])
def test_graph_weights_equal_the_loop_as_written_and_a_serial_bellman_ford(monkeypatch, seed, sources, extra):
    src, dst, w, n = random_weighted(seed)
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    d, a = starts(n, np.random.default_rng(seed), sources, extra)
    got = examples.bellman_ford(g, d, a)
    np.testing.assert_array_equal(bits(got), bits(as_written(monkeypatch, examples.bellman_ford, g, d, a)))
    np.testing.assert_array_equal(bits(got), bits(serial_bellman_ford(src, dst, w, d, a)))
    assert np.isinf(d).sum() == n - sources - extra  # the caller's arrays are not written


def test_single_source_equals_scipy_dijkstra_and_the_native_sssp():
    src, dst, w, n = random_weighted(7)
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    d = np.full(n, np.inf)
    d[3] = 0.0
    a = d == 0.0
    got = examples.bellman_ford(g, d, a)
    np.testing.assert_array_equal(got, ff.algorithms.sssp(g, 3))
    keep = np.isfinite(w)
    # SciPy sums parallel entries: give it the lightest of each (u, v), zeros as tiny explicit ones.
    best = {}
    for u, v, x in zip(src[keep], dst[keep], w[keep]):
        if u != v:
            best[(u, v)] = min(best.get((u, v), np.inf), x)
    rows, cols = zip(*best)
    vals = np.array([best[k] for k in best])
    m = sp.csr_array((np.where(vals == 0.0, 1e-300, vals), (rows, cols)), shape=(n, n))
    np.testing.assert_allclose(got, csgraph.dijkstra(m, indices=3), rtol=1e-12, atol=1e-290)


@pytest.mark.parametrize("seed", range(3))
def test_explicit_weights_in_user_order_and_out_direction(monkeypatch, seed):
    src, dst, w, n = random_weighted(seed + 10)  # unsorted: user order is not the CSR order
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=np.ones(len(src)))
    d, a = starts(n, np.random.default_rng(seed), 4, 10)
    got = relax_with(g, d, a, w)
    want = as_written(monkeypatch, relax_with, g, d, a, w)
    for x, y in zip(got, want):
        np.testing.assert_array_equal(x, y)
    assert not got[1].any()
    np.testing.assert_array_equal(bits(got[0]), bits(serial_bellman_ford(src, dst, w, d, a)))
    gw = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    out = relax_out(gw, d, a)
    np.testing.assert_array_equal(bits(out[0]), bits(as_written(monkeypatch, relax_out, gw, d, a)[0]))
    np.testing.assert_array_equal(bits(out[0]), bits(serial_bellman_ford(src, dst, w, d, a, "out")))


@pytest.mark.parametrize("case", ["negative weights", "nan distance", "-inf distance", "-0.0 distance", "-0.0 weight"])
def test_values_delta_stepping_cannot_take_still_give_the_loops_result(monkeypatch, case):
    rng = np.random.default_rng(3)
    n = 200
    src = rng.integers(0, n, 800)
    dst = rng.integers(0, n, 800)
    src, dst = np.minimum(src, dst), np.maximum(src, dst)  # a DAG plus self-loops: no negative cycle
    w = rng.uniform(0.0, 2.0, 800)
    w[src == dst] = 0.5
    d, a = starts(n, rng, 3, 5)
    if case == "negative weights":
        w[src < dst] -= 1.0
    elif case == "nan distance":
        d[np.flatnonzero(~a)[:2]] = np.nan
    elif case == "-inf distance":
        d[np.flatnonzero(a)[0]] = -np.inf
    elif case == "-0.0 distance":
        d[np.flatnonzero(a)[0]] = -0.0
    else:
        w[:50] = -0.0
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    with np.errstate(invalid="ignore"):
        got = examples.bellman_ford(g, d, a)
        want = as_written(monkeypatch, examples.bellman_ford, g, d, a)
        ref = serial_bellman_ford(src, dst, w, d, a)
    np.testing.assert_array_equal(bits(got), bits(want))
    np.testing.assert_array_equal(bits(got), bits(ref))


def test_shapes_that_are_not_a_min_plus_fixpoint_are_not_marked():
    src, dst, w, n = random_weighted(1)
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    d, a = starts(n, np.random.default_rng(1), 2)

    def loop(step, mask_rule):
        def program(g, dist, active):
            def body(c):
                x, m = c
                nx = step(x, ff.neighbor_agg(g, x, "min", "in", combine="add", active=m))
                return nx, mask_rule(nx, x)
            return ff.while_loop(lambda c: ff.any(c[1]), body, (dist, active))
        return ff.jit(program)

    cases = {
        "mask != (equal here, not matched)": loop(ff.minimum, lambda nx, x: nx != x),
        "relaxing agg + 1": loop(lambda x, agg: ff.minimum(x, agg + 1.0), lambda nx, x: nx < x),
        "maximum": loop(ff.maximum, lambda nx, x: nx > x),
    }
    for name, f in cases.items():
        plan = f.ir(g, d, a, optimized=True)
        assert "min-plus fixpoint" not in plan, (name, plan)

    @ff.jit
    def max_plus(g, dist, active):  # the mirror image: op max is a different fold
        def body(c):
            x, m = c
            nx = ff.maximum(x, ff.neighbor_agg(g, x, "max", "in", combine="add", active=m))
            return nx, nx > x
        return ff.while_loop(lambda c: ff.any(c[1]), body, (dist, active))

    assert "min-plus fixpoint" not in max_plus.ir(g, -d, a, optimized=True)
