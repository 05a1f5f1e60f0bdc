#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The HTML report in a real browser (TAP): every document of the lab matrix
# (test/lab/docs_matrix.py) becomes a page with `rdpneg-probe --evidence
# DOC --html`, a fleet page comes from `rdpneg-scan --html`, and a page
# whose certificate subject and SANs are hostile markup; headless Chromium
# (Debian's chromium, driven over the DevTools protocol by cdp_check.py)
# loads each one, saves a PNG and checks: no console error, no network
# request, one ladder per connection and one arrow per message in the DOM,
# the first finding present, no element or attribute that runs anything.
# A control page with an image from the network and a console error must
# fail the same checks.
#   test_html_browser.sh SRCDIR PROBE SCAN
# Skips when chromium or python3-websocket is missing or the lab is not
# running, except with CI=true, where that fails. RDPNEG_DOCS_DIR: a
# collection docs_matrix.py made already (test_evidence.sh leaves one there
# when the variable is set), else the matrix is collected here.
# RDPNEG_HTML_OUT: where the pages and PNGs stay (default: a temporary dir).
set -u
src=$1 probe=$2 scan=$3
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
need_or_skip() { # reason
  if [ "${CI:-}" = true ]; then
    echo "1..1"
    echo "not ok 1 - $1 (CI=true: the browser test must run)"
    exit 1
  fi
  echo "1..0 # SKIP $1"
  exit 0
}
command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 || need_or_skip "chromium not installed"
"$PY" -c 'import websocket' 2>/dev/null || need_or_skip "python3-websocket not installed"
envf=${LAB_RUN:-$src/test/lab/run}/env
[ -f "$envf" ] || need_or_skip "lab not running ($envf)"
set -a
# shellcheck disable=SC1090
. "$envf"
set +a

out=${RDPNEG_HTML_OUT:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "$out" ] || out=$tmp/out
mkdir -p "$out/pages" "$out/png"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

docs=${RDPNEG_DOCS_DIR:-}
if [ -z "$docs" ] || ! ls "$docs"/raw/*.json >/dev/null 2>&1; then
  docs=$tmp/docs
  if "$PY" "$src/test/lab/docs_matrix.py" collect "$docs" --probe "$probe" >"$tmp/collect.log" 2>&1; then
    ok "$(tail -n 1 "$tmp/collect.log")"
  else
    notok "docs_matrix.py collect failed"; sed 's/^/# /' "$tmp/collect.log" | tail -5
  fi
fi

# one page per document, and what the DOM must show (from the document)
expect() { # DOC.json EXPECT.json [TEXT...]
  "$PY" - "$@" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
docs = d if isinstance(d, list) else [d]
e = {"ladders": sum(len(x["attempts"]) for x in docs),
     "arrows": sum(len(a.get("messages", [])) for x in docs for a in x["attempts"]),
     "finding": next((x["diagnosis"][0]["cause"] for x in docs if x["diagnosis"]), None),
     "verdict": docs[0]["verdict"], "fleet": int(len(docs) > 1 or isinstance(d, list)),
     "text": sys.argv[3:]}
json.dump(e, open(sys.argv[2], "w"))
PYEOF
}
pages=() bad=0 np=0
for doc in "$docs"/raw/*.json; do
  name=$(basename "$doc" .json)
  rep=()
  [ -f "$docs/raw/$name.args" ] &&
    mapfile -t rep < <("$PY" -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["args"]))' "$docs/raw/$name.args" | sed '/^$/d')
  "$probe" --evidence "$doc" "${rep[@]}" --html "$out/pages/$name.html" >/dev/null 2>"$tmp/err"
  if [ ! -s "$out/pages/$name.html" ]; then
    bad=$((bad + 1)); sed "s/^/# $name: /" "$tmp/err" | head -3; continue
  fi
  expect "$doc" "$out/pages/$name.expect.json"
  pages+=("$out/pages/$name.html")
  np=$((np + 1))
done
if [ "$bad" -eq 0 ] && [ "$np" -gt 0 ]; then
  ok "$np lab documents written as HTML pages (rdpneg-probe --evidence --html)"
else notok "$bad of the lab documents gave no HTML page ($np did)"; fi

# hostile certificate texts: a server chooses its subject and SANs
base=$docs/raw/tls-valid__default.json
[ -f "$base" ] || base=$(grep -l '"subject"' "$docs"/raw/*.json | head -n 1)
"$PY" - "$base" "$tmp/hostile.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
evil_s = 'CN=<script>document.title="pwned"</script>"><img src=x onerror=alert(1)>'
evil_i = "O=</td></table><iframe src=//127.0.0.1:9/></iframe>&amp;"
evil_n = ['"><svg onload=alert(2)>', "<b>bold</b>.example"]
for node in [d] + d["attempts"]:
    c = node.get("tls", {}).get("certificate")
    if c:
        c["subject"], c["issuer"], c["san"] = evil_s, evil_i, evil_n
        c.setdefault("chain", [])
d["target"]["host"] = "<i>host</i>"
json.dump(d, open(sys.argv[2], "w"))
PYEOF
"$probe" --evidence "$tmp/hostile.json" --html "$out/pages/hostile.html" >/dev/null 2>"$tmp/err"
if [ -s "$out/pages/hostile.html" ] &&
  ! grep -q '<script\|<img\|<iframe\|<svg onload\|<b>bold\|<i>host' "$out/pages/hostile.html" &&
  grep -qF '&lt;script&gt;' "$out/pages/hostile.html"; then
  ok "hostile certificate subject, issuer and SANs are escaped in the HTML"
  expect "$tmp/hostile.json" "$out/pages/hostile.expect.json" \
    'CN=<script>document.title="pwned"</script>' '"><svg onload=alert(2)>' '<b>bold</b>.example'
  pages+=("$out/pages/hostile.html")
else notok "hostile certificate texts reached the HTML as markup"; sed 's/^/# /' "$tmp/err" | head -3; fi

# a fleet page (rdpneg-scan --html) over three lab servers
if "$scan" -q --timeout 1000 --ca-file "$LAB_CA" --html "$out/pages/fleet.html" \
  "$LAB_HOST:$LAB_XRDP_TLS_VALID" "$LAB_HOST:$LAB_SHADOW_NLA" "$LAB_HOST:$LAB_XRDP_TLS_EXPIRED" \
  >"$tmp/fleet.jsonl" 2>"$tmp/err"; [ -s "$out/pages/fleet.html" ]; then
  "$PY" -c 'import json,sys; json.dump([json.loads(l) for l in open(sys.argv[1])], open(sys.argv[2],"w"))' \
    "$tmp/fleet.jsonl" "$tmp/fleet.json"
  expect "$tmp/fleet.json" "$out/pages/fleet.expect.json" "3 targets"
  pages+=("$out/pages/fleet.html")
  ok "rdpneg-scan --html wrote a fleet page for 3 targets"
else notok "rdpneg-scan --html"; sed 's/^/# /' "$tmp/err" | head -3; fi

# the control: an image from the network and a console error must be caught
cat >"$tmp/control.html" <<'HTML'
<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">
<script>console.error("control")</script></body></html>
HTML
echo '{"ladders": 0, "arrows": 0, "finding": null, "verdict": null}' >"$tmp/control.expect.json"
ctl=$("$PY" "$src/test/browser/cdp_check.py" "$tmp/ctlpng" "$tmp/control.html" 2>&1)
if grep -q 'console errors' <<<"$ctl" && grep -q 'network requests: .*127.0.0.1:9' <<<"$ctl"; then
  ok "control page: the checker sees a console error and a network request"
else notok "control page not caught: $(head -c 300 <<<"$ctl")"; fi

start=$(date +%s)
TAP_START=$n "$PY" "$src/test/browser/cdp_check.py" "$out/png" "${pages[@]}" >"$tmp/cdp.tap" 2>&1
cat "$tmp/cdp.tap"
pn=$(grep -c '^ok ' "$tmp/cdp.tap")
pf=$(grep -c '^not ok ' "$tmp/cdp.tap")
n=$((n + pn + pf)) failed=$((failed + pf))
echo "# ${#pages[@]} pages rendered to PNG in $(($(date +%s) - start)) s ($out/png)"
echo "1..$n"
[ "$failed" -eq 0 ]
