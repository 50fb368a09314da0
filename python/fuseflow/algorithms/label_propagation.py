import time

from .. import _core
from .._checks import as_int
from ._common import require_flag, require_graph, require_max_iter
from .._progress import NativeProgress, Stage, check_progress, log_call
from .._warnings import ConvergenceInfo, report_convergence

_STAGES = {0: Stage("sweeps", "sweep")}


def label_propagation(g, max_iter=20, seed=0, *, strict=False, return_info=False, progress=False):
    """Communities by label propagation over in- and out-edges; returns int64 labels per node.

    Each node starts with its own id; a sweep gives every node whose neighbourhood changed the
    label most frequent among its neighbours (edges counted with multiplicity, self-loops and
    weights ignored). A node keeps its label when it is among the most frequent; other ties go
    to a seeded hash. Nodes are swept in fixed chunks: updates inside a chunk are seen at once,
    across chunks at the next sweep; from the fifth sweep on each chunk sits out a seeded half of
    the sweeps so neighbours in different chunks cannot swap labels forever. Stops when nothing
    is left to change (converged) or after `max_iter` sweeps. The same `seed` gives the same
    labels at any thread count. Labels are node ids (not renumbered).

    Stopping at max_iter while labels could still change (including max_iter=0 on a non-empty
    graph) emits a fuseflow.ConvergenceWarning, or raises fuseflow.ConvergenceError when
    strict=True. return_info=True returns (labels, ConvergenceInfo(iterations, residual,
    converged)), where residual is the number of nodes whose label could still change.

    progress=True shows a tqdm bar on stderr (sweeps out of max_iter; residual: nodes changed
    or waiting in the last sweep); every call logs one INFO record on the "fuseflow" logger.

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 1, 1, 2, 3, 4], [1, 0, 2, 1, 4, 3])
        >>> labels = ff.algorithms.label_propagation(g)
        >>> bool(labels[0] == labels[1] == labels[2]), bool(labels[3] == labels[4] != labels[0])
        (True, True)
    """
    native = require_graph(g)
    max_iter = require_max_iter(max_iter)
    seed = as_int("seed", seed, minimum=0)
    if seed >= 2**64:
        raise ValueError(f"seed: must be < 2**64, got {seed}")
    strict = require_flag("strict", strict)
    return_info = require_flag("return_info", return_info)
    progress = check_progress(progress)
    started = time.perf_counter()
    with NativeProgress(progress, "label_propagation", _STAGES) as counter:
        labels, iterations, pending, converged = _core.label_propagation(native, max_iter, seed, counter)
    info = ConvergenceInfo(int(iterations), int(pending), bool(converged))
    log_call("label_propagation", started, nodes=g.num_nodes, edges=g.num_edges, iterations=info.iterations,
             residual=info.residual, converged=info.converged)
    report_convergence("label_propagation", info, strict, f"{info.residual} nodes whose label could still change",
                       stacklevel=2)
    return (labels, info) if return_info else labels
