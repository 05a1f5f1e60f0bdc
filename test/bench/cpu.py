#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Whole-process CPU per NLA probe: rdpneg-probe against the other tools.

    cpu.py --probe PATH --impacket PATH --home DIR [--rounds 15] [--json F]
           [--probe-static PATH] [--variant NAME=PATH]...

Against the lab's FreeRDP shadow server with NLA (LAB_SHADOW_NLA; the lab's
env file must be in the environment), runs every tool once per round, the
tools one after the other within a round, so that a change of load on the
machine hits them all alike. Each process's CPU is its own user + system
time from wait4() (what /usr/bin/time and hyperfine report), and every run
is checked (exit code or output) so a tool that failed does not count as
fast. Prints the median per tool over the rounds (after one warm-up round)
and the ratios to rdpneg-probe without and with credentials, against the
project's targets (nmap rdp-ntlm-info >= 40x, impacket rdp_check and
xfreerdp +auth-only >= 60x). /bin/true and `rdpneg-probe --version` are
there to show what starting any process, and this one, costs; with
--probe-static, the same probe linked statically (librdpneg and mbedTLS
from .a archives, libuv and libc shared) shows what the loader costs.
Each --variant NAME=PATH adds the same three rows for another build of
rdpneg-probe, e.g. "everest" (linked with mbedTLS built with Everest's
X25519, scripts/mbedtls-everest.sh), with its own target lines.
"""

import argparse
import json
import os
import statistics
import subprocess
import time

TARGETS = {"nmap rdp-ntlm-info": 40, "impacket rdp_check": 60,
           "xfreerdp +auth-only": 60}


def tools(a):
    e = os.environ
    port = e["LAB_SHADOW_NLA"]
    user = e.get("LAB_SHADOW_USER", "labuser")
    pw = e["LAB_SHADOW_PASSWORD"]
    tgt = "127.0.0.1:" + port
    env_pw = dict(e, BENCH_PW=pw)
    return [
        # name, what it does, argv, env, check
        ("/bin/true", "exec floor: any process on this machine",
         ["/bin/true"], None, "rc0"),
        ("rdpneg-probe --version", "start-up only (loader, 6 shared libs)",
         [a.probe, "--version"], None, "rc0"),
        ("rdpneg-probe", "NTLM CHALLENGE, raw NTLM, 1 connection",
         [a.probe, tgt], None, "out:NTLM CHALLENGE"),
        ("rdpneg-probe --user", "credential check, 1 connection",
         [a.probe, "--user", user, "--password-env", "BENCH_PW", tgt],
         env_pw, "out:credentials accepted"),
    ] + ([
        ("rdpneg-probe --version (static)", "start-up only, static build",
         [a.probe_static, "--version"], None, "rc0"),
        ("rdpneg-probe (static)", "NTLM CHALLENGE, static build",
         [a.probe_static, tgt], None, "out:NTLM CHALLENGE"),
        ("rdpneg-probe --user (static)", "credential check, static build",
         [a.probe_static, "--user", user, "--password-env", "BENCH_PW", tgt],
         env_pw, "out:credentials accepted"),
    ] if a.probe_static else []) + [
        row for name, path in a.variants for row in (
            ("rdpneg-probe --version (%s)" % name, "start-up only, %s build"
             % name, [path, "--version"], None, "rc0"),
            ("rdpneg-probe (%s)" % name, "NTLM CHALLENGE, %s build" % name,
             [path, tgt], None, "out:NTLM CHALLENGE"),
            ("rdpneg-probe --user (%s)" % name,
             "credential check, %s build" % name,
             [path, "--user", user, "--password-env", "BENCH_PW", tgt],
             env_pw, "out:credentials accepted"))
    ] + [
        ("rdpneg-probe --spnego",
         "as mstsc: SPNEGO refused, raw NTLM retry, 2 connections",
         [a.probe, "--spnego", tgt], None, "out:NTLM CHALLENGE"),
        ("nmap rdp-ntlm-info", "NTLM CHALLENGE (nmap + Lua NSE)",
         ["nmap", "-n", "-Pn", "-p", port, "--script", "+rdp-ntlm-info",
          "127.0.0.1"], None, "out:Product_Version"),
        ("impacket rdp_check", "credential check (Python)",
         ["/usr/bin/python3", a.impacket, "%s:%s@127.0.0.1" % (user, pw)],
         dict(e, RDP_PORT=port), "out:Access Granted"),
        ("xfreerdp +auth-only", "credential check (FreeRDP client)",
         ["xfreerdp", "+auth-only", "/cert:ignore", "/u:" + user,
          "/p:" + pw, "/v:" + tgt],
         dict(e, DISPLAY=e.get("LAB_DISPLAY", ":99"), HOME=a.home), "rc0"),
    ]


def run_once(argv, env, check):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    ok = (p.returncode == 0 if check == "rc0"
          else check[4:].encode() in out)
    return (ru.ru_utime + ru.ru_stime) * 1000.0, ru.ru_utime * 1000.0, \
        ru.ru_stime * 1000.0, wall * 1000.0, ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--probe", required=True)
    p.add_argument("--impacket", required=True)
    p.add_argument("--home", required=True)
    p.add_argument("--probe-static")
    p.add_argument("--variant", action="append", default=[],
                   metavar="NAME=PATH",
                   help="another build of rdpneg-probe (repeatable)")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--json")
    a = p.parse_args()
    a.variants = [tuple(v.split("=", 1)) for v in a.variant]
    if any(len(v) != 2 or not v[0] or not v[1] for v in a.variants):
        p.error("--variant takes NAME=PATH")
    ts = tools(a)
    res = {t[0]: [] for t in ts}
    for rnd in range(a.rounds + 1):
        for name, _, argv, env, check in ts:
            r = run_once(argv, env, check)
            if rnd:  # round 0 warms caches up
                res[name].append(r)
    rows = {}
    for name, what, *_ in ts:
        rs = res[name]
        rows[name] = {
            "does": what,
            "cpu_ms": statistics.median(r[0] for r in rs),
            "cpu_ms_mean": statistics.mean(r[0] for r in rs),
            "user_ms": statistics.median(r[1] for r in rs),
            "sys_ms": statistics.median(r[2] for r in rs),
            "wall_ms": statistics.median(r[3] for r in rs),
            "ok": sum(r[4] for r in rs), "runs": len(rs),
        }
    base = rows["rdpneg-probe"]["cpu_ms"]
    cred = rows["rdpneg-probe --user"]["cpu_ms"]
    print("%-38s %-56s %7s %6s %6s %7s %7s %7s %6s" % (
        "tool", "does", "cpu_ms", "user", "sys", "wall_ms", "x probe",
        "x creds", "ok"))
    for name, r in rows.items():
        print("%-38s %-56s %7.2f %6.2f %6.2f %7.1f %7.1f %7.1f %3d/%-2d" % (
            name, r["does"], r["cpu_ms"], r["user_ms"], r["sys_ms"],
            r["wall_ms"], r["cpu_ms"] / base, r["cpu_ms"] / cred, r["ok"],
            r["runs"]))
    print("medians over %d interleaved rounds; cpu = user + sys of the "
          "process (wait4; the kernel splits it into user and sys by "
          "sampling, the sum is exact)" % a.rounds)
    verdict = {}
    for sfx in ["", " (static)"] + [" (%s)" % n for n, _ in a.variants]:
        if "rdpneg-probe" + sfx not in rows:
            continue
        b = rows["rdpneg-probe" + sfx]["cpu_ms"]
        c = rows["rdpneg-probe --user" + sfx]["cpu_ms"]
        print("targets (issue 9): the tool's CPU / rdpneg-probe%s's:" % sfx)
        for name, target in TARGETS.items():
            x, y = rows[name]["cpu_ms"] / b, rows[name]["cpu_ms"] / c
            verdict[name + sfx] = {"x_probe": x, "x_creds": y,
                                   "target": target}
            print("  %-20s %5.1fx (target %dx: %s); with --user %5.1fx "
                  "(%s)" % (name, x, target,
                            "met" if x >= target else "NOT met", y,
                            "met" if y >= target else "NOT met"))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rounds": a.rounds, "rows": rows, "targets": verdict},
                      f, indent=1)


if __name__ == "__main__":
    main()
