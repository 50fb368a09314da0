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
        ("kernel", "fused[broadcast_to, sub, mul]"),
        ("axis_reduce", "reduce_axes.mean.a1.keep"),
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
