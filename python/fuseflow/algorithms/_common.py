"""Argument checks shared by the algorithm wrappers."""

from .._checks import as_int
from ..graph import Graph


def require_graph(g):
    if not isinstance(g, Graph):
        raise TypeError(f"g: must be a fuseflow.Graph, got {type(g).__name__}")
    return g._g


def require_source(g, source):
    """A node id in [0, num_nodes); the range itself is checked natively with the same message."""
    return as_int("source", source)
