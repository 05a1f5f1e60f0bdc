# SPDX-License-Identifier: Apache-2.0
"""An asyncio driver for probe plans: no libuv involved.

    report = await rdpneg.aio.probe("rdp.example", 3389, config)

It does what librdpneg-uv does, in Python: it asks the Plan for the next
attempts, and for each one resolves the name (or connects to the address
an earlier attempt reached), connects, moves bytes between the socket and
the Session, sleeps until ``session.expiry`` and calls handle_expiry(),
reports how the transport ended, closes the socket and hands the session
back. Every decision about which connections to make (a raw-NTLM retry,
one connection per TLS version) is the plan's, in C: this driver holds no
protocol policy, so it reports what rdpneg.probe() and rdpneg-probe
report. Deadlines (per phase and overall) live in the Session and the
Plan; this module only keeps the clock (time.monotonic_ns()). Several
probes can run concurrently on one event loop.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import (TYPE_CHECKING, Any, Awaitable, Dict, List, Optional, Set,
                    Tuple, TypeVar, Union)

from . import _errors, _ffi
from ._enums import CloseReason, TcpStatus
from .config import Config
from .errors import RdpnegError
from .evidence import Report, check_reported
from .many import aprobe_many as probe_many
from .plan import Plan
from .probe import probe_config
from .session import Host, Session, now_ns

if TYPE_CHECKING:
    from .taxonomy import Taxonomy

_T = TypeVar("_T")
_Addr = Tuple[socket.AddressFamily,
              Union[Tuple[str, int], Tuple[str, int, int, int]]]
_Conn = Tuple[asyncio.StreamReader, asyncio.StreamWriter]

__all__ = ["probe", "probe_many", "run", "drive", "cancelled_report"]

_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES,
                errno.EPERM}


def _classify(exc: BaseException) -> TcpStatus:
    if isinstance(exc, ConnectionRefusedError):
        return TcpStatus.REFUSED
    err = getattr(exc, "errno", None)
    if err == errno.ETIMEDOUT or isinstance(exc, TimeoutError):
        return TcpStatus.TIMEOUT
    if err in _UNREACHABLE:
        return TcpStatus.UNREACHABLE
    return TcpStatus.ERROR


def _timeout(sess: Session) -> Optional[float]:
    """Seconds until the session's next deadline, None when none."""
    exp = sess.expiry
    if exp is None:
        return None
    return max(0.0, (exp - now_ns()) / 1e9)


async def _run_until_done(sess: Session, aw: Awaitable[_T],
                          wake: Optional[asyncio.Event] = None
                          ) -> Tuple[bool, Any]:
    """Awaits |aw| while keeping the session's deadlines: each time the next
    deadline passes first, the session is told (handle_expiry); if that
    ended the session, |aw| is cancelled. |wake| (an asyncio.Event) is set
    by a plan driver when something else (the plan's deadline, a
    cancellation) may have ended the session. Returns (True, result) or
    (False, None) when the session ended first."""
    task = asyncio.ensure_future(aw)
    waker = asyncio.ensure_future(wake.wait()) if wake is not None else None
    try:
        while True:
            if sess.done:
                return False, None
            waiting: Set["asyncio.Future[Any]"] = \
                {task} if waker is None else {task, waker}
            done, _ = await asyncio.wait(
                waiting, timeout=_timeout(sess),
                return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                return True, task.result()
            if waker is not None and waker in done:
                assert wake is not None
                wake.clear()
                waker = asyncio.ensure_future(wake.wait())
                continue
            sess.handle_expiry(now_ns())
    finally:
        for t in (task, waker):
            if t is not None and not t.done():
                t.cancel()
                try:
                    await t
                except (asyncio.CancelledError, Exception):
                    pass


async def _flush(sess: Session, writer: asyncio.StreamWriter) -> None:
    out = sess.pending_output(now_ns())
    if out:
        writer.write(out)
        try:
            await writer.drain()
        except (ConnectionError, OSError):
            pass  # the read side reports how the connection ended


async def _connect(sess: Session, host: str, port: int,
                   wake: Optional[asyncio.Event] = None) -> Optional[_Conn]:
    """Resolves and connects; returns (reader, writer) or None when the
    session ended in the TCP phase."""
    loop = asyncio.get_running_loop()
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") \
        else host
    ok, res = await _run_until_done(sess, _resolve(loop, literal, port),
                                    wake)
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
                                         _open(address, addr[1], family,
                                               sess.tcp_mss),
                                         wake)
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


async def _resolve(loop: asyncio.AbstractEventLoop, host: str, port: int
                   ) -> Union[List[_Addr], Exception]:
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        return e
    addrs = [(family, addr) for family, _, _, _, addr in infos
             if family in (socket.AF_INET, socket.AF_INET6)][:8]
    if not addrs:
        return socket.gaierror("no IPv4 or IPv6 address")
    return addrs


async def _open(address: str, port: int, family: int, mss: int = 0
                ) -> Union[_Conn, OSError]:
    try:
        if not mss or not hasattr(socket, "TCP_MAXSEG"):
            return await asyncio.open_connection(address, port, family=family)
        # the plan's path-MTU check: a small MSS, set before the SYN
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (address, port))
        except BaseException:
            sock.close()
            raise
        return await asyncio.open_connection(sock=sock)
    except OSError as e:
        return e


async def drive(sess: Session, host: str, port: int,
                wake: Optional[asyncio.Event] = None) -> None:
    """Runs a started Session to its end over a real TCP connection (one
    connection, no policy: a probe is a Plan, see run())."""
    conn = await _connect(sess, host, port, wake)
    if conn is None:
        return
    reader, writer = conn
    try:
        while True:
            await _flush(sess, writer)
            if sess.done:
                break
            ok, res = await _run_until_done(sess, _read(reader), wake)
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


async def _read(reader: asyncio.StreamReader) -> Union[bytes, OSError]:
    try:
        return await reader.read(65536)
    except OSError as e:
        return e


def _timeout_of(deadline: Optional[int]) -> Optional[float]:
    if deadline is None:
        return None
    return max(0.0, (deadline - now_ns()) / 1e9)


async def _attempt(sess: Session, wake: asyncio.Event) -> None:
    """One attempt of a plan: connect where an earlier attempt connected,
    else resolve the host; run the session; close the socket."""
    await drive(sess, sess.connect_address or sess.host, sess.port, wake)


def _hand_back(plan: Plan, sess: Session) -> None:
    if not sess.done:
        sess.cancel(now_ns())  # the driver could not finish it
    plan.attempt_done(sess, now_ns())


async def run(plan: Plan) -> None:
    """Runs |plan| (a Plan) to its end on the running event loop.

    Starts it when it is not started (with the system's wall clock unless
    the plan or its config has one), runs every attempt the plan hands out
    as its own task (several at once when the plan allows), closes each
    attempt's socket and hands the session back, and keeps the plan's
    deadline. Returns when ``plan.done``; read the result with
    plan.report() or plan.evidence().

    Cancellation: when the coroutine is cancelled (task.cancel(),
    asyncio.wait_for or asyncio.timeout), it cancels the plan, closes every
    socket, hands every session back and re-raises CancelledError; the
    plan then holds the evidence so far, marked cancelled (plan.report()).
    An exception of the driver itself ends the plan the same way.
    """
    plan._start_for_driver(now_ns())
    # task -> (session, wake event)
    tasks: Dict["asyncio.Future[None]", Tuple[Session, asyncio.Event]] = {}

    def launch() -> None:
        while True:
            sess = plan.next(now_ns())
            if sess is None:
                return
            wake = asyncio.Event()
            tasks[asyncio.ensure_future(_attempt(sess, wake))] = (sess, wake)

    def poke() -> None:
        # a plan call may end running sessions (deadline, an answer that
        # makes the rest predictable): wake their tasks
        for sess, wake in tasks.values():
            if not sess.closed and sess.done:
                wake.set()

    try:
        while True:
            launch()
            if not tasks:
                if plan.done:
                    return
                if plan.expiry is None:
                    raise _ffi.make_error(
                        _errors.INTERNAL, "rdpneg.aio.run",
                        "the plan is not done, runs nothing and has no "
                        "deadline")
            done, _ = await asyncio.wait(
                set(tasks), timeout=_timeout_of(plan.expiry),
                return_when=asyncio.FIRST_COMPLETED)
            if not done:
                plan.handle_expiry(now_ns())
            for t in done:
                sess, _wake = tasks.pop(t)
                _hand_back(plan, sess)
                if not t.cancelled():
                    t.result()  # a driver bug propagates (after hand-back)
            poke()
    except BaseException:
        # cancelled (or a driver error): end every attempt, close every
        # socket, give every session back, keep the evidence so far
        try:
            if not plan.done:
                plan.cancel(now_ns())
            for t in tasks:
                t.cancel()
            if tasks:
                await asyncio.wait(set(tasks))
        finally:
            for t, (sess, _wake) in list(tasks.items()):
                if not sess.closed:
                    _hand_back(plan, sess)
            tasks.clear()
        raise


def cancelled_report(exc: Optional[BaseException]) -> Optional[Report]:
    """The Report that rdpneg.aio.probe() attached to the CancelledError it
    re-raised (also found through a TimeoutError of asyncio.wait_for or
    asyncio.timeout, which chain it), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        rep: Optional[Report] = getattr(exc, "report", None)
        if rep is not None:
            return rep
        exc = exc.__cause__ or exc.__context__
    return None


async def probe(host: Host, port: int = 3389,
                config: Optional[Config] = None, tls_versions: bool = False,
                reported: Optional[str] = None,
                taxonomy: Optional["Taxonomy"] = None) -> Report:
    """Probes |host|:|port| on the running event loop; returns a Report.

    Runs the same probe plan as rdpneg.probe() (same arguments), so both
    give the same document; no libuv involved. Several probes can run on
    one loop.

    Cancelled (task.cancel(), asyncio.wait_for, asyncio.timeout), it
    closes every socket and re-raises CancelledError with the Report of
    the evidence so far (``cancelled`` true) as its ``report`` attribute;
    cancelled_report(exc) finds it also behind the TimeoutError that
    wait_for/timeout raise. To keep the plan yourself, use Plan and run().
    """
    check_reported(reported)
    with probe_config(config, tls_versions) as cfg:
        plan = Plan(host, port, cfg)
    with plan:
        try:
            await run(plan)
        except asyncio.CancelledError as e:
            try:
                e.report = plan.report(  # type: ignore[attr-defined]
                    taxonomy, reported)
            except RdpnegError:
                # cancelled before any attempt finished
                e.report = None  # type: ignore[attr-defined]
            raise
        return plan.report(taxonomy, reported)
