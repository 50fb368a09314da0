"""Every greek of every European model against central finite differences of the kernel's own
prices (first order) or of its first-order greeks (second order).

Tolerance: |analytic - fd| <= 2e-6 * max|greek over the sample| + 1e-6 * |analytic|, steps
h = 1e-4 relative (central differences: truncation ~h^2, rounding ~1e-16/h).
"""

import numpy as np
import pytest

from fuseflow.finance import bachelier, black76, black_scholes, digital, merton

N = 400


def _sample(seed, forward_model=False):
    rng = np.random.default_rng(seed)
    k = rng.uniform(50, 150, N)
    s = k * np.exp(rng.uniform(-0.4, 0.4, N))
    t = rng.uniform(0.1, 3.0, N)
    r = rng.uniform(-0.02, 0.08, N)
    q = rng.uniform(-0.02, 0.08, N)
    sigma = rng.uniform(0.1, 0.6, N)
    is_call = rng.random(N) < 0.5
    if forward_model:
        q = np.zeros(N)
    return dict(s=s, k=k, t=t, r=r, q=q, sigma=sigma, is_call=is_call)


def _close(name, analytic, fd):
    scale = np.max(np.abs(analytic))
    err = np.abs(analytic - fd)
    bound = 2e-6 * scale + 1e-6 * np.abs(analytic)
    worst = np.argmax(err - bound)
    assert np.all(err <= bound), (name, worst, analytic[worst], fd[worst])


def _fd(fn, args, key, h_rel=1e-4):
    h = h_rel * np.maximum(np.abs(args[key]), 1e-2)
    up, down = dict(args), dict(args)
    up[key] = args[key] + h
    down[key] = args[key] - h
    return (fn(up) - fn(down)) / (2 * h)


def _check_model(price_fn, greeks_fn, args, spot="s", has_dividend=True):
    g = greeks_fn(args)
    price = lambda a: price_fn(a)  # noqa: E731
    _close("delta", g["delta"], _fd(price, args, spot))
    _close("gamma", g["gamma"], _fd(lambda a: greeks_fn(a)["delta"], args, spot))
    _close("vega", g["vega"], _fd(price, args, "sigma"))
    _close("theta", g["theta"], -_fd(price, args, "t"))
    _close("rho", g["rho"], _fd(price, args, "r"))
    if has_dividend:
        _close("dividend_rho", g["dividend_rho"], _fd(price, args, "q"))
    else:
        assert "dividend_rho" not in g
    _close("vanna", g["vanna"], _fd(lambda a: greeks_fn(a)["delta"], args, "sigma"))
    _close("volga", g["volga"], _fd(lambda a: greeks_fn(a)["vega"], args, "sigma"))
    _close("charm", g["charm"], -_fd(lambda a: greeks_fn(a)["delta"], args, "t"))
    assert g["vomma"] is g["volga"]


def test_black_scholes_greeks():
    args = _sample(1)
    _check_model(
        lambda a: black_scholes.price(a["s"], a["k"], a["t"], a["r"], a["sigma"], a["is_call"], q=a["q"]),
        lambda a: black_scholes.greeks(a["s"], a["k"], a["t"], a["r"], a["sigma"], a["is_call"], q=a["q"]),
        args,
    )


def test_merton_greeks_equal_black_scholes_with_q():
    a = _sample(2)
    m = merton.greeks(a["s"], a["k"], a["t"], a["r"], a["q"], a["sigma"], a["is_call"])
    b = black_scholes.greeks(a["s"], a["k"], a["t"], a["r"], a["sigma"], a["is_call"], q=a["q"])
    for key in b:
        np.testing.assert_array_equal(m[key], b[key])


def test_black76_greeks():
    args = _sample(3, forward_model=True)
    _check_model(
        lambda a: black76.price(a["s"], a["k"], a["t"], a["r"], a["sigma"], a["is_call"]),
        lambda a: black76.greeks(a["s"], a["k"], a["t"], a["r"], a["sigma"], a["is_call"]),
        args,
        has_dividend=False,
    )


def test_bachelier_greeks():
    rng = np.random.default_rng(4)
    args = dict(
        s=rng.uniform(-0.02, 0.05, N),
        k=rng.uniform(-0.02, 0.05, N),
        t=rng.uniform(0.1, 3.0, N),
        r=rng.uniform(-0.02, 0.08, N),
        q=np.zeros(N),
        sigma=rng.uniform(0.002, 0.02, N),
        is_call=rng.random(N) < 0.5,
    )
    _check_model(
        lambda a: bachelier.price(a["s"], a["k"], a["t"], a["r"], a["sigma"], a["is_call"]),
        lambda a: bachelier.greeks(a["s"], a["k"], a["t"], a["r"], a["sigma"], a["is_call"]),
        args,
        has_dividend=False,
    )


@pytest.mark.parametrize("kind", ["cash", "asset"])
def test_digital_greeks(kind):
    args = _sample(5)
    _check_model(
        lambda a: digital.price(a["s"], a["k"], a["t"], a["r"], a["sigma"], a["is_call"], q=a["q"], kind=kind),
        lambda a: digital.greeks(a["s"], a["k"], a["t"], a["r"], a["sigma"], a["is_call"], q=a["q"], kind=kind),
        args,
    )


def test_greeks_at_expiry_are_those_of_the_payoff():
    g = black_scholes.greeks(np.array([90.0, 110.0]), 100.0, 0.0, 0.05, 0.2, np.array([True, False]))
    np.testing.assert_array_equal(g["delta"], [0.0, 0.0])
    g = black_scholes.greeks(np.array([110.0, 90.0]), 100.0, 0.0, 0.05, 0.2, np.array([True, False]))
    np.testing.assert_array_equal(g["delta"], [1.0, -1.0])
    for key in ("gamma", "vega", "vanna", "volga", "charm"):
        np.testing.assert_array_equal(g[key], [0.0, 0.0])
    # theta of the discounted intrinsic value: q s - r k for the call, r k - q s for the put
    np.testing.assert_allclose(g["theta"], [-0.05 * 100.0, 0.05 * 100.0], rtol=1e-15)


def test_scalar_greeks_give_floats():
    g = black_scholes.greeks(100.0, 100.0, 1.0, 0.05, 0.2)
    assert all(type(v) is float for v in g.values())
    assert g["delta"] == pytest.approx(0.6368306511756191, rel=1e-14)


def _mp_greeks(s, k, t, r, q, sigma, is_call):
    """Delta, gamma, vega, rho and dividend rho at 40 digits from the textbook formulas."""
    import mpmath as mp

    with mp.workdps(40):
        s, k, t, r, q, sigma = (mp.mpf(float(v)) for v in (s, k, t, r, q, sigma))
        sign = 1 if is_call else -1
        sq = sigma * mp.sqrt(t)
        d1 = (mp.log(s / k) + (r - q + sigma * sigma / 2) * t) / sq
        d2 = d1 - sq
        carry, df = mp.exp(-q * t), mp.exp(-r * t)
        pdf = mp.npdf(d1)
        return {"delta": sign * carry * mp.ncdf(sign * d1), "gamma": carry * pdf / (s * sq),
                "vega": s * carry * pdf * mp.sqrt(t), "rho": sign * k * t * df * mp.ncdf(sign * d2),
                "dividend_rho": -sign * s * t * carry * mp.ncdf(sign * d1)}


def test_black_scholes_greeks_match_mpmath_into_the_tails():
    # The greeks' N(+-d1), N(+-d2) and density share e^{-d^2/2} through erfcx: checked here to
    # relative accuracy (not just finite-difference accuracy), deep out of the money included,
    # where N(+-d) is tiny and any 1 - N cancellation would show.
    from test_finance import wide_sample

    rng = np.random.default_rng(11)
    s, k, t, r, q, sigma, is_call = wide_sample(rng, 600)
    g = black_scholes.greeks(s, k, t, r, sigma, is_call, q=q)
    worst = {}
    for i in range(len(s)):
        ref = _mp_greeks(s[i], k[i], t[i], r[i], q[i], sigma[i], bool(is_call[i]))
        for key, value in ref.items():
            if abs(value) > 1e-250:
                # Relative error allowed: 1e-13 times the condition number of N at d (~1 + d^2:
                # d itself carries ~1e-16 |d| of rounding, amplified by phi(d)/N(d) ~ |d|).
                d1 = float(mpmath_d1(s[i], k[i], t[i], r[i], q[i], sigma[i]))
                err = abs(float((g[key][i] - value) / value)) / (1.0 + d1 * d1)
                worst[key] = max(worst.get(key, 0.0), err)
    print("worst relative error / (1 + d1^2):", {key: f"{v:.2g}" for key, v in worst.items()})
    assert all(v <= 1e-13 for v in worst.values()), worst


def mpmath_d1(s, k, t, r, q, sigma):
    import mpmath as mp

    with mp.workdps(40):
        s, k, t, r, q, sigma = (mp.mpf(float(v)) for v in (s, k, t, r, q, sigma))
        return (mp.log(s / k) + (r - q + sigma * sigma / 2) * t) / (sigma * mp.sqrt(t))
