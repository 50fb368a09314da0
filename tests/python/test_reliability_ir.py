"""Reliability of the IR layer and the optimizer (issue 16, reproducers r06-r09 and r13's parser
part). Rules checked here:

- loops nest at most 256 deep: one level more is a ValueError naming the line and the limit, from
  the text parser and from ff.jit alike; the whole pipeline runs a program at the limit;
- the verifier rejects a fused region yielding one value twice (ValueError naming the rule), and
  storage annotations that would overwrite a value before it is read;
- results AND errors do not depend on which optimizer passes run (FUSEFLOW_DISABLE_PASSES=all);
- every array a compiled program returns is a buffer of its own: never another output's, never
  the caller's input;
- parser messages are valid text whatever the input characters, and keep the line number.
"""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import _core


def run_isolated(code):
    """Runs `code` in a fresh interpreter (a crash there must not take pytest down)."""
    proc = subprocess.run([sys.executable, "-"], input=textwrap.dedent(code), capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def nested_loops(depth):
    """`depth` loops inside each other over %0; the innermost body triples the carry (two adds).
    Loop k opens on line 2 + 2k."""
    text = ["func @f(%0:f64[n0], %1:~i64) {"]
    results, v, cur = [], 2, 0
    for _ in range(depth):
        text += [f"%{v}:f64[n0] = loop %1, %{cur} {{", f"^(%{v + 1}:f64[n0]):"]
        results.append(v)
        cur, v = v + 1, v + 2
    text += [f"%{v}:f64[n0] = add %{cur}, %{cur}", f"%{v + 1}:f64[n0] = add %{v}, %{cur}"]
    cur = v + 1
    for r in reversed(results):
        text += [f"yield %{cur}", "}"]
        cur = r
    text += [f"return %{cur}", "}"]
    return "\n".join(text)


# ---------------------------------------------------------------- r06: nesting depth


def test_r06_seven_thousand_nested_loops_raise_value_error_not_sigsegv():
    code = f"""
        import fuseflow as ff
        text = {nested_loops(7000)!r}
        try:
            ff._core.parse_ir(text)
        except ValueError as e:
            print("ValueError:", e)
    """
    rc, out, err = run_isolated(code)
    assert rc == 0, err[-2000:]
    assert out.startswith("ValueError: IR text: line 514, "), out
    assert "at most 256" in out


def test_r06_program_at_the_limit_parses_optimizes_and_runs():
    p = _core.parse_ir(nested_loops(256))
    x = np.array([0.5, -2.0, 7.25])
    out = _core.compile(p).run([x, 1])
    np.testing.assert_array_equal(out[0], 3 * x)


def test_r06_one_level_more_names_the_line_and_the_limit():
    with pytest.raises(ValueError, match=r"^IR text: line 514, column \d+: loop: loops nest deeper than 256 levels"):
        _core.parse_ir(nested_loops(257))


def test_r06_jit_nesting_beyond_the_limit_is_a_value_error(monkeypatch):
    # Each traced level costs a few Python frames: give the tracer room to reach the limit.
    monkeypatch.setattr(sys, "getrecursionlimit", sys.getrecursionlimit)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20000))
    try:
        def nest(depth):
            def body(c, d=depth):
                return c + 1.0 if d == 0 else ff.fori_loop(1, lambda c2: body(c2, d - 1), c)
            return body

        ok = ff.jit(lambda x: ff.fori_loop(1, nest(255), x))  # 256 loops
        np.testing.assert_array_equal(ok(np.zeros(2)), np.ones(2))
        too_deep = ff.jit(lambda x: ff.fori_loop(1, nest(256), x))  # 257 loops
        with pytest.raises(ValueError, match="loops nest deeper than 256 levels"):
            too_deep(np.zeros(2))
    finally:
        sys.setrecursionlimit(old)


# ---------------------------------------------------------------- r07: fused yields, storage

R07 = """func @f(%0:f64[n0]) {
  %1:f64[n0], %2:f64[n0] = fused {
  ^():
    %3:f64[n0] = exp %0
    yield %3, %3
  }
  return %1, %2
}"""


def test_r07_fused_region_yielding_one_value_twice_is_rejected():
    code = f"""
        import numpy as np, fuseflow as ff
        try:
            p = ff._core.parse_ir({R07!r})
            print("accepted", ff._core.compile(p).run([np.arange(5.0)]))
        except ValueError as e:
            print("ValueError:", e)
    """
    rc, out, err = run_isolated(code)
    assert rc == 0, err[-2000:]
    assert out.strip() == (
        "ValueError: IR text: line 5, column 15: fused: yields %3 twice; a fused region yields each value at most once"
    ), out


def test_r07_epilogue_yielding_the_aggregate_twice_is_rejected():
    text = """func @f(%0:graph, %1:f64[N]) {
  %2:f64[N], %3:f64[N] = fused_agg.sum.in %0, %1 {
  ^(%4:f64[N]):
    yield %4
  } do {
  ^(%5:f64[N]):
    yield %5, %5
  }
  return %2, %3
}"""
    with pytest.raises(ValueError, match="fused_agg: yields %5 twice"):
        _core.parse_ir(text)


# Accepted on the old main, and run there to a wrong second output: %6 overwrites %3 (in place)
# before `add %6, %3` reads it.
IN_PLACE_TOO_EARLY = """func @f(%0:graph, %1:f64[N], %2:~f64) {
  %3:f64[N] = neighbor_agg.sum.in %0, %1
  %4:f64[N]@%3, %5:f64[N] = fused {
  ^():
    %6:f64[N] = mul %3, %2
    %7:f64[N] = add %6, %3
    yield %6, %7
  }
  return %4, %5
}"""

AGGREGATE_TOO_EARLY = """func @f(%0:graph, %1:f64[N]) {
  %2:f64[N], %3:f64[N] = fused_agg.max.out %0, %1 {
  ^(%4:f64[N]):
    yield %4
  } do {
  ^(%5:f64[N]@%2):
    %6:f64[N] = add %5, %1
    %7:f64[N] = exp %5
    yield %6, %7
  }
  return %2, %3
}"""


@pytest.mark.parametrize(
    "text, rule",
    [
        (IN_PLACE_TOO_EARLY, "no earlier than the region's last read"),
        (AGGREGATE_TOO_EARLY, "no earlier than the epilogue's last read of the aggregate"),
    ],
)
def test_r07_storage_that_overwrites_a_value_before_it_is_read_is_rejected(text, rule):
    with pytest.raises(ValueError, match=rule):
        _core.parse_ir(text)


def test_r07_the_same_program_with_a_safe_plan_runs_right(rng):
    # The in-place update the planner would make (the result computed after the last read).
    text = IN_PLACE_TOO_EARLY.replace("%4:f64[N]@%3, %5:f64[N]", "%4:f64[N], %5:f64[N]@%3")
    n = 50_000
    src, dst = rng.integers(0, n, 4 * n), rng.integers(0, n, 4 * n)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    x = rng.random(n)
    out = _core.compile(_core.parse_ir(text)).run([g, x, 2.0])
    agg = np.bincount(dst, weights=x[src], minlength=n)
    np.testing.assert_allclose(out[0], 2 * agg, rtol=1e-12)
    np.testing.assert_allclose(out[1], 3 * agg, rtol=1e-12)


# ---------------------------------------------------------------- r08: errors independent of passes


def outcome(make, args, monkeypatch, disabled):
    """('ok', outputs) or ('error', type name, message) of a freshly compiled program."""
    if disabled:
        monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", disabled)
    else:
        monkeypatch.delenv("FUSEFLOW_DISABLE_PASSES", raising=False)
    try:
        out = ff.jit(make())(*args)
    except Exception as e:  # noqa: BLE001 -- the type is part of the outcome
        return ("error", type(e).__name__, str(e))
    outs = out if isinstance(out, tuple) else (out,)
    return ("ok", [np.asarray(o).tolist() for o in outs])


def same_outcome(make, args, monkeypatch):
    on = outcome(make, args, monkeypatch, None)
    off = outcome(make, args, monkeypatch, "all")
    assert on == off
    return on


ints = np.array([2, 3])
neg = np.array([-1, -1])


def test_r08_zero_trip_loop_does_not_raise_for_a_hoistable_integer_pow(monkeypatch):
    res = same_outcome(lambda: lambda x, e, n: ff.fori_loop(n, lambda c: c + x ** e, x + 0), (ints, neg, 0), monkeypatch)
    assert res == ("ok", [[2, 3]])


def test_r08_dead_integer_pow_still_raises(monkeypatch):
    res = same_outcome(lambda: lambda x, e: (x ** e, x + 1)[1], (ints, neg), monkeypatch)
    assert res[:2] == ("error", "ValueError") and "negative integer powers" in res[2]


def test_r08_zero_trip_loop_does_not_raise_for_a_negative_arange_count(monkeypatch):
    make = lambda: lambda x, m, n: ff.fori_loop(n, lambda c: c + ff.sum(ff.arange(m)), x + 0)  # noqa: E731
    assert same_outcome(make, (ints, -3, 0), monkeypatch) == ("ok", [[2, 3]])


def test_r08_dead_full_with_a_negative_count_still_raises(monkeypatch):
    res = same_outcome(lambda: lambda x, m: (ff.full(m, 1.0), x + 1)[1], (ints, -3), monkeypatch)
    assert res[:2] == ("error", "ValueError") and "count must be >= 0" in res[2]


@pytest.mark.parametrize("op", ["floor_div", "mod"])
def test_r08_integer_division_by_zero_gives_one_outcome(op, monkeypatch):
    # Whatever the executor's rule for division by zero, the optimizer must not change it: a dead
    # division, one in a zero-trip loop, and one by a constant zero.
    div = (lambda a, b: a // b) if op == "floor_div" else (lambda a, b: a % b)
    zero = np.array([0, 0])
    same_outcome(lambda: lambda x, d: (div(x, d), x + 1)[1], (ints, zero), monkeypatch)
    same_outcome(lambda: lambda x, d, n: ff.fori_loop(n, lambda c: c + div(x, d), x + 0), (ints, zero, 0), monkeypatch)
    same_outcome(lambda: lambda x: div(x, 0), (ints,), monkeypatch)
    same_outcome(lambda: lambda x: div(7, 0) + x, (ints,), monkeypatch)


# ---------------------------------------------------------------- r09: distinct output buffers


def pairwise_shared(outputs, inputs):
    arrays = [o for o in outputs if isinstance(o, np.ndarray)]
    bad = [(i, j) for i in range(len(arrays)) for j in range(i + 1, len(arrays)) if np.shares_memory(arrays[i], arrays[j])]
    bad += [("input", k, i) for i, a in enumerate(arrays) for k, x in enumerate(inputs)
            if isinstance(x, np.ndarray) and np.shares_memory(a, x)]
    return bad


def twice(x):
    y = x * 2
    return y, y


def swap_carries(x, n):
    y = x * 3
    return ff.fori_loop(n, lambda c: (c[1], c[0]), (y, y))


def loop_and_init(x, n):
    y = x * 3
    return ff.fori_loop(n, lambda c: c * 2, y), y


def loop_twice(x, n):
    r = ff.fori_loop(n, lambda c: c + 1, x * 3)
    return r, r


CASES = [
    ("cse_makes_equal", lambda x, n: (x * 2, x * 2), lambda x, n: (x * 2, x * 2)),
    ("same_value_twice", lambda x, n: twice(x), lambda x, n: (x * 2, x * 2)),
    ("identity", lambda x, n: x, lambda x, n: x),
    ("input_twice", lambda x, n: (x, x), lambda x, n: (x, x)),
    ("simplified_to_input", lambda x, n: (x * 1, x), lambda x, n: (x, x)),
    ("swap_carries", swap_carries, lambda x, n: (x * 3, x * 3)),
    ("loop_and_its_init", loop_and_init, lambda x, n: (x * 3 * 2.0 ** n, x * 3)),
    ("loop_result_twice", loop_twice, lambda x, n: (x * 3 + n, x * 3 + n)),
]


@pytest.mark.parametrize("disabled", [None, "all"])
@pytest.mark.parametrize("n", [0, 1, 2])
@pytest.mark.parametrize("name, fn, ref", CASES, ids=[c[0] for c in CASES])
def test_r09_returned_arrays_never_share_memory(name, fn, ref, n, disabled, monkeypatch):
    if disabled:
        monkeypatch.setenv("FUSEFLOW_DISABLE_PASSES", disabled)
    else:
        monkeypatch.delenv("FUSEFLOW_DISABLE_PASSES", raising=False)
    x = np.arange(4.0)
    keep = x.copy()
    out = ff.jit(fn)(x, n)
    outs = out if isinstance(out, tuple) else (out,)
    want = ref(x, n)
    want = want if isinstance(want, tuple) else (want,)
    for o, w in zip(outs, want):
        np.testing.assert_array_equal(o, w)
    assert pairwise_shared(outs, [x]) == []
    for o in outs:
        o[0] = 99.0  # writing one output changes nothing else
    for o, w in zip(outs, want):
        np.testing.assert_array_equal(o[1:], np.asarray(w)[1:])
    np.testing.assert_array_equal(x, keep)


def test_r09_reproducer():
    a, b = ff.jit(lambda x: (x * 2, x * 2))(np.ones(3))
    a[0] = 99
    np.testing.assert_array_equal(b, [2.0, 2.0, 2.0])


# ---------------------------------------------------------------- r13: parser messages


def test_r13_non_ascii_character_is_quoted_whole_with_its_line():
    with pytest.raises(ValueError) as info:
        _core.parse_ir("func @f() {\n  漢\n}")
    assert str(info.value) == "IR text: line 2, column 3: unexpected character '漢'"


def test_r13_control_characters_are_escaped():
    with pytest.raises(ValueError) as info:
        _core.parse_ir("func @f() {\n return\n}\n\x01")
    assert str(info.value) == "IR text: line 4, column 1: unexpected character byte \\x01"


def test_r13_a_location_file_name_keeps_its_characters():
    text = 'func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %0 loc("漢字.py":3)\n  return %1\n}\n'
    assert _core.parse_ir(text).print(locations=True) == text


def test_r07_prologue_with_ops_yielding_its_argument_is_rejected():
    # Accepted on the old main and run to a wrong aggregate.
    text = """func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = fused_agg.sum.in %0, %1 {
  ^(%3:f64[N]):
    %4:f64[N] = neg %3
    yield %3
  } do {
  ^(%5:f64[N]):
    %6:f64[N] = exp %5
    yield %6
  }
  return %2
}"""
    with pytest.raises(ValueError, match="a prologue yielding its argument is the identity and holds no ops"):
        _core.parse_ir(text)
