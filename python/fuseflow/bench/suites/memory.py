"""memory: peak extra memory of one PageRank run, the DSL program (as compiled by default and with
loop_rotation disabled) vs the hand-written ff.algorithms.pagerank. Each run is a fresh subprocess
(fuseflow.bench._memory_child): extra memory = peak RSS (VmHWM after a clear_refs reset) minus RSS
just before the run, the result array counted on every side; min / median / max over runs."""

import json
import os
import subprocess
import sys

DESCRIPTION = "peak extra memory of DSL PageRank vs native (fresh subprocess per run, VmHWM)"

SIDES = {
    "native": "ff.algorithms.pagerank (hand-written C++)",
    "dsl": "fuseflow DSL",
    "dsl_no_rotation": "fuseflow DSL, loop_rotation disabled",
}


def _measure(side, scale, iters, edges):
    env = dict(os.environ)
    env.pop("FUSEFLOW_DISABLE_PASSES", None)
    out = subprocess.run([sys.executable, "-m", "fuseflow.bench._memory_child", side, str(scale), str(iters),
                          str(edges)],
                         capture_output=True, text=True, env=env, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    # clear_refs must have reset the peak, or the figure would be the graph build's peak.
    if row["hwm_after_reset_kib"] > row["before_kib"] * 1.01 + 1024:
        raise RuntimeError(f"{side}: the peak-RSS reset did not take effect ({row})")
    return row


def run(ctx):
    if not os.path.exists("/proc/self/clear_refs"):
        ctx.skip("suite", "needs Linux /proc/self/clear_refs to reset the peak RSS")
        return
    iters = 20
    for scale in ctx.pick((12,), (12, 15), (16, 18, 20)):
        runs = {side: [] for side in SIDES}
        edges = ctx.rmat_file(scale, 16, seed=1)  # the run's graph, not regenerated in every child
        # A subprocess each; peak RSS barely varies between runs (the spread is in the JSON), so 3
        # repeats suffice (2 at --quick); tiny runs only check the harness.
        repeats = ctx.pick(2, 2, 3)
        for r in range(repeats):  # interleaved: native, dsl, dsl_no_rotation, native, ...
            for side in SIDES:
                ctx.progress_note(f"memory: R-MAT {scale} {side} run {r + 1}/{repeats}")
                runs[side].append(_measure(side, scale, iters, edges))
        checks = {side: rs[0]["checksum"] for side, rs in runs.items()}
        diffs = {SIDES[s]: abs(c - checks["dsl"]) for s, c in checks.items() if s != "dsl"}
        if max(diffs.values()) > 1e-9:
            raise AssertionError(f"PageRank results differ between sides: {checks}")
        n, m = runs["native"][0]["num_nodes"], runs["native"][0]["num_edges"]
        array_mib = n * 8 / 2 ** 20
        ctx.record_values("PageRank peak extra memory", {SIDES[s]: [r["extra_kib"] / 1024 for r in rs]
                                                          for s, rs in runs.items()},
                          baseline=SIDES["dsl"], size=m, size_label=f"R-MAT {scale}: {n:,} nodes, {m:,} edges",
                          unit="MiB", max_abs_diff=diffs, params={"iterations": iters, "node_array_mib": array_mib},
                          note=f"one float64 node array = {array_mib:.2f} MiB; |checksum diff| as max |diff|")
