"""fuseflow.dask.ShardedIndex: exact top-k search over EmbeddingIndex shards held by Dask workers."""

import uuid

import numpy as np

from ..index import EmbeddingIndex, _as_ids
from ._threads import fit_threads
from ._topk import merge_topk, tree_merge

__all__ = ["ShardedIndex", "shard_of"]

_INLINE_QUERY_BYTES = 1 << 20
# Partial results up to this size (all shards together) are gathered and merged by the client;
# larger ones are merged by a tree of tasks on the workers (see ShardedIndex.search).
_CLIENT_MERGE_BYTES = 4 << 20
_MERGES = (None, "client", "workers")


def shard_of(ids, n_shards):
    """The owning shard of each id: ``id mod n_shards`` (floor modulo, so negative ids too land
    in [0, n_shards)). Consecutive ids spread evenly; any other id set may leave shards uneven
    or empty, which search handles.

    Example:
        >>> from fuseflow.dask import shard_of
        >>> shard_of([0, 1, 5, -1], 2).tolist()
        [0, 1, 1, 1]
    """
    return np.mod(np.asarray(ids, dtype=np.int64), n_shards)


# ---- task functions (run on the workers; module-level so they pickle by reference)

def _new_shard(dim, metric, vectors, ids):
    fit_threads()
    index = EmbeddingIndex(dim, metric)
    if vectors is not None and len(ids):
        index.add(vectors, ids)
    return index


def _shard_add(index, vectors, ids):
    # In place: the new version's value is the same object. Dask keeps the chain of versions'
    # tasks (each holding its batch), so a shard lost with its worker is rebuilt by replaying them.
    fit_threads()
    index.add(vectors, ids)
    return index


def _shard_remove(index, ids):
    fit_threads()
    index.remove(ids)
    return index


def _shard_present(index, ids):
    return np.asarray(ids[np.isin(ids, index.ids())], dtype=np.int64)


def _shard_stats(index):
    ids = index.ids()
    return len(index), (int(ids.max()) if len(ids) else None)


def _shard_group_search(indexes, queries, k, ascending):
    # Several shards that live on one worker: one task searches them all and merges their
    # partial lists there, so the worker runs one task (one scheduler hand-off) per search
    # and one part travels back instead of one per shard.
    fit_threads()
    return merge_topk([index.search(queries, k) for index in indexes], k, ascending)


def _merge(k, ascending, *parts):
    return merge_topk(list(parts), k, ascending)


def _shard_ids(index):
    return index.ids()


def _as_queries(queries):
    return queries


class ShardedIndex:
    """An exact k-nearest-neighbour index split over ``n_shards`` EmbeddingIndex shards, each
    living in the memory of a Dask worker.

    ``ShardedIndex(client, dim, metric="cosine", n_shards=None)`` (n_shards defaults to the
    number of workers). Vector ``id`` lives in shard ``id mod n_shards`` (:func:`shard_of`);
    shards are placed round-robin on the workers when created and stay where Dask keeps them:
    vectors are sent once (with :meth:`add`), never per query.

    ``search(queries, k)`` sends the queries once, runs each shard's own native search (its
    top-k) on the worker holding it (one task per worker: the shards placed on a worker at
    creation are searched by one task that merges their lists), and merges the partial results
    on the client or in a tree of tasks (``merge=``); ties are broken by the smaller id as in
    EmbeddingIndex, so the results (scores bitwise, ids, order) equal a single EmbeddingIndex
    holding every vector.

    ``add``/``remove`` validate the whole batch first (dimension, values, duplicate or present
    ids; a locally built throwaway index runs EmbeddingIndex's own checks), then route each
    vector to its owning shard, so a rejected batch changes nothing.

    Failures: a worker that dies loses its shards' memory; Dask rebuilds them by replaying
    their creation and every add/remove since (each batch stays in the scheduler's task graph
    for that purpose: the index's vectors are held twice, once on the workers and once there).
    A task that keeps killing workers ends in ``distributed.KilledWorker``; every blocking call
    takes ``timeout`` (seconds, None = wait) and raises ``TimeoutError`` when it passes.

    One client drives an index: concurrent add/remove from several threads are not ordered.

    Example:
        >>> import distributed, fuseflow.dask as fdask
        >>> client = distributed.Client(processes=False, n_workers=2, threads_per_worker=1,
        ...                             dashboard_address=None)
        >>> x = np.random.default_rng(0).standard_normal((1000, 16)).astype(np.float32)
        >>> index = fdask.ShardedIndex(client, 16, "l2", n_shards=4)
        >>> index.add(x)  # ids 0..999, id i in shard i mod 4
        >>> len(index), index.shard_sizes()
        (1000, [250, 250, 250, 250])
        >>> local = ff.EmbeddingIndex(16, "l2")
        >>> local.add(x)
        >>> scores, ids = index.search(x[:3], k=5)
        >>> bool((ids == local.search(x[:3], k=5)[1]).all()), ids[:, 0].tolist()  # each finds itself
        (True, [0, 1, 2])
        >>> index.remove([0, 1])
        >>> len(index), sorted(index.ids().tolist())[:3]
        (998, [2, 3, 4])
        >>> client.close()
    """

    def __init__(self, client, dim, metric="cosine", n_shards=None):
        from distributed import Client

        if not isinstance(client, Client):
            raise TypeError(f"client: must be a distributed.Client, got {type(client).__name__}")
        probe = EmbeddingIndex(dim, metric)  # the same dim/metric rules as EmbeddingIndex
        workers = sorted(client.scheduler_info()["workers"])
        if n_shards is None:
            n_shards = max(1, len(workers))
        if isinstance(n_shards, bool) or not isinstance(n_shards, (int, np.integer)) or n_shards < 1:
            raise ValueError(f"n_shards: must be a positive integer, got {n_shards!r}")
        self._client = client
        self._dim = probe.dim
        self._metric = probe.metric
        self._name = f"ffshard-{uuid.uuid4().hex[:12]}"
        self._version = 0
        # Shards are spread over the workers known now; with none registered yet (a cluster still
        # starting) the scheduler places them, and distributed refuses allow_other_workers then.
        self._shards = [
            client.submit(_new_shard, self._dim, self._metric, None, np.empty(0, np.int64),
                          key=self._key(i), **({"workers": [workers[i % len(workers)]], "allow_other_workers": True}
                                               if workers else {}))
            for i in range(int(n_shards))]
        self._sizes = [0] * int(n_shards)
        # The shards placed together at creation are searched by one task (see search); with no
        # worker known yet each shard is its own group.
        homes = {}
        for i in range(int(n_shards)):
            homes.setdefault(i % len(workers) if workers else i, []).append(i)
        self._groups = list(homes.values())

    # ---- helpers
    def _key(self, shard):
        return f"{self._name}-s{shard}-v{self._version}"

    def _wait(self, futures, timeout):
        from distributed import wait

        done = wait(futures, timeout=timeout, return_when="ALL_COMPLETED")
        for f in done.done:
            if f.status == "error":
                f.result()  # raises the task's exception here, with its traceback

    # ---- properties
    @property
    def dim(self):
        return self._dim

    @property
    def metric(self):
        return self._metric

    @property
    def n_shards(self):
        return len(self._shards)

    def __len__(self):
        return sum(self._sizes)

    def shard_sizes(self):
        """How many vectors each shard holds (counted by this client, no round trip)."""
        return list(self._sizes)

    def __repr__(self):
        return f"ShardedIndex(dim={self._dim}, metric={self._metric!r}, n_shards={self.n_shards}, size={len(self)})"

    # ---- mutation
    def _present(self, ids, owners, timeout):
        futures = [self._client.submit(_shard_present, self._shards[s], ids[owners == s], pure=False)
                   for s in np.unique(owners)]
        self._wait(futures, timeout)
        present = [f.result() for f in futures]
        return np.concatenate(present) if present else np.empty(0, np.int64)

    def _next_ids(self, count, timeout):
        futures = [self._client.submit(_shard_stats, s, pure=False) for s in self._shards]
        self._wait(futures, timeout)
        maxima = [m for _, m in (f.result() for f in futures) if m is not None]
        start = max(max(maxima) + 1, 0) if maxima else 0
        if start + count - 1 > np.iinfo(np.int64).max:
            raise ValueError("ids: the default ids (one above the largest id) would pass 2**63-1; pass ids explicitly")
        return np.arange(start, start + count, dtype=np.int64)

    def add(self, vectors, ids=None, timeout=None):
        """Add vectors (n, dim) with int64 ids (default: consecutive from one above the largest id
        in the index, as EmbeddingIndex); each goes to shard ``id mod n_shards``."""
        check = EmbeddingIndex(self._dim, self._metric)
        vectors = np.asarray(vectors) if not isinstance(vectors, np.ndarray) else vectors
        if vectors.ndim == 2 and vectors.shape[0] == 0:
            return
        if ids is None:
            check.add(vectors)  # dimension and value rules, before asking the shards anything
            ids = self._next_ids(vectors.shape[0], timeout)
        else:
            ids = _as_ids("ids", ids)
            check.add(vectors, ids)  # + one id per vector, no duplicates within the batch
        del check
        vectors = np.ascontiguousarray(vectors, dtype=np.float32) if vectors.dtype != np.float64 else vectors
        owners = shard_of(ids, self.n_shards)
        present = self._present(ids, owners, timeout)
        if len(present):
            raise ValueError(f"ids: {len(present)} already present in the index (first {int(present[0])})")
        self._version += 1
        touched = []
        for s in np.unique(owners):
            mask = owners == s
            new = self._client.submit(_shard_add, self._shards[s], np.ascontiguousarray(vectors[mask]), ids[mask],
                                      key=self._key(int(s)))
            self._shards[s] = new
            self._sizes[s] += int(mask.sum())
            touched.append(new)
        self._wait(touched, timeout)

    def remove(self, ids, timeout=None):
        """Remove vectors by id; every id must be present (else ValueError, nothing removed)."""
        ids = _as_ids("ids", np.atleast_1d(ids))
        if len(ids) == 0:
            return
        unique = np.unique(ids)
        if len(unique) != len(ids):
            raise ValueError("ids: must not repeat an id")
        owners = shard_of(ids, self.n_shards)
        present = self._present(ids, owners, timeout)
        if len(present) != len(ids):
            missing = np.setdiff1d(ids, present)
            raise ValueError(f"ids: {len(missing)} not in the index (first {int(missing[0])})")
        self._version += 1
        touched = []
        for s in np.unique(owners):
            mask = owners == s
            new = self._client.submit(_shard_remove, self._shards[s], ids[mask], key=self._key(int(s)))
            self._shards[s] = new
            self._sizes[s] -= int(mask.sum())
            touched.append(new)
        self._wait(touched, timeout)

    # ---- queries
    def search(self, queries, k=10, timeout=None, fan_in=2, merge=None):
        """(scores, ids) of the k best vectors per query, equal to EmbeddingIndex.search over all
        vectors: 1-D query -> 1-D results, (nq, dim) -> (nq, min(k, len(self))).

        ``merge``: where the shards' partial top-k lists are merged. ``"client"``: every shard
        task's result comes back to this process and is merged here (one scheduling wave: the
        fewest round trips, the fastest for few queries); ``"workers"``: a tree of merge tasks
        (``fan_in`` children each) on the workers, so only the final k per query travels to the
        client (for large ``nq * k * n_shards``); None (default) picks "client" while all partial
        results together take at most 4 MB. The results are the same either way."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"k: must be an integer, got {type(k).__name__}")
        if k < 1:
            raise ValueError(f"k: must be at least 1, got {k}")
        if isinstance(fan_in, bool) or not isinstance(fan_in, int) or fan_in < 2:
            raise ValueError(f"fan_in: must be an integer >= 2, got {fan_in!r}")
        if merge is not None and (not isinstance(merge, str) or merge not in _MERGES[1:]):
            raise ValueError(f"merge: must be None, 'client' or 'workers', got {merge!r}")
        q = queries if isinstance(queries, np.ndarray) else np.asarray(queries)
        if q.dtype not in (np.float32, np.float64):
            raise TypeError(f"queries: must be a float32 or float64 array, got dtype {q.dtype}")
        single = q.ndim == 1
        if q.ndim not in (1, 2) or q.shape[-1] != self._dim:
            raise ValueError(f"queries: must have shape ({self._dim},) or (nq, {self._dim}), got {q.shape}")
        q2 = np.ascontiguousarray(q.reshape(1, -1) if single else q)
        if merge is None:
            # A shard's part: (nq, <= k) float32 scores and int64 ids.
            merge = "client" if q2.shape[0] * int(k) * 12 * self.n_shards <= _CLIENT_MERGE_BYTES else "workers"
        client = self._client
        token = uuid.uuid4().hex[:12]
        # Small batches ride inside each shard task (no extra scheduling wave); a large batch is
        # held by one task the shard tasks depend on (one copy per worker, recomputable if its
        # worker dies, unlike scattered data).
        qf = client.submit(_as_queries, q2, key=f"ffq-{token}") if q2.nbytes > _INLINE_QUERY_BYTES else q2
        ascending = self._metric == "l2"
        # One task per group of shards placed on the same worker at creation (the scheduler runs
        # it where their data is; a shard rebuilt elsewhere after a worker died is fetched, and the
        # result is the same), all in one client.map: one graph update for the whole search.
        groups = [[self._shards[i] for i in group] for group in self._groups]
        n = len(groups)
        level = client.map(_shard_group_search, groups, [qf] * n, [int(k)] * n, [ascending] * n,
                           key=[f"ffsearch-{token}-{i}" for i in range(n)])
        if merge == "client":
            self._wait(level, timeout)
            scores, ids = tree_merge(client.gather(level), int(k), ascending, fan_in)
        else:
            depth = 0
            while len(level) > 1:
                depth += 1
                # A group of one (an odd tail) moves up as it is: no task, no round trip.
                level = [client.submit(_merge, int(k), ascending, *level[i:i + fan_in],
                                       key=f"ffmerge-{token}-{depth}-{i}") if len(level[i:i + fan_in]) > 1
                         else level[i] for i in range(0, len(level), fan_in)]
            scores, ids = level[0].result(timeout=timeout)
        if single:
            return scores[0], ids[0]
        return scores, ids

    def ids(self, timeout=None):
        """Every id in the index, shard by shard (each shard in its insertion order)."""
        futures = [self._client.submit(_shard_ids, s, pure=False) for s in self._shards]
        self._wait(futures, timeout)
        parts = [f.result() for f in futures]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)
