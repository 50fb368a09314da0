"""Test graphs shared by the MPI programs (run under mpirun) and the tests that check them."""

import numpy as np


def edges(kind, seed):
    """(src, dst, num_nodes): deterministic in (kind, seed)."""
    rng = np.random.default_rng(seed)
    if kind == "random":
        # Random edges over 2/3 of the nodes (the rest: isolated or in a chain), self-loops and
        # parallel edges included; some nodes dangle (no out-edges).
        n = 3000
        m = 12000
        src = rng.integers(0, 2000, m)
        dst = rng.integers(0, 2000, m)
        chain = np.arange(2200, 2400)
        src = np.concatenate([src, [5, 5, 7], chain[:-1], [2500]])
        dst = np.concatenate([dst, [5, 9, 9], chain[1:], [2501]])
        keep = ~((src % 97 == 3) & (dst > 1000))  # some dangling sources
        return src[keep].astype(np.int64), dst[keep].astype(np.int64), n
    if kind == "skewed":
        # A hub receiving half the edges: the in-edge balancing must not give one rank all of it.
        n = 1500
        m = 8000
        src = rng.integers(0, n, m)
        dst = np.where(rng.random(m) < 0.5, 17, rng.integers(0, n, m))
        return src.astype(np.int64), dst.astype(np.int64), n
    if kind == "tiny":
        return np.array([0, 1], np.int64), np.array([1, 2], np.int64), 5
    raise ValueError(kind)


def part(src, dst, rank, size, seed):
    """This rank's uneven slice of the edge list; with 3+ ranks, rank 1 gets no edges."""
    rng = np.random.default_rng(seed + 1)
    m = src.shape[0]
    cuts = np.sort(rng.integers(0, m, size - 1))
    if size >= 3:
        cuts[1] = cuts[0]
    bounds = np.concatenate([[0], cuts, [m]])
    return src[bounds[rank]:bounds[rank + 1]], dst[bounds[rank]:bounds[rank + 1]]
