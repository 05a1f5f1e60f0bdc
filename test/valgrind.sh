#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The integration probes under valgrind memcheck: rdpneg-probe against each
# kind of lab server (xrdp TLS, FreeRDP shadow NLA with and without
# credentials, a closed port, a silent responder, ...). Each case passes
# when valgrind reports nothing (--leak-check=full, every error and leak
# counted; --error-exitcode=1) and the probe's exit code (its verdict) is
# the same as without valgrind.
#
#   test/valgrind.sh            (BUILD = the build directory, default build/)
#
# Needs the lab (test/lab/lab.sh up, as test/run.sh does): ports from the
# environment, else from test/lab/run/env. Prints TAP; the last line is
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
PROBE=$BUILD/examples/rdpneg-probe
LOGS=$BUILD/valgrind-logs
n=0 pass=0 fail=0 skip=0

if [ -z "${LAB_HOST:-}" ] && [ -f test/lab/run/env ]; then
  set -a
  # shellcheck disable=SC1091
  . test/lab/run/env
  set +a
fi

finish() {
  echo "1..$n"
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
  exit
}

if ! command -v valgrind >/dev/null || [ ! -x "$PROBE" ] || [ -z "${LAB_HOST:-}" ]; then
  n=1 skip=1
  echo "ok 1 - valgrind probes # SKIP needs valgrind, $PROBE and the lab"
  finish
fi
rm -rf "$LOGS"
mkdir -p "$LOGS"

case_() { # name port [probe options...]
  local name=$1 port=$2
  shift 2
  n=$((n + 1))
  if [ -z "$port" ]; then
    skip=$((skip + 1))
    echo "ok $n - $name # SKIP no such lab server"
    return
  fi
  local log=$LOGS/$name.log
  "$PROBE" "$@" "$LAB_HOST:$port" >"$LOGS/$name.plain" 2>&1
  local want=$?
  valgrind --tool=memcheck --error-exitcode=1 --leak-check=full \
    --show-leak-kinds=all --errors-for-leak-kinds=all --track-fds=yes \
    --log-file="$log" "$PROBE" "$@" "$LAB_HOST:$port" >"$LOGS/$name.out" 2>&1
  local got=$?
  local errs
  errs=$(sed -nE 's/.*ERROR SUMMARY: ([0-9]+) errors.*/\1/p' "$log" | tail -n 1)
  # descriptors the probe opened and left open (inherited ones are listed
  # with "<inherited from parent>")
  local fds
  fds=$(awk '/Open file descriptor/ {o = 1; next}
    o && /inherited from parent/ {o = 0; next}
    o {n++; o = 0} END {print n + 0}' "$log")
  if [ "${errs:-x}" = 0 ] && [ "$got" = "$want" ] && [ "$fds" = 0 ] &&
    grep -q 'FILE DESCRIPTORS' "$log"; then
    pass=$((pass + 1))
    echo "ok $n - $name: 0 errors, no descriptor left open, exit $got as without valgrind"
  else
    fail=$((fail + 1))
    echo "not ok $n - $name: ${errs:-?} errors, ${fds:-?} descriptors open at exit, exit $got (without valgrind $want); $log"
    grep -E '==[0-9]+== (Invalid|Conditional|Use of|Syscall|.*definitely|.*indirectly|.*possibly|.*still reachable|Open)' "$log" |
      head -n 12 | sed 's/^/#   /'
  fi
}

export VALGRIND_WRONG_PASSWORD='not the password'
T=3000 # per-phase timeout: the silent server costs 3 s
case_ xrdp_tls "${LAB_XRDP_TLS_VALID:-}" --timeout $T --ca-file "${LAB_CA:-/dev/null}"
case_ xrdp_tls_json "${LAB_XRDP_TLS_EXPIRED:-}" --timeout $T --json
case_ shadow_nla "${LAB_SHADOW_NLA:-}" --timeout $T
case_ shadow_nla_credentials "${LAB_SHADOW_NLA:-}" --timeout $T \
  --user "${LAB_SHADOW_USER:-}" --domain "${LAB_SHADOW_DOMAIN:-}" \
  --password-env "${LAB_SHADOW_PASSWORD_ENV:-LAB_SHADOW_PASSWORD}"
case_ shadow_nla_wrong_password "${LAB_SHADOW_NLA:-}" --timeout $T \
  --user "${LAB_SHADOW_USER:-}" --domain "${LAB_SHADOW_DOMAIN:-}" \
  --password-env VALGRIND_WRONG_PASSWORD
case_ closed_port "${LAB_CLOSED_PORT:-}" --timeout $T
case_ silent "${LAB_RESP_SILENT:-}" --timeout $T
case_ xrdp_rdp_only "${LAB_XRDP_RDP:-}" --timeout $T --reported 0x904/0x7
finish
