"""The recycled-memory cache of large results (core/block_cache.h).

A large result's block returns to the cache when NumPy frees the array and serves the next result
of its size: the values are the computation's, never the stale contents of the block; the cache
is bounded, can be emptied, and FUSEFLOW_MEMORY_CACHE_MB=0 turns it off.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import fuseflow as ff


def test_recycled_blocks_hold_the_new_results():
    n = 1 << 18  # 2 MB of float64: above the cache's 512 KB minimum
    f = ff.jit(lambda a: ff.cumsum(a * 1.0))
    g = ff.jit(lambda a: a + 1.0)
    rng = np.random.default_rng(21)
    ff.clear_memory_cache()
    hits = ff.memory_cache_info()["hits"]
    for _ in range(4):
        x = rng.standard_normal(n)
        stale = g(x)
        stale[:] = np.nan  # the block the next result gets back
        del stale
        assert ff.memory_cache_info()["blocks"] >= 1
        np.testing.assert_allclose(f(x), np.cumsum(x), rtol=1e-12, atol=1e-9)
        np.testing.assert_array_equal(g(x), x + 1.0)
    assert ff.memory_cache_info()["hits"] >= hits + 8
    info = ff.memory_cache_info()
    assert 0 < info["bytes"] <= info["limit_bytes"] == 256 << 20
    ff.clear_memory_cache()
    assert ff.memory_cache_info()["blocks"] == 0 and ff.memory_cache_info()["bytes"] == 0


def test_pricing_outputs_share_the_cache():
    n = 1 << 17  # at least 2^16 options: priced into cached blocks
    s = np.full(n, 100.0)
    ff.clear_memory_cache()
    first = ff.finance.black_scholes.call_price(s, 100.0, 1.0, 0.01, 0.2)
    want = first.copy()
    first[:] = -1.0
    del first
    assert ff.memory_cache_info()["blocks"] == 1
    again = ff.finance.black_scholes.call_price(s, 100.0, 1.0, 0.01, 0.2)
    assert ff.memory_cache_info()["blocks"] == 0  # the same block came back
    np.testing.assert_array_equal(again, want)


def test_a_dropped_array_over_half_the_limit_is_freed_at_once():
    # 400 MB of float64 (the limit is 256 MB): its memory leaves the process when it is dropped.
    rss = lambda: int([s for s in open("/proc/self/status") if s.startswith("VmRSS")][0].split()[1]) // 1024
    f = ff.jit(lambda a: a * 2.0)
    x = np.ones(50_000_000)
    before = rss()
    y = f(x)
    assert y[-1] == 2.0 and rss() - before > 300
    del y
    assert rss() - before < 50
    assert ff.memory_cache_info()["bytes"] <= 128 << 20


def test_limit_zero_turns_the_cache_off():
    code = (
        "import numpy as np, fuseflow as ff\n"
        "f = ff.jit(lambda a: a * 2.0)\n"
        "x = np.ones(1 << 18)\n"
        "for _ in range(3): f(x)\n"
        "i = ff.memory_cache_info()\n"
        "print(i['limit_bytes'], i['blocks'], i['hits'])\n"
    )
    env = dict(os.environ, FUSEFLOW_MEMORY_CACHE_MB="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["0", "0", "0"]
    env["FUSEFLOW_MEMORY_CACHE_MB"] = "64"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    limit, blocks, hits = map(int, out.stdout.split())
    assert limit == 64 << 20 and blocks == 1 and hits == 2


def test_eager_array_ops_return_recycled_blocks_with_their_own_results():
    rng = np.random.default_rng(22)
    x = rng.standard_normal((512, 600))  # 2.4 MB: above the cache's minimum
    idx = rng.integers(0, 512, 700)
    for _ in range(3):
        for stale in (ff.cumsum(x, axis=1), ff.sort(x, axis=0), ff.take(x, idx, axis=0), ff.argsort(x, axis=1)):
            stale[...] = 7  # overwrite the blocks the next results get back
            del stale
        np.testing.assert_allclose(ff.cumsum(x, axis=1), np.cumsum(x, axis=1), rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(ff.sort(x, axis=0), np.sort(x, axis=0))
        np.testing.assert_array_equal(ff.take(x, idx, axis=0), np.take(x, idx, axis=0))
        np.testing.assert_array_equal(ff.argsort(x, axis=1), np.argsort(x, axis=1, kind="stable"))
    assert ff.memory_cache_info()["hits"] > 0


def test_cached_empty_rules():
    a = ff._core.cached_empty((300, 400), np.float32)
    assert a.shape == (300, 400) and a.dtype == np.float32 and a.flags.c_contiguous and a.flags.writeable
    a[...] = 1.5
    assert a.sum() == 1.5 * a.size
    with pytest.raises(ValueError, match="dtype: must be a fixed-size dtype without object references"):
        ff._core.cached_empty((3,), object)
    with pytest.raises(TypeError):
        ff._core.cached_empty((-1,), np.float64)
    with pytest.raises(ValueError, match="shape: the array would not fit in memory"):
        ff._core.cached_empty((1 << 40, 1 << 40), np.float64)
