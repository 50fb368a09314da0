"""Small repeated ff.jit calls of a one-kernel program run straight from the caller's arrays into
a fresh NumPy array (src/exec/direct_call.cpp via the native dispatcher). Each case is called
twice: the first call traces and remembers its layout, the second takes the direct path. Its
result must equal NumPy's and, bitwise, the general path's (Compiled.run); its errors must be the
general path's; calls it does not take must still be right."""

import os

import numpy as np
import pytest

import fuseflow as ff

SIZES = [1, 2, 255, 256, 257, 1024, 4095, 4096, 4097]
SMALL = 4096  # elements a kernel on the calling thread takes (exec/executor_small.h)
# Without the optimizer a chain is several kernels, which the direct path does not take: then only
# the agreement between has_direct_call and the path taken is checked.
PASSES_OFF = bool(os.environ.get("FUSEFLOW_DISABLE_PASSES"))


def _general(f, *args):
    """The same program run by Compiled.run (slots, run state, Values): the reference path."""
    compiled = f._compiled(f._get(args, {})[0])
    return compiled, compiled.run(list(args))[0]


def _check(f, args, want, *, direct=True, rtol=0.0):
    first = f(*args)
    second = f(*args)  # the remembered layout: the native dispatcher
    compiled, general = _general(f, *args)
    if not PASSES_OFF:
        assert compiled.has_direct_call is direct
    for got in (first, second):
        assert got.dtype == want.dtype and got.shape == want.shape
        if rtol == 0.0:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=rtol)
    # The direct path and the general path compute the same bits.
    assert second.tobytes() == general.tobytes()
    assert second.flags.writeable and second.flags.c_contiguous
    # The direct path's result is NumPy's own array (OWNDATA); the general path's wraps the
    # engine's buffer. So this tells which path the second call took.
    assert second.flags.owndata is (compiled.has_direct_call and 0 < second.size <= SMALL)
    for a in args:
        if isinstance(a, np.ndarray):
            assert not np.shares_memory(second, a)
    return second


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_add_and_chain_match_numpy_and_the_general_path(n, dtype):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 10).astype(dtype)
    y = (rng.standard_normal(n) * 10).astype(dtype)
    _check(ff.jit(lambda a, b: a + b), (x, y), x + y)
    _check(ff.jit(lambda a, b: (a + b) * a - b), (x, y), (x + y) * x - y)


@pytest.mark.parametrize("n", [1, 7, 1024, 4096])
def test_constants_scalars_and_where(n):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(n)
    x32 = x.astype(np.float32)
    _check(ff.jit(lambda a: a * 2.0 - 1.0), (x,), x * 2.0 - 1.0)
    # A Python float meets a float32 array: float32 arithmetic (NumPy 2's weak scalars).
    _check(ff.jit(lambda a, s: a * s + 0.5), (x32, 1.7), x32 * np.float32(1.7) + np.float32(0.5))
    _check(ff.jit(lambda a, s: ff.where(a > 0, a, s)), (x, -2.5), np.where(x > 0, x, -2.5))
    _check(ff.jit(lambda a, b: a > b), (x, x[::-1].copy()), x > x[::-1])
    _check(ff.jit(lambda a: ff.exp(a) / (1.0 + ff.exp(a))), (x,), np.exp(x) / (1.0 + np.exp(x)), rtol=1e-15)


def test_new_scalar_values_take_the_new_values():
    f = ff.jit(lambda a, s: a * s)
    x = np.arange(6.0)
    for s in (1.0, -2.5, 3.25):
        _check(f, (x, s), x * s)
    i = np.arange(5, dtype=np.int32)
    g = ff.jit(lambda a, k: a + k)
    for k in (1, -7, 2**31 - 10):
        _check(g, (i, k), i + np.int32(k))
    b = np.array([True, False, True])
    h = ff.jit(lambda a, t: a & t)
    for t in (True, False):
        _check(h, (b, t), b & t)


def test_bool_plus_bool_follows_numpy():
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    _check(ff.jit(lambda x, y: x + y), (a, b), a + b)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 5), (1, 1, 2, 3), (64, 64)])
def test_n_d_inputs_give_n_d_outputs(shape):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape)
    y = rng.standard_normal(shape)
    got = _check(ff.jit(lambda a, b: a * b + a), (x, y), x * y + x)
    assert got.shape == shape


def test_length_one_arrays_and_captured_values():
    x = np.array([2.5])
    y = np.array([-1.0])
    _check(ff.jit(lambda a, b: a * b + 1.0), (x, y), x * y + 1.0)
    weights = np.full(10, 3.0)  # a captured array is an input, read at every call

    @ff.jit
    def scaled(a):
        return a * weights

    z = np.arange(10.0)
    np.testing.assert_array_equal(scaled(z), z * 3.0)
    np.testing.assert_array_equal(scaled(z), z * 3.0)
    compiled = scaled._compiled(scaled._get((z,), {})[0])
    assert compiled.has_direct_call or PASSES_OFF
    weights = np.linspace(-1.0, 1.0, 10)  # rebound: the next call reads the new array
    np.testing.assert_array_equal(scaled(z), z * weights)


def test_keywords_and_defaults_take_the_direct_path_too():
    @ff.jit
    def axpy(x, y, a=2.0):
        return a * x + y

    x, y = np.arange(8.0), np.ones(8)
    for _ in range(2):
        np.testing.assert_array_equal(axpy(x, y), 2.0 * x + y)
        np.testing.assert_array_equal(axpy(y=y, x=x, a=-1.0), -x + y)
    assert axpy.trace_count == 1


def test_errors_on_the_direct_path_are_the_general_paths():
    base = np.full(5, 2, dtype=np.int64)
    exp = np.array([1, 2, 3, 0, -1], dtype=np.int64)
    f = ff.jit(lambda a, b: a ** b)
    ok = np.array([1, 2, 3, 0, 1], dtype=np.int64)
    f(base, ok)
    for _ in range(2):  # the remembered layout, now with a negative power
        with pytest.raises(ValueError, match="negative integer powers"):
            f(base, exp)
    i32 = np.arange(4, dtype=np.int32)
    g = ff.jit(lambda a, k: a + k)
    g(i32, 1)
    for _ in range(2):
        with pytest.raises(OverflowError, match="int32"):
            g(i32, 2**40)  # a Python int beyond int32 meets an int32 array (NumPy 2 rule)


def test_lengths_that_break_the_traced_rule_still_raise():
    f = ff.jit(lambda a, b: a + b)
    f(np.ones(4), np.ones(4))
    with pytest.raises(ValueError):
        f(np.ones(4), np.ones(5))
    with pytest.raises(ValueError):
        f(np.ones(4), np.ones(5))


def test_calls_the_direct_path_does_not_take_are_right():
    rng = np.random.default_rng(9)
    big = rng.standard_normal(50_000)  # beyond a small kernel: the general (threaded) path
    f = ff.jit(lambda a: a * 3.0 + 1.0)
    for _ in range(2):
        np.testing.assert_array_equal(f(big), big * 3.0 + 1.0)
    empty = np.zeros(0)
    for _ in range(2):
        assert f(empty).shape == (0,)
    strided = rng.standard_normal(20)[::2]  # not contiguous: converted by the Python path
    for _ in range(2):
        np.testing.assert_array_equal(f(strided), strided * 3.0 + 1.0)
    out = np.empty(6)
    x = np.arange(6.0)
    for _ in range(2):
        f(x, out=out)
        np.testing.assert_array_equal(out, x * 3.0 + 1.0)


def test_programs_that_are_not_one_kernel_have_no_direct_call():
    x = np.arange(6.0)
    cases = [
        ff.jit(lambda a: ff.sum(a * 2.0)),          # a reduction
        ff.jit(lambda a: (a + 1.0, a * 2.0)),        # two outputs
        ff.jit(lambda a: a),                         # the input returned as it is
        ff.jit(lambda a: ff.cumsum(a) + 1.0),        # a scan step before the kernel
    ]
    for f in cases:
        f(x)
        compiled, _ = _general(f, x)
        assert compiled.has_direct_call is False
    src = np.array([0, 1, 2], dtype=np.int64)
    dst = np.array([1, 2, 0], dtype=np.int64)
    g = ff.Graph.from_edges(src, dst)
    h = ff.jit(lambda gr, v: ff.neighbor_agg(gr, v, "sum") + 1.0)
    v = np.arange(3.0)
    for _ in range(2):
        np.testing.assert_array_equal(h(g, v), np.array([2.0 + 1.0, 0.0 + 1.0, 1.0 + 1.0]))


def test_out_takes_the_direct_path_and_keeps_run_intos_rules():
    f = ff.jit(lambda a, b: (a + b) * a - 1.0)
    x, y = np.linspace(-2.0, 2.0, 300), np.linspace(1.0, 3.0, 300)
    want = (x + y) * x - 1.0
    buf = np.full(300, np.nan)
    for _ in range(3):
        assert f(x, y, out=buf) is buf
        np.testing.assert_array_equal(buf, want)
    # An out that is an input, or overlaps one shifted, sees the inputs as they were.
    for _ in range(2):
        a, b = x.copy(), y.copy()
        f(a, b, out=a)
        np.testing.assert_array_equal(a, want)
    for _ in range(2):
        store = np.concatenate([x, [0.0]])
        a = store[:300]
        shifted = store[1:]
        f(a, y, out=shifted)
        np.testing.assert_array_equal(shifted, want)
    # Wrong dtype or shape on the remembered layout: the general path's errors, out untouched.
    bad = np.full(300, 7.0, np.float32)
    with pytest.raises(TypeError, match=r"out\[0\]: .*dtype"):
        f(x, y, out=bad)
    assert (bad == 7.0).all()
    short = np.full(299, 7.0)
    with pytest.raises(ValueError, match=r"out\[0\]: .*shape"):
        f(x, y, out=short)
    assert (short == 7.0).all()


def test_out_is_untouched_when_the_kernel_raises():
    f = ff.jit(lambda a, b: a ** b + 1)
    base = np.full(4, 3, dtype=np.int64)
    buf = np.full(4, -9, dtype=np.int64)
    f(base, np.ones(4, np.int64), out=buf)
    np.testing.assert_array_equal(buf, base + 1)
    buf[:] = -9
    for _ in range(2):
        with pytest.raises(ValueError, match="negative integer powers"):
            f(base, np.array([1, 2, -1, 0], dtype=np.int64), out=buf)
        assert (buf == -9).all()
