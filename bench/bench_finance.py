"""fuseflow.finance European pricing vs NumPy+SciPy, math-module Python, QuantLib and
py_vollib_vectorized: same run, interleaved rounds, medians, ratios = peer / fuseflow.

Workloads (random options, every argument an array: s, k in [50, 150], t in [0.1, 2], r in
[0, 0.1], sigma in [0.1, 0.5]; 48 bytes per option move through memory: five float64 inputs,
one output):
- Black-Scholes calls at 1,000,000 (default threads and one thread), 10,000 and 100 options,
  vs the formula written with NumPy + scipy.special.ndtr (what a NumPy user writes); and 1M
  with only s an array (16 bytes per option);
- one call from Python with Python floats vs the same formula with the math module, QuantLib's
  blackFormula (forward, std dev and discount precomputed, its best case) and py_vollib;
- all greeks (delta, gamma, vega, theta, rho, dividend rho, vanna, volga, charm) of 1M options in
  one call vs NumPy computing the same set, and vs the cost of a fuseflow price;
- py_vollib_vectorized beside where it applies (prices; its first-order greeks).
The measurement functions (measure_batch, measure_scalar, measure_greeks) are importable.
Usage: python bench/bench_finance.py [--repeats 9] [--quick]
"""

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import ndtr

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

import fuseflow  # noqa: E402
from fuseflow.finance import black_scholes  # noqa: E402


def random_options(n, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.uniform(50, 150, n),
        rng.uniform(50, 150, n),
        rng.uniform(0.1, 2.0, n),
        rng.uniform(0.0, 0.1, n),
        rng.uniform(0.1, 0.5, n),
    )


def numpy_call(s, k, t, r, sigma):
    """Black-Scholes call written with NumPy + scipy.special.ndtr."""
    sq = sigma * np.sqrt(t)
    d1 = (np.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
    return s * ndtr(d1) - k * np.exp(-r * t) * ndtr(d1 - sq)


def numpy_greeks(s, k, t, r, sigma, q=0.0):
    """The same nine greeks fuseflow returns (calls), in NumPy + SciPy."""
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


def _vollib_vectorized():
    """The module when it imports and prices (it is numba-compiled; some numba versions reject
    it at the first call), else None with the reason printed once."""
    global _PVV
    if _PVV is False:
        try:
            import py_vollib_vectorized as pvv

            pvv.vectorized_black_scholes(np.array(["c"]), np.array([100.0]), np.array([100.0]), np.array([1.0]),
                                         np.array([0.0]), np.array([0.2]), return_as="numpy")
            _PVV = pvv
        except Exception as exc:  # noqa: BLE001 (any failure means: not measurable here)
            print(f"py_vollib_vectorized unavailable: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
            _PVV = None
    return _PVV


_PVV = False


def _single_thread(fn):
    def run():
        fuseflow.set_num_threads(1)
        try:
            fn()
        finally:
            fuseflow.set_num_threads(0)

    return run


def measure_batch(n, repeats, seed=0, spot_only=False):
    """{name: median seconds} for n Black-Scholes calls: fuseflow (threads, one thread), NumPy+SciPy,
    py_vollib_vectorized when installed. spot_only: s an array, k, t, r, sigma Python floats
    (a strike/expiry slice; NumPy broadcasts them, fuseflow shares them as stride-0 operands)."""
    s, k, t, r, sigma = random_options(n, seed)
    if spot_only:
        k, t, r, sigma = 100.0, 0.75, 0.03, 0.25
    fns = {
        "fuseflow": lambda: black_scholes.call_price(s, k, t, r, sigma),
        "fuseflow_1thread": _single_thread(lambda: black_scholes.call_price(s, k, t, r, sigma)),
        "numpy_scipy": lambda: numpy_call(s, k, t, r, sigma),
    }
    pvv = _vollib_vectorized()
    if pvv is not None and n >= 10_000 and not spot_only:
        flags = np.array(["c"] * n)
        fns["py_vollib_vectorized"] = lambda: pvv.vectorized_black_scholes(flags, s, k, t, r, sigma, return_as="numpy")
    np.testing.assert_allclose(fns["fuseflow"](), numpy_call(s, k, t, r, sigma), rtol=1e-9, atol=1e-9)
    return common.interleaved_medians_by_name(fns, repeats)


def _per_call_ns(fn, args, calls):
    start = time.perf_counter()
    for _ in range(calls):
        fn(*args)
    return (time.perf_counter() - start) / calls * 1e9


def measure_scalar(repeats, calls=20_000):
    """{name: median ns per call} for one Black-Scholes call from Python with Python floats."""
    args = (100.0, 95.0, 0.75, 0.03, 0.25)

    def math_call(s, k, t, r, sigma):
        sq = sigma * math.sqrt(t)
        d1 = (math.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
        d2 = d1 - sq
        return s * 0.5 * math.erfc(-d1 / math.sqrt(2)) - k * math.exp(-r * t) * 0.5 * math.erfc(-d2 / math.sqrt(2))

    def empty(s, k, t, r, sigma):
        return None

    fns = {"fuseflow": black_scholes.call_price, "math_python": math_call, "empty_python_call": empty}
    try:
        import QuantLib as ql

        df = math.exp(-args[3] * args[2])
        ql_args = (ql.Option.Call, args[1], args[0] / df, args[4] * math.sqrt(args[2]), df)
        fns["quantlib_blackFormula"] = ql.blackFormula
        assert abs(ql.blackFormula(*ql_args) - black_scholes.call_price(*args)) < 1e-9
    except ImportError:
        ql_args = None
    try:
        from py_vollib.black_scholes import black_scholes as vollib_bs

        vollib_bs("c", *args)
        fns["py_vollib"] = lambda s, k, t, r, sigma: vollib_bs("c", s, k, t, r, sigma)
    except Exception as exc:  # noqa: BLE001 (py_vollib_vectorized patches it; numba may reject it)
        print(f"py_vollib unavailable: {type(exc).__name__}")
    assert abs(math_call(*args) - black_scholes.call_price(*args)) < 1e-12
    samples = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            call_args = ql_args if name == "quantlib_blackFormula" else args
            samples[name].append(_per_call_ns(fn, call_args, calls))
    return {name: float(np.median(v)) for name, v in samples.items()}


def measure_greeks(n, repeats, seed=1):
    """{name: median seconds}: fuseflow all greeks (one call), NumPy same set, fuseflow price,
    py_vollib_vectorized first-order greeks when installed."""
    s, k, t, r, sigma = random_options(n, seed)
    fns = {
        "fuseflow_greeks": lambda: black_scholes.greeks(s, k, t, r, sigma),
        "numpy_greeks": lambda: numpy_greeks(s, k, t, r, sigma),
        "fuseflow_price": lambda: black_scholes.call_price(s, k, t, r, sigma),
    }
    pvv = _vollib_vectorized()
    if pvv is not None:
        flags = np.array(["c"] * n)
        fns["py_vollib_vectorized_first_order"] = lambda: pvv.get_all_greeks(
            flags, s, k, t, r, sigma, model="black_scholes", return_as="dict"
        )
    ours, ref = black_scholes.greeks(s, k, t, r, sigma), numpy_greeks(s, k, t, r, sigma)
    for key in ref:
        np.testing.assert_allclose(ours[key], ref[key], rtol=1e-8, atol=1e-8 * np.abs(ref[key]).max(), err_msg=key)
    return common.interleaved_medians_by_name(fns, repeats)


def cpu_medians(fns, repeats):
    """Median CPU seconds of the calling thread for each fn, interleaved: for one-thread
    comparisons on a shared machine, where wall time counts other processes' load and CPU time
    does not. Only meaningful when every fn runs on the calling thread alone."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.thread_time()
            fn()
            times[name].append(time.thread_time() - start)
    return {name: float(np.median(v)) for name, v in times.items()}


def measure_cpu_one_thread(repeats):
    """{workload: {impl: median CPU seconds}} with fuseflow on one thread (NumPy is single-threaded)."""
    result = {}
    fuseflow.set_num_threads(1)
    try:
        for n in (1_000_000, 10_000, 100):
            s, k, t, r, sigma = random_options(n)
            calls = max(1, 10_000 // n)  # time a loop of small calls: thread_time ticks coarsely

            def ours(a=(s, k, t, r, sigma), c=calls):
                for _ in range(c):
                    black_scholes.call_price(*a)

            def theirs(a=(s, k, t, r, sigma), c=calls):
                for _ in range(c):
                    numpy_call(*a)

            m = cpu_medians({"fuseflow": ours, "numpy_scipy": theirs}, repeats)
            result[f"{n} calls"] = {name: sec / calls for name, sec in m.items()}
        s, k, t, r, sigma = random_options(1_000_000, 1)
        result["1M all greeks"] = cpu_medians(
            {
                "fuseflow": lambda: black_scholes.greeks(s, k, t, r, sigma),
                "numpy_scipy": lambda: numpy_greeks(s, k, t, r, sigma),
                "fuseflow_price": lambda: black_scholes.call_price(s, k, t, r, sigma),
            },
            repeats,
        )
    finally:
        fuseflow.set_num_threads(0)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for a smoke run")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    print(f"fuseflow threads: {fuseflow.get_num_threads()}")
    rows, payload = [], {"batch": {}, "scalar_ns": {}, "greeks": {}}
    for n, reps, spot_only in ((1_000_000, repeats, False), (1_000_000, repeats, True), (10_000, repeats * 20, False),
                               (100, repeats * 200, False)):
        m = measure_batch(n, reps, spot_only=spot_only)
        label = f"{n} (s only)" if spot_only else str(n)
        payload["batch"][label] = m
        base = m["numpy_scipy"]
        for name, sec in m.items():
            rows.append({"options": label, "impl": name, "us": sec * 1e6, "numpy/impl": base / sec})
    common.print_table("Black-Scholes calls (median us, ratio = NumPy+SciPy time / impl time)", rows,
                       ["options", "impl", "us", "numpy/impl"])

    scalar = measure_scalar(repeats)
    payload["scalar_ns"] = scalar
    common.print_table("One call from Python, Python floats (median ns per call, loop included)",
                       [{"impl": k, "ns": v, "impl/fuseflow": v / scalar["fuseflow"]} for k, v in scalar.items()],
                       ["impl", "ns", "impl/fuseflow"])

    g = measure_greeks(1_000_000, repeats)
    payload["greeks"] = g
    common.print_table(
        "All greeks of 1M options (median ms)",
        [{"impl": k, "ms": v * 1e3, "vs fuseflow_greeks": v / g["fuseflow_greeks"]} for k, v in g.items()],
        ["impl", "ms", "vs fuseflow_greeks"],
    )
    print(f"\ngreeks / price cost: {g['fuseflow_greeks'] / g['fuseflow_price']:.2f}x")

    cpu = measure_cpu_one_thread(repeats)
    payload["cpu_one_thread"] = cpu
    cpu_rows = []
    for workload, m in cpu.items():
        for name, sec in m.items():
            cpu_rows.append({"workload": workload, "impl": name, "us": sec * 1e6,
                             "numpy/impl": m["numpy_scipy"] / sec})
    common.print_table("CPU time of the calling thread, fuseflow on one thread (robust to other load; "
                       "ratio = NumPy+SciPy / impl)", cpu_rows, ["workload", "impl", "us", "numpy/impl"])
    common.write_results("finance", payload)


if __name__ == "__main__":
    main()
