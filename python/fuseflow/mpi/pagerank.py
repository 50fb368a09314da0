"""Distributed PageRank over a DistGraph: the power iteration of ff.algorithms.pagerank with the
contributions (rank / out-degree) of every node exchanged by one Allgatherv per iteration."""

import math
import warnings

import numpy as np

from ..dsl import abs as ff_abs
from ..dsl import neighbor_agg, where
from ..dsl import sum as ff_sum
from ..jit import jit
from .._warnings import ConvergenceError, ConvergenceInfo, ConvergenceWarning
from ._collective import allgatherv, gather_to, same_everywhere, sum_in_rank_order, sums_in_rank_order
from .dist_graph import DistGraph

__all__ = ["pagerank"]


@jit
def _pull(g, contrib):
    # Sum over each node's in-edges of its sources' contributions: the native pull kernel.
    return neighbor_agg(g, contrib, "sum", weights=False)


@jit
def _update(pulled, rank, inv_out, dangling_mask, base, damping):
    # The rest of an iteration on this rank's nodes, one fused native program instead of six
    # NumPy passes (each allocating a node array): the new ranks, the contributions the other
    # ranks need next, and the two partial sums (L1 change, dangling mass) the ranks combine.
    new = base + damping * pulled
    return new, new * inv_out, ff_sum(ff_abs(new - rank)), ff_sum(where(dangling_mask, new, 0.0))


def _result(g, local, gather, root, dtype):
    if gather == "local":
        return local
    if gather == "all":
        return allgatherv(g.comm, local.astype(dtype, copy=False), g.counts())
    return gather_to(g.comm, local, g.counts(), root, dtype)


def check_gather(g, gather, root):
    if not isinstance(g, DistGraph):
        raise TypeError(f"g: must be a fuseflow.mpi.DistGraph, got {type(g).__name__}")
    if gather not in ("root", "all", "local"):
        raise ValueError(f'gather: must be "root", "all" or "local", got {gather!r}')
    if isinstance(root, bool) or not isinstance(root, (int, np.integer)) or not 0 <= root < g.comm.size:
        raise ValueError(f"root: must be a rank in [0, {g.comm.size}), got {root!r}")
    same_everywhere(g.comm, "gather", gather)
    same_everywhere(g.comm, "root", int(root))


def pagerank(g, damping=0.85, tol=1e-6, max_iter=100, *, gather="root", root=0, strict=False, return_info=False,
             exchange="halo"):
    """PageRank by power iteration, the same iteration as ff.algorithms.pagerank (pull over
    in-edges, dangling mass spread uniformly, stop when the L1 change <= tol; tol=0 runs exactly
    max_iter iterations). Collective: every rank calls it with the same arguments.

    Per iteration each rank computes its nodes' new ranks from the contributions (rank /
    out-degree) of their in-neighbours: exchange="halo" sends each rank only those of its
    ghosts (8 bytes per ghost, fuseflow.mpi.halo), "allgather" every node's with one Allgatherv
    (8 * (num_nodes - local) bytes per rank). The L1 change and the dangling mass are summed in
    rank order so every rank stops at the same iteration.

    gather="root" returns the float64 ranks of all nodes on `root` (None on the others);
    "all" on every rank; "local" returns this rank's slice [g.lo, g.hi). Results equal the
    single-process ranks within 1e-12 relative (only the summation order differs).

    Example:
        Run as ``mpiexec -n P python -m mpi4py app.py``: each rank passes its own edges and gets
        the results on rank 0 (None elsewhere). On one process (as here) the world has one rank.

        >>> import fuseflow.mpi as fmpi
        >>> g = fmpi.DistGraph.from_edges(np.array([0, 1, 2, 2]), np.array([1, 2, 0, 3]))
        >>> ranks, info = fmpi.pagerank(g, tol=1e-12, return_info=True)
        >>> ranks.round(4).tolist(), info.converged
        ([0.2138, 0.2646, 0.3079, 0.2138], True)
    """
    check_gather(g, gather, root)
    damping = float(damping)
    if not 0.0 < damping < 1.0:
        raise ValueError(f"damping: must be in the open interval (0, 1), got {damping}")
    tol = float(tol)
    if not (math.isfinite(tol) and tol >= 0.0):
        raise ValueError(f"tol: must be a finite number >= 0 (0 runs exactly max_iter iterations), got {tol}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter: must be an integer >= 0, got {max_iter!r}")
    if exchange not in ("halo", "allgather"):
        raise ValueError(f'exchange: must be "halo" or "allgather", got {exchange!r}')
    for name, value in (("damping", damping), ("tol", tol), ("max_iter", int(max_iter)), ("exchange", exchange)):
        same_everywhere(g.comm, name, value)
    n = g.num_nodes
    if n == 0:
        info = ConvergenceInfo(0, 0.0, True)
        out = _result(g, np.empty(0), gather, root, np.float64)
        return (out, info) if return_info else out
    uniform = 1.0 / n
    deg = g.local_out_degree
    inv_out = np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0)
    dangling_mask = deg == 0
    rank = np.full(g.num_local_nodes, uniform)
    plan = g.exchange_plan("in", exchange)
    dangling = sum_in_rank_order(g.comm, rank[dangling_mask].sum())
    local_contrib = rank * inv_out
    iterations, delta, converged = 0, math.inf, False
    for it in range(int(max_iter)):
        spread = (1.0 - damping) + damping * dangling
        pulled = plan.local(_pull(plan.graph, plan.gather(local_contrib)))
        rank_new, local_contrib, l1, mass = _update(pulled, rank, inv_out, dangling_mask, uniform * spread, damping)
        # One small collective for both sums (a round trip per iteration is the latency floor).
        delta, dangling = sums_in_rank_order(g.comm, l1, mass)
        rank = rank_new
        iterations = it + 1
        converged = delta <= tol
        if tol > 0.0 and converged:
            break
    if max_iter == 0:
        delta, converged = math.inf, tol == 0.0
    info = ConvergenceInfo(iterations, float(delta), bool(converged))
    if tol > 0.0 and not info.converged:
        message = (f"pagerank: did not converge in {iterations} iterations (the L1 change {delta:.6g} > "
                   f"tol={tol:g})")
        if strict:
            raise ConvergenceError(message, iterations=iterations, residual=float(delta))
        warnings.warn(ConvergenceWarning(message), stacklevel=2)
    out = _result(g, rank, gather, root, np.float64)
    return (out, info) if return_info else out
