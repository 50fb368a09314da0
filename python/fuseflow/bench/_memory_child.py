"""Child process of the memory suite: `python -m fuseflow.bench._memory_child SIDE SCALE ITERS [EDGES.npz]`.

Builds the R-MAT graph (read from EDGES.npz, the run's cached edge list, when given: generating
R-MAT 20 takes ~20 s on a loaded machine, in every child), drops the edge arrays, returns freed memory to the OS (malloc_trim),
resets the kernel's peak-RSS mark (writes 5 to /proc/self/clear_refs), runs one PageRank (the DSL
side's first call, so tracing, compiling and every buffer of the run count) and prints one JSON
line: RSS before, peak (VmHWM) after, and the result's checksum."""

import ctypes
import gc
import json
import os
import sys


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def main(side, scale, iters, edges=None):
    if side == "dsl_no_rotation":
        os.environ["FUSEFLOW_DISABLE_PASSES"] = "loop_rotation"
    import numpy as np

    import fuseflow as ff
    from fuseflow.examples import pagerank

    if edges:
        with np.load(edges) as f:
            src, dst = f["src"], f["dst"]
    else:
        src, dst = ff.generators.rmat(scale, 16, seed=1)
    g = ff.Graph.from_edges(src, dst, num_nodes=1 << scale)
    del src, dst
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS
    before = _status_kib("VmRSS")
    hwm_reset = _status_kib("VmHWM")
    if side == "native":
        out = ff.algorithms.pagerank(g, damping=0.85, tol=0.0, max_iter=iters)
        out = out[0] if isinstance(out, tuple) else out
    else:
        out = pagerank(g, 0.85, iters)
    peak = _status_kib("VmHWM")
    print(json.dumps({"before_kib": before, "hwm_after_reset_kib": hwm_reset, "peak_kib": peak,
                      "extra_kib": peak - before, "result": np.asarray(out).tolist() if g.num_nodes <= 4096 else None,
                      "checksum": float(np.sum(out)), "num_nodes": g.num_nodes, "num_edges": g.num_edges}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
