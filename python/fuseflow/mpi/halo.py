"""What a rank needs of the other ranks' node values to aggregate over its nodes' neighbours,
and how it gets them: the whole array (Allgatherv) or only its ghosts (halo exchange).

A rank's neighbour lists for one direction are pairs (neighbour's global id, local target):
its nodes' in-edges for "in", their out-edges reversed for "out", both for "both". Each plan
holds an ff.Graph over the values the rank will have after the exchange, whose in-edges are
exactly those pairs, so the native neighbor_agg kernel (direction "in") runs the local work:

- :class:`AllgatherPlan`: every node's value reaches every rank (8 * (num_nodes - local)
  bytes per float64 exchange); the local graph is over global ids;
- :class:`HaloPlan`: only the ghosts (distinct non-local neighbours) are sent, by their owners,
  with one Alltoallv; the ghost lists are agreed once (one Alltoall + Alltoallv of ids). The
  values are laid out in global id order - ghosts below the rank's range, its own nodes, ghosts
  above - so each node's neighbours keep their order and the sums their association.
"""

import numpy as np

from ._collective import allgatherv

__all__ = ["AllgatherPlan", "HaloPlan"]


def _mpi_view(x):
    # MPI has no portable bool type: booleans travel as bytes.
    return x.view(np.uint8) if x.dtype == np.bool_ else x


def _mpi_type(dtype):
    from mpi4py import MPI

    return MPI._typedict[np.dtype(dtype).char]


class AllgatherPlan:
    """The baseline: all values to all ranks each exchange."""

    kind = "allgather"

    def __init__(self, g, neighbours, targets):
        from ..graph import Graph

        self.g = g
        self.graph = Graph.from_edges(neighbours, targets + g.lo, num_nodes=g.num_nodes)
        self.num_ghosts = g.num_nodes - g.num_local_nodes

    def gather(self, x):
        g = self.g
        out = allgatherv(g.comm, _mpi_view(x), g.counts(), traffic=g.traffic, what="allgatherv neighbor_agg")
        return out.view(np.bool_) if x.dtype == np.bool_ else out

    def local(self, out):
        return out[self.g.lo:self.g.hi]


class HaloPlan:
    """Ghost values only, from their owners, each exchange (num_ghosts * itemsize bytes in)."""

    kind = "halo"

    def __init__(self, g, neighbours, targets):
        from mpi4py import MPI

        from ..graph import Graph

        comm = g.comm
        self.g = g
        lo, hi, n_local = g.lo, g.hi, g.num_local_nodes
        ghosts = np.unique(neighbours[(neighbours < lo) | (neighbours >= hi)])
        self.num_ghosts = int(ghosts.shape[0])
        self.below = int(np.searchsorted(ghosts, lo))
        # Position of each neighbour among the exchanged values (global id order).
        ext = np.where(neighbours < lo, np.searchsorted(ghosts, neighbours),
                       np.where(neighbours >= hi, np.searchsorted(ghosts, neighbours) + n_local,
                                neighbours - lo + self.below))
        self.graph = Graph.from_edges(ext.astype(np.int64), targets + self.below,
                                      num_nodes=n_local + self.num_ghosts)
        # Ghosts are sorted, so grouped by owner in rank order: ask each owner for its part.
        owner = np.searchsorted(g.bounds, ghosts, side="right") - 1
        self.recv_counts = np.bincount(owner, minlength=comm.size).astype(np.int64)
        self.send_counts = np.empty(comm.size, np.int64)
        comm.Alltoall(self.recv_counts, self.send_counts)
        requested = np.empty(int(self.send_counts.sum()), np.int64)
        self.recv_displs = np.concatenate([[0], np.cumsum(self.recv_counts)[:-1]]).astype(np.int64)
        self.send_displs = np.concatenate([[0], np.cumsum(self.send_counts)[:-1]]).astype(np.int64)
        comm.Alltoallv([ghosts, (self.recv_counts, self.recv_displs), MPI.INT64_T],
                       [requested, (self.send_counts, self.send_displs), MPI.INT64_T])
        g.traffic.add("alltoallv ghost ids", (int(self.send_counts.sum()) - int(self.send_counts[comm.rank])) * 8)
        self.send_index = requested - lo  # local indices this rank sends, grouped by requesting rank
        # Ghosts from lower ranks lie below lo, from higher ranks above hi: receiving those past the
        # local block lands every ghost in its final place (no second copy through a concatenate).
        self.recv_displs_ext = self.recv_displs + np.where(np.arange(comm.size) > comm.rank, n_local, 0)

    def gather(self, x):
        g = self.g
        xs = _mpi_view(x)
        send = xs[self.send_index]
        out = np.empty(self.num_ghosts + xs.shape[0], xs.dtype)
        out[self.below:self.below + xs.shape[0]] = xs
        t = _mpi_type(xs.dtype)
        g.comm.Alltoallv([send, (self.send_counts, self.send_displs), t],
                         [out, (self.recv_counts, self.recv_displs_ext), t])
        g.traffic.add("alltoallv halo", self.num_ghosts * xs.dtype.itemsize)
        return out.view(np.bool_) if x.dtype == np.bool_ else out

    def local(self, out):
        return out[self.below:self.below + self.g.num_local_nodes]
