#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The fast configuration answers as the system build does (TAP).

    test_everest.py --system PROBE --everest PROBE

PROBE are two builds of rdpneg-probe: one linked with Debian's libmbedtls,
one with mbedTLS built from Debian's source with Everest's verified X25519
(-Dmbedtls_everest, scripts/mbedtls-everest.sh). Against the lab's FreeRDP
shadow NLA (without and with credentials) and xrdp TLS (ports from the lab's
env file in the environment) both --json documents must agree field by
field, timings aside (every "ms", "t_ms", "total_ms", "start_ms", the
message ladder, the server's NTLM time and clock skew, "N ms" in texts), and
the exit codes must be equal, and so must the TLS handshake records (direction,
type, size). Then: the TLS key exchange was X25519 in both
(the ClientKeyExchange record is 42 bytes: 5 record + 4 handshake + 1 + a
32-byte X25519 point; a P-256 point makes it 75), and, with valgrind, the
Everest probe's X25519 ran in Everest (Hacl_Curve25519_crypto_scalarmult,
not mbedTLS's generic Montgomery ladder ecp_mul_mxz) and a whole NLA probe
took fewer than 8M instructions (callgrind; Debian's build: ~20M).

--static: the fast probe has no program interpreter (a static PIE with
glibc, a static executable with musl). --musl: it is a musl build, which
carries its own allocator (examples/probe_malloc.c): a stress program built
with musl-gcc around the same file must pass (probe_malloc_stress.c).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# the document comparison of the Windows suite (timings and the message log
# aside): normalise() with no error-name map, leaves(), read_boundary()
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "windows"))
from compare import leaves, normalise, read_boundary  # noqa: E402

X25519_CKE_BYTES = 42
MAX_INSTRUCTIONS = 8_000_000

n = 0
failed = 0


def ok(cond, what, diag=None):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what))
    if not cond:
        failed += 1
        for line in (diag or "").splitlines():
            print("# " + line)


def probe(exe, args, env):
    p = subprocess.run([exe, "--json"] + args, env=env, capture_output=True,
                       timeout=60)
    return p.returncode, json.loads(p.stdout)


def tls_ladder(doc):
    """(direction, name, bytes) of every TLS handshake record of every
    attempt: the same configuration sends the same ClientHello and gets the
    same flights (alerts and what follows the verdict are timing)."""
    return [(m["dir"], m["name"], m["bytes"]) for a in doc.get("attempts", [])
            for m in a.get("messages", [])
            if m["name"].startswith("TLS ") and "Alert" not in m["name"]]


def cke_bytes(doc):
    """Sizes of the ClientKeyExchange records of every attempt."""
    return [m["bytes"] for a in doc.get("attempts", [])
            for m in a.get("messages", []) if m["name"] == "TLS ClientKeyExchange"]


def elf_kind(path):
    """(e_type, has PT_INTERP) of a 64-bit little-endian ELF file: a static
    PIE is ET_DYN (3) without a program interpreter (no dynamic loader)."""
    import struct
    with open(path, "rb") as f:
        h = f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2 or h[5] != 1:
            return None, None
        e_type, = struct.unpack_from("<H", h, 16)
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    interp = any(struct.unpack_from("<I", ph, i * phentsize)[0] == 3
                 for i in range(phnum))
    return e_type, interp


def stress_allocator():
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.join(here, "..", "..", "examples", "probe_malloc.c")
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "stress")
        b = subprocess.run(["musl-gcc", "-O2", "-Wall", "-Wextra", "-Werror",
                            "-static", "-o", exe,
                            os.path.join(here, "probe_malloc_stress.c"), src,
                            "-lpthread"], capture_output=True, text=True)
        r = (subprocess.run([exe], capture_output=True, text=True, timeout=120)
             if b.returncode == 0 else None)
        ok(r is not None and r.returncode == 0 and r.stdout.strip() == "ok",
           "the musl probe's allocator (probe_malloc.c) under 2 threads x "
           "50000 random malloc/calloc/realloc/free/aligned_alloc: %s" % (
               "built and ran: " + r.stdout.strip() if r else "did not build"),
           b.stderr[-800:] + (r.stderr[-800:] if r else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--system", required=True)
    ap.add_argument("--everest", required=True)
    ap.add_argument("--static", action="store_true",
                    help="the Everest probe must be a static executable "
                    "(-Dstatic_cli=true)")
    ap.add_argument("--musl", action="store_true",
                    help="the Everest probe is a musl build: stress its "
                    "allocator too")
    a = ap.parse_args()
    e = os.environ
    env = dict(e, BENCH_PW=e["LAB_SHADOW_PASSWORD"])
    user = e.get("LAB_SHADOW_USER", "labuser")
    cases = [
        ("shadow NLA", ["127.0.0.1:" + e["LAB_SHADOW_NLA"]]),
        ("shadow NLA with credentials",
         ["--user", user, "--password-env", "BENCH_PW",
          "127.0.0.1:" + e["LAB_SHADOW_NLA"]]),
        ("xrdp TLS", ["127.0.0.1:" + e["LAB_XRDP_TLS_VALID"]]),
        ("xrdp TLS enumeration",
         ["--enumerate", "127.0.0.1:" + e["LAB_XRDP_TLS_VALID"]]),
    ]
    print("1..%d" % (2 * len(cases) + (2 if shutil.which("valgrind") else 1)
                     + (1 if a.static else 0) + (1 if a.musl else 0)))
    if a.static:
        kind, interp = elf_kind(a.everest)
        want = 2 if a.musl else 3
        ok(kind == want and not interp,
           "the fast probe is a static %s executable (ELF type %s, "
           "PT_INTERP %s)" % ("musl" if a.musl else "PIE", kind, interp),
           "expected ELF type %d (%s) without a program interpreter" % (
               want, "ET_EXEC" if a.musl else "ET_DYN, position-independent"))
    if a.musl:
        stress_allocator()
    for name, args in cases:
        rs, ds = probe(a.system, args, env)
        rv, dv = probe(a.everest, args, env)
        ls, lv = dict(leaves(normalise(ds, {}))), dict(leaves(normalise(dv, {})))
        diff = [(p, ls.get(p, "<missing>"), lv.get(p, "<missing>"))
                for p in sorted(set(ls) | set(lv))
                if ls.get(p, "<missing>") != lv.get(p, "<missing>")
                # xrdp's bytes after its refusal or its TLS alert: timing
                # (28 against 19 seen after a refusal, 16 against 7 after
                # the alert to an enumeration's TLS 1.0-1.1 connection)
                and not read_boundary(p, ls, lv, kinds=("refusal", "alert"))]
        ok(rs == rv and not diff and ds["tls"]["status"] == "ok",
           "%s: same document and exit code (%d), TLS %s, verdict %s" % (
               name, rs, ds["tls"]["status"], ds["verdict"]),
           "exit %d vs %d\n" % (rs, rv) + "\n".join(
               "%s: system %r, everest %r" % d for d in diff[:20]))
        cs, cv = cke_bytes(ds), cke_bytes(dv)
        ts, tv = tls_ladder(ds), tls_ladder(dv)
        ok(cs and cv and set(cs + cv) == {X25519_CKE_BYTES} and ts == tv,
           "%s: X25519 key exchange in both (ClientKeyExchange %s / %s "
           "bytes), the same %d TLS handshake records" % (name, cs, cv,
                                                          len(ts)),
           "expected %d-byte ClientKeyExchange records\nsystem:  %s\n"
           "everest: %s" % (X25519_CKE_BYTES, ts, tv))
    if not shutil.which("valgrind"):
        print("ok %d # SKIP valgrind not installed (callgrind check)" % (n + 1))
        return 1 if failed else 0
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        p = subprocess.run(["valgrind", "--tool=callgrind",
                            "--callgrind-out-file=" + out, a.everest,
                            "127.0.0.1:" + e["LAB_SHADOW_NLA"]], env=env,
                           capture_output=True, text=True, timeout=120)
        m = re.search(r"Collected : (\d+)", p.stderr)
        ins = int(m.group(1)) if m else None
        ok(p.returncode == 0 and "NTLM CHALLENGE" in p.stdout and ins
           and ins < MAX_INSTRUCTIONS,
           "Everest probe, shadow NLA under callgrind: %s instructions "
           "(fewer than %d)" % (ins, MAX_INSTRUCTIONS),
           p.stdout[-400:] + p.stderr[-400:])
        prof = open(out, errors="replace").read()
        hacl = "Hacl_Curve25519_crypto_scalarmult" in prof
        generic = "ecp_mul_mxz" in prof
        ok(hacl and not generic,
           "X25519 computed by Everest (Hacl_Curve25519_crypto_scalarmult "
           "ran: %s; mbedTLS's generic ecp_mul_mxz ran: %s)" % (hacl, generic))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
