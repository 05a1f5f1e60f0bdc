#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Scripted TCP responders for the librdpneg test lab.

Usage: responder.py MODE PORT [HOST]

They cover what no real RDP server does on purpose.  Each one listens on
HOST (default 127.0.0.1) and serves every connection in its own thread:

  silent          accepts, reads and discards, never answers
  banner          sends an SSH banner on accept, then waits
  close-after-cr  reads the X.224 Connection Request, then closes (FIN)
  reset-after-cr  reads the X.224 Connection Request, then resets (RST)
  garbage-tpkt    answers the request with a TPKT whose length field is 5
  tls-reset       answers with an xrdp-like CC selecting SSL, then resets
                  the connection when the TLS ClientHello arrives
  tls-silent      same CC, then never answers the ClientHello

Python standard library only.  Every connection is dropped after
IDLE_LIMIT seconds at the latest, so no thread lives forever.
"""

import socket
import struct
import sys
import threading

BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"
# X.224 Connection Confirm, SRC-REF 0x1234 like xrdp, RDP_NEG_RSP flags 0x01,
# selectedProtocol PROTOCOL_SSL.
CC_SSL = bytes.fromhex("03000013" "0ed000001234" "00" "0201" "0800" "01000000")
# TPKT header with length 5 (4-byte header + 1 byte): far too short for any
# X.224 TPDU, and the one byte claims a 14-byte TPDU header.
GARBAGE_TPKT = bytes.fromhex("030000050e")
IDLE_LIMIT = 120.0
MODES = (
    "silent",
    "banner",
    "close-after-cr",
    "reset-after-cr",
    "garbage-tpkt",
    "tls-reset",
    "tls-silent",
)

assert len(CC_SSL) == 19


def log(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return buf
        buf += chunk
    return buf


def read_request(conn):
    """Read one TPKT (the X.224 CR).  Returns the bytes read (may be short)."""
    head = recv_exact(conn, 4)
    if len(head) < 4 or head[0] != 3:
        return head  # not TPKT: take whatever came
    (length,) = struct.unpack(">H", head[2:4])
    if length <= 4:
        return head
    return head + recv_exact(conn, length - 4)


def drain(conn):
    """Read and discard until the peer closes or the idle limit expires."""
    while True:
        if not conn.recv(65536):
            return


def reset(conn):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def serve(mode, conn, peer):
    conn.settimeout(IDLE_LIMIT)
    try:
        if mode == "silent":
            drain(conn)
        elif mode == "banner":
            conn.sendall(BANNER)
            drain(conn)
        elif mode == "close-after-cr":
            req = read_request(conn)
            log("%s: %d request bytes, closing (FIN)" % (peer, len(req)))
            conn.shutdown(socket.SHUT_RDWR)
        elif mode == "reset-after-cr":
            req = read_request(conn)
            log("%s: %d request bytes, resetting (RST)" % (peer, len(req)))
            reset(conn)
            return
        elif mode == "garbage-tpkt":
            read_request(conn)
            conn.sendall(GARBAGE_TPKT)
            drain(conn)
        elif mode in ("tls-reset", "tls-silent"):
            req = read_request(conn)
            if not req:
                return
            conn.sendall(CC_SSL)
            if mode == "tls-reset":
                hello = conn.recv(65536)
                log("%s: %d bytes after CC, resetting (RST)" % (peer, len(hello)))
                reset(conn)
                return
            drain(conn)
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in MODES:
        sys.stderr.write("usage: responder.py {%s} PORT [HOST]\n" % "|".join(MODES))
        return 2
    mode, port = argv[1], int(argv[2])
    host = argv[3] if len(argv) == 4 else "127.0.0.1"
    srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(64)
    log("responder %s listening on %s:%d" % (mode, host, port))
    while True:
        conn, addr = srv.accept()
        peer = "%s:%d" % (addr[0], addr[1])
        threading.Thread(target=serve, args=(mode, conn, peer), daemon=True).start()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(0)
