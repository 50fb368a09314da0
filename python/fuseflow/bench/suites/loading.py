"""loading: a text edge list of an R-MAT graph ("src dst" per line, decimal ids), written once to the
cache directory and in the page cache for every side: ff.read_edgelist vs pandas.read_csv (C
parser) + Graph.from_pandas, both ending with the same ff.Graph (checked); Graph.save / Graph.load
of the binary format; from_edges alone on the parsed arrays (what parsing costs is the rest)."""

import os

import numpy as np

from .._harness import Disagreement

DESCRIPTION = "text edge list -> Graph: ff.read_edgelist vs pandas.read_csv + from_pandas; save/load"


def _write_edge_list(path, src, dst):
    tmp = path.with_suffix(".part")
    with open(tmp, "w") as f:
        for lo in range(0, len(src), 1 << 20):
            chunk = np.column_stack([src[lo:lo + (1 << 20)], dst[lo:lo + (1 << 20)]])
            np.savetxt(f, chunk, fmt="%d", delimiter=" ")
    os.replace(tmp, path)


def run(ctx):
    import fuseflow as ff

    pd = ctx.peer("pandas")
    for scale in ctx.pick((10,), (12, 15), (15, 17, 19)):
        n = 1 << scale
        src, dst = ctx.rmat(scale, 16, seed=1)  # shared with the other suites of the run
        # The text file is kept in the cache directory between runs (writing it is not measured).
        path = ctx.cache_dir / "loading" / f"rmat{scale}_ef16_seed1_v{ff.__version__}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            ctx.progress_note(f"loading: writing {path}")
            _write_edge_list(path, src, dst)
        size = path.stat().st_size
        reference = ff.Graph.from_edges(src, dst, num_nodes=n)
        want = [np.asarray(a) for a in reference.csr()[:2] + reference.csc()[:2]]

        def agree(ours, theirs):
            got = [np.asarray(a) for a in theirs.csr()[:2] + theirs.csc()[:2]]
            if not all(np.array_equal(a, b) for a, b in zip(got, want)):
                raise Disagreement("built a different graph")
            return 0.0

        label = f"R-MAT {scale}: {len(src):,} edges, {size / 1e6:.0f} MB"
        c = {"fuseflow": lambda: ff.read_edgelist(str(path), num_nodes=n)}
        if pd is not None:
            def with_pandas():
                df = pd.read_csv(path, sep=" ", header=None, names=["src", "dst"], dtype=np.int32, engine="c")
                return ff.Graph.from_pandas(df, source="src", target="dst", num_nodes=n)
            c["pandas.read_csv + from_pandas"] = with_pandas
        c["from_edges only (no parsing)"] = lambda: ff.Graph.from_edges(src, dst, num_nodes=n)
        agree(None, c["fuseflow"]())
        ctx.measure("read text edge list -> Graph", c, size=len(src), size_label=label, agree=agree,
                    note=f"file {size:,} bytes; 'from_edges only' is the graph build without parsing")
        binary = path.with_suffix(".ffg")
        reference.save(str(binary))
        c = {"fuseflow Graph.load": lambda: ff.Graph.load(str(binary)),
             "fuseflow read_edgelist (text)": lambda: ff.read_edgelist(str(path), num_nodes=n)}
        ctx.measure("Graph.load (binary) vs read_edgelist (text)", c, baseline="fuseflow Graph.load", size=len(src),
                    size_label=f"{label}, binary {binary.stat().st_size / 1e6:.0f} MB", agree=agree)
        c = {"fuseflow Graph.save": lambda: reference.save(str(binary))}
        ctx.measure("Graph.save (binary)", c, baseline="fuseflow Graph.save", size=len(src), size_label=label)
        binary.unlink(missing_ok=True)
