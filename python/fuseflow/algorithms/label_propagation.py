from .. import _core
from .._checks import as_int
from ._common import require_graph


def label_propagation(g, max_iter=20, seed=0):
    """Communities by label propagation over in- and out-edges; returns int64 labels per node.

    Each node starts with its own id; a sweep gives every node whose neighbourhood changed the
    label most frequent among its neighbours (edges counted with multiplicity, self-loops and
    weights ignored). A node keeps its label when it is among the most frequent; other ties go
    to a seeded hash. Nodes are swept in fixed chunks: updates inside a chunk are seen at once,
    across chunks at the next sweep; from the fifth sweep on each chunk sits out a seeded half of
    the sweeps so neighbours in different chunks cannot swap labels forever. Stops after
    `max_iter` sweeps or when nothing is left to change. The same `seed` gives the same labels
    at any thread count. Labels are node ids (not renumbered).
    """
    native = require_graph(g)
    max_iter = as_int("max_iter", max_iter, minimum=0)
    seed = as_int("seed", seed, minimum=0)
    if seed >= 2**64:
        raise ValueError(f"seed: must be < 2**64, got {seed}")
    labels, _iterations = _core.label_propagation(native, max_iter, seed)
    return labels
