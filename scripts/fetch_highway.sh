#!/usr/bin/env bash
# Puts the Highway source tree of the Debian release in third_party/highway and prints its path.
# The wheel links it statically (FUSEFLOW_HWY_SOURCE_DIR), so users need no libhwy installed.
# Debian's source package is used because the build machines reach Debian's mirror and PyPI only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/third_party/highway"
if [[ -f "$DEST/CMakeLists.txt" ]]; then echo "$DEST"; exit 0; fi
if ! apt-get source --help >/dev/null 2>&1; then echo "fetch_highway: needs apt (Debian)" >&2; exit 1; fi
# apt-get source needs a deb-src entry; add one for the running release if none exists.
if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  cat > /etc/apt/sources.list.d/fuseflow-src.sources <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq >&2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source --download-only highway >/dev/null 2>&1)
mkdir -p "$DEST"
tar -xzf "$work"/highway_*.orig.tar.gz -C "$DEST" --strip-components=1
echo "$DEST"
