"""views: derived graphs of an R-MAT graph (edges in generator order, self-loops and repeated
edges kept), each library making its own from the same directed graph:

- induced subgraph of 1% and of half the nodes, cut (Graph.subgraph(...).materialize()) vs
  igraph induced_subgraph, NetworKit graphtools.subgraphFromNodes and scipy.sparse row + column
  slicing;
- one BFS on an induced subgraph of 10% and of half the nodes, from its node of largest
  out-degree, the view made and searched: Graph.subgraph + bfs (on the view's masks, no cut) and
  the same with the cut forced first, vs igraph induced_subgraph + bfs, NetworKit
  subgraphFromNodes + distance.BFS and scipy.sparse slicing + csgraph.breadth_first_order;
- a route on a road grid with 1% of its streets closed (an edge mask), 10 blocks across and 10
  down: Graph.subgraph(edge_mask=open) + shortest_path (Dijkstra on the masks, stopping at the
  target) and the same with the cut forced first, vs igraph subgraph_edges + get_shortest_path
  and scipy.sparse (open streets) + csgraph.dijkstra bounded by a distance limit;
- to_undirected: Graph.to_undirected (both directions as directed edges) vs igraph
  as_undirected(mode="each") and scipy.sparse A + A^T (NetworKit's toUndirected merges u -> v
  with v -> u: a different graph, left out);
- reverse: Graph.reverse of the graph in generator order and of the same edges in source order
  (then it shares the graph's arrays) vs igraph copy + reverse_edges, NetworKit
  graphtools.transpose and scipy.sparse A^T as CSR.

Agreement: the number of edges (scipy.sparse sums repeated edges: the sum of its ones is the
count); for to_undirected, ours holds two directed edges per non-loop edge where the others hold
one undirected edge. Threads: fuseflow and NetworKit use all cores; igraph and SciPy one.
"""

import numpy as np

from .._harness import Disagreement

DESCRIPTION = "Graph.subgraph (cut, and one BFS on it) / to_undirected / reverse vs igraph, NetworKit, scipy.sparse"


def _edge_count(result):
    """The number of (directed or undirected) edges a library's result holds."""
    if hasattr(result, "num_edges"):
        return result.num_edges
    if hasattr(result, "ecount"):
        return result.ecount()
    if hasattr(result, "numberOfEdges"):
        return result.numberOfEdges()
    return int(round(result.sum()))  # scipy.sparse: ones summed over repeated edges


def _same_edges():
    """agree(): the peer holds as many edges as ours."""
    def agree(ours, theirs):
        want = _edge_count(ours)
        got = _edge_count(theirs)
        if got != want:
            raise Disagreement(f"{got} edges against {want}")
        return 0.0
    return agree


def run(ctx):
    import fuseflow as ff

    ig = ctx.peer("igraph")
    nk = ctx.peer("networkit")
    sp = ctx.peer("scipy")
    if nk is not None:
        nk.setNumberOfThreads(ff.get_num_threads())
    for scale in ctx.pick((10,), (15, 17), (17, 20)):
        n = 1 << scale
        src, dst = ctx.rmat(scale, 16, seed=1)
        m = len(src)
        g = ff.Graph.from_edges(src, dst, num_nodes=n)
        label = f"R-MAT {scale}: {n:,} nodes, {m:,} edges"
        ig_graph = ig.Graph(n=n, edges=np.column_stack([src, dst]).astype(np.int64), directed=True) if ig else None
        nk_graph = None
        if nk is not None:
            nk_graph = nk.Graph(n, directed=True)
            nk_graph.addEdges((src.astype(np.uint64), dst.astype(np.uint64)))
        a = None
        if sp is not None:
            import scipy.sparse

            a = scipy.sparse.csr_matrix((np.ones(m), (src, dst)), shape=(n, n))

        rng = np.random.default_rng(scale)
        for what, fraction in (("1% of the nodes", 0.01), ("half the nodes", 0.5)):
            nodes = np.sort(rng.choice(n, int(n * fraction), replace=False))
            mask = np.zeros(n, dtype=bool)
            mask[nodes] = True
            c = {"fuseflow": lambda mask=mask: g.subgraph(node_mask=mask).materialize()}
            if ig_graph is not None:
                c["igraph induced_subgraph"] = lambda nodes=nodes: ig_graph.induced_subgraph(nodes)
            if nk_graph is not None:
                c["networkit subgraphFromNodes"] = lambda nodes=nodes: nk.graphtools.subgraphFromNodes(nk_graph, nodes)
            if a is not None:
                c["scipy.sparse A[nodes][:, nodes]"] = lambda nodes=nodes: a[nodes][:, nodes]
            ctx.measure(f"subgraph: {what}", c, size=m, size_label=label, agree=_same_edges(),
                        note="agreement: the same number of kept edges")

        _subgraph_bfs(ctx, ff, g, label, rng, ig_graph, nk, nk_graph, a)

        loops = int(np.count_nonzero(src == dst))
        c = {"fuseflow": lambda: g.to_undirected()}
        if ig_graph is not None:
            c["igraph as_undirected(each)"] = lambda: ig_graph.as_undirected(mode="each")
        if a is not None:
            c["scipy.sparse A + A^T"] = lambda: a + a.T
        ctx.measure("to_undirected", c, size=m, size_label=label, agree=_undirected_agree(loops),
                    note="agreement: ours holds 2 directed edges per non-loop edge, the others 1 undirected edge "
                         "(scipy: A + A^T counts a loop twice)")

        # reverse() shares the arrays of a graph whose edges are in source order (as files, SciPy
        # and NetworkX give them); in generator order it builds the reversed graph's lists in user
        # order (one counting sort), as from_edges(dst, src) would.
        order = np.argsort(src, kind="stable")
        g_sorted = ff.Graph.from_edges(src[order], dst[order], num_nodes=n)
        c = {"fuseflow": lambda: g.reverse(), "fuseflow, edges in source order": lambda: g_sorted.reverse()}
        if ig_graph is not None:
            def ig_reverse():
                h = ig_graph.copy()
                h.reverse_edges()
                return h
            c["igraph copy + reverse_edges"] = ig_reverse
        if nk_graph is not None:
            c["networkit transpose"] = lambda: nk.graphtools.transpose(nk_graph)
        if a is not None:
            c["scipy.sparse A^T (CSR)"] = lambda: a.T.tocsr()
        ctx.measure("reverse", c, size=m, size_label=label, agree=_same_edges(),
                    note="agreement: the same number of edges")
    _closed_streets_route(ctx, ff, ig, sp)


def _subgraph_bfs(ctx, ff, g, label, rng, ig_graph, nk, nk_graph, a):
    """A view made and searched once: the masked run against cut + run and the peers' cut + run."""
    n, m = g.num_nodes, g.num_edges
    degree = g.out_degree()
    for what, fraction in (("10% of the nodes", 0.1), ("half the nodes", 0.5)):
        nodes = np.sort(rng.choice(n, int(n * fraction), replace=False))
        mask = np.zeros(n, dtype=bool)
        mask[nodes] = True
        view_source = int(np.argmax(degree[nodes]))
        base_source = int(nodes[view_source])

        def ours(mask=mask, view_source=view_source):
            return int(np.count_nonzero(ff.algorithms.bfs(g.subgraph(node_mask=mask), view_source) >= 0))

        def ours_cut(mask=mask, view_source=view_source):
            view = g.subgraph(node_mask=mask).materialize()
            return int(np.count_nonzero(ff.algorithms.bfs(view, view_source) >= 0))

        c = {"fuseflow": ours, "fuseflow, cut first": ours_cut}
        if ig_graph is not None:
            c["igraph induced_subgraph + bfs"] = lambda nodes=nodes, s=view_source: len(
                ig_graph.induced_subgraph(nodes).bfs(s)[0])
        if nk_graph is not None:
            def nk_bfs(nodes=nodes, s=base_source):
                sub = nk.graphtools.subgraphFromNodes(nk_graph, nodes)
                return int(np.count_nonzero(np.asarray(nk.distance.BFS(sub, s).run().getDistances()) < 1e300))
            c["networkit subgraphFromNodes + BFS"] = nk_bfs
        if a is not None:
            from scipy.sparse import csgraph

            c["scipy slicing + breadth_first_order"] = lambda nodes=nodes, s=view_source: len(
                csgraph.breadth_first_order(a[nodes][:, nodes], s, directed=True, return_predecessors=False))
        ctx.measure(f"subgraph + one BFS: {what}", c, size=m, size_label=label, agree=_same_count(),
                    note="fuseflow: bfs on the view's masks (no cut); fuseflow, cut first: view.materialize() "
                         "then bfs; agreement: the same number of reached nodes")


def _closed_streets_route(ctx, ff, ig, sp):
    """One route on a road grid avoiding closed streets: each library filters, then searches.
    The result compared is the route's length."""
    side = ctx.pick(64, 512, 2048)
    src, dst, w = ff.generators.road_grid(side, seed=1)
    n, m = side * side, len(src)
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    open_ = np.random.default_rng(side).random(m) >= 0.01
    kept = np.flatnonzero(open_)
    middle = side // 2
    source, target = middle * side + middle, (middle + 10) * side + middle + 10
    label = f"road grid {side}x{side}: {n:,} nodes, {m:,} edges"
    # Open streets' weights near the route (a detour stays within 40 blocks), for its length.
    near = kept[(np.abs(src[kept] // side - middle) <= 40) & (np.abs(src[kept] % side - middle) <= 40)]
    weight = {(int(a), int(b)): float(x) for a, b, x in zip(src[near], dst[near], w[near])}

    def length(path):
        return float(sum(weight[(a, b)] for a, b in zip(path, path[1:])))

    c = {"fuseflow": lambda: length(ff.algorithms.shortest_path(g.subgraph(edge_mask=open_), source, target)),
         "fuseflow, cut first": lambda: length(
             ff.algorithms.shortest_path(g.subgraph(edge_mask=open_).materialize(), source, target))}
    if ig is not None:
        ig_graph = ig.Graph(n=n, edges=np.column_stack([src, dst]).astype(np.int64), directed=True)
        ig_graph.es["w"] = w

        def ig_route():
            h = ig_graph.subgraph_edges(kept, delete_vertices=False)
            return length([int(v) for v in h.get_shortest_path(source, target, weights="w")])
        c["igraph subgraph_edges + get_shortest_path"] = ig_route
    if sp is not None:
        import scipy.sparse
        from scipy.sparse import csgraph

        def scipy_route():
            a = scipy.sparse.csr_matrix((w[kept], (src[kept], dst[kept])), shape=(n, n))
            return float(csgraph.dijkstra(a, indices=source, limit=3 * 20 * 10.0)[target])
        c["scipy.sparse + csgraph.dijkstra (limit)"] = scipy_route
    ctx.measure("route with 1% of streets closed", c, size=m, size_label=label, rtol=1e-12, atol=0.0,
                note="fuseflow: shortest_path on the view's masks (no cut); compared: the route's length; "
                     "scipy's search is bounded by a distance limit (3x the grid distance at the largest "
                     "weight), not stopped at the target")


def _same_count():
    def agree(ours, theirs):
        if ours != theirs:
            raise Disagreement(f"{theirs} reached nodes against {ours}")
        return 0.0
    return agree


def _undirected_agree(loops):
    """Ours has 2 E - loops directed edges; igraph E undirected ones; scipy's
    A + A^T sums to 2 E (a loop counted twice)."""
    def agree(ours, theirs):
        want = _edge_count(ours)
        if hasattr(theirs, "ecount"):
            got = 2 * _edge_count(theirs) - loops
        else:
            got = _edge_count(theirs) - loops
        if got != want:
            raise Disagreement(f"{got} directed edges against {want}")
        return 0.0
    return agree
