"""One traced signature of a jit function: its program, the structure of its result and, once
compiled, its executable."""

from ._fork_safe import ForkSafeLock
from .loops import _unflatten


class _Traced:
    """A traced program and, once compiled, its executable. `monitors`: the program's top-level
    ff.converge calls, whose hidden outputs follow the `num_results` outputs of the function."""

    __slots__ = ("program", "structure", "compiled", "lock", "monitors", "num_results", "graph_weights")

    def __init__(self, program, structure, monitors=(), num_results=0, graph_weights=()):
        self.program = program
        # Ordinals of the graph inputs whose own weights are hidden inputs after the arguments.
        self.graph_weights = tuple(graph_weights)
        self.structure = structure
        self.compiled = None
        self.lock = ForkSafeLock()
        self.monitors = tuple(monitors)
        self.num_results = num_results

    def result(self, outputs, stacklevel):
        """The function's return value from the program's outputs; reports each monitored
        ff.converge (ConvergenceWarning / ConvergenceError / ValueError for a bad tol)."""
        if self.monitors:
            hidden = iter(outputs[self.num_results:])
            for m in self.monitors:
                m.check([next(hidden) for _ in m.hidden_outputs()], stacklevel + 1)
            outputs = outputs[:self.num_results]
        if self.structure is None:
            return outputs[0]
        return _unflatten(self.structure, iter(outputs))
