#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages as an administrator gets them (TAP): a copy of the
# source tree in a temporary directory is built with
# `dpkg-buildpackage -us -uc -b` (debian/: librdpneg0, librdpneg-dev,
# rdpneg-tools), the .debs' contents are checked and lintian runs on them
# (no error allowed; warnings are printed). As root the three packages are
# then installed on this machine with dpkg -i, and the installed tools
# (--version, man -w) and the README's C example, built with pkg-config
# against the installed package, are tried (against a lab server when there
# is a lab); at the end the packages are purged again, so the machine is
# left as found. The temporary directory is removed.
#
#   test_deb.sh SOURCE_DIR
#   RDPNEG_LAB_ENV           the lab's env file (default SOURCE_DIR/test/lab/run/env)
#   RDPNEG_DEB_BUILD_OPTIONS DEB_BUILD_OPTIONS for the build (default
#                            "nocheck": the unit tests run in their own suite)
set -u
SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/rdpneg-deb-test.XXXXXX")
PKGS=(rdpneg-tools librdpneg-dev librdpneg0)
INSTALLED=0
cleanup() {
  if ((INSTALLED)); then
    dpkg --purge "${PKGS[@]}" >/dev/null 2>&1 || echo "# could not purge ${PKGS[*]}"
  fi
  rm -rf "$T"
}
trap cleanup EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { local name=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$name"; else sed 's/^/# /' "$T/out" | tail -n 40; notok "$name"; fi; }
finish() {
  echo "1..$n"
  [ "$fails" -eq 0 ]
  exit
}
for tool in dpkg-buildpackage dh; do
  if ! command -v "$tool" >/dev/null; then
    skip "Debian packages" "$tool not installed (apt-get install dpkg-dev debhelper)"
    finish
  fi
done

VERSION=$(sed -nE "s/^  version: '([^']+)'.*/\1/p" "$SRC/meson.build" | head -n 1)
DEBVER=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
case $DEBVER in
"$VERSION"-*) ok "debian/changelog $DEBVER is meson's $VERSION" ;;
*) notok "debian/changelog $DEBVER does not match meson's $VERSION" ;;
esac

# --- build from a copy -------------------------------------------------------
COPY=$T/librdpneg-$VERSION
mkdir -p "$COPY"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
  # the working tree as it is: tracked and untracked files, not ignored ones
  (cd "$SRC" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$COPY"
else
  tar -C "$SRC" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -xf - -C "$COPY"
fi
(cd "$COPY" && DEB_BUILD_OPTIONS=${RDPNEG_DEB_BUILD_OPTIONS:-nocheck} dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  tail -n 40 "$T/build.log" | sed 's/^/# /'
  notok "dpkg-buildpackage -us -uc -b (exit $rc)"
  finish
fi
ok "dpkg-buildpackage -us -uc -b"
if [ -e "$SRC/debian/.debhelper" ] || [ -e "$SRC/debian/tmp" ] || ls -d "$SRC"/obj-* >/dev/null 2>&1; then
  notok "the source tree stays clean (build output found in $SRC)"
else
  ok "the source tree stays clean"
fi
if grep -q 'dpkg-gensymbols: warning' "$T/build.log"; then
  sed -n '/dpkg-gensymbols: warning/,/^ dh_/p' "$T/build.log" | head -n 20 | sed 's/^/# /'
  notok "debian/librdpneg0.symbols matches the exported symbols"
else
  ok "debian/librdpneg0.symbols matches the exported symbols"
fi

declare -A want=(
  [librdpneg0]="usr/lib/$MA/librdpneg.so.0 usr/lib/$MA/librdpneg-uv.so.0 usr/lib/$MA/librdpneg.so.$VERSION usr/share/doc/librdpneg0/copyright"
  [librdpneg-dev]="usr/include/rdpneg/rdpneg.h usr/include/rdpneg/rdpneg_uv.h usr/lib/$MA/librdpneg.so usr/lib/$MA/pkgconfig/librdpneg.pc usr/lib/$MA/pkgconfig/librdpneg-uv.pc"
  [rdpneg-tools]="usr/bin/rdpneg-probe usr/bin/rdpneg-explain usr/share/man/man1/rdpneg-probe.1.gz usr/share/man/man1/rdpneg-explain.1.gz"
)
DEBS=()
for p in librdpneg0 librdpneg-dev rdpneg-tools; do
  deb=$T/${p}_${DEBVER}_$ARCH.deb
  if [ ! -f "$deb" ]; then
    notok "$p: no $(basename "$deb")"
    continue
  fi
  DEBS+=("$deb")
  dpkg-deb -c "$deb" | awk '{ sub(/^\.\//, "", $6); print $6 }' >"$T/list"
  missing=""
  for f in ${want[$p]}; do grep -qx "$f" "$T/list" || missing="$missing $f"; done
  if [ -z "$missing" ]; then ok "$p: $(stat -c %s "$deb") bytes, $(wc -l <"$T/list") entries, has ${want[$p]}"; else notok "$p lacks:$missing"; fi
done
deps=$(dpkg-deb -f "$T/librdpneg0_${DEBVER}_$ARCH.deb" Depends 2>/dev/null)
echo "# librdpneg0 Depends: $deps"
case $deps in
*libmbedtls*libuv1*) ok "librdpneg0 depends on the system's mbedTLS and libuv (dh_shlibdeps)" ;;
*) notok "librdpneg0 Depends: $deps" ;;
esac

if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 --fail-on error "$T/librdpneg_${DEBVER}_$ARCH.changes" >"$T/lintian" 2>&1
  rc=$?
  grep -E '^[EWIP]: ' "$T/lintian" | sed 's/^/# /'
  echo "# lintian: $(grep -c '^E: ' "$T/lintian") errors, $(grep -c '^W: ' "$T/lintian") warnings"
  if [ $rc -eq 0 ] && ! grep -q '^E: ' "$T/lintian"; then ok "lintian: no error"; else notok "lintian: errors (exit $rc)"; fi
else
  skip "lintian" "lintian not installed"
fi

# --- install on this machine, try, purge ------------------------------------
if [ "$(id -u)" != 0 ]; then
  skip "install the packages" "needs root (dpkg -i)"
  finish
fi
for p in "${PKGS[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    skip "install the packages" "$p is already installed on this machine; left alone"
    finish
  fi
done
# dpkg's lock may be held by an apt-get of someone else for a while
for _ in $(seq 1 60); do
  dpkg -i "${DEBS[@]}" >"$T/out" 2>&1 && {
    rc=0
    break
  }
  rc=$?
  grep -q 'lock' "$T/out" || break
  sleep 5
done
INSTALLED=1
if [ $rc -ne 0 ]; then
  sed 's/^/# /' "$T/out"
  notok "dpkg -i of the three packages"
  finish
fi
ok "dpkg -i of the three packages"
for tool in rdpneg-probe rdpneg-explain; do
  out=$(/usr/bin/$tool --version 2>&1)
  if [ "$out" = "$tool $VERSION" ]; then ok "installed $tool --version: $out"; else notok "installed $tool --version printed \"$out\""; fi
done
page=$(man -w rdpneg-probe 2>&1)
if [ "$page" = /usr/share/man/man1/rdpneg-probe.1.gz ]; then ok "man -w rdpneg-probe: $page"; else notok "man -w rdpneg-probe printed \"$page\""; fi
if man -P cat rdpneg-probe 2>/dev/null | grep -q -- '--tls-versions'; then ok "man rdpneg-probe renders (documents --tls-versions)"; else notok "man rdpneg-probe does not render"; fi

# the README's C example, as the README says to build it, against /usr
python3 - "$SRC/README.md" "$T/example.c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"### A probe from C with the libuv driver\s+```c\n(.*?)```", text, re.S)
open(sys.argv[2], "w").write(m.group(1) if m else "")
PY
LAB_ENV=${RDPNEG_LAB_ENV:-$SRC/test/lab/run/env}
LAB_HOST="" PORT=""
if [ -r "$LAB_ENV" ]; then
  LAB_HOST=$(sed -nE 's/^LAB_HOST=(.*)/\1/p' "$LAB_ENV")
  PORT=$(sed -nE 's/^LAB_XRDP_TLS_EXPIRED=(.*)/\1/p' "$LAB_ENV")
  # the example probes rdp.example.org:3389; aim it at the lab's server with an expired certificate
  sed -i "s/\"rdp.example.org\", 3389/\"$LAB_HOST\", $PORT/" "$T/example.c"
fi
# shellcheck disable=SC2046
check "README example builds with \$(pkg-config --cflags --libs librdpneg-uv) from /usr" \
  cc -Wall -Wextra -Werror -Wno-unused-parameter "$T/example.c" -o "$T/example" $(pkg-config --cflags --libs librdpneg-uv)
if [ -x "$T/example" ]; then
  lib=$(ldd "$T/example" | sed -nE 's/.*librdpneg-uv\.so\.0 => ([^ ]+).*/\1/p')
  # /lib is /usr/lib on a merged-/usr system
  case $lib in
  /usr/lib/$MA/librdpneg-uv.so.0 | /lib/$MA/librdpneg-uv.so.0) ok "example uses the installed $lib" ;;
  *) notok "example resolves librdpneg-uv.so.0 to \"$lib\"" ;;
  esac
  if [ -n "$PORT" ]; then
    "$T/example" >"$T/run" 2>&1
    rc=$?
    if [ $rc -eq 2 ] && grep -q '"CERT_EXPIRED"' "$T/run"; then
      ok "example probes the lab: verdict 2 (failing), CERT_EXPIRED"
    else
      head -c 600 "$T/run" | sed 's/^/# /'
      notok "example against the lab exited $rc"
    fi
    /usr/bin/rdpneg-probe "$LAB_HOST:$PORT" >"$T/run" 2>&1
    rc=$?
    if [ $rc -eq 2 ] && grep -q 'CERT_EXPIRED' "$T/run"; then ok "installed rdpneg-probe against the lab: exit 2, CERT_EXPIRED"; else notok "installed rdpneg-probe exit $rc"; fi
  else
    skip "the example and rdpneg-probe against a lab server" "no lab ($LAB_ENV)"
  fi
fi

check "dpkg --purge ${PKGS[*]}" dpkg --purge "${PKGS[@]}"
INSTALLED=0
left=""
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' && left="$left $p"
done
[ -e "/usr/lib/$MA/librdpneg.so.0" ] && left="$left /usr/lib/$MA/librdpneg.so.0"
[ -e /usr/bin/rdpneg-probe ] && left="$left /usr/bin/rdpneg-probe"
if [ -z "$left" ]; then ok "machine left as found (packages purged)"; else notok "still installed:$left"; fi
finish
