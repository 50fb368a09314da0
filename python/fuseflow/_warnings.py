"""How iterative computations report their end: the info record, the warning and the error
(one place for ff.converge and the iterative algorithms)."""

import math
import warnings
from typing import NamedTuple

__all__ = ["ConvergenceInfo", "ConvergenceWarning", "ConvergenceError"]  # report_convergence: internal


class ConvergenceInfo(NamedTuple):
    """How an iterative computation ended (return_info=True of ff.converge, ff.algorithms.pagerank,
    ff.algorithms.label_propagation). Inside ff.jit the fields are traced scalars of the program.

    iterations: iterations (body calls, sweeps) run.
    residual:   the last change: ff.converge: |new - old| in its norm; pagerank: the L1 change
                sum |rank_new - rank_old| (as NetworkX measures it); label_propagation: the number
                of nodes whose label could still change. inf when no iteration ran.
    converged:  the stopping rule was met (False when max_iter ran out first, or for NaN).

    Example:
        >>> g = ff.Graph.from_edges([0, 1, 2], [1, 2, 0])
        >>> ranks, info = ff.algorithms.pagerank(g, tol=1e-12, return_info=True)
        >>> bool(info.converged), info.residual <= 1e-12
        (True, True)
    """

    iterations: object
    residual: object
    converged: object


class ConvergenceWarning(UserWarning):
    """An iterative computation stopped at its iteration limit before reaching its tolerance.

    Emitted by ff.converge and the iterative algorithms (pagerank, label_propagation, ...);
    pass strict=True to those functions to get a ConvergenceError instead.

    Example:
        >>> import warnings
        >>> g = ff.Graph.from_edges([0, 1, 2], [1, 2, 2])
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = ff.algorithms.pagerank(g, max_iter=2, tol=1e-14)
        >>> caught[0].category.__name__
        'ConvergenceWarning'
    """


class ConvergenceError(RuntimeError):
    """Raised instead of ConvergenceWarning when strict=True was asked for.

    Carries .iterations and .residual of the last iteration.

    Example:
        >>> g = ff.Graph.from_edges([0, 1, 2], [1, 2, 2])
        >>> try:
        ...     ff.algorithms.pagerank(g, max_iter=2, tol=1e-14, strict=True)
        ... except ff.ConvergenceError as e:
        ...     print(e.iterations)
        2
    """

    def __init__(self, message, iterations=None, residual=None):
        super().__init__(message)
        self.iterations = iterations
        self.residual = residual


def report_convergence(who, info, strict, rule, stacklevel):
    """The one rule for every iterative computation: unless info.converged, emit
    ConvergenceWarning, or raise ConvergenceError when strict. A NaN residual is never
    convergence. `rule` says what was still unmet, e.g. "the L1 change 3e-05 > tol=1e-10";
    `stacklevel` counts from the caller of this function (2: that caller's caller)."""
    if info.converged:
        return
    residual = float(info.residual)
    if math.isnan(residual):
        why = f"the change became NaN at iteration {info.iterations}"
    else:
        why = f"stopped after max_iter={info.iterations} iterations with {rule}"
    message = f"{who} did not converge: {why}; raise max_iter (or tol), or pass strict=True to raise"
    if strict:
        raise ConvergenceError(message, info.iterations, info.residual)
    warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel + 1)
