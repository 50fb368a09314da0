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


def print_times(console, payload):
    """Wall time per suite (setup included) and the total: what --quick's 3-minute budget is spent on."""
    suites = payload["seconds"]["suites"]
    cases = defaultdict(int)
    for c in payload["cases"]:
        cases[c["suite"]] += 1
    load = payload["machine"].get("load_average_start"), payload["machine"].get("load_average_end")
    parts = [f"{name} {sec:.1f} s ({cases[name]} cases)" for name, sec in suites.items()]
    console.print("time per suite: " + ", ".join(parts))
    loads = " -> ".join(f"{v:.1f}" for v in load if v is not None)
    console.print(f"[bold]total {payload['seconds']['total']:.1f} s[/] ({payload['profile']} sizes"
                  + (f"; load average {loads} on {payload['machine']['cores']} cores" if loads else "") + ")")


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


MAX_PIXELS = 1.6e6  # a suite with many panels gets a lower dpi: PNGs stay ~100-150 KB, fit to commit


def _save(fig, path, dpi):
    """PNG at a dpi capped by MAX_PIXELS, reduced to a 256-colour palette (line plots on white
    lose nothing visible; the file shrinks ~3x)."""
    import io

    from PIL import Image

    w, h = fig.get_size_inches()
    dpi = max(50.0, min(dpi, (MAX_PIXELS / (w * h)) ** 0.5))
    buf = io.BytesIO()
    fig.savefig(buf, dpi=dpi, format="png")
    buf.seek(0)
    with Image.open(buf) as im:
        im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def plot(payload, out_dir):
    """One PNG per suite: speedup (peer / fuseflow median) by problem size, one panel per case,
    one line per peer; and graph_per_iteration.png: PageRank time per iteration by graph size.
    Returns the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    by_suite = defaultdict(lambda: defaultdict(list))
    for c in payload["cases"]:
        if c["ratios"]:
            by_suite[c["suite"]][c["case"]].append(c)
    paths = []
    for suite, cases in by_suite.items():
        # Cases measured at several sizes get a panel each (speedup by size, a line per peer);
        # single-size cases share one horizontal bar panel.
        sized = {name: series for name, series in cases.items()
                 if all(c["size"] is not None for c in series) and len({c["size"] for c in series}) > 1}
        bars = [(f"{c['case']} [{c['size_label']}] vs {peer}", c["ratios"][peer])
                for name, series in cases.items() if name not in sized for c in series for peer in c["ratios"]]
        panels = len(sized) + (1 if bars else 0)
        cols = min(3, panels)
        rows = (len(sized) + cols - 1) // cols if sized else 0
        bar_height = max(2.5, 0.22 * len(bars)) if bars else 0
        fig = plt.figure(figsize=(5.4 * cols, 3.8 * rows + bar_height + 0.8))
        grid = fig.add_gridspec(rows + (1 if bars else 0), cols,
                                height_ratios=[3.8] * rows + ([bar_height] if bars else []))
        for i, (name, series) in enumerate(sized.items()):
            ax = fig.add_subplot(grid[i // cols, i % cols])
            for peer in sorted({p for c in series for p in c["ratios"]}):
                pts = sorted((c["size"], c["ratios"][peer]) for c in series if peer in c["ratios"])
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=peer)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.axhline(1.0, color="grey", lw=0.8, ls="--")
            ax.set_xlabel("problem size", fontsize=8)
            ax.set_ylabel("speedup (peer / fuseflow)", fontsize=8)
            ax.set_title(name if len(name) < 52 else name[:49] + "...", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=6)
        if bars:
            ax = fig.add_subplot(grid[rows, :])
            ax.barh(range(len(bars)), [b[1] for b in bars], color=["tab:green" if b[1] >= 1 else "tab:red" for b in bars])
            ax.set_yticks(range(len(bars)), [b[0][:90] for b in bars], fontsize=6)
            ax.invert_yaxis()
            ax.set_xscale("log")
            ax.axvline(1.0, color="grey", lw=0.8, ls="--")
            ax.set_xlabel("speedup (peer / fuseflow)", fontsize=8)
            ax.tick_params(axis="x", labelsize=7)
        fig.suptitle(f"fuseflow {suite} suite: speedup vs each peer (> 1: fuseflow faster; {payload['profile']} sizes, "
                     f"{payload['machine']['cores']} cores, {payload['machine']['simd_target']})", fontsize=9)
        fig.tight_layout()
        path = out_dir / f"{suite}.png"
        _save(fig, path, dpi=100)
        plt.close(fig)
        paths.append(path)
    per_iter = [c for c in payload["cases"] if c["suite"] == "graph" and c["unit"] == "seconds per iteration"
                and c["size"] is not None and c["case"].startswith("PageRank")]
    if per_iter:
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        labels = sorted({lab for c in per_iter for lab in c["figures"]})
        for lab in labels:
            # Medians only: a per-iteration slope's min can be ~0 on small graphs (timer noise).
            pts = sorted((c["size"], c["figures"][lab]["median"]) for c in per_iter if lab in c["figures"])
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=lab)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("edges (R-MAT, edge factor 16)")
        ax.set_ylabel("seconds per iteration (median)")
        ax.set_title("PageRank time per iteration", fontsize=10)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out_dir / "graph_per_iteration.png"
        _save(fig, path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
