"""The compiled tier in the executor: every mode gives the interpreter's results bit for bit,
f.explain() says which tier ran each fused kernel and why, and the mode is validated."""

import numpy as np
import scipy.sparse as sp
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
    """f(*args) in mode off (the interpreter) and prejit. (Mode native compiles into the user's
    cache folder: test_native_tier_swaps_in_a_compiled_kernel runs it in a subprocess with its own.)"""
    out = {}
    for m in ("off", "prejit"):
        set_mode(m)
        r = f(*args)
        out[m] = r if isinstance(r, tuple) else (r,)
    return out


def _assert_same_bits(out):
    for m in ("prejit",):
        for a, b in zip(out["off"], out[m]):
            np.testing.assert_array_equal(_bits(a), _bits(b), err_msg=f"mode {m} differs from the interpreter")


@ff.jit
def where_expr(x, y):
    return ff.where(x > 0, x * y + 2.5 * x - y / 3, ff.exp(-x) * y)


def _special(dtype, n, rng):
    x = rng.standard_normal(n).astype(dtype)
    tiny = -np.finfo(dtype).smallest_subnormal
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, np.finfo(dtype).max, tiny, 700.0, -745.0], dtype=dtype)
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


@pytest.mark.parametrize("per_option_sigma", [False, True])
def test_black_scholes_same_bits_and_matches_scipy(mode, rng, per_option_sigma):
    from scipy.stats import norm

    n = 10_001
    s, k = rng.uniform(50, 150, n), rng.uniform(50, 150, n)
    t = rng.uniform(0.05, 2.0, n)
    sigma = rng.uniform(0.05, 0.9, n) if per_option_sigma else 0.25
    out = _under_each_mode(mode, examples.bs_call, s, k, t, 0.03, sigma)
    _assert_same_bits(out)
    sq = sigma * np.sqrt(t)
    d1 = (np.log(s / k) + (0.03 + 0.5 * sigma**2) * t) / sq
    want = s * norm.cdf(d1) - k * np.exp(-0.03 * t) * norm.cdf(d1 - sq)
    np.testing.assert_allclose(out["prejit"][0], want, rtol=1e-11, atol=1e-11)


@pytest.mark.plan  # one fused kernel per price needs the fusion passes
@pytest.mark.parametrize("per_option_sigma", [False, True])
def test_black_scholes_runs_prejit_with_scalar_or_per_option_sigma(mode, rng, per_option_sigma):
    # A book of options has a volatility per option: that form must not fall back to the interpreter.
    n = 1000
    s, k, t = rng.uniform(50, 150, n), rng.uniform(50, 150, n), rng.uniform(0.05, 2.0, n)
    sigma = rng.uniform(0.05, 0.9, n) if per_option_sigma else 0.25
    mode("prejit")
    [kernel] = [k for k in examples.bs_call.explain(s, k, t, 0.03, sigma).kernels if "norm_cdf" in k.label]
    assert kernel.tier == "prejit", kernel.detail


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


@pytest.mark.plan  # which kernels exist depends on the fusion passes
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
    # pow is outside the template and abs alone has no prejit shape, fused or not (the run with
    # every pass disabled makes each op a kernel of its own).
    return ff.sum(ff.abs(x) ** 3.5) + 1.0, x.astype(np.int64) + 1


def test_explain_says_why_a_kernel_interprets(mode, rng):
    mode("prejit")
    x = rng.standard_normal(50)
    kernels = not_in_template.explain(x).kernels
    assert kernels and all(k.tier == "interp" for k in kernels)
    assert all(k.detail.startswith("interp: ") for k in kernels)
    assert any("outside the compiled tier" in k.detail for k in kernels)
    r, i = not_in_template(x)
    np.testing.assert_allclose(r, np.sum(np.abs(x) ** 3.5) + 1.0, rtol=1e-13)
    np.testing.assert_array_equal(i, x.astype(np.int64) + 1)


@pytest.mark.plan  # which kernels exist depends on the fusion passes
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


@pytest.mark.plan  # which kernels exist depends on the fusion passes
def test_pagerank_epilogue_runs_prejit(mode):
    # The DSL PageRank's epilogue reads a bool array (dangling nodes) and sums the sink mass.
    mode("prejit")
    src, dst = ff.generators.rmat(6, seed=1)
    g = ff.Graph.from_edges(src, dst, num_nodes=64)
    [k] = [k for k in examples.pagerank.explain(g).kernels if "epilogue of" in k.where]
    assert k.tier == "prejit", k.detail
    assert " b1 " in k.detail and "sum(" in k.detail


@ff.jit
def masked_sum(x, m):
    return ff.sum(ff.where(m, x, 0.0))


@ff.jit
def mean_square(x):
    return ff.mean(x * x)


@pytest.mark.parametrize("n", [1, 5, 17, 256, 1000, 300_007])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bool_inputs_and_sums_same_bits(mode, rng, n, dtype):
    # Masks read from a bool array and per-block partial sums in the interpreter's 16-accumulator
    # order, with lengths that leave every tail (n % 16) and the parallel path (n >= 256K).
    x, m = rng.standard_normal(n).astype(dtype), rng.random(n) < 0.4
    out = _under_each_mode(mode, masked_sum, x, m)
    _assert_same_bits(out)
    np.testing.assert_allclose(out["off"][0], np.sum(np.where(m, x, 0.0).astype(np.float64)), rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-4 if dtype == np.float32 else 1e-12)
    out = _under_each_mode(mode, mean_square, x)
    _assert_same_bits(out)
    np.testing.assert_allclose(out["off"][0], np.mean(x.astype(np.float64) ** 2), rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.plan  # one fused kernel each only when the fusion passes run
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_masked_sum_and_mean_square_run_prejit(mode, rng, dtype):
    x = rng.standard_normal(1000).astype(dtype)
    mode("prejit")
    assert [k.tier for k in masked_sum.explain(x, x > 0).kernels] == ["prejit"]
    assert [k.tier for k in mean_square.explain(x).kernels] == ["prejit"]


@ff.jit
def row_softmax(x):
    e = ff.exp(x - ff.max(x, axis=1, keepdims=True))
    return e / ff.sum(e, axis=1, keepdims=True)


@ff.jit
def layer_norm(x):
    c = x - ff.mean(x, axis=1, keepdims=True)
    return c / ff.sqrt(ff.mean(c * c, axis=1, keepdims=True) + 1e-5)


@ff.jit
def norm_affine(x, mu, inv_sigma, gamma, beta):
    return (x - mu) * inv_sigma * gamma + beta


def _rows(rng, shape, dtype):
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    x.flat[:: 97] = np.array([np.inf, -np.inf, -0.0, 30.0, -80.0], dtype)[np.arange(x.flat[:: 97].size) % 5]
    return x


@pytest.mark.parametrize("shape", [(1, 5), (7, 300), (64, 256), (3, 1000), (600, 129), (5, 3000), (2, 4500),
                                   (300, 1024), (256, 64), (512, 32), (1000, 17), (333, 100), (4096, 16)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_steps_reading_broadcasts_same_bits(mode, rng, shape, dtype):
    # The row statistic broadcast along each row is read by the compiled kernels per block, in
    # place or gathered when a block crosses rows ((7, 300), (600, 129)); rows of a block or more
    # go to the compiled kernel a row segment per call ((3, 1000); rows longer than a segment
    # (2, 4500); rows cut by a thread's chunk (5, 3000); many chunks on two threads (300, 1024));
    # rows shorter than a block, also row by row through the compiled row variant, whole or cut
    # by a block or chunk boundary ((256, 64), (512, 32), (1000, 17), (333, 100), (4096, 16));
    # infinities and overflowing exponentials included.
    x = _rows(rng, shape, dtype)
    with np.errstate(all="ignore"):
        for f in (row_softmax, layer_norm):
            _assert_same_bits(_under_each_mode(mode, f, x))
        mu = x.mean(axis=1, keepdims=True)
        inv_sigma = (1 / (x.std(axis=1, keepdims=True) + 1)).astype(dtype)
        gamma, beta = rng.standard_normal(shape[1]).astype(dtype), rng.standard_normal((1, shape[1])).astype(dtype)
        out = _under_each_mode(mode, norm_affine, x, mu, inv_sigma, gamma, beta)
        _assert_same_bits(out)
        np.testing.assert_array_equal(out["prejit"][0], (x - mu) * inv_sigma * gamma + beta)
        finite = _rows(rng, shape, dtype)
        finite[~np.isfinite(finite)] = 1.0
        e = np.exp(finite - finite.max(axis=1, keepdims=True))
        np.testing.assert_allclose(row_softmax(finite), e / e.sum(axis=1, keepdims=True),
                                   rtol=1e-5 if dtype == np.float32 else 1e-13, atol=1e-7 if dtype == np.float32 else 1e-16)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_division_by_a_scalar_same_bits_and_prejit(mode, rng, dtype):
    # x / s is a prejit shape of its own; every bit pattern class: NaN, infinities, zeros of both
    # signs, subnormals, the largest finite values, against divisors of the same classes.
    f = ff.jit(lambda x, s: x / s)
    bits = np.uint32 if dtype == np.float32 else np.uint64
    x = rng.integers(0, np.iinfo(bits).max, 5000, dtype=bits, endpoint=True).view(dtype)
    x[:9] = _special(dtype, 9, rng)
    with np.errstate(all="ignore"):
        for s in list(_special(dtype, 9, rng)) + list(rng.standard_normal(5).astype(dtype)):
            s = dtype(s)
            out = _under_each_mode(mode, f, x, s)
            _assert_same_bits(out)
            want = x / s
            same = (_bits(out["prejit"][0]) == _bits(want)) | (np.isnan(want) & np.isnan(out["prejit"][0]))
            assert same.all(), s
    mode("prejit")
    assert [k.tier for k in f.explain(x, dtype(3)).kernels] == ["prejit"]


_ONE_OPS = {
    "x + y": lambda x, y: x + y, "x - y": lambda x, y: x - y, "x * y": lambda x, y: x * y,
    "x / y": lambda x, y: x / y, "x + 2.5": lambda x, y: x + 2.5, "x - 2.5": lambda x, y: x - 2.5,
    "x * -0.5": lambda x, y: x * -0.5, "x / 3": lambda x, y: x / 3.0, "2.5 - x": lambda x, y: 2.5 - x,
    "1 / x": lambda x, y: 1.0 / x, "3 * x": lambda x, y: 3.0 * x, "0.5 + x": lambda x, y: 0.5 + x,
}


@pytest.mark.parametrize("op", list(_ONE_OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_binary_op_same_bits_in_every_mode(mode, rng, op, dtype):
    # A lone arithmetic op at lengths in the small-call path (<= 4,096) and beyond it, where a
    # kernel without registers runs its whole range in one call.
    f = ff.jit(_ONE_OPS[op])
    for n in (1, 255, 4096, 10_001):
        x, y = _special(dtype, n, rng), rng.standard_normal(n).astype(dtype)
        with np.errstate(all="ignore"):
            _assert_same_bits(_under_each_mode(mode, f, x, y))


@pytest.mark.parametrize("n", [4097, 10_001, 300_001])
def test_lone_ops_over_many_blocks_match_numpy(mode, rng, n):
    # A kernel without registers runs its range in one interpreter call (the executor's general
    # path, beyond the small-call limit, also per thread chunk from 256K): every dtype, a compare
    # writing bools, a cast, and an integer power that must still raise.
    x32 = rng.integers(-1000, 1000, n, dtype=np.int32)
    y32 = rng.integers(-1000, 1000, n, dtype=np.int32)
    x64, y64 = x32.astype(np.int64), y32.astype(np.int64)
    cases = [
        (lambda a, b: a + b, (x32, y32)), (lambda a, b: a * b, (x64, y64)), (lambda a, b: a < b, (x64, y32)),
        (lambda a, b: a - b, (x32.astype(np.float32), y32.astype(np.float32))), (lambda a, b: a & b, (x64 > 0, y64 > 0)),
        (lambda a, b: a + b, (x32, y64)),
    ]
    for m in ("off", "prejit"):
        mode(m)
        for f, args in cases:
            got = ff.jit(f)(*args)
            want = f(*args)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
        with pytest.raises(ValueError, match="negative integer powers"):
            ff.jit(lambda a, b: a ** b)(np.abs(x64), y64)


@pytest.mark.plan  # the row steps exist as such only when the fusion passes run
def test_softmax_layer_norm_and_affine_rows_run_prejit(mode, rng):
    x = rng.standard_normal((64, 256)).astype(np.float32)
    mode("prejit")
    assert [k.tier for k in row_softmax.explain(x).kernels] == ["prejit", "prejit"]
    # Centring, the (rows, 1) add + sqrt of the deviation, the division (the squares are summed
    # inside the axis mean: reduce_axes.mean.sq).
    assert [k.tier for k in layer_norm.explain(x).kernels] == ["prejit", "prejit", "prejit"]
    mu, g = x.mean(axis=1, keepdims=True), x[0]
    assert [k.tier for k in norm_affine.explain(x, mu, mu, g, g).kernels] == ["prejit"]
    # Row segments bind the (rows, 1) statistic as a scalar: a prejit kernel of that shape too.
    for f, args in ((row_softmax, (x,)), (layer_norm, (x,)), (norm_affine, (x, mu, mu, g, g))):
        details = [k.detail for k in f.explain(*args).kernels]
        assert sum("(row segments: prejit:f32|s" in d for d in details) == (1 if f is norm_affine else 2), details


@ff.jit
def gather_scaled(g, x):
    return ff.neighbor_agg(g, 0.5 * x + 0.25, "sum")


@pytest.mark.parametrize("edge_factor", [1, 16])
def test_per_edge_prologue_same_bits(mode, rng, edge_factor):
    # The prologue of a fused_agg (values made per gathered edge on sparse graphs, per node on
    # dense ones) is a block kernel like any other: compiled when its shape is.
    src, dst = ff.generators.rmat(10, edge_factor, seed=2)
    g = ff.Graph.from_edges(src, dst, num_nodes=1024)
    x = rng.standard_normal(1024)
    out = _under_each_mode(mode, gather_scaled, g, x)
    _assert_same_bits(out)
    want = np.zeros(1024)
    np.add.at(want, dst, 0.5 * x[src] + 0.25)
    np.testing.assert_allclose(out["prejit"][0], want, rtol=1e-12, atol=1e-12)


@pytest.mark.plan  # the prologue exists only when neighbor_fusion runs
def test_per_edge_prologue_explained_as_prejit(mode, rng):
    src, dst = ff.generators.rmat(10, 1, seed=2)
    g = ff.Graph.from_edges(src, dst, num_nodes=1024)
    mode("prejit")
    [k] = gather_scaled.explain(g, rng.standard_normal(1024)).kernels
    assert k.tier == "prejit" and "prologue" in k.where, k


_NATIVE_SCRIPT = r"""
import sys, time
import numpy as np
import scipy.sparse as sp
import fuseflow as ff
from fuseflow import jit_cache

@ff.jit
def f(x, m, y):
    return ff.sum(ff.where(m, ff.tanh(x) * y, 0.0)), ff.log1p(ff.abs(x)) - y

rng = np.random.default_rng(5)
x, y, m = rng.standard_normal(4099), rng.standard_normal(4099), rng.random(4099) < 0.5
first = f(x, m, y)
deadline = time.time() + 240
while True:
    kernels = [k for k in f.explain(x, m, y).kernels if "tanh" in k.label]
    if kernels[0].tier == "native" or "failed" in kernels[0].detail or time.time() > deadline:
        break
    time.sleep(0.2)
print(kernels[0].detail)
native = f(x, m, y)
jit_cache.set_mode("off")
interp = f(x, m, y)
same = all(np.array_equal(np.asarray(a).view(np.uint64), np.asarray(b).view(np.uint64))
           for r in (first, native) for a, b in zip(r, interp))
print("SAME" if same else "DIFFERENT")
"""


def _run_native(script, tmp_path, timeout, **env):
    """Runs `script` in a child process in mode native with its own cache under tmp_path (skips
    when there is no compiler); returns the finished process, checked for a zero exit."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which(os.environ.get("CXX") or "c++") is None:
        pytest.skip("no C++ compiler: the native tier interprets (checked by the CXX=/nonexistent suite run)")
    env = dict(os.environ, FUSEFLOW_JIT="native", XDG_CACHE_HOME=str(tmp_path), **env)
    r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return r


def test_native_tier_swaps_in_a_compiled_kernel(tmp_path):
    r = _run_native(_NATIVE_SCRIPT, tmp_path, 300)
    detail, verdict = r.stdout.strip().splitlines()[-2:]
    assert verdict == "SAME"
    assert detail.startswith("native:f64|"), detail + r.stderr
    assert list((tmp_path / "fuseflow").rglob("*.so")), "the kernel is cached on disk"


# NaN rules of minimum/maximum/relu/clip in a natively compiled kernel. On AVX2/AVX-512 an
# ordered compare drops NaN; the template must use an explicit NaN test, like the interpreter.
_NATIVE_NAN_SCRIPT = r"""
import numpy as np
import scipy.sparse as sp
import fuseflow as ff
from fuseflow import jit_cache

a = np.array([1.0, 5.0, np.nan, -np.nan, 2.0, -0.0, 0.0] * 3)
b = np.array([3.0, 2.0, 0.0, np.nan, np.nan, 0.0, -0.0] * 3)
programs = [ff.jit(lambda x, y: ff.maximum(x, y)), ff.jit(lambda x, y: ff.minimum(x, y)),
            ff.jit(lambda x, y: ff.relu(x) * y), ff.jit(lambda x, y: ff.clip(x, 0.5, 4.0) - y)]
for f in programs:
    f(a, b)  # FUSEFLOW_JIT_WAIT: this call waits for every region's compiled kernel
    tiers = {k.tier for k in f.explain(a, b).kernels}
    # Every kernel compiled: native, or prejit for a lone op when the passes are disabled.
    detail = "native:f64" if "native" in tiers and tiers <= {"native", "prejit"} else "NOT NATIVE " + str(f.explain(a, b)).replace("\n", " / ")
    native = f(a, b)
    jit_cache.set_mode("off")
    interp = f(a, b)
    jit_cache.set_mode("native")
    # Bitwise (signed zeros included) except NaN payloads: which NaN operand x86 propagates
    # through a product depends on operand order, and NumPy leaves that unspecified too.
    nan = np.isnan(interp)
    same = np.array_equal(nan, np.isnan(native)) and np.array_equal(native[~nan].view(np.uint64), interp[~nan].view(np.uint64))
    print(detail.split("|")[0], "SAME" if same else "DIFFERENT %r %r" % (native, interp))
"""


def test_native_tier_keeps_nan_rules_of_min_max_relu_clip(tmp_path):
    r = _run_native(_NATIVE_NAN_SCRIPT, tmp_path, 600, FUSEFLOW_JIT_WAIT="240")
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 4, r.stdout + r.stderr
    for line in lines:
        assert line.startswith("native:f64") and line.endswith("SAME"), r.stdout + r.stderr


def test_not_equal_is_true_for_nan_under_every_tier():
    # NaN != NaN is True (NumPy, IEEE). The compiled template once used Highway's Ne, an ordered
    # compare on AVX2/AVX-512, and returned False there (found by the random-program test under
    # FUSEFLOW_JIT=native, which scripts/test_tiers.sh runs this file under too).
    x = np.zeros(100)
    x[[3, 50, 99]] = np.nan
    f = ff.jit(lambda a: ff.where(a != a, 1.0, 0.0))
    np.testing.assert_array_equal(np.asarray(f(x)), np.where(x != x, 1.0, 0.0))


def _sum_update(direction):
    # The PageRank update's shape over a plain neighbour sum: a prejit kernel computes the sum
    # inside the update's own loop (jit/region.h SumGather).
    return ff.jit(lambda g, x: 0.5 + 0.85 * (ff.neighbor_agg(g, x, "sum", direction, weights=False) + 0.25))


def _awkward_graph(n, rng, degree=10):
    """Nodes 0-9 without edges, self-loops, parallel edges; random otherwise."""
    src, dst = rng.integers(10, n, degree * n), rng.integers(10, n, degree * n)
    loops = np.arange(10, 60)
    src = np.concatenate([src, loops, src[:100]])
    dst = np.concatenate([dst, loops, dst[:100]])
    return ff.Graph.from_edges(src, dst, num_nodes=n), src, dst


# The executor gathers the sum in the epilogue's kernel when x exceeds 2 MiB (jit/hook.h
# kSumGatherMinBytes): 300K float64 / 600K float32 nodes do, the small graphs keep the pull loop.
@pytest.mark.parametrize("n", [70, 3000, "large"])
@pytest.mark.parametrize("direction", ["in", "out"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sum_gathered_in_the_epilogue_same_bits(mode, n, direction, dtype):
    if n == "large":
        n = (2 << 20) // np.dtype(dtype).itemsize + 40_000
    rng = np.random.default_rng(n)
    g, src, dst = _awkward_graph(n, rng, degree=10 if n < 10_000 else 3)
    x = rng.random(n).astype(dtype)
    out = _under_each_mode(mode, _sum_update(direction), g, x)
    _assert_same_bits(out)
    a = sp.coo_matrix((np.ones(len(src)), (dst, src)), shape=(n, n)).tocsr()  # row v: v's in-edges
    agg = (a if direction == "in" else a.T.tocsr()) @ x.astype(np.float64)
    assert out["prejit"][0].dtype == dtype
    np.testing.assert_allclose(out["prejit"][0], 0.5 + 0.85 * (agg + 0.25), rtol=2e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.plan  # the epilogue exists only when the aggregation and its consumer are fused
@pytest.mark.parametrize("direction", ["in", "out"])
def test_explain_says_the_sum_is_gathered_in_the_epilogue(mode, direction):
    g, _, _ = _awkward_graph(500, np.random.default_rng(2))
    x = np.random.default_rng(3).random(500)
    f = _sum_update(direction)
    mode("prejit")
    [k] = [k for k in f.explain(g, x).kernels if "epilogue of" in k.where]
    assert k.tier == "prejit" and "neighbour sum computed in its loop" in k.detail, k.detail
    [k] = [k for k in examples.pagerank.explain(g).kernels if "epilogue of" in k.where]
    assert "neighbour sum computed in its loop" in k.detail, k.detail
    mode("off")
    [k] = [k for k in f.explain(g, x).kernels if "epilogue of" in k.where]
    assert k.tier == "interp" and "neighbour sum" not in k.detail
