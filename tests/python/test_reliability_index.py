"""Reliability of ff.EmbeddingIndex (issue 16): mapped files under other writers (r04, r18), exact
l2 batches on close large-norm data (r17), content checks at load (r18), id overflow (r23), any
path type (r14), huge sizes (MemoryError), and 8 threads searching while others add/remove."""

import os
import struct
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import fuseflow as ff

U = 2.0**-24


# --- index files with a valid checksum (docs/index_format.md) -------------------------------

_MASK = (1 << 64) - 1
_K = 0x9E3779B97F4A7C15


def _mix(h, w):
    h = ((h ^ w) * _K) & _MASK
    return h ^ (h >> 29)


def _checksum(data):
    """The format's checksum over header bytes 0..39 followed by the payload."""
    lanes = [0x243F6A8885A308D3, 0x13198A2E03707344, 0xA4093822299F31D0, 0x082EFA98EC4E6C89]
    words = struct.unpack(f"<{len(data) // 8}Q", data)
    for i, w in enumerate(words):
        lanes[i & 3] = _mix(lanes[i & 3], w)
    h = _mix(_K, len(words))
    for lane in lanes:
        h = _mix(h, lane)
    return _mix(h, h >> 32)


def _write_with_checksum(path, raw):
    raw = bytearray(raw)
    struct.pack_into("<Q", raw, 40, _checksum(bytes(raw[:40]) + bytes(raw[64:])))
    path.write_bytes(bytes(raw))


def _saved(tmp_path, metric, rows, dim=20, name="x.ffidx"):
    ix = ff.EmbeddingIndex(dim, metric)
    ix.add(rows)
    path = tmp_path / name
    ix.save(path)
    return path, bytearray(path.read_bytes())


def _row_offset(raw, r, c):
    stride = struct.unpack_from("<Q", raw, 24)[0]
    return 64 + (r * stride + c) * 4


def test_a_rewritten_checksum_still_loads(tmp_path):
    # The test's own checksum must agree with the format, or the tests below prove nothing.
    path, raw = _saved(tmp_path, "dot", np.random.default_rng(0).standard_normal((5, 20)))
    _write_with_checksum(path, raw)
    assert len(ff.EmbeddingIndex.load(path)) == 5


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("mmap", [False, True])
def test_load_rejects_non_finite_rows(tmp_path, value, mmap):
    path, raw = _saved(tmp_path, "dot", np.random.default_rng(1).standard_normal((6, 20)))
    struct.pack_into("<f", raw, _row_offset(raw, 3, 7), value)
    _write_with_checksum(path, raw)
    with pytest.raises(ValueError, match=r"path: .*vector 3 .*non-finite value .* column 7"):
        ff.EmbeddingIndex.load(path, mmap=mmap)


def test_load_rejects_non_zero_padding(tmp_path):
    path, raw = _saved(tmp_path, "l2", np.random.default_rng(2).standard_normal((4, 20)))  # stride 32
    struct.pack_into("<f", raw, _row_offset(raw, 2, 25), 1e-30)
    _write_with_checksum(path, raw)
    with pytest.raises(ValueError, match=r"path: .*vector 2 has non-zero padding in column 25"):
        ff.EmbeddingIndex.load(path)


@pytest.mark.parametrize("scale", [1.001, 0.5, 3.0])
def test_load_rejects_unnormalised_cosine_rows(tmp_path, scale):
    path, raw = _saved(tmp_path, "cosine", np.random.default_rng(3).standard_normal((5, 20)))
    for c in range(20):
        off = _row_offset(raw, 1, c)
        struct.pack_into("<f", raw, off, struct.unpack_from("<f", raw, off)[0] * scale)
    _write_with_checksum(path, raw)
    with pytest.raises(ValueError, match=r"vector 1 of a cosine index is not normalised"):
        ff.EmbeddingIndex.load(path)


def test_load_accepts_cosine_rows_within_the_stated_tolerance(tmp_path):
    # |x|^2 off by ~2e-7 (a few float32 roundings) is what normalisation leaves: accepted.
    path, raw = _saved(tmp_path, "cosine", np.random.default_rng(4).standard_normal((5, 20)))
    off = _row_offset(raw, 0, 0)
    v = struct.unpack_from("<f", raw, off)[0]
    struct.pack_into("<f", raw, off, float(np.nextafter(np.float32(v), np.float32(2 * v))))
    _write_with_checksum(path, raw)
    assert len(ff.EmbeddingIndex.load(path)) == 5


def test_load_rejects_l2_rows_that_overflow_when_squared(tmp_path):
    path, raw = _saved(tmp_path, "l2", np.ones((3, 20)))
    for c in range(20):
        struct.pack_into("<f", raw, _row_offset(raw, 2, c), 3e37)
    _write_with_checksum(path, raw)
    with pytest.raises(ValueError, match=r"vector 2 of an l2 index overflows float32"):
        ff.EmbeddingIndex.load(path)


def test_header_claiming_2_pow_50_rows_is_rejected_before_allocating(tmp_path):
    path, raw = _saved(tmp_path, "dot", np.ones((2, 20)))
    struct.pack_into("<Q", raw, 32, 2**50)
    _write_with_checksum(path, raw)
    with pytest.raises(ValueError, match=r"does not match 1125899906842624 vectors"):
        ff.EmbeddingIndex.load(path, mmap=True)


# --- mapped files and other writers (r04, r18) ------------------------------------------------

def _run(code, tmp_path):
    """Runs `code` in a fresh interpreter (a SIGBUS would kill it); returns the completed process."""
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=300)


def test_mmap_truncated_before_a_search_raises_value_error(tmp_path):
    done = _run(f"""
        import numpy as np, fuseflow as ff
        ix = ff.EmbeddingIndex(64, 'dot'); ix.add(np.random.rand(20000, 64)); ix.save('m.ffi')
        j = ff.EmbeddingIndex.load('m.ffi', mmap=True)
        open('m.ffi', 'r+b').truncate(64)
        for call in (lambda: j.search(np.ones(64), 3), j._native.vectors, lambda: j.save('n.ffi'), lambda: j.remove([0])):
            try:
                call()
                print('no error')
            except ValueError as e:
                assert 'was truncated or modified by another writer' in str(e), e
                print('ValueError')
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ValueError"] * 4


def test_mmap_truncated_while_searching_never_crashes(tmp_path):
    # Another thread truncates the file while searches run: faults inside the mapping must turn
    # into ValueError (a SIGBUS kills the interpreter on main). Every search either returns the
    # right answer (before the truncation) or raises ValueError.
    done = _run(f"""
        import threading, numpy as np, fuseflow as ff
        rng = np.random.default_rng(0)
        X = rng.standard_normal((100000, 64)).astype(np.float32)
        q = rng.standard_normal((8, 64)).astype(np.float32)
        ref = ff.EmbeddingIndex(64, 'dot'); ref.add(X)
        expected = ref.search(q, 5)[1]
        outcomes = []
        for attempt in range(6):
            ref.save('m.ffi')
            j = ff.EmbeddingIndex.load('m.ffi', mmap=True)
            assert j._native.is_mapped
            go = threading.Event()
            def cut():
                go.wait(); open('m.ffi', 'r+b').truncate(64 + 4096 * attempt)
            t = threading.Thread(target=cut); t.start()
            n_ok = 0
            try:
                for i in range(10**6):
                    if i == 2: go.set()
                    ids = j.search(q, 5)[1]
                    assert (ids == expected).all()
                    n_ok += 1
            except ValueError as e:
                assert 'was truncated or modified by another writer' in str(e), e
                outcomes.append('ValueError')
            t.join()
            try:
                j.search(q, 5); outcomes.append('served after truncation')
            except ValueError:
                pass
        print(' '.join(outcomes))
    """, tmp_path)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.split() == ["ValueError"] * 6


def test_mmap_rewritten_in_place_raises_instead_of_changing(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 16)).astype(np.float32)
    ix = ff.EmbeddingIndex(16, "dot")
    ix.add(X)
    path = tmp_path / "r.ffidx"
    ix.save(path)
    mapped = ff.EmbeddingIndex.load(path, mmap=True)
    before = mapped.search(X[:4], 3)
    # A valid index of the same size written in place (no rename): the mapping would show it.
    other = ff.EmbeddingIndex(16, "dot")
    other.add(-X)
    other.save(tmp_path / "other.ffidx")
    with open(path, "r+b") as f:
        f.write((tmp_path / "other.ffidx").read_bytes())
    with pytest.raises(ValueError, match="was truncated or modified by another writer"):
        mapped.search(X[:4], 3)
    with pytest.raises(ValueError, match="was truncated or modified by another writer"):
        mapped._native.vectors()
    # Loading again gives the new content.
    fresh = ff.EmbeddingIndex.load(path, mmap=True)
    np.testing.assert_array_equal(fresh.search(X[:4], 3)[1], other.search(X[:4], 3)[1])
    assert not np.array_equal(fresh.search(X[:4], 3)[1], before[1])

def test_in_memory_load_ignores_later_writes(tmp_path):
    X = np.random.default_rng(6).standard_normal((50, 16)).astype(np.float32)
    ix = ff.EmbeddingIndex(16, "l2")
    ix.add(X)
    path = tmp_path / "m.ffidx"
    ix.save(path)
    loaded = ff.EmbeddingIndex.load(path)
    expected = loaded.search(X[:5], 4)
    open(path, "r+b").truncate(64)
    for a, b in zip(loaded.search(X[:5], 4), expected):
        np.testing.assert_array_equal(a, b)


# --- l2 batches on close, large-norm vectors (r17) --------------------------------------------

def _l2_reference(X, Q, k):
    """float64 distances of the float32 data; ties ranked by the smaller id."""
    X64, Q64 = X.astype(np.float64), Q.astype(np.float64)
    d = ((Q64[:, None, :] - X64[None, :, :]) ** 2).sum(axis=2)
    order = np.lexsort((np.broadcast_to(np.arange(X.shape[0]), d.shape), d), axis=1)[:, :k]
    return np.take_along_axis(d, order, axis=1), order


def _check_l2(ix, X, Q, k):
    dim = X.shape[1]
    scores, ids = ix.search(Q, k)
    ref_d, ref_ids = _l2_reference(X, Q, k)
    # The stated bound: |score - exact| <= (dim + 2) 2^-24 * exact (differences, not expansion),
    # plus a tiny absolute term for exact zeros.
    rtol = (dim + 2) * U
    np.testing.assert_allclose(scores, ref_d, rtol=rtol, atol=1e-30)
    X64 = X.astype(np.float64)
    for q in range(Q.shape[0]):
        got = ((X64[ids[q]] - Q[q].astype(np.float64)) ** 2).sum(axis=1)
        # Every returned id's exact distance is within the bound of the reference's at that rank
        # (ids may differ only between rows whose exact distances are that close).
        np.testing.assert_allclose(got, ref_d[q], rtol=2 * rtol, atol=1e-30)
        mismatch = ids[q] != ref_ids[q]
        if mismatch.any():
            assert np.all(np.abs(got[mismatch] - ref_d[q][mismatch]) <= 2 * rtol * ref_d[q][mismatch] + 1e-30)


def test_l2_batch_on_close_large_norm_vectors_matches_float64():
    # r17: the batch answered [0 0 0 ...] with distance 0; single queries were right.
    base = np.full(64, 1000.0, np.float32)
    X = np.stack([base + np.float32(0.001) * i for i in range(100)])
    Q = np.stack([base + np.float32(0.001) * i + np.float32(0.0004) for i in range(0, 100, 10)])
    ix = ff.EmbeddingIndex(64, "l2")
    ix.add(X)
    _, ids = ix.search(Q, 1)
    np.testing.assert_array_equal(ids[:, 0], np.arange(0, 100, 10))
    _check_l2(ix, X, Q, 5)
    singles = np.stack([ix.search(q, 5)[1] for q in Q])
    np.testing.assert_array_equal(ix.search(Q, 5)[1], singles)


@pytest.mark.parametrize("offset,spread,dim", [(1e4, 1e-2, 48), (300.0, 1e-3, 48), (0.0, 1.0, 48), (-5e3, 0.5, 48),
                                               (1e3, 1e-3, 200), (0.0, 1.0, 3)])
@pytest.mark.parametrize("min_queries", [1, 4])
@pytest.mark.parametrize("prefilter", [False, True])
def test_l2_batch_random_offsets_match_float64(offset, spread, dim, min_queries, prefilter):
    rng = np.random.default_rng(int(abs(offset)) + dim)
    X = (offset + spread * rng.standard_normal((700, dim))).astype(np.float32)
    Q = (offset + spread * rng.standard_normal((37, dim))).astype(np.float32)
    ix = ff.EmbeddingIndex(dim, "l2")
    ix.add(X)
    ix._native._set_batch_min_queries(min_queries)  # 1: every batch takes the tile path
    ix._native._set_prefilter(prefilter)  # off: the float32 tiles (on: int8 tiles where VNNI exists)
    ix.remove(np.arange(0, 700, 9))  # tombstones in the tiles
    keep = np.setdiff1d(np.arange(700), np.arange(0, 700, 9))
    scores, ids = ix.search(Q, 6)
    ref_d, ref_pos = _l2_reference(X[keep], Q, 6)
    np.testing.assert_allclose(scores, ref_d, rtol=(dim + 2) * U * 2, atol=1e-30)
    singles = np.stack([ix.search(q, 6)[1] for q in Q])
    np.testing.assert_array_equal(ids, singles)


# --- ids and paths (r23, r14) ----------------------------------------------------------------

def test_default_ids_after_int64_max_raise_value_error():
    ix = ff.EmbeddingIndex(dim=2)
    ix.add(np.ones((1, 2), np.float32), ids=np.array([2**63 - 1]))
    with pytest.raises(ValueError, match=r"ids: cannot assign default ids: .*2\*\*63-1.*pass ids= explicitly"):
        ix.add(np.ones((1, 2), np.float32))
    assert len(ix) == 1
    np.testing.assert_array_equal(ix.ids(), [2**63 - 1])


def test_default_ids_that_would_pass_int64_max_raise():
    ix = ff.EmbeddingIndex(dim=2)
    ix.add(np.ones((1, 2), np.float32), ids=np.array([2**63 - 3]))
    ix.add(np.ones((2, 2), np.float32))  # 2**63-2, 2**63-1: fits exactly
    np.testing.assert_array_equal(ix.ids(), [2**63 - 3, 2**63 - 2, 2**63 - 1])
    ix.remove([2**63 - 1, 2**63 - 2])
    with pytest.raises(ValueError, match="would pass the largest int64 id"):
        ix.add(np.ones((3, 2), np.float32))


@pytest.mark.parametrize("kind", ["bytes", "str_non_utf8", "pathlike", "bytes_non_utf8"])
@pytest.mark.parametrize("mmap", [False, True])
def test_save_load_any_path_type(tmp_path, kind, mmap):
    base = os.fsencode(tmp_path)
    name = {"bytes": b"/a.ffidx", "str_non_utf8": b"/caf\xe9.ffidx", "pathlike": b"/p.ffidx",
            "bytes_non_utf8": b"/\xff\xfe.ffidx"}[kind]
    raw = base + name
    path = {"bytes": raw, "bytes_non_utf8": raw, "str_non_utf8": os.fsdecode(raw),
            "pathlike": tmp_path / "p.ffidx"}[kind]
    ix = ff.EmbeddingIndex(4, "dot")
    ix.add(np.arange(8, dtype=np.float32).reshape(2, 4))
    ix.save(path)
    assert os.path.exists(raw)
    back = ff.EmbeddingIndex.load(path, mmap=mmap)
    np.testing.assert_array_equal(back.ids(), [0, 1])


def test_errors_on_non_utf8_paths_decode(tmp_path):
    raw = os.fsencode(tmp_path) + b"/bad\xe9.ffidx"
    with open(raw, "wb") as f:
        f.write(b"x" * 100)
    with pytest.raises(ValueError, match=r"bad\\xe9\.ffidx' is not a valid fuseflow EmbeddingIndex file: bad magic"):
        ff.EmbeddingIndex.load(raw)


# --- sizes past memory (item 6) ----------------------------------------------------------------

def test_add_of_a_huge_broadcast_count_raises_memory_error():
    ix = ff.EmbeddingIndex(dim=2**20, metric="dot")
    huge = np.broadcast_to(np.zeros(2**20, np.float32), (2**30, 2**20))  # 4 PiB claimed, 4 MB real
    with pytest.raises(MemoryError, match=r"cannot allocate .* for the float32 rows of 1073741824 vectors \(dim 1048576\)"):
        ix.add(huge)
    assert len(ix) == 0
    ix.add(np.ones((2, 2**20), np.float32))  # still usable
    assert len(ix) == 2


def test_search_of_a_huge_broadcast_batch_raises_memory_error():
    ix = ff.EmbeddingIndex(dim=1024, metric="l2")
    ix.add(np.ones((3, 1024), np.float32))
    queries = np.broadcast_to(np.zeros(1024, np.float32), (2**40, 1024))  # 4 PiB claimed
    with pytest.raises(MemoryError, match=r"cannot allocate"):
        ix.search(queries, 3)


# --- threads (item 7) ----------------------------------------------------------------------------

def test_eight_threads_search_add_remove_against_numpy():
    """4 threads search a fixed set of rows while 4 threads add and remove their own far-away rows;
    every search result is checked against a brute-force NumPy reference."""
    dim, k = 24, 5
    rng = np.random.default_rng(11)
    stable = rng.standard_normal((3000, dim)).astype(np.float32)
    ix = ff.EmbeddingIndex(dim, "l2")
    ix.add(stable, ids=np.arange(3000))
    ix._native._set_prefilter(False)  # the float32 batch tiles (the int8 ones need VNNI)
    errors = []
    barrier = threading.Barrier(8)

    def searcher(t):
        r = np.random.default_rng(100 + t)
        try:
            barrier.wait()
            for it in range(25):
                nq = 1 if it % 3 == 0 else int(r.integers(2, 12))
                Q = r.standard_normal((nq, dim)).astype(np.float32)
                scores, ids = ix.search(Q, k)
                ref_d, ref_ids = _l2_reference(stable, Q, k)
                # Churn rows sit at distance >= 1e4: they can never be among these neighbours.
                np.testing.assert_array_equal(ids, ref_ids)
                np.testing.assert_allclose(scores, ref_d, rtol=(dim + 2) * U * 2, atol=1e-30)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(("search", t, repr(e)))

    def churner(t):
        r = np.random.default_rng(200 + t)
        try:
            barrier.wait()
            for it in range(25):
                first = 10**6 * (t + 1) + 100 * it
                rows = (1e4 * (t + 1) + r.standard_normal((40, dim))).astype(np.float32)
                ids = np.arange(first, first + 40)
                ix.add(rows, ids=ids)
                # Its own rows are present and the nearest to themselves (others are 1e4 away).
                got_scores, got = ix.search(rows[:8], 1)  # a batch: the tile path
                np.testing.assert_array_equal(got[:, 0], ids[:8])
                np.testing.assert_allclose(got_scores[:, 0], 0.0, atol=0)
                ix.remove(ids)
        except Exception as e:  # noqa: BLE001
            errors.append(("churn", t, repr(e)))

    threads = [threading.Thread(target=searcher, args=(t,)) for t in range(4)]
    threads += [threading.Thread(target=churner, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(ix) == 3000
    np.testing.assert_array_equal(np.sort(ix.ids()), np.arange(3000))


@pytest.mark.parametrize("path", [b"/nonexistent/\xff.ffidx", "/nonexistent/x.ffidx"])
def test_load_of_a_missing_path_is_file_not_found(path):
    with pytest.raises(FileNotFoundError, match="path: no such file"):
        ff.EmbeddingIndex.load(path)
