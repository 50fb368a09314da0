"""Row-block groups: a chain of row-wise steps (elementwise kernels, reductions along trailing
axes) runs one block of rows at a time (exec/row_blocks.cpp). Each row is computed from that row
alone, so a row of a many-block run is the same bits as that row run on its own (one block, the
steps one after another on whole arrays); results also match NumPy in float64.

Blocks are ~128 KB of the widest row-shaped array: (300, 1000) float32 rows are 4 KB, so 32 rows
per block and 10 blocks. A group smaller than that but at least 48 KB still splits across the
threads ((64, 256) float32: two blocks of 32 rows on two threads)."""

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import reductions as R


def layer_norm(a):
    mu = R.mean(a, axis=-1, keepdims=True)
    c = a - mu
    return c / ff.sqrt(R.mean(c * c, axis=-1, keepdims=True) + 1e-5)


def softmax(a):
    return R.softmax(a, axis=-1)


def log_softmax(a):
    return a - R.logsumexp(a, axis=-1, keepdims=True)


def affine_norm(a, gamma, beta):
    # Whole operands beside the row ones: (D,) weights broadcast along every row.
    mu = R.mean(a, axis=-1, keepdims=True)
    c = a - mu
    return c / ff.sqrt(R.mean(c * c, axis=-1, keepdims=True) + 1e-5) * gamma + beta


def np_layer_norm(a):
    c = a - a.mean(-1, keepdims=True)
    return c / np.sqrt((c * c).mean(-1, keepdims=True) + 1e-5)


def _x(shape, dtype, seed=3):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _rows_alone(f, x, *rest):
    return np.concatenate([np.asarray(f(x[i : i + 1], *rest)) for i in range(x.shape[0])])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", [layer_norm, softmax, log_softmax], ids=lambda f: f.__name__)
def test_many_blocks_equal_each_row_alone_bitwise(fn, dtype):
    x = _x((300, 1000), dtype)
    x[7, 3] = np.nan
    x[8, :] = -np.inf
    x[299, 0] = np.inf
    f = ff.jit(fn)
    with np.errstate(all="ignore"):
        whole = np.asarray(f(x))
        alone = _rows_alone(f, x)
    assert whole.dtype == dtype
    np.testing.assert_array_equal(whole, alone)


@pytest.mark.parametrize("shape", [(64, 256), (63, 255), (3, 5000)])
@pytest.mark.parametrize("fn", [layer_norm, softmax], ids=lambda f: f.__name__)
def test_small_groups_split_across_threads_equal_one_thread_bitwise(fn, shape):
    """Groups of 48-128 KB run as one block per thread: the same bits as one thread (one block)."""
    x = _x(shape, np.float32)
    f = ff.jit(fn)
    old = ff.get_num_threads()
    try:
        ff.set_num_threads(1)
        one = np.asarray(f(x))
        ff.set_num_threads(2)
        two = np.asarray(f(x))
    finally:
        ff.set_num_threads(old)
    np.testing.assert_array_equal(two, one)
    np.testing.assert_array_equal(two, _rows_alone(f, x))
    want = np_layer_norm(x.astype(np.float64)) if fn is layer_norm else None
    if want is None:
        e = np.exp(x.astype(np.float64) - x.max(-1, keepdims=True))
        want = e / e.sum(-1, keepdims=True)
    np.testing.assert_allclose(two, want, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("threads", [1, 2])
def test_layer_norm_matches_numpy_at_each_thread_count(threads):
    x = _x((1000, 333), np.float64)  # 333 * 8 bytes a row: 49 rows a block, a short last block
    f = ff.jit(layer_norm)
    old = ff.get_num_threads()
    ff.set_num_threads(threads)
    try:
        got = np.asarray(f(x))
    finally:
        ff.set_num_threads(old)
    np.testing.assert_allclose(got, np_layer_norm(x), rtol=1e-12, atol=1e-13)


def test_whole_operands_are_read_whole_in_every_block():
    x = _x((257, 2048), np.float32)
    gamma, beta = _x((2048,), np.float32, 4), _x((2048,), np.float32, 5)
    f = ff.jit(affine_norm)
    got = np.asarray(f(x, gamma, beta))
    np.testing.assert_array_equal(got, _rows_alone(f, x, gamma, beta))
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(got, np_layer_norm(x64) * gamma + beta, rtol=2e-4, atol=2e-4)


def test_values_read_after_the_group_and_extra_outputs_are_whole():
    # The centred rows and the row means are outputs, and a cumsum (not row-wise: it ends the
    # group) reads the centred rows: each is copied out of the blocks whole.
    def f(a):
        mu = R.mean(a, axis=-1, keepdims=True)
        c = a - mu
        v = R.mean(c * c, axis=-1, keepdims=True)
        return c / ff.sqrt(v + 1e-5), mu, c, ff.cumsum(c, axis=1)

    x = _x((500, 700), np.float64)
    out, mu, c, cs = (np.asarray(v) for v in ff.jit(f)(x))
    ref_mu = x.mean(-1, keepdims=True)
    np.testing.assert_allclose(mu, ref_mu, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(c, x - ref_mu, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cs, np.cumsum(x - ref_mu, axis=1), rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(out, np_layer_norm(x), rtol=1e-12, atol=1e-13)
    assert mu.shape == (500, 1) and c.shape == cs.shape == out.shape == (500, 700)


@pytest.mark.plan
def test_layer_norm_is_one_row_block_group():
    x = _x((16, 40), np.float32)
    rows = ff.jit(layer_norm).profile(x).steps
    assert (rows[0]["kind"], rows[0]["label"]) == ("row_blocks", "row_blocks(5 steps)")
    assert [r["kind"] for r in rows[1:]] == ["axis_reduce", "kernel", "axis_reduce", "kernel", "kernel"]


def _np_softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


NP_REFERENCE = {layer_norm: np_layer_norm, softmax: _np_softmax,
                log_softmax: lambda a: a - np.log(np.exp(a - a.max(-1, keepdims=True)).sum(-1, keepdims=True))
                - a.max(-1, keepdims=True)}


@pytest.mark.parametrize("n", [128, 256, 600])
@pytest.mark.parametrize("fn", [layer_norm, softmax, log_softmax], ids=lambda f: f.__name__)
def test_square_arrays_rows_as_long_as_the_row_count(fn, n):
    # (n, n): one length symbol for both axes. A block of rows must not cut the columns to the
    # block's row count too (it raised "a block's value has not the block's rows").
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 2e-5)):
        x = _x((n, n), dtype)
        got = np.asarray(ff.jit(fn)(x))
        assert got.shape == (n, n)
        np.testing.assert_allclose(got, NP_REFERENCE[fn](x.astype(np.float64)), rtol=tol, atol=tol)


def test_row_of_weights_as_long_as_the_row_count():
    # (n, n) rows with (n,) weights, and (n, 2n) rows with an (n, 1) column: each operand keeps
    # its own length in every block.
    n = 384
    x = _x((n, n), np.float64)
    gamma, beta = _x((n,), np.float64, 4), _x((n,), np.float64, 5)
    np.testing.assert_allclose(np.asarray(ff.jit(affine_norm)(x, gamma, beta)), np_layer_norm(x) * gamma + beta,
                               rtol=1e-12, atol=1e-12)
    wide = _x((n, 2 * n), np.float64)
    scale = _x((n, 1), np.float64, 6)
    got = np.asarray(ff.jit(lambda a, s: softmax(a) * s)(wide, scale))
    np.testing.assert_allclose(got, _np_softmax(wide) * scale, rtol=1e-12, atol=1e-14)


NOT_ROW_WISE = {
    # along the rows: needs every row first
    "axis0": (lambda a: a - R.mean(a, axis=0, keepdims=True), lambda a: a - a.mean(axis=0, keepdims=True)),
    # a whole-array sum: every row first
    "whole": (lambda a: a / R.sum(a), lambda a: a / a.sum()),
    # no reduction: nothing to keep in cache between steps
    "elementwise": (lambda a: a * 2.0 + 1.0, lambda a: a * 2.0 + 1.0),
}


@pytest.mark.parametrize("case", list(NOT_ROW_WISE))
def test_not_row_wise_programs_are_not_grouped(case):
    fn, ref = NOT_ROW_WISE[case]
    x = _x((300, 1000), np.float64)
    f = ff.jit(fn)
    assert "row_blocks" not in {r["kind"] for r in f.profile(x).steps}
    np.testing.assert_allclose(np.asarray(f(x)), ref(x), rtol=1e-12, atol=1e-12)


def test_an_error_in_a_block_reaches_the_caller():
    # Integer rows: a cast of a too-large Python int raises in every block; the first error is
    # the call's and nothing is left half-written in the caller's view.
    def f(a):
        return a - R.max(a, axis=-1, keepdims=True) + 2**40

    x = np.arange(300 * 1000, dtype=np.int32).reshape(300, 1000)
    with pytest.raises(OverflowError):
        ff.jit(f)(x)
