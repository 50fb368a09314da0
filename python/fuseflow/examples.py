"""The example programs of DESIGN.md, written with the DSL (used by the benchmarks and tests,
and a starting point for your own): each is an ``ff.jit`` function."""

from . import dsl as ff
from .jit import jit


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
def bs_call(s, k, t, r, sigma):
    """Black-Scholes call price; 1-D arrays and scalars broadcast like NumPy."""
    sq = sigma * ff.sqrt(t)
    d1 = (ff.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
    return s * ff.norm_cdf(d1) - k * ff.exp(-r * t) * ff.norm_cdf(d1 - sq)
