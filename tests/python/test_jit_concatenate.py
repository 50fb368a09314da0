"""ff.concatenate / ff.stack inside ff.jit against NumPy: random shapes up to rank 4 (0-size and
length-1 axes), every axis, mixed dtypes (NumPy's result dtype), pieces made by slicing one input;
eager calls are NumPy's; the plan (one step writing every operand) and the rules."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import fuseflow as ff

_DTYPES = ["bool", "int32", "int64", "float32", "float64"]
_SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_JITS = {}


def _jit(kind, axis, k, casts):
    key = (kind, axis, k, casts)
    if key not in _JITS:
        fn = ff.concatenate if kind == "concatenate" else ff.stack

        def program(x):
            pieces = [(x * 1 if j % 2 else x).astype(casts[j]) for j in range(k)]
            return fn(pieces, axis=axis)

        _JITS[key] = ff.jit(program)
    return _JITS[key]


@pytest.mark.parametrize("kind", ["concatenate", "stack"])
@_SETTINGS
@given(data=st.data())
def test_join_matches_numpy(kind, data):
    max_dims = 4 if kind == "concatenate" else 3
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=0, max_side=4))
    x = data.draw(hnp.arrays(np.dtype("int32"), shape, elements=st.integers(-50, 50)))
    k = data.draw(st.integers(1, 4))
    casts = tuple(data.draw(st.sampled_from(_DTYPES)) for _ in range(k))
    rank = len(shape) + (kind == "stack")
    axis = data.draw(st.integers(-rank, rank - 1))
    pieces = [(x * 1 if j % 2 else x).astype(casts[j]) for j in range(k)]
    want = (np.concatenate if kind == "concatenate" else np.stack)(pieces, axis=axis)
    got = _jit(kind, axis, k, casts)(x)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape, got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want)


@ff.jit
def _rotations(x):
    # Pieces of different lengths along the axis: slices of one input; the result feeds a kernel.
    left = ff.concatenate([x[:, 2:], x[:, :2]], axis=1)
    right = ff.concatenate([x[:, -1:], x[:, :-1]], axis=-1)
    # left and right have unrelated axis symbols (sums of different pieces): separate outputs.
    return left * 2.0 + left[:, ::-1], right, ff.concatenate([x, x[::-1]]), ff.stack([x, x * 3.0, -x], axis=-1)


def test_pieces_of_different_lengths_feed_elementwise_consumers():
    for shape in [(3, 5), (1, 2), (0, 4), (4, 3)]:
        x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) - 2.5
        got = _rotations(x)
        left = np.concatenate([x[:, 2:], x[:, :2]], axis=1)
        want = (left * 2.0 + left[:, ::-1], np.concatenate([x[:, -1:], x[:, :-1]], axis=-1),
                np.concatenate([x, x[::-1]]), np.stack([x, x * 3.0, -x], axis=-1))
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_array_equal(g, w)


def test_eager_calls_are_numpys():
    a, b = np.arange(6).reshape(2, 3), np.ones((1, 3))
    np.testing.assert_array_equal(ff.concatenate([a, b]), np.concatenate([a, b]))
    np.testing.assert_array_equal(ff.stack([a, a], axis=2), np.stack([a, a], axis=2))


@pytest.mark.plan
def test_join_is_one_step_writing_every_operand():
    text = _rotations.ir(np.ones((3, 5)), optimized=True)
    assert re.search(r"= concatenate\.axis1 %\d+, %\d+, %\d+\n", text), text
    assert re.search(r"= stack\.axis2 %\d+, %\d+, %\d+, %\d+\n", text), text
    assert "concatenate(axis=1, 2 arrays)" in text and "stack(axis=2, 3 arrays)" in text, text


# --------------------------------------------------------------------------- rules

def _trace(fn, *args):
    return ff.jit(fn)(*args)


def test_join_rules_name_arrays_and_axis():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="arrays: all the input arrays must have the same number of dimensions"):
        _trace(lambda a: ff.concatenate([a, a[0]]), x)
    with pytest.raises(ValueError, match=r"array 1 has shape .* all axes but axis 0 must match"):
        _trace(lambda a: ff.concatenate([a, a[:, 1:]]), x)
    with pytest.raises(ValueError, match="arrays: all input arrays must have the same shape"):
        _trace(lambda a: ff.stack([a, a[1:]]), x)
    with pytest.raises(np.exceptions.AxisError, match="axis"):
        _trace(lambda a: ff.concatenate([a, a], axis=2), x)
    with pytest.raises(np.exceptions.AxisError, match="axis"):
        _trace(lambda a: ff.stack([a, a], axis=3), x)
    with pytest.raises(TypeError, match="axis: must be an integer"):
        _trace(lambda a: ff.stack([a, a], axis=1.0), x)
    with pytest.raises(TypeError, match="arrays: inside ff.jit every entry of ff.concatenate must be a traced array, got ndarray at position 1"):
        _trace(lambda a: ff.concatenate([a, np.ones((2, 3))]), x)
    with pytest.raises(ValueError, match="arrays: zero-dimensional arrays cannot be concatenated"):
        _trace(lambda a: ff.concatenate([a, ff.sum(a)]), x)
    with pytest.raises(TypeError, match="arrays: ff.stack takes a sequence of arrays, got one traced array"):
        _trace(lambda a: ff.stack(a), x)
    with pytest.raises(ValueError, match="arrays: stacking 4-D arrays gives 5 axes"):
        _trace(lambda a: ff.stack([a, a]), np.ones((1, 2, 1, 2)))
    with pytest.raises(NotImplementedError, match="axis: axis=None"):
        _trace(lambda a: ff.concatenate([a, a], axis=None), x)
