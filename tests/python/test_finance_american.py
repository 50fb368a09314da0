"""fuseflow.finance.american against independent references.

References: QuantLib (QdFp high-precision engine, its Bjerksund-Stensland engine, a finite-
difference engine for the double-boundary regime), the Black-Scholes formula written here with
scipy.special.ndtr, a Bjerksund-Stensland 2002 transcription here with the bivariate normal from
Owen's T (scipy.special.owens_t), and Cox-Ross-Rubinstein trees at 10,000 steps.
Tolerances are stated per test; the worst errors seen when they were written are in comments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtr, owens_t

from fuseflow.finance import american as am

ql = pytest.importorskip("QuantLib")

K = 100.0
TODAY = ql.Date(4, 12, 2026)


def _ql_process(s, r, q, sigma):
    dc = ql.Actual365Fixed()
    rts = ql.YieldTermStructureHandle(ql.FlatForward(TODAY, r, dc, ql.Continuous))
    qts = ql.YieldTermStructureHandle(ql.FlatForward(TODAY, q, dc, ql.Continuous))
    vts = ql.BlackVolTermStructureHandle(ql.BlackConstantVol(TODAY, ql.NullCalendar(), sigma, dc))
    return ql.BlackScholesMertonProcess(ql.QuoteHandle(ql.SimpleQuote(s)), qts, rts, vts)


def ql_price(s, k, days, r, q, sigma, is_call, engine="qdfp"):
    """QuantLib's American price; maturity in whole days (Actual/365), so t = days / 365 exactly."""
    ql.Settings.instance().evaluationDate = TODAY
    process = _ql_process(s, r, q, sigma)
    option = ql.VanillaOption(
        ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, k),
        ql.AmericanExercise(TODAY, TODAY + int(days)),
    )
    if engine == "qdfp":
        option.setPricingEngine(ql.QdFpAmericanEngine(process, ql.QdFpAmericanEngine.highPrecisionScheme()))
    elif engine == "bs":
        option.setPricingEngine(ql.BjerksundStenslandApproximationEngine(process))
    elif engine == "fd":
        option.setPricingEngine(ql.FdBlackScholesVanillaEngine(process, 800, 800))
    return option.NPV()


def grid():
    """480 cases: calls and puts, S/K 0.5..1.5, T 1/12..5 years, sigma 0.1..0.6, r, q in [0, 0.1]."""
    cases = []
    for is_call in (False, True):
        for m in (0.5, 0.8, 1.0, 1.2, 1.5):
            for days in (30, 182, 730, 1825):
                for sigma in (0.1, 0.3, 0.6):
                    for r, q in ((0.05, 0.0), (0.02, 0.1), (0.1, 0.02), (0.04, 0.04)):
                        cases.append((K * m, K, days, r, q, sigma, is_call))
    return cases


def as_arrays(cases):
    a = np.array([c[:6] for c in cases], dtype=np.float64)
    s, k, days, r, q, sigma = a.T
    return s, k, days / 365.0, r, q, sigma, np.array([c[6] for c in cases])


def bs_european(s, k, t, r, q, sigma, is_call):
    vol = sigma * np.sqrt(t)
    d1 = (np.log(s / k) + (r - q) * t) / vol + 0.5 * vol
    d2 = d1 - vol
    call = s * np.exp(-q * t) * ndtr(d1) - k * np.exp(-r * t) * ndtr(d2)
    put = k * np.exp(-r * t) * ndtr(-d2) - s * np.exp(-q * t) * ndtr(-d1)
    return np.where(is_call, call, put)


@pytest.fixture(scope="module")
def qdfp_reference():
    cases = grid()
    return cases, np.array([ql_price(*c) for c in cases])


def test_qdfp_within_1e_4_k_of_quantlib_high_precision(qdfp_reference):
    cases, ref = qdfp_reference
    assert len(cases) >= 400
    s, k, t, r, q, sigma, is_call = as_arrays(cases)
    got = am.price(s, k, t, r, q, sigma, is_call)
    err = np.abs(got - ref)
    # Worst seen: 1.4e-3 (= 1.4e-5 K), a 5-year call at S/K = 1.5, sigma 0.6, r 0.02, q 0.1.
    assert err.max() <= 1e-4 * K, (err.max(), cases[int(err.argmax())])


def test_bjerksund_stensland_1993_matches_quantlibs_engine():
    # QuantLib's BjerksundStenslandApproximationEngine is the 1993 one-trigger form (with the
    # European price as a floor); ours agrees to rounding. Worst seen: 2e-10.
    cases = grid()[::2]
    ref = np.array([ql_price(*c, engine="bs") for c in cases])
    got = am.price(*as_arrays(cases), method="bjerksund_stensland_1993")
    assert np.abs(got - ref).max() <= 1e-8 * K


def _bvn(a, b, rho):
    """P(X <= a, Y <= b) at correlation rho, from Owen's T (independent of the kernel's quadrature):
    Phi2 = (Phi(a) + Phi(b)) / 2 - T(a, (b - rho a) / (a r')) - T(b, (a - rho b) / (b r')) - beta,
    r' = sqrt(1 - rho^2), beta = 1/2 when a b < 0, else 0 (a, b != 0 here)."""
    a, b = float(a), float(b)
    assert a != 0.0 and b != 0.0
    den = math.sqrt(1.0 - rho * rho)
    beta = 0.0 if a * b > 0 else 0.5
    t_a = owens_t(a, (b - rho * a) / (a * den))
    t_b = owens_t(b, (a - rho * b) / (b * den))
    return 0.5 * (ndtr(a) + ndtr(b)) - t_a - t_b - beta


def _bs2002_call(s, x, t, r, b, v):
    """Bjerksund-Stensland (2002) call, as in the paper (Haug's 2nd ed. 3.1.3), for the test."""

    def phi(s, t, g, h, i):
        lam = (-r + g * b + 0.5 * g * (g - 1) * v * v) * t
        d = -(math.log(s / h) + (b + (g - 0.5) * v * v) * t) / (v * math.sqrt(t))
        kap = 2 * b / v**2 + 2 * g - 1
        return math.exp(lam) * s**g * (ndtr(d) - (i / s) ** kap * ndtr(d - 2 * math.log(i / s) / (v * math.sqrt(t))))

    def psi(s, t2, g, h, i2, i1, t1):
        dr = b + (g - 0.5) * v * v
        v1, v2 = v * math.sqrt(t1), v * math.sqrt(t2)
        e1 = (math.log(s / i1) + dr * t1) / v1
        e2 = (math.log(i2**2 / (s * i1)) + dr * t1) / v1
        e3 = (math.log(s / i1) - dr * t1) / v1
        e4 = (math.log(i2**2 / (s * i1)) - dr * t1) / v1
        f1 = (math.log(s / h) + dr * t2) / v2
        f2 = (math.log(i2**2 / (s * h)) + dr * t2) / v2
        f3 = (math.log(i1**2 / (s * h)) + dr * t2) / v2
        f4 = (math.log(s * i1**2 / (h * i2**2)) + dr * t2) / v2
        rho = math.sqrt(t1 / t2)
        lam = -r + g * b + 0.5 * g * (g - 1) * v * v
        kap = 2 * b / v**2 + 2 * g - 1
        return math.exp(lam * t2) * s**g * (
            _bvn(-e1, -f1, rho) - (i2 / s) ** kap * _bvn(-e2, -f2, rho)
            - (i1 / s) ** kap * _bvn(-e3, -f3, -rho) + (i1 / i2) ** kap * _bvn(-e4, -f4, -rho)
        )

    t1 = 0.5 * (math.sqrt(5) - 1) * t
    beta = (0.5 - b / v**2) + math.sqrt((b / v**2 - 0.5) ** 2 + 2 * r / v**2)
    b_inf = beta / (beta - 1) * x
    b0 = max(x, r / (r - b) * x)
    h1 = -(b * t1 + 2 * v * math.sqrt(t1)) * x**2 / ((b_inf - b0) * b0)
    h2 = -(b * t + 2 * v * math.sqrt(t)) * x**2 / ((b_inf - b0) * b0)
    i1 = b0 + (b_inf - b0) * (1 - math.exp(h1))
    i2 = b0 + (b_inf - b0) * (1 - math.exp(h2))
    if s >= i2:
        return s - x
    a1 = (i1 - x) * i1 ** (-beta)
    a2 = (i2 - x) * i2 ** (-beta)
    return (
        a2 * s**beta - a2 * phi(s, t1, beta, i2, i2) + phi(s, t1, 1, i2, i2) - phi(s, t1, 1, i1, i2)
        - x * phi(s, t1, 0, i2, i2) + x * phi(s, t1, 0, i1, i2) + a1 * phi(s, t1, beta, i1, i2)
        - a1 * psi(s, t, beta, i1, i2, i1, t1) + psi(s, t, 1, i1, i2, i1, t1) - psi(s, t, 1, x, i2, i1, t1)
        - x * psi(s, t, 0, i1, i2, i1, t1) + x * psi(s, t, 0, x, i2, i1, t1)
    )


def test_bjerksund_stensland_2002_matches_the_papers_formula():
    # The kernel's bivariate normal is a 24-point Gauss-Legendre quadrature; the reference here
    # uses Owen's T. Worst seen: 7e-12 (K = 100).
    worst = 0.0
    for s, k, days, r, q, sigma, is_call in grid()[::3]:
        t = days / 365.0
        cs, ck, cr, cq = (s, k, r, q) if is_call else (k, s, q, r)
        if cq <= 0:
            continue  # the European regime; checked elsewhere
        want = _bs2002_call(cs, ck, t, cr, cr - cq, sigma)
        want = max(want, float(bs_european(s, k, t, r, q, sigma, is_call)), max(cs - ck, 0.0))
        got = am.price(s, k, t, r, q, sigma, is_call, method="bjerksund_stensland")
        worst = max(worst, abs(got - want))
    assert worst <= 1e-9 * K


def test_bjerksund_stensland_2002_against_a_10000_step_tree():
    # The closed form prices a two-trigger exercise strategy (a lower bound). Worst seen on this
    # grid: 0.078 (K = 100; a 1-year call at S/K = 1.2, sigma 0.4, r 0.03, q 0.07); QD-FP is
    # within 2.4e-4 of the same trees.
    cases = [
        (K * m, K, t, r, q, sigma, is_call)
        for is_call in (False, True)
        for m in (0.8, 1.2)
        for t, sigma in ((0.25, 0.4), (1.0, 0.2), (1.0, 0.4))
        for r, q in ((0.05, 0.02), (0.03, 0.07))
    ]
    s, k, t, r, q, sigma = (np.array([c[j] for c in cases]) for j in range(6))
    is_call = np.array([c[6] for c in cases])
    tree = am.binomial(s, k, t, r, q, sigma, is_call, steps=10000)
    bs = am.price(s, k, t, r, q, sigma, is_call, method="bjerksund_stensland")
    qd = am.price(s, k, t, r, q, sigma, is_call)
    # CRR at 10,000 steps is itself ~5e-4 off; both bounds include that.
    assert np.abs(bs - tree).max() <= 0.1
    assert np.abs(qd - tree).max() <= 2e-3
    # A lower bound: never above the exact price by more than the tree's own error.
    assert (bs <= tree + 2e-3).all()


@pytest.mark.parametrize("method", ["qdfp", "bjerksund_stensland", "bjerksund_stensland_1993"])
def test_call_without_dividends_is_the_european_price(method):
    rng = np.random.default_rng(7)
    n = 500
    s = rng.uniform(50, 150, n)
    t = rng.uniform(0.01, 5, n)
    r = rng.uniform(0, 0.1, n)
    sigma = rng.uniform(0.05, 0.8, n)
    got = am.call_price(s, K, t, r, 0.0, sigma, method=method)
    want = bs_european(s, K, t, r, 0.0, sigma, True)
    assert np.abs(got - want).max() <= 1e-12 * s.max()


@pytest.mark.parametrize("method", ["qdfp", "bjerksund_stensland", "bjerksund_stensland_1993"])
def test_put_above_european_and_intrinsic(method):
    s, k, t, r, q, sigma, is_call = as_arrays(grid())
    put = am.put_price(s, k, t, r, q, sigma, method=method)
    assert (put >= bs_european(s, k, t, r, q, sigma, False) - 1e-12 * K).all()
    assert (put >= k - s - 1e-12 * K).all()
    call = am.call_price(s, k, t, r, q, sigma, method=method)
    assert (call >= bs_european(s, k, t, r, q, sigma, True) - 1e-12 * K).all()
    assert (call >= s - k - 1e-12 * K).all()


def test_put_call_symmetry():
    s, k, t, r, q, sigma, _ = as_arrays(grid())
    np.testing.assert_allclose(
        am.call_price(s, k, t, r, q, sigma), am.put_price(k, s, t, q, r, sigma), rtol=0, atol=1e-12 * K
    )


def test_never_exercise_and_double_boundary_regimes():
    # r <= 0 <= q... (q >= r): the European put exactly.
    european = float(bs_european(90.0, K, 1.0, -0.01, 0.0, 0.3, False))
    assert am.put_price(90.0, K, 1.0, -0.01, 0.0, 0.3) == pytest.approx(european, abs=1e-12)
    # q < r <= 0: two exercise boundaries; tree fallback vs QuantLib's finite-difference engine.
    for s, r, q in ((70.0, -0.01, -0.06), (85.0, -0.005, -0.04)):
        ref = ql_price(s, K, 365, r, q, 0.2, False, engine="fd")
        for method in ("qdfp", "bjerksund_stensland"):
            got = am.put_price(s, K, 1.0, r, q, 0.2, method=method)
            assert got == pytest.approx(ref, abs=5e-3), (s, r, q, method)  # worst seen 1.1e-3


def _ql_fd_greeks(s, k, days, r, q, sigma, is_call):
    h_s, h_v, h_r = 1e-3 * s, 1e-4, 1e-5
    p = lambda **kw: ql_price(kw.get("s", s), k, days, kw.get("r", r), kw.get("q", q), kw.get("sigma", sigma), is_call)
    base = p()
    return {
        "delta": (p(s=s + h_s) - p(s=s - h_s)) / (2 * h_s),
        "gamma": (p(s=s + h_s) - 2 * base + p(s=s - h_s)) / (h_s * h_s),
        "vega": (p(sigma=sigma + h_v) - p(sigma=sigma - h_v)) / (2 * h_v),
        "rho": (p(r=r + h_r) - p(r=r - h_r)) / (2 * h_r),
        "dividend_rho": (p(q=q + h_r) - p(q=q - h_r)) / (2 * h_r),
    }


def test_greeks_against_quantlib_finite_differences():
    # QuantLib's high-precision prices differentiated here; ours differ in price by up to ~1e-3
    # (K = 100), and in these greeks by (worst seen) delta 9e-6, gamma 6e-7, vega 2.4e-4, rho 3.3e-3,
    # dividend_rho 2.0e-3.
    tol = {"delta": 2e-4, "gamma": 2e-5, "vega": 0.01, "rho": 0.02, "dividend_rho": 0.02}
    for c in [(90.0, K, 365, 0.05, 0.02, 0.3, False), (110.0, K, 182, 0.03, 0.06, 0.25, True),
              (100.0, K, 730, 0.08, 0.01, 0.4, False), (95.0, K, 365, 0.02, 0.05, 0.2, True)]:
        want = _ql_fd_greeks(*c)
        s, k, days, r, q, sigma, is_call = c
        got = am.greeks(s, k, days / 365.0, r, q, sigma, is_call)
        for key, w in want.items():
            assert got[key] == pytest.approx(w, abs=tol[key]), (c, key, got[key], w)


def test_second_order_greeks_and_theta_against_wider_differences():
    # theta, vanna, volga and charm against differences of the price with 10x wider steps
    # (independent truncation errors); tolerances 1e-3 relative + a small absolute floor.
    s, k, t, r, q, sigma = 95.0, K, 0.75, 0.05, 0.02, 0.3
    g = am.greeks(s, k, t, r, q, sigma, False)
    P = lambda **kw: am.put_price(kw.get("s", s), k, kw.get("t", t), r, q, kw.get("sigma", sigma))
    hs, hv, ht = 1e-2 * s, 1e-2, 1e-3
    theta = -(P(t=t + ht) - P(t=t - ht)) / (2 * ht)
    volga = (P(sigma=sigma + hv) - 2 * P() + P(sigma=sigma - hv)) / hv**2
    vanna = (P(s=s + hs, sigma=sigma + hv) - P(s=s + hs, sigma=sigma - hv) - P(s=s - hs, sigma=sigma + hv)
             + P(s=s - hs, sigma=sigma - hv)) / (4 * hs * hv)
    charm = -(P(s=s + hs, t=t + ht) - P(s=s - hs, t=t + ht) - P(s=s + hs, t=t - ht)
              + P(s=s - hs, t=t - ht)) / (4 * hs * ht)
    assert g["theta"] == pytest.approx(theta, rel=1e-3, abs=1e-4)
    assert g["volga"] == pytest.approx(volga, rel=1e-2, abs=1e-2)
    assert g["vomma"] == g["volga"]
    assert g["vanna"] == pytest.approx(vanna, rel=1e-2, abs=1e-4)
    assert g["charm"] == pytest.approx(charm, rel=1e-2, abs=1e-4)


def test_greeks_in_chunks_equal_one_pass(monkeypatch):
    s = np.linspace(80.0, 120.0, 7)
    whole = am.greeks(s, K, 1.0, 0.05, 0.02, 0.3, np.arange(7) % 2 == 0)
    monkeypatch.setattr(am, "_GREEKS_CHUNK", 3)
    chunked = am.greeks(s, K, 1.0, 0.05, 0.02, 0.3, np.arange(7) % 2 == 0)
    for key in whole:
        np.testing.assert_array_equal(whole[key], chunked[key])


def test_greeks_shapes_nan_slots_and_expiry():
    s = np.array([[90.0, 100.0], [110.0, 120.0]])
    g = am.greeks(s, K, 1.0, 0.05, 0.02, np.array([0.3, -0.3]), True, errors="nan")
    assert set(g) >= {"delta", "gamma", "vega", "theta", "rho", "dividend_rho", "vanna", "volga", "vomma", "charm"}
    assert g["delta"].shape == (2, 2)
    assert np.isnan(g["delta"][:, 1]).all() and np.isfinite(g["delta"][:, 0]).all()
    at_expiry = am.greeks(np.array([90.0, 110.0]), K, 0.0, 0.05, 0.02, 0.3, True)
    np.testing.assert_array_equal(at_expiry["delta"], [0.0, 1.0])
    np.testing.assert_array_equal(at_expiry["gamma"], [0.0, 0.0])
    with pytest.raises(ValueError, match="sigma: must be > 0"):
        am.greeks(100.0, K, 1.0, 0.05, 0.02, -0.3)


def test_implied_volatility_round_trip_and_unreachable_prices():
    rng = np.random.default_rng(3)
    n = 400
    s = rng.uniform(60, 140, n)
    t = rng.uniform(1 / 12, 3, n)
    r = rng.uniform(0, 0.1, n)
    q = rng.uniform(0, 0.1, n)
    sigma = rng.uniform(0.05, 1.0, n)
    is_call = rng.random(n) < 0.5
    p = am.price(s, K, t, r, q, sigma, is_call)
    iv = am.implied_volatility(p, s, K, t, r, q, is_call)
    intrinsic = np.where(is_call, s - K, K - s)
    determined = p > intrinsic + 1e-9 * K  # at the exercise value sigma is not determined
    assert np.isfinite(iv[determined]).all()
    assert np.abs(iv[determined] - sigma[determined]).max() <= 1e-8  # worst seen 1.4e-10
    # Below intrinsic / above the sigma = 10 price: NaN, or ValueError with errors="raise".
    bad = am.implied_volatility(np.array([0.5 * (K - 80.0), 99.9]), np.array([80.0, 100.0]), K, 1.0, 0.05, 0.02, False)
    assert np.isnan(bad).all()
    with pytest.raises(ValueError, match="price: must lie strictly between"):
        am.implied_volatility(5.0, 80.0, K, 1.0, 0.05, 0.02, False, errors="raise")
    with pytest.raises(ValueError, match="price: must be >= 0"):
        am.implied_volatility(-1.0, 80.0, K, 1.0, 0.05, 0.02, False, errors="raise")
    assert math.isnan(am.implied_volatility(-1.0, 80.0, K, 1.0, 0.05, 0.02, False))
    assert isinstance(am.implied_volatility(10.0, 100.0, K, 1.0, 0.05, 0.02, False), float)


def test_binomial_converges_and_validates_steps():
    ref = ql_price(100.0, K, 365, 0.05, 0.02, 0.3, False)
    coarse = abs(am.binomial(100.0, K, 1.0, 0.05, 0.02, 0.3, False, steps=100) - ref)
    fine = abs(am.binomial(100.0, K, 1.0, 0.05, 0.02, 0.3, False, steps=5000) - ref)
    assert fine <= 2e-3 and fine < coarse
    with pytest.raises(TypeError, match="steps: must be an int"):
        am.binomial(100.0, K, 1.0, 0.05, 0.02, 0.3, steps=10.5)
    with pytest.raises(ValueError, match=r"steps: must be in \[1, 100000\]"):
        am.binomial(100.0, K, 1.0, 0.05, 0.02, 0.3, steps=0)
    with pytest.raises(ValueError, match="sigma: must be > 0, got -0.3 at index 1"):
        am.binomial(100.0, K, 1.0, 0.05, 0.02, np.array([0.3, -0.3]), steps=10)


def test_exercise_boundary():
    times, b = am.exercise_boundary(K, 2.0, 0.06, 0.02, 0.3, False, n=40)
    assert times.shape == b.shape == (40,)
    assert b[0] == K and (np.diff(b) < 0).all()  # B(0+) = K min(1, r/q); lower for longer maturities
    # The price is the exercise value just below the boundary at t and above it just beyond.
    bt = am.exercise_boundary(K, 2.0, 0.06, 0.02, 0.3, False, times=2.0)
    assert isinstance(bt, float) and bt == pytest.approx(b[-1])
    assert am.put_price(0.999 * bt, K, 2.0, 0.06, 0.02, 0.3) == pytest.approx(K - 0.999 * bt, abs=1e-12)
    assert am.put_price(1.01 * bt, K, 2.0, 0.06, 0.02, 0.3) > K - 1.01 * bt + 1e-6
    _, c = am.exercise_boundary(K, 1.0, 0.02, 0.06, 0.3, True, n=10)
    assert c[0] == K and (np.diff(c) > 0).all()
    no_exercise = am.exercise_boundary(K, 1.0, 0.05, 0.0, 0.3, True, times=[0.5, 1.0])
    np.testing.assert_array_equal(no_exercise, [np.inf, np.inf])
    assert (am.exercise_boundary(K, 1.0, -0.01, 0.0, 0.3, False, times=np.array([0.5])) == 0).all()
    with pytest.raises(ValueError, match=r"times: must lie in \[0, t\]"):
        am.exercise_boundary(K, 1.0, 0.05, 0.02, 0.3, times=[0.5, 1.5])
    with pytest.raises(ValueError, match="sigma: must be > 0"):
        am.exercise_boundary(K, 1.0, 0.05, 0.02, 0.0)
    with pytest.raises(ValueError, match="k: must be > 0"):
        am.exercise_boundary(-K, 1.0, 0.05, 0.02, 0.3)


# ---------------------------------------------------------------- the error rules


@pytest.mark.parametrize(
    "argument, value, rule",
    [
        ("s", 0.0, "must be > 0"), ("s", -1.0, "must be > 0"), ("k", 0.0, "must be > 0"),
        ("t", -0.1, "must be >= 0"), ("sigma", 0.0, "must be > 0"), ("sigma", -0.2, "must be > 0"),
        ("s", np.nan, "must be finite"), ("r", np.inf, "must be finite"), ("q", np.nan, "must be finite"),
        ("t", np.inf, "must be finite"),
    ],
)
@pytest.mark.parametrize("method", ["qdfp", "bjerksund_stensland"])
def test_invalid_inputs_raise_naming_argument_rule_and_index(argument, value, rule, method):
    args = {name: np.array([100.0, 100.0, 100.0]) if name in ("s", "k") else np.array([1.0, 1.0, 1.0])
            for name in ("s", "k", "t")}
    args.update(r=np.full(3, 0.05), q=np.full(3, 0.02), sigma=np.full(3, 0.3))
    args[argument] = args[argument].copy()
    args[argument][2] = value
    with pytest.raises(ValueError, match=rf"^{argument}: {rule}, got .* at index 2 \(the first offending element\)"):
        am.put_price(**args, method=method)
    out = am.put_price(**args, method=method, errors="nan")
    assert np.isnan(out[2]) and np.isfinite(out[:2]).all()


def test_negative_sigma_in_a_large_batch_raises_not_aborts():
    n = 10000
    sigma = np.full(n, 0.3)
    sigma[7777] = -0.5
    with pytest.raises(ValueError, match="sigma: must be > 0, got -0.5 at index 7777"):
        am.price(np.full(n, 100.0), K, 1.0, 0.05, 0.02, sigma, np.arange(n) % 2 == 0)
    out = am.price(np.full(n, 100.0), K, 1.0, 0.05, 0.02, sigma, False, errors="nan")
    assert np.isnan(out[7777]) and np.isfinite(np.delete(out, 7777)).all()


def test_scalars_shapes_methods_and_unchecked():
    v = am.put_price(100.0, K, 1.0, 0.05, 0.02, 0.3)
    assert isinstance(v, float)
    assert am.price(100.0, K, 1.0, 0.05, 0.02, 0.3, False) == v
    grid2 = am.put_price(np.array([[90.0], [110.0]]), np.array([95.0, 105.0]), 1.0, 0.05, 0.02, 0.3)
    assert grid2.shape == (2, 2)
    assert grid2[1, 0] == am.put_price(110.0, 95.0, 1.0, 0.05, 0.02, 0.3)
    assert am.put_price(90.0, K, 0.0, 0.05, 0.02, 0.3) == 10.0  # t = 0: intrinsic
    for method in ("fast", "qd_plus", None):
        with pytest.raises(ValueError, match="method: must be one of"):
            am.put_price(100.0, K, 1.0, 0.05, 0.02, 0.3, method=method)
    with pytest.raises(ValueError, match="errors: must be"):
        am.put_price(100.0, K, 1.0, 0.05, 0.02, 0.3, errors="ignore")
    with pytest.raises(ValueError, match="do not broadcast"):
        am.put_price(np.ones(3) * 100, np.ones(2) * 100, 1.0, 0.05, 0.02, 0.3)
    # validate=False: unchecked, but never a crash (invalid slots come out NaN).
    out = am.put_price(np.array([100.0, -1.0]), K, 1.0, 0.05, 0.02, 0.3, validate=False)
    assert np.isfinite(out[0]) and np.isnan(out[1])
    f32 = am.put_price(np.array([100.0], dtype=np.float32), K, 1.0, 0.05, 0.02, 0.3)
    assert f32[0] == v
