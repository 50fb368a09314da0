#!/usr/bin/env bash
# Runs every test: C++ (GoogleTest via CTest) and Python (pytest against the installed package).
# Installs whatever is missing first (scripts/setup.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh test
source .venv/bin/activate
JOBS="${JOBS:-$(nproc)}"

echo "== C++ tests"
cmake -S . -B build/tests -G Ninja -DFUSEFLOW_BUILD_TESTS=ON -DFUSEFLOW_BUILD_PYTHON=OFF -DFUSEFLOW_BENCH=ON >/dev/null
cmake --build build/tests -j "$JOBS"
ctest --test-dir build/tests --output-on-failure -j "$JOBS"

echo "== Python tests"
# nanobind reports leaked objects at interpreter exit; a leak fails the run.
log="$(mktemp)"
set +e
python -m pytest tests/python -q -p no:cacheprovider "$@" 2> >(tee "$log" >&2)
status=$?
set -e
if grep -q "nanobind: leaked" "$log"; then
  echo "test: nanobind reported leaked objects at exit" >&2
  status=1
fi
[ $status -eq 0 ] || exit $status

echo "== Python tests with every optimizer pass disabled (results must not depend on the passes)"
FUSEFLOW_DISABLE_PASSES=all python -m pytest tests/python -q -p no:cacheprovider -m "not plan" "$@"
