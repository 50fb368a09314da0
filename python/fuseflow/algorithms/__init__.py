"""Native graph algorithms. Each runs in one call with the GIL released."""

from .._warnings import ConvergenceInfo
from .bfs import bfs
from .connected_components import connected_components
from .label_propagation import label_propagation
from .pagerank import pagerank
from .sssp import sssp

__all__ = ["ConvergenceInfo", "bfs", "connected_components", "label_propagation", "pagerank", "sssp"]
