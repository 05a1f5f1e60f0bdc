#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Faults at every byte (issue 12, item 4).  TAP output.

A relay inside this process stands between rdpneg-scan (path from
RDPNEG_SCAN; the ASan+UBSan build when run by test/sanitize.sh) and two
real lab servers: xrdp (TLS, LAB_XRDP_TLS_VALID) and FreeRDP shadow (NLA,
LAB_SHADOW_NLA, with the lab credentials so that both CredSSP answers come).

1. Each server's answer is recorded once through a relay that passes
   everything; it is split into its turns (X.224 Connection Confirm, the TLS
   server flight, the server's second flight (NewSessionTicket, CCS,
   Finished), the CredSSP answers, close_notify) and the TLS handshake
   messages are located in it byte by byte, as lib/proto/tls.c sniffs them.
2. For EVERY byte offset N of that answer (0 .. length-1), one case closes
   the client side with a FIN after N server bytes, one resets it (RST).
   Besides: trickle (one byte per 100 ms, from the start and from the start
   of the CredSSP answer), stall (at the start of each turn and in the
   middle of X.224, Certificate and the CredSSP CHALLENGE), split into 1-byte
   segments and coalesced segments.
3. Every case has a listener of its own; all cases of a server run in one
   rdpneg-scan process (--concurrency BYTEFAULTS_CONCURRENCY, default 48).
   Each document is checked against what its offset implies: the failed
   phase, the first finding's phase, the X.224 / TLS status (closed or reset
   as sent), bytes received (exactly N), the TLS last_server_message (the
   last handshake message complete within N bytes), the CredSSP evidence
   (ntlm present exactly when the CHALLENGE TSRequest was complete, auth not
   "success"), and that the case ended within its deadline (the document's
   total_ms and the relay's first-accept-to-last-close span).

Without the lab (LAB_HOST unset) or rdpneg-scan, everything skips.
BYTEFAULTS_STEP=K sweeps every K-th offset only (for a quick look).
"""
import asyncio
import json
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SCAN = os.environ.get("RDPNEG_SCAN", "build/examples/rdpneg-scan")
PROBE = os.environ.get("RDPNEG_PROBE", "build/examples/rdpneg-probe")
# --timeout (per phase; a probe's overall deadline is 3 x T): played-back
# cases answer at once; live ones wait for a loaded server
T_MS = int(os.environ.get("BYTEFAULTS_TIMEOUT_MS", "3000"))
T_LIVE_MS = int(os.environ.get("BYTEFAULTS_LIVE_TIMEOUT_MS", "6000"))
SLACK_S = 1.0                    # relay / scheduling slack (busy 2-core box)
CONCURRENCY = int(os.environ.get("BYTEFAULTS_CONCURRENCY", "32"))
LIVE_CONCURRENCY = int(os.environ.get("BYTEFAULTS_LIVE_CONCURRENCY", "6"))
FULL = os.environ.get("BYTEFAULTS_FULL") == "1"   # every live offset too
LIVE_STEP = 8
STEP = max(1, int(os.environ.get("BYTEFAULTS_STEP", "1")))
TRICKLE_S = 0.1
HOST = os.environ.get("LAB_HOST", "127.0.0.1")
PW_ENV = "RDPNEG_BYTEFAULTS_PW"

HS_NAMES = {2: "ServerHello", 11: "Certificate", 12: "ServerKeyExchange",
            13: "CertificateRequest", 14: "ServerHelloDone"}

# ------------------------------------------------------------------ TAP

_n = 0
_failed = 0


def tap(ok, name, details=()):
    global _n, _failed
    _n += 1
    if not ok:
        _failed += 1
    for d in details:
        print("# " + d)
    print("%s %d - %s" % ("ok" if ok else "not ok", _n, name))
    sys.stdout.flush()


def skip(name, why):
    global _n
    _n += 1
    print("ok %d - %s # SKIP %s" % (_n, name, why))


# ------------------------------------------------------------------ the answer


def hs_name(t):
    return HS_NAMES.get(t, "other")


class Layout:
    """Where things are in a server's recorded answer (server bytes only)."""

    def __init__(self, turns):
        self.turns = turns
        self.data = b"".join(turns)
        self.starts = []
        off = 0
        for t in turns:
            self.starts.append(off)
            off += len(t)
        self.total = off
        d = self.data
        if len(d) < 4 or d[0] != 3:
            raise ValueError("answer does not start with a TPKT")
        self.cc_len = d[2] << 8 | d[3]
        if len(turns[0]) != self.cc_len:
            raise ValueError("first turn is not exactly the Connection Confirm")
        # TLS records from the end of the confirm; handshake messages located
        # as tls.c's sniffer does (a message counts once its last byte came)
        self.msg_end = []          # (offset after the last byte, name)
        self.records = []          # (start, end, content type)
        off = self.cc_len
        hs = bytearray()
        hs_off = []                # absolute offset of each handshake byte
        sniff = True
        while off + 5 <= len(d):
            ctype = d[off]
            rlen = d[off + 3] << 8 | d[off + 4]
            self.records.append((off, off + 5 + rlen, ctype))
            if sniff and ctype == 20:
                sniff = False
            if sniff and ctype == 22:
                for i in range(rlen):
                    hs.append(d[off + 5 + i])
                    hs_off.append(off + 5 + i)
            off += 5 + rlen
        if off != len(d):
            raise ValueError("answer does not end on a TLS record boundary")
        p = 0
        while p + 4 <= len(hs):
            mlen = hs[p + 1] << 16 | hs[p + 2] << 8 | hs[p + 3]
            if p + 4 + mlen > len(hs):
                break
            self.msg_end.append((hs_off[p + 4 + mlen - 1] + 1, hs_name(hs[p])))
            p += 4 + mlen
        # turns: 0 confirm, 1 TLS flight, 2 NewSessionTicket/CCS/Finished,
        # then application data (CredSSP) and a closing alert
        self.tls_end = self.starts[2] + len(turns[2])
        self.credssp_turns = []
        self.close_turn = None
        for i in range(3, len(turns)):
            first = self.record_at(self.starts[i])
            if first[2] == 21:
                self.close_turn = i
                break
            self.credssp_turns.append(i)
        self.answer_end = (self.starts[self.close_turn]
                           if self.close_turn is not None else self.total)

        ske = self.msg_span("ServerKeyExchange")
        # the first byte that depends on the client of this connection: the
        # ServerKeyExchange signs the client random (once it is complete,
        # it is checked); without one, the server's second flight
        self.replay_limit = ske[1] if ske else self.starts[2]

    def region(self, n):
        if n < self.cc_len:
            return "x224"
        if n < self.starts[2]:
            return "tls flight"
        if n < self.tls_end:
            return "tls finish"
        if n < self.answer_end:
            return "credssp %d" % (self.credssp_turns.index(self.turn_of(n)) + 1)
        return "end"

    def live_sample(self, full):
        """Offsets to cut at live: all (|full|), else the edges of every
        record (header, first and last bytes of its body, one past it) and
        every LIVE_STEP-th byte."""
        if full:
            return set(range(self.total))
        pick = set(range(self.replay_limit, self.total, LIVE_STEP))
        for start, end, _ in self.records:
            pick.update(range(start - 1, start + 7))
            pick.update(range(end - 2, end + 1))
        for i in range(len(self.turns)):
            pick.add(self.starts[i])
        return {n for n in pick if self.replay_limit <= n < self.total}

    def record_at(self, off):
        for r in self.records:
            if r[0] <= off < r[1]:
                return r
        return None

    def last_msg(self, n):
        last = None
        for end, name in self.msg_end:
            if end <= n:
                last = name
        return last

    def msg_span(self, name):
        prev = self.cc_len
        for end, nm in self.msg_end:
            if nm == name:
                return prev, end
            prev = end
        return None

    def turn_of(self, n):
        for i in range(len(self.turns) - 1, -1, -1):
            if n >= self.starts[i]:
                return i
        return 0

    def describe(self):
        parts = ["X.224 CC %d" % self.cc_len]
        prev = self.cc_len
        for end, name in self.msg_end:
            parts.append("%s %d-%d" % (name, prev, end - 1))
            prev = end
        parts.append("TLS done at %d" % self.tls_end)
        for i in self.credssp_turns:
            parts.append("CredSSP answer %d-%d" % (self.starts[i],
                                                   self.starts[i] + len(self.turns[i]) - 1))
        if self.close_turn is not None:
            parts.append("close_notify %d-%d" % (self.starts[self.close_turn],
                                                 self.total - 1))
        return ", ".join(parts)


# ------------------------------------------------------------------ the relay


class Case:
    def __init__(self, server, mode, after=0, label=None):
        self.server, self.mode, self.after = server, mode, after
        self.label = label or "%s %s after %d" % (server, mode, after)
        self.port = None
        self.first_accept = None
        self.last_close = None
        self.conns = 0
        self.open = 0
        self.turns = []            # record mode: server turns of the 1st conn
        self.doc = None
        self.replay = None         # recorded turns to play back instead
        self.faulted = 0           # connections the fault was applied to
        self.t_ms = T_MS
        self.sent = []             # per connection: server bytes relayed

    def reset(self, t_ms):
        self.t_ms = t_ms
        self.first_accept = self.last_close = self.doc = None
        self.conns = self.faulted = 0
        self.turns = []
        self.sent = []


def sock_of(writer):
    return writer.get_extra_info("socket")


def nodelay(writer):
    s = sock_of(writer)
    if s is not None:
        try:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


async def relay_conn(case, target, cr, cw):
    loop = asyncio.get_running_loop()
    case.conns += 1
    case.open += 1
    if case.first_accept is None:
        case.first_accept = loop.time()
    first = case.conns == 1
    nodelay(cw)
    try:
        ur, uw = await asyncio.open_connection(*target)
    except OSError:
        cw.transport.abort()
        case.open -= 1
        case.last_close = loop.time()
        return
    nodelay(uw)
    state = {"sent": 0, "faulted": False, "turn": None}
    case.sent.append(state)

    async def client_to_server():
        try:
            while True:
                data = await cr.read(65536)
                if not data:
                    break
                if state["faulted"]:
                    continue          # stall/close: swallow what comes
                state["turn"] = None  # the next server bytes start a turn
                if case.mode == "coalesce":
                    data += await gather_quiet(cr)
                uw.write(data)
                await uw.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if not state["faulted"]:
                try:
                    uw.write_eof()
                except OSError:
                    pass

    async def gather_quiet(reader):
        more = b""
        while True:
            try:
                d = await asyncio.wait_for(reader.read(65536), 0.03)
            except asyncio.TimeoutError:
                return more
            if not d:
                return more
            more += d

    def fault():
        state["faulted"] = True
        case.faulted += 1
        if case.mode == "reset":
            rst(cw)
            uw.transport.abort()
        elif case.mode == "close":
            try:
                cw.write_eof()        # FIN; what the client still sends is read
            except OSError:
                pass
            uw.transport.abort()
        # stall: nothing more either way; the client's close ends it

    async def server_to_client():
        try:
            while True:
                if case.mode in ("close", "reset", "stall"):
                    want = case.after - state["sent"]
                    if want <= 0:
                        fault()
                        return
                    want = min(want, 65536)
                elif case.mode in ("trickle", "split"):
                    want = 1 if state["sent"] >= case.after else \
                        case.after - state["sent"]
                else:
                    want = 65536
                data = await ur.read(want)
                if not data:
                    cw.write_eof()
                    return
                if case.mode == "coalesce":
                    data += await gather_quiet(ur)
                if case.mode == "record" and first:
                    if state["turn"] is None:
                        state["turn"] = bytearray()
                        case.turns.append(state["turn"])
                    state["turn"] += data
                cw.write(data)
                await cw.drain()
                state["sent"] += len(data)
                if case.mode == "trickle" and state["sent"] > case.after:
                    await asyncio.sleep(TRICKLE_S)
        except (OSError, RuntimeError):
            pass

    s2c = asyncio.ensure_future(server_to_client())
    await client_to_server()     # ends when the client closes (or resets)
    if not s2c.done():
        s2c.cancel()
    try:
        await s2c
    except (asyncio.CancelledError, Exception):
        pass
    for w in (cw, uw):
        w.transport.abort()
    case.open -= 1
    case.last_close = loop.time()


async def replay_conn(case, turns, cr, cw):
    """Plays back the recorded answer, one turn per client message, up to
    case.after bytes, then faults like relay_conn. Only for cuts before
    the first byte that depends on this connection's client (see
    Layout.replay_limit): up to there the recording is what the server
    would have sent."""
    loop = asyncio.get_running_loop()
    case.conns += 1
    case.open += 1
    if case.first_accept is None:
        case.first_accept = loop.time()
    nodelay(cw)
    sent = 0
    try:
        for turn in turns:
            if sent >= case.after:
                break
            if not await cr.read(65536):
                break
            chunk = turn[:case.after - sent]
            cw.write(chunk)
            await cw.drain()
            sent += len(chunk)
        if sent >= case.after:
            case.faulted += 1
            if case.mode == "reset":
                rst(cw)
            else:
                cw.write_eof()
        while await cr.read(65536):
            pass
    except (OSError, RuntimeError):
        pass
    cw.transport.abort()
    case.open -= 1
    case.last_close = loop.time()


def rst(writer):
    try:
        sock_of(writer).setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


async def start_listeners(cases, targets):
    servers = []
    for c in cases:
        async def handler(cr, cw, c=c):
            try:
                if c.replay is not None:
                    await replay_conn(c, c.replay, cr, cw)
                else:
                    await relay_conn(c, targets[c.server], cr, cw)
            except (asyncio.CancelledError, OSError):
                cw.transport.abort()
        srv = await asyncio.start_server(handler, "127.0.0.1", 0, backlog=64)
        c.port = srv.sockets[0].getsockname()[1]
        servers.append(srv)
    return servers


async def run_scan(cases, args, env, timeout_ms, concurrency):
    """One rdpneg-scan over all |cases| (one listener each)."""
    with tempfile.NamedTemporaryFile("w", suffix=".targets", delete=False) as fh:
        for c in cases:
            fh.write("127.0.0.1:%d\n" % c.port)
        tfile = fh.name
    cmd = [SCAN, "-q", "--timeout", str(timeout_ms), "--concurrency",
           str(concurrency), "--per-target", "1", "--threads", "2", "-f", tfile,
           *args]
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env)
    out, err = await proc.communicate()
    os.unlink(tfile)
    by_port = {c.port: c for c in cases}
    for line in out.decode(errors="replace").splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        c = by_port.get((doc.get("target") or {}).get("port"))
        if c is not None:
            c.doc = doc
    # a relay connection may still be closing
    for _ in range(50):
        if all(c.open == 0 for c in cases):
            break
        await asyncio.sleep(0.1)
    return proc.returncode, err.decode(errors="replace")


# ------------------------------------------------------------------ expectations


def phase(doc, name):
    for p in doc.get("phases") or []:
        if p.get("name") == name:
            return p
    return {}


def first_failed_phase(doc):
    for p in doc.get("phases") or []:
        if p.get("status") == "failed":
            return p.get("name")
    return None


def expect_cut(lay, n, mode, doc):
    """Problems with |doc| for a FIN (close) / RST (reset) after |n| bytes."""
    bad = []
    want_status = "closed" if mode == "close" else "reset"
    x, t, nla = doc.get("x224") or {}, doc.get("tls") or {}, doc.get("nla") or {}
    fnd = (doc.get("diagnosis") or [{}])[0]

    def want(what, got, exp):
        if got != exp:
            bad.append("%s: %r, expected %r" % (what, got, exp))

    if n >= lay.answer_end:
        want("verdict", doc.get("verdict"), "healthy")
        want("failed phase", first_failed_phase(doc), None)
        return bad
    want("verdict", doc.get("verdict"), "failing")
    if n < lay.cc_len:
        exp_phase = "x224"
        want("x224.status", x.get("status"), want_status)
        want("x224.bytes_received", x.get("bytes_received"), n)
        want("tls.status", t.get("status"), "skipped")
    elif n < lay.tls_end:
        exp_phase = "tls"
        want("x224.status", x.get("status"), "ok")
        want("tls.status", t.get("status"), want_status)
        want("tls.bytes_received", t.get("bytes_received"), n - lay.cc_len)
        want("tls.last_server_message", t.get("last_server_message"),
             lay.last_msg(n))
    else:
        exp_phase = "nla"
        want("tls.status", t.get("status"), "ok")
        want("tls.bytes_received", t.get("bytes_received"), n - lay.cc_len)
        want("nla.status", nla.get("status"), "failed")
        chal_end = lay.starts[lay.credssp_turns[0]] + \
            len(lay.turns[lay.credssp_turns[0]])
        want("nla.ntlm present (CHALLENGE complete)", nla.get("ntlm") is not None,
             n >= chal_end)
        want("nla.credssp_version", nla.get("credssp_version") is not None,
             n >= chal_end)
        if nla.get("auth") == "success":
            bad.append("nla.auth success without the server's pubKeyAuth")
    want("failed phase", first_failed_phase(doc), exp_phase)
    want("first finding phase", fnd.get("phase"), exp_phase)
    return bad


def within_deadline(case):
    limit_s = 3 * case.t_ms / 1000.0
    doc = case.doc or {}
    bad = []
    total = doc.get("total_ms")
    if not isinstance(total, (int, float)) or total / 1000.0 > limit_s:
        bad.append("total_ms %r over %.1f s" % (total, limit_s))
    if case.first_accept is not None and case.last_close is not None:
        span = case.last_close - case.first_accept
        if span > limit_s + SLACK_S:
            bad.append("relay span %.2f s over %.1f s" % (span, limit_s + SLACK_S))
    elif case.first_accept is not None:
        bad.append("connection still open")
    return bad


def summary(doc):
    if not doc:
        return "no document"
    x, t, nla = doc.get("x224") or {}, doc.get("tls") or {}, doc.get("nla") or {}
    f = (doc.get("diagnosis") or [{}])[0]
    return ("verdict=%s failed=%s x224=%s/%s tls=%s/%s/%s nla=%s ntlm=%s "
            "first=%s/%s total_ms=%s" %
            (doc.get("verdict"), first_failed_phase(doc), x.get("status"),
             x.get("bytes_received"), t.get("status"), t.get("bytes_received"),
             t.get("last_server_message"), nla.get("status"),
             nla.get("ntlm") is not None, f.get("cause"), f.get("phase"),
             doc.get("total_ms")))


# ------------------------------------------------------------------ regression

CC_SSL = bytes.fromhex("030000130ed000001234000201080001000000")
# the start of a TLS record with a ServerHello (record header, message header)
SH_START = bytes.fromhex("160303004a" "0200004603030102")


def data_then_cut(cut, tls, reset):
    """rdpneg-probe against a scripted server that, while the probe is
    stopped (SIGSTOP), sends |cut| bytes and then a RST (or FIN), so that
    the data and the end of the connection wait together in the probe's
    socket. libuv reports such a RST as an orderly EOF (POLLHUP after a
    short read); the driver must still say reset. |tls|: the confirm
    selects TLS and the cut is in the answer to the ClientHello."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(10)
    port = srv.getsockname()[1]
    p = subprocess.Popen([PROBE, "--json", "--timeout", "3000",
                          "127.0.0.1:%d" % port], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)

    def serve():
        # every connection of the plan (it may corroborate) gets the same
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            c.settimeout(5)
            try:
                c.recv(4096)                     # X.224 Connection Request
                if tls:
                    c.sendall(CC_SSL)
                    c.recv(4096)                 # ClientHello
                os.kill(p.pid, signal.SIGSTOP)
                time.sleep(0.05)
                c.sendall(SH_START[:cut] if tls else CC_SSL[:cut])
                if reset:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                c.close()
                time.sleep(0.1)
            except OSError:
                pass
            finally:
                try:
                    os.kill(p.pid, signal.SIGCONT)
                except OSError:
                    pass

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        out, _ = p.communicate(timeout=30)
    finally:
        srv.close()
    try:
        return json.loads(out)
    except ValueError:
        return {}


def regression_tests():
    if not os.path.exists(PROBE):
        skip("data and RST together", "no rdpneg-probe at %s" % PROBE)
        return
    # 10 bytes of the confirm; 10 bytes of the answer to the ClientHello;
    # the whole confirm, after which the probe sends its ClientHello into
    # the reset socket (that send() takes the pending error away)
    for tls, cut, ph in ((False, 10, "x224"), (True, 10, "tls"),
                         (False, 19, "tls")):
        for reset in (True, False):
            doc = data_then_cut(cut, tls, reset)
            want = "reset" if reset else "closed"
            got = [(a.get(ph) or {}).get("status") for a in doc.get("attempts") or []]
            tap(got and all(g == want for g in got),
                "%s answer: %d bytes and a %s together -> %s %s in every attempt" %
                ("TLS" if tls else "X.224", cut, "RST" if reset else "FIN", ph, want),
                ["statuses %s; %s" % (got, summary(doc))])


# ------------------------------------------------------------------ main


def listener_budget():
    """Cases whose listeners may be open at once: one descriptor each,
    plus room for the relayed connections (soft limit raised to the hard
    one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 65536:
        hard = 65536
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return max(100, soft - 1000)


def chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def read_lab():
    env = dict(os.environ)
    if not env.get("LAB_HOST"):
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "lab", "run", "env")
        if os.path.exists(path):
            with open(path) as fh:
                for line in fh:
                    k, eq, v = line.strip().partition("=")
                    if eq and not k.startswith("#"):
                        env.setdefault(k, v)
    return env


async def main():
    lab = read_lab()
    servers = {}
    only = os.environ.get("BYTEFAULTS_SERVERS", "xrdp,shadow").split(",")
    if lab.get("LAB_XRDP_TLS_VALID") and "xrdp" in only:
        servers["xrdp"] = ((HOST, int(lab["LAB_XRDP_TLS_VALID"])), [])
    if lab.get("LAB_SHADOW_NLA") and lab.get("LAB_SHADOW_USER") and \
            "shadow" in only:
        servers["shadow"] = ((HOST, int(lab["LAB_SHADOW_NLA"])),
                             ["--user", lab["LAB_SHADOW_USER"],
                              "--domain", lab.get("LAB_SHADOW_DOMAIN", ""),
                              "--password-env", PW_ENV])
    regression_tests()
    if not os.path.exists(SCAN) or not servers:
        skip("byte faults", "no rdpneg-scan at %s or no lab (LAB_HOST)" % SCAN)
        print("1..%d" % _n)
        return 0
    env = dict(os.environ)
    env[PW_ENV] = lab.get("LAB_SHADOW_PASSWORD", "LabPass1!")
    targets = {k: v[0] for k, v in servers.items()}
    t_start = time.monotonic()

    # 1. record each answer once
    layouts = {}
    for name, (_, args) in servers.items():
        rec = Case(name, "record", label="%s record" % name)
        lst = await start_listeners([rec], targets)
        await run_scan([rec], args, env, T_LIVE_MS, 1)
        for srv in lst:
            srv.close()
        lay = None
        try:
            lay = Layout([bytes(t) for t in rec.turns])
        except (ValueError, IndexError) as e:
            tap(False, "%s: answer recorded and laid out" % name,
                ["%s; turns %s; %s" % (e, [len(t) for t in rec.turns],
                                       summary(rec.doc))])
            continue
        ok = rec.doc is not None and rec.doc.get("verdict") == "healthy" and \
            (name != "shadow" or len(lay.credssp_turns) == 2)
        tap(ok, "%s: answer recorded through the relay (%d bytes: %s)" %
            (name, lay.total, lay.describe()), [] if ok else [summary(rec.doc)])
        if ok:
            layouts[name] = lay

    # 2. the cases: played back before the first byte bound to this
    # connection's client, through the relay to the live server from there
    cases = []
    for name, lay in layouts.items():
        live = []
        live.append(Case(name, "trickle", lay.cc_len,
                         "%s trickle 1 byte/100 ms from the TLS flight (%d)" %
                         (name, lay.cc_len)))
        if lay.credssp_turns:
            live.append(Case(name, "trickle", lay.tls_end,
                             "%s trickle 1 byte/100 ms from the CredSSP answer (%d)" %
                             (name, lay.tls_end)))
        stalls = {0, lay.cc_len // 2, lay.cc_len, lay.tls_end}
        cert = lay.msg_span("Certificate")
        if cert:
            stalls.add((cert[0] + cert[1]) // 2)
        stalls.update(lay.starts[1:])
        for i in lay.credssp_turns:
            stalls.add(lay.starts[i] + len(lay.turns[i]) // 2)
        for n in sorted(x for x in stalls if x < lay.answer_end):
            live.append(Case(name, "stall", n))
        live.append(Case(name, "split", 0, "%s split into 1-byte segments" % name))
        live.append(Case(name, "coalesce", 0, "%s coalesced segments" % name))
        sample = lay.live_sample(FULL)
        for mode in ("close", "reset"):
            for n in range(0, lay.total, STEP):
                c = Case(name, mode, n)
                if n < lay.replay_limit:
                    c.replay = lay.turns
                elif n not in sample:
                    continue
                cases.append(c)
        cases.extend(live)

    t_sweep = time.monotonic()
    rounds = []
    unfaulted = []
    for chunk in chunks(cases, listener_budget()):
        listeners = await start_listeners(chunk, targets)
        pending = chunk
        for rnd in range(3):
            runs = []
            for name in layouts:
                rep = [c for c in pending if c.server == name and c.replay is not None]
                liv = [c for c in pending if c.server == name and c.replay is None]
                if rep:
                    runs.append((name, rep, T_MS, CONCURRENCY))
                if liv:
                    runs.append((name, liv, T_LIVE_MS, LIVE_CONCURRENCY))
            for _, cs, t_ms, _ in runs:
                for c in cs:
                    c.reset(t_ms)
            res = await asyncio.gather(*(run_scan(cs, servers[name][1], env, t_ms, conc)
                                         for name, cs, t_ms, conc in runs))
            rounds.append((rnd, [(name, len(cs), r) for (name, cs, _, _), r in
                                 zip(runs, res)]))
            # a live case whose fault never came (the server, loaded, did
            # not answer in time) says nothing about the fault: once more
            # (a cut inside the server's closing alert, behind the end of
            # its answer, is reached only if the client still reads when
            # the server answers its close_notify: a matter of timing, and
            # the client may be gone; such a case must still end healthy)
            pending = [c for c in chunk if c.mode in ("close", "reset", "stall")
                       and not c.faulted and c.after > 0
                       and c.after < layouts[c.server].answer_end]
            if not pending:
                break
        unfaulted += pending
        for srv in listeners:
            srv.close()
    sweep_s = time.monotonic() - t_sweep
    for rnd, rs in rounds:
        for name, n, (rc, err) in rs:
            print("# round %d: %s: %d cases, rdpneg-scan exit %s%s" %
                  (rnd, name, n, rc, (": " + err.strip()[:300]) if err.strip() else ""))
    nodoc = [c.label for c in cases if not c.doc]
    tap(not nodoc, "rdpneg-scan wrote a document for each of %d cases" % len(cases),
        nodoc[:10])
    unfaulted = [c.label + ": " + summary(c.doc) for c in unfaulted]
    tap(not unfaulted, "every live case reached its fault (3 rounds at most)",
        unfaulted[:10])

    # 3. the checks
    for name, lay in layouts.items():
        mine = [c for c in cases if c.server == name]
        for mode, word in (("close", "FIN"), ("reset", "RST")):
            sel = [c for c in mine if c.mode == mode]
            bad = []
            causes = {}
            for c in sel:
                doc = c.doc or {}
                probs = expect_cut(lay, c.after, mode, doc) if c.doc else ["no document"]
                probs += within_deadline(c)
                if probs:
                    bad.append("%s after %d%s: %s | %s" %
                               (word, c.after, "" if c.replay is None else " (played back)",
                                "; ".join(probs), summary(c.doc)))
                f = (doc.get("diagnosis") or [{}])[0]
                key = "%s:%s" % (lay.region(c.after), f.get("cause"))
                causes[key] = causes.get(key, 0) + 1
            nrep = sum(1 for c in sel if c.replay is not None)
            tap(not bad, "%s: %s after %d byte offsets of 0..%d (%d played back: "
                "every offset < %d; %d live: %s), each classified by phase and "
                "last message within its deadline" %
                (name, word, len(sel), lay.total - 1, nrep, lay.replay_limit,
                 len(sel) - nrep, "every offset" if FULL and STEP == 1 else
                 "record edges and every %dth byte" % LIVE_STEP),
                bad[:15] + (["... %d more" % (len(bad) - 15)] if len(bad) > 15 else [])
                + ["first findings by region: %s" % causes])
        for c in (c for c in mine if c.mode == "stall"):
            doc = c.doc or {}
            probs = expect_cut(lay, c.after, "close", doc) if c.doc else ["no document"]
            # a stall is a timeout, not a close: the statuses differ
            probs = [p for p in probs if not p.startswith(("x224.status", "tls.status"))]
            x, t = doc.get("x224") or {}, doc.get("tls") or {}
            if c.after < lay.cc_len and x.get("status") != "timeout":
                probs.append("x224.status %r, expected timeout" % x.get("status"))
            if lay.cc_len <= c.after < lay.tls_end and t.get("status") != "stalled":
                probs.append("tls.status %r, expected stalled" % t.get("status"))
            probs += within_deadline(c)
            tap(not probs, "%s (%s, last complete: %s)" %
                (c.label, lay.region(c.after), lay.last_msg(c.after)),
                probs + [summary(c.doc)])
        for c in (c for c in mine if c.mode == "trickle"):
            doc = c.doc or {}
            probs = within_deadline(c)
            x, t, nla = doc.get("x224") or {}, doc.get("tls") or {}, doc.get("nla") or {}
            # what the relay had trickled when the probe gave up (the
            # primary connection); at most T / 100 ms bytes
            sent = c.sent[0]["sent"] if c.sent else 0
            rate = "%d bytes trickled" % (sent - c.after)
            if sent - c.after > c.t_ms / 1000.0 / TRICKLE_S + 2:
                probs.append("%s: more than T allows" % rate)
            if c.after == lay.cc_len:
                # the TLS phase times out after T
                got = t.get("bytes_received")
                if x.get("status") != "ok" or first_failed_phase(doc) != "tls" \
                        or t.get("status") != "stalled":
                    probs.append("expected X.224 ok, TLS stalled")
                # the relay's last byte may leave it as the client's deadline
                # fires (1 byte per 100 ms): one byte in flight is no fault
                if got not in (sent - lay.cc_len, sent - lay.cc_len - 1):
                    probs.append("tls.bytes_received %r, the relay sent %d" %
                                 (got, sent - lay.cc_len))
                seen = lay.cc_len + got if isinstance(got, int) else sent
                if t.get("last_server_message") != lay.last_msg(seen):
                    probs.append("last_server_message %r, expected %r" %
                                 (t.get("last_server_message"), lay.last_msg(seen)))
            else:
                if first_failed_phase(doc) != "nla" or nla.get("ntlm") is not None \
                        or t.get("status") != "ok":
                    probs.append("expected TLS ok, NLA failed before the CHALLENGE")
            f = (doc.get("diagnosis") or [{}])[0]
            if f.get("phase") != first_failed_phase(doc):
                probs.append("first finding phase %r" % f.get("phase"))
            tap(not probs, c.label + " ends within its deadline",
                probs + [rate, summary(c.doc)])
        for c in (c for c in mine if c.mode in ("split", "coalesce")):
            doc = c.doc or {}
            probs = within_deadline(c)
            if doc.get("verdict") != "healthy" or first_failed_phase(doc):
                probs.append("expected healthy like the recording")
            t = doc.get("tls") or {}
            # the answer up to its end; the server's closing alert (when the
            # recording caught one) only if it came before the client left
            want = {lay.answer_end - lay.cc_len, lay.total - lay.cc_len}
            if t.get("bytes_received") not in want:
                probs.append("tls.bytes_received %r, expected %s" %
                             (t.get("bytes_received"), " or ".join(
                                 str(w) for w in sorted(want))))
            tap(not probs, c.label + ": same result as the recording",
                probs + [summary(c.doc)])

    dump = os.environ.get("BYTEFAULTS_DUMP")
    if dump:
        with open(dump, "w") as fh:
            for c in cases:
                fh.write(json.dumps({"case": c.label, "after": c.after,
                                     "replay": c.replay is not None,
                                     "conns": c.conns, "doc": c.doc}) + "\n")
    nrep = sum(1 for c in cases if c.replay is not None)
    print("# %d cases (%d played back, %d live) in %.1f s (sweep %.1f s); "
          "concurrency %d played back, %d live; timeout %d / %d ms" %
          (len(cases), nrep, len(cases) - nrep, time.monotonic() - t_start,
           sweep_s, CONCURRENCY, LIVE_CONCURRENCY, T_MS, T_LIVE_MS))
    print("1..%d" % _n)
    return 1 if _failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
