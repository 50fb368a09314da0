"""`python -m fuseflow.bench`: runs the suites, prints the table and writes JSON + plots."""

import argparse
import datetime
import os
import sys
import time
import traceback
from pathlib import Path

from ._harness import PROFILES
from ._report import SCHEMA_VERSION, plot, print_table, print_times, write_json
from .suites import SUITES


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="python -m fuseflow.bench",
        description="fuseflow vs its peers, same process, interleaved rounds; table, JSON and PNG plots.")
    ap.add_argument("--suite", nargs="+", metavar="NAME", help=f"suites to run (default: all): {', '.join(SUITES)}")
    ap.add_argument("--quick", action="store_true", help="smaller sizes (under 3 minutes on 2 cores)")
    ap.add_argument("--tiny", action="store_true", help="tiny sizes: a smoke test of the harness (tests, CI)")
    ap.add_argument("--sizes", choices=sorted(PROFILES), help="same as --tiny / --quick; default full")
    ap.add_argument("--out", type=Path, help="output directory (default ./fuseflow-bench/<UTC time>)")
    ap.add_argument("--list", action="store_true", help="list the suites and exit")
    ap.add_argument("--from-json", type=Path, metavar="RESULTS",
                    help="measure nothing: print the table and write the plots of a saved run's results.json")
    ap.add_argument("--skip-peers", default="", metavar="A,B", help="treat these peers as not installed")
    ap.add_argument("--no-plots", action="store_true", help="write no PNG files")
    ap.add_argument("--verbose", action="store_true", help="print tracebacks of failing peers")
    ap.add_argument("--note", action="append", default=[], metavar="TEXT",
                    help="a line kept in the JSON's notes (e.g. the machine's condition); repeatable")
    args = ap.parse_args(argv)
    if args.tiny and args.quick:
        ap.error("--tiny and --quick: choose one")
    profile = args.sizes or ("tiny" if args.tiny else "quick" if args.quick else "full")
    if (args.tiny or args.quick) and args.sizes and args.sizes != profile:
        ap.error(f"--sizes {args.sizes} contradicts --{'tiny' if args.tiny else 'quick'}")
    args.profile = profile
    unknown = [s for s in args.suite or () if s not in SUITES]
    if unknown:
        ap.error(f"--suite: unknown suite(s) {', '.join(unknown)} (known: {', '.join(SUITES)})")
    return args


def _from_ctrl_c(e):
    """True when KeyboardInterrupt is in e's cause/context chain (e.g. usearch reports an
    interrupted search as MemoryError raised from the KeyboardInterrupt)."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:  # logs and CI: wide enough for the table, no wrapping of case names
        console = Console(highlight=False, width=180)
    if args.list:
        for name, module in SUITES.items():
            console.print(f"[bold]{name:10}[/] {module.DESCRIPTION}")
        return 0
    if args.from_json:
        return _from_json(console, args)

    import numpy as np

    import fuseflow as ff

    from ._context import Context
    from ._machine import git_commit, load_average, machine_info

    profile = PROFILES[args.profile]
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or Path("fuseflow-bench") / stamp
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(profile, console, skip_peers=[p for p in args.skip_peers.split(",") if p], verbose=args.verbose)
    names = args.suite or list(SUITES)
    machine = machine_info()
    commit = git_commit()  # at the start: the code that runs, whatever is edited meanwhile
    console.print(f"[bold]fuseflow {ff.__version__}[/] benchmarks, {args.profile} sizes, suites: {', '.join(names)}; "
                  f"{machine['cpu']}, {machine['cores']} cores, SIMD {machine['simd_target']}, "
                  f"{ff.get_num_threads()} fuseflow threads")
    for text in args.note:
        ctx.notes.append({"suite": None, "text": text})
    failed = {}
    interrupted = None
    started = time.perf_counter()
    suite_seconds = {}
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} suites"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("starting", total=len(names))
        ctx.attach_progress(progress, task)
        for name in names:
            ctx.suite = name
            t0 = time.perf_counter()
            console.print(f"[bold cyan]== {name}[/]: {SUITES[name].DESCRIPTION}")
            try:
                SUITES[name].run(ctx)
            except KeyboardInterrupt:  # Ctrl-C: keep what was measured, write it, say so
                failed[name] = "interrupted (Ctrl-C)"
                interrupted = name
                suite_seconds[name] = time.perf_counter() - t0
                console.print(f"[red]interrupted during suite {name}: writing the cases measured so far[/]")
                break
            except Exception as e:  # one broken suite must not lose the others' figures
                if _from_ctrl_c(e):  # a peer's native code turned Ctrl-C into its own error
                    failed[name] = f"interrupted (Ctrl-C, raised as {type(e).__name__})"
                    interrupted = name
                    suite_seconds[name] = time.perf_counter() - t0
                    console.print(f"[red]interrupted during suite {name}: writing the cases measured so far[/]")
                    break
                failed[name] = f"{type(e).__name__}: {e}"
                console.print(f"[red]suite {name} failed: {type(e).__name__}: {e}[/]")
                console.print(traceback.format_exc(), markup=False, highlight=False)
            suite_seconds[name] = time.perf_counter() - t0
            in_cases = sum(c.seconds for c in ctx.cases if c.suite == name)
            console.print(f"[bold cyan]== {name}[/]: {suite_seconds[name]:.1f} s"
                          + (f" ({in_cases:.1f} s in timed cases, the rest setup: inputs, graphs, peer compiles)"
                             if in_cases else ""))
            progress.advance(task)
        ctx.attach_progress(None, None)
    machine["load_average_end"] = load_average()
    cases = [c.to_json() for c in ctx.cases]
    payload = {
        "schema_version": SCHEMA_VERSION,
        "created": stamp,
        "command": "python -m fuseflow.bench " + " ".join(sys.argv[1:] if argv is None else argv),
        "profile": args.profile,
        "suites": names if interrupted is None else names[:names.index(interrupted) + 1],
        "machine": machine,
        "versions": {"fuseflow": ff.__version__, "python": machine["python"], "numpy": np.__version__,
                     **ctx.peers.versions()},
        "git_commit": commit,
        "environment": {k: v for k, v in os.environ.items()
                        if k.startswith(("FUSEFLOW_", "OMP_", "OPENBLAS_")) and k != "FUSEFLOW_BENCH_CACHE"},
        "seconds": {"total": time.perf_counter() - started, "suites": suite_seconds},
        "cases": cases,
        "skipped": ctx.skipped,
        "notes": ctx.notes,
        "failed_suites": failed,
    }
    print_table(console, payload)
    json_path = out / "results.json"
    write_json(json_path, payload)
    plots = [] if args.no_plots else plot(payload, out)
    console.print(f"\nJSON: {json_path}")
    for p in plots:
        console.print(f"plot: {p}")
    disagree = [(c["suite"], c["case"], c["size_label"], peer) for c in cases for peer in c["disagreements"]]
    for d in disagree:
        console.print(f"[red]disagreement: {d[0]} / {d[1]} [{d[2]}]: {d[3]}[/]")
    print_times(console, payload)
    if interrupted is not None:
        return 130
    return 1 if failed or disagree else 0


def _from_json(console, args):
    """Table, times and plots of a saved run (e.g. the README's, re-plotted after a plot change)."""
    import json

    from ._report import validate

    try:
        payload = json.loads(args.from_json.read_text())
        validate(payload)
    except (OSError, ValueError) as e:
        console.print(f"{args.from_json}: not a readable fuseflow.bench result ({type(e).__name__}: {e})",
                      markup=False)
        return 2
    except Exception as e:  # jsonschema.ValidationError
        console.print(f"{args.from_json}: does not follow schema.json: {getattr(e, 'message', e)}", markup=False)
        return 2
    print_table(console, payload)
    print_times(console, payload)
    if not args.no_plots:
        out = args.out or args.from_json.parent
        out.mkdir(parents=True, exist_ok=True)
        for p in plot(payload, out):
            console.print(f"plot: {p}")
    return 0
