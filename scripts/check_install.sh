#!/usr/bin/env bash
# Install checks (CI): what users of the package and of the C++ library meet.
#  1. The installed Python extension links Highway statically (no libhwy at run time).
#  2. A configure without Highway stops at once with the message naming the package to install.
#  3. The C++ library installs into a prefix, and tests/consumer builds and runs against it with
#     find_package(fuseflow).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/build/install-check}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"

core="$("$PY" -c 'import fuseflow._core as c; print(c.__file__)')"
if ldd "$core" | grep -q libhwy; then
  echo "check_install: $core loads libhwy (expected Highway linked statically)" >&2; exit 1
fi
echo "check_install: installed extension has no libhwy dependency"

# The wheel scripts/setup.sh built, in a fresh venv (only numpy beside it): it imports, runs a
# program, and no libhwy is mapped into the process.
wheel="$(ls "$ROOT"/build/wheelhouse/fuseflow-*.whl 2>/dev/null | head -n 1)"
if [[ -z "$wheel" ]]; then
  echo "check_install: no wheel in build/wheelhouse (run scripts/setup.sh)" >&2; exit 1
fi
rm -rf "$WORK.venv"
"$PY" -m venv "$WORK.venv"
"$WORK.venv/bin/python" -m pip install -q "$wheel"
(cd / && "$WORK.venv/bin/python" - <<'PYEOF'
import numpy as np
import fuseflow as ff
assert float(ff.jit(lambda x: (x * 2.0).sum())(np.arange(4.0))) == 12.0
maps = open("/proc/self/maps").read()
assert "libhwy" not in maps, "libhwy is loaded by the installed wheel"
assert "site-packages/fuseflow" in ff.__file__, ff.__file__
PYEOF
)
echo "check_install: the wheel runs in a fresh venv with no libhwy mapped ($(basename "$wheel"))"

# The compiled tier's native mode compiles against headers installed beside _core (CMakeLists.txt).
inc="$(dirname "$core")/include"
for h in jit/region_kernel-inl.h jit/shape.h kernels/math-inl.h fuseflow/jit/region.h hwy/highway.h; do
  [ -f "$inc/$h" ] || { echo "check_install: $inc/$h missing (native compiled tier needs it)" >&2; exit 1; }
done
echo "check_install: the native tier's template headers are installed in $inc"

rm -rf "$WORK"
if cmake -S "$ROOT" -B "$WORK/nohwy" -G Ninja -DFUSEFLOW_BUILD_PYTHON=OFF -DCMAKE_DISABLE_FIND_PACKAGE_hwy=ON \
     >"$WORK.nohwy.log" 2>&1; then
  echo "check_install: configure without Highway unexpectedly succeeded" >&2; exit 1
fi
grep -q "apt install libhwy-dev" "$WORK.nohwy.log" || { cat "$WORK.nohwy.log" >&2; exit 1; }
echo "check_install: configure without Highway names the package to install"

cmake -S "$ROOT" -B "$WORK/lib" -G Ninja -DFUSEFLOW_BUILD_PYTHON=OFF -DFUSEFLOW_BUILD_TESTS=OFF >/dev/null
cmake --build "$WORK/lib" -j "$(nproc)"
cmake --install "$WORK/lib" --prefix "$WORK/prefix" >/dev/null
cmake -S "$ROOT/tests/consumer" -B "$WORK/app" -G Ninja -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/app"
"$WORK/app/consumer"
