"""var/std's second pass (sum of squared deviations): SIMD over contiguous lines
(src/exec/axis_reduce_moments.cpp, 16 float64 partials), four partials over strided lines. Lines
long enough to run the vector loop and its tail, against an exactly rounded reference
(math.fsum of the float64 deviations) and NumPy, at 1 and 2 threads (bitwise equal)."""

import math

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import reductions as R


def _exact_var(line, ddof):
    line = np.asarray(line, dtype=np.float64)
    mean = math.fsum(line) / line.size
    return math.fsum((v - mean) ** 2 for v in line) / max(line.size - ddof, 0)


@pytest.fixture
def two_threads():
    before = ff.get_num_threads()
    ff.set_num_threads(2)
    yield
    ff.set_num_threads(before)


CASES = [((4, 1000), -1), ((3, 17), 1), ((2, 15), -1), ((1000, 5), 0), ((6, 33, 40), (1, 2)), ((40, 6, 33), (0, 2)),
         ((2, 300_000), 1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("ddof", [0, 1])
def test_var_second_pass_against_exact_reference(shape, axis, dtype, ddof, two_threads):
    rng = np.random.default_rng(11)
    # A large offset: a one-pass sum of squares would cancel catastrophically here.
    x = (1e4 + rng.standard_normal(shape)).astype(dtype)
    f = ff.jit(lambda a: R.var(a, axis=axis, ddof=ddof))
    got = np.asarray(f(x), dtype=np.float64)
    moved = np.moveaxis(x, axis if isinstance(axis, tuple) else (axis,),
                        tuple(range(-(len(axis) if isinstance(axis, tuple) else 1), 0)))
    lines = moved.reshape(got.size, -1)
    want = np.array([_exact_var(line, ddof) for line in lines]).reshape(got.shape)
    # float64 math over the float32 inputs: the only rounding of a float32 result is the last one.
    rtol = 2e-6 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(got, want, rtol=rtol)
    np.testing.assert_allclose(got, np.var(x, axis=axis, ddof=ddof, dtype=np.float64), rtol=max(rtol, 1e-7))
    ff.set_num_threads(1)
    one = np.asarray(f(x))
    ff.set_num_threads(2)
    assert one.tobytes() == np.asarray(f(x)).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_std_second_pass_propagates_nan_and_inf(dtype):
    x = np.ones((3, 100), dtype=dtype)
    x[0, 50] = np.nan
    x[1, 99] = np.inf  # in the tail of the 16-wide loop
    got = ff.jit(lambda a: R.std(a, axis=1))(x)
    want = np.std(x, axis=1)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert got[2] == 0.0


# Reductions over leading axes run tile by tile over the columns (axis_reduce.cpp
# reduce_columns); each output's arithmetic is the per-line strided walk's, which NumPy reproduces
# exactly: a float64 running sum is cumsum's last row, var's second pass four running sums over the
# rows r % 4 == k combined as (p0 + p1) + (p2 + p3).
def _sequential_sum(x2):
    return np.cumsum(x2.astype(np.float64), axis=0)[-1]


def _sequential_var(x2, ddof):
    n = x2.shape[0]
    mean = _sequential_sum(x2) / n
    d2 = (x2.astype(np.float64) - mean) ** 2
    p = [np.cumsum(d2[k::4], axis=0)[-1] if n > k else np.zeros(x2.shape[1]) for k in range(4)]
    return ((p[0] + p[1]) + (p[2] + p[3])) / max(n - ddof, 0)


def _reducer(name, axis):
    fn = getattr(R, name)
    if name == "var":
        return ff.jit(lambda a: fn(a, axis=axis, ddof=1))
    return ff.jit(lambda a: fn(a, axis=axis))


COLUMN_SHAPES = [((1000, 3), 0), ((7, 600), 0), ((5, 4, 300), (0, 1)), ((33, 2, 257), 0), ((300_000, 2), 0)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis", COLUMN_SHAPES)
def test_leading_axis_reductions_bitwise_sequential(shape, axis, dtype, two_threads):
    x = (1e3 + np.random.default_rng(5).standard_normal(shape)).astype(dtype)
    naxes = len(axis) if isinstance(axis, tuple) else 1
    x2 = x.reshape(int(np.prod(shape[:naxes])), -1)
    out_shape = shape[naxes:]
    for name, want in [("sum", _sequential_sum(x2)), ("mean", _sequential_sum(x2) / x2.shape[0]),
                       ("var", _sequential_var(x2, 1)), ("min", x2.min(axis=0)), ("max", x2.max(axis=0))]:
        f = _reducer(name, axis)
        got = np.asarray(f(x))
        assert got.shape == out_shape and got.dtype == dtype, (name, got.shape, got.dtype)
        assert got.tobytes() == want.astype(dtype).reshape(out_shape).tobytes(), name
        ff.set_num_threads(1)
        assert np.asarray(f(x)).tobytes() == got.tobytes(), name
        ff.set_num_threads(2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leading_axis_min_max_nan_and_inf(dtype):
    x = np.random.default_rng(9).standard_normal((50, 300)).astype(dtype)
    x[0, 0] = np.nan   # first row: the starting value
    x[49, 7] = np.nan  # last row
    x[10, 8] = np.inf
    x[11, 9] = -np.inf
    for name in ("min", "max", "sum", "var"):
        got = _reducer(name, 0)(x)
        want = getattr(np, name)(x, axis=0)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        if name in ("min", "max"):
            np.testing.assert_array_equal(got, want)
