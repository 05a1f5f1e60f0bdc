#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds mbedTLS 2.28.3 from Debian's source package as static libraries
# with mbedTLS's own formally verified X25519 (HACL*, 3rdparty/everest:
# MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED, MBEDTLS_ECDH_LEGACY_CONTEXT unset)
# on top of Debian's configuration, and prints the prefix to give meson:
#
#   meson setup build-fast -Dmbedtls_everest="$(scripts/mbedtls-everest.sh)"
#
# or, the same and the build directory made or brought up to date (set up,
# or reconfigured when the prefix changed) and rdpneg-probe built in it,
# its path printed (test/run.sh and test/bench/bench.sh use this):
#
#   scripts/mbedtls-everest.sh [--musl] --setup BUILDDIR [MESON-OPTION...]
#
# --musl: everything (mbedTLS, libuv and the build directory) with musl
# (CC=musl-gcc, Debian's musl-tools, installed when missing): with
# -Dstatic_cli=true, rdpneg-probe is then a static musl executable, which
# starts without glibc's CPUID probing, tunables and self-relocation (about
# 1 ms of CPU per process on this VM; README, "Performance"). Use a build
# directory of its own: meson keeps the compiler a directory was set up with.
#
# Debian's libmbedtls computes the TLS ECDHE X25519 with the generic bignum
# code: 16.3M of the 21.3M instructions of an NLA probe. Everest's X25519
# takes ~0.3M for both scalar multiplications (README, "Performance").
#
# The prefix, ${XDG_CACHE_HOME:-~/.cache}/rdpneg/mbedtls-everest-<key>, holds
# include/ (mbedtls/, everest/), lib/libmbed{tls,x509,crypto}.a (PIC, so the
# shared librdpneg can take them in), lib/pkgconfig/mbedtls.pc, and libuv
# from Debian's source (lib/libuv.a, include-uv/) for -Dstatic_cli=true. <key> is a
# hash of this script and the compiler's version: built once per machine,
# then reused (a second run prints the prefix at once).
#
# Needs deb-src for bookworm (the same list as test/windows/build.sh writes,
# /etc/apt/sources.list.d/rdpneg-src.list), dpkg-dev, cmake, python3: when
# missing, they are installed with apt-get (root only). Log lines on stderr.
# Environment: CC (default cc), RDPNEG_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/rdpneg).
set -euo pipefail

VERSION=2.28.3
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${RDPNEG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rdpneg}
CC=${CC:-cc}
SRC_LIST=/etc/apt/sources.list.d/rdpneg-src.list

log() { printf 'mbedtls-everest: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

MUSL=
if [[ ${1:-} == --musl ]]; then
  MUSL=1
  CC=musl-gcc
  export CC # meson setup takes the compiler from here
  shift
fi
SETUP=
if [[ ${1:-} == --setup ]]; then
  [[ -n ${2:-} ]] || die "usage: $0 [--musl] [--setup BUILDDIR [MESON-OPTION...]]"
  SETUP=$2
  shift 2
elif (($#)); then
  die "usage: $0 [--musl] [--setup BUILDDIR [MESON-OPTION...]]"
fi
if [[ -n $MUSL ]] && ! command -v musl-gcc >/dev/null; then
  ((EUID == 0)) || die "--musl needs musl-gcc (apt-get install musl-tools, as root)"
  log "installing musl-tools"
  musl_install() {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
      --no-install-recommends musl-tools >&2
  }
  # a fresh machine may have no package lists yet: update once and retry
  musl_install || { apt-get -o DPkg::Lock::Timeout=300 update -q >&2 && musl_install; } ||
    die "apt-get install musl-tools failed"
fi

setup_build() { # PREFIX: BUILDDIR set up with it, rdpneg-probe built
  local prefix=$1 b=$SETUP
  shift
  if [[ ! -f $b/build.ninja ]]; then
    meson setup "$b" "$ROOT" -Dmbedtls_everest="$prefix" "$@" >&2 ||
      die "meson setup $b failed"
  elif ! grep -qF "\"value\": \"$prefix\"" "$b/meson-info/intro-buildoptions.json"; then
    meson configure "$b" -Dmbedtls_everest="$prefix" >&2 || die "meson configure $b failed"
  fi
  nice -n 19 ninja -C "$b" examples/rdpneg-probe >&2 || die "ninja -C $b failed"
  echo "$(cd "$b" && pwd)/examples/rdpneg-probe"
}

# the key: what decides the libraries (the lines between the recipe marks,
# the compiler), not the rest of this script
key=$({
  sed -n '/^# recipe:begin/,/^# recipe:end/p' "${BASH_SOURCE[0]}"
  echo "$VERSION"
  echo "$CC"
  "$CC" --version | head -n 1
} | sha256sum | cut -c1-16)
PREFIX=$CACHE/mbedtls-everest-$VERSION-$key

# libuv, static and PIC, from Debian's source package (Debian ships no
# libuv.a): for -Dstatic_cli=true, the command-line tools linked as static
# PIE executables (no dynamic loader at start: README, "Performance").
# Built into $PREFIX/lib/libuv.a and $PREFIX/include-uv once.
ensure_libuv() {
  local prefix=$1 ver dir work
  [[ -f $prefix/lib/libuv.a && -f $prefix/include-uv/uv.h ]] && return 0
  ver=$(dpkg-query -W -f='${Version}' libuv1-dev 2>/dev/null || true)
  [[ -n $ver ]] || die "libuv1-dev is not installed"
  dir=$CACHE/src/libuv1-${ver%%-*}
  if [[ ! -f $dir/CMakeLists.txt ]]; then
    mkdir -p "$CACHE/src"
    log "apt-get source libuv1 ($ver) into $CACHE/src"
    # the installed version's source; else the one deb-src has (a security
    # update's source may be listed elsewhere): same upstream series
    if ! (cd "$CACHE/src" && apt-get source -q "libuv1=$ver" >"$CACHE/src/libuv1.log" 2>&1); then
      log "no source for libuv1 $ver; taking deb-src's libuv1"
      (cd "$CACHE/src" && apt-get source -q libuv1 >>"$CACHE/src/libuv1.log" 2>&1) ||
        { cat "$CACHE/src/libuv1.log" >&2; die "apt-get source libuv1 failed"; }
      dir=$(ls -d "$CACHE"/src/libuv1-*/ 2>/dev/null | sort -V | tail -n 1)
      dir=${dir%/}
    fi
    [[ -n $dir && -f $dir/CMakeLists.txt ]] || die "${dir:-libuv1 source} has no CMakeLists.txt"
  fi
  work=$CACHE/build/libuv-$key
  rm -rf "$work"
  log "building libuv ${ver%%-*} (static, PIC) in $work"
  cmake -S "$dir" -B "$work" -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DLIBUV_BUILD_TESTS=OFF \
    -DLIBUV_BUILD_BENCH=OFF >"$work.log" 2>&1 ||
    { cat "$work.log" >&2; die "libuv cmake configure failed"; }
  nice -n 19 cmake --build "$work" --target uv_a -j "$(nproc)" >>"$work.log" 2>&1 ||
    { tail -n 40 "$work.log" >&2; die "libuv build failed"; }
  rm -rf "$prefix/include-uv"
  mkdir -p "$prefix/include-uv"
  cp -r "$dir/include/." "$prefix/include-uv/"
  cp "$work/libuv_a.a" "$prefix/lib/libuv.a.tmp" && mv "$prefix/lib/libuv.a.tmp" "$prefix/lib/libuv.a"
  rm -rf "$work" "$work.log"
}

if [[ -f $PREFIX/lib/pkgconfig/mbedtls.pc ]]; then
  ensure_libuv "$PREFIX"
  if [[ -n $SETUP ]]; then setup_build "$PREFIX" "$@"; else echo "$PREFIX"; fi
  exit 0
fi

have_sources() { # (no pipe into grep -q: with pipefail, apt-cache's SIGPIPE would count)
  local o
  o=$(apt-cache showsrc mbedtls 2>/dev/null || true)
  grep -q "^Version: $VERSION-" <<<"$o"
}
is_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

fetch_source() { # -> the unpacked source tree (kept in $CACHE/src)
  local dir=$CACHE/src/mbedtls-$VERSION pkg missing=()
  if [[ -f $dir/debian/rules && -d $dir/3rdparty/everest ]]; then
    echo "$dir"
    return
  fi
  for pkg in dpkg-dev cmake python3; do is_installed "$pkg" || missing+=("$pkg"); done
  if ! have_sources || ((${#missing[@]})); then
    ((EUID == 0)) || die "need deb-src for bookworm and ${missing[*]:-nothing else} (run as root once)"
    if [[ ! -f $SRC_LIST ]]; then
      log "writing $SRC_LIST (deb-src for bookworm)"
      printf '%s\n' "# librdpneg test/windows/build.sh: source packages for the Windows build" \
        "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
        >"$SRC_LIST"
    fi
    have_sources || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q >&2
    have_sources || die "apt has no source package mbedtls $VERSION"
    if ((${#missing[@]})); then
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
        --no-install-recommends "${missing[@]}" >&2
    fi
  fi
  mkdir -p "$CACHE/src"
  log "apt-get source mbedtls ($VERSION) into $CACHE/src"
  (cd "$CACHE/src" && apt-get source -q "mbedtls=$VERSION-1" >"$CACHE/src/mbedtls.log" 2>&1) ||
    { cat "$CACHE/src/mbedtls.log" >&2; die "apt-get source mbedtls failed"; }
  [[ -d $dir/3rdparty/everest ]] || die "$dir has no 3rdparty/everest"
  echo "$dir"
}

# recipe:begin
src=$(fetch_source)
work=$CACHE/build/mbedtls-everest-$key
rm -rf "$work" "$PREFIX.tmp"
mkdir -p "$work"
cp -r "$src" "$work/src"
# Debian's configuration: the `scripts/config.py set` lines of debian/rules
# (MD4 for NTLM, pthread threading, HAVEGE, ...); then Everest.
opts=$(sed -nE 's/^\s*scripts\/config\.py set (MBEDTLS_[A-Z0-9_]+)\s*$/\1/p' "$src/debian/rules")
[[ $opts == *MBEDTLS_MD4_C* ]] || die "debian/rules: no config.py lines found"
for opt in $opts MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED; do
  (cd "$work/src" && python3 scripts/config.py set "$opt") || die "config.py set $opt"
done
(cd "$work/src" && python3 scripts/config.py unset MBEDTLS_ECDH_LEGACY_CONTEXT) ||
  die "config.py unset MBEDTLS_ECDH_LEGACY_CONTEXT"
log "building mbedTLS $VERSION with Everest X25519 (static, PIC) in $work"
cmake -S "$work/src" -B "$work/build" -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF \
  -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DUSE_SHARED_MBEDTLS_LIBRARY=OFF \
  -DMBEDTLS_FATAL_WARNINGS=OFF >"$work/cmake.log" 2>&1 ||
  { cat "$work/cmake.log" >&2; die "cmake configure failed"; }
nice -n 19 cmake --build "$work/build" -j "$(nproc)" >>"$work/cmake.log" 2>&1 ||
  { tail -n 40 "$work/cmake.log" >&2; die "mbedTLS build failed"; }
syms=$(nm "$work/build/library/libmbedcrypto.a" 2>/dev/null)
grep -q ' T mbedtls_x25519_calc_secret$' <<<"$syms" ||
  die "libmbedcrypto.a has no Everest X25519 (mbedtls_x25519_calc_secret)"
mkdir -p "$PREFIX.tmp/lib/pkgconfig" "$PREFIX.tmp/include"
cp -r "$work/src/include/mbedtls" "$work/src/3rdparty/everest/include/everest" "$PREFIX.tmp/include/"
cp "$work/build/library"/libmbed{tls,x509,crypto}.a "$PREFIX.tmp/lib/"
cat >"$PREFIX.tmp/lib/pkgconfig/mbedtls.pc" <<PC
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include
Name: mbedtls
Description: mbedTLS $VERSION, static, Debian source and configuration + Everest X25519 (librdpneg scripts/mbedtls-everest.sh)
Version: $VERSION
Libs: -L\${libdir} -lmbedtls -lmbedx509 -lmbedcrypto -lpthread
Cflags: -I\${includedir}
PC
# recipe:end
rm -rf "$PREFIX" && mv "$PREFIX.tmp" "$PREFIX"
rm -rf "$work"
ensure_libuv "$PREFIX"
log "ready: $PREFIX"
if [[ -n $SETUP ]]; then setup_build "$PREFIX" "$@"; else echo "$PREFIX"; fi
