"""Results out: the rich table, the run's JSON (validated against schema.json) and PNG plots."""

import json
from collections import defaultdict
from importlib import resources

SCHEMA_VERSION = 1


def format_value(v, unit):
    if v is None:
        return ""
    if unit.startswith("seconds"):
        if v < 1e-6:
            return f"{v * 1e9:.1f} ns"
        if v < 1e-3:
            return f"{v * 1e6:.2f} us"
        if v < 1:
            return f"{v * 1e3:.2f} ms"
        return f"{v:.3f} s"
    if unit == "MiB":
        return f"{v:.1f} MiB"
    return f"{v:.4g} {unit}"


def schema():
    return json.loads(resources.files("fuseflow.bench").joinpath("schema.json").read_text())


def validate(payload):
    """Raises jsonschema.ValidationError when payload does not follow schema.json."""
    import jsonschema

    jsonschema.validate(payload, schema())


def table_rows(cases):
    """(suite, case, size, baseline figure, peer, peer figure, ratio, max |diff|) per ratio."""
    rows = []
    for c in cases:
        base = c["figures"].get(c["baseline"])
        if base is None:
            continue
        peers = list(c["ratios"]) or [None]
        for peer in peers:
            fig = c["figures"].get(peer) if peer else None
            rows.append({
                "suite": c["suite"], "case": c["case"], "size": c["size_label"], "unit": c["unit"],
                "baseline": c["baseline"], "ours": base["median"], "ours_spread": (base["min"], base["max"]),
                "peer": peer or "", "theirs": fig["median"] if fig else None,
                "ratio": c["ratios"].get(peer) if peer else None, "diff": c["max_abs_diff"].get(peer) if peer else None,
            })
    return rows


def print_table(console, payload, title=None):
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title or "fuseflow vs peers (medians; speedup = peer / fuseflow, > 1: fuseflow faster)",
                  show_lines=False, header_style="bold")
    for col, kw in (("suite", {}), ("case", {"overflow": "fold"}), ("size", {}), ("fuseflow", {"justify": "right"}),
                    ("peer", {}), ("peer time", {"justify": "right"}), ("speedup", {"justify": "right"}),
                    ("max |diff|", {"justify": "right"})):
        table.add_column(col, **kw)
    for r in table_rows(payload["cases"]):
        ratio = r["ratio"]
        style = "" if ratio is None else ("green" if ratio >= 1 else "red")
        ours = format_value(r["ours"], r["unit"])
        if r["baseline"] != "fuseflow":
            ours = f"{r['baseline']}: {ours}"
        table.add_row(escape(r["suite"]), escape(r["case"]), escape(r["size"]), escape(ours), escape(r["peer"]),
                      format_value(r["theirs"], r["unit"]),
                      f"[{style}]{ratio:.2f}x[/]" if ratio is not None else "",
                      f"{r['diff']:.1e}" if r["diff"] is not None else "")
    console.print(table)


def markdown_table(payload):
    """The same table as Markdown (the README embeds one)."""
    lines = ["| suite | case | size | fuseflow | peer | peer time | speedup |", "|---|---|---|---|---|---|---|"]
    for r in table_rows(payload["cases"]):
        if r["ratio"] is None:
            continue
        ours = format_value(r["ours"], r["unit"])
        if r["baseline"] != "fuseflow":
            ours = f"{r['baseline']}: {ours}"
        lines.append(f"| {r['suite']} | {r['case']} | {r['size']} | {ours} | {r['peer']} | "
                     f"{format_value(r['theirs'], r['unit'])} | {r['ratio']:.2f}x |")
    return "\n".join(lines)


def write_json(path, payload):
    validate(payload)
    path.write_text(json.dumps(payload, indent=1, sort_keys=False))


def plot(payload, out_dir):
    """One PNG per suite: speedup (peer / fuseflow median) by problem size, one panel per case,
    one line per peer; and graph_per_iteration.png: PageRank time per iteration by graph size.
    Returns the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_suite = defaultdict(lambda: defaultdict(list))
    for c in payload["cases"]:
        if c["ratios"]:
            by_suite[c["suite"]][c["case"]].append(c)
    paths = []
    for suite, cases in by_suite.items():
        names = list(cases)
        cols = min(3, len(names))
        rows = (len(names) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.6 * rows), squeeze=False)
        for ax, name in zip(axes.flat, names):
            series = cases[name]
            sized = all(c["size"] is not None for c in series) and len({c["size"] for c in series}) > 1
            peers = sorted({p for c in series for p in c["ratios"]})
            if sized:
                for peer in peers:
                    pts = sorted((c["size"], c["ratios"][peer]) for c in series if peer in c["ratios"])
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=peer)
                ax.set_xscale("log")
                ax.set_xlabel("problem size")
            else:
                labels, values = [], []
                for c in series:
                    for peer in peers:
                        if peer in c["ratios"]:
                            labels.append(f"{peer}\n{c['size_label']}" if len(series) > 1 else peer)
                            values.append(c["ratios"][peer])
                ax.bar(range(len(values)), values, color="tab:blue")
                ax.set_xticks(range(len(values)), labels, fontsize=7, rotation=30, ha="right")
            ax.axhline(1.0, color="grey", lw=0.8, ls="--")
            ax.set_yscale("log")
            ax.set_ylabel("speedup (peer / fuseflow)")
            ax.set_title(name if len(name) < 48 else name[:45] + "...", fontsize=9)
            if sized:
                ax.legend(fontsize=7)
        for ax in list(axes.flat)[len(names):]:
            ax.axis("off")
        fig.suptitle(f"fuseflow {suite} suite: speedup vs each peer ({payload['profile']} sizes, "
                     f"{payload['machine']['cores']} cores, {payload['machine']['simd_target']})", fontsize=10)
        fig.tight_layout()
        path = out_dir / f"{suite}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    per_iter = [c for c in payload["cases"] if c["suite"] == "graph" and c["unit"] == "seconds per iteration"
                and c["size"] is not None]
    if per_iter:
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        labels = sorted({lab for c in per_iter for lab in c["figures"]})
        for lab in labels:
            pts = sorted((c["size"], c["figures"][lab]["median"], c["figures"][lab]["min"], c["figures"][lab]["max"])
                         for c in per_iter if lab in c["figures"])
            xs = [p[0] for p in pts]
            ax.errorbar(xs, [p[1] for p in pts], yerr=[[p[1] - p[2] for p in pts], [p[3] - p[1] for p in pts]],
                        marker="o", capsize=3, label=lab)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("edges (R-MAT, edge factor 16)")
        ax.set_ylabel("seconds per iteration (median, min-max)")
        ax.set_title("PageRank time per iteration", fontsize=10)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out_dir / "graph_per_iteration.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
