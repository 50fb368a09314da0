"""Peak extra memory of the DSL PageRank (DESIGN.md program) vs the hand-written ff.algorithms.pagerank.

Each side runs in a fresh subprocess: build the R-MAT graph (--scale, edge factor 16), drop the edge
arrays, return freed memory to the OS (malloc_trim), reset the kernel's peak-RSS mark (write 5 to
/proc/self/clear_refs), then run one PageRank of --iters iterations (the DSL side's first call, so
tracing, compiling and every buffer of the run are counted) and read the new peak (VmHWM). Extra
memory = peak - RSS just before the run; the result array is counted on both sides. Medians of
--repeats subprocesses per side. Sides: the DSL program as compiled by default, the same program
with the loop_rotation pass disabled, and the native algorithm.
Writes bench/results/memory.json with both figures and ratio = DSL / native.
Usage: python bench/bench_memory.py [--scale 20] [--iters 20] [--repeats 3]
"""

import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "memory.json"

SIDES = {
    "dsl": "DSL PageRank (ff.jit, DESIGN.md program)",
    "dsl_no_rotation": "DSL PageRank, loop_rotation disabled",
    "native": "ff.algorithms.pagerank (hand-written C++)",
}


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(side, scale, iters):
    import gc

    import numpy as np

    import fuseflow as ff

    from fuseflow.examples import pagerank  # the DESIGN.md program

    if side == "dsl_no_rotation":
        os.environ["FUSEFLOW_DISABLE_PASSES"] = "loop_rotation"
    src, dst = ff.generators.rmat(scale, 16, seed=1)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << scale)
    del src, dst
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS
    before = _status_kib("VmRSS")
    hwm_reset = _status_kib("VmHWM")
    if side == "native":
        out = ff.algorithms.pagerank(g, damping=0.85, tol=0.0, max_iter=iters)
        out = out[0] if isinstance(out, tuple) else out
    else:
        out = pagerank(g, 0.85, iters)
    peak = _status_kib("VmHWM")
    checksum = float(np.sum(out))
    print(json.dumps({"before_kib": before, "hwm_after_reset_kib": hwm_reset, "peak_kib": peak,
                      "extra_kib": peak - before, "checksum": checksum, "num_nodes": g.num_nodes,
                      "num_edges": g.num_edges}))


def measure(side, args):
    env = dict(os.environ)
    env.pop("FUSEFLOW_DISABLE_PASSES", None)
    out = subprocess.run([sys.executable, __file__, "--child", side, "--scale", str(args.scale), "--iters",
                          str(args.iters)], capture_output=True, text=True, env=env, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    # clear_refs must have reset the peak, or the figure would be the graph build's peak.
    if row["hwm_after_reset_kib"] > row["before_kib"] * 1.01 + 1024:
        raise RuntimeError(f"{side}: the peak-RSS reset did not take effect ({row})")
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=20)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--child", choices=sorted(SIDES))
    args = ap.parse_args()
    if args.child:
        child(args.child, args.scale, args.iters)
        return

    rows = {side: [measure(side, args) for _ in range(args.repeats)] for side in SIDES}
    extra_mib = {side: statistics.median(r["extra_kib"] for r in rs) / 1024 for side, rs in rows.items()}
    checks = {side: rs[0]["checksum"] for side, rs in rows.items()}
    assert all(abs(c - checks["native"]) < 1e-9 for c in checks.values()), f"PageRank results differ: {checks}"
    n = rows["native"][0]["num_nodes"]
    array_mib = n * 8 / 2 ** 20
    print(f"peak extra memory of one PageRank run, R-MAT scale {args.scale} ef 16 "
          f"({n:,} nodes, {rows['native'][0]['num_edges']:,} edges), {args.iters} iterations; "
          f"one float64 node array = {array_mib:.1f} MiB")
    print(f"{'side':<48} {'extra MiB':>10} {'node arrays':>12} {'vs native':>10}")
    for side, label in SIDES.items():
        print(f"{label:<48} {extra_mib[side]:>10.1f} {extra_mib[side] / array_mib:>12.2f} "
              f"{extra_mib[side] / extra_mib['native']:>9.2f}x")
    results = {
        "case": f"PageRank peak extra memory, R-MAT scale {args.scale} ef 16, {args.iters} iterations",
        "method": "VmHWM after a clear_refs peak reset minus VmRSS before the run, fresh subprocess per run, median",
        "node_array_mib": array_mib,
        "fuseflow_dsl_mib": extra_mib["dsl"],
        "fuseflow_dsl_no_rotation_mib": extra_mib["dsl_no_rotation"],
        "peer": SIDES["native"],
        "peer_mib": extra_mib["native"],
        "ratio": extra_mib["dsl"] / extra_mib["native"],
        "ratio_no_rotation": extra_mib["dsl_no_rotation"] / extra_mib["native"],
        "runs": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"DSL / native = {results['ratio']:.2f}x (goal <= 1.2x); wrote {RESULTS}")


if __name__ == "__main__":
    main()
