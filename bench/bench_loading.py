"""Loading a 16.7M-edge text edge list: ff.read_edgelist vs pandas.read_csv + Graph.from_pandas.

Rules: the edge list of R-MAT scale 20, edge factor 16 (ff.generators.rmat(20, 16)),
16,777,216 lines "src dst" (space-separated decimal ids), written once to FILE (kept between
runs). Both sides end with the same ff.Graph (checked). Times are medians of REPEATS
interleaved runs after one warm-up run (the file is in the page cache for both). pandas uses
its C parser (pyarrow is not installed); fuseflow uses THREADS threads. Parse throughput is
estimated as file size / (read_edgelist time - from_edges time on the parsed arrays). Also
reported: Graph.save / Graph.load of the binary format.

Writes bench/results/loading.json.
"""

import os
import platform
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import fuseflow as ff

SCALE, EDGE_FACTOR = 20, 16
REPEATS = 5
THREADS = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
FILE = os.environ.get("BENCH_EDGELIST", os.path.join(tempfile.gettempdir(), "fuseflow_bench_rmat20_ef16.txt"))


def median_times(fns, repeats=REPEATS):
    """Median seconds per function, runs interleaved (a, b, c, a, b, c, ...) so background load
    from other processes hits every contender alike."""
    return common.interleaved_medians_by_name(fns, repeats)


def write_edge_list(path, src, dst):
    import pandas as pd

    tmp = path + ".part"
    pd.DataFrame({"src": src, "dst": dst}).to_csv(tmp, sep=" ", header=False, index=False)
    os.replace(tmp, path)


def main():
    import pandas as pd

    ff.set_num_threads(THREADS)
    src, dst = ff.generators.rmat(SCALE, EDGE_FACTOR)
    n = 1 << SCALE
    if not os.path.exists(FILE):
        print(f"writing {FILE} ...", file=sys.stderr, flush=True)
        write_edge_list(FILE, src, dst)
    size = os.path.getsize(FILE)
    reference = ff.Graph.from_edges(src, dst, num_nodes=n)

    def with_fuseflow():
        return ff.read_edgelist(FILE, num_nodes=n)

    def with_pandas():
        df = pd.read_csv(FILE, sep=" ", header=None, names=["src", "dst"], dtype=np.int32, engine="c")
        return ff.Graph.from_pandas(df, source="src", target="dst", num_nodes=n)

    for build in (with_fuseflow, with_pandas):
        g = build()
        for a, b in zip(g.csr()[:2] + g.csc()[:2], reference.csr()[:2] + reference.csc()[:2]):
            assert np.array_equal(a, b), f"{build.__name__} built a different graph"

    binary = FILE + ".ffg"
    reference.save(binary)
    times = median_times({
        "fuseflow_read_edgelist": with_fuseflow,
        "pandas_read_csv_from_pandas": with_pandas,
        "from_edges_only": lambda: ff.Graph.from_edges(src, dst, num_nodes=n),
        "graph_save": lambda: reference.save(binary),
        "graph_load": lambda: ff.Graph.load(binary),
    })
    parse = times["fuseflow_read_edgelist"] - times["from_edges_only"]
    results = {
        "rules": {"graph": f"R-MAT scale {SCALE}, edge factor {EDGE_FACTOR}", "edges": int(src.shape[0]),
                  "file_bytes": size, "repeats": REPEATS, "statistic": "median seconds, interleaved",
                  "threads_fuseflow": THREADS, "pandas": pd.__version__, "pandas_engine": "c",
                  "machine": platform.processor() or platform.machine(), "cpus": os.cpu_count()},
        "seconds": times,
        "speedup_vs_pandas": times["pandas_read_csv_from_pandas"] / times["fuseflow_read_edgelist"],
        "fuseflow_total_MB_per_s": size / 1e6 / times["fuseflow_read_edgelist"],
        "fuseflow_parse_MB_per_s_estimated": size / 1e6 / parse if parse > 0 else None,
        "binary_file_bytes": os.path.getsize(binary),
    }

    print(f"{src.shape[0]:,}-edge text edge list ({size / 1e6:.0f} MB), median of {REPEATS} interleaved runs, "
          f"fuseflow {THREADS} threads, pandas C parser")
    print(f"{'method':34s} {'seconds':>9s}")
    for name, t in times.items():
        print(f"{name:34s} {t:9.3f}")
    print(f"speedup of ff.read_edgelist over pandas.read_csv + from_pandas: {results['speedup_vs_pandas']:.2f}x")
    print(f"ff.read_edgelist: {results['fuseflow_total_MB_per_s']:.0f} MB/s end to end, "
          f"~{results['fuseflow_parse_MB_per_s_estimated'] or float('nan'):.0f} MB/s parsing (minus from_edges)")
    common.write_results("loading", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
