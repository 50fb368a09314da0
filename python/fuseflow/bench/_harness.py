"""The measuring core: every case times fuseflow and its peers interleaved in one process, after
checking that their results agree, and keeps min / median / max of the rounds.

Rules (the same for every suite):
- Each contender is called once untimed (warm-up: JIT compiles, page faults, caches); that call's
  result is compared with the baseline's (max |diff| printed and recorded). A peer whose result
  disagrees beyond the case's tolerance is not timed: it is recorded as a disagreement and the
  run exits with status 1.
- Then `rounds` rounds (>= 5); each round times every contender once, in turn (A B C A B C ...),
  so load drift on a shared machine hits every side alike. Fast calls are batched: a round of a
  contender runs it `calls` times (chosen from the warm-up time so a round lasts about
  Profile.round_seconds) and records the mean per call. A contender faster than 20 ms gets one
  untimed call before each turn (the wake-up of its worker threads after another library ran is
  an artifact of interleaving on a shared machine, not a per-call cost).
- Per-iteration figures (graph algorithms) are the slope (T(k2) - T(k1)) / (k2 - k1) measured in
  each round, so one-off setup (degrees, allocation, compile) is excluded on every side; a
  SelfTimed contender (e.g. the C++ reference in a subprocess) reports its own per-iteration time.
- Ratios are peer median / baseline median: above 1 means fuseflow is faster (or smaller).
"""

import math
import statistics
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
from rich.markup import escape


@dataclass(frozen=True)
class Profile:
    """Sizes and effort: `tiny` for the test suite (seconds), `quick` (< 3 minutes on 2 cores,
    sizes still spanning 2-3 decades), `full` (the README's figures)."""

    name: str
    rounds: int
    round_seconds: float  # target duration of one batched round of a fast contender

    def pick(self, tiny, quick, full):
        return {"tiny": tiny, "quick": quick, "full": full}[self.name]


PROFILES = {
    "tiny": Profile("tiny", rounds=5, round_seconds=0.0005),
    "quick": Profile("quick", rounds=5, round_seconds=0.005),
    "full": Profile("full", rounds=5, round_seconds=0.03),
}


SWITCH_IN_BELOW = 0.02  # seconds: contenders faster than this get an untimed call before each turn


class SelfTimed:
    """A contender that times itself: fn(k) returns (result, seconds per iteration or per call)."""

    def __init__(self, fn):
        self.fn = fn


class Disagreement(AssertionError):
    pass


def max_abs_diff(a, b):
    """max |a - b| over arrays (tuples compared element by element); NaN where both are NaN
    counts as equal, a NaN on one side only is an infinite difference."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b):
            return math.inf
        return max((max_abs_diff(x, y) for x, y in zip(a, b)), default=0.0)
    a = np.asarray(a, dtype=np.float64) if not np.iscomplexobj(a) else np.asarray(a)
    b = np.asarray(b, dtype=np.float64) if not np.iscomplexobj(b) else np.asarray(b)
    if a.shape != b.shape:
        if a.size == b.size:
            a, b = a.reshape(-1), b.reshape(-1)
        else:
            return math.inf
    if a.size == 0:
        return 0.0
    both_nan = np.isnan(a) & np.isnan(b)
    same_inf = np.isinf(a) & (a == b)
    with np.errstate(invalid="ignore"):
        d = np.abs(a - b)
    d = np.where(both_nan | same_inf, 0.0, d)
    d = np.where(np.isnan(d), np.inf, d)
    return float(d.max())


def default_agree(rtol, atol):
    """Agreement rule: max |peer - fuseflow| <= atol + rtol * max |fuseflow|."""

    def agree(ours, theirs):
        diff = max_abs_diff(ours, theirs)
        parts = ours if isinstance(ours, (tuple, list)) else (ours,)
        finite = [np.abs(a[np.isfinite(a)]) for a in (np.asarray(p, dtype=np.float64).reshape(-1) for p in parts)]
        scale = max((float(f.max()) for f in finite if f.size), default=0.0)
        if not diff <= atol + rtol * scale:
            raise Disagreement(f"max |diff| = {diff:.3g} > {atol:g} + {rtol:g} * {scale:.3g}")
        return diff

    return agree


def _stats(samples):
    return {"min": float(min(samples)), "median": float(statistics.median(samples)), "max": float(max(samples))}


@dataclass
class Case:
    """One measured case: what the JSON holds per case (see schema.json)."""

    suite: str
    case: str
    size: float | None
    size_label: str
    unit: str
    baseline: str
    rounds: int = 0
    figures: dict = field(default_factory=dict)
    calls: dict = field(default_factory=dict)
    ratios: dict = field(default_factory=dict)
    max_abs_diff: dict = field(default_factory=dict)
    disagreements: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    note: str = ""
    seconds: float = 0.0  # wall time the case took (warm-up, checks and rounds): where a run's time goes

    def to_json(self):
        return {k: getattr(self, k) for k in ("suite", "case", "size", "size_label", "unit", "baseline", "rounds",
                                               "figures", "calls", "ratios", "max_abs_diff", "disagreements",
                                               "errors", "params", "note", "seconds")}


def _time_calls(fn, calls, arg, clock=time.perf_counter):
    if arg is None:
        start = clock()
        for _ in range(calls):
            fn()
        return (clock() - start) / calls
    start = clock()
    for _ in range(calls):
        fn(arg)
    return (clock() - start) / calls


def measure(ctx, suite, case, contenders, *, baseline="fuseflow", size=None, size_label="", agree=None,
            rtol=1e-12, atol=0.0, per_iteration=None, check_arg=None, calls=None, unit=None, params=None,
            note="", rounds=None, pause=0.0, clock=time.perf_counter):
    """Times `contenders` ({label: fn}) interleaved and returns the recorded Case.

    fn() takes no argument, or, with per_iteration=(k1, k2), the iteration count k (the figure is
    the per-iteration slope); SelfTimed contenders return (result, seconds). `agree(ours, theirs)`
    returns the difference to print (None: not comparable) or raises (default: max |diff| <= atol +
    rtol * max |ours|).
    The baseline must be among the contenders; results are compared with the baseline's.
    pause: seconds to sleep before each contender's turn in a round, so the previous library's
    spinning worker threads (OpenBLAS, OpenMP) are idle again (on 2 cores they take the core the
    next library needs). clock: time.thread_time measures the calling thread's CPU time, which
    other load does not distort, for contenders that run on that thread only."""
    started = time.perf_counter()
    agree = agree or default_agree(rtol, atol)
    rounds = max(5, rounds or ctx.profile.rounds)
    rec = Case(suite=suite, case=case, size=size, size_label=size_label or (f"{size:,}" if size else ""),
               unit=unit or ("seconds per iteration" if per_iteration else "seconds per call"), baseline=baseline,
               params=dict(params or {}), note=note)
    if clock is not time.perf_counter:
        rec.params["clock"] = getattr(clock, "__name__", str(clock))
    if per_iteration:
        k1, k2 = per_iteration
        rec.params.update(iterations_k1=k1, iterations_k2=k2)
        check_k = check_arg if check_arg is not None else k2
    live = {}
    outputs = {}
    # Warm-up + agreement: baseline first so every peer is compared with it.
    for label in [baseline] + [c for c in contenders if c != baseline]:
        fn = contenders[label]
        ctx.progress_note(f"{suite}: {case} {rec.size_label} — warm-up {label}")
        try:
            if isinstance(fn, SelfTimed):
                out, _ = fn.fn(check_k if per_iteration else None) if per_iteration else fn.fn(None)
            elif per_iteration:
                fn(per_iteration[0])
                out = fn(check_k)
            else:
                out = fn()
        except Exception as e:  # a peer that fails is reported and skipped; the baseline failing is fatal
            if label == baseline:
                raise
            rec.errors[label] = f"{type(e).__name__}: {e}"
            ctx.say("[yellow]" + escape(f"{suite}: {case} {rec.size_label}: {label} failed ({type(e).__name__}: {e}); not timed") + "[/]")
            ctx.debug(traceback.format_exc())
            continue
        outputs[label] = out
        if label != baseline:
            try:
                diff = agree(outputs[baseline], out)
                if diff is not None:  # None: not comparable (the case's note says why)
                    rec.max_abs_diff[label] = float(diff)
            except AssertionError as e:
                rec.disagreements[label] = str(e) or "results differ"
                ctx.say("[red]" + escape(f"{suite}: {case} {rec.size_label}: {label} DISAGREES with {baseline}: {e}; not timed") + "[/]")
                continue
        live[label] = fn
    outputs.clear()
    # Batch size per contender from one more timed call (fast calls need many per round).
    switch_in = set()
    for label, fn in live.items():
        if isinstance(fn, SelfTimed):
            rec.calls[label] = 1
            continue
        if calls is not None:
            rec.calls[label] = calls
            continue
        t = _time_calls(fn, 1, per_iteration[1] if per_iteration else None)
        rec.calls[label] = int(min(200_000, max(1, ctx.profile.round_seconds / max(t, 1e-9))))
        if t < SWITCH_IN_BELOW:
            switch_in.add(label)
    samples = {label: [] for label in live}
    for r in range(rounds):
        ctx.progress_note(f"{suite}: {case} {rec.size_label} — round {r + 1}/{rounds}")
        for label, fn in live.items():
            if pause:
                time.sleep(pause)
            if isinstance(fn, SelfTimed):
                _, seconds = fn.fn(per_iteration[1] if per_iteration else None)
                samples[label].append(seconds)
                continue
            if label in switch_in:
                # One untimed call first: waking this library's worker threads after another
                # library ran (up to ~10 ms on a loaded 2-core machine) is an artifact of the
                # interleaving, not a cost its users pay per call.
                fn(per_iteration[1]) if per_iteration else fn()
            if per_iteration:
                k1, k2 = per_iteration
                t1 = _time_calls(fn, rec.calls[label], k1, clock)
                t2 = _time_calls(fn, rec.calls[label], k2, clock)
                # Clamp: on tiny graphs timer noise can make one round's slope negative.
                seconds = max((t2 - t1) / (k2 - k1), 0.0)
            else:
                seconds = _time_calls(fn, rec.calls[label], None, clock)
            samples[label].append(seconds)
    rec.rounds = rounds
    rec.figures = {label: _stats(s) for label, s in samples.items()}
    base = rec.figures.get(baseline, {}).get("median")
    for label, fig in rec.figures.items():
        if label != baseline and base:
            rec.ratios[label] = fig["median"] / base
    rec.seconds = time.perf_counter() - started
    ctx.add(rec)
    return rec


def record_values(ctx, suite, case, values, *, baseline="fuseflow", size=None, size_label="", unit, params=None,
                  note="", max_abs_diff=None):
    """Records a case measured outside `measure` (e.g. peak memory in subprocesses): values is
    {label: [samples]}; figures and ratios as for timed cases."""
    rec = Case(suite=suite, case=case, size=size, size_label=size_label or (f"{size:,}" if size else ""),
               unit=unit, baseline=baseline, params=dict(params or {}), note=note)
    rec.rounds = min(len(v) for v in values.values())
    rec.figures = {label: _stats(v) for label, v in values.items()}
    base = rec.figures[baseline]["median"]
    for label, fig in rec.figures.items():
        if label != baseline and base:
            rec.ratios[label] = fig["median"] / base
    rec.max_abs_diff = dict(max_abs_diff or {})
    ctx.add(rec)
    return rec
