#!/usr/bin/env bash
# The main job: installs what is missing, then runs the benchmark suite on generated data
# (R-MAT scale 20 / edge factor 16 for the graph work), printing tables and writing
# bench/results/*.json. Pass bench names to run a subset: scripts/demo.sh pagerank
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh bench
source .venv/bin/activate
python bench/run_all.py "$@"
