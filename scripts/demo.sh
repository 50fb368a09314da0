#!/usr/bin/env bash
# The main job: installs what is missing, then runs `python -m fuseflow.bench`: every suite at full
# sizes (arrays up to 1e7 elements, R-MAT graphs up to scale 20 / 16.7M edges, indexes up to
# 100k x 1024), fuseflow and its peers interleaved in one process. Ends by printing the table and
# the paths of the JSON and the PNG plots (bench/results/<UTC time>/). Arguments go to the command:
#   scripts/demo.sh --quick                  (under 3 minutes on 2 cores)
#   scripts/demo.sh --suite graph index      scripts/demo.sh --list
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh bench
source .venv/bin/activate
# The bench extra (pyproject.toml) beyond what setup.sh installs: the output libraries and the
# peers; pip is asked only for those missing. A peer that fails to install is skipped by the run.
BENCH_EXTRA=(rich matplotlib jsonschema "jax[cpu]" numba python-graphblas "suitesparse-graphblas<10" usearch)
need=()
for req in "${BENCH_EXTRA[@]}"; do
  dist="${req%%[*}"
  dist="${dist%%<*}"
  python -m pip show -q "$dist" >/dev/null 2>&1 || need+=("$req")
done
if ((${#need[@]})); then
  echo "demo: pip install ${need[*]}"
  python -m pip install -q "${need[@]}" || echo "demo: some peers did not install; the run skips them" >&2
fi
exec python -m fuseflow.bench --out "bench/results/$(date -u +%Y%m%dT%H%M%SZ)" "$@"
