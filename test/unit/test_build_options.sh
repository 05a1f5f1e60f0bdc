#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build options (TAP), each in a temporary build directory of this tree:
#   -Duv=disabled -Dtests=false -Dexamples=false   the core library alone
#   -Ddefault_library=static -Dtests=false         librdpneg.a (+ librdpneg-uv.a),
#                                                  tools linked statically
# and test_install.sh (install, pkg-config, headers, symbols) on each.
#   test_build_options.sh SOURCE_DIR
set -u
SRC=$(cd "$1" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
show() { sed 's/^/# /' "$1" | tail -n "${2:-20}"; }

# configure + build; prints the linked targets
build() { # dir options...
  local dir=$1
  shift
  if ! meson setup "$@" "$T/$dir" "$SRC" >"$T/$dir.setup" 2>&1; then
    show "$T/$dir.setup"
    return 1
  fi
  if ! nice -n 19 ninja -C "$T/$dir" -j 2 >"$T/$dir.ninja" 2>&1; then
    show "$T/$dir.ninja"
    return 1
  fi
  sed -nE 's/.*Linking (static )?target ([^ ]+).*/\2/p' "$T/$dir.ninja" | sort | tr '\n' ' '
}

# install test, its TAP lines as comments; the number of its ok lines
install_test() { # dir
  bash "$SRC/test/unit/test_install.sh" "$T/$1" "$SRC" >"$T/$1.install" 2>&1
  local rc=$?
  sed 's/^/#   /' "$T/$1.install"
  return $rc
}

if linked=$(build core -Duv=disabled -Dtests=false -Dexamples=false); then
  ok "configure and build with -Duv=disabled -Dtests=false -Dexamples=false"
else
  notok "configure and build with -Duv=disabled -Dtests=false -Dexamples=false"
fi
if [ "$linked" = "lib/librdpneg.so.0.1.0 " ]; then
  ok "the core alone is linked: $linked"
else
  notok "linked: $linked (expected lib/librdpneg.so.0.1.0 only)"
fi
if grep -q 'Dependency libuv skipped: feature uv disabled' "$T/core.setup"; then
  ok "libuv is not looked up"
else
  grep -i 'libuv' "$T/core.setup" | sed 's/^/# /'
  notok "libuv is not looked up"
fi
if install_test core; then
  ok "test_install.sh passes on the core build ($(grep -c '^ok' "$T/core.install") checks)"
else
  notok "test_install.sh on the core build"
fi

if linked=$(build static -Ddefault_library=static -Dtests=false); then
  ok "configure and build with -Ddefault_library=static -Dtests=false"
else
  notok "configure and build with -Ddefault_library=static -Dtests=false"
fi
if grep -q 'lib/librdpneg.a ' <<<"$linked" && ! grep -q '\.so' <<<"$linked"; then
  ok "static libraries only: $linked"
else
  notok "linked: $linked (expected lib/librdpneg.a and no .so)"
fi
tool=$T/static/examples/rdpneg-explain
if [ -x "$tool" ] && ! readelf -d "$tool" | grep -q 'NEEDED.*librdpneg' &&
  out=$("$tool" --version) && [ "$out" = "rdpneg-explain $(sed -nE 's/^#define RDPNEG_VERSION "(.*)"/\1/p' "$SRC/include/rdpneg/rdpneg.h")" ]; then
  ok "rdpneg-explain is linked statically and runs: $out"
else
  notok "rdpneg-explain linked statically and runs"
fi
if install_test static; then
  ok "test_install.sh passes on the static build ($(grep -c '^ok' "$T/static.install") checks)"
else
  notok "test_install.sh on the static build"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
