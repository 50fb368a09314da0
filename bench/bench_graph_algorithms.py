"""Connected components, BFS and label propagation: fuseflow vs NetworKit and igraph, same run.

Rules: R-MAT scale 20, edge factor 16 (ff.generators.rmat(20, 16), Graph500 parameters,
scrambled ids, self-loops and parallel edges kept), i.e. 1,048,576 nodes, 16,777,216 edges.
Every library gets the same directed edge list. Times are the median of REPEATS runs (3 for LPA)
after one warm-up run, runs of the contenders interleaved, graph construction excluded. fuseflow and NetworKit use THREADS threads; igraph is
single-threaded (its CC and BFS have no parallel version). Results are checked against each
other before timing (same component partition, same BFS levels). BFS sources: the first
SOURCES distinct sources of the edge list, i.e. nodes with at least one out-edge.
LPA: fuseflow label_propagation(max_iter=20) vs NetworKit PLP(maxIterations=20) on the
undirected version of the graph (fuseflow's LPA reads both edge directions).
SSSP (extra, not an issue target): weights uniform in [0, 1) (seed 0), fuseflow sssp
(delta-stepping) vs NetworKit Dijkstra (sequential) from the first BFS source; distances checked
equal. LPA and SSSP use LPA_REPEATS repeats.

Writes bench/results/graph_algorithms.json.
"""

import os
import platform
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import fuseflow as ff

SCALE, EDGE_FACTOR = 20, 16
REPEATS = 5
LPA_REPEATS = 3  # PLP takes seconds per run; keeps the script under ~5 minutes
THREADS = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
SOURCES = 3


def median_times(fns, repeats=REPEATS):
    """Median seconds per function, runs interleaved (a, b, c, a, b, c, ...) so background load
    from other processes hits every contender alike."""
    return common.interleaved_medians_by_name(fns, repeats)


def same_partition(a, b):
    """True when labelings a and b group the nodes identically."""
    a, b = np.asarray(a), np.asarray(b)
    _, ia = np.unique(a, return_inverse=True)
    pairs = np.unique(np.stack([ia, np.unique(b, return_inverse=True)[1]]), axis=1)
    return pairs.shape[1] == ia.max() + 1 == np.unique(b).size


def modularity(src, dst, labels):
    """Newman modularity of `labels` on the undirected multigraph of the edge list."""
    m = src.shape[0]
    _, lab = np.unique(labels, return_inverse=True)
    inside = np.bincount(lab[src][lab[src] == lab[dst]], minlength=lab.max() + 1)
    degree = np.bincount(lab[src], minlength=lab.max() + 1) + np.bincount(lab[dst], minlength=lab.max() + 1)
    return float(inside.sum() / m - ((degree / (2.0 * m)) ** 2).sum())


def log(message):
    print(message, file=sys.stderr, flush=True)


def main():
    import igraph as ig
    import networkit as nk

    ff.set_num_threads(THREADS)
    nk.setNumberOfThreads(THREADS)
    src, dst = ff.generators.rmat(SCALE, EDGE_FACTOR)
    n = 1 << SCALE
    g = ff.Graph.from_edges(src, dst, num_nodes=n)

    nk_directed = nk.Graph(n, directed=True)
    nk_directed.addEdges((src.astype(np.uint64), dst.astype(np.uint64)))
    nk_undirected = nk.Graph(n, directed=False)
    nk_undirected.addEdges((src.astype(np.uint64), dst.astype(np.uint64)))
    ig_graph = ig.Graph(n=n, edges=np.column_stack([src, dst]).astype(np.int64), directed=True)

    results = {"rules": {"graph": f"R-MAT scale {SCALE}, edge factor {EDGE_FACTOR}", "nodes": n,
                         "edges": int(src.shape[0]), "repeats": REPEATS, "repeats_lpa": LPA_REPEATS, "statistic": "median seconds",
                         "threads_fuseflow": THREADS, "threads_networkit": THREADS, "threads_igraph": 1,
                         "machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                         "versions": {"networkit": nk.__version__, "igraph": ig.__version__}},
               "benchmarks": {}}

    log("graphs built")
    # --- connected components (weak)
    ff_cc = ff.algorithms.connected_components(g)

    def nk_cc():
        cc = nk.components.WeaklyConnectedComponents(nk_directed)
        cc.run()
        return cc

    nk_comp = nk_cc().getPartition().getVector()
    ig_comp = ig_graph.connected_components(mode="weak").membership
    assert same_partition(ff_cc, nk_comp) and same_partition(ff_cc, ig_comp), "component partitions differ"
    results["benchmarks"]["connected_components"] = median_times({
        "fuseflow": lambda: ff.algorithms.connected_components(g),
        "networkit": nk_cc,
        "igraph": lambda: ig_graph.connected_components(mode="weak"),
    })
    results["benchmarks"]["connected_components"]["components"] = int(np.unique(ff_cc).size)

    log("connected components done")
    # --- BFS from a few sources (time = median over repeats of the sum over sources)
    sources = list(dict.fromkeys(src[:100].tolist()))[:SOURCES]
    for s in sources:
        ours = ff.algorithms.bfs(g, s)
        bfs = nk.distance.BFS(nk_directed, s, storePaths=False)
        bfs.run()
        theirs = np.asarray(bfs.getDistances())
        theirs = np.where(theirs > 1e300, -1, theirs).astype(np.int64)
        assert np.array_equal(ours, theirs), "BFS levels differ from NetworKit"
        ig_vids, ig_layers, _ = ig_graph.bfs(s, mode="out")
        assert len(ig_vids) == int((ours >= 0).sum()) and len(ig_layers) - 1 == int(ours.max()) + 1

    def nk_bfs():
        for s in sources:
            nk.distance.BFS(nk_directed, s, storePaths=False).run()

    results["benchmarks"]["bfs"] = median_times({
        "fuseflow": lambda: [ff.algorithms.bfs(g, s) for s in sources],
        "networkit": nk_bfs,
        "igraph": lambda: [ig_graph.bfs(s, mode="out") for s in sources],
    })
    results["benchmarks"]["bfs"].update(
        sources=sources,
        note="seconds for all sources; NetworKit levels are not copied out (run() only); igraph returns Python lists")

    log("bfs done")
    # --- label propagation
    ff_lpa, ff_lpa_info = ff.algorithms.label_propagation(g, max_iter=20, seed=0, return_info=True)
    ff_lpa_sweeps = ff_lpa_info.iterations

    def nk_plp():
        plp = nk.community.PLP(nk_undirected, maxIterations=20)
        plp.run()
        return plp

    plp = nk_plp()
    plp_partition = plp.getPartition()
    results["benchmarks"]["label_propagation"] = median_times({
        "fuseflow": lambda: ff.algorithms.label_propagation(g, max_iter=20, seed=0),
        "networkit": nk_plp,
    }, repeats=LPA_REPEATS)
    results["benchmarks"]["label_propagation"].update({
        "communities_fuseflow": int(np.unique(ff_lpa).size),
        "communities_networkit": int(plp_partition.numberOfSubsets()),
        "iterations_networkit": int(plp.numberOfIterations()),
        "iterations_fuseflow": int(ff_lpa_sweeps),
        "modularity_fuseflow": modularity(src, dst, ff_lpa),
        "modularity_networkit": modularity(src, dst, np.asarray(plp_partition.getVector())),
    })

    log("label propagation done")
    # --- SSSP (informational)
    weights = np.random.default_rng(0).random(src.shape[0])
    gw = ff.Graph.from_edges(src, dst, num_nodes=n, weights=weights)
    nk_weighted = nk.Graph(n, weighted=True, directed=True)
    nk_weighted.addEdges((weights, (src.astype(np.uint64), dst.astype(np.uint64))))
    source = sources[0]

    def nk_dijkstra():
        d = nk.distance.Dijkstra(nk_weighted, source, storePaths=False)
        d.run()
        return d

    ours = ff.algorithms.sssp(gw, source)
    theirs = np.asarray(nk_dijkstra().getDistances())
    reached = np.isfinite(ours)
    assert np.array_equal(reached, theirs < 1e300) and np.allclose(ours[reached], theirs[reached], rtol=1e-12)
    results["benchmarks"]["sssp"] = median_times({
        "fuseflow": lambda: ff.algorithms.sssp(gw, source),
        "networkit": nk_dijkstra,
    }, repeats=LPA_REPEATS)
    results["benchmarks"]["sssp"]["source"] = source

    print(f"R-MAT scale {SCALE}, edge factor {EDGE_FACTOR}: {n:,} nodes, {src.shape[0]:,} edges; "
          f"median of {REPEATS} ({LPA_REPEATS} for LPA, SSSP) interleaved runs after a warm-up; fuseflow and NetworKit {THREADS} threads, igraph 1 thread")
    print(f"{'algorithm':22s} {'peer':10s} {'fuseflow s':>11s} {'peer s':>10s} {'speedup':>8s}")
    for name, row in results["benchmarks"].items():
        row["speedup"] = {}
        for peer in ("networkit", "igraph"):
            if peer in row:
                row["speedup"][peer] = row[peer] / row["fuseflow"]
                print(f"{name:22s} {peer:10s} {row['fuseflow']:11.4f} {row[peer]:10.4f} {row['speedup'][peer]:7.2f}x")
    lp = results["benchmarks"]["label_propagation"]
    print(f"LPA: fuseflow {lp['communities_fuseflow']:,} communities, modularity {lp['modularity_fuseflow']:.5f}, "
          f"{lp['iterations_fuseflow']} sweeps; NetworKit PLP {lp['communities_networkit']:,} communities, "
          f"modularity {lp['modularity_networkit']:.5f}, {lp['iterations_networkit']} iterations "
          f"(on R-MAT both put almost all of the giant component into one community; isolated nodes stay singletons)")

    common.write_results("graph_algorithms", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
