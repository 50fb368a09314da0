"""Merton, Black-76, Bachelier and the digitals: against mpmath at 40 digits, against each other
in the limits where they coincide, and the scalar fast paths of each."""

import math

import mpmath as mp
import numpy as np
import pytest
from test_finance import mp_black_scholes, wide_sample, worst_relative_error

from fuseflow.finance import bachelier, black76, black_scholes, digital, merton

mp.mp.dps = 40


def mp_bachelier(f, k, t, r, sigma, is_call):
    f, k, t, r, sigma = (mp.mpf(float(v)) for v in (f, k, t, r, sigma))
    df = mp.exp(-r * t)
    diff = (f - k) if is_call else (k - f)
    if t == 0:
        return df * max(diff, 0)
    s = sigma * mp.sqrt(t)
    d = diff / s
    return df * (diff * mp.ncdf(d) + s * mp.npdf(d))


def mp_digital(s, k, t, r, q, sigma, is_call, kind):
    s, k, t, r, q, sigma = (mp.mpf(float(v)) for v in (s, k, t, r, q, sigma))
    sq = sigma * mp.sqrt(t)
    d1 = (mp.log(s / k) + (r - q + sigma * sigma / 2) * t) / sq
    d2 = d1 - sq
    sign = 1 if is_call else -1
    if kind == "cash":
        return mp.exp(-r * t) * mp.ncdf(sign * d2)
    return s * mp.exp(-q * t) * mp.ncdf(sign * d1)


def test_merton_is_black_scholes_with_q_and_reduces_to_it_at_q_zero():
    rng = np.random.default_rng(21)
    s, k, t, r, q, sigma, is_call = wide_sample(rng, 5000)
    np.testing.assert_array_equal(
        merton.price(s, k, t, r, q, sigma, is_call), black_scholes.price(s, k, t, r, sigma, is_call, q=q)
    )
    np.testing.assert_array_equal(
        merton.call_price(s, k, t, r, 0.0, sigma), black_scholes.call_price(s, k, t, r, sigma)
    )
    expected = black_scholes.put_price(100.0, 90.0, 1.0, 0.03, 0.3, q=0.02)
    assert merton.put_price(100.0, 90.0, 1.0, 0.03, 0.02, 0.3) == expected


def test_black76_on_the_forward_is_black_scholes():
    # Black-Scholes with dividend yield q is Black-76 on F = S e^{(r-q)t}.
    rng = np.random.default_rng(22)
    s, k, t, r, q, sigma, is_call = wide_sample(rng, 2000)
    f = s * np.exp((r - q) * t)
    b76 = black76.price(f, k, t, r, sigma, is_call)
    ref = black_scholes.price(s, k, t, r, sigma, is_call, q=q)
    big = ref > 1e-8 * s
    np.testing.assert_allclose(b76[big], ref[big], rtol=1e-12)  # f carries one rounding of S e^{(r-q)t}
    # ... and at r = q, F = S: identical inputs, identical kernel path.
    np.testing.assert_array_equal(
        black76.call_price(s, k, t, 0.0, sigma), black_scholes.call_price(s, k, t, 0.0, sigma)
    )


def test_black76_matches_mpmath():
    rng = np.random.default_rng(23)
    s, k, t, r, _, sigma, is_call = wide_sample(rng, 1500)
    got = black76.price(s, k, t, r, sigma, is_call)
    # Black-76 on f is Black-Scholes on s = f with q = r.
    reference = [mp_black_scholes(f, kk, tt, rr, rr, v, c) for f, kk, tt, rr, v, c in zip(s, k, t, r, sigma, is_call)]
    worst, count = worst_relative_error(got, reference, s)
    print(f"black76 worst relative error {worst:.3g} over {count}")
    assert count > 900 and worst <= 1e-13


def test_bachelier_matches_mpmath_with_negative_forwards_and_strikes():
    rng = np.random.default_rng(24)
    n = 1500
    f = rng.uniform(-0.03, 0.06, n)
    k = rng.uniform(-0.03, 0.06, n)
    t = np.exp(rng.uniform(np.log(1 / 365), np.log(30.0), n))
    r = rng.uniform(-0.01, 0.05, n)
    sigma = np.exp(rng.uniform(np.log(1e-4), np.log(0.03), n))
    is_call = rng.random(n) < 0.5
    got = bachelier.price(f, k, t, r, sigma, is_call)
    reference = [mp_bachelier(*a) for a in zip(f, k, t, r, sigma, is_call)]
    # Relative to the option's own scale sigma sqrt(t) (no spot in the normal model).
    worst, count = worst_relative_error(got, reference, sigma * np.sqrt(t))
    print(f"bachelier worst relative error {worst:.3g} over {count}")
    assert count > 900 and worst <= 1e-13


def test_bachelier_parity_and_expiry():
    f = np.linspace(-0.02, 0.02, 41)
    call = bachelier.call_price(f, 0.001, 2.0, 0.01, 0.008)
    put = bachelier.put_price(f, 0.001, 2.0, 0.01, 0.008)
    np.testing.assert_allclose(call - put, math.exp(-0.02) * (f - 0.001), atol=1e-15)
    np.testing.assert_array_equal(bachelier.call_price(f, 0.0, 0.0, 0.05, 0.01), np.maximum(f, 0.0))
    assert type(bachelier.call_price(-0.01, -0.02, 1.0, 0.0, 0.01)) is float


@pytest.mark.parametrize("kind", ["cash", "asset"])
def test_digitals_match_mpmath(kind):
    rng = np.random.default_rng(25)
    s, k, t, r, q, sigma, is_call = wide_sample(rng, 1500)
    got = digital.price(s, k, t, r, sigma, is_call, q=q, kind=kind)
    reference = [mp_digital(*a, kind) for a in zip(s, k, t, r, q, sigma, is_call)]
    scale = np.ones_like(s) if kind == "cash" else s
    worst, count = worst_relative_error(got, reference, scale)
    print(f"digital {kind} worst relative error {worst:.3g} over {count}")
    assert count > 900 and worst <= 1e-13


def test_digitals_are_the_limit_of_call_spreads():
    s, k, t, r, q, sigma = 100.0, 105.0, 0.75, 0.03, 0.01, 0.25
    h = 1e-4

    def call(strike):
        return black_scholes.call_price(s, strike, t, r, sigma, q=q)

    def put(strike):
        return black_scholes.put_price(s, strike, t, r, sigma, q=q)

    spread = (call(k - h) - call(k + h)) / (2 * h)
    assert digital.cash_call_price(s, k, t, r, sigma, q=q) == pytest.approx(spread, rel=1e-7)
    put_spread = (put(k + h) - put(k - h)) / (2 * h)
    assert digital.cash_put_price(s, k, t, r, sigma, q=q) == pytest.approx(put_spread, rel=1e-7)
    # asset-or-nothing = vanilla + K * cash-or-nothing
    cash = digital.cash_call_price(s, k, t, r, sigma, q=q)
    assert digital.asset_call_price(s, k, t, r, sigma, q=q) == pytest.approx(call(k) + k * cash, rel=1e-14)


def test_digital_parity_names_and_expiry():
    s = np.linspace(50, 150, 21)
    cash = digital.cash_call_price(s, 100.0, 1.0, 0.02, 0.3) + digital.cash_put_price(s, 100.0, 1.0, 0.02, 0.3)
    np.testing.assert_allclose(cash, math.exp(-0.02), rtol=1e-15)
    np.testing.assert_array_equal(
        digital.call_price(s, 100.0, 1.0, 0.02, 0.3), digital.cash_call_price(s, 100.0, 1.0, 0.02, 0.3)
    )
    np.testing.assert_array_equal(
        digital.put_price(s, 100.0, 1.0, 0.02, 0.3, kind="asset"), digital.asset_put_price(s, 100.0, 1.0, 0.02, 0.3)
    )
    at_expiry = np.array([90.0, 100.0, 110.0])
    np.testing.assert_array_equal(digital.cash_call_price(at_expiry, 100.0, 0.0, 0.0, 0.2), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(digital.asset_put_price(at_expiry, 100.0, 0.0, 0.0, 0.2), [90.0, 50.0, 0.0])
    with pytest.raises(ValueError, match="kind: must be 'cash' or 'asset'"):
        digital.call_price(100.0, 100.0, 1.0, 0.0, 0.2, kind="barrier")


@pytest.mark.parametrize(
    "fn,args",
    [
        (merton.call_price, (100.0, 95.0, 1.0, 0.02, 0.01, 0.3)),
        (merton.price, (100.0, 95.0, 1.0, 0.02, 0.01, 0.3, False)),
        (black76.put_price, (100.0, 95.0, 1.0, 0.02, 0.3)),
        (bachelier.price, (0.01, 0.0, 1.0, 0.02, 0.01, True)),
        (digital.asset_price, (100.0, 95.0, 1.0, 0.02, 0.3, False)),
        (digital.cash_call_price, (100.0, 95.0, 1.0, 0.02, 0.3)),
    ],
)
def test_scalar_fast_paths_equal_the_array_path(fn, args):
    scalar = fn(*args)
    assert type(scalar) is float
    array = fn(np.array([args[0]]), *args[1:])
    assert scalar == array[0]


def test_forward_models_error_rules():
    with pytest.raises(ValueError, match=r"^f: must be > 0, got 0 at index 1 "):
        black76.call_price(np.array([1.0, 0.0]), 1.0, 1.0, 0.0, 0.2)
    with pytest.raises(ValueError, match=r"^f: must be finite"):
        bachelier.call_price(np.array([-1.0, np.inf]), 1.0, 1.0, 0.0, 0.2)
    # Bachelier takes zero and negative forwards and strikes.
    assert np.all(np.isfinite(bachelier.call_price(np.array([-1.0, 0.0]), -0.5, 1.0, 0.0, 0.2)))
    with pytest.raises(ValueError, match=r"^sigma: must be > 0, got 0$"):
        bachelier.put_price(0.0, 0.0, 1.0, 0.0, 0.0)
