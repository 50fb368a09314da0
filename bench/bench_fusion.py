"""What each lowering pass of the optimizer is worth: the same program compiled with the pass and
with it disabled (FUSEFLOW_DISABLE_PASSES, read at compile time), timed round-robin in one run.
Results are bitwise equal either way (checked here too).

  elementwise_fusion  where(x > 0, x*y + 2.5*x - y/3, exp(-x)*y) on 10M float64
  reduction_fusion    centred sum of squares and max |x - mean| of 10M float64
  neighbor_fusion     DSL PageRank per iteration (epilogue), and a gather of 0.5*x + 0.25 (prologue)
                      on a dense (edge factor 16) and a sparse (edge factor 1) R-MAT graph
  memory_planning     four chained neighbor_aggs (buffers of dead aggregates reused)

Usage: python bench/bench_fusion.py [--scale 20] [--repeats 7] [--only where,...]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

import fuseflow as ff  # noqa: E402
from fuseflow import examples  # noqa: E402


def compare(results, case, fn, args, pass_name, repeats, per=1.0, unit_note=""):
    on, a = common.jit_compiled(fn, args)
    off, b = common.jit_compiled(fn, args, pass_name)
    for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
        assert np.array_equal(np.asarray(x), np.asarray(y)), f"{case}: disabling {pass_name} changed the result"
    on_s, off_s = common.interleaved_medians([lambda: on(*args), lambda: off(*args)], repeats)
    results.append({"case": case, "pass": pass_name, "fused_seconds": on_s / per, "disabled_seconds": off_s / per,
                    "speedup": off_s / on_s, "note": unit_note})


def where_expr(x, y):
    return ff.where(x > 0, x * y + 2.5 * x - y / 3, ff.exp(-x) * y)


def spread(x):
    c = x - ff.mean(x)
    return ff.sum(c * c), ff.max(ff.abs(c))


def gather_scaled(g, x):
    return ff.neighbor_agg(g, 0.5 * x + 0.25, "sum")


def chain(g, x):
    a = ff.neighbor_agg(g, x, "sum")
    b = ff.neighbor_agg(g, a, "max")
    c = ff.neighbor_agg(g, b, "sum")
    return ff.neighbor_agg(g, c, "mean")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", default="where,spread,pagerank,prologue,chain")
    args = parser.parse_args()
    only = set(args.only.split(","))
    rng = np.random.default_rng(4)
    results = []
    if only & {"where", "spread"}:
        x, y = rng.standard_normal(args.size), rng.standard_normal(args.size)
        if "where" in only:
            compare(results, f"where-expression, {args.size:,} float64", where_expr, (x, y), "elementwise_fusion", args.repeats)
        if "spread" in only:
            compare(results, f"sum((x-mean)^2), max|x-mean|, {args.size:,} float64", spread, (x,), "reduction_fusion",
                    args.repeats)
    if only & {"pagerank", "prologue", "chain"}:
        src, dst = ff.generators.rmat(args.scale, 16, seed=1)
        g = ff.Graph.from_edges(src, dst)
        del src, dst
        gx = rng.random(g.num_nodes)
        label = f"R-MAT scale {args.scale} ef 16 ({g.num_edges:,} edges)"
        if "pagerank" in only:
            compare(results, f"DSL PageRank per iteration, {label}", examples.pagerank.__wrapped__, (g, 0.85, args.iters),
                    "neighbor_fusion", max(3, args.repeats // 2), per=args.iters, unit_note="epilogue: update in the gather's pass")
        if "prologue" in only:
            compare(results, f"neighbor_agg(g, 0.5*x + 0.25), {label}", gather_scaled, (g, gx), "neighbor_fusion",
                    args.repeats, unit_note="prologue: dense graph, values made per node by the gather step")
            s2, d2 = ff.generators.rmat(args.scale, 1, seed=1)
            sparse = ff.Graph.from_edges(s2, d2, num_nodes=1 << args.scale)
            del s2, d2
            compare(results, f"neighbor_agg(g, 0.5*x + 0.25), R-MAT scale {args.scale} ef 1 ({sparse.num_edges:,} edges)",
                    gather_scaled, (sparse, rng.random(sparse.num_nodes)), "neighbor_fusion", args.repeats,
                    unit_note="prologue: sparse graph, values made per edge, never written")
        if "chain" in only:
            compare(results, f"four chained neighbor_aggs, {label}", chain, (g, gx), "memory_planning", args.repeats,
                    unit_note="dead aggregates' buffers reused")
    print(f"\nfuseflow lowering passes: fused vs pass disabled ({ff.get_num_threads()} threads)")
    common.print_table("", [{**r, "fused_seconds": f"{r['fused_seconds'] * 1e3:.2f} ms",
                              "disabled_seconds": f"{r['disabled_seconds'] * 1e3:.2f} ms",
                              "speedup": f"{r['speedup']:.2f}x"} for r in results],
                       ["case", "pass", "fused_seconds", "disabled_seconds", "speedup", "note"])
    common.write_results("fusion", {"args": vars(args), "results": results})


if __name__ == "__main__":
    main()
