"""American options of fuseflow.finance (ported from bench/bench_finance_american.py).

- batch: random options (S/K 0.5..1.5, T 30..1825 days, sigma 0.1..0.6, r, q in [0, 0.1], calls
  and puts) priced in one call: QD-FP (the default, baseline) and Bjerksund-Stensland 2002, on all
  threads and on one thread. The two methods are different approximations: their max |diff| is
  reported; every price must lie between max(European, intrinsic) and QD-FP + 0.01 + 0.1%.
- sample: a few hundred options, one price each: fuseflow (one batch call, and a Python loop of
  scalar calls, which must agree to 1e-12) vs QuantLib's QdFpAmericanEngine (fast, accurate = its
  default, high-precision schemes) and BjerksundStenslandApproximationEngine (1993), each a loop of
  recalculate() over prebuilt option objects (set-up excluded). The worst price difference of each
  side to QuantLib's high-precision QD-FP is noted. QuantLib is single-threaded."""

import numpy as np

from .._harness import Disagreement

K = 100.0


def random_options(n, seed):
    rng = np.random.default_rng(seed)
    days = rng.integers(30, 1826, n)  # whole days: QuantLib's Actual/365 maturities match t exactly
    return {"s": K * rng.uniform(0.5, 1.5, n), "k": np.full(n, K), "t": days / 365.0, "days": days,
            "r": rng.uniform(0.0, 0.1, n), "q": rng.uniform(0.0, 0.1, n), "sigma": rng.uniform(0.1, 0.6, n),
            "is_call": rng.random(n) < 0.5}


def quantlib_options(ql, o, engine_name):
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
            engine = ql.QdFpAmericanEngine(process, getattr(ql.QdFpAmericanEngine, engine_name)())
        option.setPricingEngine(engine)
        options.append(option)
    return options


def _bounds_agree(o):
    """Agreement for different approximations of one American price (the baseline is QD-FP):
    every side must lie between the exercise-free bound max(European, intrinsic) and QD-FP plus
    its accuracy (0.01 + 0.1%), since Bjerksund-Stensland values a fixed, suboptimal exercise
    rule (a lower bound: it can sit far below QD-FP on long-dated, high-rate, out-of-the-money
    puts) and QuantLib's QD-FP schemes differ from it by their own error. Returns max |diff|."""
    from fuseflow.finance import black_scholes

    european = black_scholes.price(o["s"], o["k"], o["t"], o["r"], o["sigma"], o["is_call"], q=o["q"])
    intrinsic = np.where(o["is_call"], np.maximum(o["s"] - o["k"], 0.0), np.maximum(o["k"] - o["s"], 0.0))
    floor = np.maximum(european, intrinsic)

    def agree(ours, theirs):
        ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
        low = theirs < floor - 1e-6 - 1e-9 * floor
        high = theirs > ours + 0.01 + 1e-3 * ours
        if low.any() or high.any():
            i = int(np.flatnonzero(low | high)[0])
            raise Disagreement(f"option {i}: price {theirs[i]:.6g} outside [{floor[i]:.6g}, QD-FP {ours[i]:.6g} + 0.01]")
        return float(np.abs(ours - theirs).max())
    return agree


def run(ctx):
    import fuseflow as ff
    from fuseflow.finance import american as am

    threads = ff.get_num_threads()

    def on_threads(count, fn):
        def run_():
            ff.set_num_threads(count)
            try:
                return fn()
            finally:
                ff.set_num_threads(threads)
        return run_

    n = ctx.pick(1000, 20_000, 1_000_000)  # quick: 20k American options (100k took ~40 s of --quick)
    o = random_options(n, 1)
    inputs = (o["s"], o["k"], o["t"], o["r"], o["q"], o["sigma"], o["is_call"])
    qdfp = lambda: am.price(*inputs)  # noqa: E731
    bs = lambda: am.price(*inputs, method="bjerksund_stensland")  # noqa: E731
    ctx.measure("American price, batch (QD-FP)", {
        "fuseflow": qdfp, "fuseflow 1 thread": on_threads(1, qdfp),
        "fuseflow bjerksund_stensland": bs, "fuseflow bjerksund_stensland 1 thread": on_threads(1, bs)},
        size=n, size_label=f"{n:,} options", agree=_bounds_agree(o),
        note="Bjerksund-Stensland 2002 is a cheaper lower-bound approximation: max |diff| is the method difference")

    ql = ctx.peer("quantlib")
    m = ctx.pick(5, 20, 200)  # QuantLib high precision costs ~80 ms per option
    s = random_options(m, 2)
    sample = (s["s"], s["k"], s["t"], s["r"], s["q"], s["sigma"], s["is_call"])
    scalars = [tuple(float(x) for x in (s["s"][i], s["k"][i], s["t"][i], s["r"][i], s["q"][i], s["sigma"][i]))
               + (bool(s["is_call"][i]),) for i in range(m)]
    batch = am.price(*sample)
    loop = np.array([am.price(*a) for a in scalars])
    if not np.allclose(loop, batch, rtol=1e-12, atol=1e-12):
        raise AssertionError("fuseflow american: scalar calls differ from the batch call")
    c = {"fuseflow": lambda: am.price(*sample),
         "fuseflow loop of scalar calls": lambda: np.array([am.price(*a) for a in scalars]),
         "fuseflow bjerksund_stensland": lambda: am.price(*sample, method="bjerksund_stensland")}
    if ql is not None:
        sides = {name: quantlib_options(ql, s, name)
                 for name in ("fastScheme", "accurateScheme", "highPrecisionScheme", "bjerksund_stensland")}
        reference = np.array([opt.NPV() for opt in sides["highPrecisionScheme"]])

        def recalc(opts):
            def run_():
                for opt in opts:
                    opt.recalculate()
                return np.array([opt.NPV() for opt in opts])
            return run_

        for name, label in (("fastScheme", "QuantLib QdFp fastScheme"), ("accurateScheme", "QuantLib QdFp accurateScheme"),
                            ("highPrecisionScheme", "QuantLib QdFp highPrecisionScheme"),
                            ("bjerksund_stensland", "QuantLib BjerksundStensland (1993)")):
            if name != "highPrecisionScheme" or ctx.profile.name != "tiny":  # ~80 ms per option
                c[label] = recalc(sides[name])
            err = float(np.abs(np.array([opt.NPV() for opt in sides[name]]) - reference).max())
            ctx.note(f"{m} options: worst |{label} - QuantLib high precision| = {err:.2e}")
        for label, prices in (("fuseflow QD-FP", batch), ("fuseflow bjerksund_stensland",
                                                          am.price(*sample, method="bjerksund_stensland"))):
            ctx.note(f"{m} options: worst |{label} - QuantLib high precision| = {np.abs(prices - reference).max():.2e}")
    ctx.measure("American price, sample vs QuantLib", c, size=m, size_label=f"{m} options", agree=_bounds_agree(s),
                note="seconds for the whole sample; QuantLib: recalculate() + NPV() per prebuilt option")
