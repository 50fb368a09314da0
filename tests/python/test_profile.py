"""f.profile(*args): the per-step table matches the plan, shares add up, the Chrome trace is valid
JSON with one complete event per step execution, and the outputs equal a normal call."""

import json

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import examples


pagerank = examples.pagerank  # the DESIGN.md program


@ff.jit
def expr(x, y):
    r = ff.where(x > 0, x * y + 2.5 * x - y / 3, ff.exp(-x) * y)
    return r, ff.sum(r)


@pytest.fixture(scope="module")
def graph():
    src, dst = ff.generators.rmat(10, 8, seed=3)
    return ff.Graph.from_edges(src, dst, num_nodes=1 << 10)


@pytest.mark.plan
def test_pagerank_profile_matches_plan_and_normal_run(graph):
    iters = 7
    prof = pagerank.profile(graph, 0.85, iters)
    np.testing.assert_array_equal(prof.outputs, pagerank(graph, 0.85, iters))
    kinds = [s["kind"] for s in prof.steps]
    assert kinds.count("loop") == 1
    loop = prof.steps[kinds.index("loop")]
    assert loop["calls"] == 1 and loop["depth"] == 0
    aggs = [s for s in prof.steps if s["kind"] == "neighbor_agg"]
    assert len(aggs) == 1
    agg = aggs[0]
    # The aggregation runs once per iteration inside the loop, with the rank update as its epilogue.
    assert agg["depth"] == 1 and agg["calls"] == iters
    assert agg["label"].startswith("neighbor_agg.sum.in + fused[") and agg["fused_ops"] > 1
    n, m = graph.num_nodes, graph.num_edges
    assert agg["elements"] == iters * (n + m + n)  # nodes + edges gathered, plus the epilogue's nodes
    # Every step of the plan appears once, in plan order, with the plan's labels.
    described = [line.split(": ", 1)[1].split("  (")[0].strip() for line in prof.plan.splitlines()
                 if line.strip().startswith("step ")]
    assert [s["label"] for s in prof.steps] == described
    assert sorted(s["step"] for s in prof.steps) == list(range(len(prof.steps)))


def test_shares_sum_to_one_and_loop_contains_its_steps(graph):
    prof = pagerank.profile(graph, 0.85, 5)
    top = [s for s in prof.steps if s["depth"] == 0]
    assert sum(s["share"] for s in top) == pytest.approx(1.0, abs=1e-9)
    assert prof.total_seconds == pytest.approx(sum(s["seconds"] for s in top))
    loop = next(s for s in prof.steps if s["kind"] == "loop")
    inner = [s for s in prof.steps if s["depth"] == 1]
    assert sum(s["seconds"] for s in inner) <= loop["seconds"] * (1 + 1e-9)
    assert all(0.0 <= s["share"] <= 1.0 + 1e-9 for s in prof.steps)


@pytest.mark.plan
def test_str_is_a_table_with_pass_report(graph):
    prof = pagerank.profile(graph, 0.85, 3)
    text = str(prof)
    assert "neighbor_agg.sum.in + fused[" in text
    for column in ("step", "kind", "fused ops", "elements", "time", "share"):
        assert column in text
    # The optimizer's report follows the table and names the passes that ran.
    assert "optimizer passes:" in text and "licm" in text and "cse" in text
    assert prof.pass_report in text or prof.pass_report.rstrip() in text
    assert len([line for line in text.splitlines() if "%" in line]) >= len(prof.steps)


def test_chrome_trace_has_one_event_per_step_execution(graph, tmp_path):
    iters = 4
    prof = pagerank.profile(graph, 0.85, iters)
    path = prof.to_chrome_trace(str(tmp_path / "trace.json"))
    with open(path) as f:
        doc = json.load(f)
    events = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert len(events) == sum(s["calls"] for s in prof.steps)
    assert doc["otherData"]["dropped_events"] == 0
    per_step = {}
    for e in events:
        assert set(("name", "ts", "dur", "pid", "tid")) <= set(e)
        assert e["dur"] >= 0 and e["ts"] >= 0
        per_step[e["args"]["step"]] = per_step.get(e["args"]["step"], 0) + 1
    assert per_step == {s["step"]: s["calls"] for s in prof.steps}
    # Nesting: every loop-body event lies inside the loop's event; events come in start order.
    loop_step = next(s["step"] for s in prof.steps if s["kind"] == "loop")
    loop_event = next(e for e in events if e["args"]["step"] == loop_step)
    body = [e for e in events if e["args"]["depth"] == 1]
    assert len(body) >= iters
    for e in body:
        assert loop_event["ts"] <= e["ts"] and e["ts"] + e["dur"] <= loop_event["ts"] + loop_event["dur"] + 1e-3
    starts = [e["ts"] for e in events]
    assert starts == sorted(starts)
    # Durations agree with the per-step totals (same clock readings, in microseconds).
    for s in prof.steps:
        total = sum(e["dur"] for e in events if e["args"]["step"] == s["step"])
        assert total == pytest.approx(s["seconds"] * 1e6, rel=1e-6, abs=1e-3)


@pytest.mark.plan
def test_elementwise_profile_outputs_and_counts():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(5000), rng.standard_normal(5000)
    prof = expr.profile(x, y)
    r, s = prof.outputs
    want_r, want_s = expr(x, y)
    np.testing.assert_array_equal(r, want_r)
    assert s == want_s
    np.testing.assert_allclose(r, np.where(x > 0, x * y + 2.5 * x - y / 3, np.exp(-x) * y), rtol=1e-12)
    kernels = [st for st in prof.steps if st["kind"] == "kernel" and st["elements"] == 5000]
    assert len(kernels) == 1 and kernels[0]["calls"] == 1 and kernels[0]["fused_ops"] >= 10
    assert sum(st["share"] for st in prof.steps) == pytest.approx(1.0)


def test_profile_rejects_bad_arguments_like_a_call():
    with pytest.raises(TypeError, match="x"):
        expr.profile([1.0, 2.0], np.ones(2))
