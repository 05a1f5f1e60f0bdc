#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every test suite: C unit, C integration against real servers (xrdp,
# FreeRDP shadow, scripted responders, network namespaces), Python and C#
# bindings. Installs what is missing (Debian packages), builds, starts the
# lab, stops it again. Exit 0 only when nothing failed; the last line is
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
pass=0 fail=0 skip=0

add() { # "p f s" label
  local p f s
  read -r p f s <<<"$1"
  pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
  echo "== $2: $p passed, $f failed, $s skipped"
}

finish() {
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ] && exit 0 || exit 1
}

./test/lab/lab.sh install || { echo "install failed"; fail=$((fail + 1)); finish; }
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" || { fail=$((fail + 1)); finish; }
fi
ninja -C "$BUILD" || { echo "build failed"; fail=$((fail + 1)); finish; }

echo "== C unit tests"
meson test -C "$BUILD" --no-rebuild --suite unit --logbase unit --print-errorlogs
add "$(python3 test/tally.py --meson "$BUILD/meson-logs/unit.json")" "C unit"

echo "== starting the lab (real servers on loopback)"
trap './test/lab/faults.sh down >/dev/null 2>&1 || true; ./test/lab/lab.sh down >/dev/null 2>&1 || true' EXIT
if ! ./test/lab/lab.sh up; then
  echo "lab failed to start"
  fail=$((fail + 1))
  finish
fi
set -a
# shellcheck disable=SC1091
. test/lab/run/env
set +a

echo "== C integration tests"
export RDPNEG_DOCS_DIR=$BUILD/lab-docs # the lab documents, reused by the browser test
meson test -C "$BUILD" --no-rebuild --suite integration --logbase integration \
  --print-errorlogs
add "$(python3 test/tally.py --meson "$BUILD/meson-logs/integration.json")" \
  "C integration"

# The fast configuration (README, "Performance"): rdpneg-probe built with
# musl, linked with mbedTLS + Everest's X25519 as a static executable
# (librdpneg, mbedTLS and libuv linked in), answers as the system build
# does. mbedTLS and libuv are built with musl once per machine
# (scripts/mbedtls-everest.sh --musl, ~/.cache/rdpneg; musl-tools installed
# by it), the probe in $BUILD-fast (kept): a few seconds once both exist.
echo "== fast configuration (musl, Everest, static) rdpneg-probe against the system build (test/integration/test_everest.py)"
t_ev=$SECONDS
if EVEREST_PROBE=$(./scripts/mbedtls-everest.sh --musl --setup "$BUILD-fast" -Dtests=false \
  -Dman=disabled -Ddefault_library=static -Dprefer_static=true -Dstatic_cli=true \
  2>"$BUILD/everest-build.log"); then
  python3 test/integration/test_everest.py --system "$BUILD/examples/rdpneg-probe" \
    --everest "$EVEREST_PROBE" --static --musl >"$BUILD/everest.tap" 2>&1
  rc=$?
  grep -E '^(not ok|# )' "$BUILD/everest.tap" | head -n 40
  read -r p f s <<<"$(python3 test/tally.py --tap "$BUILD/everest.tap")"
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  add "$p $f $s" "Everest build ($((SECONDS - t_ev)) s)"
else
  tail -n 20 "$BUILD/everest-build.log"
  add "0 1 0" "Everest build (mbedTLS or rdpneg-probe failed to build; $BUILD/everest-build.log)"
fi

echo "== the HTML report in headless Chromium (test/browser/)"
LAB_EXTRA_PACKAGES="chromium python3-websocket" ./test/lab/lab.sh install \
  >"$BUILD/browser-install.log" 2>&1 ||
  echo "chromium could not be installed (see $BUILD/browser-install.log); the browser test skips"
RDPNEG_HTML_OUT=$BUILD/html-reports meson test -C "$BUILD" --no-rebuild \
  --suite browser --logbase browser --print-errorlogs
add "$(python3 test/tally.py --meson "$BUILD/meson-logs/browser.json")" \
  "browser"

echo "== network faults and services that are not RDP (test/lab/faults.sh)"
meson test -C "$BUILD" --no-rebuild --suite faults --logbase faults \
  --print-errorlogs
add "$(python3 test/tally.py --meson "$BUILD/meson-logs/faults.json")" \
  "faults"

# rdpneg-exporter: promtool on its output, two Prometheus servers sharing
# the lab's targets by hashmod (skips without prometheus and
# python3-prometheus-client, which lab.sh install brings; fails then in CI)
echo "== rdpneg-exporter and Prometheus (test/integration/test_exporter.py)"
RDPNEG_LIBRARY_DIR=$BUILD python3 test/integration/test_exporter.py \
  >"$BUILD/exporter.tap" 2>&1
rc=$?
grep -E '^(not ok|ok .*# SKIP|# )' "$BUILD/exporter.tap" | head -n 60
read -r p f s <<<"$(python3 test/tally.py --tap "$BUILD/exporter.tap")"
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
add "$p $f $s" "exporter"

if [ "${LAB_NETNS:-0}" = 1 ]; then
  echo "== C integration tests inside network namespace ${LAB_NS_CLIENT}"
  ip netns exec "$LAB_NS_CLIENT" env RDPNEG_IN_NETNS=1 \
    "$BUILD/test/test_servers" --netns >"$BUILD/netns.tap" 2>&1
  cat "$BUILD/netns.tap"
  add "$(python3 test/tally.py --tap "$BUILD/netns.tap")" "C netns"
fi

# The C suites again under ASan+UBSan, the probes under valgrind (lab up).
for extra in sanitize valgrind; do
  echo "== $extra"
  BUILD=$BUILD bash "test/$extra.sh" >"$BUILD/$extra.log" 2>&1
  rc=$?
  grep -E '^(not ok|== |# )' "$BUILD/$extra.log" | head -n 60
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$BUILD/$extra.log" | tail -n 1)
  read -r p f s <<<"$(sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+).*/\1 \2 \3/' <<<"${line:-0 passed, 1 failed, 0}")"
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  add "$p $f $s" "$extra"
done

# Windows (mingw-w64 cross build, tests under wine; test/windows/): when the
# cross compiler and wine are installed, or in CI (CI=true), where build.sh
# installs them. RDPNEG_WINDOWS=0 skips, =1 forces. Before the packaging
# suite: the NuGet package it checks then carries runtimes/win-x64/native.
# libuv and mbedTLS built from Debian's sources stay in $BUILD_WIN/deps and
# ~/.cache/rdpneg/win-deps (test/windows/build.sh).
BUILD_WIN=${BUILD_WIN:-$ROOT/build-win}
win=${RDPNEG_WINDOWS:-auto}
if [ "$win" = auto ]; then
  win=0
  if [ "${CI:-}" = true ] || { command -v x86_64-w64-mingw32-gcc-win32 >/dev/null &&
    [ -x /usr/lib/wine/wine64 ]; }; then
    win=1
  fi
fi
pack_env=()
if [ "$win" = 1 ]; then
  echo "== Windows suites (test/windows/run_tests.sh)"
  t_win=$SECONDS
  BUILD_WIN=$BUILD_WIN RDPNEG_LINUX_BUILD=$BUILD bash test/windows/run_tests.sh \
    >"$BUILD/windows.log" 2>&1
  rc=$?
  grep -E '^(== |not ok)' "$BUILD/windows.log"
  read -r p f s < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' \
    "$BUILD/windows.log" | tail -n 1)
  [ -z "${p:-}" ] && p=0 f=1 s=0
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  add "$p $f $s" "Windows (wine, $((SECONDS - t_win)) s; log $BUILD/windows.log)"
  # built in this run: the packaging suite adds the DLLs (pack.sh) and
  # takes the package the Windows suites made and ran, when there is one
  if grep -q '^windows: win-x64 build ready' "$BUILD/windows.log"; then
    pack_env+=("RDPNEG_WIN_BUILD=$BUILD_WIN")
    ls "$BUILD_WIN"/nuget/Rdpneg.*.nupkg >/dev/null 2>&1 &&
      pack_env+=("RDPNEG_NUGET_FEED=$BUILD_WIN/nuget")
  fi
else
  add "0 0 1" "Windows suites skipped (RDPNEG_WINDOWS=0, or no mingw-w64/wine and not CI)"
fi

echo "== packages: NuGet in a fresh console app, Debian packages installed and purged"
env "${pack_env[@]}" meson test -C "$BUILD" --no-rebuild --suite packaging \
  --logbase packaging --print-errorlogs
add "$(python3 test/tally.py --meson "$BUILD/meson-logs/packaging.json")" \
  "packages"

for suite in python csharp; do
  if [ -f "bindings/$suite/run_tests.sh" ]; then
    echo "== $suite binding tests"
    RDPNEG_LIBRARY_DIR=$BUILD bash "bindings/$suite/run_tests.sh" \
      >"$BUILD/$suite.log" 2>&1
    rc=$?
    tail -n 40 "$BUILD/$suite.log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$BUILD/$suite.log" | tail -n 1)
    if [ -z "$line" ]; then
      add "0 1 0" "$suite (no summary line, exit $rc)"
    else
      p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
      f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
      s=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")
      [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
      add "$p $f ${s:-0}" "$suite"
    fi
  fi
done

finish
