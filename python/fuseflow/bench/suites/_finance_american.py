"""American options of fuseflow.finance (ported from bench/bench_finance_american.py).

- batch: random options (S/K 0.5..1.5, T 30..1825 days, sigma 0.1..0.6, r, q in [0, 0.1], calls
  and puts) priced in one call: QD-FP (the default, baseline) and Bjerksund-Stensland 2002, on all
  threads and on one thread. The two methods are different approximations: their max |diff| is
  reported, not required to vanish.
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


def _model_diff(ours, theirs):
    """Different approximations of the same price: the difference is reported, bounded only by a
    sanity limit of 5% of the price (+ 0.05 on K = 100): beyond it a side has a bug, not a method
    difference (Bjerksund-Stensland undershoots QD-FP by up to ~1.5 on deep, long-dated options)."""
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    diff = np.abs(ours - theirs)
    if not np.all(diff <= 0.05 * np.abs(ours) + 0.05):
        i = int(np.nanargmax(diff - 0.05 * np.abs(ours)))
        raise Disagreement(f"price {theirs[i]:.6g} vs {ours[i]:.6g} (option {i})")
    return float(diff.max())


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

    n = ctx.pick(1000, 100_000, 1_000_000)
    o = random_options(n, 1)
    inputs = (o["s"], o["k"], o["t"], o["r"], o["q"], o["sigma"], o["is_call"])
    qdfp = lambda: am.price(*inputs)  # noqa: E731
    bs = lambda: am.price(*inputs, method="bjerksund_stensland")  # noqa: E731
    ctx.measure("American price, batch (QD-FP)", {
        "fuseflow": qdfp, "fuseflow 1 thread": on_threads(1, qdfp),
        "fuseflow bjerksund_stensland": bs, "fuseflow bjerksund_stensland 1 thread": on_threads(1, bs)},
        size=n, size_label=f"{n:,} options", agree=_model_diff,
        note="Bjerksund-Stensland 2002 is a cheaper approximation: max |diff| is the method difference")

    ql = ctx.peer("quantlib")
    m = ctx.pick(5, 100, 200)
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
    ctx.measure("American price, sample vs QuantLib", c, size=m, size_label=f"{m} options", agree=_model_diff,
                note="seconds for the whole sample; QuantLib: recalculate() + NPV() per prebuilt option")
