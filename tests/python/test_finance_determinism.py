"""An option's price and greeks do not depend on where it sits in a batch: bitwise equal to
pricing it alone (the scalar path), in a shuffled batch, at any offset into the batch (a different
SIMD lane and a different partial tail vector), strided, and at any thread count.

The European kernel evaluates a SIMD vector of options at once and picks, per option, between a
Taylor series (one fixed order) and a direct erfcx difference. These tests draw
options on both sides of the branch split (s = sigma sqrt(t) around 0.71) and across the series
orders, then mix them in every vector, so a choice made per vector instead of per option (the
defect this guards against) changes last bits and fails the bitwise comparisons."""

import numpy as np
import pytest

import fuseflow as ff

fin = ff.finance


def mixed_options(rng, n):
    # sigma sqrt(t) spans the series orders (a = s / 2.83 from 0.003 to 0.25) and the direct
    # branch beyond; the moneyness spans deep in and out of the money.
    s_target = np.exp(rng.uniform(np.log(0.01), np.log(2.0), n))
    t = rng.uniform(0.05, 4.0, n)
    sigma = s_target / np.sqrt(t)
    spot = rng.uniform(50, 150, n)
    k = spot * np.exp(rng.uniform(-1.5, 1.5, n))
    r = rng.uniform(-0.02, 0.08, n)
    return spot, k, t, r, sigma


def models(spot, k, t, r, sigma, q):
    """(name, price(args..., is_call), greeks(args..., is_call)) for each European model."""
    return [
        ("black_scholes", lambda *a: fin.black_scholes.price(*a[:5], a[6], q=a[5]),
         lambda *a: fin.black_scholes.greeks(*a[:5], a[6], q=a[5])),
        ("black76", lambda *a: fin.black76.price(*a[:5], a[6]), lambda *a: fin.black76.greeks(*a[:5], a[6])),
        ("merton", lambda *a: fin.merton.price(*a[:4], a[5], a[4], a[6]),
         lambda *a: fin.merton.greeks(*a[:4], a[5], a[4], a[6])),
        ("bachelier", lambda *a: fin.bachelier.price(a[0], a[1], a[2], a[3], a[4] * a[0], a[6]),
         lambda *a: fin.bachelier.greeks(a[0], a[1], a[2], a[3], a[4] * a[0], a[6])),
    ]


@pytest.fixture
def batch(rng):
    n = 301  # odd: every offset leaves a partial tail vector
    spot, k, t, r, sigma = mixed_options(rng, n)
    q = rng.uniform(0.0, 0.05, n)
    is_call = rng.random(n) < 0.5
    return spot, k, t, r, sigma, q, is_call


def test_branch_mix_is_exercised(batch):
    spot, k, t, r, sigma, q, is_call = batch
    a = sigma * np.sqrt(t) / (2 * np.sqrt(2))
    # Both branches and every series order (bounds 0.012 .. 0.18, split 0.25) are present.
    for lo, hi in ((0, 0.012), (0.012, 0.034), (0.034, 0.076), (0.076, 0.12), (0.12, 0.18), (0.18, 0.25),
                   (0.25, np.inf)):
        assert ((a > lo) & (a <= hi)).sum() >= 5


@pytest.mark.parametrize("which", [0, 1, 2, 3])
def test_batch_equals_each_option_alone(batch, which):
    spot, k, t, r, sigma, q, is_call = batch
    name, price, _ = models(spot, k, t, r, sigma, q)[which]
    out = price(spot, k, t, r, sigma, q, is_call)
    alone = np.array([price(float(spot[i]), float(k[i]), float(t[i]), float(r[i]), float(sigma[i]), float(q[i]),
                            bool(is_call[i])) for i in range(spot.size)])
    np.testing.assert_array_equal(out, alone, err_msg=name)
    one_element = np.array([price(spot[i:i + 1], k[i:i + 1], t[i:i + 1], r[i:i + 1], sigma[i:i + 1], q[i:i + 1],
                                  is_call[i:i + 1])[0] for i in range(0, spot.size, 7)])
    np.testing.assert_array_equal(out[::7], one_element, err_msg=name)


@pytest.mark.parametrize("which", [0, 1, 2, 3])
def test_shuffle_offset_and_stride(batch, rng, which):
    spot, k, t, r, sigma, q, is_call = batch
    args = (spot, k, t, r, sigma, q, is_call)
    name, price, greeks = models(*args[:6])[which]
    out = price(*args)
    perm = rng.permutation(spot.size)
    np.testing.assert_array_equal(price(*(a[perm] for a in args)), out[perm], err_msg=name)
    for offset in range(1, 9):
        np.testing.assert_array_equal(price(*(a[offset:] for a in args)), out[offset:], err_msg=name)
    # Strided views go through the gather path.
    np.testing.assert_array_equal(price(*(a[::3] for a in args)), out[::3], err_msg=name)
    g = greeks(*args)
    g_perm = greeks(*(a[perm] for a in args))
    g_off = greeks(*(a[5:] for a in args))
    for key in g:
        np.testing.assert_array_equal(g_perm[key], g[key][perm], err_msg=f"{name} {key}")
        np.testing.assert_array_equal(g_off[key], g[key][5:], err_msg=f"{name} {key}")


def test_scalar_broadcast_equals_materialised(batch):
    spot, k, t, r, sigma, q, is_call = batch
    out = fin.black_scholes.call_price(100.0, k, 0.75, 0.03, sigma, q=0.01)
    full = fin.black_scholes.call_price(np.full_like(k, 100.0), k, np.full_like(k, 0.75), np.full_like(k, 0.03),
                                        sigma, q=np.full_like(k, 0.01))
    np.testing.assert_array_equal(out, full)


def test_thread_count_does_not_change_bits(rng):
    # Above the threading threshold (16,384 options), with the block split moving with the count.
    n = 70001
    spot, k, t, r, sigma = mixed_options(rng, n)
    is_call = rng.random(n) < 0.5
    before = ff.get_num_threads()
    try:
        ff.set_num_threads(1)
        one = fin.black_scholes.price(spot, k, t, r, sigma, is_call)
        g_one = fin.black_scholes.greeks(spot, k, t, r, sigma, is_call)
        ff.set_num_threads(max(2, before))
        many = fin.black_scholes.price(spot, k, t, r, sigma, is_call)
        g_many = fin.black_scholes.greeks(spot, k, t, r, sigma, is_call)
    finally:
        ff.set_num_threads(before)
    np.testing.assert_array_equal(one, many)
    for key in g_one:
        np.testing.assert_array_equal(g_one[key], g_many[key])
    sample = rng.choice(n, 50, replace=False)
    alone = [fin.black_scholes.price(float(spot[i]), float(k[i]), float(t[i]), float(r[i]), float(sigma[i]),
                                     bool(is_call[i])) for i in sample]
    np.testing.assert_array_equal(many[sample], alone)


def test_neighbours_across_the_branch_split(rng):
    # Options whose a = sigma sqrt(t) / (2 sqrt 2) lies just below the series/direct split (0.25)
    # or deep in the low-order series range, each alone among 15 neighbours on the other side:
    # a kernel choosing the branch or the series order per vector would price them differently
    # from the same option alone.
    n = 64
    a_probe = np.concatenate([rng.uniform(0.13, 0.25, n // 2), rng.uniform(0.002, 0.012, n // 2)])
    a_fill = np.where(a_probe > 0.1, rng.uniform(0.26, 0.6, n), rng.uniform(0.19, 0.25, n))
    t = 0.9
    probe_sigma = a_probe * 2 * np.sqrt(2) / np.sqrt(t)
    probe_k = 100 * np.exp(rng.uniform(-0.4, 0.4, n))
    for lane in (0, 3, 7, 13):
        sigma = np.repeat(a_fill * 2 * np.sqrt(2) / np.sqrt(t), 16).reshape(n, 16)
        sigma[:, lane] = probe_sigma
        k = np.full((n, 16), 100.0)
        k[:, lane] = probe_k
        out = fin.black_scholes.put_price(100.0, k.ravel(), t, 0.02, sigma.ravel(), q=0.01).reshape(n, 16)
        alone = [fin.black_scholes.put_price(100.0, float(probe_k[i]), t, 0.02, float(probe_sigma[i]), q=0.01)
                 for i in range(n)]
        np.testing.assert_array_equal(out[:, lane], alone)
        g = fin.black_scholes.greeks(100.0, k.ravel(), t, 0.02, sigma.ravel(), q=0.01)
        g_alone = fin.black_scholes.greeks(100.0, probe_k, t, 0.02, probe_sigma, q=0.01)
        for key in g:
            np.testing.assert_array_equal(g[key].reshape(n, 16)[:, lane], g_alone[key])


def test_streamed_large_batch_equals_small_batches():
    # From 2**19 options on, results leave through streaming (non-temporal) stores; a large batch
    # with a partial tail vector must hold exactly what the same options give in small batches
    # (plain stores), for the price and for all nine greeks, on every thread count.
    rng = np.random.default_rng(23)
    n = (1 << 19) + 13
    spot, k, t, r, sigma = mixed_options(rng, n)
    is_call = rng.random(n) < 0.5
    chunks = [slice(i, min(i + 50_000, n)) for i in range(0, n, 50_000)]
    want_price = np.concatenate([fin.black_scholes.price(spot[c], k[c], t[c], r[c], sigma[c], is_call[c])
                                 for c in chunks])
    want_greeks = [fin.black_scholes.greeks(spot[c], k[c], t[c], r[c], sigma[c], is_call[c]) for c in chunks]
    saved = ff.get_num_threads()
    try:
        for threads in sorted({1, saved}):
            ff.set_num_threads(threads)
            np.testing.assert_array_equal(fin.black_scholes.price(spot, k, t, r, sigma, is_call), want_price)
            got = fin.black_scholes.greeks(spot, k, t, r, sigma, is_call)
            for key in want_greeks[0]:
                np.testing.assert_array_equal(got[key], np.concatenate([g[key] for g in want_greeks]), err_msg=key)
    finally:
        ff.set_num_threads(saved)


def test_greeks_with_scalar_zero_dividend_equal_an_array_of_zeros(rng):
    # q given as the scalar 0 skips e^{-qt} (it is exactly 1); the results must be bitwise those of
    # q as an array of zeros, which takes the exponential.
    spot, k, t, r, sigma = mixed_options(rng, 4099)
    is_call = rng.random(4099) < 0.5
    scalar = fin.black_scholes.greeks(spot, k, t, r, sigma, is_call)
    array = fin.black_scholes.greeks(spot, k, t, r, sigma, is_call, q=np.zeros(4099))
    for key in scalar:
        np.testing.assert_array_equal(scalar[key], array[key], err_msg=key)
