# SPDX-License-Identifier: Apache-2.0
"""Evidence (what a probe observed), its Diagnosis, and the Report of both.

    ev = rdpneg.Evidence.parse(open("probe.json").read())  # a saved document
    rep = ev.report(reported="0x904/0x7")                   # diagnosed again
    d = rdpneg.diagnose(ev, taxonomy=t)                     # findings only

An Evidence value (rdpneg_evidence) holds every connection (attempt) of one
probe. It comes from a Session (``Evidence.from_session``), from a probe
plan (``Plan.evidence()``) or from a saved rdpneg.probe/1 document
(``Evidence.parse``); the diagnosis runs alike on all three. A Report is
the evidence written together with one diagnosis: ``Report.json`` is the
rdpneg.probe/1 document, ``Report.text()`` what rdpneg-probe prints.

The results (Report, Attempt, PhaseResult, Diagnosis, Finding) are frozen
dataclasses. Their enum fields print as the document's names
(``str(rep.verdict) == "failing"``, ``str(finding.severity) ==
"failing"``); a name this binding does not know stays a plain str.
"""

from __future__ import annotations

import ctypes
import json as _json
from dataclasses import dataclass, field
from typing import (TYPE_CHECKING, Any, Dict, Iterator, Mapping, Optional,
                    Tuple, Union)

from . import _errors, _ffi
from ._enums import (NegFailure, Phase, PhaseStatus, Protocol, TcpStatus,
                     TlsStatus, Verdict, X224Status)
from ._handle import NativeHandle
from .enums import (CausePhase, Confidence, ReportedVerdict, Severity,
                    int_enum, named_enum, str_enum)
from .errors import RdpnegError

if TYPE_CHECKING:
    from .plan import Plan
    from .session import Session
    from .taxonomy import Taxonomy

__all__ = ["Evidence", "Report", "Attempt", "PhaseResult", "Finding",
           "Diagnosis", "diagnose", "check_reported", "Document"]

#: a decoded JSON document
Document = Dict[str, Any]

_ERROR_VALUES = {"RDPNEG_ERR_" + name: value
                 for value, name, _cat, _msg in _errors.ERRORS}


def _hex(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 0)
    except ValueError:
        return None


def check_reported(reported: Optional[str]) -> Optional[str]:
    """Checks the form of a reported code ("0x904/0x7",
    "ntstatus:0xC000006D", ...) as the diagnosis reads it; raises
    UsageError (INVALID_ARGUMENT) when it is not in that form. None passes."""
    if reported is not None:
        _ffi.core.rdpneg_reported_check(_ffi.cstr(reported, "reported"))
    return reported


def _phase_key(which: Union[Phase, str]) -> str:
    return str(which).lower()


@dataclass(frozen=True)
class PhaseResult:
    """One phase of one connection."""

    phase: Union[Phase, str]          # Phase.TCP ... (str() "tcp")
    status: Union[PhaseStatus, str]   # PhaseStatus.OK ... (str() "ok")
    ms: Optional[float]               # elapsed, None when it did not run
    error: int                        # RDPNEG_ERR_* that ended it, 0 if none
    error_name: Optional[str]         # "RDPNEG_ERR_TIMEOUT" or None
    detail: Optional[str]             # the JSON "detail" sentence

    @property
    def name(self) -> str:
        """The phase's JSON name: "tcp", "x224", "tls" or "nla"."""
        return str(self.phase)

    def exception(self) -> Optional[RdpnegError]:
        """The RdpnegError for |error|, or None."""
        return _ffi.make_error(self.error, None, self.detail) \
            if self.error < 0 else None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "PhaseResult":
        """The PhaseResult of one item of a document's phases[]."""
        name = d.get("error")
        err = _ERROR_VALUES.get(name, 0) if name else 0
        if name and not err:  # a code this binding does not know
            err = _errors.INTERNAL
        status = named_enum(PhaseStatus, d.get("status"))
        ms = d.get("ms")
        if status == PhaseStatus.PENDING and not ms:
            ms = None  # not begun
        phase = named_enum(Phase, d.get("name"))
        return cls(phase if phase is not None else "",
                   status if status is not None else PhaseStatus.PENDING,
                   None if ms is None else float(ms), err, name,
                   d.get("detail"))


@dataclass(frozen=True)
class Finding:
    """One finding of the diagnosis: a cause from the catalogue."""

    cause: str                                  # stable ID, "CERT_EXPIRED"
    phase: Union[CausePhase, str, None]         # "dns", "tcp", "x224", ...
    severity: Union[Severity, str, None]        # failing, degraded, info
    confidence: Union[Confidence, str, None]    # high, medium, low
    evidence: Optional[str]   # the observation in words, with values
    title: Optional[str] = None
    remedies: Tuple[str, ...] = ()

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Finding":
        """The Finding of one item of a document's diagnosis[]."""
        return cls(str(d.get("cause") or ""),
                   str_enum(CausePhase, d.get("phase")),
                   str_enum(Severity, d.get("severity")),
                   str_enum(Confidence, d.get("confidence")),
                   d.get("evidence"), d.get("title"),
                   tuple(str(r) for r in d.get("remedies") or ()))


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """Findings of rdpneg_diagnose() (a snapshot; no native resource)."""

    findings: Tuple[Finding, ...]
    verdict: Verdict
    reported_verdict: Union[ReportedVerdict, str, None]
    raw_json: str = field(repr=False)

    @classmethod
    def _from_native(cls, d: Any) -> "Diagnosis":
        c, s = _ffi.core, _ffi.sstr
        doc = _json.loads(_ffi.alloc_call(c.rdpneg_diagnosis_json, d))
        rows = doc.get("diagnosis") or []
        findings = []
        for i in range(int(c.rdpneg_diagnosis_count(d))):
            row = rows[i] if i < len(rows) else {}
            findings.append(Finding(
                s(c.rdpneg_diagnosis_cause(d, i)) or "",
                str_enum(CausePhase, s(c.rdpneg_diagnosis_phase(d, i))),
                str_enum(Severity, s(c.rdpneg_diagnosis_severity(d, i))),
                str_enum(Confidence, s(c.rdpneg_diagnosis_confidence(d, i))),
                s(c.rdpneg_diagnosis_evidence(d, i)),
                row.get("title"),
                tuple(str(r) for r in row.get("remedies") or ())))
        return cls(tuple(findings), Verdict(c.rdpneg_diagnosis_verdict(d)),
                   str_enum(ReportedVerdict,
                            s(c.rdpneg_diagnosis_reported_verdict(d))),
                   _json.dumps(doc))

    @property
    def json(self) -> Document:
        """{"diagnosis": [...], "reported": {...} | None}"""
        doc: Document = _json.loads(self.raw_json)
        return doc

    @property
    def reported(self) -> Optional[Document]:
        """The cross-check of the reported code (dict) or None."""
        rep: Optional[Document] = self.json.get("reported")
        return rep

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __repr__(self) -> str:
        return "<rdpneg.Diagnosis verdict=%s %s>" % (
            self.verdict, [f.cause for f in self.findings])


def _connection_fields(doc: Mapping[str, Any]) -> Dict[str, Any]:
    """The typed fields of one connection's members of a document."""
    tcp = doc.get("tcp") or {}
    x224 = doc.get("x224") or {}
    tls = doc.get("tls") or {}
    sel = _hex(x224.get("selected_protocol"))
    fc = x224.get("failure_code")
    return {
        "target": dict(doc.get("target") or {}),
        "tcp_status": named_enum(TcpStatus, tcp.get("status")),
        "x224_status": named_enum(X224Status, x224.get("status")),
        "tls_status": named_enum(TlsStatus, tls.get("status")),
        "selected_protocol": int_enum(Protocol, sel),
        "failure_code": None if not fc else int_enum(NegFailure, _hex(fc)),
        "phases": tuple(PhaseResult.from_json(p)
                        for p in doc.get("phases") or ()),
        "finished": doc.get("finished"),
        "cancelled": doc.get("cancelled"),
        "json": dict(doc),
    }


@dataclass(frozen=True, eq=False)
class _Connection:
    """Typed fields of one connection's members of the document (the top
    level describes the attempt the plan chose: ``plan.top_attempt``)."""

    target: Dict[str, Any]
    tcp_status: Union[TcpStatus, str, None]
    x224_status: Union[X224Status, str, None]
    tls_status: Union[TlsStatus, str, None]
    selected_protocol: Union[Protocol, int, None]
    failure_code: Union[NegFailure, int, None]
    phases: Tuple[PhaseResult, ...]
    finished: Optional[bool]
    cancelled: Optional[bool]
    json: Document = field(repr=False)

    @property
    def certificate(self) -> Optional[Dict[str, Any]]:
        """The server certificate's evidence (dict), or None."""
        tls = self.json.get("tls") or {}
        cert: Optional[Dict[str, Any]] = tls.get("certificate")
        return cert

    def phase(self, which: Union[Phase, str]) -> PhaseResult:
        """The PhaseResult of |which| (a Phase or "tcp"/"x224"/...)."""
        key = _phase_key(which)
        for p in self.phases:
            if p.name == key:
                return p
        raise KeyError(which)

    @property
    def failed_phase(self) -> Optional[PhaseResult]:
        """The first failed PhaseResult, or None."""
        for p in self.phases:
            if p.status == PhaseStatus.FAILED:
                return p
        return None

    def raise_for_failure(self) -> None:
        """Raises the RdpnegError that ended the first failed phase."""
        p = self.failed_phase
        if p is not None:
            exc = p.exception()
            if exc is not None:
                raise exc


@dataclass(frozen=True, eq=False, repr=False)
class Attempt(_Connection):
    """One connection of a probe (an item of the document's attempts[]):
    why the plan made it (``purpose``: "primary", "spnego_fallback",
    "tls_version", ...), the TLS versions it offered, its phases and
    outcome. ``json`` is the item itself."""

    index: int = 0
    purpose: Optional[str] = None
    tls_offered: Optional[str] = None
    total_ms: Optional[float] = None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], index: int) -> "Attempt":
        return cls(index=index, purpose=doc.get("purpose"),
                   tls_offered=doc.get("tls_offered"),
                   total_ms=doc.get("total_ms"), **_connection_fields(doc))

    def __repr__(self) -> str:
        return "<rdpneg.Attempt #%d %s tcp=%s x224=%s tls=%s>" % (
            self.index, self.purpose, self.tcp_status, self.x224_status,
            self.tls_status)


@dataclass(frozen=True, eq=False, repr=False)
class Report(_Connection):
    """A probe's evidence written with its diagnosis (a snapshot; holds no
    native resource).

    ``json`` is the rdpneg.probe/1 document (``raw_json`` its text),
    ``text()`` the human-readable report. The typed fields (tcp_status,
    x224_status, tls_status, selected_protocol, failure_code, phases) are
    those of the top level, i.e. of the attempt the plan chose;
    ``attempts`` lists every connection, ``plan`` says why they were made.
    """

    verdict: Union[Verdict, str, None] = None
    diagnosis: Tuple[Finding, ...] = ()
    attempts: Tuple[Attempt, ...] = ()
    plan: Optional[Dict[str, Any]] = None
    source: Optional[str] = None
    reported: Optional[Dict[str, Any]] = None
    raw_json: str = ""
    report_text: str = ""
    diagnosis_result: Optional[Diagnosis] = None

    @classmethod
    def from_document(cls, raw_json: str, text: str = "",
                      diagnosis: Optional[Diagnosis] = None) -> "Report":
        """The Report of a rdpneg.probe/1 document (its JSON text) and its
        human-readable |text|; |diagnosis| is the Diagnosis it was written
        with, when known."""
        doc = _json.loads(raw_json)
        return cls(
            verdict=named_enum(Verdict, doc.get("verdict")),
            diagnosis=tuple(Finding.from_json(d)
                            for d in doc.get("diagnosis") or ()),
            attempts=tuple(Attempt.from_json(a, i) for i, a in
                           enumerate(doc.get("attempts") or ())),
            plan=doc.get("plan"), source=doc.get("source"),
            reported=doc.get("reported"), raw_json=raw_json,
            report_text=text, diagnosis_result=diagnosis,
            **_connection_fields(doc))

    @classmethod
    def from_evidence(cls, evidence: "Evidence",
                      taxonomy: Optional["Taxonomy"] = None,
                      reported: Optional[str] = None) -> "Report":
        """Diagnoses |evidence| (an Evidence) with |taxonomy| and
        |reported| and writes both."""
        return evidence.report(taxonomy, reported)

    @property
    def exit_code(self) -> int:
        """Monitoring-plugin exit code: 0 healthy, 1 degraded, 2 failing,
        3 unknown (the verdict's value)."""
        return int(self.verdict) if isinstance(self.verdict, Verdict) else 3

    @property
    def ok(self) -> bool:
        return self.verdict == Verdict.HEALTHY

    def text(self) -> str:
        """The human-readable multi-line report (as rdpneg-probe prints)."""
        return self.report_text

    def __str__(self) -> str:
        return self.report_text

    def __repr__(self) -> str:
        return ("<rdpneg.Report verdict=%s tcp=%s x224=%s tls=%s "
                "connections=%d>" % (
                    self.verdict, self.tcp_status, self.x224_status,
                    self.tls_status, len(self.attempts) or 1))


class Evidence(NativeHandle):
    """What a probe observed: every connection, every phase (an owned
    rdpneg_evidence). Independent of the session or plan it came from.
    Context manager; freed on close() or garbage collection."""

    _what = "Evidence"

    def __init__(self) -> None:
        raise TypeError("use Evidence.parse(), Evidence.from_session(), "
                        "Session.evidence() or Plan.evidence()")

    @classmethod
    def _adopt(cls, ptr: Any) -> "Evidence":
        self = cls.__new__(cls)
        self._init_handle(ptr, _ffi.core.rdpneg_evidence_free)
        return self

    @classmethod
    def parse(cls, document: Union[str, bytes, bytearray, memoryview,
                                   Mapping[str, Any]]) -> "Evidence":
        """Reads a saved rdpneg.probe/1 document (str, bytes or a dict)
        back into evidence. Raises UsageError (BAD_FILE) whose detail says
        where the document is wrong."""
        if isinstance(document, Mapping):
            document = _json.dumps(dict(document))
        if isinstance(document, str):
            data = document.encode("utf-8")
        elif isinstance(document, (bytes, bytearray, memoryview)):
            data = bytes(document)
        else:
            raise TypeError("document must be str, bytes or dict, not %s"
                            % type(document).__name__)
        ptr = _ffi.EvidenceP()
        err = ctypes.create_string_buffer(256)
        rv = int(_ffi.core.rdpneg_evidence_parse(data, len(data),
                                                 ctypes.byref(ptr), err,
                                                 len(err)))
        if rv < 0 or not ptr:
            if ptr:
                _ffi.core.rdpneg_evidence_free(ptr)
            raise _ffi.make_error(rv if rv < 0 else _errors.INTERNAL,
                                  "rdpneg_evidence_parse",
                                  _ffi.sstr(err.value) or None)
        return cls._adopt(ptr)

    @classmethod
    def from_session(cls, session: "Session") -> "Evidence":
        """A copy of |session|'s evidence so far (a Session)."""
        return session.evidence()

    @classmethod
    def from_plan(cls, plan: "Plan") -> "Evidence":
        """A copy of the evidence of |plan|'s finished attempts."""
        return plan.evidence()

    @property
    def attempt_count(self) -> int:
        """Number of connections (1 for a single session)."""
        with self._lock:
            return int(_ffi.core.rdpneg_evidence_attempt_count(
                self._handle()))

    def __len__(self) -> int:
        return self.attempt_count

    def _diagnose_native(self, taxonomy: Optional["Taxonomy"],
                         reported: Optional[str]) -> Any:
        d = _ffi.DiagnosisP()
        _ffi.core.rdpneg_diagnose(self._handle(),
                                  taxonomy._handle() if taxonomy else None,
                                  _ffi.cstr(reported, "reported"),
                                  ctypes.byref(d))
        return d

    def diagnose(self, taxonomy: Optional["Taxonomy"] = None,
                 reported: Optional[str] = None) -> Diagnosis:
        """Diagnoses the evidence: a Diagnosis snapshot. |taxonomy| (a
        rdpneg.taxonomy.Taxonomy) supplies vendor remedy texts, |reported|
        is what the user saw (UsageError when not in the form)."""
        with self._lock:
            d = self._diagnose_native(taxonomy, reported)
            try:
                return Diagnosis._from_native(d)
            finally:
                _ffi.core.rdpneg_diagnosis_free(d)

    def report(self, taxonomy: Optional["Taxonomy"] = None,
               reported: Optional[str] = None) -> Report:
        """Diagnoses the evidence and writes both: a Report."""
        c = _ffi.core
        with self._lock:
            h = self._handle()
            d = self._diagnose_native(taxonomy, reported)
            try:
                raw = _ffi.alloc_call(c.rdpneg_evidence_json, h, d)
                text = _ffi.alloc_call(c.rdpneg_evidence_report, h, d)
                diag = Diagnosis._from_native(d)
            finally:
                c.rdpneg_diagnosis_free(d)
        return Report.from_document(raw, text, diag)

    def raw_json(self, taxonomy: Optional["Taxonomy"] = None,
                 reported: Optional[str] = None) -> str:
        """The rdpneg.probe/1 document (text) with its diagnosis."""
        return self.report(taxonomy, reported).raw_json

    def json(self, taxonomy: Optional["Taxonomy"] = None,
             reported: Optional[str] = None) -> Document:
        """The rdpneg.probe/1 document as a dict."""
        return self.report(taxonomy, reported).json

    def text(self, taxonomy: Optional["Taxonomy"] = None,
             reported: Optional[str] = None) -> str:
        """The human-readable report."""
        return self.report(taxonomy, reported).text()

    def __repr__(self) -> str:
        if self.closed:
            return "<rdpneg.Evidence closed>"
        return "<rdpneg.Evidence connections=%d>" % self.attempt_count


def diagnose(evidence: Union[Evidence, "Session", "Plan", str, bytes,
                             bytearray, memoryview, Mapping[str, Any]],
             taxonomy: Optional["Taxonomy"] = None,
             reported: Optional[str] = None) -> Diagnosis:
    """Diagnoses |evidence|: an Evidence, a Session or a Plan (their
    evidence so far), or a saved rdpneg.probe/1 document (str, bytes or
    dict). Returns a Diagnosis."""
    if isinstance(evidence, Evidence):
        return evidence.diagnose(taxonomy, reported)
    if isinstance(evidence, (str, bytes, bytearray, memoryview, Mapping)):
        with Evidence.parse(evidence) as ev:
            return ev.diagnose(taxonomy, reported)
    if hasattr(evidence, "evidence"):
        with evidence.evidence() as ev:
            return ev.diagnose(taxonomy, reported)
    raise TypeError("cannot diagnose a %s" % type(evidence).__name__)
