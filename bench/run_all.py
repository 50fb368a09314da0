"""Runs every bench/bench_*.py (or the ones named on the command line) in one process each."""

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main(names):
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if names:
        wanted = {f"bench_{n}.py" if not n.startswith("bench_") else n for n in names}
        scripts = [s for s in scripts if s.name in wanted or s.name + ".py" in wanted]
        if not scripts:
            sys.exit(f"no benchmark named {names}; have: {[s.stem[6:] for s in BENCH_DIR.glob('bench_*.py')]}")
    failed = []
    for script in scripts:
        print(f"\n=== {script.stem}", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(script.stem)
    if failed:
        sys.exit(f"benchmarks failed: {failed}")


if __name__ == "__main__":
    main(sys.argv[1:])
