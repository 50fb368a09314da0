import time

import numpy as np

from .. import _core, _view_masks
from .._progress import NativeProgress, Stage, check_progress, log_call
from ._common import pending_masks, require_graph_type, require_source

_STAGES = {0: Stage("nodes scanned", "node")}


def sssp(g, source, *, progress=False):
    """Single-source shortest path lengths from `source` following out-edges (delta-stepping).

    Needs a weighted graph with non-negative weights (ValueError otherwise). Returns float64
    distances, inf where unreachable. Of parallel edges the lightest counts; self-loops never
    shorten a path. On a subgraph view not cut yet the search runs on the view's masks
    (Graph.subgraph).

    progress=True shows a tqdm counter on stderr (frontier nodes scanned; a node is scanned
    again when its distance drops, so there is no total in advance); every call logs one INFO
    record on the "fuseflow" logger (nodes, edges, reached, seconds).

    Example:
        >>> import fuseflow as ff
        >>> g = ff.Graph.from_edges([0, 0, 1], [1, 2, 2], weights=[1.0, 5.0, 1.5])
        >>> ff.algorithms.sssp(g, 0).tolist()
        [0.0, 1.0, 2.5]
    """
    require_graph_type(g)
    source = require_source(g, source)
    progress = check_progress(progress)
    started = time.perf_counter()
    masks = pending_masks(g)
    with NativeProgress(progress, "sssp", _STAGES) as counter:
        if masks is None:
            dist = _core.sssp(g._g, source, 0.0, counter)
        else:  # a subgraph view's masks, inside the kernel (no cut)
            out, _ = masks.edge_positions(in_edges=False, make=False)
            dist, reached = _core.sssp_masked(masks.over._g, masks.nodes, masks.edges, out, source, 0.0, counter)
            masks.charge(reached, _view_masks.SSSP_EDGE_COST)
    log_call("sssp", started, nodes=g.num_nodes, edges=lambda: g.num_edges, source=source,
             reached=lambda: int(np.count_nonzero(np.isfinite(dist))))
    return dist
