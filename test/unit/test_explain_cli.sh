#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# rdpneg-explain end to end (TAP). Usage: test_explain_cli.sh PATH-TO-EXE
# RDPNEG_SRCDIR (set by meson) points at the project root, for the
# generated reference lib/taxonomy/CAUSES.md.
EXE=${1:?usage: $0 path/to/rdpneg-explain}
SRC=${RDPNEG_SRCDIR:-.}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rdpneg-explain.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
  [ -f "$TMP/out" ] && sed 's/^/# /' "$TMP/out" | head -20
  [ -f "$TMP/err" ] && sed 's/^/# stderr: /' "$TMP/err" | head -5
}
# run WANT_EXIT ARGS... : runs the tool, output in $TMP/out and $TMP/err
run() {
  want=$1; shift
  "$EXE" "$@" >"$TMP/out" 2>"$TMP/err"
  got=$?
  [ "$got" -eq "$want" ] || { echo "# exit $got, wanted $want: $*"; return 1; }
  return 0
}
has() { grep -q -- "$1" "$TMP/out"; }
err_has() { grep -q -- "$1" "$TMP/err"; }

if run 0 0x904 0x7 && has '"socket closed"' && has '"server denied connection"' &&
  has 'disconnectReasonAtClientWinsockFDCLOSE' &&
  has 'exDiscReasonServerDeniedConnection' &&
  has 'How a probe tells them apart' && has 'TLS_SERVER_KEY_UNUSABLE' &&
  has 'CONNECTION_LIMIT' && has 'lore'; then
  ok "0x904 0x7: official meanings, candidates, evidence, lore marked"
else notok "0x904 0x7"; fi

cp "$TMP/out" "$TMP/hex"
if run 0 2308 7 && cmp -s "$TMP/out" "$TMP/hex"; then
  ok "decimal input gives the same answer"
else notok "decimal input"; fi

if run 0 --kind errinfo 0x7 && has 'ERRINFO_SERVER_DENIED_CONNECTION' &&
  sed -n 5p "$TMP/out" | grep -q '^Set Error Info PDU errorInfo 0x00000007:' &&
  ! has 'interpretation 1 of'; then
  ok "--kind errinfo 0x7"
else notok "--kind errinfo 0x7"; fi

if run 0 --json 0x904 0x7 && has '"schema": "rdpneg.explain/1"'; then
  if command -v python3 >/dev/null 2>&1; then
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["found"] and d["candidates"][0]["id"]' "$TMP/out"; then
      ok "--json is valid JSON with candidates"
    else notok "--json does not parse"; fi
  else
    ok "--json (python3 absent: not parsed)"
  fi
else notok "--json"; fi

if run 0 5 && has 'interpretation 1 of' && has 'HYBRID_REQUIRED_BY_SERVER' &&
  has 'ERRINFO_DISCONNECTED_BY_OTHERCONNECTION'; then
  ok "auto kind lists every interpretation"
else notok "auto kind"; fi

if run 0 SSL_ERR_CERT_EXPIRED && has 'CERT_EXPIRED'; then
  ok "symbol name input"
else notok "symbol name input"; fi

if run 0 -- -1073741715 && has 'STATUS_LOGON_FAILURE'; then
  ok "negative (signed NTSTATUS) input"
else notok "negative input"; fi

if run 0 C000006D && has 'STATUS_LOGON_FAILURE'; then
  ok "bare hex input"
else notok "bare hex input"; fi

if run 0 0x1504 && has 'UNOFFICIAL'; then
  ok "unofficial code is marked"
else notok "unofficial code"; fi

if run 1 0x1234 && has 'UNKNOWN'; then
  ok "unknown code exits 1"
else notok "unknown code"; fi

if run 1 0x904 0x4242; then
  ok "unknown extended code exits 1"
else notok "unknown extended code"; fi

if run 0 --cause CERT_EXPIRED && has 'Remedies' && has 'Typically shows up as' &&
  has 'SSL_ERR_CERT_EXPIRED'; then
  ok "--cause CERT_EXPIRED"
else notok "--cause"; fi

if run 0 --json --cause CERT_EXPIRED && has '"schema": "rdpneg.cause/1"'; then
  ok "--json --cause"
else notok "--json --cause"; fi

if run 1 --cause NO_SUCH_CAUSE && err_has 'unknown cause ID'; then
  ok "unknown cause exits 1"
else notok "unknown cause"; fi

if run 0 --list-causes && [ "$(wc -l <"$TMP/out")" -ge 30 ] &&
  has '^DNS_FAILURE '; then
  ok "--list-causes"
else notok "--list-causes"; fi

if run 0 --list-codes --kind neg_failure && [ "$(wc -l <"$TMP/out")" -eq 6 ]; then
  ok "--list-codes --kind neg_failure"
else notok "--list-codes"; fi

if run 3 --bogus && run 3 && run 3 0xZZ && run 3 --kind nonsense 1 &&
  run 3 1 2 3; then
  ok "usage errors exit 3"
else notok "usage errors"; fi

cat >"$TMP/good.json" <<'EOF'
{"causes": {"TLS_SERVER_KEY_UNUSABLE": {"remedies": ["Call the ACME desk, ext. 42"], "mode": "replace"}}}
EOF
if run 0 --overrides "$TMP/good.json" 0x904 0x7 && has 'ACME desk, ext. 42' &&
  ! has 'icacls / takeown'; then
  ok "--overrides replaces remedy text"
else notok "--overrides good file"; fi

printf '{"causes": {\n  "TLS_SERVER_KEY_UNUSABLE": {"remedies": ["x"],}\n}}\n' >"$TMP/bad.json"
if run 3 --overrides "$TMP/bad.json" 0x904 0x7 && err_has 'line 2, column'; then
  ok "--overrides with bad JSON names the line, exits 3"
else notok "--overrides bad file"; fi

printf '{"causes": {"NOT_A_CAUSE": {"remedies": ["x"]}}}' >"$TMP/bad2.json"
if run 3 --overrides "$TMP/bad2.json" 0x904 && err_has 'unknown cause ID "NOT_A_CAUSE"'; then
  ok "--overrides with an unknown cause ID is rejected"
else notok "--overrides unknown cause"; fi

printf '{"causes": []}' >"$TMP/bad3.json"
if run 3 --overrides "$TMP/bad3.json" 0x904 &&
  err_has '"causes" must be an object, not an array'; then
  ok "--overrides: \"not an array\""
else notok "--overrides: grammar of the type error"; fi

# A FIFO must not block (there is no writer); a directory is not a "read
# error". The tool runs in the background with a watchdog.
mkdir "$TMP/ovr.d"
if run 3 --overrides "$TMP/ovr.d" 0x904 && err_has "$TMP/ovr.d: is a directory"; then
  ok "--overrides on a directory: \"is a directory\", exit 3"
else notok "--overrides on a directory"; fi
if mkfifo "$TMP/ovr.fifo" 2>/dev/null; then
  "$EXE" --overrides "$TMP/ovr.fifo" 0x904 >"$TMP/out" 2>"$TMP/err" &
  pid=$!
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; wait "$pid" 2>/dev/null
    notok "--overrides on a FIFO blocks (killed after 10 s)"
  else
    wait "$pid"; got=$?
    if [ "$got" -eq 3 ] && err_has "$TMP/ovr.fifo: not a regular file"; then
      ok "--overrides on a FIFO: refused at once, \"not a regular file\", exit 3"
    else notok "--overrides on a FIFO: exit $got"; fi
  fi
else
  n=$((n + 1)); echo "ok $n - --overrides on a FIFO # SKIP mkfifo unavailable"
fi

# The summary: three lines (what it officially means, what it does not,
# the next step), then a blank line, then the explanation.
if run 0 0x904 0x7 && sed -n 1p "$TMP/out" | grep -q '^Means: officially only .*"Socket closed".*0x7' &&
  sed -n 2p "$TMP/out" | grep -q '^Not:   which of the 9 candidate causes' &&
  sed -n 3p "$TMP/out" | grep -q '^Next:  rdpneg-probe --reported 0x904/0x7 SERVER .*TLS_SERVER_KEY_UNUSABLE' &&
  [ -z "$(sed -n 4p "$TMP/out")" ]; then
  ok "0x904 0x7 begins with a three-line summary (means, not, next)"
else notok "0x904 0x7 summary"; fi
if run 0 0x1104 && sed -n 1p "$TMP/out" | grep -q '^Means: disconnect 0x1104' &&
  sed -n 2p "$TMP/out" | grep -q '^Not:   an official definition (status unofficial)'; then
  ok "an unofficial code's summary says it is not official"
else notok "0x1104 summary"; fi

# Every citation resolves inside the product: no pointer into the fact
# sheet (a file that is not shipped), and every source key cited is in
# --sources, most with a URL.
: >"$TMP/all"
for q in "0x904 0x7" "5" "--kind ssl_err 0x1B07" "0x1104" "--kind errinfo 0x7" \
  "--kind ntstatus 0xC000006D" "--kind tls_alert 40"; do
  # shellcheck disable=SC2086
  "$EXE" $q >>"$TMP/all" 2>&1
done
causes=$("$EXE" --list-causes | awk '{print $1}')
nc=0
for c in $causes; do
  "$EXE" --cause "$c" >>"$TMP/all" 2>&1
  nc=$((nc + 1))
done
if [ "$nc" -gt 20 ] && ! grep -qi 'facts [0-9]\|fact sheet' "$TMP/all"; then
  ok "no citation points into the fact sheet ($nc causes, 7 codes)"
else
  grep -i 'facts [0-9]\|fact sheet' "$TMP/all" | head -5 | sed 's/^/# /'
  notok "citations point into the fact sheet ($nc causes)"
fi
"$EXE" --sources >"$TMP/src"
missing=""
for k in $(grep -oE '(^|[^A-Za-z-])S-[A-Z0-9][A-Z0-9-]*[A-Z0-9]' "$TMP/all" |
  sed -E 's/^[^S]//' | sort -u); do
  grep -q "^$k " "$TMP/src" || missing="$missing $k"
done
nurl=$(grep -c '^ *https://' "$TMP/src")
if [ -z "$missing" ] && [ "$nurl" -ge 18 ]; then
  ok "every cited source key is in --sources ($nurl with a URL)"
else notok "sources not listed:$missing (URLs: $nurl)"; fi
if run 0 --json --sources && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u=[s for s in d if s["url"]]; assert len(u)>=18 and all(s["url"].startswith("https://") for s in u)' "$TMP/out"; then
  ok "--json --sources carries the URLs"
else notok "--json --sources"; fi

if [ -f "$SRC/lib/taxonomy/CAUSES.md" ]; then
  if run 0 --markdown && cmp -s "$TMP/out" "$SRC/lib/taxonomy/CAUSES.md"; then
    ok "lib/taxonomy/CAUSES.md is up to date"
  else
    notok "lib/taxonomy/CAUSES.md is stale: regenerate with rdpneg-explain --markdown > lib/taxonomy/CAUSES.md"
  fi
else
  n=$((n + 1)); echo "ok $n - CAUSES.md # SKIP $SRC/lib/taxonomy/CAUSES.md absent"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
