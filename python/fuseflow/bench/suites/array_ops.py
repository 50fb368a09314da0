"""array_ops: the eager scans, gather, sorting and order statistics (fuseflow.array_ops) vs NumPy.

Each streaming case also times a plain copy of the same array (NumPy's x.copy(): one read, one
freshly allocated write, page faults included) as the bandwidth floor: a one-pass op cannot beat
it, so "copy / fuseflow" says how close to memory speed the kernel runs.

Threads: fuseflow uses all cores (ff.set_num_threads); NumPy is single-threaded. The "fuseflow
1 thread" contender shows what the parallel part contributes."""

import numpy as np

DESCRIPTION = "cumsum / take at 1e7 (vs a streaming copy), sort, argsort, top_k, quantile, histogram at 1e6 vs NumPy"


_FLOOR_NOTE = ("floors not compared: 'copy (floor)' times x.copy() (fresh memory: page faults, as a NumPy "
               "result takes), 'copy into buffer (floor)' np.copyto into an existing array (the bandwidth "
               "floor of a one-pass op whose result memory is recycled, as fuseflow's large results are)")


class _Floor:
    """The copy floor's result: computes something else, so it is not compared."""

    def __init__(self, value):
        self.value = value


def _copy(x):
    return lambda: _Floor(x.copy())


def _copy_into(x):
    buf = np.empty_like(x)
    return lambda: _Floor(np.copyto(buf, x))


def _one_thread(ff, fn):
    def call():
        ff.set_num_threads(1)
        try:
            return fn()
        finally:
            ff.set_num_threads(0)
    return call


def _numpy_top_k(x, k):
    # NumPy's idiom: argpartition, then order the k winners (largest first, ties to the lower index).
    idx = np.argpartition(-x, k - 1)[:k]
    order = np.lexsort((idx, -x[idx]))
    idx = idx[order]
    return x[idx], idx


def run(ctx):
    import fuseflow as ff
    from fuseflow import array_ops as ao

    rng = np.random.default_rng(11)
    big = ctx.pick(10_000, 10_000_000, 10_000_000)
    mid = ctx.pick(10_000, 1_000_000, 1_000_000)

    # --- streaming: cumsum and gather at 1e7, with the copy floor
    x = rng.standard_normal(big)
    ctx.measure("cumsum", {
        "fuseflow": lambda: ao.cumsum(x),
        "fuseflow 1 thread": _one_thread(ff, lambda: ao.cumsum(x)),
        "numpy": lambda: np.cumsum(x),
        "copy (floor)": _copy(x),
        "copy into buffer (floor)": _copy_into(x),
    }, size=big, size_label=f"{big:,} float64", agree=_agree_except_copy(1e-9), pause=0.05, note=_FLOOR_NOTE)

    idx = rng.integers(0, big, big)
    ctx.measure("take (gather)", {
        "fuseflow": lambda: ao.take(x, idx),
        "fuseflow 1 thread": _one_thread(ff, lambda: ao.take(x, idx)),
        "numpy take": lambda: np.take(x, idx),
        "numpy x[idx]": lambda: x[idx],
        "copy (floor)": _copy(x),
        "copy into buffer (floor)": _copy_into(x),
    }, size=big, size_label=f"{big:,} random int64 indices into {big:,} float64", agree=_agree_except_copy(0.0),
        pause=0.05, note=_FLOOR_NOTE)

    # --- sorting and order statistics at 1e6
    y = rng.standard_normal(mid)
    k = 10
    ctx.measure("sort", {"fuseflow": lambda: ao.sort(y), "numpy": lambda: np.sort(y)},
                size=mid, size_label=f"{mid:,} float64", rtol=0.0)
    ctx.measure("argsort (stable)", {"fuseflow": lambda: ao.argsort(y),
                                     "numpy": lambda: np.argsort(y, kind="stable")},
                size=mid, size_label=f"{mid:,} float64", rtol=0.0)
    ctx.measure("top_k", {"fuseflow": lambda: ao.top_k(y, k),
                          "numpy argpartition": lambda: _numpy_top_k(y, k)},
                size=mid, size_label=f"{mid:,} float64, k={k}", rtol=0.0)
    qs = [0.1, 0.5, 0.9]
    ctx.measure("quantile", {"fuseflow": lambda: ao.quantile(y, qs), "numpy": lambda: np.quantile(y, qs)},
                size=mid, size_label=f"{mid:,} float64, q={qs}", rtol=0.0)
    ctx.measure("median", {"fuseflow": lambda: ao.median(y), "numpy": lambda: np.median(y)},
                size=mid, size_label=f"{mid:,} float64", rtol=0.0)
    rows = y.reshape(-1, 1000)
    ctx.measure("sort rows", {"fuseflow": lambda: ao.sort(rows, 1), "numpy": lambda: np.sort(rows, 1)},
                size=mid, size_label=f"{rows.shape[0]:,} x 1,000 float64, axis=1", rtol=0.0)
    ctx.measure("histogram", {"fuseflow": lambda: ao.histogram(y, 100)[0],
                              "numpy": lambda: np.histogram(y, 100)[0]},
                size=mid, size_label=f"{mid:,} float64, 100 bins", rtol=0.0)
    labels = rng.integers(0, 1000, mid)
    ctx.measure("bincount", {"fuseflow": lambda: ao.bincount(labels), "numpy": lambda: np.bincount(labels)},
                size=mid, size_label=f"{mid:,} int64 in [0, 1000)", rtol=0.0)


def _agree_except_copy(rtol):
    from .._harness import default_agree

    check = default_agree(rtol, 0.0)

    def agree(ours, theirs):
        return None if isinstance(theirs, _Floor) else check(ours, theirs)
    return agree
