"""`python -m fuseflow.bench.compare OLD.json NEW.json`: which ratios changed between two runs.

Cases are matched by (suite, case, size label, peer). A ratio is peer median / fuseflow median,
so machine speed cancels out; a lower NEW ratio means fuseflow lost ground against that peer.
Noise: each run's spread of a figure is (median - min) / median (how far the typical round sits
above the best one); a case's threshold is

    threshold = max(floor, k * (spread of fuseflow + spread of the peer) in OLD and NEW, summed)

with floor = 5% and k = 1 by default (--floor, --k). A ratio that fell by more than its
threshold is a regression: the table marks it and the exit status is 1 (0 otherwise; 2 for
unreadable input). Rows within the threshold are hidden unless --all."""

import argparse
import json
import sys
from pathlib import Path

from ._report import validate


def _spread(fig):
    med = fig["median"]
    return (med - fig["min"]) / med if med > 0 else 0.0


def _index(payload):
    out = {}
    for c in payload["cases"]:
        base = c["figures"].get(c["baseline"])
        if base is None:
            continue
        for peer, ratio in c["ratios"].items():
            out[(c["suite"], c["case"], c["size_label"], peer)] = (ratio, _spread(base) + _spread(c["figures"][peer]))
    return out


def compare(old, new, floor=0.05, k=1.0):
    """Rows {suite, case, size, peer, old, new, change, threshold, status} for every case in both
    runs with positive ratios; status is 'regressed', 'improved' or 'same'. Also returns the keys
    in only one run."""
    a, b = _index(old), _index(new)
    rows = []
    for key in a.keys() & b.keys():
        (r_old, s_old), (r_new, s_new) = a[key], b[key]
        if not (r_old > 0 and r_new > 0):  # a median of 0 (a per-iteration slope lost in noise)
            continue
        threshold = max(floor, k * (s_old + s_new))
        change = r_new / r_old - 1.0
        status = "regressed" if change < -threshold else "improved" if change > threshold else "same"
        rows.append({"suite": key[0], "case": key[1], "size": key[2], "peer": key[3], "old": r_old, "new": r_new,
                     "change": change, "threshold": threshold, "status": status})
    rows.sort(key=lambda r: (r["status"] != "regressed", r["change"]))
    return rows, sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys())


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m fuseflow.bench.compare", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--floor", type=float, default=0.05, help="smallest threshold (fraction, default 0.05)")
    ap.add_argument("--k", type=float, default=1.0, help="multiplier of the summed spreads (default 1)")
    ap.add_argument("--all", action="store_true", help="also list the ratios within the threshold")
    args = ap.parse_args(argv)
    if not args.floor >= 0 or not args.k >= 0:
        ap.error("--floor and --k must be >= 0")
    payloads = []
    for path in (args.old, args.new):
        try:
            payload = json.loads(path.read_text())
            validate(payload)
        except (OSError, ValueError) as e:
            print(f"{path}: not a readable fuseflow.bench result ({type(e).__name__}: {e})", file=sys.stderr)
            return 2
        except Exception as e:  # jsonschema.ValidationError
            print(f"{path}: does not follow fuseflow.bench's schema.json: {getattr(e, 'message', e)}", file=sys.stderr)
            return 2
        payloads.append(payload)
    rows, only_old, only_new = compare(*payloads, floor=args.floor, k=args.k)

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False) if sys.stdout.isatty() else Console(highlight=False, width=180)
    shown = [r for r in rows if args.all or r["status"] != "same"]
    table = Table(title=f"ratio changes (peer / fuseflow): {args.old} -> {args.new}")
    for col in ("status", "suite", "case", "size", "peer", "old", "new", "change", "threshold"):
        table.add_column(col, justify="right" if col in ("old", "new", "change", "threshold") else "left")
    for r in shown:
        style = {"regressed": "red", "improved": "green"}.get(r["status"], "")
        table.add_row(f"[{style}]{r['status']}[/]" if style else r["status"], escape(r["suite"]), escape(r["case"]),
                      escape(r["size"]), escape(r["peer"]), f"{r['old']:.3f}x", f"{r['new']:.3f}x",
                      f"{r['change']:+.1%}", f"{r['threshold']:.1%}")
    if shown:
        console.print(table)
    regressed = sum(r["status"] == "regressed" for r in rows)
    improved = sum(r["status"] == "improved" for r in rows)
    console.print(f"{len(rows)} ratios compared: {regressed} regressed, {improved} improved, "
                  f"{len(rows) - regressed - improved} within noise; {len(only_old)} only in OLD, {len(only_new)} only in NEW")
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())
