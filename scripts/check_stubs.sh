#!/usr/bin/env bash
# Typing checks (issue 15 item 6), in three steps:
#   1. the extension's stubs (python/fuseflow/_core/*.pyi, nanobind stubgen) regenerate identical
#      from the built extension: a binding changed without `scripts/check_stubs.sh --update` fails;
#   2. mypy.stubtest: the hand-written stubs of the Python layer (python/fuseflow/**/*.pyi) name
#      the same functions, parameters and defaults as the runtime (allowlist: tests/typing/);
#   3. mypy --strict on a typed program using ff.jit, Graph + algorithms, EmbeddingIndex and
#      ff.finance (tests/typing/typed_usage.py).
# The extension is taken from FUSEFLOW_DEV_BUILD (<build dir>/python) when set, else from the
# installed package; the Python layer and its stubs always from this checkout.
# Usage: scripts/check_stubs.sh [--update]   (--update rewrites the _core stubs, then checks)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [[ -z "${FUSEFLOW_DEV_BUILD:-}" ]]; then
  # Only the installed extension (a link to it in a directory of its own): the Python modules
  # still come from this checkout, whatever version is installed.
  so="$(cd / && "$PY" -c 'import fuseflow._core as c; print(c.__file__)')"
  mkdir "$tmp/ext"
  ln -s "$so" "$tmp/ext/"
  FUSEFLOW_DEV_BUILD="$tmp/ext"
fi
export FUSEFLOW_DEV_BUILD
export PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}"

echo "== stubs of _core regenerate identical (nanobind stubgen, from $FUSEFLOW_DEV_BUILD)"
# --exclude-values: build-dependent values (highway_linkage) must not make the stubs differ.
"$PY" -m nanobind.stubgen -m fuseflow._core -r --exclude-values -O "$tmp/stubs" -q
if [[ "${1:-}" == "--update" ]]; then
  rm -rf "$ROOT/python/fuseflow/_core"
  cp -r "$tmp/stubs/_core" "$ROOT/python/fuseflow/_core"
  echo "check_stubs: rewrote python/fuseflow/_core/*.pyi"
fi
if ! diff -ru "$ROOT/python/fuseflow/_core" "$tmp/stubs/_core"; then
  echo "check_stubs: python/fuseflow/_core/*.pyi differ from the built extension; run scripts/check_stubs.sh --update and commit" >&2
  exit 1
fi

cd "$tmp"  # no configuration or cache of the checkout's directory is picked up
echo "== stubtest: the Python layer's stubs match the runtime"
"$PY" -m mypy.stubtest fuseflow \
  --mypy-config-file "$ROOT/tests/typing/stubtest.ini" --allowlist "$ROOT/tests/typing/stubtest_allowlist.txt"

echo "== mypy --strict on tests/typing/typed_usage.py"
"$PY" -m mypy --strict --cache-dir "$tmp/cache" "$ROOT/tests/typing/typed_usage.py"
