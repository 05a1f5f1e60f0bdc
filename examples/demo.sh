#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# librdpneg demo.
#   ./examples/demo.sh                 start real RDP servers on loopback
#                                      (xrdp, FreeRDP shadow), probe each,
#                                      print the reports, stop the servers
#   ./examples/demo.sh HOST[:PORT] [rdpneg-probe options]
#                                      probe that target instead
# Installs what it needs (Debian packages) and builds on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

./test/lab/lab.sh install
[ -f build/build.ninja ] || meson setup build
ninja -C build >/dev/null
PROBE=build/examples/rdpneg-probe

if [ $# -gt 0 ]; then
  target=$1
  shift
  set +e
  "$PROBE" "$@" "$target"
  rc=$?
  echo "(exit code $rc: 0 healthy, 1 degraded, 2 failing, 3 could not probe)"
  exit $rc
fi

export LAB_ONLY="tls-valid,rdp,tls-nocert,tls-expired,tls-tls13only,neg-rsa1024,shadow-nla,shadow-rdp,silent,banner"
trap './test/lab/lab.sh down >/dev/null 2>&1 || true' EXIT
./test/lab/lab.sh up >/dev/null
set -a
. test/lab/run/env
set +a
CA=$LAB_CERTS/ca.crt

show() { # title, then probe arguments
  local title=$1
  shift
  printf '\n=== %s\n$ rdpneg-probe %s\n' "$title" "$*"
  set +e
  "$PROBE" "$@"
  local rc=$?
  set -e
  echo "(exit code $rc)"
}

show "xrdp, TLS with a valid certificate (healthy)" \
  --ca-file "$CA" "localhost:$LAB_XRDP_TLS_VALID"
show "xrdp requires TLS, client offers only Standard RDP Security" \
  --protocols rdp "localhost:$LAB_XRDP_TLS_VALID"
show "xrdp with security_layer=tls but no certificate" \
  "localhost:$LAB_XRDP_TLS_NOCERT"
show "xrdp with an expired certificate" \
  --ca-file "$CA" "localhost:$LAB_XRDP_TLS_EXPIRED"
show "xrdp that only speaks TLS 1.3" \
  --tls-versions "localhost:$LAB_XRDP_TLS_TLS13ONLY"
show "xrdp whose 1024-bit key OpenSSL refuses to load" \
  "localhost:$LAB_XRDP_NEG_RSA1024"
show "xrdp with Standard RDP Security only" "localhost:$LAB_XRDP_RDP"
show "FreeRDP shadow server requiring NLA" "127.0.0.1:$LAB_SHADOW_NLA"
export DEMO_PW="$LAB_SHADOW_PASSWORD"
show "FreeRDP shadow server requiring NLA, credential check (right password)" \
  --user "$LAB_SHADOW_USER" --password-env DEMO_PW "127.0.0.1:$LAB_SHADOW_NLA"
export DEMO_BAD_PW="not-the-password"
show "FreeRDP shadow server requiring NLA, credential check (wrong password)" \
  --user "$LAB_SHADOW_USER" --password-env DEMO_BAD_PW \
  "127.0.0.1:$LAB_SHADOW_NLA"
show "the user reports mstsc 0x904/0x7 against a healthy server" \
  --reported 0x904/0x7 --ca-file "$CA" "localhost:$LAB_XRDP_TLS_VALID"
show "FreeRDP shadow server requiring NLA, client offers only TLS" \
  --protocols ssl "127.0.0.1:$LAB_SHADOW_NLA"
show "FreeRDP shadow server with RDP security only, client offers TLS" \
  "127.0.0.1:$LAB_SHADOW_RDP"
show "closed port" "127.0.0.1:$LAB_CLOSED_PORT"
show "a listener that never answers" --timeout 1000 \
  "127.0.0.1:$LAB_RESP_SILENT"
show "an SSH server on the RDP port" "127.0.0.1:$LAB_RESP_BANNER"
