#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the NuGet package Rdpneg.<version>.nupkg and its symbols package
# Rdpneg.<version>.snupkg from this tree, with the native libraries in
# runtimes/<rid>/native/:
#
#   bindings/csharp/pack.sh [OUTDIR]        (default: <repo>/build-nuget)
#
# 1. meson builds librdpneg and librdpneg-uv in a temporary directory,
#    release, with -Dprefer_static=true: mbedTLS 2.28 is linked into
#    librdpneg.so from Debian's static archives (libmbedtls-dev), so the
#    package does not need libmbedtls on the user's machine (and mbedTLS 2.28
#    is not what other distributions ship). libuv stays a system dependency of
#    librdpneg-uv.so (libuv.so.1): Debian's libuv_a.a is not position
#    independent and cannot go into a shared library. RdpnegProbe.RunAsync
#    (the managed socket driver) does not need librdpneg-uv at all.
# 2. The stripped libraries are checked (no libmbed* dependency, only the
#    public rdpneg_* symbols exported) and staged as
#    <stage>/<rid>/librdpneg.so and librdpneg-uv.so.
# 3. dotnet pack with RdpnegNativeDir=<stage> (Rdpneg.csproj packs every
#    <stage>/<rid>/ as runtimes/<rid>/native/); build output goes to the
#    temporary directory (--artifacts-path), not into the source tree.
#
# RDPNEG_WIN_BUILD: the directory of test/windows/build.sh (its BUILD_WIN,
# default build-win) after a build: its out/bin DLLs rdpneg-0.dll,
# rdpneg-uv-0.dll and libuv.dll become runtimes/win-x64/native/ (an error
# when one is missing). Without it the package has linux-x64 only.
# RDPNEG_NATIVE_DIR: a directory of prebuilt <rid>/ folders to add (e.g.
# win-x64/ with rdpneg-0.dll, built elsewhere); they are packed as they are.
# Needs: meson, ninja, a C compiler, libmbedtls-dev, libuv1-dev, the .NET SDK
# (8 or later).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-$ROOT/build-nuget}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

case $(uname -m) in
x86_64) RID=linux-x64 ;;
aarch64) RID=linux-arm64 ;;
*)
  echo "pack.sh: no .NET runtime identifier for $(uname -m)" >&2
  exit 1
  ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rdpneg-pack.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "pack.sh: building the native libraries ($RID) in $WORK/build" >&2
meson setup "$WORK/build" "$ROOT" --prefix=/usr --libdir=lib \
  -Dbuildtype=release -Ddefault_library=shared -Dprefer_static=true \
  -Duv=enabled -Dtests=false -Dexamples=false -Dman=disabled >"$WORK/meson.log" 2>&1 ||
  {
    cat "$WORK/meson.log" >&2
    exit 1
  }
ninja -C "$WORK/build" >"$WORK/ninja.log" 2>&1 || {
  cat "$WORK/ninja.log" >&2
  exit 1
}
meson install -C "$WORK/build" --destdir "$WORK/dest" --strip --quiet >/dev/null
VERSION=$(meson introspect --projectinfo "$WORK/build" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')

STAGE=$WORK/native
mkdir -p "$STAGE/$RID"
cp "$WORK/dest/usr/lib/librdpneg.so.$VERSION" "$STAGE/$RID/librdpneg.so"
cp "$WORK/dest/usr/lib/librdpneg-uv.so.$VERSION" "$STAGE/$RID/librdpneg-uv.so"

needed() { readelf -d "$1" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | tr '\n' ' '; }
for f in "$STAGE/$RID"/*.so; do
  n=$(needed "$f")
  echo "pack.sh: $(basename "$f"): $(stat -c %s "$f") bytes, needs: $n" >&2
  if [[ $n == *libmbed* ]]; then
    echo "pack.sh: $f still needs the system's mbedTLS" >&2
    exit 1
  fi
  extra=$(nm -D --defined-only "$f" | awk '$2 != "A" && $3 !~ /^rdpneg_/ { print $3 }')
  if [[ -n $extra ]]; then
    echo "pack.sh: $f exports more than rdpneg_*: $extra" >&2
    exit 1
  fi
done

if [[ -n ${RDPNEG_WIN_BUILD:-} ]]; then
  mkdir -p "$STAGE/win-x64"
  for f in rdpneg-0.dll rdpneg-uv-0.dll libuv.dll; do
    if [[ ! -s $RDPNEG_WIN_BUILD/out/bin/$f ]]; then
      echo "pack.sh: RDPNEG_WIN_BUILD=$RDPNEG_WIN_BUILD has no out/bin/$f (run test/windows/build.sh)" >&2
      exit 1
    fi
    cp "$RDPNEG_WIN_BUILD/out/bin/$f" "$STAGE/win-x64/"
  done
  echo "pack.sh: adding runtimes/win-x64/native from $RDPNEG_WIN_BUILD/out/bin: $(ls "$STAGE/win-x64" | tr '\n' ' ')" >&2
fi
if [[ -n ${RDPNEG_NATIVE_DIR:-} ]]; then
  for d in "$RDPNEG_NATIVE_DIR"/*/; do
    rid=$(basename "$d")
    [[ $rid == "$RID" ]] && continue # this build's own
    mkdir -p "$STAGE/$rid"
    cp -R "$d". "$STAGE/$rid/"
    echo "pack.sh: adding prebuilt runtimes/$rid/native: $(ls "$STAGE/$rid" | tr '\n' ' ')" >&2
  done
fi

COMMIT=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || true)
echo "pack.sh: dotnet pack Rdpneg $VERSION${COMMIT:+ (commit $COMMIT)}" >&2
dotnet pack "$HERE/Rdpneg/Rdpneg.csproj" -c Release -o "$OUT" \
  --artifacts-path "$WORK/artifacts" \
  -p:Version="$VERSION" -p:RdpnegNativeDir="$STAGE" \
  ${COMMIT:+-p:RepositoryCommit=$COMMIT} \
  -nologo -v:minimal >"$WORK/pack.log" 2>&1 || {
  cat "$WORK/pack.log" >&2
  exit 1
}
for f in "$OUT/Rdpneg.$VERSION.nupkg" "$OUT/Rdpneg.$VERSION.snupkg"; do
  [[ -f $f ]] || {
    cat "$WORK/pack.log" >&2
    echo "pack.sh: $f was not made" >&2
    exit 1
  }
  echo "$f"
done
