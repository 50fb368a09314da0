"""Argument checks shared by the algorithm wrappers."""

import numpy as np

from .._checks import as_int
from ..graph import Graph

_INT64_MAX = 2**63 - 1


def require_graph_type(g):
    if not isinstance(g, Graph):
        raise TypeError(f"g: must be a fuseflow.Graph, got {type(g).__name__}")


def require_graph(g):
    """g's native graph (a subgraph view is cut here if it was not yet)."""
    require_graph_type(g)
    return g._g


def pending_masks(g):
    """The masks of a subgraph view not cut yet, for a traversal to run on (bfs, sssp), or None:
    run on g's own arrays. Cuts the view when masked runs have cost as much as the cut would
    (fuseflow/_view_masks.py)."""
    pending = getattr(g, "_pending", None)
    if pending is None:
        return None
    if pending.rents():
        return pending
    g.materialize()
    return None


def require_source(g, source):
    """A node id in [0, num_nodes); checked here too, so ids beyond int64 get the same message."""
    source = as_int("source", source)
    n = g.num_nodes
    if not 0 <= source < n:
        raise ValueError(f"source: must be a node id in [0, num_nodes) = [0, {n}), got {source}")
    return source


def require_max_iter(max_iter):
    """An int in [0, 2**63): 0 runs no iteration (and so does not converge)."""
    max_iter = as_int("max_iter", max_iter, minimum=0)
    if max_iter > _INT64_MAX:
        raise ValueError(f"max_iter: must be <= 2**63 - 1, got {max_iter}")
    return max_iter


def require_flag(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: must be True or False, got {type(value).__name__}")
    return bool(value)
