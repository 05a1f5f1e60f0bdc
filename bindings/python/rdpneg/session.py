"""Session (the sans-I/O core, rdpneg_session) and Report (its evidence)."""

import ctypes
import json as _json
import threading
import time
from typing import NamedTuple, Optional

from . import _errors, _ffi
from ._enums import (CloseReason, NegFailure, Phase, PhaseStatus, Protocol,
                     TcpStatus, TlsStatus, Verdict, X224Status)
from .config import Config

__all__ = ["Session", "Report", "PhaseResult", "Finding", "Diagnosis",
           "now_ns", "TSTAMP_NEVER"]

TSTAMP_NEVER = (1 << 64) - 1


def now_ns():
    """The session clock: time.monotonic_ns()."""
    return time.monotonic_ns()


def _ts(ts):
    if ts is None:
        return now_ns()
    if isinstance(ts, bool) or not isinstance(ts, int) or ts < 0:
        raise TypeError("ts must be a non-negative int (nanoseconds)")
    return ts


def _enum(cls, value):
    try:
        return cls(value)
    except ValueError:
        return value


class PhaseResult(NamedTuple):
    """One phase of the evidence."""
    name: str                 # "tcp", "x224", "tls", "nla"
    status: PhaseStatus
    ms: Optional[float]       # elapsed, None when the phase did not run
    error: int                # RDPNEG_ERR_* that ended it, 0 if none
    error_name: Optional[str]  # "RDPNEG_ERR_TIMEOUT" or None
    detail: Optional[str]     # the JSON "detail" sentence

    def exception(self):
        """The RdpnegError for |error|, or None."""
        return _ffi.make_error(self.error, None, self.detail) \
            if self.error < 0 else None


class Finding(NamedTuple):
    """One finding of the diagnosis: a cause from the catalogue."""
    cause: str                # stable cause ID, e.g. "CERT_EXPIRED"
    phase: Optional[str]      # "tcp", "x224", "tls", "nla"
    severity: Optional[str]   # "failing", "degraded", "info"
    confidence: Optional[str]  # "high", "medium", "low"
    evidence: Optional[str]   # the observation in words, with values
    title: Optional[str] = None
    remedies: tuple = ()

    @classmethod
    def from_json(cls, d):
        return cls(d.get("cause"), d.get("phase"), d.get("severity"),
                   d.get("confidence"), d.get("evidence"), d.get("title"),
                   tuple(d.get("remedies") or ()))


class Diagnosis:
    """Findings of rdpneg_diagnose() (a snapshot; no native resource)."""

    def __init__(self, findings, verdict, reported_verdict, raw_json):
        self.findings = findings
        self.verdict = verdict
        self.reported_verdict = reported_verdict  # confirmed/refuted/...
        self.raw_json = raw_json

    @property
    def json(self):
        return _json.loads(self.raw_json)

    def __iter__(self):
        return iter(self.findings)

    def __len__(self):
        return len(self.findings)

    def __repr__(self):
        return "<rdpneg.Diagnosis verdict=%s %s>" % (
            self.verdict.name.lower(), [f.cause for f in self.findings])


class Report:
    """A snapshot of a finished (or current) session's evidence.

    Holds no native resource. ``json`` is the parsed rdpneg.probe/1
    document, ``raw_json`` its text; the typed fields come from the C
    accessors.
    """

    def __init__(self, raw_json, text, verdict, tcp_status, x224_status,
                 tls_status, selected_protocol, failure_code, phases):
        self.raw_json = raw_json
        self._text = text
        self.verdict = verdict
        self.tcp_status = tcp_status
        self.x224_status = x224_status
        self.tls_status = tls_status
        self.selected_protocol = selected_protocol
        self.failure_code = failure_code
        self.phases = phases
        self._json = None

    @classmethod
    def from_session(cls, sess):
        h = sess._handle()
        c = _ffi.core
        raw = _ffi.alloc_call(c.rdpneg_session_json, h)
        text = _ffi.alloc_call(c.rdpneg_session_report, h)
        doc = _json.loads(raw)
        details = {p.get("name"): p.get("detail")
                   for p in doc.get("phases", ())}
        phases = []
        for ph in Phase:
            ms, err = ctypes.c_double(), ctypes.c_int()
            st = PhaseStatus(c.rdpneg_session_phase(h, int(ph),
                                                    ctypes.byref(ms),
                                                    ctypes.byref(err)))
            name = ph.name.lower()
            ran = st in (PhaseStatus.OK, PhaseStatus.FAILED) or \
                (st == PhaseStatus.PENDING and ms.value > 0)
            phases.append(PhaseResult(
                name, st, ms.value if ran else None, err.value,
                _ffi.err_name(err.value) if err.value else None,
                details.get(name)))
        sel = c.rdpneg_session_selected_protocol(h)
        fc = c.rdpneg_session_failure_code(h)
        rep = cls(raw, text,
                  Verdict(c.rdpneg_session_verdict(h)),
                  _enum(TcpStatus, c.rdpneg_session_tcp_status(h)),
                  _enum(X224Status, c.rdpneg_session_x224_status(h)),
                  _enum(TlsStatus, c.rdpneg_session_tls_status(h)),
                  None if sel < 0 else _enum(Protocol, sel),
                  None if fc == 0 else _enum(NegFailure, fc),
                  tuple(phases))
        rep._json = doc
        return rep

    @property
    def json(self):
        """The evidence as a dict (schema rdpneg.probe/1)."""
        if self._json is None:
            self._json = _json.loads(self.raw_json)
        return self._json

    @property
    def exit_code(self):
        """Monitoring-plugin exit code: 0 healthy, 1 degraded, 2 failing,
        3 unknown (the verdict's value)."""
        return int(self.verdict)

    @property
    def ok(self):
        return self.verdict == Verdict.HEALTHY

    @property
    def diagnosis(self):
        """The findings (Finding tuples, most important first) that the
        library derived from the evidence; [] from a library without the
        diagnosis."""
        return [Finding.from_json(d) for d in self.json.get("diagnosis") or ()]

    @property
    def reported(self):
        """The cross-check of a reported code (dict) or None."""
        return self.json.get("reported")

    @property
    def certificate(self):
        """The server certificate's evidence (dict), or None."""
        tls = self.json.get("tls") or {}
        return tls.get("certificate")

    def phase(self, which):
        """The PhaseResult of |which| (a Phase or "tcp"/"x224"/...)."""
        key = which.name.lower() if isinstance(which, Phase) else str(which)
        for p in self.phases:
            if p.name == key:
                return p
        raise KeyError(which)

    @property
    def failed_phase(self):
        """The first failed PhaseResult, or None."""
        for p in self.phases:
            if p.status == PhaseStatus.FAILED:
                return p
        return None

    def raise_for_failure(self):
        """Raises the RdpnegError that ended the first failed phase."""
        p = self.failed_phase
        if p is not None and p.error < 0:
            raise p.exception()

    def text(self):
        """The human-readable multi-line report (as rdpneg-probe prints)."""
        return self._text

    def __str__(self):
        return self._text

    def __repr__(self):
        return ("<rdpneg.Report verdict=%s tcp=%s x224=%s tls=%s>" % (
            self.verdict.name.lower(), _name(self.tcp_status),
            _name(self.x224_status), _name(self.tls_status)))


def _name(v):
    return v.name.lower() if hasattr(v, "name") else str(v)


class Session:
    """The sans-I/O core for one connection attempt (rdpneg_session).

    The caller moves the bytes and keeps the time: report the TCP outcome
    with tcp_result(), send pending_output(), feed() what the server sends,
    sleep until ``expiry`` and call handle_expiry(), and report
    transport_closed(). Timestamps are nanoseconds on one monotonic clock;
    every ``ts`` argument defaults to now_ns(). See rdpneg.aio for a
    complete driver. One Session is used by one thread at a time (calls are
    serialised by a lock).
    """

    def __init__(self, host, port=3389, config=None):
        self._lock = threading.RLock()
        self._ptr = None
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
        self._ptr = ptr
        self.host = host if isinstance(host, str) else h.decode("utf-8",
                                                                "replace")
        self.port = port

    @classmethod
    def _adopt(cls, ptr, host, port):
        self = cls.__new__(cls)
        self._lock = threading.RLock()
        self._ptr = ptr
        self.host, self.port = host, port
        return self

    def close(self):
        """Frees the native session (idempotent)."""
        with self._lock:
            ptr, self._ptr = self._ptr, None
            if ptr:
                _ffi.core.rdpneg_session_free(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _handle(self):
        if not self._ptr:
            raise ValueError("Session is closed")
        return self._ptr

    # -- driving --------------------------------------------------------------

    def start(self, ts=None):
        """Starts the probe clock (the TCP phase and its deadline)."""
        with self._lock:
            _ffi.core.rdpneg_session_start(self._handle(), _ts(ts))

    def set_wallclock(self, now_unix=None):
        """Gives the wall clock for certificate dates (default time.time())."""
        if now_unix is None:
            now_unix = int(time.time())
        with self._lock:
            _ffi.core.rdpneg_session_set_wallclock(self._handle(),
                                                   int(now_unix))

    def dns_failed(self, detail=None, ts=None):
        """Reports that name resolution failed; ends the session."""
        with self._lock:
            _ffi.core.rdpneg_session_dns_failed(
                self._handle(), _ffi.cstr(detail, "detail"), _ts(ts))

    def tcp_result(self, status, address=None, sys_error=0, ts=None):
        """Reports the TCP connect outcome (a TcpStatus). On OK the X.224
        Connection Request becomes pending output."""
        with self._lock:
            _ffi.core.rdpneg_session_tcp_result(
                self._handle(), int(TcpStatus(status)),
                _ffi.cstr(address, "address"), int(sys_error), _ts(ts))

    def feed(self, data, ts=None):
        """Feeds received bytes; returns how many were taken."""
        data = bytes(data)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data) \
            if data else None
        with self._lock:
            return _ffi.core.rdpneg_session_read(self._handle(), buf,
                                                 len(data), _ts(ts))

    def pending_output(self, ts=None):
        """Drains every byte the session wants sent (b"" when none)."""
        ts = _ts(ts)
        chunks = []
        buf = (ctypes.c_uint8 * 16384)()
        with self._lock:
            h = self._handle()
            while True:
                n = _ffi.core.rdpneg_session_write(h, buf, len(buf), ts)
                if n == 0:
                    break
                chunks.append(bytes(buf[:n]))
        return b"".join(chunks)

    @property
    def expiry(self):
        """The next deadline (ns on the session clock), None when none."""
        with self._lock:
            v = _ffi.core.rdpneg_session_expiry(self._handle())
        return None if v == TSTAMP_NEVER else v

    def handle_expiry(self, ts=None):
        """Tells the session that time |ts| has come."""
        with self._lock:
            _ffi.core.rdpneg_session_handle_expiry(self._handle(), _ts(ts))

    def transport_closed(self, reason=CloseReason.EOF, sys_error=0, ts=None):
        """Reports that the transport ended (a CloseReason)."""
        with self._lock:
            _ffi.core.rdpneg_session_transport_closed(
                self._handle(), int(CloseReason(reason)), int(sys_error),
                _ts(ts))

    def cancel(self, ts=None):
        """Ends the current phase with RDPNEG_ERR_CANCELLED."""
        with self._lock:
            _ffi.core.rdpneg_session_cancel(self._handle(), _ts(ts))

    def set_analysis(self, taxonomy=None, reported=None):
        """Makes json()/text()/verdict use |taxonomy|'s remedies (a
        rdpneg.taxonomy.Taxonomy; None: built-in) and cross-check |reported|,
        what the user saw, e.g. "0x904/0x7" or "ntstatus:0xC000006D"
        (UsageError when it is not in that form)."""
        c = _ffi.need_diagnosis()
        with self._lock:
            c.rdpneg_session_set_analysis(
                self._handle(), taxonomy._handle() if taxonomy else None,
                _ffi.cstr(reported, "reported"))
            self._taxonomy = taxonomy  # the C side borrows it

    def diagnose(self, reported=None, taxonomy=None):
        """Diagnoses the evidence now: a Diagnosis snapshot."""
        c = _ffi.need_diagnosis()
        d = _ffi.DiagnosisP()
        with self._lock:
            c.rdpneg_diagnose(self._handle(),
                              taxonomy._handle() if taxonomy else None,
                              _ffi.cstr(reported, "reported"),
                              ctypes.byref(d))
        try:
            s = _ffi.sstr
            findings = tuple(Finding(
                s(c.rdpneg_diagnosis_cause(d, i)),
                s(c.rdpneg_diagnosis_phase(d, i)),
                s(c.rdpneg_diagnosis_severity(d, i)),
                s(c.rdpneg_diagnosis_confidence(d, i)),
                s(c.rdpneg_diagnosis_evidence(d, i)))
                for i in range(c.rdpneg_diagnosis_count(d)))
            return Diagnosis(findings, Verdict(c.rdpneg_diagnosis_verdict(d)),
                             s(c.rdpneg_diagnosis_reported_verdict(d)),
                             _ffi.alloc_call(c.rdpneg_diagnosis_json, d))
        finally:
            c.rdpneg_diagnosis_free(d)

    def attach_tls_version(self, version, probe):
        """Attaches a finished single-version probe Session (1..3)."""
        with self._lock, probe._lock:
            _ffi.core.rdpneg_session_attach_tls_version(
                self._handle(), int(version), probe._handle())

    @property
    def done(self):
        with self._lock:
            return bool(_ffi.core.rdpneg_session_done(self._handle()))

    @property
    def want_read(self):
        with self._lock:
            return bool(_ffi.core.rdpneg_session_want_read(self._handle()))

    # -- evidence -------------------------------------------------------------

    def report(self):
        """A Report snapshot of the evidence so far."""
        with self._lock:
            return Report.from_session(self)

    def json(self):
        """The evidence as a dict (schema rdpneg.probe/1)."""
        return _json.loads(self.raw_json())

    def raw_json(self):
        with self._lock:
            return _ffi.alloc_call(_ffi.core.rdpneg_session_json,
                                   self._handle())

    def text(self):
        with self._lock:
            return _ffi.alloc_call(_ffi.core.rdpneg_session_report,
                                   self._handle())

    def phase(self, which):
        """PhaseResult of |which| (a Phase)."""
        return self.report().phase(which)

    @property
    def phases(self):
        return self.report().phases

    def _acc(self, fn):
        with self._lock:
            return fn(self._handle())

    @property
    def tcp_status(self):
        return _enum(TcpStatus, self._acc(_ffi.core.rdpneg_session_tcp_status))

    @property
    def x224_status(self):
        return _enum(X224Status,
                     self._acc(_ffi.core.rdpneg_session_x224_status))

    @property
    def tls_status(self):
        return _enum(TlsStatus, self._acc(_ffi.core.rdpneg_session_tls_status))

    @property
    def selected_protocol(self):
        v = self._acc(_ffi.core.rdpneg_session_selected_protocol)
        return None if v < 0 else _enum(Protocol, v)

    @property
    def failure_code(self):
        v = self._acc(_ffi.core.rdpneg_session_failure_code)
        return None if v == 0 else _enum(NegFailure, v)

    @property
    def verdict(self):
        return Verdict(self._acc(_ffi.core.rdpneg_session_verdict))

    def __repr__(self):
        if not self._ptr:
            return "<rdpneg.Session closed>"
        return "<rdpneg.Session %s:%d done=%s>" % (self.host, self.port,
                                                   self.done)


def _check_host(host):
    if host is None:
        raise TypeError("host must be str or bytes, not None")
    return _ffi.cstr(host, "host")


def _check_port(port):
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError("port must be an int")
    if not 1 <= port <= 65535:
        raise _ffi.make_error(_errors.INVALID_ARGUMENT, None,
                              "port must be 1..65535, not %d" % port)
    return port
