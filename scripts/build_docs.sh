#!/usr/bin/env bash
# Builds the API reference (Sphinx autodoc over the docstrings, docs/api/) into build/docs/api
# (or $1) and fails on any docstring warning: broken reStructuredText, a public object without a
# docstring (docs/api/conf.py), a duplicate description. Warnings already known in code owned
# elsewhere are listed in docs/api/known_warnings.txt (one per line, line numbers left out) and
# reported without failing; fix one and delete its line. Any new warning fails the build.
# The extension is taken from FUSEFLOW_DEV_BUILD (<build dir>/python) when set, else from the
# installed package; the Python sources from this checkout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python}"
OUT="${1:-$ROOT/build/docs/api}"
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

echo "== Sphinx API reference -> $OUT"
# Warnings go to a file and are judged below; a Sphinx failure (exit status) prints its output.
if ! "$PY" -m sphinx -b html -q -E --keep-going -w "$tmp/warnings" -d "$tmp/doctrees" "$ROOT/docs/api" "$OUT" \
    2>"$tmp/stderr"; then
  cat "$tmp/stderr" >&2
  exit 1
fi
# One key per warning: the path made relative and the docstring's line number dropped, so an
# edit above a known warning does not make it new.
sed -E "s#$ROOT/##; s#(docstring of [A-Za-z0-9_.]+):[0-9]+:#\1:#; s#^(WARNING|ERROR)#\1#" "$tmp/warnings" \
  | sed -E 's#\x1b\[[0-9;]*m##g' | grep -v '^\s*$' | sort -u > "$tmp/found" || true
grep -v '^#' "$ROOT/docs/api/known_warnings.txt" | grep -v '^\s*$' | sort -u > "$tmp/known" || true
comm -23 "$tmp/found" "$tmp/known" > "$tmp/new"
known_left=$(comm -12 "$tmp/found" "$tmp/known" | wc -l)
fixed=$(comm -13 "$tmp/found" "$tmp/known" | wc -l)
[[ $known_left -gt 0 ]] && echo "build_docs: $known_left known docstring warning(s) in code owned elsewhere (docs/api/known_warnings.txt)"
[[ $fixed -gt 0 ]] && { echo "build_docs: fixed, delete from docs/api/known_warnings.txt:"; comm -13 "$tmp/found" "$tmp/known"; }
if [[ -s "$tmp/new" ]]; then
  echo "build_docs: docstring warnings:" >&2
  cat "$tmp/new" >&2
  exit 1
fi
echo "build_docs: ok ($OUT/index.html)"
