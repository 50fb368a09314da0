"""Shared benchmark helpers: timing by medians, machine facts, tables and JSON results."""

import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def median_seconds(fn, repeats=5, warmup=1):
    """Median wall time of fn() over `repeats` runs after `warmup` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(fns, repeats):
    """Median seconds of each fn, timed round-robin (A B C A B C ...) so load drift on a shared
    machine hits every side alike."""
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def interleaved_medians_by_name(fns, repeats):
    """interleaved_medians for a {name: fn} dict; returns {name: median seconds}."""
    return dict(zip(fns, interleaved_medians(list(fns.values()), repeats)))


def jit_compiled(fn, args, disabled=""):
    """ff.jit(fn), compiled now by a first call on `args` with the optimizer passes named in
    `disabled` switched off (FUSEFLOW_DISABLE_PASSES is read at compile time); later calls reuse
    that plan. Returns (the jitted function, the first call's result)."""
    import fuseflow as ff

    f = ff.jit(fn)
    saved = os.environ.get("FUSEFLOW_DISABLE_PASSES")
    os.environ["FUSEFLOW_DISABLE_PASSES"] = disabled
    try:
        result = f(*args)
    finally:
        if saved is None:
            del os.environ["FUSEFLOW_DISABLE_PASSES"]
        else:
            os.environ["FUSEFLOW_DISABLE_PASSES"] = saved
    return f, result


def machine_info():
    import fuseflow as ff
    import numpy as np

    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "fuseflow_threads": ff.get_num_threads(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "fuseflow": ff.__version__,
    }


def compile_reference(name):
    """Builds bench/reference/<name>.cpp with the flags fuseflow's core uses (-O3, OpenMP,
    no -march: both sides target the same baseline ISA)."""
    source = BENCH_DIR / "reference" / f"{name}.cpp"
    binary = RESULTS_DIR / "bin" / name
    binary.parent.mkdir(parents=True, exist_ok=True)
    if not binary.exists() or binary.stat().st_mtime < source.stat().st_mtime:
        subprocess.run(["g++", "-O3", "-std=c++20", "-fopenmp", str(source), "-o", str(binary)], check=True)
    return binary


def print_table(title, rows, columns):
    print(f"\n{title}")
    widths = [max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).ljust(w) for c, w in zip(columns, widths)))


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def write_results(name, payload):
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": machine_info(), **payload}
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2))
    print(f"\nwrote {path}")
    return path
