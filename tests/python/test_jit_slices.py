"""Basic slices with static bounds inside ff.jit (x[1:-1], x[::2], x[:, 2:5], x[::-1], ...) against
NumPy for random shapes up to rank 4 with 0-size and length-1 axes, every dtype and negative
steps; slices that feed elementwise consumers; the count canonicalisation that lets x[1:] and
x[:-1] combine; the plan (one view step per sliced axis) and the rules."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import fuseflow as ff
from fuseflow import _slicing

_DTYPES = ["bool", "int32", "int64", "float32", "float64"]
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SHAPES = hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6)
_BOUND = st.one_of(st.none(), st.integers(-8, 8))
_STEP = st.one_of(st.none(), st.integers(-4, 4).filter(lambda s: s != 0))


def _values(dtype, shape):
    elements = {
        "bool": st.booleans(),
        "int32": st.integers(-1000, 1000),
        "int64": st.integers(-10 ** 6, 10 ** 6),
        "float32": st.floats(width=32, allow_nan=True, allow_infinity=True),
        "float64": st.floats(allow_nan=True, allow_infinity=True),
    }[dtype]
    return hnp.arrays(np.dtype(dtype), shape, elements=elements)


# One jit function per index (module level: hypothesis must not hold them).
_JITS = {}


def _index_jit(index):
    key = repr(index)
    if key not in _JITS:
        def program(x):
            return x[index]

        _JITS[key] = ff.jit(program)
    return _JITS[key]


def test_count_form_matches_python_ranges():
    # The canonical count formula against len(range(n)[s]) for every small bound, step and length.
    values = [None] + list(range(-9, 10))
    for start, stop, step in itertools.product(values, values, [1, 2, 3, 5, -1, -2, -3, -7]):
        form = _slicing.count_form(start, stop, step)
        for n in range(25):
            assert _slicing.count_of(form, n) == len(range(n)[start:stop:step]), (start, stop, step, n, form)


@pytest.mark.parametrize("dtype", _DTYPES)
@_SETTINGS
@given(data=st.data())
def test_slices_match_numpy(dtype, data):
    shape = data.draw(_SHAPES)
    x = data.draw(_values(dtype, shape))
    index = tuple(slice(data.draw(_BOUND), data.draw(_BOUND), data.draw(_STEP)) for _ in shape)
    index = index[:data.draw(st.integers(1, len(shape)))]
    got = _index_jit(index)(x)
    want = x[index]
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape, index)
    np.testing.assert_array_equal(got, want)


@_SETTINGS
@given(data=st.data())
def test_slices_next_to_an_integer_index_and_ellipsis_match_numpy(data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=5))
    x = data.draw(_values("float64", shape))
    axis = data.draw(st.integers(0, len(shape) - 1))
    i = data.draw(st.integers(-shape[axis], shape[axis] - 1))
    index = [slice(data.draw(_BOUND), data.draw(_BOUND), data.draw(_STEP)) for _ in shape]
    index[axis] = i
    if data.draw(st.booleans()):
        index = [Ellipsis] + index[1:]
    index = tuple(index)
    want = x[index]
    got = _index_jit(index)(x)
    assert np.shape(got) == want.shape
    np.testing.assert_array_equal(got, want)


@ff.jit
def _differences_2(x):
    # x[1:] and x[:-1] have the same count for every length: one symbol, so they combine.
    return (x[1:] - x[:-1]) * 2.0, x[:, 1:-1] + x[:, 2:] * x[:, :-2]


@_SETTINGS
@given(data=st.data())
def test_slices_feed_elementwise_consumers(data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=7))
    x = data.draw(_values("float64", shape))
    got_d, got_s = _differences_2(x)
    with np.errstate(all="ignore"):
        want_d, want_s = (x[1:] - x[:-1]) * 2.0, x[:, 1:-1] + x[:, 2:] * x[:, :-2]
    np.testing.assert_array_equal(got_d, want_d)
    np.testing.assert_array_equal(got_s, want_s)


@ff.jit
def _stencil(x):
    # A three-point stencil and a mean over the interior: slices, arithmetic and a reduction.
    interior = (x[:-2] + 2.0 * x[1:-1] + x[2:]) / 4.0
    return interior, ff.sum(interior) / ff.maximum(interior.size, 1)


def test_stencil_on_one_dimensional_arrays_of_every_length():
    for n in range(0, 9):
        x = np.linspace(-1.0, 3.0, n) ** 2
        got, mean = _stencil(x)
        want = (x[:-2] + 2.0 * x[1:-1] + x[2:]) / 4.0
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
        np.testing.assert_allclose(mean, want.sum() / max(want.size, 1), rtol=1e-14, atol=1e-15)


@ff.jit
def _reversed_steps(x):
    return x[::-1], x[-2::-3], x[5:1:-2], x[:-100:-1], x[100:-100:-1]


def test_negative_steps_and_out_of_range_bounds_clamp_as_numpy():
    for n in (0, 1, 2, 5, 11):
        x = np.arange(n, dtype=np.int32) * 3 - 7
        want = (x[::-1], x[-2::-3], x[5:1:-2], x[:-100:-1], x[100:-100:-1])
        for g, w in zip(_reversed_steps(x), want):
            assert g.dtype == w.dtype
            np.testing.assert_array_equal(g, w)


@ff.jit
def _sliced_in_loop(x):
    def body(acc):
        return acc * 0.5 + acc[::-1]
    return ff.fori_loop(3, body, x[1:])


def test_slices_inside_a_loop_body():
    x = np.linspace(-2.0, 2.0, 9)
    want = x[1:]
    for _ in range(3):
        want = want * 0.5 + want[::-1]
    np.testing.assert_allclose(_sliced_in_loop(x), want, rtol=1e-15, atol=1e-15)


def test_strided_and_fortran_inputs_are_sliced_as_numpy():
    base = np.arange(60.0).reshape(5, 12)
    for x in (base[:, ::2], np.asfortranarray(base), base.T):
        np.testing.assert_array_equal(_index_jit((slice(1, None, 2), slice(None, -1)))(x), x[1::2, :-1])


# --------------------------------------------------------------------------- plan

@pytest.mark.plan
def test_each_sliced_axis_is_one_view_step_feeding_one_kernel():
    x = np.ones((4, 6))
    text = _differences_2.ir(x, optimized=True)
    # IR: dim reads the axis length once; x[1:] and x[:-1] share their count (one symbol).
    assert text.count("dim.axis0") == 1 and text.count("dim.axis1") == 1, text
    assert text.count("slice.axis0") == 2 and text.count("slice.axis1") == 3, text
    assert "slice(axis=0)" in text and "slice(axis=1)" in text, text


@pytest.mark.plan
def test_golden_ir_of_one_slice():
    text = _index_jit((slice(1, None),)).ir(np.ones(5), optimized=False)
    lines = [ln.strip() for ln in text.splitlines() if "=" in ln and "func" not in ln]
    ops = [ln.split("=", 1)[1].split()[0] for ln in lines]
    assert ops[:1] == ["dim.axis0"] and ops[-1] == "slice.axis0", text


# --------------------------------------------------------------------------- rules

def _trace(fn, *args):
    return ff.jit(fn)(*args)


def test_slice_rules_name_the_argument_and_rule():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match="index: slice step cannot be zero"):
        _trace(lambda a: a[::0], x)
    with pytest.raises(TypeError, match="index: slice start must be a static int or None inside ff.jit"):
        _trace(lambda a: a[1.5:], x)
    with pytest.raises(TypeError, match="index: slice stop must be a static int or None inside ff.jit"):
        _trace(lambda a, k: a[:k], x, np.int64(2))
    with pytest.raises(TypeError, match="index: slice step must be an int or None inside ff.jit, got bool"):
        _trace(lambda a: a[::True], x)
    with pytest.raises(IndexError, match="index: too many indices for a 2-D array"):
        _trace(lambda a: a[1:, 1:, 1:], x)
    with pytest.raises(TypeError, match="index: a traced scalar cannot be indexed"):
        _trace(lambda a: ff.sum(a)[1:], x)


def test_huge_bounds_clamp_instead_of_overflowing():
    x = np.arange(7.0)
    np.testing.assert_array_equal(_trace(lambda a: a[-2 ** 80: 2 ** 80: 2 ** 70], x), x[::2 ** 70])
    np.testing.assert_array_equal(_trace(lambda a: a[2 ** 80:: -1], x), x[::-1])
