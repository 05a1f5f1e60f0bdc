#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Wall time of rdpneg-probe through a delay relay, in round trips.

    rtt.py --probe PATH --target HOST:PORT --min-rtt N [--name NAME]
           [--runs 10] [--delay-ms 25] [--json OUT] [--header]
           [-- PROBE-ARGS...]

Starts delayrelay.py in front of the target (one-way delay D, RTT = 2D),
runs `PROBE --json PROBE-ARGS 127.0.0.1:RELAYPORT` RUNS times (after one
warm-up run), stops the relay (by its PID) and prints one row of medians
over the runs, times in RTTs:
  conns    connections one probe made
  wall     the process, exec to exit
  json     the probe's own total_ms
  span     the relay's view of the probe: from the accept of its first
           connection to the client's FIN on its last (the modelled TCP
           handshake included, process start-up and exit not)
  server   ms the server spent answering (from the relay's delivery of a
           request to its read of the answer), which no client can save
  net      span minus server: round trips plus the client's and the
           relay's own time
  rt       round trips counted by the relay: client flights the server
           answered before the client's FIN, plus TCP's handshake
  min      the protocol minimum N; excess = net - min
  client   ms the client spent before each of its flights (CPU, and
           waiting for it on a loaded machine), included in net
  late     ms the relay delivered late on the critical path (a loaded
           machine wakes it late), included in net; -late = excess
           without it
then the JSON phases in RTTs, and the flights of the first run's last
connection (direction, bytes, when the relay read them): an extra round
trip shows there as one more c2s/s2c pair or a gap.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import delayrelay  # noqa: E402


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    p = argparse.ArgumentParser()
    p.add_argument("--probe", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--min-rtt", type=float, required=True)
    p.add_argument("--name", default="")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--delay-ms", type=float, default=25.0)
    p.add_argument("--json")
    p.add_argument("--header", action="store_true",
                   help="print the column names first")
    a = p.parse_args(argv)
    rtt = 2 * a.delay_ms

    logf = tempfile.NamedTemporaryFile(prefix="delayrelay-", suffix=".log",
                                       delete=False)
    logf.close()
    relay = subprocess.Popen(
        [sys.executable, os.path.join(os.path.dirname(__file__),
                                      "delayrelay.py"),
         "--target", a.target, "--delay-ms", str(a.delay_ms),
         "--log", logf.name], stdout=subprocess.PIPE, text=True)
    runs = []
    try:
        port = int(relay.stdout.readline())
        for i in range(a.runs + 1):
            w0 = time.time()
            t0 = time.monotonic()
            r = subprocess.run([a.probe, "--json"] + extra +
                               ["127.0.0.1:%d" % port],
                               stdout=subprocess.PIPE, text=True)
            wall = (time.monotonic() - t0) * 1000.0
            w1 = time.time()
            if i == 0:
                continue  # warm-up
            doc = json.loads(r.stdout)
            runs.append({"w0": w0, "w1": w1, "wall_ms": wall,
                         "exit": r.returncode, "doc": doc})
    finally:
        relay.terminate()  # the relay we started, by its PID
        relay.wait(timeout=10)

    events = [json.loads(line) for line in open(logf.name)]
    os.unlink(logf.name)
    accepts = {e["conn"]: e["wall"] for e in events if e["ev"] == "accept"}
    per_conn = {c["conn"]: c for c in delayrelay.analyze(events)}
    rows = []
    for r in runs:
        mine = sorted((w, c) for c, w in accepts.items()
                      if r["w0"] <= w <= r["w1"] and c in per_conn)
        conns = [per_conn[c] for _, c in mine]
        doc = r["doc"]
        # the relay's view of the probe: from the first accept to the
        # client's FIN on the last connection
        span = ((mine[-1][0] - mine[0][0]) * 1000.0 +
                conns[-1]["client_end"]) if conns else float("nan")
        server = sum(c["server_ms"] for c in conns)
        rows.append({
            "wall_ms": r["wall_ms"], "total_ms": doc["total_ms"],
            "span_ms": span, "server_ms": server,
            "late_ms": sum(c["late_ms"] for c in conns),
            "client_ms": sum(c["client_ms"] for c in conns),
            "net_ms": span - server, "connections": len(conns),
            "round_trips": sum(c["round_trips"] for c in conns),
            "verdict": doc.get("verdict"), "exit": r["exit"],
            "phases": {ph["name"]: ph["ms"] for ph in doc["phases"]
                       if ph["status"] != "skipped"},
            "flights": conns[-1]["flights"] if conns else [],
            "client_end": conns[-1]["client_end"] if conns else None,
        })

    def med(k):
        return statistics.median(x[k] for x in rows)

    res = {
        "name": a.name, "target": a.target, "rtt_ms": rtt,
        "min_rtt": a.min_rtt, "runs": len(rows),
        "connections": med("connections"),
        "verdicts": sorted({x["verdict"] for x in rows}),
        "wall_rtt": med("wall_ms") / rtt, "total_rtt": med("total_ms") / rtt,
        "span_rtt": med("span_ms") / rtt, "server_ms": med("server_ms"),
        "net_rtt": med("net_ms") / rtt, "relay_late_ms": med("late_ms"),
        "client_ms": med("client_ms"), "round_trips": med("round_trips"),
        "phases_rtt": {k: statistics.median(x["phases"].get(k, 0)
                                            for x in rows) / rtt
                       for k in rows[0]["phases"]},
        "flights": rows[0]["flights"], "client_end": rows[0]["client_end"],
        "rows": rows,
    }
    res["excess_rtt"] = res["net_rtt"] - a.min_rtt
    res["excess_less_relay_rtt"] = res["excess_rtt"] - res[
        "relay_late_ms"] / rtt
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    if a.header:
        print("%-22s %5s %3s %5s %5s %5s %6s %5s %4s %6s %6s %6s %6s  %s" % (
            "RTT = %g ms" % rtt, "conns", "rt", "wall", "json", "span",
            "server", "net", "min", "excess", "client", "late", "-late",
            "verdict"))
    print("%-22s %5g %3g %5.2f %5.2f %5.2f %6.1f %5.2f %4g %+6.2f %6.1f %6.1f"
          " %+6.2f  %s"
          % (a.name, res["connections"], res["round_trips"], res["wall_rtt"],
             res["total_rtt"], res["span_rtt"], res["server_ms"],
             res["net_rtt"], a.min_rtt, res["excess_rtt"], res["client_ms"],
             res["relay_late_ms"], res["excess_less_relay_rtt"],
             "/".join(res["verdicts"])))
    print("%-22s phases (RTT, JSON): %s" % ("", "  ".join(
        "%s %.2f" % kv for kv in res["phases_rtt"].items())))
    # the first run's last connection: direction, bytes and when the relay
    # read it (ms since accept); "~" marks what came after the client's FIN
    print("%-22s flights (B@ms): %s" % ("", " ".join(
        "%s%s:%d@%.0f" % ("~" if f[2] >= res["client_end"] else "", f[0],
                          f[1], f[2]) for f in res["flights"])))


if __name__ == "__main__":
    main()
