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
import time
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
        # One thread on both sides, CPU time of the calling thread: the figure other load on a
        # shared machine does not distort (NumPy is single-threaded too).
        ff.set_num_threads(1)
        try:
            ctx.measure("Black implied volatility, 1 thread, thread CPU time",
                        {"fuseflow": ours, "numpy Newton": c["numpy Newton"]}, size=n, size_label=f"{n:,} options",
                        agree=agree, clock=time.thread_time, note="time.thread_time of the calling thread")
        finally:
            ff.set_num_threads(threads)
        sig, conv = numpy_newton(w["price"], w["f"], w["k"], w["t"], w["call"])
        ctx.note(f"{n:,} options: " + _accuracy("fuseflow", ours(), w))
        ctx.note(f"{n:,} options: " + _accuracy("numpy Newton", sig, w, conv))

    _bachelier(ctx, _implied)

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


def normal_workload(n, seed=2):
    """Bachelier: rates-like forwards and strikes, normal vols 1bp..300bp, t in [1/52, 5]."""
    from fuseflow.finance import bachelier

    rng = np.random.default_rng(seed)
    f = rng.uniform(-0.01, 0.05, n)
    k = f + rng.uniform(-0.04, 0.04, n)
    t = np.exp(rng.uniform(math.log(1 / 52), math.log(5.0), n))
    sigma = np.exp(rng.uniform(math.log(1e-4), math.log(0.03), n))
    call = rng.random(n) < 0.5
    price = bachelier.price(f, k, t, 0.0, sigma, call)
    keep = price > np.where(call, np.maximum(f - k, 0), np.maximum(k - f, 0))
    sd = sigma * np.sqrt(t)
    vega = np.exp(-0.5 * ((f - k) / sd) ** 2) / math.sqrt(2 * math.pi) * np.sqrt(t)
    pinned = vega * sigma * 1e-12 > 4 * np.spacing(price)  # the price pins sigma to 1e-12 relative
    return {key: v[keep] for key, v in dict(f=f, k=k, t=t, sigma=sigma, call=call, price=price,
                                            pinned=pinned).items()}


def numpy_newton_normal(price, f, k, t, call):
    """Vectorised Newton on the Bachelier price, |dsigma| <= 1e-12 sigma, at most 100 iterations,
    from sqrt(2 pi) (time value + |F - K| / 2) / sqrt(t), an upper bound (the price is convex in
    sigma, so Newton from above converges monotonically). Returns (sigma, converged mask)."""
    from scipy.special import ndtr

    intrinsic = np.where(call, np.maximum(f - k, 0), np.maximum(k - f, 0))
    sqrt_t = np.sqrt(t)
    sigma = math.sqrt(2 * math.pi) * (price - intrinsic + 0.5 * np.abs(f - k)) / sqrt_t
    converged = np.zeros(price.size, dtype=bool)
    active = np.arange(price.size)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(MAX_ITER):
            if active.size == 0:
                break
            s, st, ff_, kk, pp, cc = sigma[active], sqrt_t[active], f[active], k[active], price[active], call[active]
            sd = s * st
            d = (ff_ - kk) / sd
            pdf = np.exp(-0.5 * d * d) / math.sqrt(2 * math.pi)
            model = np.where(cc, (ff_ - kk) * ndtr(d), (kk - ff_) * ndtr(-d)) + sd * pdf
            new = np.maximum(s - (model - pp) / np.maximum(pdf * st, 1e-300), 1e-12)
            sigma[active] = new
            done = np.abs(new - s) <= TOL * new
            converged[active[done]] = True
            active = active[~done & np.isfinite(new)]
    return sigma, converged


def _bachelier(ctx, implied):
    """Normal (Bachelier) implied volatility vs the same kind of NumPy Newton, relative rule."""
    if not hasattr(implied, "normal_implied_volatility"):
        ctx.skip("Bachelier implied volatility", "fuseflow.finance._implied.normal_implied_volatility is not built")
        return
    wn = normal_workload(ctx.pick(1000, 10_000, 10_000))
    sig, conv = numpy_newton_normal(wn["price"], wn["f"], wn["k"], wn["t"], wn["call"])
    # Compared where the price pins sigma and Newton met its rule (its failures are noted below).
    pinned = wn["pinned"] & conv

    def ours():
        return implied.normal_implied_volatility(wn["price"], wn["f"], wn["k"], wn["t"], wn["call"])

    def agree(a, b):
        both = pinned & np.isfinite(a) & np.isfinite(b)
        rel = float(np.abs(a[both] / b[both] - 1).max()) if both.any() else 0.0
        if rel > 1e-8:
            raise Disagreement(f"max relative sigma diff on pinned options = {rel:.3g}")
        return float(np.abs(a[both] - b[both]).max()) if both.any() else 0.0

    n = int(wn["price"].size)
    ctx.measure("Bachelier (normal) implied volatility", {
        "fuseflow": ours,
        "numpy Newton": lambda: numpy_newton_normal(wn["price"], wn["f"], wn["k"], wn["t"], wn["call"])[0]},
        size=n, size_label=f"{n:,} options", agree=agree,
        note="agreement: relative 1e-8 on pinned options where Newton converged")
    got = ours()
    pinned = wn["pinned"]
    ctx.note(f"Bachelier {n:,} options ({int(pinned.sum()):,} pinned): worst relative error fuseflow "
             f"{np.nanmax(np.abs(got / wn['sigma'] - 1)[pinned]):.2e}, NaN {int(np.isnan(got).sum())}; NumPy Newton "
             f"{np.nanmax(np.abs(sig / wn['sigma'] - 1)[pinned]):.2e}, non-converged {int((~conv).sum())}")
