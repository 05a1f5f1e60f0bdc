#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# librdpneg as a meson subproject (TAP). A throwaway parent project in a
# temporary folder gets subprojects/librdpneg as a symlink to this source tree
# and uses dependency('librdpneg') with the fallback. Checks: building the
# parent links only the parent and librdpneg (no librdpneg-uv, no tools, no
# tests); `meson test --list` of the parent lists none of librdpneg's tests;
# `meson install` installs nothing of librdpneg; the parent runs against it.
#   test_subproject.sh SOURCE_DIR
set -u
SRC=$(cd "$1" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
show() { sed 's/^/# /' "$1" | tail -n "${2:-20}"; }

mkdir -p "$T/parent/subprojects"
ln -s "$SRC" "$T/parent/subprojects/librdpneg"
cat >"$T/parent/meson.build" <<'MESON'
project('parent', 'c', default_options: ['warning_level=2'])
rdpneg = dependency('librdpneg', fallback: ['librdpneg', 'librdpneg_dep'])
exe = executable('parent', 'main.c', dependencies: rdpneg, install: true)
test('parent_version', exe)
MESON
cat >"$T/parent/main.c" <<'C'
#include <rdpneg/rdpneg.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  printf("librdpneg %s\n", rdpneg_version());
  return strcmp(rdpneg_version(), RDPNEG_VERSION) != 0;
}
C

# --force-fallback-for: an installed librdpneg.pc must not be picked instead
if meson setup --force-fallback-for=librdpneg "$T/build" "$T/parent" >"$T/setup.log" 2>&1; then
  ok "parent configures with librdpneg as a subproject"
else
  show "$T/setup.log"
  notok "parent configures with librdpneg as a subproject"
  echo "1..$n"
  exit 1
fi

if nice -n 19 ninja -C "$T/build" -j 2 >"$T/ninja.log" 2>&1; then
  ok "ninja -C builds the parent"
else
  show "$T/ninja.log"
  notok "ninja -C builds the parent"
fi
# every target ninja linked, by output name
linked=$(sed -nE 's/.*Linking (static )?target ([^ ]+).*/\2/p' "$T/ninja.log" | sort | tr '\n' ' ')
expected="parent subprojects/librdpneg/lib/librdpneg.so.0.1.0 "
if [ "$linked" = "$expected" ]; then
  ok "only the parent and librdpneg are linked: $linked"
else
  notok "linked: $linked (expected: $expected)"
fi
if ninja -C "$T/build" -n 2>&1 | grep -q 'no work to do'; then
  ok "nothing else is left to build by default"
else
  notok "ninja would still build something"
fi
ncompiled=$(grep -c 'Compiling C object' "$T/ninja.log")
nsrc=$(grep -cE "^  '[a-z]+/[a-z_0-9]+\.c',$" "$SRC/lib/meson.build")
# the library's sources plus the parent's main.c, nothing of tests or tools
if [ "$ncompiled" -eq $((nsrc + 1)) ]; then
  ok "$ncompiled C files compiled: the $nsrc library sources and main.c"
else
  notok "$ncompiled C files compiled, expected $((nsrc + 1))"
fi

meson test -C "$T/build" --list >"$T/list.log" 2>&1
if grep -q 'parent_version' "$T/list.log" && ! grep -qi 'rdpneg' "$T/list.log"; then
  ok "meson test --list shows only the parent's test: $(grep -v "^ninja" "$T/list.log" | tr "\n" " ")"
else
  show "$T/list.log"
  notok "meson test --list of the parent"
fi
if meson test -C "$T/build" --no-rebuild >"$T/test.log" 2>&1 &&
  grep -qE '^Ok: +1 *$' "$T/test.log"; then
  ok "the parent's test runs against the subproject's librdpneg"
else
  show "$T/test.log"
  notok "the parent's test runs against the subproject's librdpneg"
fi

meson install -C "$T/build" --destdir "$T/stage" --no-rebuild >"$T/install.log" 2>&1
files=$(cd "$T/stage" 2>/dev/null && find . -type f -o -type l | sort | tr '\n' ' ')
if [ "$(wc -w <<<"$files")" -eq 1 ] && grep -q '/bin/parent ' <<<"$files"; then
  ok "meson install installs only the parent: $files"
else
  notok "meson install installed: $files"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
