"""PageRank written the way each peer's users would write it, for the graph suite: power iteration
with the dangling mass spread uniformly (the same definition as ff.algorithms.pagerank), float64,
a fixed number of iterations. Each builder takes the edge list once (setup, not timed) and returns
fn(k) -> ranks after k iterations."""

import json
import shutil
import subprocess
from importlib import resources

import numpy as np


def scipy_pagerank(sp, n, src, dst, damping=0.85):
    at = sp.csr_matrix((np.ones(len(src)), (dst, src)), shape=(n, n))  # pull: A^T @ (r / outdeg)
    out_deg = np.bincount(src, minlength=n).astype(np.float64)
    dangling = out_deg == 0
    inv = np.divide(1.0, out_deg, out=np.zeros(n), where=~dangling)

    def run(k):
        r = np.full(n, 1.0 / n)
        for _ in range(k):
            r = (1.0 - damping) / n + damping * (at @ (r * inv) + r[dangling].sum() / n)
        return r
    return run


def graphblas_pagerank(gb, n, src, dst, damping=0.85):
    """SuiteSparse:GraphBLAS through python-graphblas: plus_times mxv over A^T, whose entries count
    repeated edges (each repeat carries rank, as in fuseflow and the other peers)."""
    at = gb.Matrix.from_coo(dst.astype(np.int64), src.astype(np.int64), np.ones(len(src)), nrows=n, ncols=n,
                            dup_op=gb.binary.plus)
    out_deg = np.bincount(src, minlength=n).astype(np.float64)
    dangling_idx = np.flatnonzero(out_deg == 0)
    inv = gb.Vector.from_dense(np.divide(1.0, out_deg, out=np.zeros(n), where=out_deg > 0))
    sinks = gb.Vector.from_coo(dangling_idx, 1.0, size=n)
    plus_times = gb.semiring.plus_times[float]

    def run(k):
        r = gb.Vector.from_dense(np.full(n, 1.0 / n))
        for _ in range(k):
            w = r.ewise_mult(inv, gb.binary.times).new()
            s = at.mxv(w, plus_times).new()
            sink = r.ewise_mult(sinks, gb.binary.first).reduce(gb.monoid.plus[float]).new().value or 0.0
            nxt = gb.Vector.from_scalar((1.0 - damping) / n + damping * sink / n, size=n, dtype=float)
            nxt(accum=gb.binary.plus) << s.apply(gb.binary.times, right=damping)
            r = nxt
        return r.to_dense(fill_value=0.0)
    return run


def numba_pagerank(numba, g, damping=0.85):
    """Numba @njit(parallel=True) CSR pull over fuseflow's in-edges (what a user writes by hand)."""
    offsets, sources, _ = g.csc()
    offsets, sources = np.asarray(offsets), np.asarray(sources)
    out_deg = np.asarray(g.out_degree()).astype(np.float64)
    n = g.num_nodes

    @numba.njit(parallel=True)
    def iterate(offsets, sources, out_deg, k, d):
        r = np.full(n, 1.0 / n)
        contrib = np.empty(n)
        nxt = np.empty(n)
        for _ in range(k):
            sink = 0.0
            for u in numba.prange(n):
                if out_deg[u] > 0:
                    contrib[u] = r[u] / out_deg[u]
                else:
                    contrib[u] = 0.0
                    sink += r[u]
            base = (1.0 - d) / n + d * sink / n
            for v in numba.prange(n):
                s = 0.0
                for e in range(offsets[v], offsets[v + 1]):
                    s += contrib[sources[e]]
                nxt[v] = base + d * s
            r, nxt = nxt, r
        return r

    return lambda k: iterate(offsets, sources, out_deg, k, damping)


def jax_pagerank(jax, n, src, dst, damping=0.85):
    """jax.jit with jax.ops.segment_sum over the edge list (JAX's sparse-gather idiom)."""
    jnp = jax.numpy
    s, t = jnp.asarray(src.astype(np.int32)), jnp.asarray(dst.astype(np.int32))
    out_deg = jnp.asarray(np.bincount(src, minlength=n).astype(np.float64))
    inv = jnp.where(out_deg > 0, 1.0 / jnp.where(out_deg > 0, out_deg, 1.0), 0.0)
    sink_mask = out_deg == 0

    @jax.jit
    def run(k):
        def body(_, r):
            contrib = (r * inv)[s]
            agg = jax.ops.segment_sum(contrib, t, num_segments=n)
            sink = jnp.sum(jnp.where(sink_mask, r, 0.0))
            return (1.0 - damping) / n + damping * (agg + sink / n)
        return jax.lax.fori_loop(0, k, body, jnp.full(n, 1.0 / n))

    return lambda k: np.asarray(run(k).block_until_ready())


def reference_binary(ctx):
    """Compiles reference/pagerank_reference.cpp (-O3, OpenMP, no -march: the same baseline ISA as
    fuseflow's core) into the cache; None (and one skip line) when no g++ is found."""
    compiler = shutil.which("g++") or shutil.which("c++")
    if compiler is None:
        ctx.skip("C++ reference PageRank", "no g++ / c++ on PATH to build it")
        return None
    source = resources.files("fuseflow.bench").joinpath("reference/pagerank_reference.cpp")
    text = source.read_text()
    binary = ctx.cache_dir / "bin" / "pagerank_reference"
    stamp = binary.with_suffix(".src")
    binary.parent.mkdir(parents=True, exist_ok=True)
    if not binary.exists() or not stamp.exists() or stamp.read_text() != text:
        src_copy = binary.with_suffix(".cpp")
        src_copy.write_text(text)
        done = subprocess.run([compiler, "-O3", "-std=c++20", "-fopenmp", str(src_copy), "-o", str(binary)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            ctx.skip("C++ reference PageRank", f"build failed: {done.stderr.strip()[:200]}")
            return None
        stamp.write_text(text)
    return binary


def reference_pagerank(binary, workdir, n, src, dst):
    """SelfTimed contender: runs the reference on the edge list; (ranks, median seconds per
    iteration excluding the first) — its own timer, as the process start and file read are setup."""
    workdir.mkdir(parents=True, exist_ok=True)
    edges = workdir / f"edges_{n}_{len(src)}.bin"
    with open(edges, "wb") as f:
        np.array([n, len(src)], dtype=np.int64).tofile(f)
        src.astype(np.int32).tofile(f)
        dst.astype(np.int32).tofile(f)
    ranks_path = workdir / "ranks.bin"
    last = {}

    def run(k):
        out = subprocess.run([str(binary), str(edges), str(max(k, 2)), str(ranks_path)], check=True,
                             capture_output=True, text=True)
        info = json.loads(out.stdout)
        last.update(info)
        ranks = np.fromfile(ranks_path, dtype=np.float64)
        return ranks, float(np.median(info["iteration_seconds"][1:]))

    run.last = last
    run.cleanup = lambda: (edges.unlink(missing_ok=True), ranks_path.unlink(missing_ok=True))
    return run
