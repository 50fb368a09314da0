"""The optimizer's lowering passes (elementwise_fusion, reduction_fusion, neighbor_fusion,
memory_planning): each can be disabled by name (FUSEFLOW_DISABLE_PASSES, read at compile time)
without changing a single bit of any result, at one or two threads; and when enabled they really
change the plan (fewer passes over the data, shared buffers), checked on the profile's steps."""

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import examples

LOWERING = ["elementwise_fusion", "reduction_fusion", "neighbor_fusion", "memory_planning"]


def where_expr(x, y):
    return ff.where(x > 0, x * y + 2.5 * x - y / 3, ff.exp(-x) * y)


def standardize(x, y):
    # Reductions feeding later elementwise work (must not fuse into their own cluster) and
    # reductions of fused values (fused into the pass that computes them).
    c = x - ff.mean(x)
    z = c / ff.sqrt(ff.mean(c * c))
    return z * y, ff.sum(ff.abs(z)), ff.max(z * y), ff.dot(x, y), ff.norm(c, "l2")


def graph_mix(g, x, d):
    a = ff.neighbor_agg(g, x, "sum")
    b = ff.neighbor_agg(g, a * d + x, "max", "out")
    m = ff.neighbor_agg(g, b, "mean", "both")
    return m - a, ff.sum(a * x), ff.max(b - m), a


def gathers_of_producers(g, x, w):
    # Cheap producers of one node array: evaluated per edge inside the gather (fused_agg prologue).
    a = ff.neighbor_agg(g, 0.5 * x + 0.25, "sum")
    b = ff.neighbor_agg(g, ff.abs(x - 0.5), "max", "out")
    c = ff.neighbor_agg(g, ff.where(x > 0.3, x, -x), "mean", "in", weights=w)
    d = ff.neighbor_agg(g, ff.minimum(x, 0.6) * 2.0, "min", "in")
    return a, b, c, d


def damped(x, n):
    # A loop whose body fuses on its own, with a reduction carried out of it.
    return ff.fori_loop(n, lambda c: (ff.tanh(c[0] * 0.9) + 0.01 * x, c[1] + ff.sum(c[0] * c[0])), (x, 0.0))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    n = 5000
    src, dst = ff.generators.rmat(12, 6, seed=3)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << 12)
    return {
        "x": rng.standard_normal(n), "y": rng.standard_normal(n),
        "g": g, "gx": rng.random(g.num_nodes), "d": 0.85,
        "s": rng.uniform(50, 150, n), "k": rng.uniform(50, 150, n), "t": rng.uniform(0.1, 2, n),
        "src": src, "dst": dst, "w": rng.random(g.num_edges),
        "sparse": sparse_graph(),
    }


def sparse_graph():
    # Average degree 1: the per-edge prologue path (graphs with E > 1.5 N make the values per node).
    src, dst = ff.generators.rmat(11, 1, seed=8)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << 11)
    assert 2 * g.num_edges <= 3 * g.num_nodes
    rng = np.random.default_rng(9)
    return g, src, dst, rng.random(g.num_nodes), rng.random(g.num_edges)


def cases(d):
    return [
        ("where", where_expr, (d["x"], d["y"])),
        ("standardize", standardize, (d["x"], d["y"])),
        ("graph_mix", graph_mix, (d["g"], d["gx"], d["d"])),
        ("damped", damped, (d["x"], 7)),
        ("gathers_of_producers", gathers_of_producers, (d["g"], d["gx"], d["w"])),
        ("gathers_of_producers_sparse", gathers_of_producers, (d["sparse"][0], d["sparse"][3], d["sparse"][4])),
        ("pagerank", examples.pagerank.__wrapped__, (d["g"], 0.85, 9)),
        ("black_scholes", examples.bs_call.__wrapped__, (d["s"], d["k"], d["t"], 0.02, 0.3)),
    ]


def as_arrays(out):
    out = out if isinstance(out, tuple) else (out,)
    return [np.asarray(o) for o in out]


def run_with(fn, args, monkeypatch, disabled):
    if disabled:
        monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", disabled)
    else:
        monkeypatch.delenv("FUSEFLOW_DISABLE_PASSES", raising=False)
    return as_arrays(ff.jit(fn)(*args))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("disabled", LOWERING + [",".join(LOWERING)])
def test_disabling_a_lowering_pass_keeps_every_bit(data, monkeypatch, threads, disabled):
    old = ff.get_num_threads()
    ff.set_num_threads(threads)
    try:
        for name, fn, args in cases(data):
            want = run_with(fn, args, monkeypatch, "")
            got = run_with(fn, args, monkeypatch, disabled)
            assert len(got) == len(want), name
            for w, g in zip(want, got):
                assert w.dtype == g.dtype, name
                np.testing.assert_array_equal(g, w, err_msg=f"{name} with {disabled} disabled")
    finally:
        ff.set_num_threads(old)


def test_fused_results_match_numpy(data):
    x, y = data["x"], data["y"]
    np.testing.assert_allclose(ff.jit(where_expr)(x, y), np.where(x > 0, x * y + 2.5 * x - y / 3, np.exp(-x) * y),
                               rtol=1e-15, atol=0)
    z, sabs, zmax, dot, nrm = ff.jit(standardize)(x, y)
    c = x - x.mean()
    zz = c / np.sqrt((c * c).mean())
    np.testing.assert_allclose(z, zz * y, rtol=1e-13)
    np.testing.assert_allclose([sabs, zmax, dot, nrm], [np.abs(zz).sum(), (zz * y).max(), x @ y, np.linalg.norm(c)],
                               rtol=1e-12)
    g, gx, src, dst = data["g"], data["gx"], data["src"], data["dst"]
    n = g.num_nodes
    a = np.bincount(dst, weights=gx[src], minlength=n)
    v = a * 0.85 + gx
    b = np.full(n, -np.inf)
    np.maximum.at(b, src, v[dst])
    both_sum = np.bincount(dst, weights=b[src], minlength=n) + np.bincount(src, weights=b[dst], minlength=n)
    both_cnt = np.bincount(dst, minlength=n) + np.bincount(src, minlength=n)
    m = np.where(both_cnt > 0, both_sum / np.maximum(both_cnt, 1), 0.0)
    out, s, mx, agg = ff.jit(graph_mix)(g, gx, 0.85)
    np.testing.assert_allclose(agg, a, rtol=1e-12)
    finite = np.isfinite(m)
    np.testing.assert_allclose(out[finite], (m - a)[finite], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s, (a * gx).sum(), rtol=1e-12)


@pytest.mark.plan
@pytest.mark.parametrize("which", ["dense", "sparse"])
def test_prologue_matches_numpy_and_writes_no_values_array(data, which):
    if which == "dense":
        g, x, w, src, dst = data["g"], data["gx"], data["w"], data["src"], data["dst"]
    else:
        g, src, dst, x, w = data["sparse"]
    f = ff.jit(gathers_of_producers)
    a, b, c, d = f(g, x, w)
    n = g.num_nodes
    np.testing.assert_allclose(a, np.bincount(dst, weights=(0.5 * x + 0.25)[src], minlength=n), rtol=1e-12)
    want_b = np.full(n, -np.inf)
    np.maximum.at(want_b, src, np.abs(x - 0.5)[dst])
    np.testing.assert_array_equal(b, want_b)
    # Weights are in user edge order: w[i] belongs to edge src[i] -> dst[i].
    v = np.where(x > 0.3, x, -x)
    sw = np.bincount(dst, weights=w * v[src], minlength=n)
    tw = np.bincount(dst, weights=w, minlength=n)
    has = np.bincount(dst, minlength=n) > 0
    np.testing.assert_allclose(c[has], (sw / np.where(tw > 0, tw, 1))[has], rtol=1e-10)
    assert np.all(c[~has] == 0)
    want_d = np.full(n, np.inf)
    np.minimum.at(want_d, dst, (np.minimum(x, 0.6) * 2.0)[src])
    np.testing.assert_array_equal(d, want_d)
    plan = f.ir(g, x, w, optimized=True)
    assert plan.count("per edge") == 4, plan
    # No node-length kernel runs before the gathers. On the sparse graph the prologue runs per edge
    # (the step counts n + E for the gather plus E prologue evaluations) and no values array is
    # written; on the dense one the step makes the values once per node (n more).
    steps = f.profile(g, x, w).steps
    assert not [s for s in steps if s["kind"] == "kernel" and s["elements"] > s["calls"]]
    n, m = g.num_nodes, g.num_edges
    extra = m if which == "sparse" else n
    assert [s["elements"] for s in steps if s["kind"] == "neighbor_agg"] == [n + m + extra] * 4


def kernel_steps(prof):
    return [s for s in prof.steps if s["kind"] == "kernel" and s["elements"] > s["calls"]]


@pytest.mark.plan
def test_where_is_one_kernel_and_many_without_fusion(data, monkeypatch):
    x, y = data["x"], data["y"]
    fused = ff.jit(where_expr)
    assert "fused {" in fused.ir(x, y, optimized=True)
    assert len(kernel_steps(fused.profile(x, y))) == 1
    monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "elementwise_fusion")
    plain = ff.jit(where_expr)
    assert "fused {" not in plain.ir(x, y, optimized=True)
    assert len(kernel_steps(plain.profile(x, y))) >= 8  # one full-size pass per op


@pytest.mark.plan
def test_reductions_accumulate_in_the_producing_pass(data, monkeypatch):
    x, y = data["x"], data["y"]
    # sum(abs(z)) and max(z*y) ride along with z*y: 4 passes over the elements in all
    # (mean(x); c and mean(c*c); z*y with its sum/max; dot(x, y) shares the first pass).
    steps = kernel_steps(ff.jit(standardize).profile(x, y))
    monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "reduction_fusion")
    unfused = kernel_steps(ff.jit(standardize).profile(x, y))
    assert len(steps) <= 3 and len(unfused) >= len(steps) + 3


@pytest.mark.plan
def test_pagerank_loop_is_one_gather_with_its_epilogue(data, monkeypatch):
    g = data["g"]
    pr = ff.jit(examples.pagerank.__wrapped__)
    text = pr.ir(g, 0.85, 5, optimized=True)
    assert "fused_agg.sum.in" in text and "@%" in text  # the aggregate lives in the new ranks' buffer
    body = [s for s in pr.profile(g, 0.85, 5).steps if s["depth"] == 1]
    assert [s["kind"] for s in body if s["elements"] > s["calls"]] == ["neighbor_agg"]
    monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "neighbor_fusion")
    body = [s for s in ff.jit(examples.pagerank.__wrapped__).profile(g, 0.85, 5).steps if s["depth"] == 1]
    assert sorted(s["kind"] for s in body if s["elements"] > s["calls"]) == ["kernel", "neighbor_agg"]


@pytest.mark.plan
def test_memory_planning_shares_buffers_of_dead_arrays(data):
    g, gx = data["g"], data["gx"]

    def chain(g, x):
        a = ff.neighbor_agg(g, x, "sum")
        b = ff.neighbor_agg(g, a, "sum")
        c = ff.neighbor_agg(g, b, "sum")
        return ff.neighbor_agg(g, c, "max")

    f = ff.jit(chain)
    assert "@%" in f.ir(g, gx, optimized=True)
    n = g.num_nodes
    a = np.bincount(data["dst"], weights=gx[data["src"]], minlength=n)
    b = np.bincount(data["dst"], weights=a[data["src"]], minlength=n)
    c = np.bincount(data["dst"], weights=b[data["src"]], minlength=n)
    want = np.full(n, -np.inf)
    np.maximum.at(want, data["dst"], c[data["src"]])
    got = f(g, gx)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_array_equal(f(g, gx), got)  # repeated runs reuse the planned buffers


def test_unknown_pass_name_is_a_value_error(monkeypatch):
    monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "elementwise_fusoin")
    with pytest.raises(ValueError, match="elementwise_fusion"):
        ff.jit(where_expr)(np.ones(3), np.ones(3))
