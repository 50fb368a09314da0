"""Locality relabelling of compiled graph programs (issue 12 item 1): a program whose ops all
commute with a renaming of the nodes runs on the graph relabelled by out-degree (the order the
native PageRank pulls in), its node arrays permuted in and out. Results must equal the caller's
order: exactly for min/max/integer ops, within reassociation (1e-12 relative) for float sums.
FUSEFLOW_LOCALITY=always|never forces the choice (auto: a cost model on the graph decides)."""

import fuseflow as ff
from fuseflow import examples
import numpy as np
import pytest
import scipy.sparse as sp


def messy_graph(rng, n, m):
    """Random multigraph with self-loops, parallel edges and isolated nodes (the last tenth)."""
    live = max(1, n - n // 10)
    src = rng.integers(0, live, m)
    dst = rng.integers(0, live, m)
    if m >= 4:
        src[:2] = dst[:2]          # self-loops
        src[2:4] = src[0]          # parallel edges
        dst[2:4] = dst[0]
    return src, dst


def reference_pagerank(src, dst, n, damping=0.85, iters=20):
    at = sp.csr_matrix((np.ones(len(src)), (dst, src)), shape=(n, n))
    deg = np.bincount(src, minlength=n).astype(float)
    inv = np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)
    r = np.full(n, 1.0 / n)
    for _ in range(iters):
        r = (1 - damping) / n + damping * (at @ (r * inv) + r[deg == 0].sum() / n)
    return r


pagerank = examples.pagerank  # the DESIGN.md program


@ff.jit
def mixed(g, x, labels, w):
    """Every kind of op the rewrite accepts, iterated; node inputs of two dtypes, an edge input."""
    def step(carry):
        y, lab = carry
        s = ff.neighbor_agg(g, y, "sum", "in", weights=w)
        lo = ff.neighbor_agg(g, lab, "min", "both")
        cnt = ff.neighbor_agg(g, y, "count", "out", weights=False)
        md = ff.neighbor_agg(g, lab, "mode", "in", weights=False)
        e = g.edge_src(y) * w + g.edge_dst(y)
        y2 = 0.5 * y + 0.25 * s / (1.0 + cnt) + 1e-3 * ff.sum(e) / (1.0 + ff.max(y))
        lab2 = ff.minimum(lab, ff.minimum(lo, ff.where(md >= 0, md, lab)))
        return y2, lab2
    y, lab = ff.fori_loop(3, step, (x, labels))
    return y, lab, g.in_degree() + lab


def mixed_reference(src, dst, n, x, labels, w):
    y, lab = x.copy(), labels.copy()
    indeg = np.bincount(dst, minlength=n)
    for _ in range(3):
        s = np.zeros(n)
        np.add.at(s, dst, w * y[src])
        lo = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(lo, dst, lab[src])
        np.minimum.at(lo, src, lab[dst])
        cnt = np.bincount(src, minlength=n).astype(float)
        md = np.full(n, -1)
        for v in range(n):
            vals = lab[src[dst == v]]
            if len(vals):
                u, c = np.unique(vals, return_counts=True)
                md[v] = u[np.argmax(c)]  # unique sorts: ties go to the smallest value
        e = y[src] * w + y[dst]
        y2 = 0.5 * y + 0.25 * s / (1.0 + cnt) + 1e-3 * e.sum() / (1.0 + y.max())
        lab = np.minimum(lab, np.minimum(lo, np.where(md >= 0, md, lab)))
        y = y2
    return y, lab, indeg + lab


@pytest.mark.parametrize("mode", ["always", "never", "auto"])
@pytest.mark.parametrize("n,m", [(1, 0), (7, 0), (50, 400), (2000, 9000)])
def test_pagerank_program_matches_reference_in_every_mode(monkeypatch, rng, mode, n, m):
    monkeypatch.setenv("FUSEFLOW_LOCALITY", mode)
    src, dst = messy_graph(rng, n, m)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    got = pagerank(g)
    want = reference_pagerank(src, dst, n)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n,m", [(1, 0), (9, 0), (60, 500), (1500, 8000)])
def test_mixed_program_matches_numpy_relabelled(monkeypatch, rng, n, m):
    monkeypatch.setenv("FUSEFLOW_LOCALITY", "always")
    src, dst = messy_graph(rng, n, m)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    x = rng.random(n)
    labels = rng.integers(0, 5, n).astype(np.int64)
    w = rng.random(m)
    y, lab, tail = mixed(g, x, labels, w)
    ry, rlab, rtail = mixed_reference(src, dst, n, x, labels, w)
    np.testing.assert_allclose(y, ry, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(lab, rlab)   # min and mode: exact in any order
    np.testing.assert_array_equal(tail, rtail)
    # The caller's arrays are untouched (the permuted copies are the engine's).
    assert x.shape == (n,) and labels.dtype == np.int64


def test_relabelled_run_equals_caller_order_run(monkeypatch, rng):
    src, dst = messy_graph(rng, 3000, 20000)
    g = ff.Graph.from_edges(src, dst, num_nodes=3000)
    x, labels, w = rng.random(3000), rng.integers(0, 50, 3000), rng.random(20000)
    monkeypatch.setenv("FUSEFLOW_LOCALITY", "never")
    plain = mixed(g, x, labels, w)
    monkeypatch.setenv("FUSEFLOW_LOCALITY", "always")
    relabelled = mixed(g, x, labels, w)
    np.testing.assert_allclose(relabelled[0], plain[0], rtol=1e-12)
    np.testing.assert_array_equal(relabelled[1], plain[1])
    np.testing.assert_array_equal(relabelled[2], plain[2])
    # The graph itself is unchanged for later calls in the other mode.
    monkeypatch.setenv("FUSEFLOW_LOCALITY", "never")
    np.testing.assert_array_equal(mixed(g, x, labels, w)[1], plain[1])


def test_bad_mode_names_the_variable(monkeypatch, rng):
    g = ff.Graph.from_edges(np.array([0, 1]), np.array([1, 0]))
    monkeypatch.setenv("FUSEFLOW_LOCALITY", "sometimes")
    with pytest.raises(ValueError, match="FUSEFLOW_LOCALITY.*'auto', 'always' or 'never'"):
        pagerank(g)


def plan_text(f, *args):
    return f.ir(*args, optimized=True)


def test_golden_plan_has_locality_steps_around_the_program(rng):
    src, dst = messy_graph(rng, 30, 100)
    g = ff.Graph.from_edges(src, dst, num_nodes=30)
    text = plan_text(mixed, g, rng.random(30), rng.integers(0, 3, 30), rng.random(100))
    steps = [line for line in text.splitlines() if line.startswith("step ")]
    assert "locality.in" in steps[0], text
    assert "locality.out" in steps[-1], text
    # Both node inputs are permuted in (the edge array w is not), the three outputs back out.
    assert steps[0].count("%") == 2 and steps[-1].count("%") == 3, text


@ff.jit
def uses_positions(g, x):
    def step(y):
        return ff.neighbor_agg(g, y, "max") + ff.arange(g.num_nodes)
    return ff.fori_loop(2, step, x)


@ff.jit
def uses_argmax(g, x):
    def step(y):
        return ff.neighbor_agg(g, y, "sum") * 0.5
    y = ff.fori_loop(2, step, x)
    return y, ff.argmax(y)


@ff.jit
def single_agg(g, x):
    return ff.neighbor_agg(g, x, "sum")


@ff.jit
def two_graphs(g, h, x, z):
    a = ff.fori_loop(2, lambda y: ff.neighbor_agg(g, y, "sum"), x)
    b = ff.fori_loop(2, lambda y: ff.neighbor_agg(h, y, "sum"), z)
    return a, b


@pytest.mark.parametrize("case", ["arange", "argmax", "no_loop", "two_graphs"])
def test_golden_plan_rewrite_must_not_fire(monkeypatch, rng, case):
    monkeypatch.setenv("FUSEFLOW_LOCALITY", "always")
    src, dst = messy_graph(rng, 40, 150)
    g = ff.Graph.from_edges(src, dst, num_nodes=40)
    x = rng.random(40)
    at = sp.csr_matrix((np.ones(150), (dst, src)), shape=(40, 40))
    if case == "arange":
        f, args = uses_positions, (g, x)
        y = x
        for _ in range(2):
            nb = np.full(40, -np.inf)
            np.maximum.at(nb, dst, y[src])
            y = nb + np.arange(40)
        want = (y,)
    elif case == "argmax":
        f, args = uses_argmax, (g, x)
        y = at @ (at @ x * 0.5) * 0.5
        want = (y, np.argmax(y))
    elif case == "no_loop":
        f, args = single_agg, (g, x)
        want = (at @ x,)
    else:
        hs, hd = messy_graph(rng, 25, 90)
        h = ff.Graph.from_edges(hs, hd, num_nodes=25)
        z = rng.random(25)
        ah = sp.csr_matrix((np.ones(90), (hd, hs)), shape=(25, 25))
        f, args = two_graphs, (g, h, x, z)
        want = (at @ (at @ x), ah @ (ah @ z))
    assert "locality" not in plan_text(f, *args)
    got = f(*args)
    got = got if isinstance(got, tuple) else (got,)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12)
