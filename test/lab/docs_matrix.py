#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Probe the whole lab matrix and save the rdpneg.probe/1 documents, or
compare two such sets field by field (timings aside).

  docs_matrix.py collect OUTDIR [--probe PATH]   (needs test/lab/run/env)
  docs_matrix.py compare DIR_A DIR_B
  docs_matrix.py evidence DIR [--probe PATH]     (no network)

"evidence" diagnoses every raw document of a collection again with
`rdpneg-probe --evidence` (and the --reported code the probe had) and checks
that the result equals the live probe's document, diagnosis included.

Used to show that a refactoring changes no document: collect with the old
build, collect with the new one, compare. Exit 0 when equal."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
# rdpneg-probe runs (a run wine left without any output is said and run
# once more under the Windows suite)
from taprunner import run_probe  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Fields that vary from run to run (times), dropped before comparing.
VOLATILE = {"ms", "total_ms", "start_ms", "t_ms", "messages", "messages_dropped", "server_time", "clock_skew_s", "library"}
PROTOCOL_SETS = [None, "ssl", "rdp", "none", "hybrid", "ssl,hybrid"]
# servers also probed with --enumerate (a profile, MCS evidence)
ENUMERATED = {"tls-valid", "rdp", "neg-valid", "neg-nocert", "tls-nocert",
              "tls-tls13only", "neg-rsa1024", "shadow-nla", "shadow-tls",
              "shadow-rdp", "closed", "garbage-tpkt", "reset-after-cr"}


def load_env():
    env = {}
    path = os.path.join(ROOT, "test/lab/run/env")
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k] = v.strip("'")
    return env


def instances():
    for line in open(os.path.join(ROOT, "test/lab/run/instances")):
        f = line.split()
        if len(f) >= 4 and f[0] in ("xrdp", "shadow", "resp", "closed"):
            yield f[1], f[2], int(f[3])


def cases(env):
    for name, host, port in instances():
        for protos in PROTOCOL_SETS:
            yield name, host, port, protos, None, []
        if name in ("tls-valid", "shadow-tls"):
            yield name, host, port, None, "tlsv", ["--tls-versions"]
        if name == "neg-valid":
            yield name, host, port, None, "reported", ["--reported", "0x904/0x7"]
        if name in ENUMERATED:
            yield name, host, port, None, "enumerate", ["--enumerate"]
    u, d = env.get("LAB_SHADOW_USER"), env.get("LAB_SHADOW_DOMAIN")
    for name, host, port in instances():
        if name == "shadow-nla":
            creds = ["--user", u, "--domain", d, "--password-env", "LAB_SHADOW_PASSWORD"]
            yield name, host, port, None, "creds", creds
            yield name, host, port, None, "badcreds", ["--user", u, "--password-env", "BAD_PW"]
            yield name, host, port, None, "rawntlm", ["--raw-ntlm"]
            yield name, host, port, None, "reported", ["--reported", "0x904/0x7"]


def scrub(x):
    if isinstance(x, dict):
        return {k: scrub(v) for k, v in x.items() if k not in VOLATILE}
    if isinstance(x, list):
        return [scrub(v) for v in x]
    if isinstance(x, str):  # times inside sentences: "after 1002 ms"
        return re.sub(r"\d+(\.\d+)? ms", "# ms", x)
    return x


def collect(outdir, probe):
    env = load_env()
    os.makedirs(outdir, exist_ok=True)
    penv = dict(os.environ, LAB_SHADOW_PASSWORD=env.get("LAB_SHADOW_PASSWORD", ""),
                BAD_PW="wrong-password")
    n = 0
    for name, host, port, protos, tag, extra in cases(env):
        args = [probe, "--json", "--timeout", "1000", "--ca-file", env["LAB_CA"]] + extra
        if protos:
            args += ["--protocols", protos]
        args.append("%s:%d" % (host, port))
        p = run_probe(args, env=penv, timeout=60)
        key = "%s__%s" % (name, tag or (protos or "default").replace(",", "+"))
        os.makedirs(os.path.join(outdir, "raw"), exist_ok=True)
        with open(os.path.join(outdir, "raw", key + ".json"), "w") as f:
            f.write(p.stdout)
        rep = extra[extra.index("--reported"):][:2] if "--reported" in extra else []
        with open(os.path.join(outdir, "raw", key + ".args"), "w") as f:
            json.dump({"args": rep, "exit": p.returncode}, f)
        try:
            doc = scrub(json.loads(p.stdout))
        except ValueError:
            doc = {"unparsable": p.stdout[:200], "stderr": p.stderr[:200]}
        doc["_exit"] = p.returncode
        with open(os.path.join(outdir, key + ".json"), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
        n += 1
    print("collected %d documents into %s" % (n, outdir))


def diff(a, b, path, out):
    if type(a) != type(b):
        out.append("%s: %r != %r" % (path, a, b))
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append("%s.%s: only in B" % (path, k))
            elif k not in b:
                out.append("%s.%s: only in A" % (path, k))
            else:
                diff(a[k], b[k], path + "." + k, out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append("%s: %d items != %d" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, "%s[%d]" % (path, i), out)
    elif a != b:
        out.append("%s: %r != %r" % (path, a, b))


def compare(da, db, ignore):
    names = sorted(set(os.listdir(da)) | set(os.listdir(db)))
    bad = 0
    added = set()
    for n in names:
        pa, pb = os.path.join(da, n), os.path.join(db, n)
        if not (os.path.exists(pa) and os.path.exists(pb)):
            print("MISSING %s" % n)
            bad += 1
            continue
        a, b = scrub(json.load(open(pa))), scrub(json.load(open(pb)))
        for k in ignore:
            a.pop(k, None)
            b.pop(k, None)
        out = []
        diff(a, b, "", out)
        # the contract only grows: members new in B are listed, not failures
        for line in out:
            if line.endswith(": only in B"):
                added.add(re.sub(r"\[\d+\]", "[]", line[: -len(": only in B")]))
        out = [l for l in out if not l.endswith(": only in B")]
        if out:
            bad += 1
            print("DIFF %s\n  %s" % (n, "\n  ".join(out[:12])))
    if added:
        print("members added in B: %s" % ", ".join(sorted(added)))
    print("%d documents, %d differ" % (len(names), bad))
    return 1 if bad else 0


def evidence(d, probe):
    raw = os.path.join(d, "raw")
    bad = n = 0
    for fn in sorted(os.listdir(raw)):
        if not fn.endswith(".json"):
            continue
        n += 1
        meta = json.load(open(os.path.join(raw, fn[:-5] + ".args")))
        cmd = [probe, "--json", "--evidence", os.path.join(raw, fn)] + meta["args"]
        p = run_probe(cmd, timeout=30)
        try:
            live = json.load(open(os.path.join(raw, fn)))
        except ValueError:
            print("FAIL %s: the collected document is not JSON" % fn)
            bad += 1
            continue
        try:
            again = json.loads(p.stdout)
        except ValueError:
            print("FAIL %s: exit %d: %s" % (fn, p.returncode, p.stderr.strip()))
            bad += 1
            continue
        out = []
        diff(live, again, "", out)
        if p.returncode != meta["exit"]:
            out.append("exit %d != %d" % (p.returncode, meta["exit"]))
        if out:
            bad += 1
            print("DIFF %s\n  %s" % (fn, "\n  ".join(out[:8])))
    print("%d documents diagnosed again from the saved evidence, %d differ" % (n, bad))
    return 1 if bad or not n else 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "collect":
        probe = os.path.join(ROOT, "build/examples/rdpneg-probe")
        if "--probe" in sys.argv:
            probe = sys.argv[sys.argv.index("--probe") + 1]
        collect(sys.argv[2], probe)
    elif len(sys.argv) >= 4 and sys.argv[1] == "compare":
        ign = sys.argv[sys.argv.index("--ignore") + 1].split(",") if "--ignore" in sys.argv else []
        sys.exit(compare(sys.argv[2], sys.argv[3], ign))
    elif len(sys.argv) >= 3 and sys.argv[1] == "evidence":
        probe = os.path.join(ROOT, "build/examples/rdpneg-probe")
        if "--probe" in sys.argv:
            probe = sys.argv[sys.argv.index("--probe") + 1]
        sys.exit(evidence(sys.argv[2], probe))
    else:
        print(__doc__)
        sys.exit(2)
