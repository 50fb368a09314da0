"""ff.jit reads array-likes users hold (pandas, memoryview/buffer protocol, DLPack producers such as
JAX or PyTorch, PyArrow) without a copy when the producer allows it; lists stay an error."""

import array

import numpy as np
import pandas as pd
import pytest

import fuseflow as ff
from fuseflow.jit import _array_like

affine = ff.jit(lambda x, y: x * 2.0 + y)


def expected(x, y):
    return np.asarray(x, dtype=np.float64) * 2.0 + y


def test_pandas_series_is_read_in_place():
    s = pd.Series(np.linspace(0, 1, 11))
    view = _array_like(s)
    assert view.__array_interface__["data"][0] == s.to_numpy().__array_interface__["data"][0]
    np.testing.assert_array_equal(affine(s, 1.0), expected(s, 1.0))


def test_buffer_protocol_objects():
    base = np.arange(6.0)
    mv = memoryview(base)
    assert _array_like(mv).__array_interface__["data"][0] == base.__array_interface__["data"][0]
    np.testing.assert_array_equal(affine(mv, 0.5), expected(base, 0.5))
    np.testing.assert_array_equal(affine(array.array("d", [1.0, 2.0]), 0.0), [2.0, 4.0])
    np.testing.assert_array_equal(affine(array.array("i", [1, 2]), 0.0), [2.0, 4.0])  # int32 promotes


def test_dlpack_producer_jax():
    jnp = pytest.importorskip("jax.numpy")
    x = jnp.arange(5.0)
    view = _array_like(x)
    assert isinstance(view, np.ndarray) and view.dtype == np.float32  # JAX's default float
    np.testing.assert_allclose(affine(x, 1.0), np.arange(5.0) * 2 + 1, rtol=1e-7)


def test_dlpack_producer_torch():
    torch = pytest.importorskip("torch")
    t = torch.arange(4, dtype=torch.float64)
    view = _array_like(t)
    assert view.__array_interface__["data"][0] == t.data_ptr()
    np.testing.assert_array_equal(affine(t, 0.0), [0.0, 2.0, 4.0, 6.0])


def test_pyarrow_array_without_nulls_is_zero_copy():
    pa = pytest.importorskip("pyarrow")
    a = pa.array(np.arange(5.0))
    assert _array_like(a).__array_interface__["data"][0] == a.buffers()[1].address  # no copy
    np.testing.assert_array_equal(affine(a, 0.0), np.arange(5.0) * 2)


class _DLPackOnly:
    """A producer that offers nothing but DLPack (no buffer protocol, no __array__), as a
    framework's tensor type does: its memory is a NumPy array's, so identity is checkable
    without installing JAX or PyTorch."""

    def __init__(self, base):
        self.base = base

    def __dlpack__(self, **kwargs):
        return self.base.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.base.__dlpack_device__()


def test_dlpack_only_producer_is_read_in_place():
    base = np.arange(7.0)
    producer = _DLPackOnly(base)
    assert not hasattr(producer, "__array__")
    view = _array_like(producer)
    assert view.__array_interface__["data"][0] == base.__array_interface__["data"][0]
    np.testing.assert_array_equal(affine(producer, 1.0), base * 2 + 1)


def test_lists_and_unknown_objects_keep_their_errors():
    with pytest.raises(TypeError, match="x: pass a NumPy array, not a list"):
        affine([1.0, 2.0], 0.0)
    with pytest.raises(TypeError, match="x: unsupported argument of type object"):
        affine(object(), 0.0)
    # A DataFrame is a 2-D array-like: it runs as its (rows, columns) NumPy view.
    frame = pd.DataFrame({"a": [1.0], "b": [2.0]})
    np.testing.assert_array_equal(affine(frame, 0.0), affine(frame.to_numpy(), 0.0))
    with pytest.raises(ValueError, match="x: arrays must have 1 to 4 axes"):
        affine(np.ones((1, 1, 1, 1, 2)), 0.0)
