"""Implied volatility: fuseflow vs a vectorised NumPy Newton solver (and py_vollib beside).

Workload: Black (r = 0, undiscounted) prices from the same model on a wide grid: ln(K/F) uniform in
[-2, 2], t log-uniform in [1/52, 5], sigma log-uniform in [0.05, 1.5], calls and puts mixed; prices
from fuseflow.finance.black_scholes.price (r = q = 0), kept where strictly inside the bounds.

Peers, same stopping rule (|dsigma| <= 1e-12, at most 100 iterations):
- NumPy Newton: vectorised over the options still iterating (compressed each round), starting at
  the inflection point sigma = sqrt(2 |ln(F/K)| / t) (Manaster-Koehler: Newton from there converges
  monotonically in exact arithmetic), vega floored so a step never divides by zero; an option
  is non-converged when it ends without meeting the rule (or NaN).
- fuseflow: ff.finance._implied.black_implied_volatility (LBR-style guess + Householder(3)), all
  threads and one thread.
- py_vollib_vectorized (Jäckel's LBR through numba) when it imports; py_vollib scalar for one call.
Timing: interleaved rounds (bench/common.py interleaved_medians), medians, ratios from one run.
Accuracy: worst |sigma_out - sigma_true| over options whose price pins sigma down to 1e-12
(vega * 1e-12 > 4 ulp(price), price > 1e-8 F), and the count of non-converged / NaN results.
Usage: python bench/bench_finance_iv.py [--repeats 7] [--sizes 10000 1000000]
"""

import argparse
import math
import subprocess
import sys
import warnings

import numpy as np
from scipy.special import ndtr

import fuseflow as ff
from fuseflow.finance import _implied, black_scholes

from common import interleaved_medians, print_table, write_results

TOL = 1e-12
MAX_ITER = 100


def black_price(f, k, t, sigma, call):
    # fuseflow's Black-Scholes pricer with r = q = 0 is the undiscounted Black price; it is exact to
    # ~1e-14 relative (tests/python/test_finance.py), where the textbook NumPy formula cancels out
    # of the money and would make the "true" sigma of a price wrong by more than 1e-12.
    return black_scholes.price(f, k, t, 0.0, sigma, call)


def workload(n, seed=0):
    rng = np.random.default_rng(seed)
    m = 3 * n  # draw extra, keep n strictly inside the bounds
    f = np.full(m, 100.0)
    k = f * np.exp(rng.uniform(-2.0, 2.0, m))
    t = np.exp(rng.uniform(math.log(1 / 52), math.log(5.0), m))
    sigma = np.exp(rng.uniform(math.log(0.05), math.log(1.5), m))
    call = rng.random(m) < 0.5
    price = black_price(f, k, t, sigma, call)
    intrinsic = np.where(call, np.maximum(f - k, 0), np.maximum(k - f, 0))
    inside = (price > intrinsic) & (price < np.where(call, f, k))
    idx = np.flatnonzero(inside)[:n]
    sd = sigma * np.sqrt(t)
    vega = f * np.exp(-0.5 * (np.log(f / k) / sd + 0.5 * sd) ** 2) / math.sqrt(2 * math.pi) * np.sqrt(t)
    # Where the price pins sigma down to 1e-12, inside the pricer's accuracy domain (> 1e-8 F: below
    # it the pricer's own error, up to ~1e-6 relative, would dominate the comparison).
    pinned = (vega * 1e-12 > 4 * np.spacing(price)) & (price > 1e-8 * f)
    return {key: v[idx] for key, v in dict(f=f, k=k, t=t, sigma=sigma, call=call, price=price, pinned=pinned).items()}


def numpy_newton(price, f, k, t, call):
    """Vectorised Newton on the Black price in sigma; returns (sigma, converged mask)."""
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
        step = (model - pp) / np.maximum(vega, 1e-300)
        new = np.maximum(s - step, 1e-8)
        sigma[active] = new
        done = np.abs(new - s) <= TOL
        converged[active[done]] = True
        keep = ~done & np.isfinite(new)
        active = active[keep]
    return sigma, converged


def _import_py_vollib_vectorized():
    """The module if its solver runs here, else None. Probed in a subprocess first: importing it
    patches py_vollib's own functions, and on this numba its kernels fail to compile, which would
    take the scalar py_vollib peer down with it."""
    probe = ("import numpy as np, py_vollib_vectorized as p; p.vectorized_implied_volatility_black("
             "np.array([5.0]), np.array([100.0]), np.array([100.0]), 0.0, np.array([1.0]), np.array(['c']), "
             "return_as='numpy')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        print(f"py_vollib_vectorized unavailable (its solver fails here: {last[:120]})")
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import py_vollib_vectorized

    return py_vollib_vectorized


def fuseflow_iv(w):
    return _implied.black_implied_volatility(w["price"], w["f"], w["k"], w["t"], w["call"])


def report(label, out, w, converged=None):
    err = np.abs(out - w["sigma"])
    nan = int(np.isnan(out).sum())
    bad = int((~converged).sum()) if converged is not None else nan
    worst = float(np.nanmax(np.where(w["pinned"], err, np.nan)))
    return {"solver": label, "non_converged_or_nan": bad, "nan": nan, "worst_abs_err_pinned": worst,
            "pinned_off_by_1e-8": int((w["pinned"] & ~(err <= 1e-8)).sum()), "pinned": int(w["pinned"].sum())}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 1_000_000])
    args = parser.parse_args()

    pvv = _import_py_vollib_vectorized()

    threads = ff.get_num_threads()
    rows, accuracy = [], []
    for n in args.sizes:
        w = workload(n)
        flag = np.where(w["call"], "c", "p")

        def ours_all():
            return fuseflow_iv(w)

        def ours_one():
            ff.set_num_threads(1)
            try:
                return fuseflow_iv(w)
            finally:
                ff.set_num_threads(threads)

        def newton():
            return numpy_newton(w["price"], w["f"], w["k"], w["t"], w["call"])

        fns = {"fuseflow": ours_all, "fuseflow_1thread": ours_one, "numpy_newton": newton}
        if pvv is not None and n <= 100_000:
            def lbr_vectorized():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return pvv.vectorized_implied_volatility_black(w["price"], w["f"], w["k"], 0.0, w["t"], flag,
                                                                   on_error="ignore", return_as="numpy")
            fns["py_vollib_vectorized"] = lbr_vectorized
        repeats = args.repeats if n <= 100_000 else max(3, args.repeats // 2)
        med = dict(zip(fns, interleaved_medians(list(fns.values()), repeats)))
        row = {"n": n, "threads": threads}
        for name, sec in med.items():
            row[f"{name}_ms"] = sec * 1e3
        row["speedup_vs_newton"] = med["numpy_newton"] / med["fuseflow"]
        row["speedup_1thread_vs_newton"] = med["numpy_newton"] / med["fuseflow_1thread"]
        if "py_vollib_vectorized" in med:
            row["speedup_vs_py_vollib_vectorized"] = med["py_vollib_vectorized"] / med["fuseflow"]
        rows.append(row)

        ours = fuseflow_iv(w)
        sig, conv = newton()
        acc = [dict(n=n, **report("fuseflow", ours, w)), dict(n=n, **report("numpy_newton", sig, w, conv))]
        if "py_vollib_vectorized" in fns:
            acc.append(dict(n=n, **report("py_vollib_vectorized", np.asarray(fns["py_vollib_vectorized"](), dtype=float).ravel(), w)))
        accuracy.extend(acc)

    # One option from Python floats.
    w1 = workload(1000, seed=1)
    calls = [(float(p), float(f), float(k), float(t), bool(c)) for p, f, k, t, c in
             zip(w1["price"], w1["f"], w1["k"], w1["t"], w1["call"])]

    def scalar_ours():
        solve = _implied.black_implied_volatility
        for p, f, k, t, c in calls:
            solve(p, f, k, t, c)

    scalar_fns = {"fuseflow": scalar_ours}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from py_vollib.black.implied_volatility import implied_volatility as lbr

        def scalar_lbr():
            for p, f, k, t, c in calls:
                lbr(p, f, k, 0.0, t, "c" if c else "p")

        scalar_fns["py_vollib"] = scalar_lbr
    except Exception as exc:
        print(f"py_vollib unavailable: {exc}")
    smed = dict(zip(scalar_fns, interleaved_medians(list(scalar_fns.values()), args.repeats)))
    scalar = {f"{k}_ns_per_call": v / len(calls) * 1e9 for k, v in smed.items()}
    if "py_vollib" in smed:
        scalar["speedup_vs_py_vollib"] = smed["py_vollib"] / smed["fuseflow"]

    columns = sorted({c for r in rows for c in r}, key=lambda c: (c != "n", c))
    print_table(f"Black implied volatility, medians of interleaved rounds ({threads} threads unless noted)", rows, columns)
    print_table("Accuracy and failures (same inputs)", accuracy,
                ["n", "solver", "non_converged_or_nan", "nan", "pinned", "pinned_off_by_1e-8", "worst_abs_err_pinned"])
    print_table("One option from Python floats", [scalar], list(scalar))
    write_results("finance_iv", {"rules": __doc__, "timings": rows, "accuracy": accuracy, "scalar": scalar})


if __name__ == "__main__":
    main()
