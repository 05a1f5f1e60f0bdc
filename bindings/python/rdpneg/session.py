# SPDX-License-Identifier: Apache-2.0
"""Session: the sans-I/O core of one connection (rdpneg_session)."""

from __future__ import annotations

import ctypes
import time
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

from . import _errors, _ffi
from ._enums import (CloseReason, NegFailure, Phase, Protocol, TcpStatus,
                     TlsStatus, Verdict, X224Status)
from ._ffi import StrArg
from ._handle import NativeHandle
from .config import Config
from .enums import int_enum
# re-exported: they lived here before the evidence API
from .evidence import (Diagnosis, Document, Evidence, Finding, PhaseResult,
                       Report, check_reported)

if TYPE_CHECKING:
    from .taxonomy import Taxonomy

__all__ = ["Session", "Report", "PhaseResult", "Finding", "Diagnosis",
           "now_ns", "TSTAMP_NEVER"]

TSTAMP_NEVER = (1 << 64) - 1

#: a host name or address, as str or bytes
Host = Union[str, bytes]


def now_ns() -> int:
    """The session clock: time.monotonic_ns()."""
    return time.monotonic_ns()


def _ts(ts: Optional[int]) -> int:
    if ts is None:
        return now_ns()
    if isinstance(ts, bool) or not isinstance(ts, int) or ts < 0:
        raise TypeError("ts must be a non-negative int (nanoseconds)")
    return ts


class Session(NativeHandle):
    """The sans-I/O core for one connection attempt (rdpneg_session).

    The caller moves the bytes and keeps the time: report the TCP outcome
    with tcp_result(), send pending_output(), feed() what the server sends,
    sleep until ``expiry`` and call handle_expiry(), and report
    transport_closed(). Timestamps are nanoseconds on one monotonic clock;
    every ``ts`` argument defaults to now_ns(). See rdpneg.aio for a
    complete driver. One Session is used by one thread at a time (calls are
    serialised by a lock).

    A Session is one connection and holds no policy; a probe of several
    connections (a SPNEGO fallback, one connection per TLS version) is a
    Plan, which lends its Sessions to the driver.
    """

    _what = "Session"

    host: str
    port: int
    _taxonomy: Optional["Taxonomy"]
    _reported: Optional[str]

    def __init__(self, host: Host, port: int = 3389,
                 config: Optional[Config] = None) -> None:
        self._taxonomy = self._reported = None
        port = _check_port(port)
        h = _check_host(host)
        ptr = _ffi.SessionP()
        if config is None:
            with Config() as cfg:
                _ffi.core.rdpneg_session_new(ctypes.byref(ptr), cfg._handle(),
                                             h, port)
        else:
            with config._lock:
                _ffi.core.rdpneg_session_new(ctypes.byref(ptr),
                                             config._handle(), h, port)
        self._init_handle(ptr, _ffi.core.rdpneg_session_free)
        self.host = host if isinstance(host, str) else h.decode("utf-8",
                                                                "replace")
        self.port = port

    @classmethod
    def _adopt(cls, ptr: Any, host: Optional[str] = None,
               port: Optional[int] = None, owned: bool = True,
               lock: Any = None) -> "Session":
        """Wraps |ptr|: owned (freed on close) or lent by a plan (|lock|
        is the plan's; the plan invalidates the wrapper when it takes the
        session back)."""
        self = cls.__new__(cls)
        self._taxonomy = self._reported = None
        self._init_handle(ptr, _ffi.core.rdpneg_session_free, owned, lock)
        if host is None:
            host = _ffi.sstr(_ffi.core.rdpneg_session_host(ptr)) or ""
        if port is None:
            port = int(_ffi.core.rdpneg_session_port(ptr))
        self.host, self.port = host, port
        return self

    @property
    def lent(self) -> bool:
        """True for a session a Plan lent to its driver (the plan frees
        it; hand it back with Plan.attempt_done)."""
        return not self._owned

    @property
    def connect_address(self) -> Optional[str]:
        """The address an earlier attempt of the same plan connected to
        (connect there without resolving ``host`` again), or None."""
        with self._lock:
            return _ffi.sstr(_ffi.core.rdpneg_session_connect_address(
                self._handle()))

    @property
    def tcp_mss(self) -> int:
        """The TCP MSS the driver should set before connecting (a plan's
        path-MTU check), 0 for the system default."""
        with self._lock:
            return int(_ffi.core.rdpneg_session_tcp_mss(self._handle()))

    # -- driving --------------------------------------------------------------

    def start(self, ts: Optional[int] = None) -> None:
        """Starts the probe clock (the TCP phase and its deadline)."""
        with self._lock:
            _ffi.core.rdpneg_session_start(self._handle(), _ts(ts))

    def set_wallclock(self, now_unix: Optional[int] = None) -> None:
        """Gives the wall clock for certificate dates (default time.time())."""
        if now_unix is None:
            now_unix = int(time.time())
        with self._lock:
            _ffi.core.rdpneg_session_set_wallclock(self._handle(),
                                                   int(now_unix))

    def dns_failed(self, detail: Optional[StrArg] = None,
                   ts: Optional[int] = None) -> None:
        """Reports that name resolution failed; ends the session."""
        with self._lock:
            _ffi.core.rdpneg_session_dns_failed(
                self._handle(), _ffi.cstr(detail, "detail"), _ts(ts))

    def tcp_result(self, status: Union[TcpStatus, int],
                   address: Optional[StrArg] = None, sys_error: int = 0,
                   ts: Optional[int] = None) -> None:
        """Reports the TCP connect outcome (a TcpStatus). On OK the X.224
        Connection Request becomes pending output."""
        with self._lock:
            _ffi.core.rdpneg_session_tcp_result(
                self._handle(), int(TcpStatus(status)),
                _ffi.cstr(address, "address"), int(sys_error), _ts(ts))

    def feed(self, data: Union[bytes, bytearray, memoryview],
             ts: Optional[int] = None) -> int:
        """Feeds received bytes; returns how many were taken."""
        data = bytes(data)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data) \
            if data else None
        with self._lock:
            return int(_ffi.core.rdpneg_session_read(self._handle(), buf,
                                                     len(data), _ts(ts)))

    def pending_output(self, ts: Optional[int] = None) -> bytes:
        """Drains every byte the session wants sent (b"" when none)."""
        ts = _ts(ts)
        chunks = []
        buf = (ctypes.c_uint8 * 16384)()
        with self._lock:
            h = self._handle()
            while True:
                n = int(_ffi.core.rdpneg_session_write(h, buf, len(buf),
                                                       ts))
                if n == 0:
                    break
                chunks.append(bytes(buf[:n]))
        return b"".join(chunks)

    @property
    def expiry(self) -> Optional[int]:
        """The next deadline (ns on the session clock), None when none."""
        with self._lock:
            v = int(_ffi.core.rdpneg_session_expiry(self._handle()))
        return None if v == TSTAMP_NEVER else v

    def handle_expiry(self, ts: Optional[int] = None) -> None:
        """Tells the session that time |ts| has come."""
        with self._lock:
            _ffi.core.rdpneg_session_handle_expiry(self._handle(), _ts(ts))

    def transport_closed(self, reason: Union[CloseReason, int] =
                         CloseReason.EOF, sys_error: int = 0,
                         ts: Optional[int] = None) -> None:
        """Reports that the transport ended (a CloseReason)."""
        with self._lock:
            _ffi.core.rdpneg_session_transport_closed(
                self._handle(), int(CloseReason(reason)), int(sys_error),
                _ts(ts))

    def cancel(self, ts: Optional[int] = None) -> None:
        """Ends the current phase with RDPNEG_ERR_CANCELLED."""
        with self._lock:
            _ffi.core.rdpneg_session_cancel(self._handle(), _ts(ts))

    def set_analysis(self, taxonomy: Optional["Taxonomy"] = None,
                     reported: Optional[str] = None) -> None:
        """Makes report()/json()/text()/diagnose() use |taxonomy|'s remedies
        (a rdpneg.taxonomy.Taxonomy; None: built-in) and cross-check
        |reported|, what the user saw, e.g. "0x904/0x7" or
        "ntstatus:0xC000006D" (UsageError at once when it is not in that
        form). The C session holds no analysis: the binding keeps both and
        diagnoses the session's evidence when asked."""
        check_reported(reported)
        with self._lock:
            self._taxonomy, self._reported = taxonomy, reported

    def evidence(self) -> Evidence:
        """A copy of the evidence so far (an Evidence)."""
        ptr = _ffi.EvidenceP()
        with self._lock:
            _ffi.core.rdpneg_session_evidence(self._handle(),
                                              ctypes.byref(ptr))
        return Evidence._adopt(ptr)

    def _analysis(self, taxonomy: Optional["Taxonomy"],
                  reported: Optional[str]
                  ) -> Tuple[Optional["Taxonomy"], Optional[str]]:
        return (self._taxonomy if taxonomy is None else taxonomy,
                self._reported if reported is None else reported)

    def diagnose(self, reported: Optional[str] = None,
                 taxonomy: Optional["Taxonomy"] = None) -> Diagnosis:
        """Diagnoses the evidence now: a Diagnosis snapshot. |reported| and
        |taxonomy| default to those of set_analysis()."""
        taxonomy, reported = self._analysis(taxonomy, reported)
        with self.evidence() as ev:
            return ev.diagnose(taxonomy, reported)

    @property
    def done(self) -> bool:
        with self._lock:
            return bool(_ffi.core.rdpneg_session_done(self._handle()))

    @property
    def want_read(self) -> bool:
        with self._lock:
            return bool(_ffi.core.rdpneg_session_want_read(self._handle()))

    # -- evidence -------------------------------------------------------------

    def report(self) -> Report:
        """A Report of the evidence so far, diagnosed with the analysis of
        set_analysis() (default: built-in texts, nothing reported)."""
        with self.evidence() as ev:
            return ev.report(self._taxonomy, self._reported)

    def json(self) -> Document:
        """The evidence as a dict (schema rdpneg.probe/1)."""
        return self.report().json

    def raw_json(self) -> str:
        return self.report().raw_json

    def text(self) -> str:
        return self.report().text()

    def phase(self, which: Union[Phase, str]) -> PhaseResult:
        """PhaseResult of |which| (a Phase)."""
        return self.report().phase(which)

    @property
    def phases(self) -> Tuple[PhaseResult, ...]:
        return self.report().phases

    def _acc(self, fn: Any) -> int:
        with self._lock:
            return int(fn(self._handle()))

    @property
    def tcp_status(self) -> Union[TcpStatus, int]:
        v = int_enum(TcpStatus,
                     self._acc(_ffi.core.rdpneg_session_tcp_status))
        assert v is not None
        return v

    @property
    def x224_status(self) -> Union[X224Status, int]:
        v = int_enum(X224Status,
                     self._acc(_ffi.core.rdpneg_session_x224_status))
        assert v is not None
        return v

    @property
    def tls_status(self) -> Union[TlsStatus, int]:
        v = int_enum(TlsStatus,
                     self._acc(_ffi.core.rdpneg_session_tls_status))
        assert v is not None
        return v

    @property
    def selected_protocol(self) -> Union[Protocol, int, None]:
        v = self._acc(_ffi.core.rdpneg_session_selected_protocol)
        return None if v < 0 else int_enum(Protocol, v)

    @property
    def failure_code(self) -> Union[NegFailure, int, None]:
        v = self._acc(_ffi.core.rdpneg_session_failure_code)
        return None if v == 0 else int_enum(NegFailure, v)

    @property
    def verdict(self) -> Verdict:
        return Verdict(self._acc(_ffi.core.rdpneg_session_verdict))

    def __repr__(self) -> str:
        if self.closed:
            return "<rdpneg.Session closed>"
        return "<rdpneg.Session %s:%d done=%s>" % (self.host, self.port,
                                                   self.done)


def _check_host(host: Optional[Host]) -> bytes:
    if host is None:
        raise TypeError("host must be str or bytes, not None")
    return _ffi.cstr(host, "host")


def _check_port(port: int) -> int:
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError("port must be an int")
    if not 1 <= port <= 65535:
        raise _ffi.make_error(_errors.INVALID_ARGUMENT, None,
                              "port must be 1..65535, not %d" % port)
    return port
