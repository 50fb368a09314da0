"""implied_volatility of black_scholes / merton / black76 / bachelier: the model wrappers around
the forward solvers of fuseflow.finance._implied (discounting, forwards, shapes, error routing).
The solvers themselves are tested in test_finance_implied_vol.py."""

import math

import numpy as np
import pytest

from fuseflow.finance import bachelier, black76, black_scholes, merton


def _grid(seed, n=2000):
    rng = np.random.default_rng(seed)
    k = rng.uniform(50, 150, n)
    s = k * np.exp(rng.uniform(-0.4, 0.4, n))
    t = np.exp(rng.uniform(np.log(0.02), np.log(10.0), n))
    r = rng.uniform(-0.02, 0.1, n)
    q = rng.uniform(-0.02, 0.08, n)
    sigma = rng.uniform(0.05, 1.0, n)
    is_call = rng.random(n) < 0.5
    return s, k, t, r, q, sigma, is_call


def _solvable(price, vega, scale):
    # Options whose price carries enough information about sigma: a relative price error of
    # 1e-15 moves sigma by price * 1e-15 / vega; keep those where that is below 1e-11 (and whose
    # price has not underflowed to nothing: above 1e-12 of the option's scale).
    return (price > 1e-12 * scale) & (price * 1e-15 / np.maximum(vega, 1e-300) < 1e-11)


def test_black_scholes_round_trip():
    s, k, t, r, q, sigma, is_call = _grid(1)
    price = black_scholes.price(s, k, t, r, sigma, is_call, q=q)
    vega = black_scholes.greeks(s, k, t, r, sigma, is_call, q=q)["vega"]
    got = black_scholes.implied_volatility(price, s, k, t, r, is_call, q=q)
    ok = _solvable(price, vega, k)
    assert ok.sum() > 1800
    assert np.nanmax(np.abs(got[ok] - sigma[ok])) <= 1e-10
    assert not np.any(np.isnan(got[ok]))


def test_merton_equals_black_scholes_with_q():
    s, k, t, r, q, sigma, is_call = _grid(2, 300)
    price = merton.price(s, k, t, r, q, sigma, is_call)
    np.testing.assert_array_equal(
        merton.implied_volatility(price, s, k, t, r, q, is_call),
        black_scholes.implied_volatility(price, s, k, t, r, is_call, q=q),
    )


def test_black76_round_trip():
    s, k, t, r, _, sigma, is_call = _grid(3)
    price = black76.price(s, k, t, r, sigma, is_call)
    vega = black76.greeks(s, k, t, r, sigma, is_call)["vega"]
    got = black76.implied_volatility(price, s, k, t, r, is_call)
    ok = _solvable(price, vega, k)
    assert np.nanmax(np.abs(got[ok] - sigma[ok])) <= 1e-10


def test_bachelier_round_trip_with_negative_rates():
    rng = np.random.default_rng(4)
    n = 2000
    f = rng.uniform(-0.02, 0.05, n)
    k = rng.uniform(-0.02, 0.05, n)
    t = rng.uniform(0.1, 10.0, n)
    r = rng.uniform(-0.01, 0.05, n)
    sigma = rng.uniform(0.001, 0.02, n)
    is_call = rng.random(n) < 0.5
    price = bachelier.price(f, k, t, r, sigma, is_call)
    vega = bachelier.greeks(f, k, t, r, sigma, is_call)["vega"]
    got = bachelier.implied_volatility(price, f, k, t, r, is_call)
    ok = _solvable(price, vega, sigma * np.sqrt(t))
    assert ok.sum() > 1500
    assert np.nanmax(np.abs(got[ok] - sigma[ok]) / sigma[ok]) <= 1e-9


def test_scalars_give_floats_and_shapes_broadcast():
    price = black_scholes.call_price(100.0, 105.0, 0.5, 0.02, 0.3)
    sigma = black_scholes.implied_volatility(price, 100.0, 105.0, 0.5, 0.02)
    assert type(sigma) is float and sigma == pytest.approx(0.3, abs=1e-12)
    s = np.linspace(90, 110, 3).reshape(3, 1)
    k = np.linspace(95, 105, 4)
    prices = black_scholes.call_price(s, k, 1.0, 0.01, 0.25)
    out = black_scholes.implied_volatility(prices, s, k, 1.0, 0.01)
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out, 0.25, atol=1e-11)


def test_prices_outside_the_bounds_give_nan_or_raise():
    below_intrinsic = np.array([10.0, 1.0])  # call with s=110, k=100: intrinsic ~ 10.1
    out = black_scholes.implied_volatility(below_intrinsic, 110.0, 100.0, 1.0, 0.01)
    assert math.isnan(out[1]) and not math.isnan(black_scholes.implied_volatility(15.0, 110.0, 100.0, 1.0, 0.01))
    with pytest.raises(ValueError, match=r"^price: .* at index 1 "):
        black_scholes.implied_volatility(np.array([15.0, 1.0]), 110.0, 100.0, 1.0, 0.01, errors="raise")
    assert math.isnan(black76.implied_volatility(200.0, 100.0, 100.0, 1.0, 0.0))  # above the forward


def test_rate_and_dividend_rules():
    with pytest.raises(ValueError, match=r"^r: must be finite, got nan at index 2 "):
        black_scholes.implied_volatility(5.0, 100.0, 100.0, 1.0, np.array([0.0, 0.01, np.nan]), errors="raise")
    with pytest.raises(ValueError, match=r"^q: must be finite"):
        merton.implied_volatility(5.0, 100.0, 100.0, 1.0, 0.0, math.inf, errors="raise")
    assert math.isnan(black_scholes.implied_volatility(5.0, 100.0, 100.0, 1.0, math.nan))
    with pytest.raises(ValueError, match=r"^s: must be > 0"):
        black_scholes.implied_volatility(5.0, -100.0, 100.0, 1.0, 0.0, errors="raise")
