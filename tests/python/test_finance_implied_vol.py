"""Implied volatility (fuseflow.finance._implied): round trips against 40-digit mpmath prices,
py_vollib (Jäckel's "Let's Be Rational") beside it, bounds, rules, broadcasting.

Representability filter for the round trips: a grid point counts where its price (mpmath, rounded
to float64) is a normal double and vega * 1e-12 > 4 ulp(price), i.e. where the float64 price pins
sigma down to better than 1e-12 (vega = d price / d sigma, absolute; for Bachelier, where the
check is relative, vega * sigma * 1e-12 > 4 ulp). Elsewhere (deep in the money, where the price is
intrinsic plus less than a few ulps of time value, or so far out that the price underflows) no
solver can recover sigma to 1e-12 from the rounded price; those points still must not be NaN.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

from fuseflow.finance import _implied

mpmath.mp.dps = 40

F = 100.0
MONEYNESS = np.linspace(-5.0, 5.0, 21)  # ln(K/F)
TIMES = np.geomspace(1.0 / 365.0, 30.0, 13)
SIGMAS = np.geomspace(0.01, 3.0, 21)


def _black_mp(f, k, t, sigma, call):
    f, k, t, sigma = (mpmath.mpf(float(v)) for v in (f, k, t, sigma))
    sd = sigma * mpmath.sqrt(t)
    d1 = mpmath.log(f / k) / sd + sd / 2
    d2 = d1 - sd
    if call:
        price = f * mpmath.ncdf(d1) - k * mpmath.ncdf(d2)
    else:
        price = k * mpmath.ncdf(-d2) - f * mpmath.ncdf(-d1)
    vega = f * mpmath.npdf(d1) * mpmath.sqrt(t)
    return float(price), float(vega)


def _bachelier_mp(f, k, t, sigma, call):
    f, k, t, sigma = (mpmath.mpf(float(v)) for v in (f, k, t, sigma))
    sd = sigma * mpmath.sqrt(t)
    d = (f - k) / sd
    price = ((f - k) if call else (k - f)) * mpmath.ncdf(d if call else -d) + sd * mpmath.npdf(d)
    return float(price), float(mpmath.npdf(d) * mpmath.sqrt(t))


def _representable(price, vega):
    price = np.asarray(price)
    ok = price >= np.finfo(np.float64).tiny
    return ok & (np.asarray(vega) * 1e-12 > 4.0 * np.spacing(np.where(ok, price, 1.0)))


@pytest.fixture(scope="module")
def black_grid():
    rows = []
    for m in MONEYNESS:
        k = F * math.exp(m)
        for t in TIMES:
            for sigma in SIGMAS:
                for call in (True, False):
                    price, vega = _black_mp(F, k, t, sigma, call)
                    rows.append((k, t, sigma, call, price, vega))
    k, t, sigma, call, price, vega = (np.array(c) for c in zip(*rows))
    call = call.astype(bool)
    intrinsic = np.where(call, np.maximum(F - k, 0.0), np.maximum(k - F, 0.0))
    upper = np.where(call, F, k)
    inside = (price > intrinsic) & (price < upper)
    return dict(k=k, t=t, sigma=sigma, call=call, price=price, vega=vega, inside=inside,
                checked=inside & _representable(price, vega))


def test_black_round_trip_on_the_issue_grid(black_grid):
    g = black_grid
    iv = _implied.black_implied_volatility(g["price"], F, g["k"], g["t"], g["call"])
    assert not np.isnan(iv[g["inside"]]).any(), "NaN for a price strictly inside the bounds"
    assert (iv[g["inside"]] >= 0).all()
    err = np.abs(iv - g["sigma"])[g["checked"]]
    n_total, n_checked = g["price"].size, int(g["checked"].sum())
    n_inside = int(g["inside"].sum())
    print(f"\nblack grid: {n_total} points, {n_inside} strictly inside the bounds (the rest round to intrinsic "
          f"or underflow), {n_checked} representable (the filter excludes {n_inside - n_checked} inside points); "
          f"worst |dsigma| {err.max():.3g}")
    assert n_checked > 0.35 * n_total
    assert err.max() <= 1e-12


def test_black_agrees_with_py_vollib_and_is_at_least_as_accurate(black_grid):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from py_vollib.black.implied_volatility import implied_volatility as lbr
    g = black_grid
    idx = np.flatnonzero(g["checked"])
    ours = _implied.black_implied_volatility(g["price"][idx], F, g["k"][idx], g["t"][idx], g["call"][idx])
    theirs = np.full(idx.size, np.nan)
    failures = 0
    for j, i in enumerate(idx):
        try:  # r = 0: the discounted price is the forward price
            theirs[j] = lbr(g["price"][i], F, g["k"][i], 0.0, g["t"][i], "c" if g["call"][i] else "p")
        except Exception:  # py_vollib raises on some prices it considers outside its bounds
            failures += 1
    sigma = g["sigma"][idx]
    ours_err = np.abs(ours - sigma)
    theirs_err = np.abs(theirs - sigma)
    finite = np.isfinite(theirs_err)
    print(f"\nsame {idx.size} points: fuseflow worst |dsigma| {ours_err.max():.3g}; py_vollib worst "
          f"{np.nanmax(theirs_err):.3g} ({failures} exceptions, {int((~finite).sum())} without an answer)")
    assert ours_err.max() <= 1e-12
    assert ours_err.max() <= max(np.nanmax(theirs_err[finite]), 1e-13)


def test_black_points_outside_the_filter_still_get_a_volatility(black_grid):
    g = black_grid
    rest = g["inside"] & ~g["checked"]
    iv = _implied.black_implied_volatility(g["price"][rest], F, g["k"][rest], g["t"][rest], g["call"][rest])
    assert np.isfinite(iv).all() and (iv >= 0).all()


def test_black_random_round_trip_beyond_the_grid():
    rng = np.random.default_rng(7)
    n = 3000
    f = np.exp(rng.uniform(-3, 6, n))
    k = f * np.exp(rng.uniform(-6, 6, n))
    t = np.exp(rng.uniform(math.log(1 / 365), math.log(40), n))
    sigma = np.exp(rng.uniform(math.log(0.005), math.log(4), n))
    call = rng.random(n) < 0.5
    quotes = [_black_mp(*args) for args in zip(f, k, t, sigma, call)]
    price = np.array([q[0] for q in quotes])
    vega = np.array([q[1] for q in quotes])
    ok = _representable(price, vega)
    iv = _implied.black_implied_volatility(price, f, k, t, call)
    assert ok.sum() > n / 3
    assert np.abs(iv - sigma)[ok].max() <= 1e-12


def test_normal_round_trip_against_mpmath():
    rows = []
    for f, scale in ((-0.01, 0.01), (0.0, 0.01), (0.03, 0.01), (100.0, 100.0)):
        for m in np.linspace(-5, 5, 11):
            for t in TIMES[::2]:
                for rel in SIGMAS[::2]:
                    for call in (True, False):
                        k, sigma = f + m * scale, rel * scale
                        price, vega = _bachelier_mp(f, k, t, sigma, call)
                        rows.append((f, k, t, sigma, call, price, vega))
    f, k, t, sigma, call, price, vega = (np.array(c) for c in zip(*rows))
    call = call.astype(bool)
    iv = _implied.normal_implied_volatility(price, f, k, t, call)
    intrinsic = np.where(call, np.maximum(f - k, 0.0), np.maximum(k - f, 0.0))
    inside = price > intrinsic
    assert not np.isnan(iv[inside]).any()
    ok = inside & _representable(price, vega * sigma)
    rel = np.abs(iv / sigma - 1.0)[ok]
    print(f"\nbachelier: {price.size} points, {int(ok.sum())} representable; worst relative error {rel.max():.3g}")
    assert ok.sum() > 0.4 * price.size
    assert rel.max() <= 1e-12


@pytest.mark.parametrize("call", [True, False])
def test_bounds_give_zero_inf_and_nan(call):
    f, k = 100.0, 120.0
    intrinsic = max(f - k, 0.0) if call else max(k - f, 0.0)
    upper = f if call else k
    assert _implied.black_implied_volatility(intrinsic, f, k, 1.0, call) == 0.0
    assert _implied.black_implied_volatility(upper, f, k, 1.0, call) == math.inf
    below = np.array([intrinsic - 1e-9, -1.0])
    above = np.array([upper * (1 + 1e-12), upper + 1.0])
    assert np.isnan(_implied.black_implied_volatility(below, f, k, 1.0, call)).all()
    assert np.isnan(_implied.black_implied_volatility(above, f, k, 1.0, call)).all()
    with pytest.raises(ValueError, match=r"^price: is below the intrinsic value .* at index 1 \(the first offending"):
        _implied.black_implied_volatility(np.array([intrinsic + 1.0, -1.0]), f, k, 1.0, call, errors="raise")
    with pytest.raises(ValueError, match=r"^price: is above the upper bound"):
        _implied.black_implied_volatility(upper + 1.0, f, k, 1.0, call, errors="raise")
    assert _implied.normal_implied_volatility(intrinsic, f, k, 1.0, call) == 0.0
    assert np.isnan(_implied.normal_implied_volatility(intrinsic - 1e-9, f, k, 1.0, call))
    with pytest.raises(ValueError, match=r"^price: is below the intrinsic value"):
        _implied.normal_implied_volatility(intrinsic - 1e-9, f, k, 1.0, call, errors="raise")


def test_nan_mode_solves_the_valid_slots():
    price = np.array([10.0, 200.0, 10.0, np.nan, 10.0])
    t = np.array([1.0, 1.0, -1.0, 1.0, 1.0])
    iv = _implied.black_implied_volatility(price, 100.0, 100.0, t)
    assert np.isnan(iv[1:4]).all()
    expected = _implied.black_implied_volatility(10.0, 100.0, 100.0, 1.0)
    assert iv[0] == expected and iv[4] == expected


@pytest.mark.parametrize(
    "args, pattern",
    [
        ((5.0, -1.0, 100.0, 1.0), r"^f: must be > 0, got -1\.0"),
        ((5.0, 100.0, 0.0, 1.0), r"^k: must be > 0, got 0\.0"),
        ((5.0, 100.0, 100.0, 0.0), r"^t: must be > 0"),
        ((5.0, 100.0, 100.0, math.inf), r"^t: must be finite"),
        ((math.nan, 100.0, 100.0, 1.0), r"^price: must be finite"),
        ((5.0, math.nan, 100.0, 1.0), r"^f: must be finite"),
    ],
)
def test_black_rules_for_each_argument(args, pattern):
    assert math.isnan(_implied.black_implied_volatility(*args))
    with pytest.raises(ValueError, match=pattern):
        _implied.black_implied_volatility(*args, errors="raise")
    arrays = [np.array([v, v]) for v in args]
    with pytest.raises(ValueError, match=pattern + r".* at index 0 \(the first offending element\)"):
        _implied.black_implied_volatility(*arrays, errors="raise")


def test_normal_rules_allow_negative_forwards_and_strikes():
    assert _implied.normal_implied_volatility(0.01, -0.02, -0.02, 1.0) == pytest.approx(0.01 * math.sqrt(2 * math.pi))
    with pytest.raises(ValueError, match=r"^t: must be > 0"):
        _implied.normal_implied_volatility(0.01, -0.02, -0.02, 0.0, errors="raise")
    with pytest.raises(ValueError, match=r"^k: must be finite"):
        _implied.normal_implied_volatility(0.01, -0.02, math.inf, 1.0, errors="raise")


def test_error_index_is_a_tuple_for_nd_input():
    price = np.full((2, 3), 5.0)
    price[1, 2] = 500.0
    with pytest.raises(ValueError, match=r"at index \(1, 2\) \(the first offending element\)"):
        _implied.black_implied_volatility(price, 100.0, 100.0, 1.0, errors="raise")


def test_errors_and_validate_arguments_are_checked():
    with pytest.raises(ValueError, match="errors"):
        _implied.black_implied_volatility(5.0, 100.0, 100.0, 1.0, errors="ignore")
    with pytest.raises(TypeError, match="validate"):
        _implied.black_implied_volatility(5.0, 100.0, 100.0, 1.0, validate="no")
    with pytest.raises(TypeError, match="is_call"):
        _implied.black_implied_volatility(np.array([5.0]), 100.0, 100.0, 1.0, is_call=np.array([1]))
    with pytest.raises(ValueError, match="broadcast"):
        _implied.black_implied_volatility(np.ones(3), 100.0, np.ones(4) * 100, 1.0)
    # validate=False: unchecked, but the solver is total: still NaN, never an exception.
    assert math.isnan(_implied.black_implied_volatility(500.0, 100.0, 100.0, 1.0, errors="raise", validate=False))


def test_broadcasting_dtypes_and_array_likes():
    pd = pytest.importorskip("pandas")
    sigma = np.array([0.1, 0.2, 0.3])
    k = np.array([[80.0], [100.0], [125.0]])
    call = np.array([True, False, True])
    price = np.array([[_black_mp(100.0, kk, 0.5, s, c)[0] for s, c in zip(sigma, call)] for kk in k[:, 0]])
    iv = _implied.black_implied_volatility(price, 100.0, k, 0.5, call)
    assert iv.shape == (3, 3) and iv.dtype == np.float64
    np.testing.assert_allclose(iv, np.broadcast_to(sigma, (3, 3)), rtol=0, atol=1e-12)
    # Strided (a column of a 2-D array), float32 and pandas inputs, Python ints.
    strided = np.asfortranarray(price)[:, 1]
    np.testing.assert_allclose(_implied.black_implied_volatility(strided, 100, k[:, 0], 0.5, False), 0.2, atol=1e-12)
    p32 = np.float32(price[1, 0])
    assert _implied.black_implied_volatility(np.array([p32]), 100.0, 100.0, 0.5)[0] == pytest.approx(
        _implied.black_implied_volatility(float(p32), 100.0, 100.0, 0.5), abs=0)
    series = pd.Series(price[:, 0])
    out = _implied.black_implied_volatility(series, 100.0, k[:, 0], 0.5, True)
    np.testing.assert_allclose(out, 0.1, atol=1e-12)
    # All Python scalars -> a Python float (ints too); a 0-d array -> a 0-d result.
    assert type(_implied.black_implied_volatility(10, 100, 100, 1)) is float
    assert type(_implied.black_implied_volatility(10.0, 100.0, 100.0, 1.0)) is float
    assert _implied.black_implied_volatility(np.float64(10.0), 100.0, 100.0, 1.0) == pytest.approx(
        _implied.black_implied_volatility(10.0, 100.0, 100.0, 1.0), abs=0)


def test_multithreaded_batch_matches_the_scalar_path():
    rng = np.random.default_rng(3)
    n = 50_000  # well above MIN_IMPLIED_VOLS_PER_THREAD
    k = 100.0 * np.exp(rng.uniform(-2, 2, n))
    t = rng.uniform(0.05, 5, n)
    call = rng.random(n) < 0.5
    price = np.where(call, np.maximum(100.0 - k, 0), np.maximum(k - 100.0, 0)) + rng.uniform(0.01, 5.0, n)
    batch = _implied.black_implied_volatility(price, 100.0, k, t, call)
    idx = rng.choice(n, 300, replace=False)
    one = [_implied.black_implied_volatility(float(price[i]), 100.0, float(k[i]), float(t[i]), bool(call[i])) for i in idx]
    np.testing.assert_array_equal(batch[idx], np.array(one))
    batch_n = _implied.normal_implied_volatility(price, 100.0, k, t, call)
    one_n = [_implied.normal_implied_volatility(float(price[i]), 100.0, float(k[i]), float(t[i]), bool(call[i])) for i in idx]
    np.testing.assert_array_equal(batch_n[idx], np.array(one_n))


# End to end through the public model modules (their wrappers discount/forward and call _implied).

def _bs_mp(s, k, t, r, q, sigma, call):
    s, k, t, r, q, sigma = (mpmath.mpf(float(v)) for v in (s, k, t, r, q, sigma))
    f = s * mpmath.exp((r - q) * t)
    sd = sigma * mpmath.sqrt(t)
    d1 = mpmath.log(f / k) / sd + sd / 2
    d2 = d1 - sd
    df = mpmath.exp(-r * t)
    price = df * (f * mpmath.ncdf(d1) - k * mpmath.ncdf(d2) if call else k * mpmath.ncdf(-d2) - f * mpmath.ncdf(-d1))
    return float(price), float(df * f * mpmath.npdf(d1) * mpmath.sqrt(t))


def _public_cases(rng, n):
    s = np.exp(rng.uniform(1, 6, n))
    k = s * np.exp(rng.uniform(-3, 3, n))
    t = np.exp(rng.uniform(math.log(1 / 365), math.log(30), n))
    r = rng.uniform(-0.02, 0.1, n)
    q = rng.uniform(0.0, 0.06, n)
    sigma = np.exp(rng.uniform(math.log(0.01), math.log(3), n))
    call = rng.random(n) < 0.5
    return s, k, t, r, q, sigma, call


def test_public_black_scholes_merton_black76_round_trip():
    import fuseflow as ff

    rng = np.random.default_rng(11)
    s, k, t, r, q, sigma, call = _public_cases(rng, 1500)
    quotes = [_bs_mp(*args) for args in zip(s, k, t, r, q, sigma, call)]
    price = np.array([p for p, _ in quotes])
    vega = np.array([v for _, v in quotes])
    # The wrappers scale the price and the spot by e^{rt}, e^{(r-q)t} (a few ulps each): a wider
    # margin than the 4 ulps of the direct test.
    ok = (price >= np.finfo(float).tiny) & (vega * 1e-12 > 32 * np.spacing(np.maximum(price, 1e-300)))
    assert ok.sum() > 500
    bs = ff.finance.black_scholes.implied_volatility(price, s, k, t, r, call, q=q)
    merton = ff.finance.merton.implied_volatility(price, s, k, t, r, q, call)
    f = s * np.exp((r - q) * t)
    black76 = ff.finance.black76.implied_volatility(price, f, k, t, r, call)
    for name, iv in (("black_scholes", bs), ("merton", merton), ("black76", black76)):
        err = np.abs(iv - sigma)[ok]
        print(f"\n{name}.implied_volatility: {int(ok.sum())} representable of {price.size}; worst |dsigma| {err.max():.3g}")
        assert err.max() <= 1e-12, name
    intrinsic_ok = price > np.where(call, np.maximum(f - k, 0), np.maximum(k - f, 0)) * np.exp(-r * t) * (1 + 1e-12)
    assert not np.isnan(bs[intrinsic_ok & ok]).any()
    # Scalars: a Python float, the same value as the array path.
    i = int(np.flatnonzero(ok)[0])
    one = ff.finance.black_scholes.implied_volatility(float(price[i]), float(s[i]), float(k[i]), float(t[i]),
                                                      float(r[i]), bool(call[i]), q=float(q[i]))
    assert type(one) is float and one == bs[i]


def test_public_bachelier_round_trip():
    import fuseflow as ff

    rng = np.random.default_rng(12)
    n = 1500
    f = rng.uniform(-0.02, 0.05, n)
    k = f + rng.uniform(-0.05, 0.05, n)
    t = np.exp(rng.uniform(math.log(1 / 365), math.log(30), n))
    r = rng.uniform(-0.01, 0.06, n)
    sigma = np.exp(rng.uniform(math.log(1e-4), math.log(0.03), n))
    call = rng.random(n) < 0.5
    quotes = [_bachelier_mp(*args) for args in zip(f, k, t, sigma, call)]
    df = np.exp(-r * t)
    price = np.array([p for p, _ in quotes]) * df
    vega = np.array([v for _, v in quotes]) * df
    ok = (price >= np.finfo(float).tiny) & (vega * sigma * 1e-12 > 32 * np.spacing(np.maximum(price, 1e-300)))
    assert ok.sum() > 500
    iv = ff.finance.bachelier.implied_volatility(price, f, k, t, r, call)
    rel = np.abs(iv / sigma - 1)[ok]
    print(f"\nbachelier.implied_volatility: {int(ok.sum())} representable of {n}; worst relative error {rel.max():.3g}")
    assert rel.max() <= 1e-12


def test_public_errors_name_the_users_arguments():
    import fuseflow as ff

    assert math.isnan(ff.finance.black_scholes.implied_volatility(150.0, 100.0, 100.0, 1.0, 0.0))
    with pytest.raises(ValueError, match=r"^price: is above the upper bound"):
        ff.finance.black_scholes.implied_volatility(150.0, 100.0, 100.0, 1.0, 0.0, errors="raise")
    with pytest.raises(ValueError, match=r"^s: must be > 0.* at index 1 \(the first offending element\)"):
        ff.finance.black_scholes.implied_volatility(np.array([5.0, 5.0]), np.array([100.0, -1.0]), 100.0, 1.0, 0.0,
                                                    errors="raise")
    with pytest.raises(ValueError, match=r"^t: must be > 0"):
        ff.finance.bachelier.implied_volatility(0.01, 0.0, 0.0, 0.0, 0.0, errors="raise")
    out = ff.finance.black76.implied_volatility(np.array([[5.0, 500.0]]), 100.0, 100.0, 1.0, 0.01)
    assert out.shape == (1, 2) and np.isfinite(out[0, 0]) and np.isnan(out[0, 1])
