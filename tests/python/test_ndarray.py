"""N-d arrays in ff.jit: shapes, NumPy broadcasting across axes, strided inputs, N-d outputs.

References are NumPy's own results; elementwise arithmetic must agree bitwise (the same IEEE
operations), math functions within 4 ulp of NumPy's."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import fuseflow as ff

_DTYPES = ["bool", "int32", "int64", "float32", "float64"]
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _values(dtype, shape):
    """An array of `dtype` and `shape` with NaN/inf among the floats."""
    elements = {
        "bool": st.booleans(),
        "int32": st.integers(-1000, 1000),
        "int64": st.integers(-10 ** 6, 10 ** 6),
        "float32": st.floats(width=32, allow_nan=True, allow_infinity=True),
        "float64": st.floats(allow_nan=True, allow_infinity=True),
    }[dtype]
    return hnp.arrays(np.dtype(dtype), shape, elements=elements)


def _assert_same(got, want):
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want)


@ff.jit
def _add(a, b):
    return a + b


@ff.jit
def _mul_sub(a, b):
    return a * b - a


@ff.jit
def _maximum(a, b):
    return ff.maximum(a, b)


@ff.jit
def _less(a, b):
    return a < b


@ff.jit
def _where(a, b):
    return ff.where(a > b, a, b)


# Parametrised by name, not by the jit function: hypothesis keeps a @given test's parameters alive
# past interpreter shutdown, and nanobind then reports the function's compiled programs as leaks.
_NUMERIC_OPS = {
    "add": (_add, lambda a, b: a + b),
    "mul_sub": (_mul_sub, lambda a, b: a * b - a),
    "maximum": (_maximum, np.maximum),
    "less": (_less, np.less),
    "where": (_where, lambda a, b: np.where(a > b, a, b)),
}


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
@pytest.mark.parametrize("op", sorted(_NUMERIC_OPS))
@_SETTINGS
@given(data=st.data())
def test_broadcasting_matches_numpy(dtype, op, data):
    fn, ref = _NUMERIC_OPS[op]
    # Shapes up to rank 4 that broadcast in both directions, with 0-size and length-1 axes.
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=4, min_side=0, max_side=4))
    a = data.draw(_values(dtype, shapes.input_shapes[0]))
    b = data.draw(_values(dtype, shapes.input_shapes[1]))
    with np.errstate(all="ignore"):
        want = ref(a, b)
    _assert_same(fn(a, b), want)


@pytest.mark.parametrize("da", _DTYPES)
@pytest.mark.parametrize("db", _DTYPES)
def test_mixed_dtypes_follow_numpy_promotion(da, db):
    a = (np.arange(6).reshape(2, 3) % 3).astype(da)
    b = (np.arange(3) % 2).astype(db)
    if da == db == "bool":
        with pytest.raises(TypeError, match="bool"):
            _mul_sub(a, b)  # arithmetic on bools: NumPy's '-' raises too
        return
    _assert_same(_less(a, b), np.less(a, b))
    _assert_same(_maximum(a, b), np.maximum(a, b))


@_SETTINGS
@given(data=st.data())
def test_math_chain_close_to_numpy(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=4, min_side=0, max_side=5))
    a = data.draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=st.floats(-20, 20)))
    b = data.draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=st.floats(-20, 20)))

    @ff.jit
    def f(x, y):
        return ff.exp(x) * y + ff.tanh(y)

    np.testing.assert_allclose(f(a, b), np.exp(a) * b + np.tanh(b), rtol=4e-15, atol=1e-300)


def test_results_with_every_pass_disabled_are_bitwise_equal(monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((37, 300)).astype(np.float32)
    row = rng.standard_normal(300).astype(np.float32)
    col = rng.standard_normal((37, 1)).astype(np.float32)

    def f(a, r, c):
        return ff.exp(a - r) * c + ff.sqrt(ff.abs(a)), ff.sum(a * c)

    fused = ff.jit(f)(x, row, col)
    monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", "all")
    plain = ff.jit(f)(x, row, col)
    for got, want in zip(fused, plain):
        np.testing.assert_array_equal(np.asarray(got).view(np.uint32), np.asarray(want).view(np.uint32))


def test_large_broadcast_runs_in_parallel_blocks():
    # Large enough for the multi-threaded path: every block gathers its rows of the row vector.
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2000, 333))
    row = rng.standard_normal(333)
    col = rng.standard_normal((2000, 1))
    _assert_same(_mul_sub(x, row), x * row - x)
    _assert_same(_mul_sub(col, x), col * x - col)
    _assert_same(_add(col, row), col + row)  # (B, 1) + (D,): neither operand has the result shape


@pytest.mark.parametrize("shape", [(700, 1), (300, 3), (40, 255), (40, 256), (40, 257), (9, 1000), (8, 1024),
                                   (5, 7, 129), (3, 4, 5, 97), (2, 3, 1, 300), (301, 1001)])
def test_broadcast_reads_across_block_and_row_boundaries(shape):
    # The executor reads a broadcast operand in place when a 256-element block lies inside one run
    # of its last axis, fills a repeated value once per run, and gathers blocks that cross runs;
    # threads start their ranges mid-row. Every pattern of unit axes against NumPy, bitwise.
    rng = np.random.default_rng(len(shape) * 1000 + shape[-1])
    x = rng.standard_normal(shape)
    f = ff.jit(lambda x, a, b: (x - a) * b + a)
    rank = len(shape)
    for keep in range(1 << rank):
        bshape = tuple(d if keep >> k & 1 else 1 for k, d in enumerate(shape))
        a = rng.standard_normal(bshape)
        b = rng.standard_normal(bshape[1:])  # also one axis fewer: a leading axis added
        got = f(x, a, b)
        np.testing.assert_array_equal(got, (x - a) * b + a, err_msg=f"broadcast {bshape} and {bshape[1:]}")


def test_strided_and_fortran_inputs_are_accepted():
    rng = np.random.default_rng(3)
    base = rng.standard_normal((40, 60))
    fortran = np.asfortranarray(base)
    strided = base[::2, 1::3]
    transposed = base.T
    _assert_same(_add(fortran, fortran[0]), fortran + fortran[0])
    _assert_same(_add(strided, strided), strided + strided)
    _assert_same(_mul_sub(transposed, transposed[:, :1]), transposed * transposed[:, :1] - transposed)


def test_outputs_are_c_contiguous_writable_numpy_arrays():
    x = np.ones((3, 4, 5))
    out = _add(x, np.arange(5.0))
    assert type(out) is np.ndarray and out.shape == (3, 4, 5) and out.flags.c_contiguous and out.flags.writeable
    out[0, 0, 0] = 7.0  # the caller owns it
    assert _add(x, np.arange(5.0))[0, 0, 0] == 1.0


def test_whole_array_reductions_of_nd_arrays():
    x = np.arange(24.0).reshape(2, 3, 4)

    @ff.jit
    def f(a):
        return ff.sum(a * 2), ff.max(a), ff.mean(a)

    s, m, mean = f(x)
    assert s == np.sum(x * 2) and m == np.max(x) and mean == np.mean(x)


def test_trace_key_has_rank_and_unit_axes():
    @ff.jit
    def f(a, b):
        return a + b

    f(np.ones((3, 4)), np.ones(4))
    f(np.ones((5, 7)), np.ones(7))  # same signature: no retrace
    assert f.trace_count == 1
    f(np.ones((3, 1)), np.ones(4))  # a length-1 axis broadcasts: its own trace
    f(np.ones((2, 3, 4)), np.ones(4))  # another rank
    assert f.trace_count == 3
    np.testing.assert_array_equal(f(np.ones((3, 1)), np.arange(4.0)), np.ones((3, 1)) + np.arange(4.0))


def test_nd_ir_prints_axis_symbols():
    text = _add.ir(np.ones((3, 4), np.float32), np.ones(4, np.float32))
    assert "%0:f32[n0, n1]" in text and "%1:f32[n1]" in text and "broadcast_to %1" in text


def test_ir_text_round_trips_nd_types():
    text = ("func @f(%0:f32[n0, 1, n1], %1:f32[n1]) {\n"
            "  %2:f32[n0, 1, n1] = broadcast_to %1\n"
            "  %3:f32[n0, 1, n1] = add %0, %2\n"
            "  return %3\n}\n")
    assert ff._core.parse_ir(text).print() == text


def test_shape_mismatch_names_arguments_shapes_and_line():
    @ff.jit
    def f(weights, bias):
        return weights * bias

    with pytest.raises(ValueError) as info:
        f(np.ones((3, 4)), np.ones(5))
    message = str(info.value)
    assert "do not broadcast" in message
    assert "weights: shape (3, 4)" in message and "bias: shape (5,)" in message
    assert os.path.basename(__file__) in message


def test_too_many_axes_is_a_value_error():
    with pytest.raises(ValueError, match=r"x: arrays must have 1 to 4 axes, got shape \(1, 1, 1, 1, 2\)"):
        ff.jit(lambda x: x + 1)(np.ones((1, 1, 1, 1, 2)))


def test_same_length_different_shape_inputs_are_checked():
    # (n0, n1) and (n1, n0) traced with n0 == n1: a later call with different axes must not run.
    f = ff.jit(lambda a, b: a + b)
    f(np.ones((3, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError):
        f(np.ones((3, 4)), np.ones((4, 3)))


def test_graph_node_arrays_with_columns():
    g = ff.Graph.from_edges(np.array([0, 1, 2]), np.array([1, 2, 0]), num_nodes=3)
    x = np.arange(6.0).reshape(3, 2)

    @ff.jit
    def f(graph, features):
        return features * 2.0

    np.testing.assert_array_equal(f(g, x), x * 2.0)
    assert "f64[N, n0]" in f.ir(g, x)


@pytest.mark.parametrize("name", ["sum", "mean", "min", "max", "argmin", "argmax"])
def test_axis_reductions_inside_jit_match_numpy(name):
    # axis=/keepdims= inside ff.jit now run (issue 11 item 2; the full matrix: test_axis_reductions.py).
    reduce = getattr(ff, name)
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(ff.jit(lambda a: reduce(a, axis=1))(x), getattr(np, name)(x, axis=1))
    np.testing.assert_array_equal(reduce(x, axis=1), getattr(np, name)(x, axis=1))
