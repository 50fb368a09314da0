"""ff.jit's native call path (_core.JitDispatcher): a repeated call with a remembered argument
layout runs without entering Python; it must return exactly what the Python path returns."""

import gc

import fuseflow as ff
import numpy as np
import pytest


def test_repeated_call_is_remembered_and_does_not_retrace():
    f = ff.jit(lambda x, y, a: x * y + a)
    x, y = np.arange(5.0), np.full(5, 2.0)
    assert f._remembered == 0
    np.testing.assert_array_equal(f(x, y, 1.0), x * 2.0 + 1.0)
    assert f._remembered == 1
    for a in (2.0, -3.5):  # new scalar values: same layout, native path
        np.testing.assert_array_equal(f(x, y, a), x * 2.0 + a)
    assert f.trace_count == 1 and f._remembered == 1


def test_native_path_rebuilds_nested_output_structure():
    f = ff.jit(lambda x: (x + 1, [ff.sum(x), (x > 1, ff.max(x))]))
    x = np.arange(4.0)
    for _ in range(3):
        a, (s, (mask, m)) = f(x)
        np.testing.assert_array_equal(a, x + 1)
        assert isinstance(s, np.float64) and s == 6.0
        assert mask.dtype == np.bool_ and list(mask) == [False, False, True, True]
        assert isinstance(m, np.float64) and m == 3.0
    out = f(x)
    assert type(out) is tuple and type(out[1]) is list and type(out[1][1]) is tuple


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64, np.bool_])
def test_native_path_keeps_dtypes_of_arrays_and_scalars(dtype):
    f = ff.jit(lambda x: (x, ff.sum(x.astype(np.float64)), ff.max(x)))
    x = np.array([1, 0, 3], dtype=dtype)
    for _ in range(2):
        arr, total, top = f(x)
        assert arr.dtype == dtype and list(arr) == list(x)
        assert isinstance(total, np.float64) and total == x.astype(np.float64).sum()
        assert type(top) is type(x.max()) and top == x.max()


def test_outputs_are_writable_and_not_shared_between_calls():
    f = ff.jit(lambda x: x * 2.0)
    x = np.arange(6.0)
    first = f(x)
    second = f(x)
    assert first.flags.writeable and first.flags.c_contiguous
    first[:] = -1.0  # must not show in the second result (its own buffer)
    np.testing.assert_array_equal(second, x * 2.0)
    assert not np.shares_memory(first, x) and not np.shares_memory(first, second)


def test_output_outlives_the_function_and_its_compiled_program():
    f = ff.jit(lambda x: x + 0.5)
    x = np.arange(1000.0)
    f(x)
    out = f(x)
    del f
    gc.collect()
    np.testing.assert_array_equal(out, x + 0.5)


def test_arrays_the_native_path_cannot_borrow_still_give_correct_results():
    f = ff.jit(lambda x, y: x - y)
    x = np.arange(8.0)
    y = np.ones(8)
    f(x, y)
    with pytest.raises(TypeError, match="x: unsupported dtype >f8"):  # non-native byte order
        f(x.astype(">f8"), y)
    strided = np.arange(16.0)[::2]
    np.testing.assert_array_equal(f(strided, y), strided - 1.0)
    np.testing.assert_array_equal(f(x, y=y), x - 1.0)  # keywords take the Python path
    np.testing.assert_array_equal(f(x, y), x - 1.0)


def test_rule_errors_are_the_same_on_repeated_calls():
    f = ff.jit(lambda x, k: x * k)
    x = np.arange(3)
    f(x, 2)
    for _ in range(2):
        with pytest.raises(OverflowError, match="k: integer .* does not fit in int64"):
            f(x, 2 ** 70)
        with pytest.raises(TypeError, match="x: unsupported dtype int16"):
            f(x.astype(np.int16), 2)


def test_remember_rejects_layouts_it_cannot_run_natively():
    f = ff.jit(lambda x: x)
    compiled = ff._core.compile(f.program(np.ones(2)))
    assert f._remember((np.ones(2),), compiled, None)
    assert not f._remember((np.ones(4)[::2],), compiled, None)
    assert not f._remember((np.array(1.0),), compiled, None)  # a 0-d array: the Python path unwraps it
    with pytest.raises(TypeError):
        f._remember((np.ones(2),), "not a compiled program", None)
    f._forget()
    assert f._remembered == 0


def test_native_errors_raise_the_mapped_python_exception():
    f = ff.jit(lambda x, y: x ** y)
    np.testing.assert_array_equal(f(np.array([2, 3]), np.array([1, 2])), [2, 9])
    for _ in range(2):  # the layout is remembered: the error comes from the native path
        with pytest.raises(ValueError, match="pow.*negative integer powers"):
            f(np.array([2, 3]), np.array([1, -1]))


def test_dispatcher_subclass_without_base_init_is_type_error():
    class NotInitialised(ff._core.JitDispatcher):
        def __init__(self):
            pass

    with pytest.raises(TypeError, match="JitDispatcher.__init__"):
        NotInitialised()(1.0)


def _in_sums(n, src, dst, values):
    out = np.zeros(n)
    np.add.at(out, dst, values[src])
    return out


def test_graph_arguments_take_the_native_path_in_any_position():
    f = ff.jit(lambda x, g, w, a: (ff.neighbor_agg(g, x * a, "sum"), ff.sum(w)))
    graphs = []
    for n, m, seed in ((5, 9, 1), (7, 4, 2)):
        rng = np.random.default_rng(seed)
        src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
        graphs.append((ff.Graph.from_edges(src, dst, num_nodes=n), n, src, dst, rng.random(n), rng.random(m)))
    for _ in range(2):
        for g, n, src, dst, x, w in graphs:
            for a in (2.0, -0.5):
                agg, total = f(x, g, w, a)
                np.testing.assert_allclose(agg, _in_sums(n, src, dst, x * a), rtol=1e-14)
                assert total == pytest.approx(w.sum(), rel=1e-14)
    assert f.trace_count == 1 and f._remembered == 2  # one signature (x per node, w per edge), two sizes


def test_graph_whose_node_and_edge_counts_are_equal():
    src, dst = np.array([0, 1, 2]), np.array([1, 2, 0])
    g = ff.Graph.from_edges(src, dst)  # N == E == 3: array lengths alone are ambiguous
    f = ff.jit(lambda g, w: ff.neighbor_agg(g, w, "sum"))
    w = np.array([1.0, 2.0, 4.0])
    for _ in range(3):
        np.testing.assert_array_equal(f(g, w), _in_sums(3, src, dst, w))
    assert f.trace_count == 1


@pytest.mark.parametrize("scalar", [np.float32(1.5), np.float64(-2.25), np.int32(3), np.int64(-7), np.bool_(True)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_numpy_scalar_arguments_run_natively_with_their_dtype(scalar, dtype):
    # A NumPy scalar keeps its dtype (NumPy 2 promotion: not weak like a Python number) on the
    # native path as on the first, traced call, and each call reads its own value.
    f = ff.jit(lambda x, s: x * s + s)
    x = np.arange(-3, 5).astype(dtype)
    for k in range(3):
        s = type(scalar)(scalar + k) if not isinstance(scalar, np.bool_) else np.bool_(k % 2)
        got = f(x, s)
        want = x * s + s
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert f._remembered == 1  # the second and third calls took the remembered layout
    # Another scalar dtype is another layout (a different program), never the remembered one.
    other = np.float64(0.5) if not isinstance(scalar, np.float64) else np.float32(0.5)
    np.testing.assert_array_equal(f(x, other), x * other + other)
    assert f._remembered == 2
