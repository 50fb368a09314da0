"""x.reshape / ff.reshape inside ff.jit against NumPy: random shapes up to rank 4 (0-size and
length-1 axes), every dtype, -1, traced lengths; reshaped values feeding elementwise consumers;
the plan; and the rules (trace-time TypeError/ValueError, run-time ValueError naming the shape)."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import fuseflow as ff

_DTYPES = ["bool", "int32", "int64", "float32", "float64"]
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_JITS = {}


def _reshape_jit(shape):
    if shape not in _JITS:
        def program(x):
            return x.reshape(shape)

        _JITS[shape] = ff.jit(program)
    return _JITS[shape]


@st.composite
def _target(draw, size):
    """A shape of 1-4 axes with `size` elements, maybe one axis given as -1."""
    rank = draw(st.integers(1, 4))
    dims = []
    left = size
    for _ in range(rank - 1):
        divisors = [d for d in range(0, 7) if (d == 0 and left == 0) or (d > 0 and left % d == 0)]
        d = draw(st.sampled_from(divisors))
        dims.append(d)
        left = left // d if d else 0
    dims.append(left)
    if 0 not in dims[:-1] and draw(st.booleans()):
        pos = draw(st.integers(0, rank - 1))
        if all(d for k, d in enumerate(dims) if k != pos):
            dims[pos] = -1
    return tuple(draw(st.permutations(dims)))


@pytest.mark.parametrize("dtype", _DTYPES)
@_SETTINGS
@given(data=st.data())
def test_reshape_matches_numpy(dtype, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4))
    x = data.draw(hnp.arrays(np.dtype(dtype), shape))
    target = data.draw(_target(int(np.prod(shape))))
    if sum(1 for d in target if d == -1) == 1 and 0 in target:
        target = tuple(int(np.prod(shape)) if d == -1 else d for d in target)  # NumPy rejects (0, -1)
    want = x.reshape(target)
    got = _reshape_jit(target)(x)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


@ff.jit
def _reshape_mixed(x, y, n):
    # x and 2x have one element-count symbol, so their unknown axes are one cached value and
    # combine; x and y (different inputs) have unrelated symbols, so only fixed lengths combine.
    a = x.reshape(2, -1) + (x * 2.0).reshape(2, -1)
    b = x.reshape(3, 4) * y.reshape((3, 4))
    return a, b, x.reshape(-1)[::2], ff.reshape(y, n, -1).T, x.T.reshape(x.size)


def test_reshaped_values_feed_elementwise_consumers():
    x = np.arange(12.0).reshape(4, 3)
    y = np.linspace(-1, 1, 12).reshape(6, 2)
    a, b, c, d, e = _reshape_mixed(x, y, 4)
    np.testing.assert_array_equal(a, x.reshape(2, -1) + (x * 2.0).reshape(2, -1))
    np.testing.assert_array_equal(b, x.reshape(3, 4) * y.reshape(3, 4))
    np.testing.assert_array_equal(c, x.reshape(-1)[::2])
    np.testing.assert_array_equal(d, y.reshape(4, -1).T)
    np.testing.assert_array_equal(e, x.T.reshape(12))


def test_eager_reshape_is_numpys():
    x = np.arange(6)
    np.testing.assert_array_equal(ff.reshape(x, 3, 2), x.reshape(3, 2))
    np.testing.assert_array_equal(ff.reshape(x, (-1, 3)), x.reshape(-1, 3))
    with pytest.raises(ValueError):
        ff.reshape(x, 4, 2)


@pytest.mark.plan
def test_reshape_is_one_view_step():
    text = _reshape_jit((2, -1)).ir(np.ones(6), optimized=True)
    # IR: the known length is a constant, the unknown one NumPy's rule on length(x); the plan
    # runs the reshape as one step of its own between the scalar kernels and the consumer.
    assert re.search(r"%\d+:f64\[%\d+, %\d+\] = reshape %0, %\d+, %\d+\n", text), text
    assert re.search(r"step \d+: reshape\n", text), text


# --------------------------------------------------------------------------- rules

def _trace(fn, *args):
    return ff.jit(fn)(*args)


def test_reshape_rules_name_shape():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"shape: cannot reshape array of size 6 into shape \(4, 2\)"):
        _trace(lambda a: a.reshape(4, 2), x)
    with pytest.raises(ValueError, match=r"shape: cannot reshape array of size 6 into shape \(4, -1\)"):
        _trace(lambda a: a.reshape(4, -1), x)
    with pytest.raises(ValueError, match=r"shape: cannot reshape array of size 0 into shape \(0, -1\)"):
        _trace(lambda a: a.reshape(0, -1), np.ones((0, 3)))
    with pytest.raises(ValueError, match=r"shape: can only specify one unknown dimension"):
        _trace(lambda a: a.reshape(-1, -1), x)
    with pytest.raises(ValueError, match=r"shape: negative dimensions are not allowed, got -2 at position 1"):
        _trace(lambda a: a.reshape(3, -2), x)
    with pytest.raises(TypeError, match=r"shape: entries must be integers or traced int scalars, got float at position 0"):
        _trace(lambda a: a.reshape(2.0, 3), x)
    with pytest.raises(TypeError, match=r"shape: entries must be integers or traced int scalars"):
        _trace(lambda a: a.reshape(ff.sum(a), 1), x)
    with pytest.raises(ValueError, match=r"shape: inside ff.jit an array has 1 to 4 axes, got 5 entries"):
        _trace(lambda a: a.reshape(1, 1, 1, 2, 3), x)
    with pytest.raises(NotImplementedError, match=r"order: only order='C'"):
        _trace(lambda a: a.reshape(3, 2, order="F"), x)
    with pytest.raises(TypeError, match="x: reshape needs an array"):
        _trace(lambda a: ff.reshape(ff.sum(a), 1), x)


# ---- new length-1 axes that keep the other axes' symbols: x[:, None], x.reshape(-1, 1)

_NEW_AXIS_INDEXES = {
    "[:, None]": (slice(None), None),
    "[None]": (None,),
    "[..., None]": (Ellipsis, None),
    "[None, ...]": (None, Ellipsis),
    "[1:, None]": (slice(1, None), None),
    "[::-1, None]": (slice(None, None, -1), None),
    "[None, :, None]": (None, slice(None), None),
}


@pytest.mark.parametrize("index", list(_NEW_AXIS_INDEXES))
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 1)])
def test_new_axis_indexing_matches_numpy(index, shape):
    idx = _NEW_AXIS_INDEXES[index]
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    want = x[idx]
    if want.ndim > 4:
        with pytest.raises(ValueError, match="1 to 4 axes"):
            ff.jit(lambda a: a[idx])(x)
        return
    got = ff.jit(lambda a: a[idx] * 2.0)(x)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want * 2.0)


def test_new_axes_broadcast_against_the_arrays_they_came_from():
    # The new axes keep their source's length symbols, so these type-check while tracing (they
    # raised "do not broadcast": reshape gave every axis a fresh symbol) and run as NumPy's.
    rng = np.random.default_rng(3)
    a = rng.standard_normal((384, 768))
    s, t = rng.standard_normal(384), rng.standard_normal(768)
    cases = [
        (lambda a, s, t: a - ff.mean(a, axis=1)[:, None], lambda a, s, t: a - a.mean(axis=1)[:, None]),
        (lambda a, s, t: a * s[:, None] + t[None, :], lambda a, s, t: a * s[:, None] + t[None, :]),
        (lambda a, s, t: a * s.reshape(-1, 1), lambda a, s, t: a * s.reshape(-1, 1)),
        (lambda a, s, t: a * s.reshape(s.shape[0], 1) - t.reshape(1, -1), lambda a, s, t: a * s[:, None] - t),
        (lambda a, s, t: a / ff.sum(a, axis=-1)[..., None], lambda a, s, t: a / a.sum(axis=-1)[..., None]),
    ]
    for f, ref in cases:
        np.testing.assert_allclose(ff.jit(f)(a, s, t), ref(a, s, t), rtol=1e-12, atol=1e-12)
    ir = ff.jit(lambda s: s[:, None]).ir(s)
    assert "f64[n0, 1]" in ir, ir


def test_new_axis_rules_name_the_index():
    x = np.zeros((3, 4))
    with pytest.raises(NotImplementedError, match="newaxis / None next to an integer"):
        ff.jit(lambda a: a[0, None])(x)
    with pytest.raises(IndexError, match="single ellipsis"):
        ff.jit(lambda a: a[..., None, ...])(x)
    with pytest.raises(IndexError, match="too many indices"):
        ff.jit(lambda a: a[:, :, :, None])(x)


def test_literal_reshape_that_cannot_broadcast_says_how_to_keep_the_axis():
    # A reshape to literal lengths gives axes known only at run time: the trace-time error names
    # the way that keeps the source's axis.
    a, s = np.ones((6, 4)), np.arange(6.0)
    with pytest.raises(ValueError, match=r"do not broadcast.*reshape with -1 or add axes with x\[:, None\]"):
        ff.jit(lambda a, s: a * s.reshape(6, 1))(a, s)
    np.testing.assert_array_equal(ff.jit(lambda a, s: a * s.reshape(-1, 1))(a, s), a * s[:, None])
