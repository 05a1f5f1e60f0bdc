#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmarks librdpneg against the other tools, in one run, on the lab's
# real servers (loopback):
#  1. wall time per probe (hyperfine, process start included) of every tool
#     against xrdp TLS, FreeRDP shadow NLA and shadow TLS, with the ratio to
#     rdpneg-probe, and whether each run did its job (check column);
#  2. whole-process CPU (user+sys) per NLA probe against shadow NLA, the
#     tools interleaved round by round (cpu.py), with the ratios the project
#     targets (nmap rdp-ntlm-info >= 40x, impacket rdp_check and xfreerdp
#     +auth-only >= 60x), the same probe linked statically, and linked
#     with mbedTLS built with Everest's X25519 (scripts/mbedtls-everest.sh;
#     shared librdpneg, and static);
#  3. wall time of rdpneg-probe through a 50 ms RTT delay relay
#     (delayrelay.py, via rtt.py) against the protocol's minimum;
#  4. the in-process cost per probe (bench_probe: CPU ms per probe).
#
#   ./test/bench/bench.sh        installs hyperfine, xfreerdp, nmap and
#                                impacket (test/lab/lab.sh install), builds
#                                into build/, starts and stops the lab
# Environment:
#   BENCH_USE_LAB=ENVFILE  use an already running lab (its run/env file);
#                          the lab is then neither started nor stopped
#   BENCH_BUILD=DIR        build directory (default build)
#   BENCH_STATIC=0         skip the static build (BUILD-static) of rdpneg-probe
#   BENCH_EVEREST=0        skip the builds with mbedTLS + Everest X25519
#                          (BUILD-everest, BUILD-everest-static,
#                          BUILD-fast-musl; mbedTLS is
#                          built once per machine, ~/.cache/rdpneg)
#   BENCH_OUT=DIR          results (default BUILD/bench)
#   RUNS=10                hyperfine runs per row for the other tools
#   PROBE_RUNS=30          hyperfine runs per rdpneg-probe row
#   CPU_ROUNDS=15          rounds of the CPU comparison
#   RTT_RUNS=10            probes per relay row
set -euo pipefail
cd "$(dirname "$0")/../.."
LAB_EXTRA_PACKAGES="hyperfine freerdp2-x11 python3-impacket nmap" \
  ./test/lab/lab.sh install >/dev/null
BUILD=${BENCH_BUILD:-build}
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null
STATIC=
if [ "${BENCH_STATIC:-1}" != 0 ]; then
  # librdpneg and mbedTLS linked in (Debian ships no libuv.a): what the
  # dynamic loader costs a short-lived process
  [ -f "$BUILD-static/build.ninja" ] ||
    meson setup "$BUILD-static" -Ddefault_library=static -Dprefer_static=true \
      -Dtests=false -Dman=disabled >/dev/null
  ninja -C "$BUILD-static" examples/rdpneg-probe >/dev/null
  STATIC=$(cd "$BUILD-static" && pwd)/examples/rdpneg-probe
fi
VARIANTS=()
if [ "${BENCH_EVEREST:-1}" != 0 ]; then
  # mbedTLS 2.28.3 from Debian's source with Everest's verified X25519
  # (Debian's build does the ECDHE with generic bignum code)
  ev_log=$(mktemp)
  for v in everest everest-static fast-musl; do
    opts=(-Dtests=false -Dman=disabled) musl=()
    # everest-static: static PIE executables with glibc (librdpneg, mbedTLS
    # and libuv linked in: no dynamic loader at start); fast-musl: the fast
    # configuration, the same built with musl as a static executable
    [ $v != everest ] && opts+=(-Ddefault_library=static -Dprefer_static=true -Dstatic_cli=true)
    [ $v = fast-musl ] && musl=(--musl)
    ev_probe=$(./scripts/mbedtls-everest.sh "${musl[@]}" --setup "$BUILD-$v" "${opts[@]}" 2>"$ev_log") ||
      { cat "$ev_log" >&2; exit 1; }
    VARIANTS+=(--variant "$v=$ev_probe")
  done
  rm -f "$ev_log"
fi
OUT=${BENCH_OUT:-$BUILD/bench}
mkdir -p "$OUT"
HOMEDIR=$(mktemp -d)
STARTED_LAB=0
cleanup() {
  rm -rf "$HOMEDIR"
  if ((STARTED_LAB)); then ./test/lab/lab.sh down >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [ -n "${BENCH_USE_LAB:-}" ]; then
  LAB_ENV=$BENCH_USE_LAB
else
  STARTED_LAB=1
  LAB_ONLY="tls-valid,rdp,shadow-nla,shadow-tls" ./test/lab/lab.sh up >/dev/null
  LAB_ENV=test/lab/run/env
fi
set -a
. "$LAB_ENV"
set +a
USER_=${LAB_SHADOW_USER:-labuser}
PW=${LAB_SHADOW_PASSWORD:?the lab env file sets LAB_SHADOW_PASSWORD}
export BENCH_PW=$PW # for rdpneg-probe --password-env BENCH_PW
case $BUILD in
/*) B=$BUILD ;;
*) B=$PWD/$BUILD ;;
esac
PROBE=$B/examples/rdpneg-probe
BENCH_PROBE=$B/test/bench_probe
IMPACKET=/usr/share/doc/python3-impacket/examples/rdp_check.py
# impacket's rdp_check has port 3389 hard-coded: run a copy that takes
# RDP_PORT (the script imports no os module at the top, hence __import__)
sed 's/s.connect((host,3389))/s.connect((host,int(__import__("os").environ.get("RDP_PORT","3389"))))/' \
  "$IMPACKET" >"$OUT/rdp_check_port.py"
grep -q 'RDP_PORT' "$OUT/rdp_check_port.py"

# run NAME PORT NRUNS CHECK COMMAND...: one checked run, then hyperfine.
# CHECK says what "did its job" means: rc0 (exit 0), rc01 (exit 0 or 1: an
# answer, degraded or not), or out:TEXT (the output contains TEXT).
# Prints: name port runs mean_s stddev_s user_s system_s check
run() {
  local name=$1 port=$2 n=$3 check=$4
  shift 4
  local rc=0 ok=no out
  out=$("$@" 2>&1) || rc=$?
  case $check in
  rc0) ((rc == 0)) && ok=ok ;;
  rc01) ((rc <= 1)) && ok=ok ;;
  out:*) [[ $out == *"${check#out:}"* ]] && ok=ok ;;
  esac
  hyperfine -N -i -w 1 -r "$n" --export-json "$OUT/$name-$port.json" \
    "$*" >/dev/null 2>&1 || true
  python3 - "$OUT/$name-$port.json" "$name" "$port" "$ok" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%s %s %d %.5f %.5f %.5f %.5f %s" % (
    sys.argv[2], sys.argv[3], len(r["times"]), r["mean"], r["stddev"],
    r["user"], r["system"], sys.argv[4]))
PY
}

R=${RUNS:-10}
PR=${PROBE_RUNS:-30}
{
  for port in "$LAB_XRDP_TLS_VALID" "$LAB_SHADOW_NLA" "$LAB_SHADOW_TLS"; do
    check=rc01
    [ "$port" = "$LAB_SHADOW_NLA" ] && check="out:NTLM CHALLENGE"
    run rdpneg-probe "$port" "$PR" "$check" $PROBE 127.0.0.1:$port
    run rdpneg-probe-no-tls "$port" "$PR" rc01 $PROBE --no-tls 127.0.0.1:$port
    run xfreerdp-authonly "$port" "$R" rc0 env DISPLAY=$LAB_DISPLAY HOME=$HOMEDIR \
      xfreerdp +auth-only /cert:ignore /u:$USER_ /p:$PW /v:127.0.0.1:$port
    run nmap-rdp-enum-encryption "$port" "$R" "out:rdp-enum-encryption:" \
      nmap -n -Pn -p $port --script +rdp-enum-encryption 127.0.0.1
    run nmap-rdp-ntlm-info "$port" "$R" "out:Product_Version" \
      nmap -n -Pn -p $port --script +rdp-ntlm-info 127.0.0.1
    run impacket-rdp_check "$port" "$R" "out:Access Granted" env RDP_PORT=$port \
      /usr/bin/python3 $OUT/rdp_check_port.py $USER_:$PW@127.0.0.1
  done
  port=$LAB_SHADOW_NLA
  run rdpneg-probe-creds "$port" "$PR" "out:credentials accepted" \
    $PROBE --user $USER_ --password-env BENCH_PW 127.0.0.1:$port
  run rdpneg-probe-spnego "$port" "$PR" "out:NTLM CHALLENGE" \
    $PROBE --spnego 127.0.0.1:$port
} >"$OUT/results.txt"

echo "== wall time per probe (hyperfine mean, process start-up included)"
python3 - "$OUT/results.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
base = {r[1]: float(r[3]) for r in rows if r[0] == "rdpneg-probe"}
print("%-26s %6s %4s %8s %8s %8s %7s %6s" % (
    "tool", "port", "runs", "mean_s", "stddev_s", "x probe", "cpu_ms", "check"))
for name, port, n, mean, sd, user, sys_, ok in rows:
    print("%-26s %6s %4s %8.4f %8.4f %8.1f %7.1f %6s" % (
        name, port, n, float(mean), float(sd), float(mean) / base[port],
        1000 * (float(user) + float(sys_)), ok))
print("check: ok = the tool got what it is for (rdpneg-probe: an answer, the"
      " NTLM CHALLENGE or\n'credentials accepted' on shadow NLA; nmap"
      " rdp-ntlm-info: NTLM info; impacket:\n'Access Granted'; xfreerdp: exit"
      " 0); no = it did not (the NLA tools against servers\nwithout NLA)."
      " cpu_ms = user + sys, hyperfine's mean.")
PY

echo
echo "== whole-process CPU per NLA probe against shadow NLA (test/bench/cpu.py)"
python3 test/bench/cpu.py --probe "$PROBE" ${STATIC:+--probe-static "$STATIC"} \
  "${VARIANTS[@]}" --impacket "$OUT/rdp_check_port.py" --home "$HOMEDIR" \
  --rounds "${CPU_ROUNDS:-15}" --json "$OUT/cpu.json"

echo
echo "== rdpneg-probe through a delay relay (test/bench/delayrelay.py), one-way 25 ms"
echo "   minimum: TCP 1 + X.224 1 + TLS 1.2 2 (+ CredSSP 1, + 1 for credentials)"
RT=${RTT_RUNS:-10}
RTT=(python3 test/bench/rtt.py --probe "$PROBE" --runs "$RT" --delay-ms 25)
"${RTT[@]}" --header --name "shadow NLA" --min-rtt 5 \
  --target 127.0.0.1:$LAB_SHADOW_NLA --json "$OUT/rtt-shadow-nla.json"
"${RTT[@]}" --name "shadow NLA credentials" --min-rtt 6 \
  --target 127.0.0.1:$LAB_SHADOW_NLA --json "$OUT/rtt-shadow-nla-creds.json" \
  -- --user "$USER_" --password-env BENCH_PW
"${RTT[@]}" --name "xrdp TLS" --min-rtt 4 \
  --target 127.0.0.1:$LAB_XRDP_TLS_VALID --json "$OUT/rtt-xrdp-tls.json"
"${RTT[@]}" --name "shadow TLS" --min-rtt 4 \
  --target 127.0.0.1:$LAB_SHADOW_TLS --json "$OUT/rtt-shadow-tls.json"
"${RTT[@]}" --name "shadow NLA --spnego" --min-rtt 10 \
  --target 127.0.0.1:$LAB_SHADOW_NLA --json "$OUT/rtt-shadow-nla-spnego.json" \
  -- --spnego

echo
echo "== in process (bench_probe: N probes on one libuv loop, CPU per probe)"
echo "xrdp tls-valid, X.224 + TLS, 1 in flight:"
"$BENCH_PROBE" 127.0.0.1 "$LAB_XRDP_TLS_VALID" 200 1
echo "xrdp tls-valid, X.224 + TLS, 2 in flight (xrdp backlog is 2):"
"$BENCH_PROBE" 127.0.0.1 "$LAB_XRDP_TLS_VALID" 200 2
echo "shadow tls, X.224 + TLS, 8 in flight:"
"$BENCH_PROBE" 127.0.0.1 "$LAB_SHADOW_TLS" 100 8
echo "shadow nla, NTLM CHALLENGE (raw NTLM, one connection), 8 in flight:"
"$BENCH_PROBE" 127.0.0.1 "$LAB_SHADOW_NLA" 100 8
echo "shadow nla, credential check, 8 in flight:"
"$BENCH_PROBE" 127.0.0.1 "$LAB_SHADOW_NLA" 100 8 --user "$USER_" \
  --password-env BENCH_PW

# ---- enumeration (issue 10): rdpneg-probe --enumerate vs nmap
# rdp-enum-encryption, interleaved, on the servers of the lab in use ----
echo
echo "== enumeration (test/bench/bench_enum.sh)"
SERVERS="LAB_XRDP_TLS_VALID LAB_XRDP_RDP LAB_SHADOW_NLA LAB_SHADOW_TLS LAB_SHADOW_RDP" \
  ./test/bench/bench_enum.sh "$PROBE" "$OUT"
