#!/usr/bin/env bash
# Benchmarks librdpneg against the other tools, in one run, on the lab's
# real servers (loopback). Prints a table of mean wall time per probe
# (hyperfine, process start included) and the ratio to rdpneg-probe, then the
# in-process cost per probe (bench_probe: CPU ms per probe, probes/s).
#   ./test/bench/bench.sh            (installs hyperfine, xfreerdp, nmap,
#                                     impacket; starts and stops the lab)
set -euo pipefail
cd "$(dirname "$0")/../.."
LAB_EXTRA_PACKAGES="hyperfine freerdp2-x11 python3-impacket nmap" \
  ./test/lab/lab.sh install >/dev/null
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
OUT=${BENCH_OUT:-build/bench}
mkdir -p "$OUT"
trap './test/lab/lab.sh down >/dev/null 2>&1 || true' EXIT
LAB_ONLY="tls-valid,rdp,shadow-nla,shadow-tls" ./test/lab/lab.sh up >/dev/null
set -a
. test/lab/run/env
set +a
PROBE=$PWD/build/examples/rdpneg-probe
HOMEDIR=$(mktemp -d)
IMPACKET=/usr/share/doc/python3-impacket/examples/rdp_check.py
# impacket's rdp_check has port 3389 hard-coded: run a copy with RDP_PORT
sed 's/s.connect((host,3389))/s.connect((host,int(os.environ.get("RDP_PORT","3389"))))/' \
  "$IMPACKET" >"$OUT/rdp_check_port.py"
grep -q '^import os' "$OUT/rdp_check_port.py" ||
  sed -i '0,/^import /s//import os\nimport /' "$OUT/rdp_check_port.py"

run() { # name port command...
  local name=$1 port=$2
  shift 2
  hyperfine -N -i -w 1 -r "${RUNS:-10}" --export-json "$OUT/$name-$port.json" \
    "$*" >/dev/null 2>&1 || true
  python3 - "$OUT/$name-$port.json" "$name" "$port" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%s %s %.4f %.4f" % (sys.argv[2], sys.argv[3], r["mean"], r["stddev"]))
PY
}

{
for port in "$LAB_XRDP_TLS_VALID" "$LAB_SHADOW_NLA" "$LAB_SHADOW_TLS"; do
  run rdpneg-probe "$port" "$PROBE --timeout 3000 127.0.0.1:$port"
  run rdpneg-probe-no-tls "$port" "$PROBE --no-tls 127.0.0.1:$port"
  run xfreerdp-authonly "$port" "env DISPLAY=$LAB_DISPLAY HOME=$HOMEDIR xfreerdp +auth-only /cert:ignore /u:labuser /p:LabPass1! /v:127.0.0.1:$port"
  run nmap-rdp-enum-encryption "$port" "nmap -n -Pn -p $port --script +rdp-enum-encryption 127.0.0.1"
  run nmap-rdp-ntlm-info "$port" "nmap -n -Pn -p $port --script +rdp-ntlm-info 127.0.0.1"
  run impacket-rdp_check "$port" "env RDP_PORT=$port /usr/bin/python3 $OUT/rdp_check_port.py labuser:LabPass1!@127.0.0.1"
done
run rdpneg-probe-nla-auth "$LAB_SHADOW_NLA" "env PW=LabPass1! $PROBE --user labuser --password-env PW 127.0.0.1:$LAB_SHADOW_NLA"
} >"$OUT/results.txt"

python3 - "$OUT/results.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
base = {r[1]: float(r[2]) for r in rows if r[0] == "rdpneg-probe"}
print("%-26s %6s %9s %9s %8s" % ("tool", "port", "mean_s", "stddev_s",
                                   "x probe"))
for name, port, mean, sd in rows:
    ratio = float(mean) / base[port] if port in base else float("nan")
    print("%-26s %6s %9.4f %9.4f %8.1f" % (name, port, float(mean),
                                             float(sd), ratio))
PY
echo
echo "in-process (bench_probe: X.224 + TLS, N probes on one libuv loop)"
echo "xrdp tls-valid, 1 in flight:"; build/test/bench_probe 127.0.0.1 "$LAB_XRDP_TLS_VALID" 200 1
echo "xrdp tls-valid, 2 in flight (xrdp backlog is 2):"; build/test/bench_probe 127.0.0.1 "$LAB_XRDP_TLS_VALID" 200 2
echo "shadow tls, 8 in flight:"; build/test/bench_probe 127.0.0.1 "$LAB_SHADOW_TLS" 100 8
echo "shadow nla (CHALLENGE read, SPNEGO refused then raw NTLM), 8 in flight:"; build/test/bench_probe 127.0.0.1 "$LAB_SHADOW_NLA" 100 8
rm -rf "$HOMEDIR"

# ---- enumeration (issue 10): rdpneg-probe --enumerate vs nmap
# rdp-enum-encryption on the servers of the lab started above ----
echo
SERVERS="LAB_XRDP_TLS_VALID LAB_XRDP_RDP LAB_SHADOW_NLA LAB_SHADOW_TLS" \
  ./test/bench/bench_enum.sh "$PROBE" "$OUT"
