# SPDX-License-Identifier: Apache-2.0
"""Shared helpers of the binding tests (stdlib only).

Importing this module puts bindings/python on sys.path, so the tests run
against the source tree; the library itself is found by rdpneg._loader
(run_tests.sh sets RDPNEG_LIBRARY_DIR to the build's lib directory).
"""

import os
import shlex
import socket
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_ROOT = os.path.dirname(HERE)                      # bindings/python
REPO = os.path.normpath(os.path.join(PKG_ROOT, "..", ".."))
if PKG_ROOT not in sys.path:
    sys.path.insert(0, PKG_ROOT)

# Scripted server answers (MS-RDPBCGR 2.2.1.2).
# xrdp's RDP_NEG_FAILURE SSL_REQUIRED_BY_SERVER (security_layer=tls, client
# asked for HYBRID only), SRC-REF 0x1234.
XRDP_FAILURE = bytes.fromhex(
    "03 00 00 13 0e d0 00 00 12 34 00 03 00 08 00 01 00 00 00")
# Connection Confirm without negotiation data (pre-RDP 5.2 / legacy).
LEGACY_CONFIRM = bytes.fromhex("0300000b06d00000123400")
# RDP_NEG_RSP selecting standard RDP security (PROTOCOL_RDP), flags 0x01.
RSP_RDP = bytes.fromhex(
    "03 00 00 13 0e d0 00 00 12 34 00 02 01 08 00 00 00 00 00")
# RDP_NEG_RSP selecting PROTOCOL_SSL (TLS follows), flags 0x01.
RSP_SSL = bytes.fromhex(
    "03 00 00 13 0e d0 00 00 12 34 00 02 01 08 00 01 00 00 00")
# A fatal TLS alert protocol_version (70): what a TLS 1.3-only server
# answers to a ClientHello offering at most TLS 1.2.
ALERT_PROTOCOL_VERSION = bytes.fromhex("15 03 01 00 02 02 46")
SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"

assert len(XRDP_FAILURE) == 19 and len(RSP_RDP) == 19 and len(RSP_SSL) == 19

# A self-signed EC certificate (CN=rdpneg binding test CA), valid to 2126.
TEST_CA_PEM = b"""-----BEGIN CERTIFICATE-----
MIIBmTCCAT+gAwIBAgIUSEJpN4Y+oE59KPqUm3adpPt1QSUwCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWcmRwbmVnIGJpbmRpbmcgdGVzdCBDQTAgFw0yNjExMjIwNDU2
MjZaGA8yMTI2MTAyOTA0NTYyNlowITEfMB0GA1UEAwwWcmRwbmVnIGJpbmRpbmcg
dGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIr6wANgyzM3qGBQtqNY
U3D3reXWkCi+LZKktFVHIdlf4x5YXtO81dw1WRx+AdBWoLx2CzvlmT5ds2zX3GK5
ALWjUzBRMB0GA1UdDgQWBBQUhj9R3XwdColazD2+/K7rAKelrzAfBgNVHSMEGDAW
gBQUhj9R3XwdColazD2+/K7rAKelrzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49
BAMCA0gAMEUCIQCVzW/BJuMrlrkNmiJXxoRcqMgXcH4oSumTdqYBL4VJNwIga54t
lZr+DuGnJJAse5655a2iwJA/Fn7ICtT73UHGr5o=
-----END CERTIFICATE-----
"""

MSEC = 1000000


# -- the lab -----------------------------------------------------------------

def lab_env_path():
    return os.environ.get("RDPNEG_LAB_ENV") or os.path.join(
        REPO, "test", "lab", "run", "env")


def load_lab_env():
    """The lab's run/env as a dict, or None when the lab is not up."""
    path = lab_env_path()
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            parts = shlex.split(value)
        except ValueError:
            parts = [value]
        env[key.strip()] = parts[0] if parts else ""
    return env


LAB = load_lab_env()
LAB_SKIP = "lab not up: %s absent (run test/lab/lab.sh up)" % lab_env_path()


def lab_port(key):
    """Port from the lab env; None when the instance is not in it."""
    if not LAB or not LAB.get(key):
        return None
    return int(LAB[key])


# -- scripted local servers ---------------------------------------------------

def free_port():
    """A loopback port with nothing listening (bound then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ScriptedServer:
    """A one-thread loopback TCP server: per connection, optionally reads
    the X.224 Connection Request (one TPKT), sends |answer|, then closes
    (|then| = "close"), resets ("reset") or holds the connection open
    ("hold") until the client closes it or the server is stopped.
    |greet| bytes are sent on accept. ``accepted`` counts connections,
    ``peer_closed`` those the client closed while held."""

    def __init__(self, answer=b"", then="close", greet=b"", read_request=True,
                 first=None):
        """|first|: (answer, then) for the first connection only."""
        self.answer, self.then, self.greet = answer, then, greet
        self.first = first
        self.read_request = read_request
        self.requests = []
        self.accepted = 0
        self.peer_closed = 0
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._conns = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._conns.append(conn)
            self.accepted += 1
            answer, then = self.first if self.first and self.accepted == 1 \
                else (self.answer, self.then)
            threading.Thread(target=self._serve, args=(conn, answer, then),
                             daemon=True).start()

    def _serve(self, conn, answer, then):
        try:
            conn.settimeout(10)
            if self.greet:
                conn.sendall(self.greet)
            if self.read_request:
                hdr = _recv_exact(conn, 4)
                if len(hdr) == 4 and hdr[0] == 3:
                    body = _recv_exact(conn, int.from_bytes(hdr[2:4], "big")
                                       - 4)
                    self.requests.append(hdr + body)
            if answer:
                conn.sendall(answer)
            if then == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
                conn.close()
            elif then == "close":
                conn.shutdown(socket.SHUT_WR)
                time.sleep(0.2)
                conn.close()
            else:
                conn.settimeout(0.05)
                while not self._stop.is_set():
                    try:
                        if not conn.recv(65536):
                            self.peer_closed += 1
                            break
                    except socket.timeout:
                        continue
                    except ConnectionResetError:
                        self.peer_closed += 1
                        break
                conn.close()
        except OSError:
            pass

    def close(self):
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        self._thread.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf
