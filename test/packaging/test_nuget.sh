#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The NuGet package as a user gets it (TAP): bindings/csharp/pack.sh builds
# Rdpneg.<version>.nupkg/.snupkg into a local feed (a folder) in a temporary
# directory; its contents are checked; then for net10.0 and net8.0 a fresh
# console app (dotnet new console) references the package from that feed,
# with its own empty NuGet package folder, and runs a probe
# (test/packaging/nuget_probe/Program.cs) against a lab server with no
# RDPNEG_* environment variable: the managed socket driver and the libuv
# driver, the native libraries loaded from the package's
# runtimes/linux-x64/native. As root, the net10.0 app runs once more in a
# private mount namespace where the system's mbedTLS and libuv libraries are
# hidden (a machine without them). The temporary directory is removed.
#
#   test_nuget.sh SOURCE_DIR
#   RDPNEG_LAB_ENV   the lab's env file (default SOURCE_DIR/test/lab/run/env);
#                    without a lab the probe steps are skipped
#   RDPNEG_NUGET_FEED  a folder already holding the package (skips pack.sh)
#   RDPNEG_NUGET_TFMS  frameworks to test (default "net10.0 net8.0")
#   RDPNEG_WIN_BUILD   test/windows/build.sh's directory: the package must
#                      carry its DLLs as runtimes/win-x64/native too
set -u
SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/rdpneg-nuget-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { local name=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$name"; else sed 's/^/# /' "$T/out" | tail -n 40; notok "$name"; fi; }
has() { # name file pattern: a line of the file matches the extended regex
  if grep -qE -- "$3" "$2"; then ok "$1"; else sed 's/^/# /' "$2"; notok "$1 (no line matching $3)"; fi
}
finish() {
  echo "1..$n"
  [ "$fails" -eq 0 ]
  exit
}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_HOME=$T/home NUGET_PACKAGES=$T/packages
if ! command -v dotnet >/dev/null; then
  skip "NuGet package" "dotnet not installed"
  finish
fi
VERSION=$(sed -nE "s/^  version: '([^']+)'.*/\1/p" "$SRC/meson.build" | head -n 1)
FEED=$T/feed
if [ -n "${RDPNEG_NUGET_FEED:-}" ]; then
  cp -R "$RDPNEG_NUGET_FEED" "$FEED"
  ok "package taken from $RDPNEG_NUGET_FEED"
else
  check "pack.sh builds Rdpneg.$VERSION.nupkg and .snupkg" "$SRC/bindings/csharp/pack.sh" "$FEED"
fi
NUPKG=$FEED/Rdpneg.$VERSION.nupkg
SNUPKG=$FEED/Rdpneg.$VERSION.snupkg
if [ ! -f "$NUPKG" ]; then
  notok "no $NUPKG"
  finish
fi
echo "# $(basename "$NUPKG"): $(stat -c %s "$NUPKG") bytes; $(basename "$SNUPKG"): $(stat -c %s "$SNUPKG" 2>/dev/null) bytes"

# --- contents --------------------------------------------------------------
unzip -Z1 "$NUPKG" >"$T/list"
missing=""
for f in README.md runtimes/linux-x64/native/librdpneg.so runtimes/linux-x64/native/librdpneg-uv.so \
  lib/net8.0/Rdpneg.dll lib/net8.0/Rdpneg.xml lib/net10.0/Rdpneg.dll lib/net10.0/Rdpneg.xml \
  lib/netstandard2.0/Rdpneg.dll lib/netstandard2.0/Rdpneg.xml; do
  grep -qx "$f" "$T/list" || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "package has the three frameworks with XML docs, README.md and runtimes/linux-x64/native"; else notok "package lacks:$missing"; fi
# win-x64 beside linux-x64 when the Windows build went in (test/run.sh sets
# RDPNEG_WIN_BUILD after test/windows/build.sh; pack.sh reads it)
if [ -n "${RDPNEG_WIN_BUILD:-}" ]; then
  missing=""
  for f in rdpneg-0.dll rdpneg-uv-0.dll libuv.dll; do
    grep -qx "runtimes/win-x64/native/$f" "$T/list" || missing="$missing runtimes/win-x64/native/$f"
  done
  rids=$(sed -nE 's|^runtimes/([^/]+)/native/.*|\1|p' "$T/list" | sort -u | tr '\n' ' ')
  if [ -z "$missing" ] && [ "$rids" = "linux-x64 win-x64 " ]; then
    ok "package has both RIDs: runtimes/linux-x64/native and runtimes/win-x64/native (rdpneg-0.dll, rdpneg-uv-0.dll, libuv.dll)"
  else
    notok "package RIDs: $rids; lacks:$missing"
  fi
  same=1
  for f in rdpneg-0.dll rdpneg-uv-0.dll libuv.dll; do
    unzip -p "$NUPKG" "runtimes/win-x64/native/$f" | cmp -s - "$RDPNEG_WIN_BUILD/out/bin/$f" || same=0
  done
  if [ "$same" = 1 ]; then ok "win-x64 DLLs are the Windows build's ($RDPNEG_WIN_BUILD/out/bin)"; else notok "win-x64 DLLs differ from $RDPNEG_WIN_BUILD/out/bin"; fi
else
  skip "runtimes/win-x64/native" "no Windows build (RDPNEG_WIN_BUILD unset)"
fi
unzip -p "$NUPKG" Rdpneg.nuspec >"$T/nuspec"
has "nuspec: license expression Apache-2.0" "$T/nuspec" '<license type="expression">Apache-2.0</license>'
has "nuspec: readme" "$T/nuspec" '<readme>README.md</readme>'
has "nuspec: git repository with its commit" "$T/nuspec" '<repository type="git" commit="[0-9a-f]{40}"'
if unzip -Z1 "$SNUPKG" 2>/dev/null | grep -qx lib/net8.0/Rdpneg.pdb; then ok "symbols package has the PDBs"; else notok "symbols package lacks lib/net8.0/Rdpneg.pdb"; fi
mkdir -p "$T/x"
unzip -q -o "$NUPKG" 'runtimes/*' -d "$T/x"
needs=$(readelf -d "$T/x/runtimes/linux-x64/native/librdpneg.so" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | tr '\n' ' ')
case $needs in
*libmbed* | "") notok "packaged librdpneg.so needs: $needs" ;;
*) ok "packaged librdpneg.so has mbedTLS inside (needs: $needs)" ;;
esac

# --- fresh console apps against the feed -------------------------------------
LAB_ENV=${RDPNEG_LAB_ENV:-$SRC/test/lab/run/env}
if [ ! -r "$LAB_ENV" ]; then
  skip "console app probes" "no lab ($LAB_ENV)"
  finish
fi
LAB_HOST=$(sed -nE 's/^LAB_HOST=(.*)/\1/p' "$LAB_ENV")
PORT=$(sed -nE 's/^LAB_XRDP_TLS_EXPIRED=(.*)/\1/p' "$LAB_ENV")
"$SRC/bindings/csharp/feed_config.sh" "$FEED" >"$T/nuget.config"
# no RDPNEG_* variable reaches the app
unset_args=()
for v in $(env | sed -nE 's/^(RDPNEG_[A-Za-z0-9_]*)=.*/\1/p'); do unset_args+=(-u "$v"); done

for tfm in ${RDPNEG_NUGET_TFMS:-net10.0 net8.0}; do
  APP=$T/app-$tfm
  if ! dotnet new console -o "$APP" -n ProbeApp --no-restore >"$T/out" 2>&1; then
    sed 's/^/# /' "$T/out"
    notok "$tfm: dotnet new console"
    continue
  fi
  cp "$T/nuget.config" "$APP/nuget.config"
  cp "$SRC/test/packaging/nuget_probe/Program.cs" "$APP/Program.cs"
  # the template's framework is the SDK's; net8.0 runs on the newest runtime
  sed -i -E "s|<TargetFramework>[^<]*</TargetFramework>|<TargetFramework>$tfm</TargetFramework><RollForward>Major</RollForward><UseAppHost>false</UseAppHost>|" "$APP/ProbeApp.csproj"
  if ! (cd "$APP" && dotnet add package Rdpneg --version "$VERSION") >"$T/out" 2>&1; then
    sed 's/^/# /' "$T/out" | tail -n 30
    notok "$tfm: dotnet add package Rdpneg $VERSION (from the local feed)"
    continue
  fi
  ok "$tfm: dotnet add package Rdpneg $VERSION (from the local feed)"
  if [ -d "$NUGET_PACKAGES/rdpneg/$VERSION/runtimes/linux-x64/native" ]; then
    ok "$tfm: restored into the test's own package folder"
  else
    notok "$tfm: Rdpneg not restored into $NUGET_PACKAGES (a stale copy from elsewhere?)"
  fi
  check "$tfm: dotnet build" dotnet build "$APP" -c Release -nologo -v:q
  DLL=$APP/bin/Release/$tfm/ProbeApp.dll
  env "${unset_args[@]}" dotnet "$DLL" "$LAB_HOST" "$PORT" >"$T/run" 2>&1
  rc=$?
  sed 's/^/# /' "$T/run"
  if [ $rc -eq 0 ]; then ok "$tfm: probe app exits 0"; else notok "$tfm: probe app exit $rc"; fi
  ver=${tfm#net}
  has "$tfm: the package's lib/$tfm assembly is used" "$T/run" "^asset: \.NETCoreApp,Version=v$ver\$"
  has "$tfm: every native function is a [LibraryImport], none a [DllImport]" "$T/run" '^interop: functions=([1-9][0-9]+) LibraryImport=\1 DllImport=0 '
  has "$tfm: no RDPNEG_ variable" "$T/run" '^env: no RDPNEG_ variable$'
  has "$tfm: librdpneg $VERSION loaded from the app's runtimes/linux-x64/native" "$T/run" \
    "^library: librdpneg $VERSION from $APP/bin/Release/$tfm/runtimes/linux-x64/native/librdpneg.so\$"
  has "$tfm: managed socket driver: CERT_EXPIRED, failing" "$T/run" '^async: verdict Failing tls Ok selected Ssl causes (.*,)?CERT_EXPIRED'
  has "$tfm: librdpneg-uv loaded from the package too" "$T/run" \
    "^uv-library: $APP/bin/Release/$tfm/runtimes/linux-x64/native/librdpneg-uv.so\$"
  has "$tfm: libuv driver: the same diagnosis" "$T/run" '^sync: verdict Failing tls Ok selected Ssl causes (.*,)?CERT_EXPIRED'
  a=$(sed -n 's/^async: //p' "$T/run")
  s=$(sed -n 's/^sync: //p' "$T/run")
  if [ -n "$a" ] && [ "$a" = "$s" ]; then ok "$tfm: both drivers agree"; else notok "$tfm: drivers differ: async \"$a\", sync \"$s\""; fi
done

# --- a machine without mbedTLS and libuv -------------------------------------
APP=$T/app-net10.0
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
  skip "without the system's mbedTLS and libuv" "needs root and unshare -m"
elif [ ! -f "$APP/bin/Release/net10.0/ProbeApp.dll" ]; then
  skip "without the system's mbedTLS and libuv" "no net10.0 app"
else
  hide=$(ls /usr/lib/*-linux-gnu/libmbed{tls,x509,crypto}.so.* /usr/lib/*-linux-gnu/libuv.so.1* 2>/dev/null | tr '\n' ' ')
  # shellcheck disable=SC2016
  env "${unset_args[@]}" unshare -m sh -c 'for f in $0; do mount --bind /dev/null "$f" || exit 99; done; exec "$@"' \
    "$hide" dotnet "$APP/bin/Release/net10.0/ProbeApp.dll" "$LAB_HOST" "$PORT" >"$T/run" 2>&1
  rc=$?
  sed 's/^/# /' "$T/run"
  echo "# hidden: $hide"
  if [ $rc -eq 0 ]; then ok "no mbedTLS/libuv: probe app exits 0"; else notok "no mbedTLS/libuv: probe app exit $rc"; fi
  has "no mbedTLS/libuv: managed socket driver still diagnoses CERT_EXPIRED" "$T/run" '^async: verdict Failing tls Ok selected Ssl causes (.*,)?CERT_EXPIRED'
  has "no mbedTLS/libuv: the libuv driver says DllNotFoundException" "$T/run" '^sync: DllNotFoundException .*librdpneg-uv'
fi
finish
