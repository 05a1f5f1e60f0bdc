#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# RDPNEG_REQUIRE_CAPTURES (TAP): every test program that reads
# ../shared/captures, run against a source root without captures, skips
# those cases without the variable; with it, every skipped case fails, and so
# does a case that asked for the captures and passed on without them.
#   test_require_captures.sh PROGRAM...
set -u
NOWHERE=$(mktemp -d)
trap 'rm -rf "$NOWHERE"' EXIT
mkdir "$NOWHERE/src" # RDPNEG_SRCDIR whose ../shared/captures does not exist
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

for prog in "$@"; do
  name=$(basename "$prog")
  env -u RDPNEG_CAPTURES -u RDPNEG_REQUIRE_CAPTURES RDPNEG_SRCDIR="$NOWHERE/src" \
    "$prog" >"$NOWHERE/plain" 2>&1
  rc_plain=$?
  env -u RDPNEG_CAPTURES RDPNEG_REQUIRE_CAPTURES=1 RDPNEG_SRCDIR="$NOWHERE/src" \
    "$prog" >"$NOWHERE/req" 2>&1
  rc_req=$?
  skips=$(grep -c '^ok .* # SKIP' "$NOWHERE/plain")
  notoks_plain=$(grep -c '^not ok' "$NOWHERE/plain")
  notoks=$(grep -c '^not ok' "$NOWHERE/req")
  said=$(grep -c '^# captures required' "$NOWHERE/req")
  # every skipped case is among the failed ones
  lost=$(sed -nE 's/^ok ([0-9]+) - .* # SKIP.*/\1/p' "$NOWHERE/plain" | while read -r i; do
    grep -q "^not ok $i - " "$NOWHERE/req" || echo "$i"; done | tr '\n' ' ')
  if [ "$rc_plain" -eq 0 ] && [ "$notoks_plain" -eq 0 ] && [ "$skips" -gt 0 ]; then
    ok "$name without the variable: exit 0, $skips skipped"
  else
    sed 's/^/# /' "$NOWHERE/plain" | grep -v '^# ok' | head -20
    notok "$name without the variable: exit $rc_plain, $notoks_plain failed, $skips skipped"
  fi
  if [ "$rc_req" -ne 0 ] && [ -z "$lost" ] && [ "$said" -eq "$notoks" ]; then
    ok "$name with RDPNEG_REQUIRE_CAPTURES=1: exit $rc_req, $notoks failed ($skips skipped, $((notoks - skips)) silently without captures)"
  else
    sed 's/^/# /' "$NOWHERE/req" | head -20
    notok "$name with RDPNEG_REQUIRE_CAPTURES=1: exit $rc_req, $notoks failed, skipped cases not failed: ${lost:-none}"
  fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
