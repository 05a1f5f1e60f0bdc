#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Smoke checks for the librdpneg test lab (Python standard library only).

  labcheck.py smoke RUN_DIR          check every instance listed in RUN_DIR/instances
  labcheck.py probe HOST PORT [MASK] [TIMEOUT]
                                     one X.224 Connection Request, print the answer

smoke sends one X.224 Connection Request with requestedProtocols=3 to every
xrdp / shadow instance and compares the decoded Connection Confirm with the
matrix in shared/reference/real-peers.md; it exercises every scripted responder
mode, the closed port and (from namespace rdpc) the namespace fault ports.
Exit status 0 when everything matched, 1 otherwise.
"""

import errno
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import threading

PROTOCOLS = {0: "RDP", 1: "SSL", 2: "HYBRID", 4: "RDSTLS", 8: "HYBRID_EX", 0x10: "RDSAAD"}

# Expected answer to requestedProtocols=3 (real-peers.md sections 2 and 3).
EXPECT_XRDP = {
    "rdp": "RSP RDP",
    "neg-valid": "RSP SSL",
    "neg-expired": "RSP SSL",
    "neg-nocert": "RSP RDP",
    "neg-rsa1024": "RSP SSL",
    "tls-nocert": "FAILURE 3",
}  # every other xrdp tls-* instance: "RSP SSL"
EXPECT_SHADOW = {
    "shadow-nla": "RSP HYBRID",
    "shadow-nla-expired": "RSP HYBRID",
    "shadow-tls": "RSP SSL",
    "shadow-rdp": "FAILURE 2",
}
EXPECT_RESP = {
    "silent": "timeout",
    "banner": "banner",
    "close-after-cr": "closed",
    "reset-after-cr": "reset",
    "garbage-tpkt": "garbage 030000050e",
    "tls-reset": "RSP SSL, tls reset",
    "tls-silent": "RSP SSL, tls timeout",
}
EXPECT_NS = {
    "ns-tls": "RSP SSL",
    "ns-drop": "connect timeout",
    "ns-icmp": "connect EHOSTUNREACH",
    "ns-rst": "connect ECONNREFUSED",
}


def connection_request(mask, cookie=b"Cookie: mstshash=lab\r\n"):
    neg = b"" if mask is None else struct.pack("<BBHI", 1, 0, 8, mask)
    x224 = bytes([6 + len(cookie) + len(neg), 0xE0, 0, 0, 0, 0, 0]) + cookie + neg
    return struct.pack(">BBH", 3, 0, 4 + len(x224)) + x224


def errname(exc):
    num = getattr(exc, "errno", None)
    if isinstance(exc, socket.timeout) or num == errno.ETIMEDOUT:
        return "timeout"
    if isinstance(exc, ConnectionResetError):
        return "reset"
    if num is not None and num in errno.errorcode:
        return errno.errorcode[num]
    return type(exc).__name__


def decode_cc(data):
    """Short description of an X.224 Connection Confirm."""
    if len(data) < 11 or data[0] != 3:
        return "garbage " + data.hex()
    tpkt_len = struct.unpack(">H", data[2:4])[0]
    if tpkt_len != len(data) or data[5] & 0xF0 != 0xD0:
        return "garbage " + data.hex()
    if len(data) == 11:
        return "CC no-neg-data"
    if len(data) < 19:
        return "garbage " + data.hex()
    kind, _flags, _length, value = struct.unpack("<BBHI", data[11:19])
    if kind == 2:
        return "RSP " + PROTOCOLS.get(value, hex(value))
    if kind == 3:
        return "FAILURE %d" % value
    return "garbage " + data.hex()


def recv_tpkt(sock):
    """Read one TPKT; returns the bytes read (b'' on EOF)."""
    data = b""
    while len(data) < 4:
        chunk = sock.recv(4 - len(data))
        if not chunk:
            return data
        data += chunk
    if data[0] != 3:
        return data + sock.recv(4096)
    want = max(struct.unpack(">H", data[2:4])[0], 4)
    while len(data) < want:
        chunk = sock.recv(want - len(data))
        if not chunk:
            break
        data += chunk
    return data


def probe(host, port, mask=3, timeout=3.0, tls=None):
    """Returns (summary, hex of the reply)."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        return "connect " + errname(exc), ""
    try:
        sock.sendall(connection_request(mask))
        try:
            data = recv_tpkt(sock)
        except OSError as exc:
            return errname(exc), ""
        if not data:
            return "closed", ""
        summary = decode_cc(data)
        if tls and summary == "RSP SSL":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            try:
                ctx.wrap_socket(sock, server_hostname="localhost")
                summary += ", tls ok"
            except (OSError, ssl.SSLError) as exc:
                summary += ", tls " + errname(exc)
        return summary, data.hex()
    finally:
        sock.close()


def check_responder(mode, host, port):
    if mode in ("tls-reset", "tls-silent"):
        return probe(host, port, timeout=0.7, tls=True)
    if mode == "banner":
        try:
            with socket.create_connection((host, port), timeout=2) as sock:
                data = sock.recv(100)
        except OSError as exc:
            return "connect " + errname(exc), ""
        ok = data.startswith(b"SSH-2.0-")
        return ("banner" if ok else "unexpected"), data.hex()
    return probe(host, port, timeout=0.7 if mode == "silent" else 3.0)


def expectation(kind, name):
    if kind == "xrdp":
        return EXPECT_XRDP.get(name, "RSP SSL")
    if kind == "shadow":
        return EXPECT_SHADOW.get(name, "?")
    if kind == "resp":
        return EXPECT_RESP.get(name, "?")
    if kind == "closed":
        return "connect ECONNREFUSED"
    return EXPECT_NS.get(name, "?")


def run_one(kind, name, host, port):
    if kind == "resp":
        return check_responder(name, host, port)
    if kind == "closed":
        return probe(host, port)
    if name in ("ns-drop",):
        return probe(host, port, timeout=1.5)
    return probe(host, port)


def ns_batch(items):
    """Run inside the client namespace: items = [[kind, name, host, port], ...]."""
    out = {}
    threads = []

    def work(item):
        out[item[1]] = run_one(*item)

    for item in items:
        threads.append(threading.Thread(target=work, args=(item,)))
        threads[-1].start()
    for t in threads:
        t.join()
    return out


def read_instances(run_dir):
    rows = []
    with open(os.path.join(run_dir, "instances"), encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 5 and not line.startswith("#"):
                rows.append(parts)
    return rows


def smoke(run_dir):
    rows = read_instances(run_dir)
    results = {}
    host_items, ns_items, ns_client = [], [], None
    for kind, name, host, port, netns, *_ in rows:
        if kind in ("xvfb",):
            continue
        item = [kind, name, host, int(port)]
        if kind == "ns":
            ns_items.append(item)
            ns_client = netns
        elif kind in ("xrdp", "shadow", "resp", "closed"):
            host_items.append(item)

    def work(item):
        results[item[1]] = run_one(*item)

    threads = [threading.Thread(target=work, args=(it,)) for it in host_items]
    # xrdp's listen backlog is 2: one probe per port, all ports at once is fine.
    for t in threads:
        t.start()
    if ns_items:
        cmd = ["ip", "netns", "exec", ns_client, sys.executable, os.path.abspath(__file__),
               "ns-batch", json.dumps(ns_items)]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
            results.update({k: tuple(v) for k, v in json.loads(res.stdout).items()})
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            for it in ns_items:
                results[it[1]] = ("netns probe failed: %s" % exc, "")
    for t in threads:
        t.join()

    failed = 0
    print("%-7s %-20s %-15s %-22s %-22s %s" % ("kind", "name", "port", "expected", "got", "bytes"))
    for kind, name, host, port, netns, *_ in rows:
        if name not in results:
            continue
        want = expectation(kind, name)
        got, raw = results[name]
        ok = got == want
        failed += not ok
        where = "%s:%s" % (host, port) if kind == "ns" else port
        print("%-7s %-20s %-15s %-22s %-22s %s  %s" % (kind, name, where, want, got, raw or "-",
                                                     "ok" if ok else "MISMATCH"))
    total = len(results)
    print("%d passed, %d failed" % (total - failed, failed))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "smoke":
        return smoke(argv[2])
    if len(argv) == 3 and argv[1] == "ns-batch":
        print(json.dumps(ns_batch(json.loads(argv[2]))))
        return 0
    if len(argv) in (4, 5, 6) and argv[1] == "probe":
        mask = int(argv[4], 0) if len(argv) > 4 else 3
        timeout = float(argv[5]) if len(argv) > 5 else 3.0
        summary, raw = probe(argv[2], int(argv[3]), mask, timeout)
        print("%s %s" % (raw or "-", summary))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
