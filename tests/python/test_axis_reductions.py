"""Axis reductions inside ff.jit against NumPy: every axis/keepdims combination up to rank 3, 0-size axes, errors."""
import itertools

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import reductions as R

KINDS = {"sum": np.sum, "mean": np.mean, "min": np.min, "max": np.max, "prod": np.prod, "any": np.any, "all": np.all}
SHAPES = [(5,), (3, 4), (2, 3, 4), (3, 0), (0, 4)]


def _jit(kind, axis, keepdims):
    return ff.jit(lambda a: getattr(R, kind)(a, axis=axis, keepdims=keepdims))


def _axes_of(ndim):
    yield None
    for r in range(1, ndim + 1):
        yield from itertools.combinations(range(ndim), r)
    yield -1


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_axis_reduction_matches_numpy(shape, kind):
    x = np.random.default_rng(1).standard_normal(shape)
    for axis in _axes_of(len(shape)):
        for keepdims in (False, True):
            want_fn = KINDS[kind]
            try:
                want = want_fn(x, axis=axis, keepdims=keepdims)
            except ValueError:
                f = _jit(kind, axis, keepdims)
                with pytest.raises(ValueError):
                    f(x)
                continue
            f = _jit(kind, axis, keepdims)
            got = np.asarray(f(x))
            assert got.shape == np.shape(want), (kind, axis, keepdims)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_softmax_and_var_match_numpy():
    x = np.random.default_rng(2).standard_normal((6, 9)).astype(np.float32)
    sm = ff.jit(lambda a: R.softmax(a, axis=-1))(x)
    e = np.exp(x - x.max(-1, keepdims=True))
    np.testing.assert_allclose(sm, e / e.sum(-1, keepdims=True), rtol=1e-5)
    v = ff.jit(lambda a: R.var(a, axis=0, ddof=1))(x)
    np.testing.assert_allclose(v, x.var(0, ddof=1), rtol=1e-5)
    am = ff.jit(lambda a: R.argmax(a, axis=1))(x)
    np.testing.assert_array_equal(am, x.argmax(1))


def test_axis_errors_name_axis():
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError, match="axis"):
        ff.jit(lambda a: R.sum(a, axis=2))(x)
    with pytest.raises(ValueError, match="axis: duplicate"):
        ff.jit(lambda a: R.sum(a, axis=(1, -1)))(x)
    with pytest.raises(TypeError, match="axis"):
        ff.jit(lambda a: R.argmax(a, axis=(0, 1)))(x)
