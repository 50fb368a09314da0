"""The graph algorithm library (issue 13) against NetworKit and igraph, same run, on a social
graph (R-MAT) and a road-like graph.

Graphs: R-MAT scale SCALE, edge factor 16 (ff.generators.rmat, Graph500 parameters, self-loops
and parallel edges kept); the road graph ff.generators.road_grid(ROAD_SIDE) (a ROAD_SIDE^2 grid,
both directions of each street, 5% of streets removed, weights U[1, 10)); sizes can be lowered
with BENCH_RMAT_SCALE / BENCH_ROAD_SIDE. Every library gets the same edge list; graph
construction is excluded. Algorithms whose definition is undirected (triangles, k-core) get
the peers' graph already made undirected and simple (outside the timing), while fuseflow
builds its simple view inside the call. Times: median of REPEATS interleaved rounds after a
warm-up (bench/common.py interleaved_medians). fuseflow and NetworKit use THREADS threads,
igraph is single-threaded. Results are checked against each other before timing.

- bc: 16 sources. fuseflow and igraph run from the same 16 nodes (igraph betweenness(sources=) on
  the directed simple graph, checked equal);
  NetworKit's EstimateBetweenness(16 samples) draws its own 16 sources: the same work.
- tc: fuseflow triangle_count (per node + total) vs NetworKit LocalClusteringCoefficient and
  igraph transitivity_local_undirected (both count the triangles per node).
- scc, k_core: labels / core numbers, checked equal.
- louvain: fuseflow louvain(seed=0) vs igraph community_multilevel on the undirected multigraph
  and NetworKit PLM(refine=False) on the undirected simple graph; modularities reported.
- road only: bfs, sssp (fuseflow delta-stepping vs NetworKit and igraph Dijkstra), cc.
A peer that is not installed is skipped with a line. Writes bench/results/graph_library.json.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import fuseflow as ff

SCALE = int(os.environ.get("BENCH_RMAT_SCALE", 20))
ROAD_SIDE = int(os.environ.get("BENCH_ROAD_SIDE", 2048))
REPEATS = int(os.environ.get("BENCH_REPEATS", 3))
THREADS = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
BC_SOURCES = 16
# Comma-separated subset to run (default: all): bc16,tc,scc,k_core,louvain,bfs,sssp,cc
ONLY = set(filter(None, os.environ.get("BENCH_ALGORITHMS", "").split(",")))
alg = ff.algorithms


def log(message):
    print(message, file=sys.stderr, flush=True)


def same_partition(a, b):
    a, b = np.asarray(a), np.asarray(b)
    ia = np.unique(a, return_inverse=True)[1].ravel()
    ib = np.unique(b, return_inverse=True)[1].ravel()
    pairs = np.unique(np.stack([ia, ib]), axis=1)
    return pairs.shape[1] == ia.max() + 1 == ib.max() + 1


def peers():
    found = {}
    try:
        import networkit as nk

        nk.setNumberOfThreads(THREADS)
        found["networkit"] = nk
    except ImportError:
        print("networkit not installed: skipped")
    try:
        import igraph as ig

        found["igraph"] = ig
    except ImportError:
        print("igraph not installed: skipped")
    return found


def bench_graph(name, src, dst, n, weights, found, road):
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    gw = ff.Graph.from_edges(src, dst, num_nodes=n, weights=weights)
    nk, ig = found.get("networkit"), found.get("igraph")
    s64, d64 = src.astype(np.uint64), dst.astype(np.uint64)
    if nk:
        nk_dir = nk.Graph(n, directed=True)
        nk_dir.addEdges((s64, d64))
        nk_und = nk.Graph(n, directed=False)
        nk_und.addEdges((s64, d64))
        nk_und.removeSelfLoops()
        nk_und.removeMultiEdges()
        nk_und.indexEdges()
    if ig:
        ig_dir = ig.Graph(n=n, edges=np.column_stack([src, dst]).astype(np.int64), directed=True)
        ig_und = ig_dir.as_undirected()
        ig_und.simplify()
        ig_simple = ig_dir.copy()  # BC's definition: the directed simple graph
        ig_simple.simplify()
    log(f"{name}: graphs built")
    out = {}

    def wanted(algorithm):
        return not ONLY or algorithm in ONLY

    def run(algorithm, fns):
        fns = {k: v for k, v in fns.items() if v is not None}
        start = time.perf_counter()
        out[algorithm] = common.interleaved_medians_by_name(fns, REPEATS)
        log(f"{name} {algorithm}: {out[algorithm]} ({time.perf_counter() - start:.0f} s)")

    if wanted("bc16"):
        bench_bc(g, n, nk, ig, nk_dir if nk else None, ig_simple if ig else None, run)
    if wanted("tc"):
        bench_tc(g, nk, ig, nk_und if nk else None, ig_und if ig else None, run, out)
    if wanted("scc"):
        bench_scc(g, nk, ig, nk_dir if nk else None, ig_dir if ig else None, run, out)
    if wanted("k_core"):
        bench_k_core(g, nk, ig, nk_und if nk else None, ig_und if ig else None, run, out)
    if wanted("louvain"):
        bench_louvain(g, nk, ig, nk_und if nk else None, ig_dir if ig else None, run, out)
    if road:
        bench_road(g, gw, n, weights, s64, d64, nk, ig, nk_dir if nk else None, ig_dir if ig else None, run, out,
                   wanted)
    return out


def bench_bc(g, n, nk, ig, nk_dir, ig_simple, run):
    sources = np.array(sorted(np.random.default_rng(1).choice(n, BC_SOURCES, replace=False)), dtype=np.int64)
    ours = alg.betweenness_centrality(g, sources=sources, normalized=False)
    if ig:
        raw = np.asarray(ig_simple.betweenness(sources=sources.tolist()))
        scale = np.where(np.isin(np.arange(n), sources), (n - 1) / (BC_SOURCES - 1), (n - 1) / BC_SOURCES)
        assert np.allclose(ours, raw * scale, rtol=1e-9), "betweenness differs from igraph"
    run("bc16", {
        "fuseflow": lambda: alg.betweenness_centrality(g, sources=sources),
        "networkit": (lambda: nk.centrality.EstimateBetweenness(nk_dir, BC_SOURCES, False, True).run()) if nk else None,
        "igraph": (lambda: ig_simple.betweenness(sources=sources.tolist())) if ig else None,
    })



def bench_tc(g, nk, ig, nk_und, ig_und, run, out):
    per_node, total = alg.triangle_count(g)
    if ig:
        local = np.asarray(ig_und.transitivity_local_undirected(mode="zero"))
        assert np.allclose(alg.clustering(g), local, rtol=1e-12), "clustering differs from igraph"
    run("tc", {
        "fuseflow": lambda: alg.triangle_count(g),
        "networkit": (lambda: nk.centrality.LocalClusteringCoefficient(nk_und, turbo=True).run()) if nk else None,
        "igraph": (lambda: ig_und.transitivity_local_undirected(mode="zero")) if ig else None,
    })
    out["tc"]["triangles"] = total



def bench_scc(g, nk, ig, nk_dir, ig_dir, run, out):
    scc = alg.strongly_connected_components(g)
    if ig:
        assert same_partition(scc, ig_dir.connected_components(mode="strong").membership), "SCC differ from igraph"
    if nk:
        c = nk.components.StronglyConnectedComponents(nk_dir)
        c.run()
        assert same_partition(scc, c.getPartition().getVector()), "SCC differ from NetworKit"
    run("scc", {
        "fuseflow": lambda: alg.strongly_connected_components(g),
        "networkit": (lambda: nk.components.StronglyConnectedComponents(nk_dir).run()) if nk else None,
        "igraph": (lambda: ig_dir.connected_components(mode="strong")) if ig else None,
    })
    out["scc"]["components"] = int(np.unique(scc).size)



def bench_k_core(g, nk, ig, nk_und, ig_und, run, out):
    core = alg.k_core(g)
    if ig:
        assert np.array_equal(core, ig_und.coreness()), "core numbers differ from igraph"
    if nk:
        cd = nk.centrality.CoreDecomposition(nk_und)
        cd.run()
        assert np.array_equal(core, np.asarray(cd.scores()).astype(np.int64)), "core numbers differ from NetworKit"
    run("k_core", {
        "fuseflow": lambda: alg.k_core(g),
        "networkit": (lambda: nk.centrality.CoreDecomposition(nk_und).run()) if nk else None,
        "igraph": (lambda: ig_und.coreness()) if ig else None,
    })
    out["k_core"]["max_core"] = int(core.max())



def bench_louvain(g, nk, ig, nk_und, ig_dir, run, out):
    labels, q = alg.louvain(g, seed=0)
    fns = {"fuseflow": lambda: alg.louvain(g, seed=0)}
    quality = {"modularity_fuseflow": q, "communities_fuseflow": int(labels.max() + 1)}
    if ig:
        ig_multi = ig_dir.as_undirected(mode="each")  # the undirected multigraph fuseflow reads
        cm = ig_multi.community_multilevel()
        quality["modularity_igraph"] = ig_multi.modularity(cm.membership)
        quality["modularity_fuseflow_by_igraph"] = ig_multi.modularity(labels.tolist())
        fns["igraph"] = ig_multi.community_multilevel
    if nk:
        plm = nk.community.PLM(nk_und, refine=False)
        plm.run()
        quality["modularity_networkit_plm"] = nk.community.Modularity().getQuality(plm.getPartition(), nk_und)
        fns["networkit"] = lambda: nk.community.PLM(nk_und, refine=False).run()
    run("louvain", fns)
    out["louvain"].update(quality)


def bench_road(g, gw, n, weights, s64, d64, nk, ig, nk_dir, ig_dir, run, out, wanted):
    source = 0
    if wanted("bfs"):
        levels = alg.bfs(g, source)
        run("bfs", {
            "fuseflow": lambda: alg.bfs(g, source),
            "networkit": (lambda: nk.distance.BFS(nk_dir, source, storePaths=False).run()) if nk else None,
            "igraph": (lambda: ig_dir.bfs(source, mode="out")) if ig else None,
        })
        out["bfs"]["depth"] = int(levels.max())
    if wanted("sssp"):
        dist = alg.sssp(gw, source)
        if nk:
            nk_w = nk.Graph(n, weighted=True, directed=True)
            nk_w.addEdges((weights, (s64, d64)))
            dj = nk.distance.Dijkstra(nk_w, source, storePaths=False)
            dj.run()
            theirs = np.asarray(dj.getDistances())
            reached = np.isfinite(dist)
            assert np.allclose(dist[reached], theirs[reached], rtol=1e-12), "SSSP differs from NetworKit"
        if ig:
            ig_dir.es["weight"] = weights
        run("sssp", {
            "fuseflow": lambda: alg.sssp(gw, source),
            "networkit": (lambda: nk.distance.Dijkstra(nk_w, source, storePaths=False).run()) if nk else None,
            "igraph": (lambda: ig_dir.distances(source=source, weights="weight")) if ig else None,
        })
    if wanted("cc"):
        cc = alg.connected_components(g)
        if ig:
            assert same_partition(cc, ig_dir.connected_components(mode="weak").membership)
        run("cc", {
            "fuseflow": lambda: alg.connected_components(g),
            "networkit": (lambda: nk.components.WeaklyConnectedComponents(nk_dir).run()) if nk else None,
            "igraph": (lambda: ig_dir.connected_components(mode="weak")) if ig else None,
        })


def main():
    found = peers()
    ff.set_num_threads(THREADS)
    results = {"rules": {"rmat": f"R-MAT scale {SCALE}, edge factor 16", "road": f"road_grid({ROAD_SIDE})",
                         "repeats": REPEATS, "statistic": "median seconds, interleaved rounds",
                         "threads_fuseflow": THREADS, "threads_networkit": THREADS, "threads_igraph": 1,
                         "versions": {k: getattr(v, "__version__", "?") for k, v in found.items()}},
               "graphs": {}}
    src, dst = ff.generators.rmat(SCALE, 16)
    n = 1 << SCALE
    w = np.random.default_rng(0).uniform(1.0, 10.0, src.shape[0])
    results["graphs"]["rmat"] = {"nodes": n, "edges": int(src.shape[0]),
                                 "times": bench_graph("rmat", src, dst, n, w, found, road=False)}
    del src, dst, w
    rs, rd, rw = ff.generators.road_grid(ROAD_SIDE)
    rn = ROAD_SIDE * ROAD_SIDE
    results["graphs"]["road"] = {"nodes": rn, "edges": int(rs.shape[0]),
                                 "times": bench_graph("road", rs, rd, rn, rw, found, road=True)}

    print(f"median of {REPEATS} interleaved rounds; fuseflow and NetworKit {THREADS} threads, igraph 1 thread")
    print(f"{'graph':6s} {'algorithm':10s} {'fuseflow s':>11s} {'networkit s':>12s} {'igraph s':>10s} "
          f"{'nk/ff':>7s} {'ig/ff':>7s}")
    for gname, gres in results["graphs"].items():
        for aname, row in gres["times"].items():
            row["speedup"] = {p: row[p] / row["fuseflow"] for p in ("networkit", "igraph") if p in row}
            cells = [f"{row[p]:12.4f}" if p in row else f"{'-':>12s}" for p in ("networkit",)]
            cells += [f"{row[p]:10.4f}" if p in row else f"{'-':>10s}" for p in ("igraph",)]
            ratios = [f"{row['speedup'][p]:6.2f}x" if p in row["speedup"] else f"{'-':>7s}"
                      for p in ("networkit", "igraph")]
            print(f"{gname:6s} {aname:10s} {row['fuseflow']:11.4f} {' '.join(cells)} {' '.join(ratios)}")
    road = results["graphs"]["road"]
    for aname in ("bfs", "sssp"):
        if aname in road["times"]:
            ns = road["times"][aname]["fuseflow"] / road["edges"] * 1e9
            road["times"][aname]["ns_per_edge"] = ns
            print(f"road {aname}: {ns:.2f} ns per edge with {THREADS} threads "
                  f"(published GAP hand-written, road USA 58M edges: bfs 0.32 s = 5.5 ns/edge, "
                  f"sssp 0.27 s = 4.7 ns/edge on their multi-core machine)")
    common.write_results("graph_library", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
