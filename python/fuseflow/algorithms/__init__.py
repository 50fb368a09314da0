"""Native graph algorithms. Each runs in one call with the GIL released."""

from .._warnings import ConvergenceInfo
from .bfs import bfs
from .centrality import betweenness_centrality, closeness_centrality
from .connected_components import connected_components
from .k_core import k_core
from .label_propagation import label_propagation
from .leiden import leiden
from .louvain import louvain
from .minimum_spanning_tree import minimum_spanning_tree
from .pagerank import pagerank
from .paths import astar, bellman_ford, dfs, dijkstra, shortest_path
from .spectral import eigenvector_centrality, hits, katz_centrality
from .sssp import sssp
from .strongly_connected_components import strongly_connected_components
from .triangles import clustering, transitivity, triangle_count

__all__ = [
    "ConvergenceInfo", "astar", "bellman_ford", "betweenness_centrality", "bfs", "closeness_centrality", "clustering",
    "connected_components", "dfs", "dijkstra", "eigenvector_centrality", "hits", "k_core", "katz_centrality", "label_propagation", "leiden", "louvain", "minimum_spanning_tree", "pagerank",
    "shortest_path", "sssp", "strongly_connected_components", "transitivity", "triangle_count",
]
