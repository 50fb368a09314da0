"""Implied volatility of fuseflow.finance (ported from bench/bench_finance_iv.py): the Black
(r = 0, undiscounted) implied-volatility solver vs a vectorised NumPy Newton solver and
py_vollib_vectorized (Jäckel's LBR through numba) when it runs here; one option from Python floats
vs py_vollib.

Workload: Black prices on a wide grid, ln(K/F) uniform in [-2, 2], t log-uniform in [1/52, 5],
sigma log-uniform in [0.05, 1.5], calls and puts mixed, priced by fuseflow's Black-Scholes with
r = q = 0 (exact to ~1e-14 relative) and kept where strictly inside the no-arbitrage bounds.
Every solver stops at |dsigma| <= 1e-12 or 100 iterations. Agreement is checked on the options
whose price pins sigma down to 1e-12 (vega * 1e-12 > 4 ulp(price), price > 1e-8 F); the worst
error against the true sigma and the count of non-converged / NaN results are noted per solver."""

import math
import warnings

import numpy as np

from .._harness import Disagreement
from ._finance_peers import py_vollib_vectorized

TOL = 1e-12
MAX_ITER = 100


def workload(n, seed=0):
    from fuseflow.finance import black_scholes

    rng = np.random.default_rng(seed)
    m = 3 * n  # draw extra, keep n strictly inside the bounds
    f = np.full(m, 100.0)
    k = f * np.exp(rng.uniform(-2.0, 2.0, m))
    t = np.exp(rng.uniform(math.log(1 / 52), math.log(5.0), m))
    sigma = np.exp(rng.uniform(math.log(0.05), math.log(1.5), m))
    call = rng.random(m) < 0.5
    price = black_scholes.price(f, k, t, 0.0, sigma, call)
    intrinsic = np.where(call, np.maximum(f - k, 0), np.maximum(k - f, 0))
    inside = (price > intrinsic) & (price < np.where(call, f, k))
    idx = np.flatnonzero(inside)[:n]
    sd = sigma * np.sqrt(t)
    vega = f * np.exp(-0.5 * (np.log(f / k) / sd + 0.5 * sd) ** 2) / math.sqrt(2 * math.pi) * np.sqrt(t)
    pinned = (vega * 1e-12 > 4 * np.spacing(price)) & (price > 1e-8 * f)
    return {key: v[idx] for key, v in dict(f=f, k=k, t=t, sigma=sigma, call=call, price=price, pinned=pinned).items()}


def numpy_newton(price, f, k, t, call):
    """Vectorised Newton on the Black price in sigma from the inflection point sqrt(2|ln(F/K)|/t)
    (monotone convergence in exact arithmetic), vega floored; returns (sigma, converged mask)."""
    from scipy.special import ndtr

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # far wings overflow on the way
        return _newton(price, f, k, t, call, ndtr)


def _newton(price, f, k, t, call, ndtr):
    x = np.log(f / k)
    sigma = np.sqrt(2.0 * np.abs(x) / t)
    sigma = np.where(sigma > 0, sigma, 0.2)
    converged = np.zeros(price.size, dtype=bool)
    active = np.arange(price.size)
    sqrt_t = np.sqrt(t)
    for _ in range(MAX_ITER):
        if active.size == 0:
            break
        s, st, ff_, kk, pp, cc, xx = sigma[active], sqrt_t[active], f[active], k[active], price[active], call[active], x[active]
        sd = s * st
        d1 = xx / sd + 0.5 * sd
        d2 = d1 - sd
        model = np.where(cc, ff_ * ndtr(d1) - kk * ndtr(d2), kk * ndtr(-d2) - ff_ * ndtr(-d1))
        vega = ff_ * np.exp(-0.5 * d1 * d1) * (st / math.sqrt(2 * math.pi))
        new = np.maximum(s - (model - pp) / np.maximum(vega, 1e-300), 1e-8)
        sigma[active] = new
        done = np.abs(new - s) <= TOL
        converged[active[done]] = True
        active = active[~done & np.isfinite(new)]
    return sigma, converged


def _accuracy(label, out, w, converged=None):
    err = np.abs(out - w["sigma"])
    nan = int(np.isnan(out).sum())
    bad = int((~converged).sum()) if converged is not None else nan
    worst = float(np.nanmax(np.where(w["pinned"], err, np.nan))) if w["pinned"].any() else float("nan")
    return (f"{label}: worst |sigma - true| on {int(w['pinned'].sum()):,} pinned options {worst:.2e}, "
            f"non-converged or NaN {bad:,} (NaN {nan:,}), pinned off by > 1e-8 {int((w['pinned'] & ~(err <= 1e-8)).sum()):,}")


def run(ctx):
    import fuseflow as ff
    from fuseflow.finance import _implied

    pvv = py_vollib_vectorized(ctx)
    threads = ff.get_num_threads()
    for n in ctx.pick((1000,), (10_000, 100_000), (10_000, 1_000_000)):
        w = workload(n)
        flag = np.where(w["call"], "c", "p")
        pinned = w["pinned"]

        def ours():
            return _implied.black_implied_volatility(w["price"], w["f"], w["k"], w["t"], w["call"])

        def ours_one():
            ff.set_num_threads(1)
            try:
                return ours()
            finally:
                ff.set_num_threads(threads)

        c = {"fuseflow": ours, "fuseflow 1 thread": ours_one,
             "numpy Newton": lambda: numpy_newton(w["price"], w["f"], w["k"], w["t"], w["call"])[0]}
        if pvv is not None and n <= 100_000:
            def lbr():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return np.asarray(pvv.vectorized_implied_volatility_black(
                        w["price"], w["f"], w["k"], 0.0, w["t"], flag, on_error="ignore", return_as="numpy"),
                        dtype=float).ravel()
            c["py_vollib_vectorized"] = lbr

        def agree(a, b):
            both = pinned & np.isfinite(a) & np.isfinite(b)
            diff = float(np.abs(a[both] - b[both]).max()) if both.any() else 0.0
            if diff > 1e-8:
                raise Disagreement(f"max |sigma diff| on pinned options = {diff:.3g}")
            return diff

        ctx.measure("Black implied volatility", c, size=n, size_label=f"{n:,} options", agree=agree,
                    note="max |diff| over options whose price pins sigma to 1e-12")
        sig, conv = numpy_newton(w["price"], w["f"], w["k"], w["t"], w["call"])
        ctx.note(f"{n:,} options: " + _accuracy("fuseflow", ours(), w))
        ctx.note(f"{n:,} options: " + _accuracy("numpy Newton", sig, w, conv))

    # One option at a time from Python floats (a loop over 1000 options; per option below).
    w1 = workload(ctx.pick(100, 1000, 1000), seed=1)
    calls = [(float(p), float(f), float(k), float(t), bool(c)) for p, f, k, t, c in
             zip(w1["price"], w1["f"], w1["k"], w1["t"], w1["call"])]
    solve = _implied.black_implied_volatility
    c = {"fuseflow": lambda: np.array([solve(*a) for a in calls])}
    if ctx.peer("py_vollib") is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from py_vollib.black.implied_volatility import implied_volatility as lbr_scalar
            c["py_vollib"] = lambda: np.array([lbr_scalar(p, f, k, 0.0, t, "c" if cl else "p") for p, f, k, t, cl in calls])
        except Exception as e:  # a broken install must not stop the suite
            ctx.skip("peer py_vollib (implied volatility)", f"{type(e).__name__}: {e}")
    pinned1 = w1["pinned"]

    def agree1(a, b):
        both = pinned1 & np.isfinite(a) & np.isfinite(b)
        diff = float(np.abs(a[both] - b[both]).max()) if both.any() else 0.0
        if diff > 1e-8:
            raise Disagreement(f"max |sigma diff| on pinned options = {diff:.3g}")
        return diff

    ctx.measure("Black implied volatility, a Python loop of scalar calls", c, size=len(calls),
                size_label=f"{len(calls):,} options", agree=agree1,
                note="seconds per loop over all options; max |diff| over pinned options")
