"""graph: R-MAT graphs (Graph500 a=.57 b=.19 c=.19, scrambled ids, edge factor 16, self-loops and
repeated edges kept) at several scales; every library gets the same directed edge list.

- Graph.from_edges (CSR + CSC) vs scipy.sparse (CSR + CSC) and the C++ reference's serial build.
- PageRank per iteration (damping 0.85, float64, tol 0, slope between k1 and k2 iterations):
  the DSL program of DESIGN.md (baseline; relabelled by out-degree when the cost model says so),
  the same with the relabelling off, and ff.algorithms.pagerank vs the hand-written C++
  reference (OpenMP pull, its own per-iteration timer), scipy.sparse, GraphBLAS (plus_second mxv),
  JAX (segment_sum) and Numba (parallel CSR pull).
- PageRank to convergence (total time) vs igraph (PRPACK) and NetworKit.
- BFS and Bellman-Ford SSSP written in the DSL (while_loop over neighbor_agg with an active
  frontier, bench/suites/_graph_dsl.py) beside ff.algorithms.bfs / sssp.
- Connected components (weak) vs NetworKit, igraph, scipy.sparse.csgraph; BFS levels from 3
  sources vs NetworKit and igraph; SSSP (uniform [0,1) weights) vs NetworKit Dijkstra and
  scipy.sparse.csgraph.dijkstra; label propagation vs NetworKit PLP (different algorithms: their
  modularities are compared, not the partitions).
Threads: fuseflow, the reference, GraphBLAS, JAX, Numba and NetworKit use all cores; SciPy and
igraph one.
"""

import numpy as np

from .._harness import Disagreement, SelfTimed, max_abs_diff
from . import _graph_dsl as dsl
from . import _graph_peers as peers

DESCRIPTION = "PageRank per iteration vs C++ reference, SciPy, GraphBLAS, JAX, Numba; CC/BFS/SSSP/LPA vs NetworKit, igraph"


def same_partition(a, b):
    """0.0 when labelings a and b group the nodes identically, else Disagreement."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise Disagreement(f"{a.shape} vs {b.shape} labels")
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    pairs = np.unique(np.stack([ia, ib]), axis=1)
    if not pairs.shape[1] == ia.max() + 1 == ib.max() + 1:
        raise Disagreement("the partitions differ")
    return 0.0


def modularity(src, dst, labels):
    """Newman modularity of `labels` on the undirected multigraph of the edge list."""
    m = src.shape[0]
    _, lab = np.unique(np.asarray(labels), return_inverse=True)
    inside = np.bincount(lab[src][lab[src] == lab[dst]], minlength=lab.max() + 1)
    degree = np.bincount(lab[src], minlength=lab.max() + 1) + np.bincount(lab[dst], minlength=lab.max() + 1)
    return float(inside.sum() / m - ((degree / (2.0 * m)) ** 2).sum())


def run(ctx):
    import fuseflow as ff

    binary = peers.reference_binary(ctx)
    scales = ctx.pick((10,), (12, 15), (16, 18, 20))
    for scale in scales:
        # --quick: the whole-algorithm cases (PageRank to convergence, LPA; igraph and NetworKit
        # take ~1 s a call) at the largest scale only; per-iteration PageRank, CC, BFS and SSSP at all.
        _scale(ctx, ff, scale, binary, whole=ctx.profile.name != "quick" or scale == scales[-1])


def _scale(ctx, ff, scale, binary, whole=True):
    from fuseflow import examples

    n = 1 << scale
    src, dst = ctx.rmat(scale, 16, seed=1)
    m = len(src)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    label = f"R-MAT {scale}: {n:,} nodes, {m:,} edges"
    sp = ctx.peer("scipy")
    if sp is not None:
        import scipy.sparse as sp
        import scipy.sparse.csgraph as csgraph

    # -- Graph.from_edges -----------------------------------------------------------------------
    ref = peers.reference_pagerank(binary, ctx.cache_dir / "graph", n, src, dst) if binary is not None else None
    c = {"fuseflow": lambda: ff.Graph.from_edges(src, dst, num_nodes=n).csr()[0]}
    if sp is not None:
        def scipy_build():
            a = sp.csr_matrix((np.ones(m), (src, dst)), shape=(n, n))
            a.tocsc()
            return a.indptr
        c["scipy.sparse csr + csc"] = scipy_build
    if ref is not None:
        c["C++ reference (serial CSC build)"] = SelfTimed(lambda _k: (None, (ref(2), ref.last["build_seconds"])[1]))

    def agree_build(ours, theirs):
        # scipy.sparse sums repeated edges, so offsets differ; the nodes with out-edges must not.
        if theirs is not None and not np.array_equal(np.diff(ours) > 0, np.diff(theirs) > 0):
            raise Disagreement("different nodes have out-edges")
        return 0.0

    ctx.measure("Graph.from_edges", c, size=m, size_label=label, agree=agree_build,
                note="agreement: the same nodes have out-edges (scipy.sparse merges repeated edges)")

    # -- first call on a new graph: builds the degree-ordered in-edges PageRank runs over, once ---
    import time

    first = []
    for _ in range(ctx.pick(2, 3, 5)):
        fresh = ff.Graph.from_edges(src, dst, num_nodes=n)
        t = time.perf_counter()
        ff.algorithms.pagerank(fresh, tol=0.0, max_iter=0)
        first.append(time.perf_counter() - t)
        del fresh
    ctx.record_values("PageRank first call on a new graph (one-off setup, 0 iterations)", {"fuseflow": first},
                      size=m, size_label=label, unit="seconds")

    # -- PageRank per iteration -------------------------------------------------------------------
    k1, k2 = ctx.pick((2, 6), (2, 6), (3, 13))

    def native(k):
        out = ff.algorithms.pagerank(g, damping=0.85, tol=0.0, max_iter=k)
        return out[0] if isinstance(out, tuple) else out

    def dsl_caller_order(k):
        # The same program with the locality relabelling off: what the relabelling buys.
        import os

        before = os.environ.get("FUSEFLOW_LOCALITY")
        os.environ["FUSEFLOW_LOCALITY"] = "never"
        try:
            return examples.pagerank(g, 0.85, k)
        finally:
            if before is None:
                del os.environ["FUSEFLOW_LOCALITY"]
            else:
                os.environ["FUSEFLOW_LOCALITY"] = before

    c = {"fuseflow DSL": lambda k: examples.pagerank(g, 0.85, k), "fuseflow native": native,
         "fuseflow DSL, caller order (FUSEFLOW_LOCALITY=never)": dsl_caller_order}
    if ref is not None:
        c["C++ reference"] = SelfTimed(ref)
    if sp is not None:
        c["scipy.sparse"] = peers.scipy_pagerank(sp, n, src, dst)
    gb = ctx.peer("graphblas")
    if gb is not None:
        c["graphblas"] = peers.graphblas_pagerank(gb, n, src, dst)
    jax = ctx.peer("jax")
    if jax is not None:
        c["jax segment_sum"] = peers.jax_pagerank(jax, n, src, dst)
    numba = ctx.peer("numba")
    if numba is not None:
        c["numba CSR pull"] = peers.numba_pagerank(numba, g)
    ctx.measure("PageRank per iteration", c, baseline="fuseflow DSL", size=m, size_label=label,
                per_iteration=(k1, k2), rtol=1e-10, atol=1e-15,
                note="slope between k1 and k2 iterations; the C++ reference times its own iterations")
    if ref is not None:
        ref.cleanup()

    # -- PageRank to convergence -----------------------------------------------------------------
    ig = ctx.peer("igraph")
    nk = ctx.peer("networkit")
    ig_graph = ig.Graph(n=n, edges=np.column_stack([src, dst]).astype(np.int64), directed=True) if ig else None
    nk_directed = None
    if nk is not None:
        nk.setNumberOfThreads(ff.get_num_threads())
        nk_directed = nk.Graph(n, directed=True)
        nk_directed.addEdges((src.astype(np.uint64), dst.astype(np.uint64)))
    c = {"fuseflow": lambda: _first(ff.algorithms.pagerank(g, damping=0.85, tol=1e-10, max_iter=1000))}
    if ig_graph is not None:
        c["igraph (PRPACK)"] = lambda: np.asarray(ig_graph.pagerank(damping=0.85, directed=True))
    if nk_directed is not None:
        sinks = nk.centrality.SinkHandling
        distribute = getattr(sinks, "DistributeSinks", None) or getattr(sinks, "DISTRIBUTE_SINKS")

        def nk_pr():
            pr = nk.centrality.PageRank(nk_directed, damp=0.85, tol=1e-12, distributeSinks=distribute)
            pr.maxIterations = 1000
            pr.run()
            return np.asarray(pr.scores())
        c["networkit"] = nk_pr
    if len(c) > 1 and whole:
        ctx.measure("PageRank to convergence (tol 1e-10)", c, size=m, size_label=label, rtol=1e-5,
                    note="each library's own stopping rule; results agree to 1e-5 of the largest rank")

    # -- connected components --------------------------------------------------------------------
    c = {"fuseflow": lambda: ff.algorithms.connected_components(g)}
    if nk_directed is not None:
        def nk_cc():
            cc = nk.components.WeaklyConnectedComponents(nk_directed)
            cc.run()
            return cc
        c["networkit"] = nk_cc
    if ig_graph is not None:
        c["igraph"] = lambda: ig_graph.connected_components(mode="weak")
    if sp is not None:
        adj = sp.csr_matrix((np.ones(m, dtype=np.int8), (src, dst)), shape=(n, n))
        c["scipy.sparse.csgraph"] = lambda: csgraph.connected_components(adj, directed=True, connection="weak")[1]

    def agree_cc(ours, theirs):
        if hasattr(theirs, "getPartition"):
            theirs = theirs.getPartition().getVector()
        elif hasattr(theirs, "membership"):
            theirs = theirs.membership
        return same_partition(ours, theirs)

    ctx.measure("connected components (weak)", c, size=m, size_label=label, agree=agree_cc)

    # -- BFS ---------------------------------------------------------------------------------------
    sources = list(dict.fromkeys(src[:100].tolist()))[:3]
    c = {"fuseflow": lambda: [ff.algorithms.bfs(g, s) for s in sources],
         # The same BFS composed in the DSL: while_loop over neighbor_agg(min, first, active=frontier).
         "fuseflow DSL (while_loop + frontier)": lambda: [dsl.bfs_levels(g, s) for s in sources]}
    if nk_directed is not None:
        def nk_bfs():
            runs = [nk.distance.BFS(nk_directed, s, storePaths=False) for s in sources]
            for b in runs:
                b.run()
            return runs
        c["networkit"] = nk_bfs
    if ig_graph is not None:
        c["igraph"] = lambda: [ig_graph.bfs(s, mode="out") for s in sources]

    def agree_bfs(ours, theirs):
        for levels, t in zip(ours, theirs):
            if isinstance(t, np.ndarray):
                if not np.array_equal(levels, t):
                    raise Disagreement("BFS levels differ")
            elif hasattr(t, "getDistances"):
                d = np.asarray(t.getDistances())
                d = np.where(d > 1e300, -1, d).astype(np.int64)
                if not np.array_equal(levels, d):
                    raise Disagreement("BFS levels differ")
            else:
                vids, layers, _ = t
                if len(vids) != int((levels >= 0).sum()) or len(layers) - 1 != int(levels.max()) + 1:
                    raise Disagreement("BFS reach or depth differs")
        return 0.0

    ctx.measure(f"BFS levels from {len(sources)} sources", c, size=m, size_label=label, agree=agree_bfs,
                note="NetworKit: run() only, levels not copied out; igraph returns Python lists")

    # -- SSSP ------------------------------------------------------------------------------------
    weights = np.random.default_rng(0).random(m)
    gw = ff.Graph.from_edges(src, dst, num_nodes=n, weights=weights)
    source = sources[0]
    c = {"fuseflow": lambda: ff.algorithms.sssp(gw, source),
         # Bellman-Ford composed in the DSL: min-plus neighbor_agg over the nodes whose distance dropped.
         "fuseflow DSL Bellman-Ford (min-plus + frontier)": lambda: dsl.sssp(gw, source)}
    if nk is not None:
        nk_weighted = nk.Graph(n, weighted=True, directed=True)
        nk_weighted.addEdges((weights, (src.astype(np.uint64), dst.astype(np.uint64))))

        def nk_dijkstra():
            d = nk.distance.Dijkstra(nk_weighted, source, storePaths=False)
            d.run()
            return d
        c["networkit Dijkstra"] = nk_dijkstra
    if sp is not None:
        # Repeated edges: keep the lightest (csr_matrix would sum them).
        order = np.lexsort((weights, dst, src))
        s2, d2, w2 = src[order], dst[order], weights[order]
        first = np.ones(m, dtype=bool)
        first[1:] = (s2[1:] != s2[:-1]) | (d2[1:] != d2[:-1])
        wmat = sp.csr_matrix((w2[first], (s2[first], d2[first])), shape=(n, n))
        c["scipy.sparse.csgraph.dijkstra"] = lambda: csgraph.dijkstra(wmat, directed=True, indices=source)

    def agree_sssp(ours, theirs):
        if hasattr(theirs, "getDistances"):
            theirs = np.asarray(theirs.getDistances())
            theirs = np.where(theirs > 1e300, np.inf, theirs)
        return max_abs_diff(ours, theirs) if max_abs_diff(ours, theirs) <= 1e-12 * max(1.0, float(
            np.max(np.where(np.isfinite(ours), ours, 0)))) else _raise("distances differ")

    ctx.measure("SSSP from one source", c, size=m, size_label=label, agree=agree_sssp)

    # -- label propagation -----------------------------------------------------------------------
    if not whole:
        return
    c = {"fuseflow": lambda: ff.algorithms.label_propagation(g, max_iter=20, seed=0)}
    if nk is not None:
        nk_undirected = nk.Graph(n, directed=False)
        nk_undirected.addEdges((src.astype(np.uint64), dst.astype(np.uint64)))

        def nk_plp():
            plp = nk.community.PLP(nk_undirected, maxIterations=20)
            plp.run()
            return plp
        c["networkit PLP"] = nk_plp
    mods = {}

    def agree_lpa(ours, theirs):
        q_ours = modularity(src, dst, ours)
        q_theirs = modularity(src, dst, np.asarray(theirs.getPartition().getVector()))
        mods.update(fuseflow=q_ours, networkit=q_theirs)
        return abs(q_ours - q_theirs)

    ctx.measure("label propagation (20 sweeps max)", c, size=m, size_label=label, agree=agree_lpa,
                note="different algorithms: 'max |diff|' is the modularity difference")
    if mods:
        ctx.note(f"{label}: LPA modularity fuseflow {mods['fuseflow']:.5f}, NetworKit PLP {mods['networkit']:.5f}")


def _first(x):
    return x[0] if isinstance(x, tuple) else x


def _raise(msg):
    raise Disagreement(msg)
