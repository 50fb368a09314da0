"""jit: the compiled tier (prejit kernels; native ones when FUSEFLOW_JIT=native) against the block
interpreter (mode "off"), NumPy/SciPy and the memory-bandwidth floor, side by side in one run.

  where-expression     where(x > 0, x*y + 2.5*x - y/3, exp(-x)*y): fuseflow (current mode), the
                       interpreter, NumPy, and the floor: x + y in fuseflow (read 2 arrays, write 1,
                       the same bytes as the where-expression, same threads) and in NumPy
  Black-Scholes call   ff.examples.bs_call vs NumPy + scipy.special.ndtr, and the interpreter
  DSL PageRank         ff.examples.pagerank per iteration, compiled epilogue vs the interpreter

Every tier gives the interpreter's results bitwise (checked: tolerance 0 against mode "off").
"""

import time

import numpy as np

# Below this many elements fuseflow runs a kernel on the calling thread (exec's
# parallel_min_elements): those cases are timed in that thread's CPU time, which other jobs on
# the machine do not distort (NumPy's ufuncs are single-threaded too).
_SERIAL_BELOW = 256 * 1024


def _clock(n):
    return time.thread_time if n < _SERIAL_BELOW else time.perf_counter

DESCRIPTION = "compiled tier vs interpreter, NumPy and the streaming floor (bitwise-equal to the interpreter)"


class _Floor:
    """A floor contender's result: not comparable with the case's (it computes x + y)."""


def _agree_unless_floor(rtol, atol):
    from fuseflow.bench._harness import default_agree

    agree = default_agree(rtol, atol)
    return lambda ours, theirs: None if isinstance(theirs, _Floor) else agree(ours, theirs)


def _in_mode(mode, fn):
    """fn run with the compiled tier's mode set to `mode` (restored after each call; the two
    switches cost ~0.2 us, which the interpreter's figure includes)."""
    from fuseflow import _core

    set_mode, suite_mode = _core._jit_set_mode, _core._jit_mode()

    def call(*args):
        set_mode(mode)
        try:
            return fn(*args)
        finally:
            set_mode(suite_mode)

    return call


def _floor(fn):
    def call(*args):
        fn(*args)
        return _Floor()

    return call


def where_expr(x, y):
    import fuseflow as ff

    return ff.where(x > 0, x * y + 2.5 * x - y / 3, ff.exp(-x) * y)


def stream(x, y):
    return x + y


def run(ctx):
    import fuseflow as ff
    from scipy.special import ndtr

    from fuseflow import examples, jit_cache

    mode = jit_cache.mode()
    rng = np.random.default_rng(17)
    f, add = ff.jit(where_expr), ff.jit(stream)
    f_off = _in_mode("off", f)
    for n in ctx.pick((1_000, 100_000), (1_000, 100_000, 1_000_000), (1_000, 100_000, 1_000_000, 10_000_000)):
        x, y = rng.standard_normal(n), rng.standard_normal(n)
        f(x, y), add(x, y)
        c = {"fuseflow": lambda: f(x, y), "interpreter (mode off)": lambda: f_off(x, y),
             "numpy": lambda: np.where(x > 0, x * y + 2.5 * x - y / 3, np.exp(-x) * y),
             "floor: fuseflow x + y": _floor(lambda: add(x, y)), "floor: numpy x + y": _floor(lambda: x + y)}
        ctx.measure("where-expression", c, size=n, size_label=f"{n:,} float64", agree=_agree_unless_floor(1e-13, 0.0),
                    params={"mode": mode}, clock=_clock(n),
                    note="floor cases are not compared (no result): they read 2 float64 arrays and write 1, the where-expression's bytes; ratios to fuseflow")
        del x, y
    for n in ctx.pick((10_000,), (100_000, 1_000_000), (100_000, 1_000_000)):
        s, k, t = rng.uniform(50, 150, n), rng.uniform(50, 150, n), rng.uniform(0.05, 2.0, n)
        r, sigma = 0.03, 0.25
        bs = examples.bs_call
        bs_off = _in_mode("off", bs)
        bs(s, k, t, r, sigma)

        def numpy_bs():
            sq = sigma * np.sqrt(t)
            d1 = (np.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
            return s * ndtr(d1) - k * np.exp(-r * t) * ndtr(d1 - sq)

        c = {"fuseflow": lambda: bs(s, k, t, r, sigma), "interpreter (mode off)": lambda: bs_off(s, k, t, r, sigma),
             "numpy + scipy": numpy_bs}
        ctx.measure("Black-Scholes call", c, size=n, size_label=f"{n:,} options", rtol=1e-10, atol=1e-10,
                    params={"mode": mode}, clock=_clock(n))
    k1, k2 = ctx.pick((2, 6), (2, 6), (3, 11))
    for scale in ctx.pick((10,), (14,), (16, 20)):
        src, dst = ctx.rmat(scale, 16, seed=1)
        g = ff.Graph.from_edges(src, dst, num_nodes=1 << scale)
        del src, dst
        pr = examples.pagerank
        pr_off = _in_mode("off", pr)
        pr(g, 0.85, k1)
        c = {"fuseflow": lambda it: pr(g, 0.85, it), "interpreter (mode off)": lambda it: pr_off(g, 0.85, it)}
        ctx.measure("DSL PageRank per iteration", c, size=g.num_edges,
                    size_label=f"R-MAT {scale} ef 16: {g.num_edges:,} edges", rtol=0.0, atol=0.0, per_iteration=(k1, k2),
                    params={"mode": mode}, note="the epilogue (update, sink sum, rank/degree) compiled vs interpreted")
