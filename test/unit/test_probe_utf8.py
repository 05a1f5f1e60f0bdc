#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rdpneg-probe refuses credentials that are not UTF-8 as a usage error
(exit 3) before it connects (issue 12). TAP output.

Usage: test_probe_utf8.py PATH-TO-rdpneg-probe

A listening socket on loopback stands in for the server: after a refused
invocation no connection may be pending on it; the positive control (a
valid non-ASCII user) must connect."""
import os
import select
import socket
import subprocess
import sys

EXE = sys.argv[1]
n = 0
failed = 0


def result(ok, name, diag=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (n, name))
    if not ok:
        for line in diag.splitlines()[:8]:
            print("# " + line)


def listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    return s


def connected(s, wait):
    r, _, _ = select.select([s], [], [], wait)
    if not r:
        return False
    c, _ = s.accept()
    c.close()
    return True


def probe(s, user, domain=None, password=b"secret", extra=()):
    env = dict(os.environb)
    env[b"RDPNEG_TEST_PW"] = password
    args = [EXE.encode(), b"--timeout", b"300", b"--user", user,
            b"--password-env", b"RDPNEG_TEST_PW"]
    if domain is not None:
        args += [b"--domain", domain]
    args += list(extra)
    args.append(b"127.0.0.1:%d" % s.getsockname()[1])
    return subprocess.run(args, env=env, capture_output=True, timeout=60)


bad = [
    ("user with a stray continuation byte", dict(user=b"al\x80ice")),
    ("user with 0xFF", dict(user=b"\xff")),
    ("user with an overlong '/'", dict(user=b"a\xc0\xafb")),
    ("user with a UTF-16 surrogate", dict(user=b"\xed\xa0\x80x")),
    ("user cut in the middle of a character", dict(user=b"caf\xc3")),
    ("user above U+10FFFF", dict(user=b"\xf4\x90\x80\x80")),
    ("domain not UTF-8", dict(user=b"alice", domain=b"D\xe9OM")),
    ("password not UTF-8", dict(user=b"alice", password=b"p\xe4ss")),
]

# A Windows program gets its command line and environment in UTF-16: bytes
# that are not UTF-8 cannot reach it (wine turns them into U+FFFD, valid
# UTF-8 in the UTF-8 code page of rdpneg-probe.exe's manifest).
WINDOWS = os.environ.get("RDPNEG_TARGET_OS") == "windows"

for name, kw in bad:
    if WINDOWS:
        n += 1
        print("ok %d - %s # SKIP not representable in a Windows command "
              "line (UTF-16)" % (n, name))
        continue
    s = listener()
    try:
        r = probe(s, **kw)
        err = r.stderr.decode("utf-8", "replace")
        conn = connected(s, 0.2)
        result(r.returncode == 3 and "UTF-8" in err and not conn,
               name + ": usage error, exit 3, no connection",
               "exit %d, connected %s\n%s" % (r.returncode, conn, err))
    finally:
        s.close()

# positive control: well-formed UTF-8 names are fine, and the probe does
# connect (so the checks above would see a connection)
s = listener()
try:
    env = dict(os.environb)
    env[b"RDPNEG_TEST_PW"] = "pässwörd €".encode()
    p = subprocess.Popen([EXE.encode(), b"--timeout", b"300", b"--user",
                          "Jürgen 東京 \U0001F600".encode(), b"--domain",
                          "DÖMAIN".encode(), b"--password-env",
                          b"RDPNEG_TEST_PW",
                          b"127.0.0.1:%d" % s.getsockname()[1]],
                         env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    conn = connected(s, 10)
    _, err = p.communicate(timeout=60)
    result(conn and p.returncode != 3,
           "valid non-ASCII UTF-8 credentials: the probe connects",
           "exit %d, connected %s\n%s" % (p.returncode, conn,
                                          err.decode("utf-8", "replace")))
finally:
    s.close()

print("1..%d" % n)
sys.exit(1 if failed else 0)
