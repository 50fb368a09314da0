#!/usr/bin/env bash
# Builds the C++ tests with ThreadSanitizer and runs the threaded stress tests (test suites named
# *Concurrency*: one compiled program / one EmbeddingIndex / one Graph used from many threads).
# FUSEFLOW_NUM_THREADS=1: TSan cannot see libgomp's barriers (libgomp is not instrumented), so
# OpenMP teams would be reported as races; the std::thread callers are what this job checks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUSEFLOW_TSAN=ON \
      -DFUSEFLOW_BUILD_TESTS=ON -DFUSEFLOW_BUILD_PYTHON=OFF >/dev/null
cmake --build build/tsan -j "$(nproc)" --target fuseflow_tests
FUSEFLOW_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ./build/tsan/fuseflow_tests --gtest_filter='*Concurrency*'
