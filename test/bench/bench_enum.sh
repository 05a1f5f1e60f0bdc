#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Enumeration benchmark: wall time of `rdpneg-probe --enumerate` against
# `nmap --script rdp-enum-encryption` on the same servers, in one run, the
# two interleaved run by run so that both see the same machine load (process
# start included in both), each run after a pause of SETTLE seconds (default
# 0.3, not timed) so that it starts on an idle server: xrdp forks a process
# per connection, and those of the other tool's last connections would
# otherwise still be running. Prints per server the mean and standard deviation
# of each, the ratio nmap / rdpneg, and the connections each made.
#   test/bench/bench_enum.sh [PROBE [OUTDIR]]
# Needs a running lab (its LAB_* variables in the environment, else
# test/lab/run/env; bench.sh calls it while its lab is up) and nmap; RUNS (default 5) runs per tool and server. Servers: those of
# SERVERS (default: xrdp tls-valid, xrdp rdp, shadow nla, shadow tls, shadow
# rdp) that the lab has.
set -euo pipefail
cd "$(dirname "$0")/../.."
PROBE=${1:-$PWD/build/examples/rdpneg-probe}
OUT=${2:-${BENCH_OUT:-build/bench}}
mkdir -p "$OUT"
command -v nmap >/dev/null || { echo "bench_enum: nmap not installed" >&2; exit 1; }
if [ -z "${LAB_HOST:-}" ]; then # not given by the caller (bench.sh)
  [ -f test/lab/run/env ] || { echo "bench_enum: lab not running" >&2; exit 1; }
  set -a
  . test/lab/run/env
  set +a
fi
SERVERS=${SERVERS:-LAB_XRDP_TLS_VALID LAB_XRDP_RDP LAB_SHADOW_NLA LAB_SHADOW_TLS LAB_SHADOW_RDP}
PROBE=$PROBE OUT=$OUT RUNS=${RUNS:-5} SERVERS=$SERVERS python3 - <<'PY'
import json, os, statistics, subprocess, time

probe, out, runs = os.environ["PROBE"], os.environ["OUT"], int(os.environ["RUNS"])
rows = []
SETTLE = float(os.environ.get("SETTLE", "0.3"))
# the servers' CPU time dominates both tools' wall time on a loaded machine:
# the ratio is only comparable between runs at a similar load
load0 = os.getloadavg()
for env in os.environ["SERVERS"].split():
    port = os.environ.get(env)
    if not port:
        continue
    target = "127.0.0.1:%s" % port
    ours = [probe, "--enumerate", "--timeout", "3000", target]
    nmap = ["nmap", "-n", "-Pn", "-p", port, "--script",
            "+rdp-enum-encryption", "127.0.0.1"]
    t = {"rdpneg": [], "nmap": []}
    for i in range(runs + 1):  # the first round warms up, not counted
        for name, cmd in (("rdpneg", ours), ("nmap", nmap)):
            # each run starts on an idle server: the processes a server
            # forked for the other tool's connections (xrdp: one per
            # connection) have ended
            time.sleep(SETTLE)
            s = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=120)
            if i:
                t[name].append(time.perf_counter() - s)
    doc = json.loads(subprocess.run(ours[:1] + ["--json"] + ours[1:],
                                    capture_output=True, text=True).stdout)
    # nmap opens one connection per security protocol (5) and per cipher
    # (4) when its cipher enumeration runs
    with open(os.path.join(out, "enum-%s.json" % port), "w") as f:
        json.dump({"server": env, "rdpneg": t["rdpneg"], "nmap": t["nmap"],
                   "connections": doc["profile"]["connections"]}, f)
    rows.append((env, statistics.mean(t["rdpneg"]),
                 statistics.pstdev(t["rdpneg"]), statistics.mean(t["nmap"]),
                 statistics.pstdev(t["nmap"]), doc["profile"]["connections"]))

print("enumeration: rdpneg-probe --enumerate vs nmap rdp-enum-encryption "
      "(%d runs each, interleaved)" % runs)
print("load average %.2f %.2f %.2f at the start, %.2f %.2f %.2f at the end" %
      (load0 + os.getloadavg()))
# where the lab's xrdp writes its log (O_SYNC, one synchronous write per
# line at LogLevel=DEBUG): it sets xrdp's time per connection
logs = os.path.join(os.environ.get("LAB_RUN", "test/lab/run"), "xrdp",
                    "tls-valid", "xrdp.log")
if os.path.exists(logs):
    print("xrdp log: %s" % (os.path.realpath(logs) if os.path.islink(logs)
                             else logs + " (on disk: LAB_LOG_TMPFS empty)"))
print("%-24s %10s %8s %10s %8s %7s %6s" % ("server", "rdpneg_s", "sd", "nmap_s",
                                           "sd", "x nmap", "conns"))
for env, m, sd, nm, nsd, conns in rows:
    print("%-24s %10.3f %8.3f %10.3f %8.3f %7.1f %6d" % (env, m, sd, nm, nsd,
                                                        nm / m, conns))
if rows:
    worst = min(r[3] / r[1] for r in rows)
    print("lowest ratio %.1fx (target: at least 10x): %s" %
          (worst, "met" if worst >= 10 else "NOT met"))
PY
