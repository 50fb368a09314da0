#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/*_fuzz.cpp) with clang + ASan + UBSan and runs each for a
# bounded time on its corpus (fuzz/corpus/<name>/, seeded from the test files). Any crash fails the
# run and leaves its input in build/fuzz/crashes/<name>/ (turn it into a regression test).
#   scripts/fuzz.sh [seconds per harness, default 60]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_EACH="${1:-60}"

APT_PACKAGES=(clang-14 libomp-14-dev libclang-rt-14-dev libhwy-dev)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if ((${#missing[@]})); then
  [[ "$(id -u)" == 0 ]] || { echo "fuzz: missing Debian packages: ${missing[*]}" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
      -DFUSEFLOW_FUZZ=ON -DFUSEFLOW_BUILD_PYTHON=OFF -DFUSEFLOW_BUILD_TESTS=OFF >/dev/null
cmake --build build/fuzz -j "$(nproc)"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export FUSEFLOW_NUM_THREADS=1
status=0
shopt -s nullglob
for exe in build/fuzz/fuzz_*; do
  name="${exe##*/fuzz_}"
  corpus="fuzz/corpus/$name"; work="build/fuzz/work/$name"; crashes="build/fuzz/crashes/$name"
  mkdir -p "$corpus" "$work" "$crashes"
  echo "== fuzz $name: ${SECONDS_EACH}s, $(ls "$corpus" | wc -l) seeds"
  # New inputs go to a scratch dir: the committed corpus stays the reviewed seed set.
  if ! "$exe" "$work" "$corpus" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -timeout=10 -artifact_prefix="$crashes/" -print_final_stats=1 2>"build/fuzz/$name.log"; then
    echo "fuzz $name: FAILED (see build/fuzz/$name.log, inputs in $crashes)" >&2
    tail -40 "build/fuzz/$name.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "build/fuzz/$name.log" | tail -2
  fi
done
exit $status
