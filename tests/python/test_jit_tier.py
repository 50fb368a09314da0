"""The compiled tier in the executor: every mode gives the interpreter's results bit for bit,
f.explain() says which tier ran each fused kernel and why, and the mode is validated."""

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import examples, jit_cache


@pytest.fixture
def mode():
    """Sets the compiled tier's mode inside a test; restores the one the suite runs under."""
    previous = jit_cache.mode()
    yield jit_cache.set_mode
    jit_cache.set_mode(previous)


def _bits(a):
    a = np.asarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def _under_each_mode(set_mode, f, *args):
    """f(*args) in mode off (the interpreter), prejit and native (a native miss interprets until its
    kernel is loaded, so native equals one of the others)."""
    out = {}
    for m in ("off", "prejit", "native"):
        set_mode(m)
        r = f(*args)
        out[m] = r if isinstance(r, tuple) else (r,)
    return out


def _assert_same_bits(out):
    for m in ("prejit", "native"):
        for a, b in zip(out["off"], out[m]):
            np.testing.assert_array_equal(_bits(a), _bits(b), err_msg=f"mode {m} differs from the interpreter")


@ff.jit
def where_expr(x, y):
    return ff.where(x > 0, x * y + 2.5 * x - y / 3, ff.exp(-x) * y)


def _special(dtype, n, rng):
    x = rng.standard_normal(n).astype(dtype)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e-310, 700.0, -745.0], dtype=dtype)
    x[: min(n, len(specials))] = specials[: min(n, len(specials))]
    return x


# Lengths around the vector width, the 256-element block and the parallel threshold (256K).
@pytest.mark.parametrize("n", [1, 3, 8, 255, 256, 257, 1000, 300_001])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_where_expression_same_bits_in_every_mode(mode, rng, n, dtype):
    x, y = _special(dtype, n, rng), rng.standard_normal(n).astype(dtype)
    out = _under_each_mode(mode, where_expr, x, y)
    _assert_same_bits(out)
    with np.errstate(all="ignore"):
        want = np.where(x > 0, x * y + dtype(2.5) * x - y / dtype(3), np.exp(-x) * y)
    np.testing.assert_allclose(out["prejit"][0], want, rtol=1e-13 if dtype == np.float64 else 2e-6, equal_nan=True)


def test_black_scholes_same_bits_and_matches_scipy(mode, rng):
    from scipy.stats import norm

    n = 10_001
    s, k = rng.uniform(50, 150, n), rng.uniform(50, 150, n)
    t = rng.uniform(0.05, 2.0, n)
    out = _under_each_mode(mode, examples.bs_call, s, k, t, 0.03, 0.25)
    _assert_same_bits(out)
    sq = 0.25 * np.sqrt(t)
    d1 = (np.log(s / k) + (0.03 + 0.5 * 0.25**2) * t) / sq
    want = s * norm.cdf(d1) - k * np.exp(-0.03 * t) * norm.cdf(d1 - sq)
    np.testing.assert_allclose(out["prejit"][0], want, rtol=1e-11, atol=1e-11)


@ff.jit
def standardise_loop(x, mu, sigma):
    # A loop whose body is one fused kernel updating its carry in place (output buffer = input).
    return ff.fori_loop(5, lambda v: (v - mu) * sigma, x)


def test_in_place_loop_carry_same_bits(mode, rng):
    x = rng.standard_normal(5000)
    out = _under_each_mode(mode, standardise_loop, x, 0.25, 1.5)
    _assert_same_bits(out)
    want = x.copy()
    for _ in range(5):
        want = (want - 0.25) * 1.5
    np.testing.assert_allclose(out["off"][0], want, rtol=1e-14)


@ff.jit
def two_outputs(x, y):
    return x * y + x, ff.log(x / y)


def test_multiple_outputs_same_bits(mode, rng):
    x, y = rng.uniform(0.1, 3, 777), rng.uniform(0.1, 3, 777)
    out = _under_each_mode(mode, two_outputs, x, y)
    _assert_same_bits(out)
    np.testing.assert_allclose(out["prejit"][0], x * y + x, rtol=1e-15)
    np.testing.assert_allclose(out["prejit"][1], np.log(x / y), rtol=1e-14, atol=1e-15)


def test_pagerank_same_bits_in_every_mode(mode):
    src, dst = ff.generators.rmat(9, seed=3)
    g = ff.Graph.from_edges(src, dst, num_nodes=512)
    out = _under_each_mode(mode, examples.pagerank, g)
    _assert_same_bits(out)
    assert abs(out["prejit"][0].sum() - 1.0) < 1e-12


def test_explain_names_the_tier_of_each_kernel(mode, rng):
    x, y = rng.standard_normal(100), rng.standard_normal(100)
    mode("prejit")
    e = where_expr.explain(x, y)
    assert e.mode == "prejit"
    [k] = [k for k in e.kernels if "where" in k.label]
    assert k.tier == "prejit" and k.detail.startswith("prejit:f64|") and "where(" in k.detail
    assert "prejit:f64|" in str(e)
    mode("off")
    [k] = [k for k in where_expr.explain(x, y).kernels if "where" in k.label]
    assert k.tier == "interp" and "off" in k.detail


@ff.jit
def not_in_template(x):
    return ff.sum(x * 2.0) + 1.0, x.astype(np.int64) + 1


def test_explain_says_why_a_kernel_interprets(mode, rng):
    mode("prejit")
    x = rng.standard_normal(50)
    kernels = not_in_template.explain(x).kernels
    assert kernels and all(k.tier == "interp" for k in kernels)
    assert all(k.detail.startswith("interp: ") for k in kernels)
    assert any("outside the compiled tier" in k.detail for k in kernels)
    r, i = not_in_template(x)
    np.testing.assert_allclose(r, np.sum(x * 2.0) + 1.0, rtol=1e-13)
    np.testing.assert_array_equal(i, x.astype(np.int64) + 1)


def test_explain_of_a_graph_program_covers_loop_bodies(mode):
    mode("prejit")
    src, dst = ff.generators.rmat(6, seed=1)
    g = ff.Graph.from_edges(src, dst, num_nodes=64)
    e = examples.pagerank.explain(g)
    assert any(k.where.startswith("loop body") for k in e.kernels)
    assert any("epilogue of" in k.where for k in e.kernels)


def test_set_mode_validates_and_returns_the_previous_mode(mode):
    mode("prejit")
    assert jit_cache.set_mode("off") == "prejit"
    assert jit_cache.mode() == "off"
    assert jit_cache.set_mode("on") == "off"
    assert jit_cache.mode() == "native"
    with pytest.raises(ValueError, match="mode.*'off', 'prejit', 'native'"):
        jit_cache.set_mode("fast")
    with pytest.raises(TypeError, match="mode must be a str"):
        jit_cache.set_mode(1)
    assert jit_cache.mode() == "native"
