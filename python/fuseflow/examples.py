"""The example programs of DESIGN.md, written with the DSL (used by the benchmarks and tests,
and a starting point for your own): each is an ``ff.jit`` function."""

from . import dsl as ff
from .jit import jit
from .reductions import any as _any


@jit
def pagerank(g, damping=0.85, iters=20):
    """PageRank by power iteration for a fixed number of iterations (dangling mass spread uniformly).

    Unweighted, like ff.algorithms.pagerank: rank is split by out-degree, so edge weights are
    ignored (weights=False); weights=None would sum w * rank / out_degree on a weighted graph."""
    n = g.num_nodes
    deg = g.out_degree()
    inv = ff.where(deg > 0, 1.0 / deg, 0.0)

    def step(rank):
        sink = ff.sum(ff.where(deg == 0, rank, 0.0))
        return (1.0 - damping) / n + damping * (ff.neighbor_agg(g, rank * inv, "sum", weights=False) + sink / n)

    return ff.fori_loop(iters, step, ff.full(n, 1.0 / n))


@jit
def bfs(g, level, frontier):
    """Level-synchronous BFS over out-edges from the nodes where `frontier` is True: `level` holds
    0.0 there and inf elsewhere; returns each node's hop count, inf where unreachable.

    A frontier loop (see ff.neighbor_agg): levels with few frontier edges touch only those edges."""
    def body(c):
        lv, fr = c
        reached = ff.neighbor_agg(g, lv, "min", "in", combine="first", active=fr)
        new = (lv == float("inf")) & (reached < float("inf"))
        return ff.where(new, reached + 1.0, lv), new

    return ff.while_loop(lambda c: _any(c[1]), body, (level, frontier))[0]


@jit
def bellman_ford(g, dist, active):
    """Bellman-Ford over the graph's own weights: only nodes whose distance dropped (`active`, at
    first the sources, whose `dist` is 0.0; inf elsewhere) relax their out-edges (min-plus)."""
    def body(c):
        d, a = c
        nd = ff.minimum(d, ff.neighbor_agg(g, d, "min", "in", combine="add", active=a))
        return nd, nd < d

    return ff.while_loop(lambda c: _any(c[1]), body, (dist, active))[0]


@jit
def bs_call(s, k, t, r, sigma):
    """Black-Scholes call price; 1-D arrays and scalars broadcast like NumPy."""
    sq = sigma * ff.sqrt(t)
    d1 = (ff.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
    return s * ff.norm_cdf(d1) - k * ff.exp(-r * t) * ff.norm_cdf(d1 - sq)
