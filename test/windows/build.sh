#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Windows (win-x64) build of librdpneg with mingw-w64; tests run under wine.
#
#   test/windows/build.sh [all|install|deps|build]      (default: all)
#
#   install  apt-get install the cross compiler (mingw-w64) and wine64 from
#            Debian, and add a deb-src line for bookworm
#            (/etc/apt/sources.list.d/rdpneg-src.list)
#   deps     `apt-get source` libuv1 1.44.2 and mbedtls 2.28.3 and build them
#            as static x86_64-w64-mingw32 libraries into $BUILD_WIN/deps
#            (kept as a cache: rebuilt only when missing), and copied to
#            $RDPNEG_WIN_CACHE (default ~/.cache/rdpneg/win-deps), where
#            another checkout or a new build-win on this machine finds them
#            (RDPNEG_WIN_CACHE= turns that off)
#   build    meson setup + ninja for win-x64 with cross/x86_64-w64-mingw32.ini,
#            then copy the results to $BUILD_WIN/out:
#              rdpneg-0.dll (core, mbedTLS inside), rdpneg-uv-0.dll (libuv
#              inside), librdpneg.dll.a, librdpneg-uv.dll.a (import libraries),
#              librdpneg.a, librdpneg-uv.a (static), rdpneg-probe.exe,
#              rdpneg-explain.exe, include/rdpneg/*.h
#
# Environment: BUILD_WIN (default <repo>/build-win).
# Tests: test/windows/run_tests.sh (runs this first).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_WIN=${BUILD_WIN:-$ROOT/build-win}
DEPS=$BUILD_WIN/deps
CACHE=${RDPNEG_WIN_CACHE-${XDG_CACHE_HOME:-$HOME/.cache}/rdpneg/win-deps}
HOST=x86_64-w64-mingw32
LIBUV_VERSION=1.44.2
MBEDTLS_VERSION=2.28.3
SRC_LIST=/etc/apt/sources.list.d/rdpneg-src.list
PACKAGES=(gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev
  wine64 dpkg-dev cmake make meson ninja-build pkg-config python3)

log() { printf 'windows: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

apt_retry() {
  # apt-get "$@", retrying while another apt/dpkg holds the lock.
  local try out rc
  out=$(mktemp)
  for try in $(seq 1 60); do
    rc=0
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=10 "$@" >"$out" 2>&1 || rc=$?
    if ((rc == 0)); then
      tail -n 3 "$out" >&2
      rm -f "$out"
      return 0
    fi
    if grep -qE 'Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock' "$out"; then
      log "apt is locked by another process; retry $try/60 in 5 s"
      sleep 5
      continue
    fi
    cat "$out" >&2
    rm -f "$out"
    return "$rc"
  done
  rm -f "$out"
  die "apt-get $*: lock still held after 60 tries"
}

is_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

have_sources() {
  # true when apt knows the source package at the wanted upstream version
  apt-cache showsrc "$1" 2>/dev/null | grep -q "^Version: $2-"
}

cmd_install() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  local need_update=0
  if [[ ! -f $SRC_LIST ]]; then
    log "writing $SRC_LIST (deb-src for bookworm)"
    printf '%s\n' "# librdpneg test/windows/build.sh: source packages for the Windows build" \
      "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
      >"$SRC_LIST"
    need_update=1
  fi
  have_sources libuv1 "$LIBUV_VERSION" && have_sources mbedtls "$MBEDTLS_VERSION" || need_update=1
  if ((${#missing[@]})); then
    for pkg in "${missing[@]}"; do
      grep -q 'Candidate: [^(]' <<<"$(apt-cache policy "$pkg" 2>/dev/null)" || need_update=1
    done
  fi
  if ((need_update)); then
    log "apt-get update"
    apt_retry update
  fi
  if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    apt_retry install -y --no-install-recommends "${missing[@]}"
  else
    log "toolchain already installed"
  fi
  [[ -x /usr/lib/wine/wine64 ]] || die "/usr/lib/wine/wine64 missing after install"
  command -v $HOST-gcc-win32 >/dev/null || die "$HOST-gcc-win32 missing after install"
}

# ------------------------------------------------------------------- deps

fetch_source() { # PACKAGE UPSTREAM-VERSION -> prints the unpacked directory
  local pkg=$1 ver=$2 dir
  mkdir -p "$DEPS/src"
  dir=$(find "$DEPS/src" -maxdepth 1 -type d -name "$pkg-$ver" | head -n 1)
  if [[ -z $dir ]]; then
    have_sources "$pkg" "$ver" || die "apt has no source package $pkg $ver (run: $0 install)"
    log "apt-get source $pkg ($ver)"
    (cd "$DEPS/src" && apt-get source -q "$pkg" >"$DEPS/src/$pkg.log" 2>&1) ||
      { cat "$DEPS/src/$pkg.log" >&2; die "apt-get source $pkg failed"; }
    dir=$DEPS/src/$pkg-$ver
    [[ -d $dir ]] || die "apt-get source $pkg did not unpack $dir"
  fi
  echo "$dir"
}

cmake_cross() { # SRC BUILD ARGS...
  local src=$1 bld=$2
  shift 2
  cmake -S "$src" -B "$bld" -DCMAKE_SYSTEM_NAME=Windows -DCMAKE_SYSTEM_PROCESSOR=x86_64 \
    -DCMAKE_C_COMPILER=$HOST-gcc-win32 -DCMAKE_RC_COMPILER=$HOST-windres \
    -DCMAKE_AR="$(command -v $HOST-ar)" -DCMAKE_RANLIB="$(command -v $HOST-ranlib)" \
    -DCMAKE_FIND_ROOT_PATH=/usr/$HOST -DCMAKE_BUILD_TYPE=Release "$@" >"$bld.log" 2>&1 ||
    { cat "$bld.log" >&2; die "cmake configure of $src failed"; }
}

recipe_key() { # a hash of the functions (and files) that build one dependency
  {
    declare -f "$1" cmake_cross
    [[ $1 != build_mbedtls ]] || cat "$ROOT/test/windows/mbedtls_entropy_bcrypt.c"
  } | sha256sum | cut -c1-16
}
is_built() { # NAME KEY: built by this recipe before (cache in $DEPS)
  [[ -f $DEPS/$1.stamp && $(cat "$DEPS/$1.stamp") == "$2" ]]
}
cache_file() { # NAME KEY: the machine-wide copy (the compiler's version too)
  echo "$CACHE/$1-$2-gcc$($HOST-gcc-win32 -dumpversion).tar"
}
from_cache() { # NAME KEY: unpack a copy built by the same recipe into $DEPS
  local f
  [[ -n $CACHE ]] || return 1
  f=$(cache_file "$1" "$2")
  [[ -f $f ]] || return 1
  mkdir -p "$DEPS" && tar -xf "$f" -C "$DEPS" || return 1
  echo "$2" >"$DEPS/$1.stamp"
  log "$1 taken from $f"
}
to_cache() { # NAME KEY FILES... (relative to $DEPS): written whole, then renamed
  local f
  [[ -n $CACHE ]] || return 0
  f=$(cache_file "$1" "$2")
  [[ -f $f ]] && return 0
  mkdir -p "$CACHE" && tar -cf "$f.$$" -C "$DEPS" "${@:3}" && mv -f "$f.$$" "$f" ||
    { rm -f "$f.$$"; log "could not write $f (not cached)"; }
}

build_libuv() {
  # libuv.dll (one libuv per process: the caller's loop and the driver's calls
  # must share its globals) and libuv.a (static, for static consumers).
  local key
  key=$(recipe_key build_libuv)
  is_built libuv "$key" && [[ -f $DEPS/bin/libuv.dll && -f $DEPS/lib/libuv.a ]] && return 0
  local src bld=$DEPS/build/libuv
  src=$(fetch_source libuv1 "$LIBUV_VERSION")
  log "building libuv $LIBUV_VERSION (DLL and static, $HOST)"
  rm -rf "$bld" && mkdir -p "$bld" "$DEPS/lib" "$DEPS/bin" "$DEPS/include"
  cmake_cross "$src" "$bld" -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF -DBUILD_TESTING=OFF \
    -DCMAKE_SHARED_LINKER_FLAGS=-static-libgcc
  nice -n 19 cmake --build "$bld" --target uv uv_a -j "$(nproc)" >>"$bld.log" 2>&1 ||
    { tail -n 40 "$bld.log" >&2; die "libuv build failed"; }
  cp -r "$src/include/." "$DEPS/include/"
  cp "$bld/libuv.dll" "$DEPS/bin/"
  cp "$bld/libuv.dll.a" "$DEPS/lib/"
  cp "$bld/libuv_a.a" "$DEPS/lib/libuv.a"
  echo "$key" >"$DEPS/libuv.stamp"
}

build_mbedtls() {
  local src bld=$DEPS/build/mbedtls opt key
  key=$(recipe_key build_mbedtls)
  is_built mbedtls "$key" && [[ -f $DEPS/lib/libmbedtls.a && -f $DEPS/include/everest/everest.h ]] &&
    return 0
  src=$(fetch_source mbedtls "$MBEDTLS_VERSION")
  # Debian's configuration (the `scripts/config.py set` lines of debian/rules:
  # MD4 for NTLM, ...) on a copy of config.h, except pthread threading, which
  # mingw's win32 runtime does not have (the core shares no mbedTLS context
  # between threads).
  mkdir -p "$DEPS/build" "$DEPS/lib" "$DEPS/include"
  rm -rf "$bld" "$DEPS/build/mbedtls-src"
  cp -r "$src" "$DEPS/build/mbedtls-src"
  # Entropy from BCryptGenRandom (test/windows/mbedtls_entropy_bcrypt.c)
  # instead of CryptAcquireContext on every poll.
  for opt in $(sed -nE 's/^\s*scripts\/config\.py set (MBEDTLS_[A-Z0-9_]+)\s*$/\1/p' "$src/debian/rules") \
    MBEDTLS_NO_PLATFORM_ENTROPY MBEDTLS_ENTROPY_HARDWARE_ALT; do
    case $opt in MBEDTLS_THREADING_*) continue ;; esac
    (cd "$DEPS/build/mbedtls-src" && python3 scripts/config.py set "$opt") || die "config.py set $opt"
  done
  # Everest's verified X25519 for the TLS ECDHE, as scripts/mbedtls-everest.sh
  # on Linux (mbedTLS's generic bignum Curve25519 is ~7x the instructions)
  (cd "$DEPS/build/mbedtls-src" && python3 scripts/config.py set MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED &&
    python3 scripts/config.py unset MBEDTLS_ECDH_LEGACY_CONTEXT) || die "config.py: Everest"
  log "building mbedTLS $MBEDTLS_VERSION (static, $HOST)"
  cmake_cross "$DEPS/build/mbedtls-src" "$bld" -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF \
    -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DUSE_SHARED_MBEDTLS_LIBRARY=OFF
  nice -n 19 cmake --build "$bld" -j "$(nproc)" >>"$bld.log" 2>&1 ||
    { tail -n 40 "$bld.log" >&2; die "mbedTLS build failed"; }
  local syms
  syms=$($HOST-nm "$bld/library/libmbedcrypto.a" 2>/dev/null)
  grep -q ' T mbedtls_x25519_calc_secret$' <<<"$syms" || die "libmbedcrypto.a has no Everest X25519"
  cp -r "$DEPS/build/mbedtls-src/include/mbedtls" \
    "$DEPS/build/mbedtls-src/3rdparty/everest/include/everest" "$DEPS/include/"
  $HOST-gcc-win32 -O2 -Wall -Wextra -Werror -I"$DEPS/build/mbedtls-src/include" -c \
    "$ROOT/test/windows/mbedtls_entropy_bcrypt.c" -o "$bld/entropy_bcrypt.o" ||
    die "mbedtls_entropy_bcrypt.c failed to compile"
  $HOST-ar rs "$bld/library/libmbedcrypto.a" "$bld/entropy_bcrypt.o"
  cp "$bld"/library/libmbed{tls,x509,crypto}.a "$DEPS/lib/"
  echo "$key" >"$DEPS/mbedtls.stamp"
}

put() { # FILE: stdin to FILE, left untouched when equal (meson compares dates)
  local tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1" && chmod 644 "$1"; fi
}

write_pc() {
  # pkg-config files for meson. -luv finds libuv.dll.a (the DLL) before
  # libuv.a; the system libraries are in Libs as in libuv's own libuv.pc on
  # Windows (uv.h brings winsock2.h). mbedTLS is static.
  mkdir -p "$DEPS/lib/pkgconfig"
  put "$DEPS/lib/pkgconfig/libuv.pc" <<PC
prefix=$DEPS
libdir=\${prefix}/lib
includedir=\${prefix}/include
Name: libuv
Description: libuv $LIBUV_VERSION, $HOST: libuv.dll and static libuv.a (Debian source package)
Version: $LIBUV_VERSION
Libs: -L\${libdir} -luv -lpsapi -luser32 -ladvapi32 -liphlpapi -luserenv -lws2_32
Cflags: -I\${includedir}
PC
  put "$DEPS/lib/pkgconfig/mbedtls.pc" <<PC
prefix=$DEPS
libdir=\${prefix}/lib
includedir=\${prefix}/include
Name: mbedtls
Description: mbedTLS $MBEDTLS_VERSION, static, $HOST (Debian source package and configuration)
Version: $MBEDTLS_VERSION
Libs: -L\${libdir} -lmbedtls -lmbedx509 -lmbedcrypto -lbcrypt -ladvapi32 -lws2_32
Cflags: -I\${includedir}
PC
  # machine file with this checkout's paths, used after cross/: the
  # dependencies, and test/windows/wine-run.sh as exe_wrapper (wine64 with a
  # timeout, wine's services started apart, one prefix per network namespace)
  put "$DEPS/paths.ini" <<INI
[binaries]
exe_wrapper = ['$ROOT/test/windows/wine-run.sh']

[properties]
pkg_config_libdir = ['$DEPS/lib/pkgconfig']
INI
}

cmd_deps() {
  local t0=$SECONDS k
  k=$(recipe_key build_libuv)
  is_built libuv "$k" || from_cache libuv "$k" || true
  build_libuv
  to_cache libuv "$k" bin/libuv.dll lib/libuv.dll.a lib/libuv.a include/uv.h include/uv
  k=$(recipe_key build_mbedtls)
  is_built mbedtls "$k" || from_cache mbedtls "$k" || true
  build_mbedtls
  to_cache mbedtls "$k" lib/libmbedtls.a lib/libmbedx509.a lib/libmbedcrypto.a include/mbedtls \
    include/everest
  write_pc
  log "dependencies ready in $DEPS ($((SECONDS - t0)) s)"
}

# ------------------------------------------------------------------ build

flatten_archive() { # THIN.a OUT.a: meson makes thin archives (member paths only)
  local members
  mapfile -t members < <($HOST-ar t "$1")
  rm -f "$2"
  (cd "$(dirname "$1")" && $HOST-ar rcs "$2" "${members[@]}")
}

cmd_build() {
  local t0=$SECONDS b=$BUILD_WIN/meson out=$BUILD_WIN/out f
  [[ -f $DEPS/paths.ini ]] || die "dependencies missing (run: $0 deps)"
  local setup=(meson setup "$b" "$ROOT" --cross-file "$ROOT/cross/$HOST.ini"
    --cross-file "$DEPS/paths.ini")
  if [[ -f $b/build.ninja && -n $(find "$DEPS/lib/pkgconfig" "$DEPS/paths.ini" \
    "$ROOT/cross/$HOST.ini" -newer "$b/build.ninja" -type f) ]]; then
    setup+=(--wipe) # dependencies changed: meson caches what it found
  fi
  if [[ ! -f $b/build.ninja || ${setup[-1]} == --wipe ]]; then
    "${setup[@]}" >"$BUILD_WIN/meson-setup.log" 2>&1 ||
      { cat "$BUILD_WIN/meson-setup.log" >&2; die "meson setup failed"; }
  fi
  log "building librdpneg for win-x64 in $b"
  nice -n 19 ninja -C "$b" >"$BUILD_WIN/ninja.log" 2>&1 ||
    { grep -v '^\[' "$BUILD_WIN/ninja.log" | tail -n 40 >&2; die "build failed"; }
  if grep -q 'warning:' "$BUILD_WIN/ninja.log"; then
    grep -A3 'warning:' "$BUILD_WIN/ninja.log" >&2
    die "the Windows build has warnings"
  fi
  rm -rf "$out" && mkdir -p "$out/bin" "$out/lib" "$out/include"
  # DLLs and programs (what the NuGet package's runtimes/win-x64/native needs:
  # the three DLLs), debug sections stripped
  for f in "$b/lib/rdpneg-0.dll" "$b/lib/uv/rdpneg-uv-0.dll" "$DEPS/bin/libuv.dll" \
    "$b/examples/rdpneg-probe.exe" "$b/examples/rdpneg-explain.exe"; do
    $HOST-strip --strip-debug -o "$out/bin/$(basename "$f")" "$f"
  done
  # import libraries, static libraries (consumers define RDPNEG_STATICLIB)
  cp "$b/lib/rdpneg.dll.a" "$b/lib/uv/rdpneg-uv.dll.a" "$out/lib/"
  flatten_archive "$b/lib/librdpneg_internal.a" "$out/lib/librdpneg.a"
  flatten_archive "$b/lib/librdpneg-uv.a" "$out/lib/librdpneg-uv.a"
  cp "$DEPS"/lib/libmbed{tls,x509,crypto}.a "$DEPS/lib/libuv.a" "$DEPS/lib/libuv.dll.a" "$out/lib/"
  cp -r "$ROOT/include/rdpneg" "$out/include/"
  cp -r "$DEPS/include/uv.h" "$DEPS/include/uv" "$out/include/"
  log "win-x64 build ready in $out ($((SECONDS - t0)) s): $(cd "$out/bin" && echo *)"
}

case "${1:-all}" in
  all)
    cmd_install
    cmd_deps
    cmd_build
    ;;
  build) cmd_build ;;
  install) cmd_install ;;
  deps) cmd_deps ;;
  *) die "usage: $0 [all|install|deps|build]" ;;
esac
