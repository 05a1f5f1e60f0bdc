#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Windows suites: builds win-x64 with test/windows/build.sh (installs the
# toolchain when missing), then runs under wine 8:
#   C unit        meson test --suite unit (the portable tests that
#                 test/windows/meson.build lists)
#   package       test/windows/test_package.sh on build-win/out
#   NuGet, .NET   bindings/csharp/pack.sh with out/bin as runtimes/win-x64/
#                 native into build-win/nuget (a local feed; test/run.sh's
#                 packaging suite checks that package too); test/windows/
#                 dotnet, published for win-x64 with the Windows .NET runtime
#                 (NuGet) against that package, runs on its DLLs
#   with the lab environment (set -a; . test/lab/run/env; set +a):
#   C integration meson test --suite integration, test_servers --netns
#   compare       test/windows/compare.py: rdpneg-probe --json on Windows and
#                 Linux give the same documents (needs a Linux build:
#                 RDPNEG_LINUX_BUILD, default build/, else build-win/linux)
# Last line "N passed, N failed, N skipped"; exit 0 only when none failed.
# Environment: BUILD_WIN (default build-win), RDPNEG_WINE_TIMEOUT_MULTIPLIER
# (meson test, default 10: wine starts slowly on a loaded machine).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
export BUILD_WIN=${BUILD_WIN:-$ROOT/build-win}
B=$BUILD_WIN/meson
LINUX_BUILD=${RDPNEG_LINUX_BUILD:-$ROOT/build}
WINE=/usr/lib/wine/wine64
WINESERVER=/usr/lib/wine/wineserver
MULT=${RDPNEG_WINE_TIMEOUT_MULTIPLIER:-10}
pass=0 fail=0 skip=0
t_start=$SECONDS

add() { # "p f s" label
  local p f s
  read -r p f s <<<"$1"
  pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
  echo "== $2: $p passed, $f failed, $s skipped"
}
finish() {
  echo "== Windows: build $t_build s, tests $((SECONDS - t_start - t_build)) s"
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ] && exit 0 || exit 1
}
tally_meson() { python3 test/tally.py --meson "$B/meson-logs/$1.json"; }
tally_tap() { python3 test/tally.py --tap "$1"; }

t_build=0
if ! ./test/windows/build.sh all; then
  t_build=$((SECONDS - t_start))
  add "0 1 0" "Windows build"
  finish
fi
t_build=$((SECONDS - t_start))

export WINEPREFIX=$BUILD_WIN/wineprefix WINEDEBUG=-all WINEARCH=win64
export WINEPATH="Z:${BUILD_WIN//\//\\}\\deps\\bin" # libuv.dll for meson test
export RDPNEG_TARGET_OS=windows # for tests that know a platform difference
stop_wine() { # every wineserver of our prefixes (per network namespace too)
  local p
  for p in "$BUILD_WIN"/wineprefix "$BUILD_WIN"/wineprefix-netns-*; do
    [ -d "$p" ] && WINEPREFIX=$p timeout 30 "$WINESERVER" -k >/dev/null 2>&1
  done
  return 0
}
trap stop_wine EXIT
[ -f "$WINEPREFIX/system.reg" ] || echo "== creating the wine prefix $WINEPREFIX (once)"
# the wineserver (persistent while the suites run: wine starts faster) and
# wine's services, started with no inherited output (see wine-run.sh)
"$WINESERVER" -p
# (creating a prefix, wine would offer to download Mono and Gecko: not wanted;
# the override is for wineboot only, .NET programs need wine's mscoree.dll)
WINEDLLOVERRIDES='mscoree,mshtml=' timeout 300 "$WINE" wineboot --init \
  </dev/null >"$BUILD_WIN/wineboot.log" 2>&1
readlink /proc/self/ns/net >"$WINEPREFIX/.rdpneg-netns" # see wine-run.sh

echo "== Windows C unit tests (wine)"
meson test -C "$B" --no-rebuild --suite unit --logbase win-unit --print-errorlogs \
  --timeout-multiplier "$MULT"
add "$(tally_meson win-unit)" "Windows C unit"

echo "== Windows package (build-win/out)"
linux_lib=
[ -e "$LINUX_BUILD/lib/librdpneg.so.0" ] && linux_lib=$LINUX_BUILD
RDPNEG_CLOSED_PORT=${LAB_CLOSED_PORT:-1} ./test/windows/test_package.sh "$BUILD_WIN/out" $linux_lib \
  >"$BUILD_WIN/package.tap" 2>&1
cat "$BUILD_WIN/package.tap"
add "$(tally_tap "$BUILD_WIN/package.tap")" "Windows package"

echo "== NuGet package with win-x64, and the .NET binding from it (Windows .NET runtime under wine)"
rm -rf "$BUILD_WIN/nuget" # (test/run.sh's packaging suite takes a package made here)
if command -v dotnet >/dev/null; then
  # bindings/csharp/pack.sh with this build's DLLs as runtimes/win-x64/native
  # into the local feed $BUILD_WIN/nuget (test/run.sh's packaging suite tests
  # that package too); then a self-contained win-x64 app referencing it (the
  # Windows runtime pack comes from NuGet), its own package folder holding
  # no older Rdpneg
  NUGET_DIR=$BUILD_WIN/nuget
  VERSION=$(sed -nE "s/^  version: '([^']+)'.*/\1/p" meson.build | head -n 1)
  rm -rf "$BUILD_WIN/dotnet/app" "$BUILD_WIN/dotnet/packages/rdpneg"
  mkdir -p "$BUILD_WIN/dotnet"
  bindings/csharp/feed_config.sh "$NUGET_DIR" >"$BUILD_WIN/dotnet/nuget.config"
  if ! RDPNEG_WIN_BUILD=$BUILD_WIN nice -n 19 bindings/csharp/pack.sh "$NUGET_DIR" \
    >"$BUILD_WIN/pack.log" 2>&1; then
    tail -n 20 "$BUILD_WIN/pack.log"
    add "0 1 0" "NuGet package with win-x64 (bindings/csharp/pack.sh failed)"
  elif ! NUGET_PACKAGES=$BUILD_WIN/dotnet/packages nice -n 19 dotnet publish \
    test/windows/dotnet/WinSmoke.csproj -c Release -p:RdpnegVersion="$VERSION" \
    -p:RestoreConfigFile="$BUILD_WIN/dotnet/nuget.config" \
    -o "$BUILD_WIN/dotnet/app" --artifacts-path "$BUILD_WIN/dotnet/artifacts" \
    >"$BUILD_WIN/dotnet-publish.log" 2>&1; then
    tail -n 20 "$BUILD_WIN/dotnet-publish.log"
    add "0 1 0" ".NET on Windows (dotnet publish -r win-x64 with the package failed)"
  else
    # the app's DLLs are the package's runtimes/win-x64/native, which are
    # this build's out/bin
    same=1
    for f in rdpneg-0.dll rdpneg-uv-0.dll libuv.dll; do
      unzip -p "$NUGET_DIR/Rdpneg.$VERSION.nupkg" "runtimes/win-x64/native/$f" >"$BUILD_WIN/dotnet/pkg.dll" &&
        cmp -s "$BUILD_WIN/dotnet/pkg.dll" "$BUILD_WIN/dotnet/app/$f" &&
        cmp -s "$BUILD_WIN/dotnet/app/$f" "$BUILD_WIN/out/bin/$f" || same=0
    done
    if [ "$same" = 1 ]; then
      echo "ok 1 - the app's rdpneg-0.dll, rdpneg-uv-0.dll, libuv.dll are the package's runtimes/win-x64/native (this build's)"
    else
      echo "not ok 1 - the app's DLLs are not the package's runtimes/win-x64/native (this build's)"
    fi >"$BUILD_WIN/dotnet-files.tap"
    echo "1..1" >>"$BUILD_WIN/dotnet-files.tap"
    cat "$BUILD_WIN/dotnet-files.tap"
    add "$(tally_tap "$BUILD_WIN/dotnet-files.tap")" "NuGet package with win-x64"
    RDPNEG_CLOSED_PORT=${LAB_CLOSED_PORT:-1} ./test/windows/wine-run.sh \
      "$BUILD_WIN/dotnet/app/WinSmoke.exe" >"$BUILD_WIN/dotnet.tap" 2>&1
    cat "$BUILD_WIN/dotnet.tap"
    add "$(tally_tap "$BUILD_WIN/dotnet.tap")" ".NET on Windows from the package (wine)"
  fi
else
  add "0 0 1" ".NET on Windows (no dotnet SDK)"
fi

if [ -z "${LAB_XRDP_TLS_VALID:-}" ]; then
  echo "== Windows integration: skipped (no lab environment)"
  add "0 0 3" "Windows integration, netns, compare"
  finish
fi

echo "== Windows C integration tests (wine, lab servers)"
meson test -C "$B" --no-rebuild --suite integration --logbase win-integration \
  --print-errorlogs --timeout-multiplier "$MULT"
add "$(tally_meson win-integration)" "Windows C integration"

if [ "${LAB_NETNS:-0}" = 1 ]; then
  echo "== Windows C integration inside network namespace ${LAB_NS_CLIENT}"
  ip netns exec "$LAB_NS_CLIENT" env RDPNEG_IN_NETNS=1 RDPNEG_WINE_TIMEOUT=300 \
    WINEPATH="Z:${B//\//\\}\\lib;Z:${B//\//\\}\\lib\\uv;$WINEPATH" \
    ./test/windows/wine-run.sh "$B/test/windows/test_servers.exe" --netns >"$BUILD_WIN/netns.tap" 2>&1
  cat "$BUILD_WIN/netns.tap"
  add "$(tally_tap "$BUILD_WIN/netns.tap")" "Windows C netns"
fi

echo "== rdpneg-probe --json: Windows against Linux"
if [ ! -x "$LINUX_BUILD/examples/rdpneg-probe" ]; then
  LINUX_BUILD=$BUILD_WIN/linux
  { [ -f "$LINUX_BUILD/build.ninja" ] || meson setup "$LINUX_BUILD" >/dev/null; } &&
    nice -n 19 ninja -C "$LINUX_BUILD" examples/rdpneg-probe >/dev/null
fi
python3 test/windows/compare.py --linux "$LINUX_BUILD/examples/rdpneg-probe" \
  --windows "$B/test/windows/rdpneg-probe.sh" \
  --uv-errno-h "$BUILD_WIN/deps/include/uv/errno.h" >"$BUILD_WIN/compare.tap" 2>&1
cat "$BUILD_WIN/compare.tap"
add "$(tally_tap "$BUILD_WIN/compare.tap")" "Windows/Linux JSON comparison"
finish
