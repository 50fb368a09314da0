"""python -m fuseflow.bench: every suite runs at tiny sizes (a smoke test of the harness, never a
timing assertion), the run's JSON follows the package's schema, a missing peer is skipped, and
compare flags a synthetic regression but passes an identical run."""

import copy
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

# The bench's own dependencies (the `bench` extra): without them the harness cannot run at all.
jsonschema = pytest.importorskip("jsonschema")
pytest.importorskip("rich")
pytest.importorskip("matplotlib")

from fuseflow import bench  # noqa: E402
from fuseflow.bench import _harness, compare  # noqa: E402
from fuseflow.bench._cli import parse_args  # noqa: E402
from fuseflow.bench.suites import SUITES  # noqa: E402


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One `python -m fuseflow.bench --tiny` over every suite, in a subprocess (peers' global
    settings such as JAX's x64 flag stay out of the test process)."""
    out = tmp_path_factory.mktemp("bench")
    env = dict(os.environ, FUSEFLOW_BENCH_CACHE=str(out / "cache"))
    done = subprocess.run([sys.executable, "-m", "fuseflow.bench", "--tiny", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=900)  # generous: CI machines are shared
    payload = json.loads((out / "results.json").read_text())
    return done, payload, out


def test_tiny_run_of_every_suite_succeeds(tiny_run):
    done, payload, _ = tiny_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert payload["failed_suites"] == {}
    assert payload["suites"] == list(SUITES)
    assert "JSON:" in done.stdout and "plot:" in done.stdout


def test_run_prints_time_per_suite_and_total(tiny_run):
    done, payload, _ = tiny_run
    assert "time per suite: boundary " in done.stdout and "total " in done.stdout
    assert set(payload["seconds"]["suites"]) == set(SUITES)
    assert all(c["seconds"] > 0 for c in payload["cases"] if c["unit"].startswith("seconds per"))


def test_boundary_measures_keyword_calls_against_positional(tiny_run):
    _, payload, _ = tiny_run
    kw = [c for c in payload["cases"] if c["case"] == "ff.jit call: keywords vs positional"]
    assert kw and all({"fuseflow keyword call f(x=, y=, a=)", "fuseflow default filled f(x, y)"} <= set(c["ratios"])
                      for c in kw)
    assert any("keyword / positional call cost" in n["text"] for n in payload["notes"])


def test_json_validates_against_the_schema(tiny_run):
    _, payload, _ = tiny_run
    jsonschema.validate(payload, bench.schema())
    machine = payload["machine"]
    assert machine["cores"] >= 1 and machine["memory_bytes"] > 0 and machine["simd_target"]
    assert payload["versions"]["fuseflow"] and payload["versions"]["numpy"]


@pytest.mark.parametrize("suite", list(SUITES))
def test_each_suite_recorded_cases_or_says_why_not(tiny_run, suite):
    _, payload, _ = tiny_run
    cases = [c for c in payload["cases"] if c["suite"] == suite]
    whole_suite_skipped = [s for s in payload["skipped"] if s["suite"] == suite and s["what"] == "suite"]
    assert bool(cases) != bool(whole_suite_skipped), (suite, whole_suite_skipped)
    if suite != "ndarray":  # waits for N-d arrays
        assert cases, f"suite {suite} recorded no case"
    for c in cases:
        assert not c["disagreements"], c
        for label, fig in c["figures"].items():
            assert 0 <= fig["min"] <= fig["median"] <= fig["max"], (c["case"], label, fig)
        if c["unit"].startswith("seconds per"):
            assert c["rounds"] >= 5
        for peer, ratio in c["ratios"].items():
            assert ratio == pytest.approx(c["figures"][peer]["median"] / c["figures"][c["baseline"]]["median"])
            assert peer in c["max_abs_diff"] or "not compared" in c["note"], (c["case"], peer)


def test_plots_written(tiny_run):
    _, payload, out = tiny_run
    pngs = {p.name for p in out.glob("*.png")}
    assert {"graph.png", "graph_per_iteration.png", "arrays.png"} <= pngs
    for p in out.glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert p.stat().st_size < 200_000, p  # small enough to commit beside a run's JSON


def test_from_json_replots_a_saved_run(tiny_run, tmp_path):
    _, payload, out = tiny_run
    replot = tmp_path / "replot"
    assert bench.main(["--from-json", str(out / "results.json"), "--out", str(replot)]) == 0
    assert {p.name for p in replot.glob("*.png")} == {p.name for p in out.glob("*.png")}
    bad = tmp_path / "bad.json"
    bad.write_text('{"cases": []}')
    assert bench.main(["--from-json", str(bad), "--no-plots"]) == 2


def test_schema_rejects_incomplete_results(tiny_run):
    _, payload, _ = tiny_run
    broken = copy.deepcopy(payload)
    del broken["machine"]["cpu"]
    with pytest.raises(jsonschema.ValidationError):
        bench.validate(broken)
    broken = copy.deepcopy(payload)
    broken["cases"][0]["figures"]["fuseflow"] = {"median": 1.0}
    with pytest.raises(jsonschema.ValidationError):
        bench.validate(broken)


def test_missing_peer_is_skipped_not_an_error(tmp_path, monkeypatch):
    from fuseflow.bench import _peers

    monkeypatch.setitem(_peers.PEERS, "numba", ("fuseflow_bench_no_such_module", "no-such-dist"))
    out = tmp_path / "run"
    assert bench.main(["--tiny", "--suite", "boundary", "--out", str(out), "--no-plots", "--skip-peers", "jax"]) == 0
    payload = json.loads((out / "results.json").read_text())
    skipped = {s["what"]: s["reason"] for s in payload["skipped"]}
    assert "not installed" in skipped["peer numba"] and "fuseflow[bench]" in skipped["peer numba"]
    assert "disabled" in skipped["peer jax"]
    cases = [c for c in payload["cases"] if c["case"] == "x + y (per call)"]
    assert cases and all(set(c["figures"]) == {"fuseflow", "fuseflow Compiled.run", "numpy"} for c in cases)


def test_graph_library_times_a_peer_over_the_budget_by_one_call(tmp_path, monkeypatch):
    # A budget of 0 s puts every peer over it: each must still be checked and get a figure and
    # a ratio (one call), never an empty column.
    from fuseflow.bench.suites import graph_library

    if not any(importlib.util.find_spec(p) for p in ("networkit", "igraph")):
        pytest.skip("neither NetworKit nor igraph is installed")
    monkeypatch.setattr(graph_library, "PEER_BUDGET_SECONDS", {"tiny": 0.0})
    out = tmp_path / "run"
    assert bench.main(["--tiny", "--suite", "graph_library", "--out", str(out), "--no-plots"]) == 0
    payload = json.loads((out / "results.json").read_text())
    assert not payload["failed_suites"]
    peered = [c for c in payload["cases"] if set(c["figures"]) - {"fuseflow"}]
    assert peered
    for c in peered:
        single = c["params"].get("single_call_peers", [])
        assert single and set(single) <= set(c["figures"]), c["case"]
        for peer in single:
            assert c["calls"][peer] == 1 and c["ratios"][peer] > 0
            assert c["figures"][peer]["median"] > 0 and peer in c["note"]
    assert not any("budget" in s["reason"] for s in payload["skipped"])


def test_cli_rejects_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--suite", "nonsense"])
    assert "unknown suite(s) nonsense" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--tiny", "--quick"])
    assert parse_args(["--sizes", "tiny"]).profile == "tiny"
    assert bench.main(["--list"]) == 0


class _Ctx:
    """The part of Context that measure() uses."""

    def __init__(self):
        self.profile = _harness.PROFILES["tiny"]
        self.cases, self.lines = [], []

    def progress_note(self, text):
        pass

    def say(self, text):
        self.lines.append(text)

    def debug(self, text):
        pass

    def add(self, rec):
        self.cases.append(rec)


def test_measure_checks_agreement_before_timing():
    ctx = _Ctx()
    x = np.linspace(0, 1, 100)
    calls = {"wrong": 0}

    def wrong():
        calls["wrong"] += 1
        return x + 1e-6

    def broken():
        raise RuntimeError("peer crashed")

    rec = _harness.measure(ctx, "t", "case", {"fuseflow": lambda: x * 2, "right": lambda: x + x, "wrong": wrong,
                                              "broken": broken}, size=100, rtol=1e-12)
    assert set(rec.figures) == {"fuseflow", "right"}
    assert rec.max_abs_diff == {"right": 0.0}
    assert "wrong" in rec.disagreements and calls["wrong"] == 1  # checked once, never timed
    assert "peer crashed" in rec.errors["broken"]
    assert rec.rounds >= 5 and set(rec.ratios) == {"right"}


def test_max_abs_diff_rules():
    nan, inf = float("nan"), float("inf")
    assert _harness.max_abs_diff([1.0, nan, inf], [1.0, nan, inf]) == 0.0
    assert _harness.max_abs_diff([1.0, nan], [1.0, 2.0]) == inf
    assert _harness.max_abs_diff(np.zeros(3), np.zeros(4)) == inf
    assert _harness.max_abs_diff((np.ones(2), 3.0), (np.ones(2), 3.5)) == 0.5


def _payload(cases):
    return {"schema_version": 1, "created": "20261204T000000Z", "command": "x", "profile": "tiny", "suites": ["s"],
            "machine": {"cpu": "c", "cores": 2, "memory_bytes": 1, "simd_target": "AVX3", "fuseflow_threads": 2,
                        "python": "3"},
            "versions": {"fuseflow": "0", "python": "3"}, "git_commit": None, "seconds": {"total": 1.0, "suites": {}},
            "cases": cases, "skipped": [], "notes": [], "failed_suites": {}}


def _case(ours, theirs, spread=0.01):
    def fig(m):
        return {"min": m * (1 - spread), "median": m, "max": m * (1 + spread)}
    return {"suite": "s", "case": "c", "size": 10, "size_label": "10", "unit": "seconds per call",
            "baseline": "fuseflow", "rounds": 5, "figures": {"fuseflow": fig(ours), "peer": fig(theirs)},
            "calls": {}, "ratios": {"peer": theirs / ours}, "max_abs_diff": {"peer": 0.0}, "disagreements": {},
            "errors": {}, "params": {}, "note": ""}


def test_compare_passes_an_identical_run_and_flags_a_regression(tmp_path):
    old = _payload([_case(1.0, 4.0)])
    slow = _payload([_case(2.0, 4.0)])  # fuseflow twice as slow against the same peer
    bench.validate(old)
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "slow.json").write_text(json.dumps(slow))
    assert compare.main([str(tmp_path / "old.json"), str(tmp_path / "old.json")]) == 0
    assert compare.main([str(tmp_path / "old.json"), str(tmp_path / "slow.json")]) == 1
    assert compare.main([str(tmp_path / "slow.json"), str(tmp_path / "old.json")]) == 0  # an improvement
    rows, _, _ = compare.compare(old, slow)
    assert [r["status"] for r in rows] == ["regressed"] and rows[0]["change"] == pytest.approx(-0.5)


def test_compare_threshold_follows_the_noise():
    old = _payload([_case(1.0, 4.0, spread=0.0)])
    new = _payload([_case(1.08, 4.0, spread=0.0)])  # 7.4% worse: beyond the 5% floor
    assert compare.compare(old, new)[0][0]["status"] == "regressed"
    noisy_old = _payload([_case(1.0, 4.0, spread=0.05)])
    noisy_new = _payload([_case(1.08, 4.0, spread=0.05)])  # same change inside a 20% spread
    row = compare.compare(noisy_old, noisy_new)[0][0]
    assert row["status"] == "same" and row["threshold"] == pytest.approx(0.2)


def test_compare_skips_ratios_that_are_zero():
    old = _payload([_case(1.0, 4.0)])
    new = _payload([_case(1.0, 4.0)])
    new["cases"][0]["ratios"]["peer"] = 0.0
    assert compare.compare(old, new)[0] == []


def test_compare_rejects_unreadable_input(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"cases": []}')
    assert compare.main([str(bad), str(bad)]) == 2
    assert "schema" in capsys.readouterr().err


def test_note_and_interrupt_keep_what_was_measured(tmp_path, monkeypatch):
    """Ctrl-C during a suite: the cases measured so far are written (valid JSON), exit 130."""
    from fuseflow.bench import suites

    class Interrupting:
        DESCRIPTION = "raises KeyboardInterrupt"

        @staticmethod
        def run(ctx):
            ctx.measure("one case", {"fuseflow": lambda: np.ones(3)}, size=3)
            raise KeyboardInterrupt

    monkeypatch.setitem(suites.SUITES, "interrupting", Interrupting)
    out = tmp_path / "run"
    code = bench.main(["--tiny", "--suite", "interrupting", "boundary", "--out", str(out), "--no-plots",
                       "--note", "machine loaded"])
    assert code == 130
    payload = json.loads((out / "results.json").read_text())
    bench.validate(payload)
    assert payload["suites"] == ["interrupting"] and "interrupted" in payload["failed_suites"]["interrupting"]
    assert [c["case"] for c in payload["cases"]] == ["one case"]
    assert {"suite": None, "text": "machine loaded"} in payload["notes"]


def test_optional_suites_may_be_absent_but_not_broken(monkeypatch):
    from fuseflow.bench import suites

    monkeypatch.setattr(suites, "OPTIONAL", {"no_such_suite"})
    assert suites._load("no_such_suite") is None
    with pytest.raises(ModuleNotFoundError):
        suites._load("another_missing_suite")  # not optional: an error, not a silent skip


def test_rmat_is_generated_once_per_run_and_read_only(tmp_path):
    from fuseflow.bench._context import Context

    ctx = Context(_harness.PROFILES["tiny"], console=None, cache_dir=tmp_path)
    src, dst = ctx.rmat(8, 4, seed=3)
    assert ctx.rmat(8, 4, seed=3)[0] is src and not src.flags.writeable
    import fuseflow as ff

    want = ff.generators.rmat(8, 4, seed=3)
    assert np.array_equal(src, want[0]) and np.array_equal(dst, want[1])
    with np.load(ctx.rmat_file(8, 4, seed=3)) as f:
        assert np.array_equal(f["src"], src) and np.array_equal(f["dst"], dst)


def test_ctrl_c_reraised_by_a_peer_as_another_error_still_stops_the_run():
    from fuseflow.bench._cli import _from_ctrl_c

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as k:
            raise MemoryError("std::bad_alloc") from k
    except MemoryError as e:
        assert _from_ctrl_c(e)
    assert not _from_ctrl_c(MemoryError("std::bad_alloc"))
