"""IR and tracing: round trip of the text format, trace-time errors with the user's line,
signature caching (scalars never recompile), Graphviz output. No execution needed here."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuseflow as ff
from fuseflow import _core

from expr_programs import arrays_and_scalars, make_function, trees, uses_array


def _line_of(marker):
    """Line number in this file of the first source line containing marker."""
    with open(__file__) as f:
        lines = f.readlines()
    for i, line in enumerate(lines):
        if marker in line and "_line_of" not in line:
            return i + 1
    raise AssertionError(marker)


def _graph():
    # 4 nodes, 5 edges: node and edge arrays have different lengths (N != E).
    return ff.Graph.from_edges(np.array([0, 1, 2, 2, 3]), np.array([1, 2, 0, 1, 0]), num_nodes=4)


# ------------------------------------------------------------------ text round trip

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_programs_round_trip_through_text(data):
    num_args = data.draw(st.integers(1, 4))
    args, kinds = data.draw(arrays_and_scalars(num_args))
    tree = data.draw(trees(num_args))
    f = ff.jit(make_function(tree, num_args))
    try:
        text = f.ir(*args)
    except TypeError as e:  # a scalar-only program returns a non-array, or bool arithmetic
        assert "must be" in str(e) or "bool" in str(e)
        return
    program = _core.parse_ir(text)
    assert program.print() == text
    located = f.ir(*args, locations=True)
    assert ("loc(" in located) == (" = " in text)  # every op carries the user's file:line
    assert _core.parse_ir(located).print(True) == located


def test_loops_and_graph_ops_round_trip():
    @ff.jit
    def prog(g, x, w, k):
        deg = g.in_degree()

        def body(carry):
            a, b = carry
            return ff.neighbor_agg(g, a, "mean", "both", w) + deg, b + 1

        a, b = ff.fori_loop(k, body, (x, 0))
        c = ff.while_loop(lambda v: ff.max(v) > 1.0, lambda v: v * 0.5, a)
        d = ff.converge(lambda v: ff.sqrt(v), ff.abs(c) + 1.0, tol=1e-9, max_iter=50, norm="inf")
        return g.edge_src(d) * g.edge_dst(d), b, ff.arange(g.num_edges), ff.full(x.size, True)

    g = _graph()
    text = prog.ir(g, np.ones(4), np.ones(5), 3)
    assert "neighbor_agg.mean.both" in text and "while" in text and "} do {" in text
    assert _core.parse_ir(text).print() == text


def test_malformed_ir_raises_value_error_with_line_and_column():
    with pytest.raises(ValueError, match=r"line 2, column 16: unknown op 'frob'"):
        _core.parse_ir("func @f(%0:f64[n0]) {\n  %1:f64[n0] = frob %0\n  return %1\n}\n")
    with pytest.raises(ValueError, match=r"line 1, column 1: expected 'func'"):
        _core.parse_ir("garbage")


# ------------------------------------------------------------------ trace-time errors

def test_length_mismatch_names_op_and_user_line():
    @ff.jit
    def f(x, y):
        return x + y  # LENGTH-MISMATCH

    with pytest.raises(ValueError) as e:
        f(np.ones(3), np.ones(4))
    msg = str(e.value)
    assert "add" in msg and "length mismatch" in msg
    assert f"test_ir.py:{_line_of('# LENGTH-MISMATCH')}" in msg


def test_unsupported_dtype_names_argument():
    @ff.jit
    def f(x):
        return x * 2

    with pytest.raises(TypeError, match=r"x: unsupported dtype float16"):
        f(np.ones(3, dtype=np.float16))
    with pytest.raises(TypeError, match=r"x: unsupported dtype uint8"):
        f(np.ones(3, dtype=np.uint8))
    with pytest.raises(TypeError, match=r"x: unsupported dtype complex128"):
        f(np.complex128(1))
    with pytest.raises(ValueError, match=r"x: arrays must have 1 to 4 axes"):
        f(np.ones((1, 1, 1, 1, 2)))
    with pytest.raises(TypeError, match=r"x: unsupported argument of type str"):
        f("text")
    with pytest.raises(TypeError, match=r"astype|dtype"):
        ff.jit(lambda x: x.astype(np.float16))(np.ones(2))


def test_python_if_on_traced_value_suggests_where():
    @ff.jit
    def f(x):
        if ff.sum(x) > 0:
            return x
        return -x

    with pytest.raises(TypeError, match=r"ff\.where"):
        f(np.ones(3))
    with pytest.raises(TypeError, match=r"ff\.where"):
        ff.jit(lambda x: x if bool(x > 0) else x)(np.ones(2))


def test_loop_carry_changing_type_is_type_error_with_line():
    @ff.jit
    def f(x, n):
        return ff.fori_loop(n, lambda v: v.astype(np.float32), x)  # CARRY-TYPE

    with pytest.raises(TypeError) as e:
        f(np.ones(3), 4)
    assert "carry 0 changes type from f64[n0] to f32[n0]" in str(e.value)
    assert f"test_ir.py:{_line_of('# CARRY-TYPE')}" in str(e.value)

    @ff.jit
    def g(x, n):
        return ff.fori_loop(n, lambda c: (c[0], c[1], c[0]), (x, x))

    with pytest.raises(TypeError, match=r"same structure as init"):
        g(np.ones(3), 4)

    @ff.jit
    def h(x):
        return ff.while_loop(lambda v: ff.sum(v) > 0, lambda v: v > 1.0, x)

    with pytest.raises(TypeError, match=r"carry 0 changes type"):
        h(np.ones(3))


def test_returning_non_array_is_type_error():
    with pytest.raises(TypeError, match=r"return value must be a traced array or scalar.*got str"):
        ff.jit(lambda x: "hello")(np.ones(2))
    with pytest.raises(TypeError, match=r"output 1 must be a traced array or scalar.*got float"):
        ff.jit(lambda x: (x, 1.0))(np.ones(2))
    with pytest.raises(TypeError, match=r"graph; return arrays or scalars"):
        ff.jit(lambda g: g)(_graph())
    with pytest.raises(TypeError, match=r"got NoneType"):
        ff.jit(lambda x: None)(np.ones(2))


def test_graph_op_shape_errors():
    g = _graph()
    with pytest.raises(ValueError, match=r"neighbor_agg.sum.in: node values .* must have the graph's node count N"):
        ff.jit(lambda g, x: ff.neighbor_agg(g, x, "sum"))(g, np.ones(7))
    with pytest.raises(ValueError, match=r"op: must be one of sum, mean, min, max, count, mode"):
        ff.jit(lambda g, x: ff.neighbor_agg(g, x, "median"))(g, np.ones(4))
    with pytest.raises(ValueError, match=r"direction: must be one of in, out, both"):
        ff.jit(lambda g, x: ff.neighbor_agg(g, x, "sum", "up"))(g, np.ones(4))
    with pytest.raises(ValueError, match=r"weights .* must have the graph's edge count E"):
        ff.jit(lambda g, x, w: ff.neighbor_agg(g, x, "sum", weights=w))(g, np.ones(4), np.ones(3))
    with pytest.raises(ValueError, match=r"length mismatch"):
        ff.jit(lambda g, x: g.edge_src(x) + x)(g, np.ones(4))


def test_other_trace_errors():
    with pytest.raises(TypeError, match=r"len\(\) of a traced array"):
        ff.jit(lambda x: ff.full(len(x), 1.0))(np.ones(3))
    with pytest.raises(TypeError, match=r"cannot be converted to a NumPy array"):
        ff.jit(lambda x: x + np.asarray(x))(np.ones(3))
    # Captured arrays are inputs (tests/python/test_jit_calls.py); their dtype is checked as an argument's.
    with pytest.raises(TypeError, match=r"captured \(captured\): unsupported dtype complex128"):
        captured = np.ones(3, dtype=np.complex128)
        ff.jit(lambda x: x + captured)(np.ones(3))
    with pytest.raises(TypeError, match=r"arithmetic on bool"):
        ff.jit(lambda x: (x > 0) - (x < 0))(np.ones(3))
    with pytest.raises(ValueError, match=r'norm: must be "l1", "l2" or "inf"'):
        ff.jit(lambda x: ff.converge(lambda v: v, x, norm="l3"))(np.ones(3))
    with pytest.raises(TypeError, match=r"condition .* must be a scalar"):
        ff.jit(lambda x: ff.while_loop(lambda v: v > 0, lambda v: v, x))(np.ones(3))
    with pytest.raises(ValueError, match=r"outside its loop body|defined inside a loop body"):
        leaked = []

        def body(v):
            leaked.append(v * 2)
            return v

        ff.jit(lambda x: ff.fori_loop(2, body, x) + leaked[0])(np.ones(3))


# ------------------------------------------------------------------ signatures and caching

def test_new_scalar_values_do_not_retrace():
    @ff.jit
    def f(x, a, n):
        return ff.fori_loop(n, lambda v: v * a, x)

    x = np.ones(5)
    f.ir(x, 0.5, 3)
    f.ir(x, 0.25, 10)
    f.ir(np.zeros(9), -1.0, 0)  # a new length is not a new signature
    assert f.trace_count == 1
    f.ir(x.astype(np.float32), 0.5, 3)  # a new dtype is
    assert f.trace_count == 2
    with pytest.raises(TypeError, match=r"loop: count .* must be an integer scalar"):
        f.ir(x, 0.5, 3.0)  # a float where an int was: a new signature, and a float count
    assert f.trace_count == 3
    f.ir(x, np.float32(0.5), 3)  # NumPy scalars are strong-typed: a new signature
    assert f.trace_count == 4


def test_scalar_arguments_are_inputs_not_constants():
    @ff.jit
    def f(x, a):
        return x * a

    text = f.ir(np.ones(3), 0.75)
    assert "0.75" not in text
    assert "%1:~f64" in text
    assert "%1:f32" in ff.jit(lambda x, a: x * a).ir(np.ones(3), np.float32(2))


def test_length_classes_in_signature():
    @ff.jit
    def f(g, x, y, z):
        return x * y, z

    g = _graph()
    text = f.ir(g, np.ones(4), np.ones(1), np.ones(4))
    assert "%1:f64[N], %2:f64[1], %3:f64[N]" in text
    text = f.ir(g, np.ones(6), np.ones(6), np.ones(3))
    assert "%1:f64[n0], %2:f64[n0], %3:f64[n1]" in text
    # Graph arguments take the first program inputs whatever their position.
    h = ff.jit(lambda x, g: ff.neighbor_agg(g, x, "max"))
    assert h.ir(np.ones(4), g).startswith("func @_lambda_(%0:graph, %1:f64[N])")


def test_jit_decorator_forms_and_defaults():
    @ff.jit(deterministic=True)
    def f(x, scale=2.0, *rest):
        out = x * scale
        for r in rest:
            out = out + r
        return out

    assert f.__name__ == "f"
    text = f.ir(np.ones(3), 2.0, np.ones(3), 1)
    assert text.count("add") == 2
    with pytest.raises(TypeError, match=r"f\(\)"):
        f()


def test_dot_output():
    @ff.jit
    def f(x, n):
        return ff.fori_loop(n, lambda v: ff.exp(v), x)

    dot = f.dot(np.ones(3), 2)
    assert dot.startswith('digraph "f" {')
    assert "subgraph cluster_" in dot and "exp" in dot and "->" in dot


def test_weak_promotion_matches_numpy():
    # float32 array * Python float stays float32; int32 + Python int stays int32.
    @ff.jit
    def f(x, i):
        return x * 2.5, i + 3, i / 2, x + i

    text = f.ir(np.ones(2, np.float32), np.ones(2, np.int32))
    prog = _core.parse_ir(text)
    got = [t[1] for t in prog.output_types()]
    want = [(np.ones(2, np.float32) * 2.5).dtype, (np.ones(2, np.int32) + 3).dtype,
            (np.ones(2, np.int32) / 2).dtype, (np.ones(2, np.float32) + np.ones(2, np.int32)).dtype]
    assert got == [str(w) for w in want]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_result_dtypes_match_numpy(data):
    num_args = data.draw(st.integers(1, 3))
    args, kinds = data.draw(arrays_and_scalars(num_args))
    tree = data.draw(trees(num_args, max_leaves=6))
    arrays = {i for i, k in enumerate(kinds) if k == "array"}
    if not uses_array(tree, arrays):
        return
    fn = make_function(tree, num_args)
    try:
        prog = ff.jit(fn).program(*args)
    except TypeError:
        return
    with np.errstate(all="ignore"):
        want = fn(*args)
    assert prog.output_types()[0][1] == str(np.asarray(want).dtype)


def test_edge_array_of_a_graph_with_as_many_edges_as_nodes():
    # A 4-cycle: N == E == 4, so a length-4 argument could be node or edge values.
    g = ff.Graph.from_edges(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]))

    @ff.jit
    def f(g, x, w):
        return ff.neighbor_agg(g, x, "sum", weights=w)

    text = f.ir(g, np.ones(4), np.ones(4))
    assert "%1:f64[N], %2:f64[E]" in text
    x, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 20.0, 30.0, 40.0])
    # CSR edge e leaves node e, so node v receives w[v-1] * x[v-1].
    np.testing.assert_array_equal(f(g, x, w), np.roll(w * x, 1))


def test_out_of_range_python_int_is_overflow_error():
    f = ff.jit(lambda x, k: x * k)
    with pytest.raises(OverflowError, match=r"k: integer 1180591620717411303424 does not fit in int64"):
        f.ir(np.ones(2), 2 ** 70)
    with pytest.raises(OverflowError, match=r"integer .* does not fit in int64"):
        ff.jit(lambda x: x * 2 ** 70)(np.ones(2))


def test_dsl_errors_carry_the_user_line():
    @ff.jit
    def f(x):
        return ff.full(x, 1.0)  # FULL-OF-ARRAY

    with pytest.raises(TypeError) as e:
        f(np.ones(3))
    assert "ff.full: n and value must be scalars" in str(e.value)
    assert f"test_ir.py:{_line_of('# FULL-OF-ARRAY')}" in str(e.value)

    @ff.jit
    def h(x):
        if x.sum() > 0:  # IF-ON-TRACED
            return x
        return x

    with pytest.raises(TypeError) as e:
        h(np.ones(3))
    assert f"test_ir.py:{_line_of('# IF-ON-TRACED')}" in str(e.value)

    def returns_nothing(x):
        x + 1

    with pytest.raises(TypeError, match=r"function at .*test_ir.py:\d+"):
        ff.jit(returns_nothing)(np.ones(2))
