"""American option pricing: fuseflow.finance.american against QuantLib, measured in the same run.

Cases (medians of --repeats runs, sides timed round-robin with common.interleaved_medians so load
drift on a shared machine hits every side alike):
  batch     --n random options (S/K 0.5..1.5, T 1/12..5, sigma 0.1..0.6, r, q in [0, 0.1], calls and
            puts) priced in one call: the default method (QD-FP) and method="bjerksund_stensland"
            (2002), on all threads and on one thread; seconds per option
  sample    --sample options of the same distribution, one price each: fuseflow (one batch call, and
            a Python loop of scalar calls) against QuantLib's QdFpAmericanEngine (fastScheme,
            accurateScheme = its default, highPrecisionScheme) and BjerksundStenslandApproximationEngine,
            each a loop of recalculate() over prebuilt QuantLib option objects (set-up excluded),
            scaled per option. The worst absolute price difference to QuantLib's high-precision
            QD-FP on the sample is printed beside each (K = 100).
Threads: fuseflow uses all cores unless stated (ff.set_num_threads); QuantLib is single-threaded.
Writes bench/results/finance_american.json. Usage:
  python bench/bench_finance_american.py [--n 1000000] [--sample 200] [--repeats 3]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import fuseflow as ff  # noqa: E402
from fuseflow.finance import american as am  # noqa: E402

K = 100.0


def random_options(n, seed):
    rng = np.random.default_rng(seed)
    days = rng.integers(30, 1826, n)  # whole days: QuantLib's Actual/365 maturities match t exactly
    return {
        "s": K * rng.uniform(0.5, 1.5, n),
        "k": np.full(n, K),
        "t": days / 365.0,
        "days": days,
        "r": rng.uniform(0.0, 0.1, n),
        "q": rng.uniform(0.0, 0.1, n),
        "sigma": rng.uniform(0.1, 0.6, n),
        "is_call": rng.random(n) < 0.5,
    }


def quantlib_options(o, engine_name):
    import QuantLib as ql

    today = ql.Date(4, 12, 2026)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    options = []
    for i in range(o["s"].size):
        rts = ql.YieldTermStructureHandle(ql.FlatForward(today, float(o["r"][i]), dc, ql.Continuous))
        qts = ql.YieldTermStructureHandle(ql.FlatForward(today, float(o["q"][i]), dc, ql.Continuous))
        vts = ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), float(o["sigma"][i]), dc))
        process = ql.BlackScholesMertonProcess(ql.QuoteHandle(ql.SimpleQuote(float(o["s"][i]))), qts, rts, vts)
        payoff = ql.PlainVanillaPayoff(ql.Option.Call if o["is_call"][i] else ql.Option.Put, float(o["k"][i]))
        option = ql.VanillaOption(payoff, ql.AmericanExercise(today, today + int(o["days"][i])))
        if engine_name == "bjerksund_stensland":
            engine = ql.BjerksundStenslandApproximationEngine(process)
        else:
            scheme = getattr(ql.QdFpAmericanEngine, engine_name)()
            engine = ql.QdFpAmericanEngine(process, scheme)
        option.setPricingEngine(engine)
        options.append(option)
    return options


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    threads = ff.get_num_threads()
    rows = []

    # --- batch: n options in one call
    o = random_options(args.n, 1)
    inputs = (o["s"], o["k"], o["t"], o["r"], o["q"], o["sigma"], o["is_call"])

    def on_threads(count, fn):
        def run():
            ff.set_num_threads(count)
            try:
                fn()
            finally:
                ff.set_num_threads(0)
        return run

    qdfp = lambda: am.price(*inputs)  # noqa: E731
    bs = lambda: am.price(*inputs, method="bjerksund_stensland")  # noqa: E731
    names = [f"qdfp {threads} threads", "qdfp 1 thread", f"bjerksund_stensland {threads} threads",
             "bjerksund_stensland 1 thread"]
    fns = [on_threads(threads, qdfp), on_threads(1, qdfp), on_threads(threads, bs), on_threads(1, bs)]
    medians = common.interleaved_medians(fns, args.repeats)
    for name, sec in zip(names, medians):
        rows.append({"case": f"batch n={args.n}", "side": f"fuseflow {name}", "seconds": sec,
                     "us_per_option": sec / args.n * 1e6})

    # --- sample: per option against QuantLib
    s = random_options(args.sample, 2)
    sample_inputs = (s["s"], s["k"], s["t"], s["r"], s["q"], s["sigma"], s["is_call"])
    ql_sides = {name: quantlib_options(s, name)
                for name in ("fastScheme", "accurateScheme", "highPrecisionScheme", "bjerksund_stensland")}
    reference = np.array([opt.NPV() for opt in ql_sides["highPrecisionScheme"]])
    prices = {name: np.array([opt.NPV() for opt in opts]) for name, opts in ql_sides.items()}
    prices["fuseflow qdfp"] = am.price(*sample_inputs)
    prices["fuseflow bjerksund_stensland"] = am.price(*sample_inputs, method="bjerksund_stensland")
    scalars = [tuple(float(x) for x in (s["s"][i], s["k"][i], s["t"][i], s["r"][i], s["q"][i], s["sigma"][i]))
               + (bool(s["is_call"][i]),) for i in range(args.sample)]

    def recalc(opts):
        def run():
            for opt in opts:
                opt.recalculate()
        return run

    def scalar_loop():
        for a in scalars:
            am.price(*a)

    sample_fns = {
        "fuseflow qdfp (one batch call)": lambda: am.price(*sample_inputs),
        "fuseflow qdfp (loop of scalar calls)": scalar_loop,
        "fuseflow bjerksund_stensland (one batch call)": lambda: am.price(*sample_inputs, method="bjerksund_stensland"),
        "QuantLib QdFp fastScheme": recalc(ql_sides["fastScheme"]),
        "QuantLib QdFp accurateScheme": recalc(ql_sides["accurateScheme"]),
        "QuantLib QdFp highPrecisionScheme": recalc(ql_sides["highPrecisionScheme"]),
        "QuantLib BjerksundStensland (1993)": recalc(ql_sides["bjerksund_stensland"]),
    }
    error_of = {
        "fuseflow qdfp (one batch call)": "fuseflow qdfp", "fuseflow qdfp (loop of scalar calls)": "fuseflow qdfp",
        "fuseflow bjerksund_stensland (one batch call)": "fuseflow bjerksund_stensland",
        "QuantLib QdFp fastScheme": "fastScheme", "QuantLib QdFp accurateScheme": "accurateScheme",
        "QuantLib QdFp highPrecisionScheme": "highPrecisionScheme",
        "QuantLib BjerksundStensland (1993)": "bjerksund_stensland",
    }
    medians = common.interleaved_medians_by_name(sample_fns, args.repeats)
    base = medians["fuseflow qdfp (one batch call)"]
    for name, sec in medians.items():
        err = float(np.abs(prices[error_of[name]] - reference).max())
        rows.append({"case": f"sample n={args.sample}", "side": name, "seconds": sec,
                     "us_per_option": sec / args.sample * 1e6, "vs_fuseflow_qdfp": sec / base,
                     "worst_error_vs_ql_high_precision": err})

    common.print_table("American options (per option; sample ratios against fuseflow qdfp's batch call)", rows,
                       ["case", "side", "us_per_option", "vs_fuseflow_qdfp", "worst_error_vs_ql_high_precision"])
    common.write_results("finance_american", {"n": args.n, "sample": args.sample, "repeats": args.repeats,
                                              "threads": threads, "rows": rows})


if __name__ == "__main__":
    main()
