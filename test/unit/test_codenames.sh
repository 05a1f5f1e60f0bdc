#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# One table of code names (TAP): no file in lib/ outside the taxonomy data
# holds a string literal of a TLS alert, NTSTATUS, SECURITY_STATUS,
# RDP_NEG_FAILURE, protocol or RDP_NEG_REQ/RSP flag name. Every such name
# the library prints comes from lib/taxonomy/codes.def through
# lib/base/codes.c; test_codenames.c checks that every path gives the same
# name, this script that no second copy of the names is typed in anywhere.
# Usage: test_codenames.sh [PROJECT-ROOT]  (default $RDPNEG_SRCDIR)
src=${1:-$RDPNEG_SRCDIR}
def="$src/lib/taxonomy/codes.def"
[ -f "$def" ] || { echo "1..0 # SKIP no $def"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rdpneg-codenames.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# names KIND...: the names of the rows of these kinds, one a line
names() {
  for k in "$@"; do
    sed -n "s/^CODE($k, *[^,]*, *\"\\([^\"]*\\)\".*/\\1/p" "$def"
  done
}
# literals NAMES DIR...: "file:line: text" of every string literal equal to
# a name, outside comments (lines that start a comment or continue one)
literals() {
  list=$1; shift
  sed 's/.*/"&"/' "$list" >"$TMP/quoted"
  find "$@" -name '*.[ch]' -type f 2>/dev/null | sort |
    xargs grep -nF -f "$TMP/quoted" /dev/null 2>/dev/null |
    grep -Ev '^[^:]*:[0-9]+:[[:space:]]*(/\*|\*)'
}

names TLS_ALERT >"$TMP/alerts"
names NTSTATUS SECURITY_STATUS >"$TMP/status"
names NEG_FAILURE PROTOCOL NEG_REQ_FLAG NEG_RSP_FLAG >"$TMP/neg"
sed -n 's/^PROTOCOL_//p' "$TMP/neg" >>"$TMP/neg" # "HYBRID" as printed
cat "$TMP/alerts" "$TMP/status" "$TMP/neg" >"$TMP/all"
na=$(wc -l <"$TMP/alerts") ns=$(wc -l <"$TMP/status") nn=$(wc -l <"$TMP/neg")
if [ "$na" -ge 34 ] && [ "$ns" -ge 50 ] && [ "$nn" -ge 27 ] &&
  grep -qx certificate_unobtainable "$TMP/alerts" &&
  grep -qx STATUS_LOGON_FAILURE "$TMP/status" && grep -qx HYBRID "$TMP/neg"; then
  ok "codes.def lists $na TLS alerts, $ns NTSTATUS/SECURITY_STATUS, $nn negotiation names"
else
  notok "names extracted from codes.def: $na alerts, $ns status, $nn negotiation"
fi

# The detector finds a table like the one tls.c used to have.
mkdir -p "$TMP/fake/proto"
cat >"$TMP/fake/proto/tls.c" <<'C'
/* "close_notify" in a comment is fine */
const char *alert_name(int code) {
  switch (code) {
  case 111:
    return "certificate_unobtainable";
  }
  return 0;
}
C
if [ "$(literals "$TMP/alerts" "$TMP/fake" | wc -l)" -eq 1 ]; then
  ok "the check finds a hand-written alert table (and ignores comments)"
else
  notok "the check misses a hand-written alert table"
fi

# Below the analysis layer, and in output and uv: no name at all.
lower="$src/lib/base $src/lib/proto $src/lib/core $src/lib/output $src/lib/uv"
# shellcheck disable=SC2086
hits=$(literals "$TMP/all" $lower)
if [ -z "$hits" ]; then
  ok "lib/base, proto, core, output, uv hold no code-name literal"
else
  notok "code names typed in outside lib/taxonomy:"
  echo "$hits" | sed 's/^/# /'
fi
# In the analysis layer cause IDs may coincide with negotiation names
# (INCONSISTENT_FLAGS is both), so only alerts and status names there.
cat "$TMP/alerts" "$TMP/status" >"$TMP/as"
hits=$(literals "$TMP/as" "$src/lib/analysis")
if [ -z "$hits" ]; then
  ok "lib/analysis holds no TLS alert or NTSTATUS/SECURITY_STATUS literal"
else
  notok "alert or status names typed in in lib/analysis:"
  echo "$hits" | sed 's/^/# /'
fi

echo "1..$n"
[ "$failed" -eq 0 ]
