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
