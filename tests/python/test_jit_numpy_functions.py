"""NumPy functions on traced values inside ff.jit (issue 15 item 5): the supported ones give
NumPy's result on the same inputs; the others raise a TypeError naming the NumPy function (and
the ff equivalent) and the user's line."""

import numpy as np
import pytest

import fuseflow as ff


X = np.array([-2.0, 0.5, 3.0, -0.25, 1.5])
Y = np.array([1.0, 2.0, 4.0, -3.0, 0.125])

CASES = {
    "sum": lambda x, y: np.sum(x),
    "sum_exp": lambda x, y: np.sum(np.exp(x)),
    "mean": lambda x, y: np.mean(y),
    "min": lambda x, y: np.min(x),
    "max": lambda x, y: np.max(x),
    "amax": lambda x, y: np.amax(y),
    "argmin": lambda x, y: np.argmin(x),
    "argmax": lambda x, y: np.argmax(y),
    "where": lambda x, y: np.where(x > 0, x, y),
    "clip": lambda x, y: np.clip(x, -1.0, 1.0),
    "dot": lambda x, y: np.dot(x, y),
    "round": lambda x, y: np.round(x),
    "norm": lambda x, y: np.linalg.norm(x),
    "add_reduce": lambda x, y: np.add.reduce(y),
    "maximum_reduce": lambda x, y: np.maximum.reduce(x),
    "ufunc_chain": lambda x, y: np.tanh(np.maximum(x, y)) * np.sqrt(np.abs(y)),
    "cumsum": lambda x, y: np.cumsum(x * y),
    "cumprod": lambda x, y: np.cumprod(y, axis=0),
    "sort": lambda x, y: np.sort(x + y),
    "argsort": lambda x, y: np.argsort(y),
    "take": lambda x, y: np.take(x, np.argsort(y)),
    "add_accumulate": lambda x, y: np.add.accumulate(x),
    "maximum_accumulate": lambda x, y: np.maximum.accumulate(y),
    "diff": lambda x, y: np.diff(x),
    "diff_n2": lambda x, y: np.diff(y, n=2),
    "median": lambda x, y: np.median(x + y),
    "quantile": lambda x, y: np.quantile(y, 0.3),
    "concatenate": lambda x, y: np.concatenate([x, y * 2]),
    "stack_axis1": lambda x, y: np.stack([x, y], axis=1),
    "reshape_transpose": lambda x, y: np.transpose(np.reshape(np.concatenate([x, y]), (2, 5))),
    "reshape_minus_one": lambda x, y: np.reshape(np.stack([x, y]), -1),
    "transpose_axes": lambda x, y: np.transpose(np.reshape(np.stack([x, y]), (2, 5, 1)), (2, 0, 1)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_function_on_traced_values_matches_numpy(name):
    fn = CASES[name]
    got = ff.jit(fn)(X, Y)
    want = fn(X, Y)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)


@pytest.mark.parametrize("fn, message", [
    (lambda x: np.unique(x), r"numpy.unique is not supported on traced values inside ff.jit"),
    (lambda x: np.sinh(x), r"numpy.sinh is not supported on traced values inside ff.jit"),
    (lambda x: np.exp(x, out=x), r"numpy.exp\(out=...\) is not supported inside ff.jit"),
    (lambda x: np.where(x > 0), r"numpy.where\(condition\) \(the indices form\) is not supported"),
    (lambda x: np.sum(x, dtype=np.float32), r"numpy.sum\(dtype=...\) is not supported inside ff.jit; ff.sum takes"),
    (lambda x: np.round(x, 2), r"numpy.round\(decimals=2\) is not supported inside ff.jit"),
    (lambda x: np.linalg.norm(x, ord=1), r"numpy.linalg.norm inside ff.jit: only the default 2-norm"),
    # (ufunc.accumulate of an unsupported ufunc raises the same way, but NumPy 2's accumulate override
    # path then keeps a reference to the traced input: nanobind's exit report counts it; outer does not.)
    (lambda x: np.add.outer(x, x), r"numpy.add.outer is not supported on traced values"),
    (lambda x: np.concatenate([x, x], out=x), r"numpy.concatenate\(out=...\) is not supported inside ff.jit"),
])
def test_unsupported_numpy_function_raises_type_error_naming_it(fn, message):
    with pytest.raises(TypeError, match=message) as info:
        ff.jit(fn)(X)
    assert f"(at {__file__}:" in str(info.value)  # the user's line


def test_numpy_histogram_and_bincount_on_traced_values():
    x = np.array([0.5, 2.5, 2.6, 9.9, 7.0])
    counts, edges = ff.jit(lambda x: np.histogram(x, bins=4, range=(0.0, 10.0)))(x)
    want_counts, want_edges = np.histogram(x, bins=4, range=(0.0, 10.0))
    np.testing.assert_array_equal(counts, want_counts)
    np.testing.assert_array_equal(edges, want_edges)
    i = np.array([0, 2, 2, 5, 1, 1])
    np.testing.assert_array_equal(ff.jit(lambda i: np.bincount(i, minlength=8))(i), np.bincount(i, minlength=8))
    with pytest.raises(TypeError, match="static output length"):  # ff.bincount's rule, by name
        ff.jit(lambda i: np.bincount(i))(i)


# ---- trace errors in the user's terms: argument names, this call's lengths, the user's line

def test_length_mismatch_names_arguments_and_their_lengths():
    @ff.jit
    def add(a, b):
        return a + b

    with pytest.raises(ValueError) as info:
        add(np.ones(3), np.ones(4))
    message = str(info.value)
    assert message.startswith("add: length mismatch: a (f64[n0=3]) has length n0=3 but b (f64[n1=4]) has length n1=4")
    assert f"(at {__file__}:" in message and "arguments: a: shape (3,); b: shape (4,)" in message
    assert "%" not in message


def test_broadcast_error_names_arguments_and_shapes():
    @ff.jit
    def affine(weights, bias):
        return weights * 2.0 + bias

    with pytest.raises(ValueError) as info:
        affine(np.ones((2, 3)), np.ones(4))
    message = str(info.value)
    assert "a computed value (f64[n0=2, n1=3])" in message and "bias (f64[n2=4])" in message
    assert "arguments: weights: shape (2, 3); bias: shape (4,)" in message
    assert "do not broadcast" in message and "%" not in message.split(" (at ")[0]


def test_intermediate_values_are_named_as_computed():
    @ff.jit
    def pick(x, y):
        return ff.where(x > 0, x, y)

    with pytest.raises(ValueError, match=r"where: length mismatch: a computed value \(bool\[n0=3\]\) has length "
                                         r"n0=3 but y \(f64\[n1=4\]\) has length n1=4"):
        pick(np.ones(3), np.ones(4))
