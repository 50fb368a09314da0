"""Random expression programs for property tests: one tree, evaluated by ff.jit and by NumPy.

A tree is built from tuples; `evaluate(tree, args)` uses Python operators and ff.* functions,
which trace inside ff.jit and fall back to NumPy outside it, so the same code is both the
program under test and its NumPy reference.
"""

import numpy as np
from hypothesis import strategies as st

import fuseflow as ff

DTYPES = ["float64", "float32", "int64", "int32"]
# Ops that are exact in IEEE arithmetic (or integer), so results must match NumPy bit for bit.
EXACT_BINARY = ["add", "sub", "mul", "div", "floor_div", "mod", "minimum", "maximum"]
EXACT_UNARY = ["neg", "abs", "floor", "ceil", "sqrt", "round"]
COMPARISONS = ["lt", "le", "gt", "ge", "eq", "ne"]

_BIN = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "floor_div": lambda a, b: a // b,
    "mod": lambda a, b: a % b,
    "minimum": lambda a, b: ff.minimum(a, b),
    "maximum": lambda a, b: ff.maximum(a, b),
    "pow": lambda a, b: a ** b,
}
_CMP = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
}
_UN = {
    "neg": lambda a: -a,
    "abs": lambda a: ff.abs(a),
    "floor": lambda a: ff.floor(a),
    "ceil": lambda a: ff.ceil(a),
    "sqrt": lambda a: ff.sqrt(a),
    "round": lambda a: ff.round(a),
}


def evaluate(tree, args):
    kind = tree[0]
    if kind == "arg":
        return args[tree[1]]
    if kind == "const":
        return tree[1]
    if kind == "un":
        return _UN[tree[1]](evaluate(tree[2], args))
    if kind == "bin":
        a, b = evaluate(tree[2], args), evaluate(tree[3], args)
        if _is_python_number(a) and _is_python_number(b) and tree[1] not in ("minimum", "maximum"):
            # Python would raise on x // 0; fold like a weak NumPy op instead (same on both sides).
            # (ff.minimum/maximum of Python numbers give strong NumPy scalars, like np.minimum.)
            with np.errstate(all="ignore"):
                return _BIN[tree[1]](np.asarray(a), np.asarray(b)).item()
        return _BIN[tree[1]](a, b)
    if kind == "where":
        cond = _CMP[tree[1]](evaluate(tree[2], args), evaluate(tree[3], args))
        return ff.where(cond, evaluate(tree[4], args), evaluate(tree[5], args))
    if kind == "cast":
        v = evaluate(tree[2], args)
        if hasattr(v, "astype"):
            return v.astype(tree[1])
        with np.errstate(all="ignore"):
            return np.dtype(tree[1]).type(v)  # a Python scalar becomes a (strong) NumPy scalar
    raise AssertionError(kind)


def _is_python_number(v):
    return type(v) in (int, float)  # exact: np.float64 subclasses float but is a strong NumPy scalar


def uses_array(tree, array_args):
    if tree[0] == "arg":
        return tree[1] in array_args
    return any(uses_array(t, array_args) for t in tree[1:] if isinstance(t, tuple))


def trees(num_args, max_leaves=12):
    leaf = st.one_of(
        st.integers(0, num_args - 1).map(lambda i: ("arg", i)),
        st.sampled_from([0.5, 2.0, -1.5, 3, 0, -2, 1e300]).map(lambda c: ("const", c)),
    )

    def extend(children):
        return st.one_of(
            st.tuples(st.just("un"), st.sampled_from(EXACT_UNARY), children),
            st.tuples(st.just("bin"), st.sampled_from(EXACT_BINARY), children, children),
            st.tuples(st.just("where"), st.sampled_from(COMPARISONS), children, children, children, children),
            # Casts to float only: float -> int of NaN/inf/huge values is undefined in C++ and NumPy alike.
            st.tuples(st.just("cast"), st.sampled_from(["float64", "float32"]), children),
        )

    return st.recursive(leaf, extend, max_leaves=max_leaves)


def float_values():
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True, width=64),
        st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 1e-310, 7.0]),
    )


@st.composite
def arrays_and_scalars(draw, num_args):
    """(args, kinds): a mix of 1-D arrays (one common length, some of length 1) and scalars."""
    length = draw(st.sampled_from([0, 1, 2, 5, 17, 100]))
    args, kinds = [], []
    for i in range(num_args):
        kind = draw(st.sampled_from(["array", "array", "array", "pyfloat", "pyint", "npscalar"]))
        if i == 0:
            kind = "array"
        if kind == "array":
            dtype = draw(st.sampled_from(DTYPES))
            n = 1 if (length > 1 and draw(st.booleans()) and i > 0 and draw(st.booleans())) else length
            if dtype.startswith("float"):
                vals = draw(st.lists(float_values(), min_size=n, max_size=n))
                arr = np.array(vals, dtype=np.float64).astype(dtype)
            else:
                vals = draw(st.lists(st.integers(-100, 100), min_size=n, max_size=n))
                arr = np.array(vals, dtype=dtype)
            args.append(arr)
        elif kind == "pyfloat":
            args.append(draw(float_values()))
        elif kind == "pyint":
            args.append(draw(st.integers(-50, 50)))
        else:
            dtype = draw(st.sampled_from(DTYPES))
            v = draw(float_values()) if dtype.startswith("float") else draw(st.integers(-50, 50))
            with np.errstate(all="ignore"):
                args.append(np.dtype(dtype).type(v))
        kinds.append(kind)
    return args, kinds


def make_function(tree, num_args):
    """A Python function of num_args positional arguments evaluating tree."""
    names = [f"a{i}" for i in range(num_args)]
    namespace = {"_evaluate": evaluate, "_tree": tree}
    exec(f"def program({', '.join(names)}):\n    return _evaluate(_tree, [{', '.join(names)}])\n", namespace)
    return namespace["program"]
