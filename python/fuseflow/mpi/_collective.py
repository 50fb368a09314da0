"""Collective helpers: errors every rank agrees on, variable-size gathers, bytes counted.

An error found on one rank only (a bad id in its part of the edges) must not leave the other
ranks blocked in the next collective: every check is followed by :func:`agree`, which raises
the same exception on every rank.
"""

import numpy as np

# The exception types fuseflow raises (the native error codes' Python types); any other type is
# re-raised as RuntimeError on the ranks that did not see it (its name stays in the message).
_EXC = {e.__name__: e for e in (ValueError, TypeError, MemoryError, IndexError, OverflowError, ZeroDivisionError,
                                ArithmeticError, NotImplementedError, RuntimeError)}


def agree(comm, error):
    """`error` is None or an exception raised on this rank; afterwards every rank raises the
    first rank's error (by rank order), with the rank that found it in the message."""
    found = comm.allgather(None if error is None else (type(error).__name__, str(error)))
    for r, item in enumerate(found):
        if item is not None:
            kind, msg = item
            if kind not in _EXC:
                msg = f"{kind}: {msg}"
            raise _EXC.get(kind, RuntimeError)(msg if comm.size == 1 else f"{msg} (on rank {r})")


def same_everywhere(comm, name, value):
    """Scalar arguments must be passed equal on every rank (ValueError naming them otherwise)."""
    values = comm.allgather(value)
    if any(v != values[0] for v in values[1:]):
        raise ValueError(f"{name}: must be the same on every rank, got {values}")
    return value


class Traffic:
    """Bytes this rank received from other ranks, by collective (counted, not measured)."""

    def __init__(self):
        self.received = {}

    def add(self, what, nbytes):
        self.received[what] = self.received.get(what, 0) + int(nbytes)

    def total(self):
        return sum(self.received.values())


def allgatherv(comm, local, counts, out=None, traffic=None, what="allgatherv"):
    """Concatenation of every rank's `local` (rank order) on every rank."""
    from mpi4py import MPI

    counts = np.asarray(counts, dtype=np.int64)
    displs = np.concatenate([[0], np.cumsum(counts)[:-1]])
    if out is None:
        out = np.empty(int(counts.sum()), dtype=local.dtype)
    mpi_type = MPI._typedict[local.dtype.char]
    comm.Allgatherv([np.ascontiguousarray(local), mpi_type], [out, (counts, displs), mpi_type])
    if traffic is not None:
        traffic.add(what, (int(counts.sum()) - int(counts[comm.rank])) * local.dtype.itemsize)
    return out


def gather_to(comm, local, counts, root, dtype):
    """Concatenation of every rank's `local` on `root` (None elsewhere)."""
    from mpi4py import MPI

    counts = np.asarray(counts, dtype=np.int64)
    displs = np.concatenate([[0], np.cumsum(counts)[:-1]])
    mpi_type = MPI._typedict[np.dtype(dtype).char]
    out = np.empty(int(counts.sum()), dtype=dtype) if comm.rank == root else None
    comm.Gatherv([np.ascontiguousarray(local, dtype=dtype), mpi_type],
                 [out, (counts, displs), mpi_type] if comm.rank == root else None, root=root)
    return out


def sum_in_rank_order(comm, value):
    """The sum of one float per rank, added in rank order on every rank (identical everywhere,
    unlike an Allreduce whose association may differ between ranks)."""
    total = 0.0
    for v in comm.allgather(float(value)):
        total += v
    return total


def sums_in_rank_order(comm, *values):
    """sum_in_rank_order for several floats with one collective."""
    totals = [0.0] * len(values)
    for row in comm.allgather(tuple(float(v) for v in values)):
        for i, v in enumerate(row):
            totals[i] += v
    return totals
