"""Warning and error classes that fuseflow's Python API raises or emits (one place for all)."""


class ConvergenceWarning(UserWarning):
    """An iterative computation stopped at its iteration limit before reaching its tolerance.

    Emitted by ff.converge and the iterative algorithms (pagerank, label_propagation, ...);
    pass strict=True to those functions to get a ConvergenceError instead."""


class ConvergenceError(RuntimeError):
    """Raised instead of ConvergenceWarning when strict=True was asked for.

    Carries .iterations and .residual of the last iteration."""

    def __init__(self, message, iterations=None, residual=None):
        super().__init__(message)
        self.iterations = iterations
        self.residual = residual
