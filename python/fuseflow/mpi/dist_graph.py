"""fuseflow.mpi.DistGraph: a directed graph partitioned over MPI ranks by target node."""

import numpy as np

from ._collective import Traffic, agree

__all__ = ["DistGraph", "balanced_bounds"]


def balanced_bounds(in_degree, parts):
    """Contiguous node ranges [bounds[r], bounds[r+1]) for `parts` ranks, balanced by the work
    each node brings: its in-edges plus one (so nodes without in-edges still spread). Rank r
    gets the nodes whose cumulative work falls in [r/parts, (r+1)/parts) of the total.

    Example:
        >>> import fuseflow.mpi as fmpi
        >>> fmpi.balanced_bounds(np.array([3, 1, 1, 1]), 2).tolist()  # node 0 brings 4 units of 10
        [0, 2, 4]
    """
    n = len(in_degree)
    work = np.cumsum(np.asarray(in_degree, dtype=np.int64) + 1)
    total = int(work[-1]) if n else 0
    targets = (np.arange(1, parts, dtype=np.float64) * total / parts)
    cuts = np.searchsorted(work, targets, side="left") + 1 if n else np.zeros(parts - 1, np.int64)
    return np.concatenate([[0], np.minimum(cuts, n), [n]]).astype(np.int64)


def _as_ids(name, value):
    arr = np.asarray(value)
    if arr.ndim != 1:
        raise ValueError(f"{name}: must be 1-D, got an array of shape {arr.shape}")
    if arr.size == 0:
        return np.empty(0, np.int64)
    if arr.dtype not in (np.int32, np.int64):
        raise TypeError(f"{name}: node ids must be an int32 or int64 array, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.min() < 0:
        raise ValueError(f"{name}: node ids must be >= 0, got {int(arr.min())}")
    return arr


def _check_bounds(comm, bounds, n):
    error = None
    try:
        b = np.asarray(bounds)
        if b.ndim != 1 or b.shape[0] != comm.size + 1 or not np.issubdtype(b.dtype, np.integer):
            raise ValueError(f"bounds: must be {comm.size + 1} integers (one more than the ranks), got {bounds!r}")
        b = b.astype(np.int64)
        if b[0] != 0 or b[-1] != n or np.any(np.diff(b) < 0):
            raise ValueError(f"bounds: must be nondecreasing from 0 to num_nodes={n}, got {b.tolist()}")
    except ValueError as e:
        error, b = e, None
    agree(comm, error)
    given = comm.allgather(b.tolist())
    if any(x != given[0] for x in given):
        raise ValueError(f"bounds: must be the same on every rank, got {given}")
    return b


class DistGraph:
    """A directed multigraph over nodes 0..num_nodes-1 whose edges live on the rank that owns
    their target node. Rank r owns the contiguous node range ``[bounds[r], bounds[r+1])``
    (balanced by in-edge count, :func:`balanced_bounds`) and holds those nodes' in-edges sorted
    by target (a local CSC: ``offsets``, ``sources`` as global ids), the out-degree of its
    nodes, and nothing of the other ranks' nodes.

    Build with :meth:`from_edges` on every rank of the communicator (a collective call).
    ``traffic`` counts the bytes this rank received from other ranks in each collective.

    Example:
        Run as ``mpiexec -n P python -m mpi4py app.py``; on one process (as here) the world has
        one rank, which owns every node.

        >>> import fuseflow.mpi as fmpi
        >>> g = fmpi.DistGraph.from_edges(np.array([0, 1, 2, 2]), np.array([1, 2, 0, 3]))
        >>> g.num_nodes, g.num_edges, (g.lo, g.hi), g.num_local_nodes
        (4, 4, (0, 4), 4)
    """

    def __init__(self, comm, num_nodes, bounds, offsets, sources, out_degree, num_edges):
        self.comm = comm
        self.num_nodes = int(num_nodes)
        self.bounds = bounds
        self.lo, self.hi = int(bounds[comm.rank]), int(bounds[comm.rank + 1])
        self.offsets = offsets
        self.sources = sources
        self.local_out_degree = out_degree
        self.num_edges = int(num_edges)
        self.traffic = Traffic()
        self._undirected = None
        self._local = None
        self._reversed_edges = None
        self._plans = {}
        self._stand_in = None

    @property
    def num_local_nodes(self):
        return self.hi - self.lo

    @property
    def num_local_edges(self):
        return int(self.sources.shape[0])

    def counts(self):
        """Nodes per rank (the Allgatherv counts of a node array)."""
        return np.diff(self.bounds)

    def local_targets(self):
        """The local index (0..num_local_nodes-1) of each local edge's target, in CSC order."""
        return np.repeat(np.arange(self.num_local_nodes, dtype=np.int64), np.diff(self.offsets))

    @classmethod
    def from_edges(cls, src_part, dst_part, num_nodes=None, comm=None, bounds=None):
        """Collective: each rank passes its part of the edge list (any sizes, possibly empty).

        Edges are sent to the owner of their target with one Alltoallv (src and dst packed);
        the node ranges are balanced by in-edge count (in-degrees summed with an Allreduce).
        num_nodes=None means the largest id on any rank + 1; if given it must be the same on
        every rank. bounds=None balances the node ranges by in-edge count; else it is the
        partition to use (nondecreasing ints, bounds[0] == 0, bounds[-1] == num_nodes, one more
        than the ranks; the same on every rank). Bad input on any rank raises the same
        ValueError/TypeError on every rank (no rank is left waiting).

        Example:
            >>> import fuseflow.mpi as fmpi
            >>> from mpi4py import MPI
            >>> comm = MPI.COMM_WORLD
            >>> src, dst = np.array([0, 1, 2, 2]), np.array([1, 2, 0, 3])
            >>> mine = slice(comm.rank, None, comm.size)  # any split of the edges over the ranks
            >>> g = fmpi.DistGraph.from_edges(src[mine], dst[mine], num_nodes=4)
            >>> g.bounds.tolist() == [0, 4] if comm.size == 1 else True
            True
        """
        from mpi4py import MPI

        comm = MPI.COMM_WORLD if comm is None else comm
        error = None
        try:
            src = _as_ids("src_part", src_part)
            dst = _as_ids("dst_part", dst_part)
            if src.shape[0] != dst.shape[0]:
                raise ValueError(f"dst_part: src_part and dst_part must have the same length, got {src.shape[0]} "
                                 f"and {dst.shape[0]}")
            if num_nodes is not None:
                if isinstance(num_nodes, bool) or not isinstance(num_nodes, (int, np.integer)) or num_nodes < 0:
                    raise ValueError(f"num_nodes: must be an integer >= 0, got {num_nodes!r}")
        except (TypeError, ValueError) as e:
            error = e
            src = dst = np.empty(0, np.int64)
        agree(comm, error)
        local_max = int(max(src.max(), dst.max())) if src.size else -1
        maxima = comm.allgather(local_max)
        given = comm.allgather(None if num_nodes is None else int(num_nodes))
        if any(g != given[0] for g in given):
            raise ValueError(f"num_nodes: must be the same on every rank, got {given}")
        n = max(maxima) + 1 if given[0] is None else given[0]
        error = None
        if local_max >= n:
            error = ValueError(f"num_nodes: is {n} but an edge has node id {local_max}")
        agree(comm, error)
        traffic = Traffic()
        # In-degrees of every node: the balancing input (O(num_nodes) per rank).
        in_degree = np.bincount(dst, minlength=n).astype(np.int64)
        comm.Allreduce(MPI.IN_PLACE, in_degree, op=MPI.SUM)
        traffic.add("allreduce in-degree", in_degree.nbytes)
        if bounds is None:
            bounds = balanced_bounds(in_degree, comm.size)
        else:
            bounds = _check_bounds(comm, bounds, n)
        # Redistribute: edge (u, v) goes to the rank owning v, in this rank's edge order.
        owner = np.searchsorted(bounds, dst, side="right") - 1
        order = np.argsort(owner, kind="stable")
        send_counts = np.bincount(owner, minlength=comm.size).astype(np.int64)
        recv_counts = np.empty(comm.size, np.int64)
        comm.Alltoall(send_counts, recv_counts)
        packed = np.empty((src.shape[0], 2), np.int64)
        packed[:, 0], packed[:, 1] = src[order], dst[order]
        received = np.empty((int(recv_counts.sum()), 2), np.int64)
        sdispl = np.concatenate([[0], np.cumsum(send_counts)[:-1]]) * 2
        rdispl = np.concatenate([[0], np.cumsum(recv_counts)[:-1]]) * 2
        comm.Alltoallv([packed, (send_counts * 2, sdispl), MPI.INT64_T],
                       [received, (recv_counts * 2, rdispl), MPI.INT64_T])
        traffic.add("alltoallv edges", (int(recv_counts.sum()) - int(recv_counts[comm.rank])) * 16)
        lo, hi = int(bounds[comm.rank]), int(bounds[comm.rank + 1])
        # Local CSC: in-edges sorted by target (stable: senders' rank order, then their order).
        by_target = np.argsort(received[:, 1], kind="stable")
        sources = np.ascontiguousarray(received[by_target, 0])
        local_in = np.bincount(received[:, 1] - lo, minlength=hi - lo).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(local_in)]).astype(np.int64)
        # Out-degrees of this rank's nodes: every edge is now on exactly one rank.
        out_all = np.bincount(sources, minlength=n).astype(np.int64)
        out_local = np.empty(hi - lo, np.int64)
        comm.Reduce_scatter(out_all, out_local, recvcounts=np.diff(bounds).astype(np.int64), op=MPI.SUM)
        traffic.add("reduce_scatter out-degree", out_local.nbytes * (comm.size - 1))
        total_edges = comm.allreduce(int(src.shape[0]), op=MPI.SUM)
        g = cls(comm, n, bounds, offsets, sources, out_local, total_edges)
        g.traffic = traffic
        return g

    def _reversed(self):
        """(neighbour, local target) of this rank's nodes' out-edges: every edge u -> v also
        sent to the owner of u as v -> u (one Alltoallv). Collective; cached."""
        if self._reversed_edges is None:
            from mpi4py import MPI

            comm = self.comm
            targets = self.local_targets() + self.lo
            owner = np.searchsorted(self.bounds, self.sources, side="right") - 1
            order = np.argsort(owner, kind="stable")
            send_counts = np.bincount(owner, minlength=comm.size).astype(np.int64)
            recv_counts = np.empty(comm.size, np.int64)
            comm.Alltoall(send_counts, recv_counts)
            packed = np.empty((self.num_local_edges, 2), np.int64)
            packed[:, 0], packed[:, 1] = targets[order], self.sources[order]  # reversed: v -> u
            received = np.empty((int(recv_counts.sum()), 2), np.int64)
            sdispl = np.concatenate([[0], np.cumsum(send_counts)[:-1]]) * 2
            rdispl = np.concatenate([[0], np.cumsum(recv_counts)[:-1]]) * 2
            comm.Alltoallv([packed, (send_counts * 2, sdispl), MPI.INT64_T],
                           [received, (recv_counts * 2, rdispl), MPI.INT64_T])
            self.traffic.add("alltoallv reversed edges", (int(recv_counts.sum()) - int(recv_counts[comm.rank])) * 16)
            by_target = np.argsort(received[:, 1], kind="stable")
            self._reversed_edges = (np.ascontiguousarray(received[by_target, 0]),
                                    np.ascontiguousarray(received[by_target, 1] - self.lo))
        return self._reversed_edges

    def neighbour_lists(self, direction):
        """(neighbour global ids, local target indices) whose aggregation gives ff.neighbor_agg's
        `direction` ("in", "out", "both") for this rank's nodes. Collective for "out"/"both"
        (the first time)."""
        if direction == "in":
            return self.sources, self.local_targets()
        if direction == "out":
            return self._reversed()
        if direction == "both":
            rs, rt = self._reversed()
            # Per node: its in-list, then its out-list (the order of the single-process kernel).
            nbr = np.concatenate([self.sources, rs])
            tgt = np.concatenate([self.local_targets(), rt])
            order = np.argsort(tgt, kind="stable")
            return nbr[order], tgt[order]
        raise ValueError(f'direction: must be "in", "out" or "both", got {direction!r}')

    def exchange_plan(self, direction, exchange="halo"):
        """The cached AllgatherPlan or HaloPlan (fuseflow.mpi.halo) for aggregating over
        `direction`. Collective the first time."""
        key = (direction, exchange)
        plan = self._plans.get(key)
        if plan is None:
            from .halo import AllgatherPlan, HaloPlan

            cls = {"halo": HaloPlan, "allgather": AllgatherPlan}.get(exchange)
            if cls is None:
                raise ValueError(f'exchange: must be "halo" or "allgather", got {exchange!r}')
            plan = cls(self, *self.neighbour_lists(direction))
            self._plans[key] = plan
        return plan

    def undirected(self):
        """The same partition with every edge also reversed (u -> v adds v -> u to the owner of
        u): what weakly connected components pull over. Collective; cached."""
        if self._undirected is None:
            nbr, tgt = self.neighbour_lists("both")
            per_node = np.bincount(tgt, minlength=self.num_local_nodes)
            offsets = np.concatenate([[0], np.cumsum(per_node)]).astype(np.int64)
            g = DistGraph(self.comm, self.num_nodes, self.bounds, offsets, np.ascontiguousarray(nbr),
                          self.local_out_degree, self.num_edges * 2)
            g.traffic = self.traffic
            self._undirected = g
        return self._undirected

    def local_graph(self):
        """This rank's in-edges as an ff.Graph over all num_nodes ids (sources keep their global
        ids; only targets in [lo, hi) have in-edges): the native kernels (neighbor_agg) run the
        per-rank work. Built on first use and cached."""
        if self._local is None:
            from ..graph import Graph

            self._local = Graph.from_edges(self.sources, self.local_targets() + self.lo, num_nodes=self.num_nodes)
        return self._local

    def __repr__(self):
        return (f"DistGraph(num_nodes={self.num_nodes}, num_edges={self.num_edges}, rank {self.comm.rank}/"
                f"{self.comm.size} owns [{self.lo}, {self.hi}) with {self.num_local_edges} in-edges)")
