"""The DSL's op names against the C++ op table (include/fuseflow/ir/ops.def, via _core.op_table()),
and the ops the table added (ff.relu, ff.square) against NumPy, bit for bit, NaN/inf/-0.0 included.
Runs with and without the optimizer (scripts/test.sh repeats the suite with
FUSEFLOW_DISABLE_PASSES=all), so folded, fused and unfused evaluation all meet NumPy."""

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import _core, dsl
# ff.relu / ff.square once fuseflow/__init__.py re-exports them (its import list is not this
# change's to edit); the functions are the same objects.
from fuseflow.dsl import relu, square

# Unary rows reached through operators or methods rather than an ff.* function.
_OPERATOR_UNARY = {"neg": "-x", "not": "~x", "cast": "x.astype"}


def _table(cls):
    return [name for name, c, _ in _core.op_table() if c == cls]


def test_every_unary_row_is_one_dsl_function():
    # dsl._UNARY_FUNCTIONS: op name -> the ff.* function made for it (a builtin for the ops with a
    # native kernel, see _make_unary); each must be bound in dsl under the op's own name.
    functions = {}
    for op, fn in dsl._UNARY_FUNCTIONS.items():
        names = [k for k, v in vars(dsl).items() if v is fn]
        assert len(names) == 1, f"the function of op {op!r} is bound as {names}"
        functions[op] = names[0]
    want = set(_table("unary")) - set(_OPERATOR_UNARY)
    assert set(functions) == want
    for op, attr in functions.items():
        assert attr == op, f"dsl.{attr} traces op {op!r}: the function must carry the op's name"
        assert op in dsl.__all__, f"ff.{op} is missing from fuseflow.dsl.__all__"


def test_ufunc_names_are_table_rows():
    names = {name for name, _, _ in _core.op_table()}
    assert set(dsl._UFUNCS.values()) <= names


def _ops_in(f, *args):
    text = f.ir(*args)
    return {line.split("=", 1)[1].split()[0] for line in text.splitlines() if "=" in line and ":" in line.split("=")[0]}


def test_every_binary_row_is_reachable_from_python():
    def floats(x, y):
        return (x + y, x - y, x * y, x / y, x // y, x % y, x ** y, ff.minimum(x, y), ff.maximum(x, y),
                x < y, x <= y, x > y, x >= y, x == y, x != y)

    def ints(a, b):
        return a & b, a | b, a ^ b

    x = np.ones(3)
    a = np.ones(3, np.int64)
    seen = _ops_in(ff.jit(floats), x, x) | _ops_in(ff.jit(ints), a, a)
    assert set(_table("binary")) <= seen, f"binary rows without a Python spelling: {set(_table('binary')) - seen}"


def test_op_table_flags_are_consistent():
    for name, cls, flags in _core.op_table():
        if "commutative" in flags:
            assert cls == "binary", name
        if "float_valued" in flags:
            assert cls == "unary", name


# ----------------------------------------------------------------------------- relu / square vs NumPy

def _edge_values(dtype):
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(7)
    if dtype == np.bool_:
        return np.array([True, False, True, True, False] * 60, dtype)
    if dtype.kind == "i":
        info = np.iinfo(dtype)
        edges = [0, 1, -1, 2, -2, info.min, info.max, info.min + 1, 46341, -46341, 3037000500]
        edges = [v for v in edges if info.min <= v <= info.max]
        return np.concatenate([np.array(edges, dtype), rng.integers(-1000, 1000, 600).astype(dtype)])
    info = np.finfo(dtype)
    edges = [0.0, -0.0, 1.0, -1.0, np.nan, -np.nan, np.inf, -np.inf, info.max, -info.max, info.tiny,
             -info.tiny, info.smallest_subnormal, -info.smallest_subnormal, 1e200 if dtype == np.float64 else 1e30]
    return np.concatenate([np.array(edges, dtype), (rng.standard_normal(600) * 10).astype(dtype)])


def _assert_bitwise(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    if got.dtype.kind == "f":
        nan = np.isnan(want)
        np.testing.assert_array_equal(np.isnan(got), nan)
        bits = np.dtype(f"u{got.dtype.itemsize}")
        np.testing.assert_array_equal(got[~nan].view(bits), want[~nan].view(bits))
    else:
        np.testing.assert_array_equal(got, want)


def _numpy_relu(x):
    return np.maximum(x, x.dtype.type(0))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_relu_matches_numpy_maximum_with_zero(dtype):
    x = _edge_values(dtype)
    _assert_bitwise(ff.jit(lambda v: relu(v))(x), _numpy_relu(x))
    _assert_bitwise(relu(x), _numpy_relu(x))  # eager, outside ff.jit


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_square_matches_numpy(dtype):
    x = _edge_values(dtype)
    with np.errstate(over="ignore"):
        want = np.square(x)
    _assert_bitwise(ff.jit(lambda v: square(v))(x), want)
    _assert_bitwise(ff.jit(lambda v: np.square(v))(x), want)  # the ufunc on a traced value
    with np.errstate(over="ignore"):
        _assert_bitwise(square(x), want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_and_square_fused_with_weak_scalars(dtype):
    x = _edge_values(dtype)

    @ff.jit
    def f(v, s):
        return relu(v - s) * 2 + square(v) * 0.5

    want_t = np.dtype(dtype).type
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.maximum(x - want_t(1.5), want_t(0)) * want_t(2) + np.square(x) * want_t(0.5)
    _assert_bitwise(f(x, 1.5), want)


def test_relu_and_square_of_traced_scalars_and_constants():
    @ff.jit
    def f(x, s):
        # relu(-2.5) and square(3) are constants (folded when the optimizer runs); s is an input.
        return x + relu(-2.5) + square(3) + relu(s) + square(s)

    x = np.array([1.0, -0.0, np.nan])
    for s in (-1.25, 0.0, -0.0, 2.0, np.inf, -np.inf, np.nan):
        want = x + 0.0 + 9 + np.maximum(np.float64(s), 0.0) + np.square(np.float64(s))
        _assert_bitwise(f(x, s), want)


@pytest.mark.parametrize("fn", [relu, square])
def test_relu_and_square_of_bool_are_type_errors_naming_the_op(fn):
    # np.square(bool) is int8 and np.maximum(bool, 0) int64: neither has a fuseflow equivalent.
    name = fn.__name__
    with pytest.raises(TypeError, match=rf"{name}: bool operand"):
        ff.jit(lambda v: fn(v))(np.array([True, False]))
    with pytest.raises(TypeError, match=rf"ff.{name}: x must be numeric"):
        fn(np.array([True]))
    with pytest.raises(TypeError, match=rf"ff.{name}: x must be numeric"):
        fn(True)
