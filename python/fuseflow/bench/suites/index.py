"""index: EmbeddingIndex exact top-k vs NumPy (P @ q + argpartition), FAISS (IndexFlatIP) and
usearch (exact search), same data: float32, metric "dot", top-10, random normal rows (seed 0).
Every library uses all cores. A 0.25 s pause precedes each contender's turn so the previous
library's spinning worker threads are idle again.

fuseflow's figure is its default path (on AVX-512 VNNI CPUs an exact int8 prefilter, then
float32 rescoring); the plain float32 scan (prefilter off) is a second fuseflow contender. Also:
the fixed per-call cost (1-row index, via the wrapper and the bare native method), the batch-path
threshold sweep (tile path vs n single searches) and the memory-bandwidth bound of the largest
index (streaming its bytes once, _core._index_stream_sum over a separate array of the same size).
"""

import numpy as np

from .._harness import Disagreement

DESCRIPTION = "exact top-k search vs NumPy, FAISS, usearch; bandwidth bound; batch threshold"


def numpy_topk(P, q, k):
    s = P @ q
    top = np.argpartition(-s, k)[:k]
    return top[np.argsort(-s[top], kind="stable")]


def numpy_topk_batch(P, Q, k):
    s = Q @ P.T
    top = np.argpartition(-s, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(s, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def agree_ids(min_fraction):
    """Ids agree position by position on at least min_fraction (ties of float32 scores computed
    in different orders may swap neighbours); returns 1 - agreement as the printed difference."""

    def agree(ours, theirs):
        ours, theirs = np.asarray(ours).reshape(-1), np.asarray(theirs).reshape(-1)
        if ours.shape != theirs.shape:
            raise Disagreement(f"{ours.shape} vs {theirs.shape} ids")
        frac = float((ours == theirs).mean())
        if frac < min_fraction:
            raise Disagreement(f"ids agree on only {frac:.3f}")
        return 1.0 - frac
    return agree


def run(ctx):
    import fuseflow as ff
    from fuseflow import _core

    faiss = ctx.peer("faiss")
    usearch = ctx.peer("usearch")
    rng = np.random.default_rng(0)
    dim, k = ctx.pick(64, 1024, 1024), 10
    pause = ctx.pick(0.0, 0.02, 0.25)
    if faiss is not None:
        faiss.omp_set_num_threads(ff.get_num_threads())
    q = rng.standard_normal(dim, dtype=np.float32)
    Q = rng.standard_normal((64, dim), dtype=np.float32)
    for rows in ctx.pick((300,), (1000, 10_000), (1000, 10_000, 100_000)):
        P = rng.standard_normal((rows, dim), dtype=np.float32)
        idx = ff.EmbeddingIndex(dim, "dot")
        idx.add(P)
        full = ff.EmbeddingIndex(dim, "dot")
        full.add(P)
        full._native._set_prefilter(False)
        label = f"{rows:,} x {dim} float32, k={k}"
        c = {"fuseflow": lambda: idx.search(q, k)[1],
             "fuseflow float32 scan (prefilter off)": lambda: full.search(q, k)[1],
             "numpy": lambda: numpy_topk(P, q, k)}
        if faiss is not None:
            flat = faiss.IndexFlatIP(dim)
            flat.add(P)
            c["faiss IndexFlatIP"] = lambda: flat.search(q[None, :], k)[1][0]
        if usearch is not None:
            c["usearch exact"] = lambda: usearch.search(P, q, k, usearch.MetricKind.IP, exact=True).keys
        probe = np.ones_like(P)  # separate memory of the same size: same traffic, nothing cached
        c["bandwidth bound (stream read)"] = lambda: None
        stream = lambda: _core._index_stream_sum(probe)  # noqa: E731

        def agree(ours, theirs, _ids=agree_ids(1.0)):
            return 0.0 if theirs is None else _ids(ours, theirs)

        c["bandwidth bound (stream read)"] = lambda: (stream(), None)[1]
        ctx.measure("one query, top-10", c, size=rows, size_label=label, agree=agree, pause=pause,
                    note="'bandwidth bound' streams the index's bytes once (no result to compare)")
        ctx.note(f"{label}: prefilter active {bool(idx._native._prefilter_active(k))}, rows rescored in float32 "
                 f"{int(idx._native._last_rescored_rows)} of {rows}")

        c = {"fuseflow": lambda: idx.search(Q, k)[1], "fuseflow float32 tiles (prefilter off)": lambda: full.search(Q, k)[1],
             "numpy": lambda: numpy_topk_batch(P, Q, k)}
        if faiss is not None:
            c["faiss IndexFlatIP"] = lambda: flat.search(Q, k)[1]
        if usearch is not None:
            c["usearch exact"] = lambda: usearch.search(P, Q, k, usearch.MetricKind.IP, exact=True).keys
        ctx.measure("64-query batch, top-10", c, size=rows, size_label=label, agree=agree_ids(0.99), pause=pause)
        del probe

    # Fixed per-call cost: a 1-row index, the same query, via the wrapper and the bare native method.
    tiny = ff.EmbeddingIndex(dim, "dot")
    tiny.add(q[None, :])
    ctx.measure("fixed per-call cost (1-row index)", {"fuseflow": lambda: tiny.search(q, 1)[1],
                                                      "fuseflow native method": lambda: tiny._native.search(q, 1)[1]},
                size=1, size_label=f"1 x {dim}", agree=agree_ids(1.0))

    # Batch-path threshold: a batch of n through the blocked tile path vs n single-query searches
    # (the library switches at EmbeddingIndex::kDefaultBatchMinQueries, chosen from this sweep).
    rows = ctx.pick(300, 1000, 1000)
    P = rng.standard_normal((rows, dim), dtype=np.float32)
    tiled = ff.EmbeddingIndex(dim, "dot")
    tiled.add(P)
    tiled._native._set_batch_min_queries(1)
    single = ff.EmbeddingIndex(dim, "dot")
    single.add(P)
    for nq in ctx.pick((2, 8), (2, 4, 8, 16), (2, 3, 4, 5, 6, 8, 16)):
        ctx.measure("batch threshold: tile path vs n single searches",
                    {"fuseflow tile path": lambda nq=nq: tiled.search(Q[:nq], k)[1],
                     "n single searches": lambda nq=nq: np.stack([single.search(Q[j], k)[1] for j in range(nq)])},
                    baseline="fuseflow tile path", size=nq, size_label=f"{nq} queries, {rows:,} x {dim}",
                    agree=agree_ids(0.99))
