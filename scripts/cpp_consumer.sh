#!/usr/bin/env bash
# Installs the C++ library into a temporary prefix and builds + runs tests/consumer against it
# with find_package(fuseflow): the check that C++ users can consume an installed fuseflow.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/build/consumer}"
rm -rf "$WORK/prefix" "$WORK/app"
cmake -S "$ROOT" -B "$WORK/lib" -G Ninja -DFUSEFLOW_BUILD_PYTHON=OFF -DFUSEFLOW_BUILD_TESTS=OFF >/dev/null
cmake --build "$WORK/lib" -j "$(nproc)"
cmake --install "$WORK/lib" --prefix "$WORK/prefix" >/dev/null
cmake -S "$ROOT/tests/consumer" -B "$WORK/app" -G Ninja -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/app"
"$WORK/app/consumer"
