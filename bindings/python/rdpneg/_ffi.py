# SPDX-License-Identifier: Apache-2.0
"""ctypes declarations: every C function declared once, here.

Functions whose int result is "0 or a negative RDPNEG_ERR_*" get an errcheck
that raises the exception of the code's band (errors.py). Functions whose
negative result is an ordinary answer ("not found") are declared without it
and handled by their wrapper.

The taxonomy functions (rdpneg_taxonomy.h) are feature-detected: a library
built without them still loads, ``HAVE_TAXONOMY`` is False and the
``rdpneg.taxonomy`` wrappers raise NotImplementedError.
"""

from __future__ import annotations

import ctypes
from ctypes import (POINTER, c_char_p, c_double, c_int, c_int64, c_size_t,
                    c_ssize_t, c_uint16, c_uint32, c_uint64, c_uint8,
                    c_void_p)
from typing import (Any, Callable, List, Optional, Sequence, Tuple, Union,
                    overload)

from . import _errors, _loader
from .errors import RdpnegError, error_class

# Lowest library version this binding was written against.
MIN_VERSION = (0, 1, 0)


class _Config(ctypes.Structure):
    """Opaque rdpneg_config."""


class _Session(ctypes.Structure):
    """Opaque rdpneg_session."""


class _Taxonomy(ctypes.Structure):
    """Opaque rdpneg_taxonomy."""


class _Diagnosis(ctypes.Structure):
    """Opaque rdpneg_diagnosis."""


class _Evidence(ctypes.Structure):
    """Opaque rdpneg_evidence."""


class _Plan(ctypes.Structure):
    """Opaque rdpneg_plan."""


class _Batch(ctypes.Structure):
    """Opaque rdpneg_batch (librdpneg-uv)."""


class _BatchResult(ctypes.Structure):
    """Opaque rdpneg_batch_result (librdpneg-uv)."""


ConfigP = POINTER(_Config)
SessionP = POINTER(_Session)
TaxonomyP = POINTER(_Taxonomy)
DiagnosisP = POINTER(_Diagnosis)
EvidenceP = POINTER(_Evidence)
PlanP = POINTER(_Plan)
BatchP = POINTER(_Batch)
BatchResultP = POINTER(_BatchResult)
c_uint8_p = POINTER(c_uint8)

core: ctypes.CDLL = _loader.load(_loader.CORE)
core_path: str = str(core._name)
_uv: Optional[ctypes.CDLL] = None
_uv_error: Optional[ImportError] = None

StrArg = Union[str, bytes, bytearray, memoryview]


def strerror(code: int) -> str:
    raw: Optional[bytes] = core.rdpneg_strerror(int(code))
    return (raw or b"unknown error").decode("utf-8", "backslashreplace")


def err_name(code: int) -> Optional[str]:
    raw: Optional[bytes] = core.rdpneg_err_name(int(code))
    return raw.decode("ascii", "backslashreplace") if raw else None


def make_error(code: int, function: Optional[str] = None,
               detail: Optional[str] = None) -> RdpnegError:
    """The exception instance for a negative |code|."""
    return error_class(code)(code, err_name(code), strerror(code), function,
                             detail)


def _check(result: int, func: Any, args: Tuple[Any, ...]) -> int:
    if result < 0:
        raise make_error(result, func.__name__)
    return result


# (name, restype, argtypes, checked)
_Decl = Tuple[str, Any, List[Any], bool]
_CORE_DECLS: List[_Decl] = [
    ("rdpneg_version", c_char_p, [], False),
    ("rdpneg_strerror", c_char_p, [c_int], False),
    ("rdpneg_err_name", c_char_p, [c_int], False),
    ("rdpneg_protocol_name", c_char_p, [c_uint32], False),
    ("rdpneg_protocols_parse", c_int,
     [c_char_p, POINTER(c_uint32), POINTER(c_int)], True),
    ("rdpneg_failure_name", c_char_p, [c_uint32], False),
    ("rdpneg_free", None, [c_void_p], False),
    # config
    ("rdpneg_config_new", c_int, [POINTER(ConfigP)], True),
    ("rdpneg_config_clone", c_int, [ConfigP, POINTER(ConfigP)], True),
    ("rdpneg_config_free", None, [ConfigP], False),
    ("rdpneg_config_set_int", c_int, [ConfigP, c_int, c_int64], True),
    ("rdpneg_config_get_int", c_int, [ConfigP, c_int, POINTER(c_int64)], True),
    ("rdpneg_config_set_str", c_int, [ConfigP, c_int, c_char_p], True),
    ("rdpneg_config_set_correlation_id", c_int, [ConfigP, c_uint8_p], True),
    ("rdpneg_config_add_ca", c_int, [ConfigP, c_uint8_p, c_size_t], True),
    # the password goes in as a c_void_p to a buffer the wrapper zeroises
    ("rdpneg_config_set_credentials", c_int,
     [ConfigP, c_char_p, c_char_p, c_void_p], True),
    # session
    ("rdpneg_session_new", c_int,
     [POINTER(SessionP), ConfigP, c_char_p, c_uint16], True),
    ("rdpneg_session_free", None, [SessionP], False),
    ("rdpneg_session_start", c_int, [SessionP, c_uint64], True),
    ("rdpneg_session_set_wallclock", c_int, [SessionP, c_int64], True),
    ("rdpneg_session_dns_failed", c_int, [SessionP, c_char_p, c_uint64], True),
    ("rdpneg_session_tcp_result", c_int,
     [SessionP, c_int, c_char_p, c_int, c_uint64], True),
    ("rdpneg_session_read", c_ssize_t,
     [SessionP, c_uint8_p, c_size_t, c_uint64], True),
    ("rdpneg_session_write", c_ssize_t,
     [SessionP, c_uint8_p, c_size_t, c_uint64], True),
    ("rdpneg_session_transport_closed", c_int,
     [SessionP, c_int, c_int, c_uint64], True),
    ("rdpneg_session_expiry", c_uint64, [SessionP], False),
    ("rdpneg_session_handle_expiry", c_int, [SessionP, c_uint64], True),
    ("rdpneg_session_cancel", c_int, [SessionP, c_uint64], True),
    ("rdpneg_session_done", c_int, [SessionP], False),
    ("rdpneg_session_want_read", c_int, [SessionP], False),
    ("rdpneg_session_phase", c_int,
     [SessionP, c_int, POINTER(c_double), POINTER(c_int)], True),
    ("rdpneg_session_tcp_status", c_int, [SessionP], False),
    ("rdpneg_session_x224_status", c_int, [SessionP], False),
    ("rdpneg_session_tls_status", c_int, [SessionP], False),
    ("rdpneg_session_selected_protocol", c_int64, [SessionP], False),
    ("rdpneg_session_failure_code", c_uint32, [SessionP], False),
    ("rdpneg_session_verdict", c_int, [SessionP], False),
    ("rdpneg_session_json", c_int,
     [SessionP, POINTER(c_void_p), POINTER(c_size_t)], True),
    ("rdpneg_session_report", c_int,
     [SessionP, POINTER(c_void_p), POINTER(c_size_t)], True),
    # evidence (rdpneg.h)
    ("rdpneg_session_evidence", c_int, [SessionP, POINTER(EvidenceP)], True),
    # the error text goes into a buffer of the wrapper's: checked there
    ("rdpneg_evidence_parse", c_int,
     [c_char_p, c_size_t, POINTER(EvidenceP), ctypes.c_char_p, c_size_t],
     False),
    ("rdpneg_evidence_free", None, [EvidenceP], False),
    ("rdpneg_evidence_attempt_count", c_int, [EvidenceP], False),
    # probe plans (rdpneg_plan.h)
    ("rdpneg_plan_new", c_int,
     [POINTER(PlanP), ConfigP, c_char_p, c_uint16], True),
    ("rdpneg_plan_free", None, [PlanP], False),
    ("rdpneg_plan_set_wallclock", c_int, [PlanP, c_int64], True),
    ("rdpneg_plan_start", c_int, [PlanP, c_uint64], True),
    ("rdpneg_plan_next", c_int, [PlanP, c_uint64, POINTER(SessionP)], True),
    ("rdpneg_plan_attempt_done", c_int, [PlanP, SessionP, c_uint64], True),
    ("rdpneg_plan_expiry", c_uint64, [PlanP], False),
    ("rdpneg_plan_handle_expiry", c_int, [PlanP, c_uint64], True),
    ("rdpneg_plan_cancel", c_int, [PlanP, c_uint64], True),
    ("rdpneg_plan_done", c_int, [PlanP], False),
    ("rdpneg_plan_running", c_int, [PlanP], False),
    ("rdpneg_plan_evidence", c_int, [PlanP, POINTER(EvidenceP)], True),
    ("rdpneg_session_host", c_char_p, [SessionP], False),
    ("rdpneg_session_port", c_uint16, [SessionP], False),
    ("rdpneg_session_connect_address", c_char_p, [SessionP], False),
    ("rdpneg_session_tcp_mss", c_int, [SessionP], False),
    # rdpneg_diagnosis.h: a Report is the evidence written with its
    # diagnosis, so these are needed too. rdpneg_diagnose took a session
    # before the evidence API; a library that has rdpneg_session_evidence
    # has the evidence form.
    ("rdpneg_diagnose", c_int,
     [EvidenceP, TaxonomyP, c_char_p, POINTER(DiagnosisP)], True),
    ("rdpneg_reported_check", c_int, [c_char_p], True),
    ("rdpneg_diagnosis_free", None, [DiagnosisP], False),
    ("rdpneg_diagnosis_count", c_int, [DiagnosisP], False),
    ("rdpneg_diagnosis_cause", c_char_p, [DiagnosisP, c_int], False),
    ("rdpneg_diagnosis_phase", c_char_p, [DiagnosisP, c_int], False),
    ("rdpneg_diagnosis_severity", c_char_p, [DiagnosisP, c_int], False),
    ("rdpneg_diagnosis_confidence", c_char_p, [DiagnosisP, c_int], False),
    ("rdpneg_diagnosis_evidence", c_char_p, [DiagnosisP, c_int], False),
    ("rdpneg_diagnosis_verdict", c_int, [DiagnosisP], False),
    ("rdpneg_diagnosis_reported_verdict", c_char_p, [DiagnosisP], False),
    ("rdpneg_diagnosis_json", c_int,
     [DiagnosisP, POINTER(c_void_p), POINTER(c_size_t)], True),
    ("rdpneg_evidence_json", c_int,
     [EvidenceP, DiagnosisP, POINTER(c_void_p), POINTER(c_size_t)], True),
    ("rdpneg_evidence_report", c_int,
     [EvidenceP, DiagnosisP, POINTER(c_void_p), POINTER(c_size_t)], True),
]

_UV_DECLS: List[_Decl] = [
    # the evidence form (a librdpneg-uv with rdpneg_uv_run_start has it)
    ("rdpneg_probe_run", c_int,
     [ConfigP, c_char_p, c_uint16, POINTER(EvidenceP)], False),
    ("rdpneg_uv_run_start", c_int,
     [c_void_p, c_void_p, ConfigP, c_char_p, c_uint16, c_void_p, c_void_p],
     False),
]

# rdpneg_batch.h (librdpneg-uv); optional (feature-detected: probe_many
# raises NotImplementedError without it).
_BATCH_DECLS: List[_Decl] = [
    ("rdpneg_batch_new", c_int, [POINTER(BatchP), ConfigP], True),
    ("rdpneg_batch_set", c_int, [BatchP, c_int, c_int64], True),
    ("rdpneg_batch_add", c_int, [BatchP, c_char_p], True),
    ("rdpneg_batch_end_input", c_int, [BatchP], True),
    ("rdpneg_batch_next", c_int, [BatchP, c_int, POINTER(BatchResultP)],
     False),
    ("rdpneg_batch_cancel", c_int, [BatchP], True),
    ("rdpneg_batch_count", c_int64, [BatchP, c_int], False),
    ("rdpneg_batch_free", None, [BatchP], False),
    ("rdpneg_batch_result_target", c_char_p, [BatchResultP], False),
    ("rdpneg_batch_result_host", c_char_p, [BatchResultP], False),
    ("rdpneg_batch_result_port", c_uint16, [BatchResultP], False),
    ("rdpneg_batch_result_index", c_int64, [BatchResultP], False),
    ("rdpneg_batch_result_status", c_int, [BatchResultP], False),
    ("rdpneg_batch_result_started_ns", c_uint64, [BatchResultP], False),
    ("rdpneg_batch_result_ended_ns", c_uint64, [BatchResultP], False),
    ("rdpneg_batch_result_take_evidence", c_int,
     [BatchResultP, POINTER(EvidenceP)], False),
    ("rdpneg_batch_result_free", None, [BatchResultP], False),
]
BATCH_MISSING: List[str] = []

# rdpneg_taxonomy.h; optional (feature-detected).
_TAX_DECLS: List[_Decl] = [
    ("rdpneg_kind_parse", c_int, [c_char_p], False),
    ("rdpneg_kind_name", c_char_p, [c_int], False),
    ("rdpneg_kind_title", c_char_p, [c_int], False),
    ("rdpneg_taxonomy_new", c_int, [POINTER(TaxonomyP)], True),
    ("rdpneg_taxonomy_free", None, [TaxonomyP], False),
    ("rdpneg_taxonomy_load_overrides", c_int,
     [TaxonomyP, c_char_p, ctypes.c_char_p, c_size_t], False),
    ("rdpneg_taxonomy_load_overrides_mem", c_int,
     [TaxonomyP, c_char_p, c_size_t, c_char_p, ctypes.c_char_p, c_size_t],
     False),
    ("rdpneg_taxonomy_json", c_int,
     [TaxonomyP, POINTER(c_void_p), POINTER(c_size_t)], True),
    ("rdpneg_explain_json", c_int,
     [TaxonomyP, c_int, c_uint32, c_int, c_uint32, POINTER(c_void_p),
      POINTER(c_size_t)], True),
    ("rdpneg_explain_text", c_int,
     [TaxonomyP, c_int, c_uint32, c_int, c_uint32, POINTER(c_void_p),
      POINTER(c_size_t)], True),
    ("rdpneg_code_count", c_int, [], False),
    ("rdpneg_code_find", c_int, [c_int, c_uint32, c_int], False),
    ("rdpneg_code_lookup", c_int,
     [c_int, c_uint32, POINTER(c_char_p), POINTER(c_char_p)], False),
    ("rdpneg_code_find_name", c_int, [c_char_p], False),
    ("rdpneg_code_kind", c_int, [c_int], False),
    ("rdpneg_code_value", c_uint32, [c_int], False),
    ("rdpneg_code_name", c_char_p, [c_int], False),
    ("rdpneg_code_alt_name", c_char_p, [c_int], False),
    ("rdpneg_code_meaning", c_char_p, [c_int], False),
    ("rdpneg_code_phase", c_char_p, [c_int], False),
    ("rdpneg_code_source", c_char_p, [c_int], False),
    ("rdpneg_code_confidence", c_char_p, [c_int], False),
    ("rdpneg_code_status", c_char_p, [c_int], False),
    ("rdpneg_cause_count", c_int, [], False),
    ("rdpneg_cause_find", c_int, [c_char_p], False),
    ("rdpneg_cause_id", c_char_p, [c_int], False),
    ("rdpneg_cause_title", c_char_p, [c_int], False),
    ("rdpneg_cause_description", c_char_p, [c_int], False),
    ("rdpneg_cause_phase", c_char_p, [c_int], False),
    ("rdpneg_cause_severity", c_char_p, [c_int], False),
    ("rdpneg_cause_source", c_char_p, [c_int], False),
    ("rdpneg_cause_confidence", c_char_p, [c_int], False),
    ("rdpneg_cause_evidence_count", c_int, [c_int], False),
    ("rdpneg_cause_evidence", c_char_p, [c_int, c_int], False),
    ("rdpneg_cause_evidence_where", c_char_p, [c_int, c_int], False),
    ("rdpneg_cause_remedy_count", c_int, [TaxonomyP, c_int], False),
    ("rdpneg_cause_remedy", c_char_p, [TaxonomyP, c_int, c_int], False),
    ("rdpneg_cause_remedy_source", c_char_p, [TaxonomyP, c_int, c_int],
     False),
    ("rdpneg_cause_code_count", c_int, [c_int], False),
    ("rdpneg_cause_code", c_int,
     [c_int, c_int, POINTER(c_int), POINTER(c_uint32), POINTER(c_uint32)],
     False),
    ("rdpneg_cause_code_confidence", c_char_p, [c_int, c_int], False),
    ("rdpneg_cause_json", c_int,
     [TaxonomyP, c_int, POINTER(c_void_p), POINTER(c_size_t)], True),
    ("rdpneg_cause_text", c_int,
     [TaxonomyP, c_int, POINTER(c_void_p), POINTER(c_size_t)], True),
    ("rdpneg_source_count", c_int, [], False),
    ("rdpneg_source_key", c_char_p, [c_int], False),
    ("rdpneg_source_description", c_char_p, [c_int], False),
]


def _declare(lib: ctypes.CDLL, decls: Sequence[_Decl],
             optional: bool = False) -> List[str]:
    missing: List[str] = []
    for name, restype, argtypes, checked in decls:
        try:
            fn = getattr(lib, name)
        except AttributeError:
            if optional:
                missing.append(name)
                continue
            raise ImportError("librdpneg binding: %s lacks %s (library too "
                              "old: this binding needs the evidence and "
                              "probe plan API; or not librdpneg?)" %
                              (lib._name, name))
        fn.restype = restype
        fn.argtypes = argtypes
        if checked:
            fn.errcheck = _check
    return missing


_declare(core, _CORE_DECLS)
TAXONOMY_MISSING = _declare(core, _TAX_DECLS, optional=True)
HAVE_TAXONOMY = not TAXONOMY_MISSING
# The diagnosis is part of the evidence API this binding requires (kept for
# callers that tested it).
HAVE_DIAGNOSIS = True


def version() -> str:
    """The loaded library's version string."""
    raw: bytes = core.rdpneg_version()
    return raw.decode("ascii")


def _version_tuple(text: str) -> Tuple[int, int, int]:
    parts: List[int] = []
    for p in text.split("-")[0].split("."):
        digits = "".join(ch for ch in p if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    v = (parts + [0, 0, 0])[:3]
    return (v[0], v[1], v[2])


def loaded_version() -> Tuple[int, int, int]:
    """(major, minor, patch) of the loaded library: rdpneg_version_number()
    when it has it, else parsed from rdpneg_version()."""
    num = getattr(core, "rdpneg_version_number", None)
    if num is not None:
        num.restype, num.argtypes = c_uint32, []
        n = int(num())
        return ((n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF)
    return _version_tuple(version())


def _check_loaded() -> None:
    v = version()
    if loaded_version() < MIN_VERSION:
        raise ImportError("librdpneg binding: %s is version %s, at least "
                          "%s is needed" % (core_path, v,
                                            ".".join(map(str, MIN_VERSION))))
    # ABI sanity: every row the binding knows must carry the same name in
    # the loaded library (a renumbered code would be a broken ABI). Rows the
    # library has and the binding does not are fine: they map by band.
    bad = [(v_, n) for v_, n, _, _ in _errors.ERRORS
           if err_name(v_) != "RDPNEG_ERR_" + n]
    if bad:
        raise ImportError("librdpneg binding: error table mismatch with %s: "
                          "%s" % (core_path, ", ".join(
                              "%s=%d is %s" % (n, v_, err_name(v_))
                              for v_, n in bad)))


_check_loaded()


def uv() -> ctypes.CDLL:
    """librdpneg-uv, loaded on first use (ImportError when absent)."""
    global _uv, _uv_error
    if _uv is None:
        if _uv_error is not None:
            raise _uv_error
        try:
            lib = _loader.load(_loader.UV)
            _declare(lib, _UV_DECLS)
            BATCH_MISSING[:] = _declare(lib, _BATCH_DECLS, optional=True)
        except ImportError as e:
            _uv_error = e
            raise
        _uv = lib
    return _uv


def take_string(ptr: c_void_p, length: c_size_t) -> str:
    """Decodes and frees a string the library allocated."""
    try:
        if not ptr.value:
            return ""
        return ctypes.string_at(ptr.value, length.value).decode(
            "utf-8", "backslashreplace")
    finally:
        core.rdpneg_free(ptr)


def alloc_call(fn: Callable[..., Any], *args: Any) -> str:
    """Calls fn(*args, char **out, size_t *len) and returns the string."""
    out, length = c_void_p(), c_size_t()
    fn(*args, ctypes.byref(out), ctypes.byref(length))
    return take_string(out, length)


@overload
def cstr(value: StrArg, what: str) -> bytes: ...


@overload
def cstr(value: None, what: str) -> None: ...


@overload
def cstr(value: Optional[StrArg], what: str) -> Optional[bytes]: ...


def cstr(value: Optional[StrArg], what: str) -> Optional[bytes]:
    """UTF-8 bytes for a C string argument; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogateescape")
    elif isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value)
    else:
        raise TypeError("%s must be str or bytes, not %s" %
                        (what, type(value).__name__))
    if b"\0" in value:
        raise make_error(_errors.INVALID_ARGUMENT, None,
                         "%s contains a NUL character" % what)
    return value


def sstr(raw: Optional[bytes]) -> Optional[str]:
    """Decodes a static C string (None stays None)."""
    return None if raw is None else raw.decode("utf-8", "backslashreplace")
