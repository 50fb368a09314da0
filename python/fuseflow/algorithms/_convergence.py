"""How an iterative algorithm ended, and the one rule for reporting non-convergence."""

import math
import warnings

from .._warnings import ConvergenceError, ConvergenceInfo, ConvergenceWarning  # noqa: F401 (re-exported)


def report(algorithm, info, strict, rule):
    """Emits ConvergenceWarning (or raises ConvergenceError when strict) unless info.converged.

    `rule` completes "... after N iterations: <rule>", e.g. "the L1 change 3e-05 > tol=1e-10"."""
    if info.converged:
        return
    if isinstance(info.residual, float) and math.isnan(info.residual):
        why = f"the change became NaN after {info.iterations} iterations"
    else:
        why = f"stopped at max_iter={info.iterations} iterations with {rule}"
    message = f"{algorithm} did not converge: {why}; raise max_iter (or tol), or pass strict=True to raise"
    if strict:
        raise ConvergenceError(message, info.iterations, info.residual)
    # stacklevel 3: the user's call of the algorithm (report <- algorithm wrapper <- user).
    warnings.warn(message, ConvergenceWarning, stacklevel=3)
