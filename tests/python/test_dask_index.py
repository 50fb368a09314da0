"""fuseflow.dask.ShardedIndex on a real 2-process LocalCluster (loopback): every result is
compared with one EmbeddingIndex holding all vectors (scores bitwise, ids and order exact)."""

import os
import signal
import time

import numpy as np
import pytest

import fuseflow as ff

distributed = pytest.importorskip("distributed")
fdask = pytest.importorskip("fuseflow.dask")

TIMEOUT = 60  # seconds: every blocking call in this module is bounded


@pytest.fixture(scope="module")
def client(dask_client):  # the cluster fixture of conftest.py
    return dask_client


def _data(rng, n, dim, dtype=np.float32):
    return rng.standard_normal((n, dim)).astype(dtype)


def _reference(vectors, ids, metric):
    ref = ff.EmbeddingIndex(vectors.shape[1], metric)
    ref.add(vectors, ids)
    return ref


def _assert_same(got, want):
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].dtype == want[0].dtype == np.float32
    assert got[0].tobytes() == want[0].tobytes()  # bitwise


@pytest.mark.parametrize("metric", ["cosine", "dot", "l2"])
@pytest.mark.parametrize("n_shards", [1, 3, 8])
def test_search_equals_single_index(client, rng, metric, n_shards):
    x = _data(rng, 2000, 24)
    q = _data(rng, 37, 24)
    sharded = fdask.ShardedIndex(client, 24, metric, n_shards=n_shards)
    sharded.add(x, timeout=TIMEOUT)
    ref = _reference(x, None, metric)
    assert len(sharded) == 2000 and sum(sharded.shard_sizes()) == 2000
    for k in (1, 10, 64):
        _assert_same(sharded.search(q, k, timeout=TIMEOUT), ref.search(q, k))
    _assert_same(sharded.search(q[3], 5, timeout=TIMEOUT), ref.search(q[3], 5))  # 1-D query
    _assert_same(sharded.search(q.astype(np.float64), 7, timeout=TIMEOUT), ref.search(q.astype(np.float64), 7))


def test_large_query_batches(client, rng, monkeypatch):
    # Batches above the inline limit travel as their own task; the answer is the same.
    from fuseflow.dask import sharded_index

    monkeypatch.setattr(sharded_index, "_INLINE_QUERY_BYTES", 1024)
    x = _data(rng, 500, 16)
    q = _data(rng, 40, 16)  # 2560 bytes
    sharded = fdask.ShardedIndex(client, 16, "l2", n_shards=3)
    sharded.add(x, timeout=TIMEOUT)
    _assert_same(sharded.search(q, 8, timeout=TIMEOUT), _reference(x, None, "l2").search(q, 8))


def test_ties_break_by_smaller_id_across_shards(client):
    # Every vector identical: all scores tie, so the answer is the k smallest ids, wherever they live.
    x = np.ones((50, 4), np.float32)
    ids = np.random.default_rng(1).permutation(np.arange(1000, 1050))
    sharded = fdask.ShardedIndex(client, 4, "dot", n_shards=4)
    sharded.add(x, ids, timeout=TIMEOUT)
    scores, got = sharded.search(np.ones(4, np.float32), 7, timeout=TIMEOUT)
    np.testing.assert_array_equal(got, np.arange(1000, 1007))
    _assert_same((scores, got), _reference(x, ids, "dot").search(np.ones(4, np.float32), 7))


def test_uneven_and_empty_shards(client, rng):
    # Ids all multiples of 3 with 3 shards: shard 0 holds everything, shards 1 and 2 are empty.
    x = _data(rng, 300, 8)
    ids = np.arange(300, dtype=np.int64) * 3
    sharded = fdask.ShardedIndex(client, 8, "l2", n_shards=3)
    sharded.add(x, ids, timeout=TIMEOUT)
    assert sharded.shard_sizes() == [300, 0, 0]
    q = _data(rng, 5, 8)
    _assert_same(sharded.search(q, 10, timeout=TIMEOUT), _reference(x, ids, "l2").search(q, 10))
    # Uneven: 1 vector in shard 1, the rest elsewhere.
    sharded.add(_data(rng, 1, 8), [1], timeout=TIMEOUT)
    assert sharded.shard_sizes() == [300, 1, 0]


def test_empty_index_and_k_larger_than_size(client, rng):
    sharded = fdask.ShardedIndex(client, 6, "cosine", n_shards=3)
    s, i = sharded.search(_data(rng, 2, 6), 5, timeout=TIMEOUT)
    assert s.shape == (2, 0) and i.shape == (2, 0) and i.dtype == np.int64
    x = _data(rng, 4, 6)
    sharded.add(x, timeout=TIMEOUT)
    q = _data(rng, 3, 6)
    got = sharded.search(q, 50, timeout=TIMEOUT)
    assert got[0].shape == (3, 4)
    _assert_same(got, _reference(x, None, "cosine").search(q, 50))


def test_add_and_remove_route_to_owner(client, rng):
    x = _data(rng, 500, 16)
    sharded = fdask.ShardedIndex(client, 16, "dot", n_shards=4)
    ref = ff.EmbeddingIndex(16, "dot")
    sharded.add(x[:300], timeout=TIMEOUT)
    ref.add(x[:300])
    sharded.add(x[300:], timeout=TIMEOUT)  # default ids continue from the largest id, like ref
    ref.add(x[300:])
    gone = np.arange(0, 500, 7)
    sharded.remove(gone, timeout=TIMEOUT)
    ref.remove(gone)
    assert sorted(sharded.ids(timeout=TIMEOUT)) == sorted(ref.ids())
    want_sizes = np.bincount(fdask.shard_of(ref.ids(), 4), minlength=4).tolist()
    assert sharded.shard_sizes() == want_sizes
    q = _data(rng, 9, 16)
    _assert_same(sharded.search(q, 12, timeout=TIMEOUT), ref.search(q, 12))
    # After removing the largest id, default ids restart above the new largest, as EmbeddingIndex.
    sharded.remove([499], timeout=TIMEOUT)
    ref.remove([499])
    extra = _data(rng, 3, 16)
    sharded.add(extra, timeout=TIMEOUT)
    ref.add(extra)
    _assert_same(sharded.search(q, 12, timeout=TIMEOUT), ref.search(q, 12))


def test_shard_rule():
    np.testing.assert_array_equal(fdask.shard_of([0, 1, 5, -1, -4], 4), [0, 1, 1, 3, 0])


def test_rejected_batches_change_nothing(client, rng):
    sharded = fdask.ShardedIndex(client, 4, "cosine", n_shards=2)
    sharded.add(_data(rng, 10, 4), timeout=TIMEOUT)
    before = sorted(sharded.ids(timeout=TIMEOUT))
    with pytest.raises(ValueError, match="ids: .*already present"):
        sharded.add(_data(rng, 2, 4), [100, 3], timeout=TIMEOUT)  # 100 is new, 3 is not
    bad = _data(rng, 2, 4)
    bad[1] = 0.0
    with pytest.raises(ValueError):  # a zero vector in a cosine index (EmbeddingIndex's rule)
        sharded.add(bad, [200, 201], timeout=TIMEOUT)
    with pytest.raises(ValueError, match="ids"):
        sharded.add(_data(rng, 2, 4), [300, 300], timeout=TIMEOUT)
    with pytest.raises(ValueError):
        sharded.add(_data(rng, 2, 5), timeout=TIMEOUT)  # wrong dim
    with pytest.raises(ValueError, match="ids: 1 not in the index"):
        sharded.remove([0, 12345], timeout=TIMEOUT)
    with pytest.raises(ValueError, match="ids: must not repeat"):
        sharded.remove([0, 0], timeout=TIMEOUT)
    assert sorted(sharded.ids(timeout=TIMEOUT)) == before and len(sharded) == 10


def test_argument_rules(client, rng):
    with pytest.raises(TypeError, match="client"):
        fdask.ShardedIndex("tcp://127.0.0.1:1", 4)
    with pytest.raises(ValueError, match="n_shards"):
        fdask.ShardedIndex(client, 4, n_shards=0)
    with pytest.raises(ValueError, match="metric"):
        fdask.ShardedIndex(client, 4, "hamming")
    sharded = fdask.ShardedIndex(client, 4, "dot", n_shards=2)
    with pytest.raises(ValueError, match="queries: must have shape"):
        sharded.search(np.ones((2, 5), np.float32), 3)
    with pytest.raises(TypeError, match="queries: must be a float32 or float64"):
        sharded.search(np.ones(4, np.int64), 3)
    with pytest.raises(ValueError, match="k: must be at least 1"):
        sharded.search(np.ones(4, np.float32), 0)
    with pytest.raises(TypeError, match="k: must be an integer"):
        sharded.search(np.ones(4, np.float32), 2.5)
    with pytest.raises(ValueError, match="fan_in"):
        sharded.search(np.ones(4, np.float32), 2, fan_in=1)
    for bad in ("tree", "", 1, np.array(["client"])):
        with pytest.raises(ValueError, match="merge: must be None, 'client' or 'workers'"):
            sharded.search(np.ones(4, np.float32), 2, merge=bad)


@pytest.mark.parametrize("merge", [None, "client", "workers"])
def test_fan_in_and_merge_place_do_not_change_results(client, rng, merge):
    x = _data(rng, 700, 12)
    q = _data(rng, 6, 12)
    sharded = fdask.ShardedIndex(client, 12, "l2", n_shards=7)
    sharded.add(x, timeout=TIMEOUT)
    want = _reference(x, None, "l2").search(q, 9)
    for fan_in in (2, 3, 8):
        _assert_same(sharded.search(q, 9, timeout=TIMEOUT, fan_in=fan_in, merge=merge), want)
    _assert_same(sharded.search(q[2], 9, timeout=TIMEOUT, merge=merge), (want[0][2], want[1][2]))


def test_automatic_merge_place_follows_the_result_size(client, rng, monkeypatch):
    # Above the limit the default merges on the workers: only the merge tasks' keys appear.
    from fuseflow.dask import sharded_index

    x = _data(rng, 300, 8)
    q = _data(rng, 5, 8)
    sharded = fdask.ShardedIndex(client, 8, "dot", n_shards=3)
    sharded.add(x, timeout=TIMEOUT)
    want = _reference(x, None, "dot").search(q, 4)
    submitted = []
    real_submit = client.submit

    def spy(fn, *args, **kwargs):
        submitted.append(fn.__name__)
        return real_submit(fn, *args, **kwargs)

    monkeypatch.setattr(client, "submit", spy)
    _assert_same(sharded.search(q, 4, timeout=TIMEOUT), want)
    assert "_merge" not in submitted  # 5 x 4 x 3 parts: merged by the client
    monkeypatch.setattr(sharded_index, "_CLIENT_MERGE_BYTES", 100)
    _assert_same(sharded.search(q, 4, timeout=TIMEOUT), want)
    assert submitted.count("_merge") == 1  # 3 shards, 2 per-worker search tasks: one merge


def test_one_search_task_per_worker(client, rng):
    # 5 shards on 2 workers: shards 0, 2, 4 were placed on one worker and 1, 3 on the other, so a
    # search runs 2 tasks (each merging its shards' lists), and the answer is the same.
    x = _data(rng, 900, 6)
    q = _data(rng, 4, 6)
    sharded = fdask.ShardedIndex(client, 6, "cosine", n_shards=5)
    sharded.add(x, timeout=TIMEOUT)
    assert sorted(map(sorted, sharded._groups)) == [[0, 2, 4], [1, 3]]
    with distributed.get_task_stream(client) as ts:
        got = sharded.search(q, 11, timeout=TIMEOUT)
    _assert_same(got, _reference(x, None, "cosine").search(q, 11))
    searched = [t for t in ts.data if str(t["key"]).startswith("ffsearch-")]
    assert len(searched) == 2 and len({t["worker"] for t in searched}) == 2


def test_merge_topk_matches_sort(rng):
    # The merge alone against a plain sort of everything (score order, then id).
    parts = []
    for n in (0, 3, 5, 1):
        s = np.sort(rng.integers(0, 4, size=(2, n)).astype(np.float32), axis=1)
        parts.append((s, rng.permutation(100)[:2 * n].reshape(2, n).astype(np.int64)))
    s, i = fdask.merge_topk(parts, 6, ascending=True)
    for row in range(2):
        pairs = sorted(zip(np.concatenate([p[0][row] for p in parts]), np.concatenate([p[1][row] for p in parts])))
        assert list(zip(s[row], i[row])) == pairs[:6]


def test_worker_killed_mid_search_is_recomputed(client, rng):
    """A worker dies while a search is queued on it: Dask rebuilds its shards by replaying
    their history on a surviving (or restarted) worker and the search still returns the exact
    answer, or the call raises; it never hangs past its timeout."""
    x = _data(rng, 1500, 10)
    q = _data(rng, 4, 10)
    sharded = fdask.ShardedIndex(client, 10, "dot", n_shards=4)
    sharded.add(x[:1000], timeout=TIMEOUT)
    sharded.add(x[1000:], timeout=TIMEOUT)
    sharded.remove(np.arange(0, 1500, 11), timeout=TIMEOUT)
    ref = _reference(x, None, "dot")
    ref.remove(np.arange(0, 1500, 11))
    want = ref.search(q, 15)
    victim = sorted(client.scheduler_info()["workers"])[0]
    pid = client.run(os.getpid, workers=[victim])[victim]
    # Keep the victim busy so the search's tasks for its shards are queued there, then kill it.
    blocker = client.submit(time.sleep, 3, workers=[victim], pure=False)
    start = time.monotonic()
    result = {}

    def run():
        try:
            result["value"] = sharded.search(q, 15, timeout=TIMEOUT)
        except Exception as e:  # noqa: BLE001 - checked below
            result["error"] = e

    import threading

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    t.join(TIMEOUT + 10)
    del blocker
    assert not t.is_alive(), "search hung after a worker was killed"
    assert time.monotonic() - start < TIMEOUT + 10
    if "error" in result:
        pytest.fail(f"search raised instead of recomputing: {result['error']!r}")
    _assert_same(result["value"], want)
    # The nanny restarts the killed worker; later searches still agree.
    client.wait_for_workers(2, timeout=TIMEOUT)
    _assert_same(sharded.search(q, 15, timeout=TIMEOUT), want)


def test_shard_errors_reach_the_caller(client, rng):
    # A zero query in a cosine index is rejected by each shard's EmbeddingIndex: the caller gets
    # that ValueError, not a hang or a Dask-internal error.
    sharded = fdask.ShardedIndex(client, 4, "cosine", n_shards=2)
    sharded.add(_data(rng, 10, 4), timeout=TIMEOUT)
    ref = _reference(_data(rng, 10, 4), None, "cosine")
    with pytest.raises(ValueError) as local_error:
        ref.search(np.zeros(4, np.float32), 3)
    with pytest.raises(ValueError) as remote_error:
        sharded.search(np.zeros(4, np.float32), 3, timeout=TIMEOUT)
    assert str(remote_error.value) == str(local_error.value)


def test_index_created_before_any_worker_registers_places_shards_on_later_workers():
    # A cluster still starting has no workers yet: the shards wait for the scheduler to place them
    # (distributed refuses allow_other_workers= without workers=, which once broke this path).
    cluster = distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None)  # in-process
    try:
        with distributed.Client(cluster, timeout=TIMEOUT) as c:
            sharded = fdask.ShardedIndex(c, 4, "dot", n_shards=2)
            cluster.scale(1)
            c.wait_for_workers(1, timeout=TIMEOUT)
            rng = np.random.default_rng(5)
            x = _data(rng, 50, 4)
            sharded.add(x, np.arange(50))
            _assert_same(sharded.search(x[:3], 5), _reference(x, np.arange(50), "dot").search(x[:3], 5))
    finally:
        cluster.close()
