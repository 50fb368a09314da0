"""Katz, HITS and eigenvector centrality written as ff.jit programs: no kernel of their own,
just neighbor_agg (one pass over the edges, native and parallel) inside ff.converge, so each
iteration runs as native code. Semantics follow NetworkX (stated per function), with one
difference: parallel edges add up (the multigraph's adjacency matrix), where NetworkX's
DiGraph keeps one; on graphs without parallel edges the results agree to the tolerance.
"""

import numpy as np

from .. import dsl as ffd
from .._checks import as_float, as_int
from ..jit import jit
from ..loops import converge
from ._common import require_flag, require_graph


def _tol_and_iter(tol, max_iter):
    tol = as_float("tol", tol)
    if not 0 <= tol < float("inf"):
        raise ValueError(f"tol: must be finite and >= 0, got {tol}")
    return tol, as_int("max_iter", max_iter, minimum=0)


def _weight_mode(g, weights):
    """None: the graph's own weights when it has them; False: unweighted; True: required."""
    if weights is True:
        if not g.has_weights:
            raise ValueError("weights: True needs a weighted graph (build it with weights=)")
        return None
    if weights is None or weights is False:
        return weights
    raise TypeError(f"weights: must be None, True or False, got {type(weights).__name__}")


# One jit program per weight mode (None: the graph's own, False: ignored): the mode is a
# Python value fixed at trace time, not a traced argument.


def _katz_program(w):
    @jit
    def katz(g, alpha, beta, tol, max_iter):
        def step(x):
            return alpha * ffd.neighbor_agg(g, x, "sum", direction="in", weights=w) + beta

        return converge(step, ffd.full(g.num_nodes, 0.0), tol=tol, max_iter=max_iter, norm="l1", strict=True)

    return katz


def _eigenvector_program(w):
    @jit
    def eigenvector(g, tol, max_iter):
        def step(x):
            # NetworkX iterates with A^T + I: the same eigenvector, no oscillation on bipartite graphs.
            y = x + ffd.neighbor_agg(g, x, "sum", direction="in", weights=w)
            size = ffd.norm(y, "l2")
            return y / ffd.where(size > 0.0, size, 1.0)

        n = g.num_nodes
        return converge(step, ffd.full(n, 1.0) / n, tol=tol, max_iter=max_iter, norm="l1", strict=True)

    return eigenvector


def _hits_program(w):
    @jit
    def hits(g, tol, max_iter):
        def step(h):
            a = ffd.neighbor_agg(g, h, "sum", direction="in", weights=w)  # authorities: hubs pointing in
            h2 = ffd.neighbor_agg(g, a, "sum", direction="out", weights=w)  # hubs: authorities pointed to
            top = ffd.max(h2)
            return h2 / ffd.where(top > 0.0, top, 1.0)

        n = g.num_nodes
        h = converge(step, ffd.full(n, 1.0) / n, tol=tol, max_iter=max_iter, norm="l1", strict=True)
        return h, ffd.neighbor_agg(g, h, "sum", direction="in", weights=w)

    return hits


_KATZ = {None: _katz_program(None), False: _katz_program(False)}
_EIGENVECTOR = {None: _eigenvector_program(None), False: _eigenvector_program(False)}
_HITS = {None: _hits_program(None), False: _hits_program(False)}


def katz_centrality(g, alpha=0.1, beta=1.0, max_iter=1000, tol=1e-6, normalized=True, weights=None):
    """Katz centrality x = alpha A^T x + beta by power iteration (NetworkX katz_centrality).

    x[v] sums over in-edges u -> v (times w when the graph has weights, unless weights=False).
    Iterates from zeros until sum |x - x_prev| <= n * tol; fuseflow.ConvergenceError after
    max_iter iterations (NetworkX: PowerIterationFailedConvergence). normalized divides by the
    L2 norm. alpha must be below 1 / (largest eigenvalue of A) to converge.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> ff.algorithms.katz_centrality(g).round(4).tolist()
        [0.5, 0.5, 0.5, 0.5]
    """
    require_graph(g)
    alpha, beta = as_float("alpha", alpha), as_float("beta", beta)
    tol, max_iter = _tol_and_iter(tol, max_iter)
    normalized = require_flag("normalized", normalized)
    program = _KATZ[_weight_mode(g, weights)]
    n = g.num_nodes
    if n == 0:
        return np.zeros(0)
    x = program(g, alpha, beta, n * tol, max_iter)
    if normalized:
        size = float(np.sqrt((x * x).sum()))
        x = x / size if size > 0 else x
    return x


def eigenvector_centrality(g, max_iter=100, tol=1e-6, weights=None):
    """Eigenvector centrality: the dominant left eigenvector of A (in-edges count), by power
    iteration on A^T + I from the uniform vector, L2-normalised each step, until
    sum |x - x_prev| <= n * tol (NetworkX eigenvector_centrality); fuseflow.ConvergenceError
    after max_iter iterations. Weighted by the graph's weights unless weights=False.
    ValueError naming `g` for the empty graph (NetworkX: NetworkXPointlessConcept).

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], num_nodes=4)
        >>> ff.algorithms.eigenvector_centrality(g).round(4).tolist()
        [0.5, 0.5, 0.5, 0.5]
    """
    require_graph(g)
    tol, max_iter = _tol_and_iter(tol, max_iter)
    program = _EIGENVECTOR[_weight_mode(g, weights)]
    n = g.num_nodes
    if n == 0:
        raise ValueError("g: eigenvector centrality is undefined for the empty graph")
    return program(g, n * tol, max_iter)


def hits(g, max_iter=100, tol=1e-8, normalized=True, weights=None):
    """HITS hubs and authorities (h, a): a = A^T h, h = A a, by power iteration from the uniform
    vector (max-normalised each step) until sum |h - h_prev| <= n * tol; normalized scales each
    to sum 1, as NetworkX's hits (which finds the same dominant singular vectors by an SVD).
    fuseflow.ConvergenceError after max_iter iterations.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 0], [1, 2], num_nodes=3)
        >>> hubs, authorities = ff.algorithms.hits(g)
        >>> hubs.round(4).tolist(), authorities.round(4).tolist()
        ([1.0, 0.0, 0.0], [0.0, 0.5, 0.5])
    """
    require_graph(g)
    tol, max_iter = _tol_and_iter(tol, max_iter)
    normalized = require_flag("normalized", normalized)
    program = _HITS[_weight_mode(g, weights)]
    n = g.num_nodes
    if n == 0:
        return np.zeros(0), np.zeros(0)
    h, a = program(g, n * tol, max_iter)
    if normalized:
        h = h / h.sum() if h.sum() > 0 else h
        a = a / a.sum() if a.sum() > 0 else a
    return h, a
