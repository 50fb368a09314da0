"""Golden plans of the row programs built on axis reductions (softmax, log-softmax, layer-norm):
which steps the optimizer makes of them, and that turning every pass off changes no bit.

Today's plan (pinned here so a change is seen): each trailing-axis reduction is its own
axis_reduce step; the elementwise neighbours between them fuse into one kernel each (the
broadcast of the (B, 1) statistic is read with stride 0, never materialised); the last kernel
writes into the exp kernel's dead buffer (memory planning: `@%2`). The whole chain is one
row_blocks group (listed first, its steps after it): it runs block of rows by block of rows, each
block through every step while in cache (tests/python/test_row_blocks.py)."""

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import reductions as R


def softmax(a):
    return R.softmax(a, axis=-1)


def log_softmax(a):
    return a - R.logsumexp(a, axis=-1, keepdims=True)


def layer_norm(a):
    mu = R.mean(a, axis=-1, keepdims=True)
    c = a - mu
    return c / ff.sqrt(R.mean(c * c, axis=-1, keepdims=True) + 1e-5)


def rms_norm(a):
    return a / ff.sqrt(R.mean(a * a, axis=-1, keepdims=True) + 1e-6)


GOLDEN = {
    softmax: [
        ("row_blocks", "row_blocks(4 steps)"),
        ("axis_reduce", "reduce_axes.max.a1.keep"),
        ("kernel", "fused[broadcast_to, sub, exp]"),
        ("axis_reduce", "reduce_axes.sum.a1.keep"),
        ("kernel", "fused[broadcast_to, div]"),
    ],
    log_softmax: [
        ("row_blocks", "row_blocks(6 steps)"),
        ("axis_reduce", "reduce_axes.max.a1.keep"),
        ("kernel", "fused[sub, eq, where]"),  # the finite-max shift, on the (B, 1) column only
        ("kernel", "fused[broadcast_to, sub, exp]"),
        ("axis_reduce", "reduce_axes.sum.a1.keep"),
        ("kernel", "fused[log, add]"),
        ("kernel", "fused[broadcast_to, sub]"),
    ],
    layer_norm: [
        ("row_blocks", "row_blocks(5 steps)"),
        ("axis_reduce", "reduce_axes.mean.a1.keep"),
        ("kernel", "fused[broadcast_to, sub]"),
        ("axis_reduce", "reduce_axes.mean.a1.keep.sq"),  # mean(c * c) squares as it sums: c * c is never written
        ("kernel", "fused[add, sqrt]"),
        ("kernel", "fused[broadcast_to, div]"),
    ],
    rms_norm: [
        ("row_blocks", "row_blocks(3 steps)"),
        ("axis_reduce", "reduce_axes.mean.a1.keep.sq"),
        ("kernel", "fused[add, sqrt]"),
        ("kernel", "fused[broadcast_to, div]"),
    ],
}


def _x(dtype=np.float32):
    return np.random.default_rng(7).standard_normal((16, 40)).astype(dtype)


def _reference(fn, x):
    x64 = x.astype(np.float64)
    if fn is softmax:
        e = np.exp(x64 - x64.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    if fn is log_softmax:
        m = x64.max(-1, keepdims=True)
        return x64 - (np.log(np.exp(x64 - m).sum(-1, keepdims=True)) + m)
    if fn is rms_norm:
        return x64 / np.sqrt((x64 * x64).mean(-1, keepdims=True) + 1e-6)
    c = x64 - x64.mean(-1, keepdims=True)
    return c / np.sqrt((c * c).mean(-1, keepdims=True) + 1e-5)


@pytest.mark.plan
@pytest.mark.parametrize("fn", list(GOLDEN), ids=lambda f: f.__name__)
def test_row_program_plan_is_golden(fn):
    x = _x()
    f = ff.jit(fn)
    prof = f.profile(x)
    assert [(s["kind"], s["label"]) for s in prof.steps] == GOLDEN[fn]
    # No full-size temporary besides the exp/centred kernel's buffer: the last pass reuses it.
    text = f.ir(x, optimized=True)
    if fn in (layer_norm, rms_norm):  # the squares live only inside the reduction
        assert " = mul " not in text and ".sq " in text
    assert text.count("fused {") == sum(k == "kernel" for k, _ in GOLDEN[fn])
    assert "row_blocks(" in text
    np.testing.assert_allclose(prof.outputs, _reference(fn, x), rtol=2e-6, atol=1e-6)


@pytest.mark.plan
def test_reduction_along_the_fused_axis_is_not_folded_into_the_cluster():
    # Must-not-fire: the row max feeds the same elementwise cluster that reads x; it cannot join
    # that cluster (every element of the row is needed before the first output), so it stays a
    # step of its own ahead of the one fused kernel.
    x = _x()
    f = ff.jit(lambda a: ff.exp(a - R.max(a, axis=-1, keepdims=True)) * a)
    kinds = [(s["kind"], s["label"]) for s in f.profile(x).steps]
    assert kinds == [("row_blocks", "row_blocks(2 steps)"), ("axis_reduce", "reduce_axes.max.a1.keep"),
                     ("kernel", "fused[broadcast_to, sub, exp, mul]")]


SQUARING_CASES = [((16, 40), 0), ((16, 40), None), ((3, 5, 7), (0, 2)), ((3, 5, 7), (1, 2)), ((2, 300), -1),
                  ((0, 4), 1), ((4, 0), 1)]


def _sum_of_squares(kind, axis):
    red = getattr(R, kind)

    def fn(a):
        c = a - 0.5
        return red(c * c, axis=axis, keepdims=True)
    return fn


@pytest.mark.plan
@pytest.mark.parametrize("shape, axis", SQUARING_CASES)
@pytest.mark.parametrize("kind", ["sum", "mean"])
def test_square_folds_into_the_axis_reduction(kind, shape, axis):
    text = ff.jit(_sum_of_squares(kind, axis)).ir(np.ones(shape, np.float32), optimized=True)
    assert f"reduce_axes.{kind}." in text and ".sq " in text and " = mul " not in text


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axis", SQUARING_CASES)
@pytest.mark.parametrize("kind", ["sum", "mean"])
def test_squaring_reductions_equal_the_product_reduced(kind, shape, axis, dtype, monkeypatch):
    # sum/mean(c * c) folds into a squaring reduction on every layout the axis step has: leading
    # axes (the column tiles), all axes, split axes (the strided walk), a long contiguous line (the
    # paired SIMD sums) and empty lines. Squares round in the operand's dtype either way.
    rng = np.random.default_rng(11)
    x = (rng.standard_normal(shape) * 1e3).astype(dtype)
    if x.size:
        x.flat[min(5, x.size - 1)] = np.nan
    fn = _sum_of_squares(kind, axis)
    with np.errstate(all="ignore"):
        fused = np.asarray(ff.jit(fn)(x))
        monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "all")
        plain = np.asarray(ff.jit(fn)(x))
        c = x - dtype(0.5)
        expected = getattr(np, kind)((c * c).astype(np.float64), axis=axis, keepdims=True)
    np.testing.assert_array_equal(fused, plain)
    assert fused.shape == expected.shape
    np.testing.assert_allclose(fused, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", list(GOLDEN), ids=lambda f: f.__name__)
def test_every_pass_off_changes_no_bit(fn, dtype, monkeypatch):
    x = _x(dtype)
    x[3, 5] = np.nan  # a NaN row and an inf row take the special paths
    x[4, :] = -np.inf
    x[5, 7] = np.inf
    with np.errstate(all="ignore"):
        fused = np.asarray(ff.jit(fn)(x))
        monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "all")
        plain = np.asarray(ff.jit(fn)(x))
    assert fused.dtype == plain.dtype == dtype
    np.testing.assert_array_equal(fused, plain)
