"""European pricing of fuseflow.finance (ported from bench/bench_finance.py): Black-Scholes calls
in batches vs NumPy + scipy.special.ndtr and py_vollib_vectorized; one call from Python floats vs
the math module, QuantLib's blackFormula and py_vollib; all nine greeks of a batch vs NumPy.

Options are random with every argument an array: s, k in [50, 150], t in [0.1, 2], r in [0, 0.1],
sigma in [0.1, 0.5]."""

import math

import numpy as np

from .._harness import Disagreement, max_abs_diff
from ._finance_peers import py_vollib_vectorized


def random_options(n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(50, 150, n), rng.uniform(50, 150, n), rng.uniform(0.1, 2.0, n), rng.uniform(0.0, 0.1, n),
            rng.uniform(0.1, 0.5, n))


def numpy_call(s, k, t, r, sigma):
    """Black-Scholes call written with NumPy + scipy.special.ndtr (what a NumPy user writes)."""
    from scipy.special import ndtr

    sq = sigma * np.sqrt(t)
    d1 = (np.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
    return s * ndtr(d1) - k * np.exp(-r * t) * ndtr(d1 - sq)


def numpy_greeks(s, k, t, r, sigma, q=0.0):
    """The nine greeks fuseflow returns (calls), in NumPy + SciPy."""
    from scipy.special import ndtr

    sqrt_t = np.sqrt(t)
    sq = sigma * sqrt_t
    d1 = (np.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / sq
    d2 = d1 - sq
    pdf = np.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
    n1, n2 = ndtr(d1), ndtr(d2)
    eq, er = np.exp(-q * t), np.exp(-r * t)
    vega = s * eq * pdf * sqrt_t
    return {
        "delta": eq * n1,
        "gamma": eq * pdf / (s * sq),
        "vega": vega,
        "theta": -s * eq * pdf * sigma / (2 * sqrt_t) + q * s * eq * n1 - r * k * er * n2,
        "rho": k * t * er * n2,
        "dividend_rho": -s * t * eq * n1,
        "vanna": -eq * pdf * d2 / sigma,
        "volga": vega * d1 * d2 / sigma,
        "charm": q * eq * n1 - eq * pdf * (2 * (r - q) * t - d2 * sq) / (2 * t * sq),
    }


def _threads(ff, count, fn):
    def run():
        saved = ff.get_num_threads()
        ff.set_num_threads(count)
        try:
            return fn()
        finally:
            ff.set_num_threads(saved)
    return run


def run(ctx):
    import fuseflow as ff
    from fuseflow.finance import black_scholes

    pvv = py_vollib_vectorized(ctx)
    for n in ctx.pick((100, 10_000), (100, 10_000, 1_000_000), (100, 10_000, 1_000_000)):
        s, k, t, r, sigma = random_options(n)
        c = {"fuseflow": lambda: black_scholes.call_price(s, k, t, r, sigma),
             "fuseflow 1 thread": _threads(ff, 1, lambda: black_scholes.call_price(s, k, t, r, sigma)),
             "numpy + scipy.special.ndtr": lambda: numpy_call(s, k, t, r, sigma)}
        if pvv is not None and n >= 10_000:
            flags = np.array(["c"] * n)
            c["py_vollib_vectorized"] = lambda flags=flags: pvv.vectorized_black_scholes(
                flags, s, k, t, r, sigma, return_as="numpy").reshape(-1)
        ctx.measure("fuseflow.finance Black-Scholes call_price", c, size=n, size_label=f"{n:,} options", rtol=1e-9,
                    atol=1e-9)

    # The bandwidth floor of the pricing pass: one fused loop reading the same five float64
    # arrays and writing one (48 MB at 1M), beside NumPy's four passes for the same sum.
    n = ctx.pick(10_000, 1_000_000, 1_000_000)
    s, k, t, r, sigma = random_options(n)
    floor = _streaming_sum()
    ctx.measure("streaming floor: read 5 float64 arrays, write 1 (s + k + t + r + sigma)",
                {"fuseflow": lambda: floor(s, k, t, r, sigma),
                 "fuseflow 1 thread": _threads(ff, 1, lambda: floor(s, k, t, r, sigma)),
                 "numpy (four passes)": lambda: s + k + t + r + sigma},
                size=n, size_label=f"{n:,} options", rtol=1e-15, atol=0,
                note="fuseflow = one fused ff.jit loop: the memory-traffic floor of a price call on this machine")

    # One call from Python with Python floats (per call; the harness batches the calls).
    args = (100.0, 95.0, 0.75, 0.03, 0.25)

    def math_call(s, k, t, r, sigma):
        sq = sigma * math.sqrt(t)
        d1 = (math.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
        d2 = d1 - sq
        return s * 0.5 * math.erfc(-d1 / math.sqrt(2)) - k * math.exp(-r * t) * 0.5 * math.erfc(-d2 / math.sqrt(2))

    c = {"fuseflow": lambda: black_scholes.call_price(*args), "Python math module": lambda: math_call(*args)}
    ql = ctx.peer("quantlib")
    if ql is not None:
        df = math.exp(-args[3] * args[2])
        ql_args = (ql.Option.Call, args[1], args[0] / df, args[4] * math.sqrt(args[2]), df)
        # blackFormula on forward, std dev and discount precomputed: QuantLib's best case.
        c["QuantLib blackFormula"] = lambda: ql.blackFormula(*ql_args)
    vollib = ctx.peer("py_vollib")
    if vollib is not None:
        from py_vollib.black_scholes import black_scholes as vollib_bs

        c["py_vollib"] = lambda: vollib_bs("c", *args)
    reference = black_scholes.call_price(*args)
    c["empty Python call (floor)"] = lambda: reference
    ctx.measure("one Black-Scholes call from Python floats", c, size=1, size_label="1 option", rtol=1e-11,
                note="'empty Python call' returns a stored price: the cost of calling anything from Python")

    # The figure is at 1M options, on both threads and on one (the win must not come
    # from threads alone), so both counts are measured explicitly beside the default.
    n = ctx.pick(10_000, 1_000_000, 1_000_000)
    s, k, t, r, sigma = random_options(n, 1)
    c = {"fuseflow": lambda: black_scholes.greeks(s, k, t, r, sigma)}
    if ff.get_num_threads() != 2:  # on a 2-core machine the default already is 2 threads
        c["fuseflow 2 threads"] = _threads(ff, 2, lambda: black_scholes.greeks(s, k, t, r, sigma))
    c.update({"fuseflow 1 thread": _threads(ff, 1, lambda: black_scholes.greeks(s, k, t, r, sigma)),
              "numpy + scipy (same nine greeks)": lambda: numpy_greeks(s, k, t, r, sigma),
              "fuseflow price only": lambda: None if black_scholes.call_price(s, k, t, r, sigma) is None else None})
    if pvv is not None:
        flags = np.array(["c"] * n)
        c["py_vollib_vectorized (first-order greeks)"] = lambda: pvv.get_all_greeks(
            flags, s, k, t, r, sigma, model="black_scholes", return_as="dict") and None
    ctx.measure("fuseflow.finance Black-Scholes greeks (all nine)", c, size=n, size_label=f"{n:,} options",
                agree=_agree_greeks, note="'price only' and py_vollib_vectorized compute less (no comparison)")


def _agree_greeks(ours, theirs):
    if theirs is None:
        return 0.0
    worst = 0.0
    for key, ref in theirs.items():
        diff = max_abs_diff(ours[key], ref)
        if not diff <= 1e-8 * max(1.0, float(np.abs(ref).max())):
            raise Disagreement(f"{key}: max |diff| = {diff:.3g}")
        worst = max(worst, diff)
    return worst


def _streaming_sum():
    from fuseflow import jit

    @jit
    def streaming_sum(s, k, t, r, sigma):
        return s + k + t + r + sigma

    return streaming_sum
