"""ff.jit(static_argnames=..., static_argnums=...): Python constants that choose the program."""

import pickle

import numpy as np
import pytest

import fuseflow as ff


@ff.jit(static_argnames="norm")
def normalise(x, norm="l2"):
    return x / (ff.sum(ff.abs(x)) if norm == "l1" else ff.norm(x))


@ff.jit(static_argnums=0)
def power(k, x, scale=1.0):
    y = x
    for _ in range(k - 1):  # a Python loop unrolled per k: k must be static
        y = y * x
    return scale * y


def test_string_option_chooses_the_program():
    x = np.array([3.0, -4.0])
    np.testing.assert_allclose(normalise(x), x / 5.0, rtol=1e-15)
    np.testing.assert_allclose(normalise(x, norm="l1"), x / 7.0, rtol=1e-15)
    np.testing.assert_allclose(normalise(x, "l1"), x / 7.0, rtol=1e-15)
    assert normalise.trace_count == 2
    np.testing.assert_allclose(normalise(np.array([1.0, 2.0, 3.0]), norm="l1"), [1 / 6, 2 / 6, 3 / 6], rtol=1e-15)
    assert normalise.trace_count == 2  # a seen static value reuses its program


def test_static_argnums_and_runtime_scalars():
    x = np.linspace(0.5, 2.0, 7)
    np.testing.assert_allclose(power(3, x), x ** 3, rtol=1e-15)
    np.testing.assert_allclose(power(2, x, scale=0.5), 0.5 * x ** 2, rtol=1e-15)
    before = power.trace_count
    power(2, x, scale=3.0)  # scale stays a runtime input: no retrace
    assert power.trace_count == before
    assert "mul" in power.ir(3, x)


def test_rules():
    with pytest.raises(ValueError, match="static_argnames: 'nope' is not a parameter"):
        ff.jit(lambda x: x, static_argnames="nope")
    with pytest.raises(ValueError, match="static_argnums: 3 is not a parameter position"):
        ff.jit(lambda x: x, static_argnums=3)
    with pytest.raises(TypeError, match="norm: a static argument must be hashable"):
        normalise(np.ones(2), norm=["l1"])


def test_pickles_by_reference():
    assert pickle.loads(pickle.dumps(normalise)) is normalise


def test_keyword_and_default_calls_equal_positional_and_keep_errors():
    @ff.jit
    def f(x, y, alpha=2.0):
        return x * alpha + y

    x, y = np.arange(3.0), np.ones(3)
    expected = x * 2.0 + y
    for result in (f(x, y), f(x, y=y), f(y=y, x=x), f(x=x, y=y, alpha=2.0), f(x, y, 2.0)):
        np.testing.assert_array_equal(result, expected)
    assert f.trace_count == 1  # every spelling is the same positional signature
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):
        f(x, x=x)
    with pytest.raises(TypeError, match="missing a required argument: 'y'"):
        f(x)
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        f(x, y, z=1.0)
