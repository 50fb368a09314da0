"""Array-likes into the graph constructors, the algorithms and the index (issue 15 item 1):
DLPack producers (JAX, a DLPack-only wrapper), ``__array__`` (pandas), the buffer protocol
(memoryview, array.array) are read without a copy when contiguous and of a supported dtype,
proven by the data pointer the native call receives; otherwise one conversion, or the dtype
rule's error."""

import array

import numpy as np
import pandas as pd
import pytest

import fuseflow as ff
from fuseflow import _checks


def address(a):
    return np.asarray(a).__array_interface__["data"][0]


class DLPackOnly:
    """A producer that speaks only DLPack (like a PyTorch CPU tensor seen through the protocol)."""

    def __init__(self, a):
        self._a = a

    def __dlpack__(self, **kwargs):
        return self._a.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


class ArrayOnly:
    """A producer that speaks only ``__array__`` (returns a view of its storage)."""

    def __init__(self, a):
        self._a = a

    def __array__(self, dtype=None, copy=None):
        return self._a


def producers(base):
    """(name, array-like viewing `base`'s memory) for each protocol."""
    out = [
        ("pandas", pd.Series(base, copy=False)),
        ("dlpack", DLPackOnly(base)),
        ("__array__", ArrayOnly(base)),
        ("memoryview", memoryview(base)),
    ]
    if base.dtype.itemsize == 4:  # JAX holds 64-bit values only with jax_enable_x64 (a global switch)
        try:
            import jax.numpy as jnp

            out.append(("jax", jnp.asarray(base)))  # its own buffer: compared by value below
        except ImportError:  # pragma: no cover
            pass
    return out


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_as_id_array_is_zero_copy_for_every_protocol(dtype):
    base = np.arange(10, dtype=dtype)
    for name, value in producers(base):
        arr = _checks.as_id_array("src", value)
        assert arr.dtype == dtype, name
        np.testing.assert_array_equal(arr, base)
        if name != "jax":
            assert address(arr) == address(base), name


def test_jax_array_is_viewed_not_copied():
    jax = pytest.importorskip("jax")
    x = jax.numpy.arange(8, dtype=jax.numpy.int32)
    view = _checks.as_array(x)
    assert address(view) == x.unsafe_buffer_pointer()


def test_graph_from_edges_hands_the_producers_memory_to_native_code(monkeypatch):
    src = np.array([0, 1, 2, 3], dtype=np.int64)
    dst = np.array([1, 2, 3, 0], dtype=np.int64)
    w = np.array([0.5, 1.0, 1.5, 2.0])
    seen = []
    real = ff.graph._core.graph_from_edges

    def spy(s, d, n, weights, progress=None):
        seen.append((address(s), address(d), address(weights)))
        return real(s, d, n, weights, progress)

    monkeypatch.setattr(ff.graph._core, "graph_from_edges", spy)
    expected = (address(src), address(dst), address(w))
    for (name, s), (_, d), (_, ww) in zip(producers(src), producers(dst), producers(w)):
        g = ff.Graph.from_edges(s, d, weights=ww)
        np.testing.assert_array_equal(g.edges()[0], src)
        np.testing.assert_array_equal(g.edges()[2], w)
        if name != "jax":
            assert seen[-1] == expected, name


def test_buffer_protocol_array_array():
    src = array.array("q", [0, 1, 2])
    dst = array.array("q", [1, 2, 0])
    g = ff.Graph.from_edges(src, dst)
    np.testing.assert_array_equal(g.edges()[1], [1, 2, 0])
    assert address(_checks.as_id_array("src", src)) == src.buffer_info()[0]


def test_non_contiguous_or_other_dtypes_convert_once_or_raise():
    base = np.arange(20, dtype=np.int64)
    strided = pd.Series(base[::2])  # pandas keeps the stride: one contiguous copy
    arr = _checks.as_id_array("src", strided)
    np.testing.assert_array_equal(arr, base[::2])
    assert arr.flags.c_contiguous
    with pytest.raises(TypeError, match="src: node ids must be an int32 or int64 array, got dtype float64"):
        ff.Graph.from_edges(DLPackOnly(np.arange(3.0)), [1, 2, 0])
    with pytest.raises(ValueError, match="src: must be 1-D"):
        ff.Graph.from_edges(ArrayOnly(np.zeros((2, 2), dtype=np.int64)), [0, 1])


def test_personalization_array_like_is_read_in_place(monkeypatch):
    g = ff.Graph.from_edges([0, 1, 2], [1, 2, 0])
    p = np.array([1.0, 2.0, 3.0])
    seen = []
    real = ff.algorithms.pagerank.__globals__["_core"].pagerank

    def spy(native, damping, tol, max_iter, personalization, progress=None):
        seen.append(address(personalization))
        return real(native, damping, tol, max_iter, personalization, progress)

    monkeypatch.setattr(ff.algorithms.pagerank.__globals__["_core"], "pagerank", spy)
    expected = ff.algorithms.pagerank(g, personalization=p)
    for name, value in producers(p):
        np.testing.assert_array_equal(ff.algorithms.pagerank(g, personalization=value), expected)
        if name != "jax":
            assert seen[-1] == address(p), name


class Recorder:
    """Stands in for an index's native object: records what reaches native code, forwards."""

    def __init__(self, native):
        self.native, self.seen = native, []

    def add(self, vectors, ids, progress=None):
        self.seen.append((address(vectors), vectors.strides, None if ids is None else address(ids)))
        return self.native.add(vectors, ids, progress)

    def search(self, queries, k):
        self.seen.append((address(queries), queries.strides, None))
        return self.native.search(queries, k)

    def __len__(self):
        return len(self.native)

    def __getattr__(self, name):
        return getattr(self.native, name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_index_add_and_search_read_array_likes_in_place(dtype):
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((50, 8)).astype(dtype)
    ids = np.arange(100, 150, dtype=np.int64)
    reference = ff.EmbeddingIndex(8, metric="dot")
    reference.add(vectors, ids=ids)
    expected = reference.search(vectors[:3], k=5)
    makers = {
        "dlpack": DLPackOnly,
        "__array__": ArrayOnly,
        "memoryview": memoryview,
        "pandas": lambda a: pd.DataFrame(a, copy=False) if a.ndim == 2 else pd.Series(a, copy=False),
    }
    for name, make in makers.items():
        index = ff.EmbeddingIndex(8, metric="dot")
        recorder = Recorder(index._native)
        index._native = recorder
        index.add(make(vectors), ids=make(ids))
        q = vectors[:3].copy()
        scores, found = index.search(make(q), k=5)
        np.testing.assert_array_equal(found, expected[1])
        np.testing.assert_allclose(scores, expected[0], rtol=1e-6)
        (va, _, ia), (qa, _, _) = recorder.seen
        assert va == address(vectors), name
        assert qa == address(q), name
        assert ia == address(ids), name


def test_index_rejects_non_float_array_likes_like_arrays():
    index = ff.EmbeddingIndex(2)
    with pytest.raises(TypeError, match="vectors: must be float32 or float64 numbers, got dtype bool"):
        index.add(DLPackOnly(np.ones((2, 2), dtype=bool)))
    index.add(DLPackOnly(np.ones((2, 2), dtype=np.int32)))  # integers convert once, like lists
    assert len(index) == 2
