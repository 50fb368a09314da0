import time

import numpy as np

from .. import _core
from .._progress import NativeProgress, Stage, check_progress, log_call
from ._common import require_graph

_STAGES = {0: Stage("edge chunks", "chunk")}


def connected_components(g, *, progress=False):
    """Weakly connected components (edge direction ignored), computed natively in parallel.

    Returns int64 labels: label[v] is the smallest node id in v's component, so two nodes are
    connected exactly when their labels are equal and the labels do not depend on threads.

    progress=True shows a tqdm bar on stderr (sampling rounds, then edge chunks); every call
    logs one INFO record on the "fuseflow" logger (nodes, edges, components, seconds).

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 2], [1, 3], num_nodes=5)
        >>> ff.algorithms.connected_components(g).tolist()
        [0, 0, 2, 2, 4]
    """
    native = require_graph(g)
    progress = check_progress(progress)
    started = time.perf_counter()
    with NativeProgress(progress, "connected_components", _STAGES) as counter:
        labels = _core.connected_components(native, counter)
    log_call("connected_components", started, nodes=g.num_nodes, edges=g.num_edges,
             components=lambda: int(np.count_nonzero(labels == np.arange(labels.shape[0]))))
    return labels
