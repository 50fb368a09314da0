"""ff.EmbeddingIndex against brute-force NumPy (float64 references, float32 tolerances)."""

import functools

import numpy as np
import pytest

import fuseflow as ff

METRICS = ["cosine", "dot", "l2"]


def brute_force(db, ids, queries, metric, k):
    """Reference: float64 scores, ranked by (score desc | distance asc, id asc)."""
    db = np.asarray(db, dtype=np.float64)
    q = np.atleast_2d(np.asarray(queries, dtype=np.float64))
    if metric == "dot":
        s = q @ db.T
    elif metric == "cosine":
        s = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (db / np.linalg.norm(db, axis=1, keepdims=True)).T
    else:
        s = -(((q[:, None, :] - db[None, :, :]) ** 2).sum(-1))
    out_s, out_i = [], []
    for row in s:
        order = np.lexsort((ids, -row))[:k]
        out_s.append(row[order] if metric != "l2" else -row[order])
        out_i.append(ids[order])
    return np.array(out_s), np.array(out_i)


def check_matches(scores, ids, ref_s, ref_i, metric, db_by_id=None):
    """Same ranking as the reference, allowing swaps only between near-equal scores."""
    assert scores.shape == ref_s.shape and ids.shape == ref_i.shape
    assert scores.dtype == np.float32 and ids.dtype == np.int64
    tol = 1e-4 * (1 + np.abs(ref_s).max())
    np.testing.assert_allclose(scores, ref_s, rtol=0, atol=tol)
    mismatch = ids != ref_i
    # A different id is acceptable only where the reference scores are within rounding.
    assert np.all(np.abs(scores[mismatch] - ref_s[mismatch]) <= tol)
    assert mismatch.mean() < 0.05


@pytest.fixture
def data():
    rng = np.random.default_rng(42)
    return rng.standard_normal((300, 40)).astype(np.float32), rng.standard_normal((9, 40)).astype(np.float32)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("prefilter", [True, False])
def test_single_and_batch_match_brute_force(data, metric, prefilter):
    db, qs = data
    idx = ff.EmbeddingIndex(dim=40, metric=metric)
    idx.add(db)
    idx._native._set_prefilter(prefilter)  # False: the plain float32 scan and float32 tiles
    ids = np.arange(300)
    ref_s, ref_i = brute_force(db, ids, qs, metric, 10)
    s, i = idx.search(qs, k=10)  # batch path
    assert s.shape == (9, 10)
    check_matches(s, i, ref_s, ref_i, metric)
    for q in range(9):  # single-query path: 1-D in, 1-D out
        s1, i1 = idx.search(qs[q], k=10)
        assert s1.shape == (10,) and i1.shape == (10,)
        check_matches(s1, i1, ref_s[q], ref_i[q], metric)


@pytest.mark.parametrize("metric", METRICS)
def test_large_single_query_uses_all_blocks(metric):
    # Enough rows for several threads and several scan blocks, with a dim that needs padding.
    rng = np.random.default_rng(1)
    db = rng.standard_normal((5000, 37)).astype(np.float32)
    q = rng.standard_normal(37).astype(np.float32)
    idx = ff.EmbeddingIndex(37, metric)
    idx.add(db)
    ref_s, ref_i = brute_force(db, np.arange(5000), q, metric, 25)
    s, i = idx.search(q, k=25)
    check_matches(s, i, ref_s[0], ref_i[0], metric)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("prefilter", [True, False])
def test_search_after_remove_and_compaction(data, metric, prefilter):
    db, qs = data
    idx = ff.EmbeddingIndex(40, metric)
    idx._native._set_prefilter(prefilter)
    idx.add(db, ids=np.arange(1000, 1300))
    idx.remove([1000, 1007, 1299])  # few: tombstones
    keep = np.setdiff1d(np.arange(300), [0, 7, 299])
    assert len(idx) == 297
    np.testing.assert_array_equal(idx.ids(), keep + 1000)
    ref = brute_force(db[keep], keep + 1000, qs, metric, 8)
    check_matches(*idx.search(qs, k=8), *ref, metric)
    check_matches(*idx.search(qs[0], k=8), ref[0][0], ref[1][0], metric)
    gone = np.arange(1000, 1150)  # many (>= 1/4 dead): compaction
    idx.remove(np.setdiff1d(gone, [1000, 1007]))
    keep = np.arange(150, 299)
    assert len(idx) == keep.size
    np.testing.assert_array_equal(idx.ids(), keep + 1000)
    ref = brute_force(db[keep], keep + 1000, qs, metric, 8)
    check_matches(*idx.search(qs, k=8), *ref, metric)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("use_mmap", [False, True])
def test_save_load_round_trip(tmp_path, data, metric, use_mmap):
    db, qs = data
    idx = ff.EmbeddingIndex(40, metric)
    idx.add(db, ids=np.arange(300) * 3)
    idx.remove([0, 3])
    path = tmp_path / "vectors.ffidx"
    idx.save(path)
    back = ff.EmbeddingIndex.load(path, mmap=use_mmap)
    assert (back.dim, back.metric, len(back)) == (40, metric, 298)
    np.testing.assert_array_equal(back.ids(), idx.ids())
    for a, b in zip(idx.search(qs, k=5), back.search(qs, k=5)):
        np.testing.assert_array_equal(a, b)
    ref = brute_force(db[2:], np.arange(2, 300) * 3, qs, metric, 5)
    check_matches(*back.search(qs, k=5), *ref, metric)
    # A mapped index copies itself on the first change and keeps working.
    back.add(db[:2], ids=[0, 3])
    back.remove([6])
    assert len(back) == 299


def test_save_over_the_file_a_mapped_index_reads(tmp_path, data):
    db, qs = data
    idx = ff.EmbeddingIndex(40, "dot")
    idx.add(db)
    path = tmp_path / "v.ffidx"
    idx.save(path)
    mapped = ff.EmbeddingIndex.load(path, mmap=True)
    expected = mapped.search(qs, k=5)
    mapped.save(path)  # replaces the file it maps: must not invalidate its own pages
    idx.add(db[:3] * 2, ids=[1000, 1001, 1002])
    idx.save(path)
    for a, b in zip(mapped.search(qs, k=5), expected):
        np.testing.assert_array_equal(a, b)
    assert len(ff.EmbeddingIndex.load(path)) == 303
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.ffidx"]  # no temporary left behind


def test_save_load_empty_index(tmp_path):
    idx = ff.EmbeddingIndex(8, "dot")
    idx.save(tmp_path / "e.ffidx")
    back = ff.EmbeddingIndex.load(tmp_path / "e.ffidx", mmap=True)
    assert len(back) == 0
    s, i = back.search(np.ones(8, np.float32), k=3)
    assert s.shape == (0,) and i.shape == (0,)


def test_cosine_rows_are_normalised_at_insert():
    idx = ff.EmbeddingIndex(3, "cosine")
    idx.add(np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 2.0]]))
    np.testing.assert_allclose(idx._native.vectors(), [[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]], rtol=1e-6)
    s, i = idx.search(np.array([0.0, 0.0, 5.0]), k=2)
    np.testing.assert_allclose(s, [1.0, 0.0], atol=1e-6)
    np.testing.assert_array_equal(i, [1, 0])


def test_ties_break_by_smaller_id():
    idx = ff.EmbeddingIndex(4, "dot")
    v = np.tile(np.array([1.0, 2.0, 3.0, 4.0], np.float32), (6, 1))
    idx.add(v, ids=[50, 10, 40, 20, 30, 60])
    idx._native._set_batch_min_queries(2)  # v[:5] takes the tile path
    for queries in (v[0], v[:5]):  # single path and batch path
        s, i = idx.search(queries, k=4)
        np.testing.assert_array_equal(np.atleast_2d(i)[-1], [10, 20, 30, 40])
        assert np.all(s == 30.0)


def test_k_larger_than_size_returns_everything():
    rng = np.random.default_rng(3)
    db = rng.standard_normal((5, 6)).astype(np.float32)
    idx = ff.EmbeddingIndex(6, "l2")
    idx.add(db)
    s, i = idx.search(db[2], k=100)
    assert s.shape == (5,) and i[0] == 2 and s[0] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(s) >= 0)  # l2 distances ascending
    idx._native._set_batch_min_queries(2)
    s2, i2 = idx.search(db[:3], k=100)
    assert s2.shape == (3, 5)
    assert sorted(i2[1].tolist()) == [0, 1, 2, 3, 4]


def test_remove_everything_then_reuse(data):
    db, qs = data
    idx = ff.EmbeddingIndex(40, "cosine")
    idx.add(db)
    idx.remove(idx.ids())
    assert len(idx) == 0
    s, i = idx.search(qs, k=3)
    assert s.shape == (9, 0) and i.shape == (9, 0)
    idx.add(db[:5])
    ref_s, ref_i = brute_force(db[:5], np.arange(5), qs, "cosine", 3)
    check_matches(*idx.search(qs, k=3), ref_s, ref_i, "cosine")


def test_default_ids_continue_from_largest():
    idx = ff.EmbeddingIndex(2, "dot")
    idx.add(np.ones((2, 2)), ids=[7, 3])
    idx.add(np.ones((2, 2)))
    np.testing.assert_array_equal(idx.ids(), [7, 3, 8, 9])
    idx.remove([8, 9])
    idx.add(np.ones((1, 2)))
    np.testing.assert_array_equal(idx.ids(), [7, 3, 8])


def test_float64_and_strided_inputs_are_read_directly():
    rng = np.random.default_rng(4)
    db = rng.standard_normal((50, 32))
    idx = ff.EmbeddingIndex(16, "dot")
    idx.add(db[:, ::2])  # non-contiguous float64
    q = db[3, ::2]
    ref_s, ref_i = brute_force(db[:, ::2], np.arange(50), q, "dot", 5)
    s, i = idx.search(q, k=5)
    check_matches(s, i, ref_s[0], ref_i[0], "dot")
    s2, i2 = idx.search(np.asfortranarray(db[:4, ::2]), k=5)
    check_matches(s2[3], i2[3], ref_s[0], ref_i[0], "dot")
    s3, _ = idx.search(q.tolist(), k=5)  # a Python list works too
    np.testing.assert_array_equal(s3, s)


def test_small_batches_below_the_tile_threshold_match_single_queries(data):
    db, qs = data
    idx = ff.EmbeddingIndex(40, "dot")
    idx.add(db)
    s, i = idx.search(qs[:3], k=4)
    assert s.shape == (3, 4)
    for row in range(3):
        s1, i1 = idx.search(qs[row], k=4)
        np.testing.assert_array_equal(i[row], i1)
        np.testing.assert_array_equal(s[row], s1)


def test_repr_and_properties():
    idx = ff.EmbeddingIndex(dim=12, metric="l2")
    assert (idx.dim, idx.metric, len(idx), idx.dtype) == (12, "l2", 0, np.float32)
    assert "dim=12" in repr(idx)


# ---- errors: one test per rule -------------------------------------------------------------

def test_error_bad_dim():
    with pytest.raises(ValueError, match="dim"):
        ff.EmbeddingIndex(0)


def test_error_bad_metric():
    with pytest.raises(ValueError, match="metric"):
        ff.EmbeddingIndex(4, metric="manhattan")


def test_error_bad_dtype():
    with pytest.raises(ValueError, match="dtype"):
        ff.EmbeddingIndex(4, dtype="float16")


def test_error_add_dimension_mismatch():
    idx = ff.EmbeddingIndex(4, "dot")
    with pytest.raises(ValueError, match="vectors: must have dim=4"):
        idx.add(np.ones((2, 5), np.float32))


def test_error_add_not_2d():
    with pytest.raises(ValueError, match="vectors: must be 2-D"):
        ff.EmbeddingIndex(4, "dot").add(np.ones(4, np.float32))


def test_error_add_wrong_dtype():
    with pytest.raises(TypeError, match="vectors"):
        ff.EmbeddingIndex(4, "dot").add(np.ones((2, 4), np.int32))


def test_error_search_dimension_mismatch():
    idx = ff.EmbeddingIndex(4, "dot")
    idx.add(np.ones((2, 4)))
    with pytest.raises(ValueError, match="queries: must have dim=4"):
        idx.search(np.ones(3, np.float32))


def test_error_queries_not_1d_or_2d():
    idx = ff.EmbeddingIndex(4, "dot")
    idx.add(np.ones((2, 4)))
    with pytest.raises(ValueError, match="queries: must be 1-D .* or 2-D"):
        idx.search(np.ones((2, 2, 4), np.float32))


def test_error_queries_wrong_dtype():
    idx = ff.EmbeddingIndex(4, "dot")
    idx.add(np.ones((2, 4)))
    with pytest.raises(TypeError, match="queries: must be a float32 or float64 array"):
        idx.search(np.ones(4, np.int64))


@pytest.mark.parametrize("k", [0, -3])
def test_error_k_not_positive(k):
    idx = ff.EmbeddingIndex(4, "dot")
    idx.add(np.ones((2, 4)))
    with pytest.raises(ValueError, match="k: must be >= 1"):
        idx.search(np.ones(4, np.float32), k=k)


def test_error_k_not_integer():
    idx = ff.EmbeddingIndex(4, "dot")
    with pytest.raises(TypeError, match="k"):
        idx.search(np.ones(4, np.float32), k=2.5)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_error_non_finite_vectors(bad):
    idx = ff.EmbeddingIndex(3, "dot")
    v = np.ones((4, 3))
    v[2, 1] = bad
    with pytest.raises(ValueError, match=r"vectors: must contain only finite values.*\[2, 1\]"):
        idx.add(v)
    assert len(idx) == 0  # nothing was added


def test_error_float64_overflowing_float32_is_non_finite():
    with pytest.raises(ValueError, match="vectors: must contain only finite"):
        ff.EmbeddingIndex(2, "dot").add(np.array([[1e300, 1.0]]))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_error_non_finite_queries(bad):
    idx = ff.EmbeddingIndex(3, "dot")
    idx.add(np.ones((4, 3)))
    q = np.ones(3, np.float32)
    q[0] = bad
    with pytest.raises(ValueError, match="queries: must contain only finite"):
        idx.search(q)


def test_error_zero_norm_vector_with_cosine():
    idx = ff.EmbeddingIndex(3, "cosine")
    with pytest.raises(ValueError, match="vectors: row 1 has zero norm"):
        idx.add(np.array([[1.0, 0, 0], [0, 0, 0]]))
    assert len(idx) == 0


def test_error_zero_norm_query_with_cosine():
    idx = ff.EmbeddingIndex(3, "cosine")
    idx.add(np.eye(3))
    with pytest.raises(ValueError, match="queries: query 0 has zero norm"):
        idx.search(np.zeros(3))


def test_zero_vectors_are_fine_for_dot_and_l2():
    for metric in ("dot", "l2"):
        idx = ff.EmbeddingIndex(3, metric)
        idx.add(np.zeros((2, 3)))
        assert idx.search(np.zeros(3), k=1)[0][0] == 0.0


def test_error_duplicate_ids_within_add():
    idx = ff.EmbeddingIndex(2, "dot")
    with pytest.raises(ValueError, match="ids: duplicate id 5"):
        idx.add(np.ones((3, 2)), ids=[5, 6, 5])
    assert len(idx) == 0


def test_error_duplicate_id_already_present():
    idx = ff.EmbeddingIndex(2, "dot")
    idx.add(np.ones((2, 2)), ids=[1, 2])
    with pytest.raises(ValueError, match="ids: id 2 is already in the index"):
        idx.add(np.ones((1, 2)), ids=[2])


def test_error_ids_length_mismatch():
    with pytest.raises(ValueError, match="ids: must have one id per vector"):
        ff.EmbeddingIndex(2, "dot").add(np.ones((3, 2)), ids=[1, 2])


def test_error_empty_ids_for_vectors():
    with pytest.raises(ValueError, match="ids: must have one id per vector"):
        ff.EmbeddingIndex(2, "dot").add(np.ones((3, 2)), ids=[])


def test_error_ids_not_integers():
    with pytest.raises(TypeError, match="ids"):
        ff.EmbeddingIndex(2, "dot").add(np.ones((2, 2)), ids=[1.5, 2.5])


def test_error_remove_unknown_id():
    idx = ff.EmbeddingIndex(2, "dot")
    idx.add(np.ones((3, 2)))
    with pytest.raises(ValueError, match="ids: unknown id 9"):
        idx.remove([0, 9])
    assert len(idx) == 3  # nothing removed


def test_error_remove_duplicate_ids():
    idx = ff.EmbeddingIndex(2, "dot")
    idx.add(np.ones((3, 2)))
    with pytest.raises(ValueError, match="ids: duplicate id 1"):
        idx.remove([1, 1])


def test_error_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="path"):
        ff.EmbeddingIndex.load(tmp_path / "missing.ffidx")


def _saved(tmp_path, n=20, dim=8):
    idx = ff.EmbeddingIndex(dim, "l2")
    idx.add(np.random.default_rng(0).standard_normal((n, dim)))
    path = tmp_path / "x.ffidx"
    idx.save(path)
    return path, path.read_bytes()


@pytest.mark.parametrize("use_mmap", [False, True])
@pytest.mark.parametrize("cut", [0, 10, 63, 64, 500, -1])
def test_error_load_truncated(tmp_path, use_mmap, cut):
    path, raw = _saved(tmp_path)
    path.write_bytes(raw[:cut] if cut >= 0 else raw[:-1])
    with pytest.raises(ValueError, match="path"):
        ff.EmbeddingIndex.load(path, mmap=use_mmap)


@pytest.mark.parametrize("use_mmap", [False, True])
def test_error_load_corrupted_payload(tmp_path, use_mmap):
    path, raw = _saved(tmp_path)
    for offset in (64, 200, len(raw) - 3):  # vectors and ids
        bad = bytearray(raw)
        bad[offset] ^= 0x01
        path.write_bytes(bytes(bad))
        with pytest.raises(ValueError, match="checksum"):
            ff.EmbeddingIndex.load(path, mmap=use_mmap)


@pytest.mark.parametrize("offset,what", [(0, "magic"), (8, "version"), (12, "metric"), (16, "dim"),
                                         (32, "size"), (40, "checksum")])
def test_error_load_corrupted_header(tmp_path, offset, what):
    path, raw = _saved(tmp_path)
    bad = bytearray(raw)
    bad[offset] ^= 0x40
    path.write_bytes(bytes(bad))
    with pytest.raises(ValueError, match=what):
        ff.EmbeddingIndex.load(path)


def test_error_load_garbage(tmp_path):
    path = tmp_path / "g.ffidx"
    path.write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(ValueError, match="path"):
        ff.EmbeddingIndex.load(path)


def test_error_save_to_bad_path(tmp_path):
    idx = ff.EmbeddingIndex(2, "dot")
    with pytest.raises(ValueError, match="path: cannot open"):
        idx.save(tmp_path / "no_such_dir" / "x.ffidx")


# ---- int8 prefilter: must give exactly the full float32 scan's results ---------------------

@functools.lru_cache(maxsize=1)
def _prefilter_cases():
    rng = np.random.default_rng(7)
    normal = rng.standard_normal((3000, 64)).astype(np.float32)
    centre = rng.standard_normal(64)
    clustered = (centre + 1e-3 * rng.standard_normal((3000, 64))).astype(np.float32)  # near-duplicates
    spiky = rng.standard_normal((3000, 64)).astype(np.float32)
    spiky[:, 0] *= 1e4  # one huge component: coarse int8 scale for the rest
    dup = np.repeat(rng.standard_normal((300, 64)), 10, axis=0).astype(np.float32)  # exact ties
    return {"normal": normal, "clustered": clustered, "spiky": spiky, "duplicates": dup}


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("case", ["normal", "clustered", "spiky", "duplicates"])
def test_prefilter_equals_full_scan(metric, case):
    db = _prefilter_cases()[case]
    rng = np.random.default_rng(8)
    idx = ff.EmbeddingIndex(64, metric)
    idx.add(db)
    idx.remove(np.arange(0, 3000, 7))  # tombstones inside every block
    queries = [db[5] + np.float32(1e-4), rng.standard_normal(64).astype(np.float32), db[10],
               1e-3 * rng.standard_normal(64).astype(np.float32), 1e3 * db[20]]  # bounds scale with |q|
    batch = np.stack(queries)
    idx._native._set_batch_min_queries(2)  # the 5 queries take the tile path
    for k in (1, 10, 50):
        idx._native._set_prefilter(True)
        s_batch, i_batch = idx.search(batch, k)  # batch prefilter (int8 tiles)
        for row, q in enumerate(queries):
            idx._native._set_prefilter(True)
            s_pre, i_pre = idx.search(q, k)
            idx._native._set_prefilter(False)
            s_full, i_full = idx.search(q, k)  # the plain float32 scan
            np.testing.assert_array_equal(i_pre, i_full)
            np.testing.assert_array_equal(s_pre, s_full)
            np.testing.assert_array_equal(i_batch[row], i_full)
            np.testing.assert_array_equal(s_batch[row], s_full)
    idx._native._set_prefilter(True)
    keep = np.setdiff1d(np.arange(3000), np.arange(0, 3000, 7))
    ref_s, ref_i = brute_force(db[keep], keep, queries[1], metric, 10)
    s, i = idx.search(queries[1], 10)
    np.testing.assert_allclose(s, ref_s[0], rtol=1e-4, atol=1e-3 * (1 + np.abs(ref_s).max()))


def test_prefilter_is_used_and_prunes_on_random_data():
    rng = np.random.default_rng(9)
    idx = ff.EmbeddingIndex(256, "dot")
    idx.add(rng.standard_normal((4000, 256)).astype(np.float32))
    if not idx._native._prefilter_active(10):
        pytest.skip("no native int8 dot product on this CPU: the full scan is used")
    idx.search(rng.standard_normal(256).astype(np.float32), 10)
    rescored = idx._native._last_rescored_rows
    assert 10 <= rescored < 4000 // 2
    idx.search(rng.standard_normal((8, 256)).astype(np.float32), 10)
    assert 8 * 10 <= idx._native._last_rescored_rows < 8 * 4000 // 2


def test_concurrent_searches_and_adds_from_threads():
    # search releases the GIL; add/remove take the index exclusively, so this must not crash
    # and every search must see a consistent index.
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(10)
    base = rng.standard_normal((400, 32)).astype(np.float32)
    idx = ff.EmbeddingIndex(32, "dot")
    idx.add(base)
    q = base[3]
    expected_top = idx.search(q, 1)[1][0]

    def searcher(_):
        for _ in range(40):
            s, i = idx.search(q, 5)
            assert i[0] == expected_top and np.all(np.diff(s) <= 0)
        return True

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(searcher, n) for n in range(3)]
        for j in range(20):  # far from q: never outranks the exact match
            idx.add(-np.abs(rng.standard_normal((5, 32))).astype(np.float32) * np.sign(q) * 0.01)
        assert all(f.result() for f in futures)
    assert len(idx) == 500


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_prefilter_bounds_hold_for_adversarial_rounding(metric, scale):
    # Rows whose int8 rounding errors are all +0.499 steps, aligned with an all-positive query,
    # make the int8 estimate miss their score by nearly the worst-case bound; "exact" rows on
    # the int8 grid sit between estimate and truth. An interval that is too narrow anywhere
    # prunes the true winners, so the prefiltered result would differ from the full scan.
    rng = np.random.default_rng(11)
    dim, n = 64, 300
    m = rng.integers(0, 100, size=(n, dim)).astype(np.float64)
    db = m / 127.0
    db[:, 0] = 1.0  # max |value| = 1, so the int8 scale is exactly 1/127
    aligned = np.arange(n) % 2 == 0
    db[aligned, 1:] += 0.499 / 127.0
    db[~aligned, 1:4] += 3 / 127.0  # grid rows, a little ahead of the aligned rows' estimates
    idx = ff.EmbeddingIndex(dim, metric)
    idx.add(db.astype(np.float32))
    q = np.full(dim, scale, np.float32)
    for k in (1, 5, 18):
        assert idx._native._prefilter_active(k) or not idx._native._prefilter_active(1)
        idx._native._set_prefilter(True)
        s_pre, i_pre = idx.search(q, k)
        idx._native._set_batch_min_queries(2)
        s_bat, i_bat = idx.search(np.stack([q, q]), k)
        idx._native._set_prefilter(False)
        s_full, i_full = idx.search(q, k)
        np.testing.assert_array_equal(i_pre, i_full)
        np.testing.assert_array_equal(s_pre, s_full)
        np.testing.assert_array_equal(i_bat[1], i_full)
