# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in scripts/check_stubs.sh).
from typing import Any, NamedTuple

__all__ = ["ConvergenceInfo", "ConvergenceWarning", "ConvergenceError"]

class ConvergenceInfo(NamedTuple):
    iterations: Any
    residual: Any
    converged: Any

class ConvergenceWarning(UserWarning): ...

class ConvergenceError(RuntimeError):
    iterations: int | None
    residual: float | None
    def __init__(self, message: str, iterations: int | None = None, residual: float | None = None) -> None: ...

def report_convergence(who: str, info: ConvergenceInfo, strict: bool, rule: str, stacklevel: int) -> None: ...
