#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rdpneg-probe --json on Windows (under wine) against the Linux build (TAP).

Both probes run against the same lab servers (test/lab/lab.sh, ports from the
environment: `set -a; . test/lab/run/env; set +a`); the documents must agree
field by field and the exit codes must be equal. Removed before comparing,
because they change from one run to the next: every "ms" / "total_ms", the
server's NTLM time and the clock skew, and "N ms" inside texts. tcp.sys_error
is libuv's code, whose numbers differ by platform (UV_ECONNREFUSED is -111 on
Linux, -4078 on Windows): it and "system error N" in texts are compared by
the libuv name, the Windows numbers read from uv/errno.h of the libuv built.

  compare.py --linux PROBE --windows WRAPPER --uv-errno-h PATH/uv/errno.h
"""
import argparse
import errno
import json
import os
import re
import subprocess
import sys

VOLATILE_KEYS = {"ms", "total_ms", "start_ms", "t_ms", "messages", "messages_dropped", "server_time", "clock_skew_s"}
MS_IN_TEXT = re.compile(r"\b\d+(?:\.\d+)? ms\b")
SYS_ERROR_IN_TEXT = re.compile(r"system error (-?\d+)")


def windows_uv_errors(path):
    """{-4078: 'ECONNREFUSED', ...} from libuv's uv/errno.h (the _WIN32 values)."""
    names = {}
    with open(path) as f:
        for m in re.finditer(r"#\s*define UV__(E[A-Z0-9_]+)\s+\((-\d+)\)", f.read()):
            names[int(m.group(2))] = m.group(1)
    return names


def linux_uv_errors():
    # On Unix, libuv's UV_Exxx is -errno; the EAI_ codes are fixed (-3000..)
    return {-n: name for n, name in errno.errorcode.items()}


def normalise(doc, uv_names):
    def walk(o, key=None):
        if isinstance(o, dict):
            return {k: walk(v, k) for k, v in o.items() if k not in VOLATILE_KEYS}
        if isinstance(o, list):
            return [walk(v) for v in o]
        if key == "sys_error" and isinstance(o, int):
            return uv_names.get(o, o)
        if isinstance(o, str):
            o = SYS_ERROR_IN_TEXT.sub(
                lambda m: "system error " + uv_names.get(int(m.group(1)), m.group(1)), o)
            return MS_IN_TEXT.sub("<t> ms", o)
        return o
    return walk(doc)


def leaves(o, path=""):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from leaves(v, "%s.%s" % (path, k))
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from leaves(v, "%s[%d]" % (path, i))
    else:
        yield path, o


# an attempt's, or the document's own (the primary's, at the top level)
AFTER_CLOSE = re.compile(r"^(\.attempts\[\d+\])?\.(tls|x224)\.bytes_received$")
# the server's last message before it closes: (layer, status, its bytes)
CLOSING = {"alert": ("tls", "alert", 7), "refusal": ("x224", "failure", 19)}


def read_boundary(path, fl, fw, kinds=("alert",)):
    """A connection that ended with the server's fatal TLS alert ("alert")
    or its RDP_NEG_FAILURE ("refusal"): bytes the server sent right after
    it (xrdp: 9) are counted only when they came in the same read, which is
    timing. Allowed: either side counting more, the closing message itself
    counted by both."""
    m = AFTER_CLOSE.match(path)
    if not m:
        return False
    bl, bw = fl.get(path), fw.get(path)
    if not (isinstance(bl, int) and isinstance(bw, int)):
        return False
    for kind in kinds:
        layer, status, size = CLOSING[kind]
        st = "%s.%s.status" % (m.group(1) or "", layer)
        if fl.get(st) == fw.get(st) == status and min(bl, bw) >= size:
            return True
    return False


def differences(lin, win, lin_names, win_names):
    fl = dict(leaves(normalise(lin, lin_names)))
    fw = dict(leaves(normalise(win, win_names)))
    return ["%s: linux %r, windows %r" % (p, fl.get(p, "<absent>"), fw.get(p, "<absent>"))
            for p in sorted(set(fl) | set(fw))
            if fl.get(p, "<absent>") != fw.get(p, "<absent>")
            and not read_boundary(p, fl, fw)]


def run(cmd, env, timeout):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout after %d s" % timeout
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, "not JSON (exit %d): %s %s" % (
            p.returncode, p.stdout[:200], p.stderr[:200])


def cases():
    e = os.environ
    host = e.get("LAB_HOST", "127.0.0.1")
    ca = ["--ca-file", e.get("LAB_CA", "")]
    pw_env = e.get("LAB_SHADOW_PASSWORD_ENV", "LAB_SHADOW_PASSWORD")
    cred = ["--user", e.get("LAB_SHADOW_USER", ""), "--domain",
            e.get("LAB_SHADOW_DOMAIN", ""), "--password-env", pw_env]
    out = [
        ("xrdp TLS, trusted certificate", "LAB_XRDP_TLS_VALID", ca),
        ("xrdp TLS, --tls-versions", "LAB_XRDP_TLS_VALID", ca + ["--tls-versions"]),
        ("xrdp TLS, expired certificate", "LAB_XRDP_TLS_EXPIRED", ca),
        ("xrdp TLS 1.0 only", "LAB_XRDP_TLS_TLS1ONLY", ca),
        ("xrdp negotiate, no certificate", "LAB_XRDP_NEG_NOCERT", []),
        ("xrdp standard RDP security", "LAB_XRDP_RDP", ["--protocols", "ssl"]),
        ("shadow NLA, no credentials", "LAB_SHADOW_NLA", ca),
        ("shadow NLA, right credentials", "LAB_SHADOW_NLA", ca + cred),
        ("shadow NLA, wrong password", "LAB_SHADOW_NLA",
         ca + cred[:-1] + ["RDPNEG_COMPARE_WRONG_PW"]),
        ("shadow NLA, SSL only requested", "LAB_SHADOW_NLA", ["--protocols", "ssl"]),
        ("closed port, --reported 0x904/0x7", "LAB_CLOSED_PORT",
         ["--reported", "0x904/0x7"]),
        ("silent responder", "LAB_RESP_SILENT", ["--timeout", "1500"]),
        ("reset after the Connection Request", "LAB_RESP_RESET_AFTER_CR", []),
        ("garbage TPKT", "LAB_RESP_GARBAGE_TPKT", []),
        ("HTTP banner", "LAB_RESP_BANNER", []),
    ]
    todo = [(name, "%s:%s" % (host, e[var]), args, None)
            for name, var, args in out if var in e]
    todo.append(("name that does not resolve", "rdpneg-none.invalid:3389", [], None))
    if e.get("LAB_NETNS") == "1":
        ip, ns = e["LAB_NS_SERVER_IP"], e["LAB_NS_CLIENT"]
        for name, var in (("netns: SYN dropped", "LAB_NS_DROP_PORT"),
                          ("netns: ICMP unreachable", "LAB_NS_ICMP_PORT"),
                          ("netns: RST from the firewall", "LAB_NS_RST_PORT")):
            todo.append((name, "%s:%s" % (ip, e[var]), ["--timeout", "1500"], ns))
    return todo


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--linux", required=True, help="Linux rdpneg-probe")
    ap.add_argument("--windows", required=True,
                    help="command running rdpneg-probe.exe under wine")
    ap.add_argument("--uv-errno-h", required=True)
    ap.add_argument("--timeout", type=int, default=120)
    a = ap.parse_args()
    if "LAB_XRDP_TLS_VALID" not in os.environ:
        print("1..0 # SKIP lab not running (no LAB_* ports in the environment)")
        return 0
    win_names = windows_uv_errors(a.uv_errno_h)
    if not win_names:
        print("Bail out! no UV__E* values in %s" % a.uv_errno_h)
        return 1
    lin_names = linux_uv_errors()
    env = dict(os.environ)
    env["RDPNEG_COMPARE_WRONG_PW"] = "not-the-password"
    n = failed = 0
    docs = {}
    for name, target, args, netns in cases():
        n += 1
        pre = ["ip", "netns", "exec", netns] if netns else []
        rc_l, lin = run(pre + [a.linux, "--json"] + args + [target], env, a.timeout)
        rc_w, win = run(pre + [a.windows, "--json"] + args + [target], env, a.timeout)
        if isinstance(lin, str) or isinstance(win, str):
            problems = ["%s: %s" % (k, v) for k, v in (("linux", lin), ("windows", win))
                        if isinstance(v, str)]
        else:
            docs[name] = (lin, win)
            problems = differences(lin, win, lin_names, win_names)
            if rc_l != rc_w:
                problems.append("exit code: linux %s, windows %s" % (rc_l, rc_w))
        if problems:
            failed += 1
            print("not ok %d - %s (%s)" % (n, name, target))
            for p in problems[:20]:
                print("#   " + p)
        else:
            print("ok %d - %s (%s): %d fields equal, exit %s, verdict %s" % (
                n, name, target, len(list(leaves(normalise(lin, lin_names)))),
                rc_l, lin.get("verdict")))
    # control: two different documents must not compare equal
    a_doc, b_doc = (docs.get("shadow NLA, no credentials"),
                    docs.get("shadow NLA, SSL only requested"))
    if a_doc and b_doc:
        n += 1
        d = differences(a_doc[0], b_doc[1], lin_names, win_names)
        if d:
            print("ok %d - control: NLA vs SSL-only documents differ in %d fields" % (n, len(d)))
        else:
            failed += 1
            print("not ok %d - control: NLA vs SSL-only documents compare equal" % n)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
