"""f(..., out=buf) on ff.jit functions: results written into the caller's arrays (checked against
NumPy), the call returns them, repeated calls keep the same buffers; each bad out raises naming out."""
import numpy as np
import pytest

import fuseflow as ff


@ff.jit
def _affine(x, y):
    return x * y + 1.0


@ff.jit
def _two(x):
    return x + 1.0, (x * 2.0).astype("float32")


@pytest.mark.parametrize("shape", [(7,), (2, 3), (2, 1, 3), (2, 2, 1, 3), (0, 3)])
def test_out_nd_matches_numpy_and_is_returned(shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    y = rng.standard_normal(shape[-1:])
    buf = np.full(shape, np.nan)
    pointer = buf.ctypes.data
    for _ in range(3):  # repeated calls: same object, same memory, fresh results
        got = _affine(x, y, out=buf)
        assert got is buf and buf.ctypes.data == pointer
        np.testing.assert_array_equal(buf, x * y + 1.0)
        x = x + 1.0


def test_out_repeated_calls_keep_engine_memory_flat():
    x, y = np.arange(4096.0), np.full(4096, 0.5)
    buf = np.empty(4096)
    _affine(x, y, out=buf)
    live = ff._core._live_storage_bytes()
    for _ in range(5):
        _affine(x, y, out=buf)
    assert ff._core._live_storage_bytes() == live  # no new output arrays held
    np.testing.assert_array_equal(buf, x * y + 1.0)


def test_out_tuple_for_several_outputs():
    x = np.linspace(-1, 1, 9)
    a, b = np.empty(9), np.empty(9, np.float32)
    got = _two(x, out=[a, b])
    assert isinstance(got, tuple) and got[0] is a and got[1] is b
    np.testing.assert_array_equal(a, x + 1.0)
    np.testing.assert_array_equal(b, (x * 2.0).astype(np.float32))


def test_out_overlapping_an_input_sees_the_inputs_before_the_call():
    x = np.arange(6.0).reshape(2, 3)
    y = np.array([2.0, 3.0, 4.0])
    want = x * y + 1.0
    assert _affine(x, y, out=x) is x
    np.testing.assert_array_equal(x, want)
    f = ff.jit(lambda v: v * 2.0 + v.sum())  # the sum reads all of v before any element is written
    v = np.arange(5.0)
    want = v * 2.0 + v.sum()
    f(v, out=v)
    np.testing.assert_array_equal(v, want)


def test_out_with_keyword_arguments():
    x, y = np.arange(3.0), np.ones(3)
    buf = np.empty(3)
    assert _affine(x, y=y, out=buf) is buf
    np.testing.assert_array_equal(buf, x + 1.0)


@pytest.mark.parametrize("bad,error,match", [
    (np.empty((3, 2)), ValueError, r"out\[0\]: .*shape \(2, 3\).*\(3, 2\)"),
    (np.empty(6), ValueError, r"out\[0\]: .*shape"),
    (np.empty((2, 3), np.float32), TypeError, r"out\[0\]: .*dtype float64.*float32"),
    (np.empty((3, 2)).T, ValueError, r"out: must be C-contiguous"),
    (bytearray(48), TypeError, r"out: must be a numpy.ndarray, got bytearray"),
    ((np.empty((2, 3)),), TypeError, r"out: .*returns one array"),
])
def test_bad_out_raises_and_leaves_it_untouched(bad, error, match):
    x, y = np.ones((2, 3)), np.ones(3)
    before = np.array(bad, copy=True) if isinstance(bad, np.ndarray) else None
    with pytest.raises(error, match=match):
        _affine(x, y, out=bad)
    if before is not None:
        np.testing.assert_array_equal(bad, before)


def test_read_only_out_raises():
    buf = np.empty(3)
    buf.flags.writeable = False
    with pytest.raises(ValueError, match=r"out: must be writeable"):
        _affine(np.ones(3), np.ones(3), out=buf)


def test_out_structure_must_match():
    with pytest.raises(TypeError, match=r"out: .*returns 2 values"):
        _two(np.ones(3), out=np.empty(3))
    with pytest.raises(ValueError, match=r"out: .*returns 2 values, got 1"):
        _two(np.ones(3), out=(np.empty(3),))


def test_scalar_output_to_out_raises():
    with pytest.raises(TypeError, match=r"out\[0\]: output 0 is a scalar"):
        ff.jit(lambda x: x.sum())(np.ones(3), out=np.empty(1))


def test_out_written_in_place_when_nothing_can_see_it_early():
    # A program of kernels whose last kernel alone writes the output runs straight into out=:
    # the pooled run state then holds no output-sized buffer (no copy pass), and the results are
    # the copy path's bits.
    f = ff.jit(lambda a, b: ff.where(a > b, a * 2.0, b - 1.0) + ff.sum(a))
    rng = np.random.default_rng(11)
    x, y = rng.standard_normal(100_000), rng.standard_normal(100_000)
    want = f(x, y)
    buf = np.empty(100_000)
    live = ff._core._live_storage_bytes()
    for _ in range(3):
        buf[:] = np.nan
        assert f(x, y, out=buf) is buf
        assert buf.tobytes() == want.tobytes()
    assert ff._core._live_storage_bytes() == live
    g = ff.jit(lambda a, k: a ** k + 1)  # integer pow can fail halfway: computed aside, then copied
    ints = np.arange(100_000, dtype=np.int64) % 7
    out = np.empty(100_000, dtype=np.int64)
    before = ff._core._live_storage_bytes()
    g(ints, 2, out=out)
    np.testing.assert_array_equal(out, ints ** 2 + 1)
    assert ff._core._live_storage_bytes() > before  # the pooled state keeps the run's own buffer
    with pytest.raises(ValueError, match="negative integer powers"):
        out[:] = -5
        g(ints, -1, out=out)
    assert (out == -5).all()


def _softmax(x):
    e = ff.exp(x - ff.max(x, axis=1, keepdims=True))
    return e / ff.sum(e, axis=1, keepdims=True)


def _layer_norm(x):
    c = x - ff.mean(x, axis=1, keepdims=True)
    return c / ff.sqrt(ff.mean(c * c, axis=1, keepdims=True) + 1e-5)


@pytest.mark.parametrize("fn", [_softmax, _layer_norm], ids=["softmax", "layer_norm"])
@pytest.mark.parametrize("shape, dtype", [((64, 256), np.float32), ((600, 300), np.float64), ((3, 5), np.float64)])
def test_out_of_row_block_programs_written_in_place(fn, shape, dtype):
    # Row-wise chains run as row-block groups; their output goes straight into out= (the group
    # writes each block's rows into the array it is given): same bits as a fresh result, and the
    # engine keeps no output-sized buffer between calls.
    f = ff.jit(fn)
    rng = np.random.default_rng(13)
    x = rng.standard_normal(shape).astype(dtype)
    want = f(x)
    before = ff._core._live_storage_bytes()
    buf = np.empty(shape, dtype)
    for _ in range(3):
        buf[:] = np.nan
        assert f(x, out=buf) is buf
        assert buf.tobytes() == want.tobytes()
    # Copied instead, the run's own full-size result would stay in the pooled state.
    assert ff._core._live_storage_bytes() - before < want.nbytes
    a = x.copy()
    assert f(a, out=a) is a  # out is the input: computed from the input as it was
    assert a.tobytes() == want.tobytes()


@pytest.mark.parametrize("fn, ref", [
    (lambda a: ff.cumsum(a * 2.0, axis=-1), lambda a: np.cumsum(a * 2.0, axis=-1)),
    (lambda a: ff.cummax(a, axis=0), lambda a: np.maximum.accumulate(a, axis=0)),
    (lambda a: ff.sort(a + 1.0, axis=-1), lambda a: np.sort(a + 1.0, axis=-1)),
    (lambda a: (a * 3.0).T, lambda a: (a * 3.0).T),
], ids=["cumsum", "cummax", "sort", "transpose"])
@pytest.mark.parametrize("shape", [(100_000,), (300, 400)])
def test_out_of_a_last_scan_sort_or_transpose_written_in_place(fn, ref, shape):
    # A scan, sort or transpose as the last step writes straight into out= (no full-size result
    # kept by the run, no copy pass): same bits as a fresh result; out= as the input still reads
    # the input as it was.
    f = ff.jit(fn)
    x = np.random.default_rng(14).standard_normal(shape)
    want = f(x)
    np.testing.assert_allclose(want, ref(x), rtol=1e-12, atol=1e-12 * x.size)
    buf = np.empty(want.shape)
    before = ff._core._live_storage_bytes()
    for _ in range(3):
        buf[:] = np.nan
        assert f(x, out=buf) is buf
        assert buf.tobytes() == want.tobytes()
    assert ff._core._live_storage_bytes() - before < want.nbytes
    if want.shape == x.shape:
        a = x.copy()
        assert f(a, out=a) is a
        assert a.tobytes() == want.tobytes()


@pytest.mark.parametrize("shape", [(100_000,), (300, 400), (20, 30, 50)])
def test_out_in_place_overlap_and_shape_rules_on_long_arrays(shape):
    f = ff.jit(lambda a, b: a * b + 1.0)
    rng = np.random.default_rng(12)
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    want = x * y + 1.0
    a = x.copy()
    assert f(a, y, out=a) is a  # out is an input: computed from the inputs as they were
    np.testing.assert_array_equal(a, want)
    flat = np.concatenate([x.ravel(), [0.0]])
    shifted = flat[1:].reshape(shape)
    f(flat[:-1].reshape(shape), y, out=shifted)  # out overlaps an input, shifted by one element
    np.testing.assert_array_equal(shifted, want)
    wrong = np.full(shape[::-1], 7.0)
    if wrong.shape != shape:
        with pytest.raises(ValueError, match=r"out\[0\]: .*shape"):
            f(x, y, out=wrong)
        assert (wrong == 7.0).all()


def test_overlapping_outs_land_in_output_order():
    # Two out arrays sharing memory: the results land as if each output were copied in order
    # (the second wins where they overlap), whether an output is written in place during the
    # run or copied after it. Here output 0 comes from the first kernel and output 1 from the
    # last one, which alone could be written in place.
    def two(a):
        b = a + 1.0
        return b, a * ff.sum(b)

    f = ff.jit(two)
    n = 50_000
    x = np.linspace(-1.0, 1.0, n)
    want0, want1 = f(x)
    for _ in range(2):
        store = np.full(n + 1, np.nan)
        f(x, out=(store[:n], store[1:]))
        expected = np.empty(n + 1)
        expected[:n] = want0
        expected[1:] = want1
        assert store.tobytes() == expected.tobytes()
