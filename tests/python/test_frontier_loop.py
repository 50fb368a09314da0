"""Frontier loops: while loops over a semiring neighbor_agg with active=mask whose body is proved
idle outside the frontier run sparsely (src/exec/lower_frontier.cpp, frontier_loop.cpp).

Checked here: which loops are marked (the plan's "frontier:" line) and which are not (the
must-not-fire cases: a body that changes unreached nodes, a mask that may turn on at unreached
nodes, mean, a cond other than any(mask)); every marked program gives the same bits sparse
(FUSEFLOW_FRONTIER=push), dense (pull) and mixed (auto), and matches a serial NumPy loop; the
caller's arrays are not written; profiled runs (dense) agree."""
import numpy as np
import pytest

import fuseflow as ff
from fuseflow import examples

MODES = ("auto", "push", "pull")


def random_graph(seed, n=300, m=1200, weights=False):
    """Self-loops, parallel edges, isolated nodes (the last 3 ids), edges not sorted by source."""
    rng = np.random.default_rng(seed)
    hi = n - 3
    src = rng.integers(0, hi, m)
    dst = rng.integers(0, hi, m)
    src[:2] = dst[:2] = 7           # self-loops
    src[2:4], dst[2:4] = 5, 9       # a parallel edge
    w = rng.uniform(0.1, 1.0, m) if weights else None
    return ff.Graph.from_edges(src, dst, num_nodes=n, weights=w), src, dst, w


def plan(f, *args):
    return f.ir(*args, optimized=True).split("// execution plan")[1]


def start(n, sources, fill=np.inf, value=0.0):
    x = np.full(n, fill)
    x[list(sources)] = value
    mask = np.zeros(n, bool)
    mask[list(sources)] = True
    return x, mask


# ---- programs


bfs = examples.bfs  # fuseflow.examples' BFS (also the graph_dsl benchmark's)


@ff.jit
def bellman_ford(g, dist, active, w):
    """examples.bellman_ford with explicit weights: the user-id weight reads, not the graph's copies."""
    def body(c):
        d, a = c
        nd = ff.minimum(d, ff.neighbor_agg(g, d, "min", "in", weights=w, combine="add", active=a))
        return nd, nd < d
    return ff.while_loop(lambda c: ff.any(c[1]), body, (dist, active))[0]


@ff.jit
def widest_path(g, width, active, w):
    """max-times over in-edges' reverse ("out"): the best product of weights to reach the source."""
    def body(c):
        b, a = c
        nb = ff.maximum(b, ff.neighbor_agg(g, b, "max", "out", weights=w, combine="mul", active=a))
        return nb, nb > b
    return ff.while_loop(lambda c: ff.any(c[1]), body, (width, active))[0]


@ff.jit
def min_label(g, labels, active):
    """Weakly connected components by min-label over both directions, only changed nodes push."""
    def body(c):
        lab, a = c
        nl = ff.minimum(lab, ff.neighbor_agg(g, lab, "min", "both", combine="first", active=a))
        return nl, nl < lab
    return ff.while_loop(lambda c: ff.any(c[1]), body, (labels, active))[0]


@ff.jit
def reach_sum(g, value, seen, active, cost):
    """A sum over in-edges: first arrival takes the sum of its active in-neighbours' values plus a
    loop-invariant node cost (read only where the node is reached), and the loop carries three
    values (the seen flags are unchanged outside the frontier, the mask false)."""
    def body(c):
        v, s, a = c
        total = ff.neighbor_agg(g, v, "sum", "in", combine="first", active=a)
        new = (total > 0.0) & ~s
        return ff.where(new, total + cost, v), s | new, new
    return ff.while_loop(lambda c: ff.any(c[2]), body, (value, seen, active))


# ---- serial references (one synchronous iteration at a time, as the program says)


def reference_loop(n, src, dst, x, mask, step):
    x, mask = x.copy(), mask.copy()
    while mask.any():
        x, mask = step(x, mask)
    return x


def fold(n, vs, us, vals, op, active):
    acc = np.full(n, {"min": np.inf, "max": -np.inf, "sum": 0.0}[op])
    for v, u, val in zip(vs, us, vals):
        if active[u]:  # np.minimum / np.maximum: NaN propagates, as in the engine
            acc[v] = np.minimum(acc[v], val) if op == "min" else np.maximum(acc[v], val) if op == "max" else acc[v] + val
    return acc


@pytest.mark.plan  # needs neighbor_fusion (the fused_agg epilogue): not with every pass disabled
def test_marked_loops_show_their_frontier():
    g, src, dst, w = random_graph(0, weights=True)
    x, m = start(g.num_nodes, [0])
    assert "frontier: " in plan(bfs, g, x, m)
    # BFS's epilogue is idle wherever lv != inf, whatever the aggregate: dense iterations fold only
    # the nodes not visited yet. Bellman-Ford has no such guard (minimum(d, agg) reads agg everywhere).
    assert "dense ones fold where guard (1 of the epilogue's instructions)" in plan(bfs, g, x, m)
    assert "guard" not in plan(bellman_ford, g, x, m, w)
    assert "frontier: " in plan(bellman_ford, g, x, m, w)
    assert "frontier: " in plan(widest_path, g, x, m, w)
    assert "frontier: " in plan(min_label, g, x, m)
    assert "frontier: " in plan(reach_sum, g, x, m, m, np.ones(g.num_nodes))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bfs_and_bellman_ford_match_serial_loops_in_every_mode(monkeypatch, mode, seed):
    monkeypatch.setenv("FUSEFLOW_FRONTIER", mode)
    g, src, dst, w = random_graph(seed, weights=True)
    n = g.num_nodes
    for sources in ([0], [int(src[5]), int(dst[9])], [n - 1]):  # n - 1 is isolated
        x, m = start(n, sources)
        x0, m0 = x.copy(), m.copy()

        def bfs_step(lv, fr):
            reached = fold(n, dst, src, lv[src], "min", fr)
            new = (lv == np.inf) & (reached < np.inf)
            return np.where(new, reached + 1.0, lv), new

        np.testing.assert_array_equal(bfs(g, x, m), reference_loop(n, src, dst, x, m, bfs_step))

        def bf_step(d, a):
            nd = np.minimum(d, fold(n, dst, src, d[src] + w, "min", a))
            return nd, nd < d

        np.testing.assert_array_equal(bellman_ford(g, x, m, w), reference_loop(n, src, dst, x, m, bf_step))
        # The caller's arrays are read, never written (the loop updates its own copies in place).
        np.testing.assert_array_equal(x, x0)
        np.testing.assert_array_equal(m, m0)


@pytest.mark.parametrize("mode", ["auto", "push"])
def test_bfs_levels_with_hub_frontiers_match_the_native_bfs(monkeypatch, mode):
    # R-MAT hubs: levels whose frontier has tens of thousands of edges take the parallel push of a
    # uniform frontier (push_frontier_uniform; every level value the same), which must list the
    # reached nodes as the serial push does. Checked on 1, 2 and 4 threads against
    # ff.algorithms.bfs and the serial NumPy loop.
    monkeypatch.setenv("FUSEFLOW_FRONTIER", mode)
    src, dst = ff.generators.rmat(13, 16, seed=4)
    n = 1 << 13
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    source = int(np.argmax(np.bincount(src, minlength=n)))  # the largest hub: a big second level
    x, m = start(n, [source])
    want = ff.algorithms.bfs(g, source)

    def bfs_step(lv, fr):
        reached = fold(n, dst, src, lv[src], "min", fr)
        new = (lv == np.inf) & (reached < np.inf)
        return np.where(new, reached + 1.0, lv), new

    serial = reference_loop(n, src, dst, x, m, bfs_step)
    try:
        for threads in (1, 2, 4):
            ff.set_num_threads(threads)
            got = bfs(g, x, m)
            np.testing.assert_array_equal(got, serial)
            np.testing.assert_array_equal(np.where(np.isinf(got), -1, got).astype(np.int64), want)
    finally:
        ff.set_num_threads(0)


@pytest.mark.parametrize("seed", [3, 4])
def test_out_both_max_and_sum_give_the_same_bits_sparse_dense_and_mixed(monkeypatch, seed):
    g, src, dst, w = random_graph(seed, weights=True)
    n = g.num_nodes
    runs = {}
    for mode in MODES:
        monkeypatch.setenv("FUSEFLOW_FRONTIER", mode)
        width, m = start(n, [0, 11], fill=0.0, value=1.0)
        labels = np.arange(n, dtype=np.float64)
        value, m2 = start(n, [0, 11], fill=0.0, value=1.5)
        runs[mode] = (widest_path(g, width, m, w), min_label(g, labels, np.ones(n, bool)),
                      *reach_sum(g, value, m2.copy(), m2, np.linspace(0.0, 1.0, n)))
    for mode in ("push", "pull"):
        for a, b in zip(runs["auto"], runs[mode]):
            np.testing.assert_array_equal(a, b)
    # Independent checks: components equal the min id of each weak component (SciPy), the widest
    # path and the sums follow the serial loops.
    sp = pytest.importorskip("scipy.sparse")
    from scipy.sparse.csgraph import connected_components

    _, comp = connected_components(sp.coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)), directed=True,
                                   connection="weak")
    want = np.array([np.flatnonzero(comp == comp[i]).min() for i in range(n)], dtype=np.float64)
    np.testing.assert_array_equal(runs["auto"][1], want)

    def widest_step(b, a):
        nb = np.maximum(b, fold(n, src, dst, b[dst] * w, "max", a))
        return nb, nb > b

    width, m = start(n, [0, 11], fill=0.0, value=1.0)
    np.testing.assert_array_equal(runs["auto"][0], reference_loop(n, src, dst, width, m, widest_step))

    cost = np.linspace(0.0, 1.0, n)
    v, s = start(n, [0, 11], fill=0.0, value=1.5)
    a = s.copy()
    while a.any():
        # The engine sums each node's in-edges in source order (CSC); so does this loop.
        order = np.lexsort((src, dst))
        total = fold(n, dst[order], src[order], v[src[order]], "sum", a)
        new = (total > 0.0) & ~s
        v, s, a = np.where(new, total + cost, v), s | new, new
    np.testing.assert_array_equal(runs["auto"][2], v)
    np.testing.assert_array_equal(runs["auto"][3], s)


def test_profiled_runs_take_the_dense_path_and_agree():
    g, src, dst, w = random_graph(6, weights=True)
    x, m = start(g.num_nodes, [0])
    want = bellman_ford(g, x, m, w)
    np.testing.assert_array_equal(bellman_ford.profile(g, x, m, w).outputs, want)


@ff.jit
def max_label(g, labels, active):
    """max-label propagation over out-edges ("out": a node takes its out-neighbours' labels)."""
    def body(c):
        lab, a = c
        nl = ff.maximum(lab, ff.neighbor_agg(g, lab, "max", "out", combine="first", active=a))
        return nl, nl > lab
    return ff.while_loop(lambda c: ff.any(c[1]), body, (labels, active))[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", [11, 12])
def test_dense_iterations_stop_at_the_frontier_extreme_exactly(monkeypatch, mode, seed):
    """Dense iterations of min/max over x alone stop a node's scan at the frontier's extreme value:
    checked against serial loops with repeated values, negative and zero labels and a NaN (which
    turns the stop off: it must still propagate)."""
    monkeypatch.setenv("FUSEFLOW_FRONTIER", mode)
    g, src, dst, _ = random_graph(seed, n=400, m=3000)
    n = g.num_nodes
    rng = np.random.default_rng(seed)
    for labels in (rng.integers(-5, 5, n).astype(np.float64), np.arange(n, dtype=np.float64) - 200.0,
                   np.where(np.arange(n) == 17, np.nan, rng.integers(0, 50, n).astype(np.float64))):
        def max_step(lab, a):
            agg = fold(n, src, dst, lab[dst], "max", a)
            nl = np.maximum(lab, agg)
            with np.errstate(invalid="ignore"):
                return nl, nl > lab

        def min_step(lab, a):
            agg = fold(n, np.concatenate([dst, src]), np.concatenate([src, dst]), lab[np.concatenate([src, dst])], "min", a)
            nl = np.minimum(lab, agg)
            with np.errstate(invalid="ignore"):
                return nl, nl < lab

        act = np.ones(n, bool)
        np.testing.assert_array_equal(max_label(g, labels, act), reference_loop(n, src, dst, labels, act, max_step))
        np.testing.assert_array_equal(min_label(g, labels, act), reference_loop(n, src, dst, labels, act, min_step))


# ---- must not fire


def test_a_body_that_changes_unreached_nodes_is_not_marked_and_stays_right():
    @ff.jit
    def ages(g, level, frontier, age):
        def body(c):
            lv, fr, ag = c
            reached = ff.neighbor_agg(g, lv, "min", "in", combine="first", active=fr)
            new = (lv == np.inf) & (reached < np.inf)
            return ff.where(new, reached + 1.0, lv), new, ag + 1.0  # every node ages each iteration
        return ff.while_loop(lambda c: ff.any(c[1]), body, (level, frontier, age))[2]

    g, src, dst, _ = random_graph(7)
    x, m = start(g.num_nodes, [0])
    assert "frontier" not in plan(ages, g, x, m, np.zeros(g.num_nodes))
    levels = ff.algorithms.bfs(g, 0)
    # The loop runs once per level plus the one that finds nothing new: every node ages that often.
    np.testing.assert_array_equal(ages(g, x, m, np.zeros(g.num_nodes)), np.full(g.num_nodes, levels.max() + 1.0))


def test_a_value_changed_under_an_unknown_condition_is_not_marked():
    @ff.jit
    def f(g, lv, fr):
        def body(c):
            lv, fr = c
            reached = ff.neighbor_agg(g, lv, "min", "in", combine="first", active=fr)
            new = (lv == np.inf) & (reached < np.inf)
            # Unreached nodes at level >= 2 still move (to level 1.5): the body is not idle there.
            return ff.where(lv >= 2.0, 1.5, ff.where(new, reached + 1.0, lv)), new
        return ff.while_loop(lambda c: ff.any(c[1]), body, (lv, fr))[0]

    g, src, dst, _ = random_graph(10)
    n = g.num_nodes
    x, m = start(n, [0])
    assert "frontier" not in plan(f, g, x, m)

    def step(lv, fr):
        reached = fold(n, dst, src, lv[src], "min", fr)
        new = (lv == np.inf) & (reached < np.inf)
        return np.where(lv >= 2.0, 1.5, np.where(new, reached + 1.0, lv)), new

    np.testing.assert_array_equal(f(g, x, m), reference_loop(n, src, dst, x, m, step))


def test_a_mask_that_may_turn_on_at_unreached_nodes_is_not_marked():
    @ff.jit
    def f(g, lv, fr):
        def body(c):
            lv, fr = c
            reached = ff.neighbor_agg(g, lv, "min", "in", combine="first", active=fr)
            new = reached <= lv  # inf <= lv holds where lv is inf: unreached nodes join the mask
            return ff.where(new & (reached < lv), reached + 1.0, lv), new & (reached < lv)
        return ff.while_loop(lambda c: ff.any(c[1]), body, (lv, fr))[0]

    g, *_ = random_graph(8)
    x, m = start(g.num_nodes, [0])
    text = plan(f, g, x, m)
    assert "frontier" not in text
    want = ff.algorithms.bfs(g, 0)
    np.testing.assert_array_equal(np.where(np.isinf(f(g, x, m)), -1, f(g, x, m)), want)


def test_mean_and_other_conds_are_not_marked():
    @ff.jit
    def mean_loop(g, x, a):
        def body(c):
            v, act = c
            nv = ff.minimum(v, ff.neighbor_agg(g, v, "mean", "in", combine="first", active=act))
            return nv, nv < v
        return ff.while_loop(lambda c: ff.any(c[1]), body, (x, a))[0]

    @ff.jit
    def sum_cond(g, x, a):
        def body(c):
            v, act = c
            nv = ff.minimum(v, ff.neighbor_agg(g, v, "min", "in", combine="first", active=act))
            return nv, nv < v
        return ff.while_loop(lambda c: ff.sum(c[1]) > 0, body, (x, a))[0]

    g, *_ = random_graph(9)
    x, m = start(g.num_nodes, [0])
    assert "frontier" not in plan(mean_loop, g, x, m)
    assert "frontier" not in plan(sum_cond, g, x, m)
    np.testing.assert_array_equal(sum_cond(g, x, m), np.where(ff.algorithms.bfs(g, 0) >= 0, 0.0, np.inf))


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_reached_nodes_whose_guard_stays_true_are_pulled_again(monkeypatch, seed):
    """reach_sum with values of both signs: a node reached with a sum <= 0 stays unseen (its guard
    stays true), so a later bottom-up iteration must pull at it again (frontier_loop.cpp merges it
    back into the candidates). Every mode against the serial loop."""
    g, src, dst, _ = random_graph(seed, n=400, m=4000)
    n = g.num_nodes
    rng = np.random.default_rng(seed)
    value0 = rng.uniform(-1.0, 1.0, n)
    seeds = rng.choice(n - 3, 40, replace=False)
    active0 = np.zeros(n, bool)
    active0[seeds] = True
    cost = rng.uniform(-0.5, 0.5, n)

    v, s, a = value0.copy(), active0.copy(), active0.copy()
    order = np.lexsort((src, dst))
    while a.any():
        total = fold(n, dst[order], src[order], v[src[order]], "sum", a)
        new = (total > 0.0) & ~s
        v, s, a = np.where(new, total + cost, v), s | new, new
    for mode in MODES:
        monkeypatch.setenv("FUSEFLOW_FRONTIER", mode)
        got_v, got_s, _ = reach_sum(g, value0, active0.copy(), active0, cost)
        np.testing.assert_array_equal(got_v, v, err_msg=mode)
        np.testing.assert_array_equal(got_s, s, err_msg=mode)


@pytest.mark.parametrize("seed", [31, 32])
def test_bfs_from_sources_at_different_levels_matches_the_serial_loop(monkeypatch, seed):
    """Frontiers whose values differ (sources start at levels 0, 2 and 5): a bottom-up pull may not
    take the first frontier neighbour's value for the aggregate (it does only when every frontier
    value has the same bits) and must fold to the minimum. Every mode, bit for bit."""
    g, src, dst, _ = random_graph(seed, n=400, m=4000)
    n = g.num_nodes
    rng = np.random.default_rng(seed)
    x = np.full(n, np.inf)
    m = np.zeros(n, bool)
    for level, nodes in zip((0.0, 2.0, 5.0), np.split(rng.choice(n - 3, 30, replace=False), 3)):
        x[nodes] = level
        m[nodes] = True

    def bfs_step(lv, fr):
        reached = fold(n, dst, src, lv[src], "min", fr)
        new = (lv == np.inf) & (reached < np.inf)
        return np.where(new, reached + 1.0, lv), new

    want = reference_loop(n, src, dst, x, m, bfs_step)
    for mode in MODES:
        monkeypatch.setenv("FUSEFLOW_FRONTIER", mode)
        np.testing.assert_array_equal(bfs(g, x, m).view(np.int64), want.view(np.int64), err_msg=mode)


def test_large_levels_split_across_threads_match_a_vectorised_serial_loop(monkeypatch):
    """Levels of more than 32K reached nodes run their epilogue, guard update and frontier fold in
    ranges on several threads (frontier_loop.cpp for_reached_ranges): a BFS from sources at two
    levels (frontier values that differ, so the per-thread folds must merge to "not uniform") and
    reach_sum (reached nodes whose guard stays true) on a random graph of 150K nodes, every mode,
    bit for bit against vectorised serial loops."""
    n, m = 150_000, 1_200_000
    rng = np.random.default_rng(41)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    x = np.full(n, np.inf)
    mask = np.zeros(n, bool)
    starts = rng.choice(n, 6, replace=False)
    x[starts[:3]], x[starts[3:]] = 0.0, 3.0
    mask[starts] = True

    def fold_min(vals, active):
        acc = np.full(n, np.inf)
        keep = active[src]
        np.minimum.at(acc, dst[keep], vals[src[keep]])
        return acc

    lv, fr = x.copy(), mask.copy()
    while fr.any():
        reached = fold_min(lv, fr)
        new = (lv == np.inf) & (reached < np.inf)
        lv, fr = np.where(new, reached + 1.0, lv), new

    cost = rng.uniform(-0.5, 0.5, n)
    value0 = rng.uniform(-1.0, 1.0, n)
    seen0 = np.zeros(n, bool)
    seen0[starts] = True
    order = np.lexsort((src, dst))
    s_sorted, d_sorted = src[order], dst[order]
    v, s, a = value0.copy(), seen0.copy(), seen0.copy()
    while a.any():
        keep = a[s_sorted]
        total = np.zeros(n)
        np.add.at(total, d_sorted[keep], v[s_sorted[keep]])  # in CSC order, as the engine sums
        new = (total > 0.0) & ~s
        v, s, a = np.where(new, total + cost, v), s | new, new

    old = ff.get_num_threads()
    ff.set_num_threads(2)
    try:
        for mode in MODES:
            monkeypatch.setenv("FUSEFLOW_FRONTIER", mode)
            np.testing.assert_array_equal(bfs(g, x, mask).view(np.int64), lv.view(np.int64), err_msg=mode)
            got_v, got_s, _ = reach_sum(g, value0, seen0.copy(), seen0, cost)
            np.testing.assert_array_equal(got_v, v, err_msg=mode)
            np.testing.assert_array_equal(got_s, s, err_msg=mode)
    finally:
        ff.set_num_threads(old)
