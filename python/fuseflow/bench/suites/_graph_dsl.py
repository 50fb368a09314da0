"""BFS and Bellman-Ford SSSP written in the fuseflow DSL (ff.jit + ff.while_loop + neighbor_agg
with an active frontier), the graph suite's composed peers of ff.algorithms.bfs / sssp."""

import numpy as np

_FNS = {}


def _compiled():
    if _FNS:
        return _FNS
    import fuseflow as ff

    @ff.jit
    def bfs(g, level, frontier):
        def body(c):
            lv, fr = c
            reached = ff.neighbor_agg(g, lv, "min", "in", combine="first", active=fr)
            new = (lv == np.inf) & (reached < np.inf)
            return ff.where(new, reached + 1.0, lv), new
        return ff.while_loop(lambda c: ff.any(c[1]), body, (level, frontier))[0]

    @ff.jit
    def bellman_ford(g, dist, active):
        def body(c):
            d, a = c
            nd = ff.minimum(d, ff.neighbor_agg(g, d, "min", "in", combine="add", active=a))
            return nd, nd < d
        return ff.while_loop(lambda c: ff.any(c[1]), body, (dist, active))[0]

    _FNS.update(bfs=bfs, bellman_ford=bellman_ford)
    return _FNS


def _start(n, source):
    x = np.full(n, np.inf)
    x[source] = 0.0
    mask = np.zeros(n, bool)
    mask[source] = True
    return x, mask


def bfs_levels(g, source):
    """int64 hops from source over out-edges, -1 when unreachable (ff.algorithms.bfs's format)."""
    lv = _compiled()["bfs"](g, *_start(g.num_nodes, source))
    return np.where(np.isinf(lv), -1, lv).astype(np.int64)


def sssp(g, source):
    """float64 shortest-path lengths over out-edges (the graph's own weights), inf when unreachable."""
    return _compiled()["bellman_ford"](g, *_start(g.num_nodes, source))
