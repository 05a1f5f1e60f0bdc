"""An asyncio driver for the sans-I/O Session: no libuv involved.

    report = await rdpneg.aio.probe("rdp.example", 3389, config)

It does what librdpneg-uv does, in Python: resolve the name, connect,
move bytes between the socket and the Session, sleep until
``session.expiry`` and call handle_expiry(), and report how the transport
ended. Deadlines (per phase and overall) live in the Session; this module
only keeps the clock (time.monotonic_ns()). Several probes can run
concurrently on one event loop.
"""

import asyncio
import errno
import socket
import time

from ._enums import CloseReason, TcpStatus
from .session import Session, now_ns

__all__ = ["probe", "drive"]

_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES,
                errno.EPERM}


def _classify(exc):
    if isinstance(exc, ConnectionRefusedError):
        return TcpStatus.REFUSED
    err = getattr(exc, "errno", None)
    if err == errno.ETIMEDOUT or isinstance(exc, TimeoutError):
        return TcpStatus.TIMEOUT
    if err in _UNREACHABLE:
        return TcpStatus.UNREACHABLE
    return TcpStatus.ERROR


def _timeout(sess):
    """Seconds until the session's next deadline, None when none."""
    exp = sess.expiry
    if exp is None:
        return None
    return max(0.0, (exp - now_ns()) / 1e9)


async def _run_until_done(sess, aw):
    """Awaits |aw| while keeping the session's deadlines: each time the next
    deadline passes first, the session is told (handle_expiry); if that
    ended the session, |aw| is cancelled. Returns (True, result) or
    (False, None) when the session ended first."""
    task = asyncio.ensure_future(aw)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=_timeout(sess))
            if task in done:
                return True, task.result()
            sess.handle_expiry(now_ns())
            if sess.done:
                return False, None
    finally:
        if not task.done():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass


async def _flush(sess, writer):
    out = sess.pending_output(now_ns())
    if out:
        writer.write(out)
        try:
            await writer.drain()
        except (ConnectionError, OSError):
            pass  # the read side reports how the connection ended


async def _connect(sess, host, port):
    """Resolves and connects; returns (reader, writer) or None when the
    session ended in the TCP phase."""
    loop = asyncio.get_running_loop()
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") \
        else host
    ok, res = await _run_until_done(sess, _resolve(loop, literal, port))
    if not ok:
        return None  # the TCP deadline passed while resolving
    if isinstance(res, Exception):
        sess.dns_failed(str(res), now_ns())
        return None
    # Like librdpneg-uv: try the addresses in order while connects fail fast
    # (refused/unreachable), e.g. "localhost" giving ::1 first while the
    # server listens on 127.0.0.1 only.
    for i, (family, addr) in enumerate(res):
        address = addr[0]
        ok, conn = await _run_until_done(sess,
                                         _open(address, addr[1], family))
        if not ok:
            return None  # the connect deadline passed
        if isinstance(conn, Exception):
            status = _classify(conn)
            if status != TcpStatus.TIMEOUT and i + 1 < len(res):
                continue
            sess.tcp_result(status, address,
                            -(getattr(conn, "errno", None) or 0), now_ns())
            return None
        reader, writer = conn
        sess.tcp_result(TcpStatus.OK, address, 0, now_ns())
        return reader, writer
    return None


async def _resolve(loop, host, port):
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        return e
    addrs = [(family, addr) for family, _, _, _, addr in infos
             if family in (socket.AF_INET, socket.AF_INET6)][:8]
    if not addrs:
        return socket.gaierror("no IPv4 or IPv6 address")
    return addrs


async def _open(address, port, family):
    try:
        return await asyncio.open_connection(address, port, family=family)
    except OSError as e:
        return e


async def drive(sess, host, port):
    """Runs a started Session to its end over a real TCP connection."""
    conn = await _connect(sess, host, port)
    if conn is None:
        return
    reader, writer = conn
    try:
        while True:
            await _flush(sess, writer)
            if sess.done:
                break
            ok, res = await _run_until_done(sess, _read(reader))
            if not ok:
                continue  # a deadline ended the session
            if isinstance(res, bytes) and res:
                sess.feed(res, now_ns())
                continue
            if isinstance(res, ConnectionResetError):
                reason, err = CloseReason.RESET, -errno.ECONNRESET
            elif isinstance(res, Exception):
                reason = CloseReason.ERROR
                err = -(getattr(res, "errno", None) or 0)
            else:
                reason, err = CloseReason.EOF, 0
            sess.transport_closed(reason, err, now_ns())
            if not sess.done:
                # the session could not conclude from a close: end it now
                sess.cancel(now_ns())
        await _flush(sess, writer)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def _read(reader):
    try:
        return await reader.read(65536)
    except OSError as e:
        return e


async def probe(host, port=3389, config=None, reported=None, taxonomy=None):
    """Probes |host|:|port| on the running event loop; returns a Report.
    |reported| and |taxonomy| as for rdpneg.probe()."""
    sess = Session(host, port, config)
    try:
        if reported is not None or taxonomy is not None:
            sess.set_analysis(taxonomy, reported)
        if config is None or config.now_unix == 0:
            sess.set_wallclock(int(time.time()))
        sess.start(now_ns())
        await drive(sess, host, port)
        return sess.report()
    finally:
        sess.close()
