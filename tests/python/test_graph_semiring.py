"""Semiring neighbor_agg (combine=) and frontiers (active=) against a serial NumPy reference, and
BFS / Bellman-Ford written as DSL while_loops against ff.algorithms.bfs / sssp."""
import numpy as np
import pytest

import fuseflow as ff
from fuseflow import examples

COMBINES = ("mul", "add", "first", "second")
OPS = ("sum", "mean", "min", "max")
DIRECTIONS = ("in", "out", "both")


def random_edges(rng, n, m, unsorted=True):
    """Edges with self-loops, parallel edges and isolated nodes (the last few ids get none)."""
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    hi = max(1, n - 3)  # nodes hi..n-1 are isolated
    src = rng.integers(0, hi, m)
    dst = rng.integers(0, hi, m)
    if m >= 4:
        src[:2] = dst[:2] = rng.integers(0, hi)        # self-loops
        src[2:4], dst[2:4] = src[0] + 0 * src[2:4], (dst[0] + 1) % hi  # parallel edges
    if not unsorted:
        order = np.argsort(src, kind="stable")
        src, dst = src[order], dst[order]
    return src, dst


def reference(n, src, dst, x, w, op, direction, combine, active):
    """Serial fold per node in user edge order (the engine folds in CSC/CSR order: sums agree to
    rounding, min/max exactly)."""
    ident = {"sum": 0.0, "mean": 0.0, "min": np.inf, "max": -np.inf}[op]
    acc = np.full(n, ident)
    cnt = np.zeros(n, np.int64)
    pairs = []
    if direction in ("in", "both"):
        pairs.append((dst, src))  # v = target, u = source
    if direction in ("out", "both"):
        pairs.append((src, dst))
    for vs, us in pairs:
        for i in range(len(vs)):
            v, u = vs[i], us[i]
            if active is not None and not active[u]:
                continue
            val = {"mul": lambda: x[u] * w[i], "add": lambda: x[u] + w[i],
                   "first": lambda: x[u], "second": lambda: w[i]}[combine]()
            if op in ("sum", "mean"):
                acc[v] += val
            elif op == "min":
                acc[v] = min(acc[v], val)
            else:
                acc[v] = max(acc[v], val)
            cnt[v] += 1
    if op == "mean":
        acc = np.where(cnt > 0, acc / np.maximum(cnt, 1), 0.0)
    return acc


def call(g, x, op, direction, combine, w, active):
    weights = None if combine == "first" else w
    return ff.neighbor_agg(g, x, op, direction, weights=weights, combine=combine, active=active)


def check(got, want, op):
    assert got.dtype == np.float64
    if op in ("min", "max"):
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("combine", COMBINES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("seed", [0, 1])
def test_semiring_matches_serial_reference(combine, op, direction, seed):
    rng = np.random.default_rng(seed)
    n, m = 40, 150
    src, dst = random_edges(rng, n, m, unsorted=bool(seed))
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    x = rng.normal(size=n)
    w = rng.uniform(-1.0, 2.0, m)
    want = reference(n, src, dst, x, w, op, direction, combine, None)
    check(call(g, x, op, direction, combine, w, None), want, op)


@pytest.mark.parametrize("combine", COMBINES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("density", [0.0, 0.03, 0.5, 1.0])
def test_active_mask_matches_serial_reference(combine, op, direction, density):
    """Empty, tiny (push), half (pull) and full masks: only active sources contribute, nodes
    with no contributing edge get the identity."""
    rng = np.random.default_rng(7)
    n, m = 300, 1200
    src, dst = random_edges(rng, n, m)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    x = rng.normal(size=n)
    w = rng.uniform(0.0, 3.0, m)
    active = rng.random(n) < density
    want = reference(n, src, dst, x, w, op, direction, combine, active)
    check(call(g, x, op, direction, combine, w, active), want, op)


@pytest.mark.parametrize("mode", ["push", "pull"])
@pytest.mark.parametrize("op", ["sum", "min", "max"])
def test_push_and_pull_agree_bitwise(monkeypatch, mode, op):
    """FUSEFLOW_FRONTIER forces the direction; sum over "in" pushes in each node's CSC order, so
    push and pull give the same bits."""
    rng = np.random.default_rng(3)
    n, m = 500, 3000
    src, dst = random_edges(rng, n, m)
    w = rng.uniform(0.0, 1.0, m)
    g = ff.Graph.from_edges(src, dst, weights=w, num_nodes=n)
    x = rng.normal(size=n)
    active = rng.random(n) < 0.2
    base = ff.neighbor_agg(g, x, op, combine="mul", active=active)
    monkeypatch.setenv("FUSEFLOW_FRONTIER", mode)
    forced = ff.neighbor_agg(g, x, op, combine="mul", active=active)
    np.testing.assert_array_equal(forced, base)
    check(forced, reference(n, src, dst, x, w, op, "in", "mul", active), op)


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("op", ["min", "max"])
def test_min_max_order_zeros_in_every_direction_and_mode(monkeypatch, op, direction):
    """Values of 0.0 and -0.0 meeting at a node: min gives -0.0 and max +0.0 whether the fold
    pushes (frontier order) or pulls (CSC / CSR order), with or without a mask, as the min / max
    reductions do (IEEE 754-2019 order, -0 < +0). Keeping the later of equals, the two orders gave
    different signs."""
    rng = np.random.default_rng(5)
    n, m = 200, 1500
    src, dst = random_edges(rng, n, m)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    # Zeros of both signs and, for min, only positive values beside them (max: only negative),
    # so every node with a zero among its neighbours has a zero result.
    mags = rng.uniform(1.0, 2.0, n) * (1.0 if op == "min" else -1.0)
    x = np.where(rng.random(n) < 0.5, np.where(rng.random(n) < 0.5, 0.0, -0.0), mags)
    want = reference(n, src, dst, x, np.ones(m), op, direction, "first", None)
    zero_sign = op == "min"  # min: -0.0 when a -0.0 contributes; max: +0.0 when a +0.0 does
    pairs = {"in": [(dst, src)], "out": [(src, dst)], "both": [(dst, src), (src, dst)]}[direction]
    for v in np.flatnonzero(want == 0):
        contributing = np.concatenate([us[vs == v] for vs, us in pairs])
        zeros = x[contributing][x[contributing] == 0]
        want[v] = -0.0 if (np.signbit(zeros).any() if zero_sign else not (~np.signbit(zeros)).any()) else 0.0
    full = np.ones(n, dtype=bool)
    results = {}
    for mode in ("auto", "push", "pull"):
        monkeypatch.setenv("FUSEFLOW_FRONTIER", mode)
        results[mode, "plain"] = ff.neighbor_agg(g, x, op, direction)
        results[mode, "masked"] = ff.neighbor_agg(g, x, op, direction, combine="first", active=full)
    for key, got in results.items():
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want)), key


def test_unknown_frontier_setting(monkeypatch, small):
    g, x = small
    monkeypatch.setenv("FUSEFLOW_FRONTIER", "sideways")
    with pytest.raises(ValueError, match=r"FUSEFLOW_FRONTIER: must be auto, push or pull"):
        ff.neighbor_agg(g, x, "min", combine="first", active=np.ones(3, bool))


def test_graph_weights_are_used_and_edge_arrays_override():
    src, dst = np.array([0, 0, 1, 2]), np.array([1, 2, 2, 0])
    gw = ff.Graph.from_edges(src, dst, weights=[1.0, 5.0, 1.0, 2.0], num_nodes=4)
    x = np.array([0.0, np.inf, np.inf, np.inf])
    np.testing.assert_array_equal(ff.neighbor_agg(gw, x, "min", combine="add"), [np.inf, 1.0, 5.0, np.inf])
    other = np.array([2.0, 2.0, 2.0, 2.0])
    np.testing.assert_array_equal(ff.neighbor_agg(gw, x, "min", weights=other, combine="add"), [np.inf, 2.0, 2.0, np.inf])
    # max-times and plus-times
    y = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(ff.neighbor_agg(gw, y, "max", combine="mul"), [6.0, 1.0, 5.0, -np.inf])
    np.testing.assert_array_equal(ff.neighbor_agg(gw, y, "sum", combine="mul"), [6.0, 1.0, 7.0, 0.0])


def test_inside_jit_with_graph_weights_and_mask():
    rng = np.random.default_rng(11)
    n, m = 60, 200
    src, dst = random_edges(rng, n, m)
    w = rng.uniform(0.1, 1.0, m)
    g = ff.Graph.from_edges(src, dst, weights=w, num_nodes=n)
    x = rng.uniform(0.0, 5.0, n)
    active = rng.random(n) < 0.3

    @ff.jit
    def step(g, d, a):
        relaxed = ff.neighbor_agg(g, d, "min", combine="add", active=a)
        return ff.minimum(d, relaxed)

    want = np.minimum(x, reference(n, src, dst, x, w, "min", "in", "add", active))
    np.testing.assert_array_equal(step(g, x, active), want)


@pytest.mark.parametrize("n", [0, 5])
def test_empty_graph(n):
    g = ff.Graph.from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), weights=np.zeros(0), num_nodes=n)
    x = np.arange(n, dtype=np.float64)
    for op, ident in (("sum", 0.0), ("mean", 0.0), ("min", np.inf), ("max", -np.inf)):
        got = ff.neighbor_agg(g, x, op, weights=np.zeros(0), combine="add", active=np.ones(n, bool))
        np.testing.assert_array_equal(got, np.full(n, ident))
        got = ff.neighbor_agg(g, x, op, combine="first")
        np.testing.assert_array_equal(got, np.full(n, ident))


def test_int_and_bool_values_are_converted_to_float64():
    g = ff.Graph.from_edges([0, 1, 1], [1, 2, 2], weights=[0.5, 1.0, 2.0], num_nodes=3)
    got = ff.neighbor_agg(g, np.array([1, 2, 3], np.int64), "sum", combine="mul")
    np.testing.assert_array_equal(got, [0.0, 0.5, 6.0])
    got = ff.neighbor_agg(g, np.array([True, False, True]), "max", combine="first")
    np.testing.assert_array_equal(got, [-np.inf, 1.0, 0.0])


# ---- errors: each names the argument and the rule


@pytest.fixture
def small():
    return ff.Graph.from_edges([0, 1], [1, 2], weights=[1.0, 2.0], num_nodes=3), np.ones(3)


def test_unknown_combine(small):
    g, x = small
    with pytest.raises(ValueError, match=r"combine: must be one of mul, add, first, second"):
        ff.neighbor_agg(g, x, "min", combine="times")


@pytest.mark.parametrize("op", ["count", "mode"])
def test_combine_with_count_or_mode(small, op):
    g, x = small
    with pytest.raises(ValueError, match=r"op: combine='add' goes with sum, mean, min, max"):
        ff.neighbor_agg(g, x, op, combine="add")


def test_combine_needs_weights():
    g = ff.Graph.from_edges([0, 1], [1, 2], num_nodes=3)
    with pytest.raises(ValueError, match=r"weights: combine='add' needs edge weights; the graph has none"):
        ff.neighbor_agg(g, np.ones(3), "min", combine="add")
    with pytest.raises(ValueError, match=r"weights: combine='add' needs edge weights"):
        ff.jit(lambda g, x: ff.neighbor_agg(g, x, "min", combine="add"))(g, np.ones(3))
    with pytest.raises(ValueError, match=r"weights: combine='mul' needs edge weights; got False"):
        ff.neighbor_agg(g, np.ones(3), "sum", weights=False, combine="mul")


def test_first_takes_no_weights(small):
    g, x = small
    with pytest.raises(ValueError, match=r"weights: combine='first' folds x alone and takes no weights"):
        ff.neighbor_agg(g, x, "min", weights=np.ones(2), combine="first")


def test_active_needs_combine(small):
    g, x = small
    with pytest.raises(ValueError, match=r"active: needs combine="):
        ff.neighbor_agg(g, x, "min", active=np.ones(3, bool))


def test_active_must_be_bool_and_node_length(small):
    g, x = small
    with pytest.raises(TypeError, match=r"active: must be a bool node mask, got dtype int64"):
        ff.neighbor_agg(g, x, "min", combine="first", active=np.ones(3, np.int64))
    with pytest.raises(ValueError, match=r"active"):
        ff.neighbor_agg(g, x, "min", combine="first", active=np.ones(4, bool))
    with pytest.raises(TypeError, match=r"active mask .* must be bool"):
        ff.jit(lambda g, x, a: ff.neighbor_agg(g, x, "min", combine="first", active=a))(g, x, np.ones(3))


# ---- BFS and Bellman-Ford as DSL loops


# The DSL programs of fuseflow.examples (also the graph_dsl benchmark's).
dsl_bfs = examples.bfs
dsl_bellman_ford = examples.bellman_ford


def run_bfs(g, source):
    n = g.num_nodes
    level = np.full(n, np.inf)
    level[source] = 0.0
    frontier = np.zeros(n, bool)
    frontier[source] = True
    lv = dsl_bfs(g, level, frontier)
    return np.where(np.isinf(lv), -1, lv).astype(np.int64)


def run_bellman_ford(g, source):
    n = g.num_nodes
    dist = np.full(n, np.inf)
    dist[source] = 0.0
    active = np.zeros(n, bool)
    active[source] = True
    return dsl_bellman_ford(g, dist, active)


@pytest.mark.parametrize("locality", ["never", "always"])
@pytest.mark.parametrize("frontier", ["auto", "push", "pull"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dsl_bfs_equals_native(monkeypatch, frontier, seed, locality):
    monkeypatch.setenv("FUSEFLOW_FRONTIER", frontier)
    monkeypatch.setenv("FUSEFLOW_LOCALITY", locality)
    rng = np.random.default_rng(seed)
    n = 400
    src, dst = random_edges(rng, n, 900)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    for source in (0, int(src[0]), n - 1):  # n - 1 is isolated
        np.testing.assert_array_equal(run_bfs(g, source), ff.algorithms.bfs(g, source))


@pytest.mark.parametrize("locality", ["never", "always"])
@pytest.mark.parametrize("frontier", ["auto", "push", "pull"])
@pytest.mark.parametrize("integer_weights", [True, False])
def test_dsl_bellman_ford_equals_native_sssp(monkeypatch, frontier, integer_weights, locality):
    monkeypatch.setenv("FUSEFLOW_FRONTIER", frontier)
    monkeypatch.setenv("FUSEFLOW_LOCALITY", locality)
    rng = np.random.default_rng(5)
    n, m = 400, 1600
    src, dst = random_edges(rng, n, m)
    w = rng.integers(0, 20, m).astype(np.float64) if integer_weights else rng.uniform(0.0, 1.0, m)
    g = ff.Graph.from_edges(src, dst, weights=w, num_nodes=n)
    for source in (0, int(src[0]), n - 1):
        got = run_bellman_ford(g, source)
        want = ff.algorithms.sssp(g, source)
        if integer_weights:  # sums of integers are exact: the same bits whatever the path order
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12)
            np.testing.assert_array_equal(np.isinf(got), np.isinf(want))


def test_dsl_bellman_ford_matches_scipy():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    from scipy.sparse.csgraph import shortest_path

    rng = np.random.default_rng(9)
    n, m = 200, 800
    src, dst = random_edges(rng, n, m)
    w = rng.uniform(0.5, 2.0, m)
    g = ff.Graph.from_edges(src, dst, weights=w, num_nodes=n)
    # SciPy sums parallel edges in a coo->csr conversion: keep the lightest of each pair first.
    best = {}
    for s, d, ww in zip(src, dst, w):
        if s != d:
            best[(s, d)] = min(best.get((s, d), np.inf), ww)
    keys = list(best)
    a = scipy_sparse.csr_matrix(([best[k] for k in keys], ([k[0] for k in keys], [k[1] for k in keys])), shape=(n, n))
    want = shortest_path(a, directed=True, indices=0)
    np.testing.assert_allclose(run_bellman_ford(g, 0), want, rtol=1e-12)
