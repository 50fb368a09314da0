"""BFS and Bellman-Ford SSSP written in the fuseflow DSL (fuseflow.examples.bfs / bellman_ford:
ff.jit + ff.while_loop + neighbor_agg with an active frontier), called like ff.algorithms.bfs /
sssp: the graph suites' composed peers of them."""

import numpy as np


def _start(n, source):
    x = np.full(n, np.inf)
    x[source] = 0.0
    mask = np.zeros(n, bool)
    mask[source] = True
    return x, mask


_LEVELS = []


def bfs_levels(g, source):
    """int64 hops from source over out-edges, -1 when unreachable (ff.algorithms.bfs's format),
    converted inside the same jit program (one fused pass) as a DSL user would write it."""
    if not _LEVELS:
        import fuseflow as ff
        from fuseflow import examples

        @ff.jit
        def levels(graph, level, frontier):
            lv = examples.bfs(graph, level, frontier)
            return ff.where(lv == np.inf, -1, lv).astype(np.int64)

        _LEVELS.append(levels)
    return _LEVELS[0](g, *_start(g.num_nodes, source))


def sssp(g, source):
    """float64 shortest-path lengths over out-edges (the graph's own weights), inf when unreachable."""
    from fuseflow import examples

    return examples.bellman_ford(g, *_start(g.num_nodes, source))
