#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the rdpneg wheel (rdpneg-<version>-py3-none-linux_x86_64.whl) with
# Debian's python3-build, offline (--no-isolation): setup.py builds
# librdpneg and librdpneg-uv from this source tree with meson in a
# temporary directory (mbedTLS linked in statically; libuv from the
# system's libuv1) and the wheel
# carries them in rdpneg/_native/. The package is staged in a temporary
# copy, so the source tree stays clean. The last line on stdout is the
# wheel's path.
#
#   bindings/python/build_wheel.sh [OUTDIR]    (default: bindings/python/dist)
#
#   BUILD_PYTHON  the interpreter that has build, setuptools >= 61 and wheel
#                 (default: /usr/bin/python3, else python3)
#   RDPNEG_NATIVE_DIR, RDPNEG_WHEEL_BUILD_DIR, RDPNEG_WHEEL_STATIC: see
#                 setup.py
# Needs (Debian): python3-build python3-setuptools python3-wheel meson
# ninja-build gcc pkg-config libmbedtls-dev libuv1-dev.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-$HERE/dist}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

has_build() {
  "$1" - <<'PY' 2>/dev/null
import build, wheel, setuptools
major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
raise SystemExit(0 if (major, minor) >= (61, 0) else 1)
PY
}

PY=${BUILD_PYTHON:-}
if [[ -z $PY ]]; then
  for cand in /usr/bin/python3 python3; do
    if command -v "$cand" >/dev/null && has_build "$cand"; then
      PY=$cand
      break
    fi
  done
fi
if [[ -z $PY ]]; then
  echo "build_wheel: no python3 with build, setuptools >= 61 and wheel" \
    "(apt-get install python3-build python3-setuptools python3-wheel)" >&2
  exit 1
fi

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/rdpneg-wheel-src.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
cp "$HERE/pyproject.toml" "$HERE/setup.py" "$HERE/README.md" "$STAGE/"
cp "$ROOT/LICENSE" "$STAGE/LICENSE"
mkdir "$STAGE/rdpneg"
# the package's sources only: no caches, no _native left by an in-place build
find "$HERE/rdpneg" -maxdepth 1 -type f \( -name '*.py' -o -name py.typed \) \
  -exec cp {} "$STAGE/rdpneg/" \;

RDPNEG_SOURCE_DIR=$ROOT PYTHONDONTWRITEBYTECODE=1 \
  "$PY" -m build --wheel --no-isolation --outdir "$OUT" "$STAGE" >&2
wheel=$(ls -t "$OUT"/rdpneg-*.whl | head -n 1)
[[ -f $wheel ]] || {
  echo "build_wheel: no wheel in $OUT" >&2
  exit 1
}
echo "build_wheel: $(du -k "$wheel" | cut -f1) KiB" >&2
echo "$wheel"
