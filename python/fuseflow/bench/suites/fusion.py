"""fusion: what each optimizer pass is worth. The same program compiled by default (baseline) and
with one pass disabled (FUSEFLOW_DISABLE_PASSES, read at compile time; later calls reuse the plan),
timed interleaved in one run. Results must be bitwise equal either way (checked: tolerance 0).

  elementwise_fusion  the where-expression                  reduction_fusion  centred sum of squares + max |x - mean|
  neighbor_fusion     DSL PageRank per iteration (epilogue); 0.5*x + 0.25 gathered (prologue) on a dense
                      (edge factor 16) and a sparse (edge factor 1) R-MAT graph
  memory_planning     four chained neighbor_aggs              loop_rotation     DSL PageRank per iteration
  licm                a loop-invariant exp(x) inside fori_loop  cse             a repeated subexpression
  all                 every pass off, the where-expression and PageRank
"""

import os

import numpy as np

DESCRIPTION = "each optimizer pass on vs off on the program it exists for (bitwise-equal results)"


def jit_compiled(fn, args, disabled=""):
    """ff.jit(fn) compiled now, by a first call on `args`, with the passes named in `disabled`
    switched off; later calls reuse that plan (scalars are not part of the signature)."""
    import fuseflow as ff

    f = ff.jit(fn)
    saved = os.environ.get("FUSEFLOW_DISABLE_PASSES")
    os.environ["FUSEFLOW_DISABLE_PASSES"] = disabled
    try:
        f(*args)
    finally:
        if saved is None:
            del os.environ["FUSEFLOW_DISABLE_PASSES"]
        else:
            os.environ["FUSEFLOW_DISABLE_PASSES"] = saved
    return f


def _compare(ctx, case, fn, args, pass_name, *, size, size_label, per_iteration=None, note=""):
    on = jit_compiled(fn, args)
    off = jit_compiled(fn, args, pass_name)
    if per_iteration:
        head = args[:-1]
        c = {"fuseflow": lambda k: on(*head, k), f"{pass_name} disabled": lambda k: off(*head, k)}
    else:
        c = {"fuseflow": lambda: on(*args), f"{pass_name} disabled": lambda: off(*args)}
    ctx.measure(f"{case}: {pass_name} on/off", c, size=size, size_label=size_label, rtol=0.0, atol=0.0,
                per_iteration=per_iteration, params={"pass": pass_name}, note=note)


def where_expr(x, y):
    import fuseflow as ff

    return ff.where(x > 0, x * y + 2.5 * x - y / 3, ff.exp(-x) * y)


def spread(x):
    import fuseflow as ff

    c = x - ff.mean(x)
    return ff.sum(c * c), ff.max(ff.abs(c))


def gather_scaled(g, x):
    import fuseflow as ff

    return ff.neighbor_agg(g, 0.5 * x + 0.25, "sum")


def chain(g, x):
    import fuseflow as ff

    a = ff.neighbor_agg(g, x, "sum")
    b = ff.neighbor_agg(g, a, "max")
    c = ff.neighbor_agg(g, b, "sum")
    return ff.neighbor_agg(g, c, "mean")


def invariant_loop(x):
    import fuseflow as ff

    return ff.fori_loop(8, lambda acc: acc * 0.5 + ff.exp(-x * x), ff.full(x.shape[0], 0.0))


def repeated(x, y):
    import fuseflow as ff

    return ff.sqrt(x * x + y * y) * ff.exp(-(x * x + y * y)) + ff.sqrt(x * x + y * y)


def run(ctx):
    import fuseflow as ff
    from fuseflow import examples

    rng = np.random.default_rng(4)
    for n in ctx.pick((10_000,), (100_000, 1_000_000), (100_000, 1_000_000, 10_000_000)):
        x, y = rng.standard_normal(n), rng.standard_normal(n)
        label = f"{n:,} float64"
        _compare(ctx, "where-expression", where_expr, (x, y), "elementwise_fusion", size=n, size_label=label)
        _compare(ctx, "where-expression", where_expr, (x, y), "all", size=n, size_label=label)
        _compare(ctx, "sum((x-mean)^2), max|x-mean|", spread, (x,), "reduction_fusion", size=n, size_label=label)
        _compare(ctx, "fori_loop(8) with invariant exp(-x*x)", invariant_loop, (x,), "licm", size=n, size_label=label)
        _compare(ctx, "sqrt(x*x+y*y) repeated", repeated, (x, y), "cse", size=n, size_label=label)
        del x, y
    k1, k2 = ctx.pick((2, 6), (2, 6), (3, 11))
    for scale in ctx.pick((10,), (12, 15), (16, 18, 20)):
        src, dst = ctx.rmat(scale, 16, seed=1)  # the graph suite's graphs, generated once per run
        g = ff.Graph.from_edges(src, dst, num_nodes=1 << scale)
        del src, dst
        gx = rng.random(g.num_nodes)
        m = g.num_edges
        label = f"R-MAT {scale} ef 16: {m:,} edges"
        pr = examples.pagerank.__wrapped__
        for pass_name, note in (("neighbor_fusion", "epilogue: the update runs in the gather's pass"),
                                ("loop_rotation", "the pass's cost model picks per graph size"),
                                ("all", "")):
            _compare(ctx, "DSL PageRank per iteration", pr, (g, 0.85, k1), pass_name, size=m, size_label=label,
                     per_iteration=(k1, k2), note=note)
        _compare(ctx, "neighbor_agg(g, 0.5*x + 0.25), dense", gather_scaled, (g, gx), "neighbor_fusion", size=m,
                 size_label=label, note="prologue: values made per node by the gather step")
        _compare(ctx, "four chained neighbor_aggs", chain, (g, gx), "memory_planning", size=m, size_label=label,
                 note="dead aggregates' buffers reused")
        s2, d2 = ctx.rmat(scale, 1, seed=1)
        sparse = ff.Graph.from_edges(s2, d2, num_nodes=1 << scale)
        del s2, d2
        _compare(ctx, "neighbor_agg(g, 0.5*x + 0.25), sparse", gather_scaled, (sparse, rng.random(sparse.num_nodes)),
                 "neighbor_fusion", size=sparse.num_edges, size_label=f"R-MAT {scale} ef 1: {sparse.num_edges:,} edges",
                 note="prologue: values made per edge, never written")
