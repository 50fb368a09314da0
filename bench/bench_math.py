"""Vector math and block reduction kernels vs NumPy / SciPy: ns per element, 1M float64/float32.

Rules: one thread on both sides (NumPy ufuncs and scipy.special are single-threaded; the kernel
is called directly, without the executor's blocks or OpenMP); each side allocates its output;
inputs drawn once per op from a range where the op is non-trivial; median of --repeats runs after
one warm-up. Writes bench/results/math.json with both figures and speedup = peer / fuseflow.
Usage: python bench/bench_math.py [--n 1000000] [--repeats 15]
"""

import argparse
import json
import os
import platform
import time

# One thread on both sides: keep NumPy's BLAS (np.dot) serial too.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import scipy.special as sc

from fuseflow import _core

OPS = {
    # name: (peer label, peer function, input range)
    "exp": ("numpy.exp", np.exp, (-20.0, 20.0)),
    "log": ("numpy.log", np.log, (1e-3, 1e3)),
    "log1p": ("numpy.log1p", np.log1p, (-0.9, 100.0)),
    "expm1": ("numpy.expm1", np.expm1, (-5.0, 5.0)),
    "sqrt": ("numpy.sqrt", np.sqrt, (0.0, 1e6)),
    "sin": ("numpy.sin", np.sin, (-100.0, 100.0)),
    "cos": ("numpy.cos", np.cos, (-100.0, 100.0)),
    "tanh": ("numpy.tanh", np.tanh, (-5.0, 5.0)),
    "sigmoid": ("scipy.special.expit", sc.expit, (-20.0, 20.0)),
    "erf": ("scipy.special.erf", sc.erf, (-5.0, 5.0)),
    "erfc": ("scipy.special.erfc", sc.erfc, (-5.0, 20.0)),
    "norm_cdf": ("scipy.special.ndtr", sc.ndtr, (-10.0, 10.0)),
    "floor": ("numpy.floor", np.floor, (-1e6, 1e6)),
    "ceil": ("numpy.ceil", np.ceil, (-1e6, 1e6)),
    "round": ("numpy.round", np.round, (-1e6, 1e6)),
    "abs": ("numpy.abs", np.abs, (-1e6, 1e6)),
}


def timings(fn, repeats):
    """(median, min) seconds; the min shows how much of the median is noise from other load."""
    fn()  # warm-up: page in the output allocator, dispatch tables, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), float(np.min(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "math.json"))
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    rows = []
    print(f"SIMD target: {_core.math_target_name()}, n = {args.n}, median of {args.repeats}, 1 thread, "
          f"load average {os.getloadavg()[0]:.1f} (speedup = median ratio; min/min = ratio of fastest runs)")
    print(f"{'op':<10}{'dtype':<9}{'fuseflow ns/el':>16}{'peer ns/el':>12}{'speedup':>9}{'min/min':>9}  peer")
    for dtype in (np.float64, np.float32):
        for name, (peer_label, peer_fn, (lo, hi)) in OPS.items():
            x = rng.uniform(lo, hi, args.n).astype(dtype)
            ours, ours_min = timings(lambda: _core.unary_math(name, x), args.repeats)
            peer, peer_min = timings(lambda: peer_fn(x), args.repeats)
            row = {
                "op": name,
                "dtype": np.dtype(dtype).name,
                "n": args.n,
                "fuseflow_ns_per_element": ours / args.n * 1e9,
                "peer": peer_label,
                "peer_ns_per_element": peer / args.n * 1e9,
                "speedup": peer / ours,
                "fuseflow_min_ns_per_element": ours_min / args.n * 1e9,
                "peer_min_ns_per_element": peer_min / args.n * 1e9,
            }
            rows.append(row)
            print(f"{name:<10}{row['dtype']:<9}{row['fuseflow_ns_per_element']:>16.3f}"
                  f"{row['peer_ns_per_element']:>12.3f}{row['speedup']:>8.2f}x{peer_min / ours_min:>8.2f}x  {peer_label}")

    reductions = []
    print(f"\n{'reduction':<10}{'dtype':<9}{'fuseflow ns/el':>16}{'peer ns/el':>12}{'speedup':>9}{'min/min':>9}  peer")
    for dtype in (np.float64, np.float32):
        x = rng.standard_normal(args.n).astype(dtype)
        y = rng.standard_normal(args.n).astype(dtype)
        for name, peer_label, peer_fn, ours_fn in [
            ("sum", "numpy.sum", lambda: np.sum(x), lambda: _core.reduce_kernel("sum", x)),
            ("dot", "numpy.dot", lambda: np.dot(x, y), lambda: _core.reduce_kernel("dot", x, y)),
            ("min", "numpy.min", lambda: np.min(x), lambda: _core.reduce_kernel("min", x)),
            ("max", "numpy.max", lambda: np.max(x), lambda: _core.reduce_kernel("max", x)),
            ("argmin", "numpy.argmin", lambda: np.argmin(x), lambda: _core.reduce_kernel("argmin", x)),
            ("argmax", "numpy.argmax", lambda: np.argmax(x), lambda: _core.reduce_kernel("argmax", x)),
        ]:
            ours, ours_min = timings(ours_fn, args.repeats)
            peer, peer_min = timings(peer_fn, args.repeats)
            row = {"op": name, "dtype": np.dtype(dtype).name, "n": args.n,
                   "fuseflow_ns_per_element": ours / args.n * 1e9, "peer": peer_label,
                   "peer_ns_per_element": peer / args.n * 1e9, "speedup": peer / ours,
                   "fuseflow_min_ns_per_element": ours_min / args.n * 1e9,
                   "peer_min_ns_per_element": peer_min / args.n * 1e9}
            reductions.append(row)
            print(f"{name:<10}{row['dtype']:<9}{row['fuseflow_ns_per_element']:>16.3f}"
                  f"{row['peer_ns_per_element']:>12.3f}{row['speedup']:>8.2f}x{peer_min / ours_min:>8.2f}x  {peer_label}")

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({
            "benchmark": "vector math, ns per element",
            "rules": "1 thread both sides, output allocated by each side, median of repeats after one warm-up",
            "simd_target": _core.math_target_name(),
            "machine": platform.processor() or platform.machine(),
            "numpy": np.__version__,
            "repeats": args.repeats,
            "load_average_1min": os.getloadavg()[0],
            "results": rows,
            "reductions": reductions,
        }, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
