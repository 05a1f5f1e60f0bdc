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
"""

import ctypes
import json as _json
from typing import NamedTuple, Optional

from . import _errors, _ffi
from ._enums import (NegFailure, Phase, PhaseStatus, Protocol, TcpStatus,
                     TlsStatus, Verdict, X224Status)
from ._handle import NativeHandle

__all__ = ["Evidence", "Report", "Attempt", "PhaseResult", "Finding",
           "Diagnosis", "diagnose", "check_reported"]

_ERROR_VALUES = {"RDPNEG_ERR_" + name: value
                 for value, name, _cat, _msg in _errors.ERRORS}


def _enum(cls, value):
    try:
        return cls(value)
    except ValueError:
        return value


def _enum_name(cls, name):
    """The member of |cls| named by a document string ("not_rdp"), the
    string itself when this binding does not know it, None for None."""
    if name is None:
        return None
    try:
        return cls[str(name).upper()]
    except KeyError:
        return name


def _hex(value):
    if value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 0)
    except ValueError:
        return None


def check_reported(reported):
    """Checks the form of a reported code ("0x904/0x7",
    "ntstatus:0xC000006D", ...) as the diagnosis reads it; raises
    UsageError (INVALID_ARGUMENT) when it is not in that form. None passes."""
    if reported is not None:
        _ffi.core.rdpneg_reported_check(_ffi.cstr(reported, "reported"))
    return reported


class PhaseResult(NamedTuple):
    """One phase of one connection."""
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

    @classmethod
    def from_json(cls, d):
        name = d.get("error")
        err = _ERROR_VALUES.get(name, 0) if name else 0
        if name and not err:  # a code this binding does not know
            err = _errors.INTERNAL
        status = _enum_name(PhaseStatus, d.get("status"))
        ms = d.get("ms")
        if status == PhaseStatus.PENDING and not ms:
            ms = None  # not begun
        return cls(d.get("name"), status, ms, err, name, d.get("detail"))


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

    @classmethod
    def _from_native(cls, d):
        c, s = _ffi.core, _ffi.sstr
        doc = _json.loads(_ffi.alloc_call(c.rdpneg_diagnosis_json, d))
        rows = doc.get("diagnosis") or []
        findings = []
        for i in range(c.rdpneg_diagnosis_count(d)):
            row = rows[i] if i < len(rows) else {}
            findings.append(Finding(
                s(c.rdpneg_diagnosis_cause(d, i)),
                s(c.rdpneg_diagnosis_phase(d, i)),
                s(c.rdpneg_diagnosis_severity(d, i)),
                s(c.rdpneg_diagnosis_confidence(d, i)),
                s(c.rdpneg_diagnosis_evidence(d, i)),
                row.get("title"), tuple(row.get("remedies") or ())))
        self = cls(tuple(findings), Verdict(c.rdpneg_diagnosis_verdict(d)),
                   s(c.rdpneg_diagnosis_reported_verdict(d)),
                   _json.dumps(doc))
        self._json = doc
        return self

    @property
    def json(self):
        """{"diagnosis": [...], "reported": {...} | None}"""
        return _json.loads(self.raw_json)

    @property
    def reported(self):
        """The cross-check of the reported code (dict) or None."""
        return self.json.get("reported")

    def __iter__(self):
        return iter(self.findings)

    def __len__(self):
        return len(self.findings)

    def __repr__(self):
        return "<rdpneg.Diagnosis verdict=%s %s>" % (
            self.verdict.name.lower(), [f.cause for f in self.findings])


def _name(v):
    return v.name.lower() if hasattr(v, "name") else str(v)


class _Connection:
    """Typed fields of one connection's members of the document (the top
    level describes the attempt the plan chose: ``plan.top_attempt``)."""

    def _parse(self, doc):
        self._doc = doc
        tcp = doc.get("tcp") or {}
        x224 = doc.get("x224") or {}
        tls = doc.get("tls") or {}
        self.tcp_status = _enum_name(TcpStatus, tcp.get("status"))
        self.x224_status = _enum_name(X224Status, x224.get("status"))
        self.tls_status = _enum_name(TlsStatus, tls.get("status"))
        sel = _hex(x224.get("selected_protocol"))
        self.selected_protocol = None if sel is None else _enum(Protocol,
                                                                sel)
        fc = x224.get("failure_code")
        self.failure_code = None if not fc else _enum(NegFailure, _hex(fc))
        self.phases = tuple(PhaseResult.from_json(p)
                            for p in doc.get("phases") or ())
        self.target = doc.get("target") or {}
        self.finished = doc.get("finished")
        self.cancelled = doc.get("cancelled")

    @property
    def certificate(self):
        """The server certificate's evidence (dict), or None."""
        tls = self._doc.get("tls") or {}
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


class Attempt(_Connection):
    """One connection of a probe (an item of the document's attempts[]):
    why the plan made it (``purpose``: "primary", "spnego_fallback",
    "tls_version", ...), the TLS versions it offered, its phases and
    outcome. ``json`` is the item itself."""

    def __init__(self, doc, index):
        self._parse(doc)
        self.index = index
        self.purpose = doc.get("purpose")
        self.tls_offered = doc.get("tls_offered")
        self.total_ms = doc.get("total_ms")

    @property
    def json(self):
        return self._doc

    def __repr__(self):
        return "<rdpneg.Attempt #%d %s tcp=%s x224=%s tls=%s>" % (
            self.index, self.purpose, _name(self.tcp_status),
            _name(self.x224_status), _name(self.tls_status))


class Report(_Connection):
    """A probe's evidence written with its diagnosis (a snapshot; holds no
    native resource).

    ``json`` is the rdpneg.probe/1 document (``raw_json`` its text),
    ``text()`` the human-readable report. The typed fields (tcp_status,
    x224_status, tls_status, selected_protocol, failure_code, phases) are
    those of the top level, i.e. of the attempt the plan chose;
    ``attempts`` lists every connection, ``plan`` says why they were made.
    """

    def __init__(self, raw_json, text, diagnosis=None):
        self.raw_json = raw_json
        self._text = text
        doc = _json.loads(raw_json)
        self._parse(doc)
        self._json = doc
        self.verdict = _enum_name(Verdict, doc.get("verdict"))
        self._diagnosis = diagnosis

    @classmethod
    def from_evidence(cls, evidence, taxonomy=None, reported=None):
        """Diagnoses |evidence| (an Evidence) with |taxonomy| and
        |reported| and writes both."""
        return evidence.report(taxonomy, reported)

    @property
    def json(self):
        """The document as a dict (schema rdpneg.probe/1)."""
        return self._json

    @property
    def attempts(self):
        """Every connection of the probe, in the order the plan made them
        (Attempt objects; [] from a document without attempts[])."""
        return [Attempt(a, i)
                for i, a in enumerate(self._json.get("attempts") or ())]

    @property
    def plan(self):
        """{"connections": N, "top_attempt": i, "notes": [...]} or None."""
        return self._json.get("plan")

    @property
    def source(self):
        """"probe" for a live probe; what the document says otherwise."""
        return self._json.get("source")

    @property
    def exit_code(self):
        """Monitoring-plugin exit code: 0 healthy, 1 degraded, 2 failing,
        3 unknown (the verdict's value)."""
        return int(self.verdict) if isinstance(self.verdict, Verdict) else 3

    @property
    def ok(self):
        return self.verdict == Verdict.HEALTHY

    @property
    def diagnosis(self):
        """The findings (Finding tuples, most important first), with their
        titles and remedies."""
        return [Finding.from_json(d)
                for d in self._json.get("diagnosis") or ()]

    @property
    def diagnosis_result(self):
        """The Diagnosis the report was written with (verdict, reported
        verdict), or None for a report read from elsewhere."""
        return self._diagnosis

    @property
    def reported(self):
        """The cross-check of a reported code (dict) or None."""
        return self._json.get("reported")

    def text(self):
        """The human-readable multi-line report (as rdpneg-probe prints)."""
        return self._text

    def __str__(self):
        return self._text

    def __repr__(self):
        return ("<rdpneg.Report verdict=%s tcp=%s x224=%s tls=%s "
                "connections=%d>" % (
                    _name(self.verdict), _name(self.tcp_status),
                    _name(self.x224_status), _name(self.tls_status),
                    len(self._json.get("attempts") or ()) or 1))


class Evidence(NativeHandle):
    """What a probe observed: every connection, every phase (an owned
    rdpneg_evidence). Independent of the session or plan it came from.
    Context manager; freed on close() or garbage collection."""

    _what = "Evidence"

    def __init__(self):
        raise TypeError("use Evidence.parse(), Evidence.from_session(), "
                        "Session.evidence() or Plan.evidence()")

    @classmethod
    def _adopt(cls, ptr):
        self = cls.__new__(cls)
        self._init_handle(ptr, _ffi.core.rdpneg_evidence_free)
        return self

    @classmethod
    def parse(cls, document):
        """Reads a saved rdpneg.probe/1 document (str, bytes or a dict)
        back into evidence. Raises UsageError (BAD_FILE) whose detail says
        where the document is wrong."""
        if isinstance(document, dict):
            document = _json.dumps(document)
        if isinstance(document, str):
            document = document.encode("utf-8")
        elif isinstance(document, (bytes, bytearray, memoryview)):
            document = bytes(document)
        else:
            raise TypeError("document must be str, bytes or dict, not %s"
                            % type(document).__name__)
        ptr = _ffi.EvidenceP()
        err = ctypes.create_string_buffer(256)
        rv = _ffi.core.rdpneg_evidence_parse(document, len(document),
                                             ctypes.byref(ptr), err,
                                             len(err))
        if rv < 0 or not ptr:
            if ptr:
                _ffi.core.rdpneg_evidence_free(ptr)
            raise _ffi.make_error(rv if rv < 0 else _errors.INTERNAL,
                                  "rdpneg_evidence_parse",
                                  _ffi.sstr(err.value) or None)
        return cls._adopt(ptr)

    @classmethod
    def from_session(cls, session):
        """A copy of |session|'s evidence so far (a Session)."""
        return session.evidence()

    @classmethod
    def from_plan(cls, plan):
        """A copy of the evidence of |plan|'s finished attempts."""
        return plan.evidence()

    @property
    def attempt_count(self):
        """Number of connections (1 for a single session)."""
        with self._lock:
            return _ffi.core.rdpneg_evidence_attempt_count(self._handle())

    def __len__(self):
        return self.attempt_count

    def _diagnose_native(self, taxonomy, reported):
        d = _ffi.DiagnosisP()
        _ffi.core.rdpneg_diagnose(self._handle(),
                                  taxonomy._handle() if taxonomy else None,
                                  _ffi.cstr(reported, "reported"),
                                  ctypes.byref(d))
        return d

    def diagnose(self, taxonomy=None, reported=None):
        """Diagnoses the evidence: a Diagnosis snapshot. |taxonomy| (a
        rdpneg.taxonomy.Taxonomy) supplies vendor remedy texts, |reported|
        is what the user saw (UsageError when not in the form)."""
        with self._lock:
            d = self._diagnose_native(taxonomy, reported)
            try:
                return Diagnosis._from_native(d)
            finally:
                _ffi.core.rdpneg_diagnosis_free(d)

    def report(self, taxonomy=None, reported=None):
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
        return Report(raw, text, diag)

    def raw_json(self, taxonomy=None, reported=None):
        """The rdpneg.probe/1 document (text) with its diagnosis."""
        return self.report(taxonomy, reported).raw_json

    def json(self, taxonomy=None, reported=None):
        """The rdpneg.probe/1 document as a dict."""
        return self.report(taxonomy, reported).json

    def text(self, taxonomy=None, reported=None):
        """The human-readable report."""
        return self.report(taxonomy, reported).text()

    def __repr__(self):
        if self.closed:
            return "<rdpneg.Evidence closed>"
        return "<rdpneg.Evidence connections=%d>" % self.attempt_count


def diagnose(evidence, taxonomy=None, reported=None):
    """Diagnoses |evidence|: an Evidence, a Session or a Plan (their
    evidence so far), or a saved rdpneg.probe/1 document (str, bytes or
    dict). Returns a Diagnosis."""
    if isinstance(evidence, Evidence):
        return evidence.diagnose(taxonomy, reported)
    if isinstance(evidence, (str, bytes, bytearray, memoryview, dict)):
        with Evidence.parse(evidence) as ev:
            return ev.diagnose(taxonomy, reported)
    if hasattr(evidence, "evidence"):
        with evidence.evidence() as ev:
            return ev.diagnose(taxonomy, reported)
    raise TypeError("cannot diagnose a %s" % type(evidence).__name__)
