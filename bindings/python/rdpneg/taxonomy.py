# SPDX-License-Identifier: Apache-2.0
"""The taxonomy: what RDP error codes mean and which causes are behind them.

Wraps include/rdpneg/rdpneg_taxonomy.h. The functions are looked up at
import; when the loaded library was built without them ``available()`` is
False and every call raises NotImplementedError naming what is missing.

    import rdpneg.taxonomy as tx
    doc = tx.explain(0x904, extended=0x7)        # dict, rdpneg.explain/1
    print(tx.explain_text(1, kind="neg_failure"))
    for cause in tx.causes(): print(cause.id, cause.title)

Remedy text can be overridden per cause from a vendor JSON file; the
overrides live in a Taxonomy object (``Taxonomy().load_overrides(path)``)
passed as ``taxonomy=`` (None: the built-in text).
"""

from __future__ import annotations

import ctypes
import json as _json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

from . import _errors, _ffi
from ._enums import Kind
from ._handle import NativeHandle
from .enums import CausePhase, Severity, str_enum
from .errors import RdpnegError

__all__ = ["available", "missing", "Taxonomy", "Code", "Cause", "Evidence",
           "Remedy", "CodeRef", "CodeSpec", "Kind", "parse_kind",
           "parse_code", "kind_name", "kind_title", "explain",
           "explain_count", "explain_text", "lookup", "find_codes",
           "find_code_name", "codes", "cause", "causes", "sources",
           "taxonomy_json"]


def available() -> bool:
    """True when the loaded library has the taxonomy functions."""
    return _ffi.HAVE_TAXONOMY


def missing() -> List[str]:
    """The taxonomy functions the loaded library lacks."""
    return list(_ffi.TAXONOMY_MISSING)


def _need() -> Any:
    if not _ffi.HAVE_TAXONOMY:
        raise NotImplementedError(
            "librdpneg at %s has no taxonomy API (missing %s)" % (
                _ffi.core_path, ", ".join(_ffi.TAXONOMY_MISSING[:3]) +
                (", ..." if len(_ffi.TAXONOMY_MISSING) > 3 else "")))
    return _ffi.core


def _s(raw: Optional[bytes]) -> Optional[str]:
    return _ffi.sstr(raw)


# -- kinds --------------------------------------------------------------------

def parse_kind(kind: KindArg) -> Kind:
    """A Kind from a Kind, an int or a name ("disc", "neg_failure", ...)."""
    if isinstance(kind, Kind):
        return kind
    if isinstance(kind, bool):
        raise TypeError("kind must be a Kind, an int or a name, not bool")
    if isinstance(kind, int):
        return Kind(kind)
    c = _need()
    v = int(c.rdpneg_kind_parse(_ffi.cstr(kind, "kind")))
    if v < 0:
        raise _ffi.make_error(v, "rdpneg_kind_parse",
                              "unknown code kind %r" % (kind,))
    return Kind(v)


def kind_name(kind: KindArg) -> Optional[str]:
    """The canonical short name of |kind| ("disconnect", ...)."""
    return _s(_need().rdpneg_kind_name(int(parse_kind(kind))))


def kind_title(kind: KindArg) -> Optional[str]:
    """A one-line title of |kind|."""
    return _s(_need().rdpneg_kind_title(int(parse_kind(kind))))


# -- handle -------------------------------------------------------------------

class Taxonomy(NativeHandle):
    """A taxonomy handle holding vendor overrides of remedy text."""

    _what = "Taxonomy"

    def __init__(self) -> None:
        c = _need()
        ptr = _ffi.TaxonomyP()
        c.rdpneg_taxonomy_new(ctypes.byref(ptr))
        self._init_handle(ptr, c.rdpneg_taxonomy_free)

    def load_overrides(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Applies the overrides in the JSON file |path|. On error raises
        UsageError (BAD_FILE) whose detail names file, line and column; the
        handle is then unchanged."""
        errbuf = ctypes.create_string_buffer(512)
        with self._lock:
            rv = int(_ffi.core.rdpneg_taxonomy_load_overrides(
                self._handle(), _ffi.cstr(os.fspath(path), "path"), errbuf,
                len(errbuf)))
        if rv < 0:
            raise _ffi.make_error(rv, "rdpneg_taxonomy_load_overrides",
                                  _s(errbuf.value) or None)

    def load_overrides_bytes(self, data: Union[str, bytes, bytearray],
                             label: Optional[str] = None) -> None:
        """Like load_overrides() for JSON bytes (or str) in memory."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        errbuf = ctypes.create_string_buffer(512)
        with self._lock:
            rv = int(_ffi.core.rdpneg_taxonomy_load_overrides_mem(
                self._handle(), raw, len(raw), _ffi.cstr(label, "label"),
                errbuf, len(errbuf)))
        if rv < 0:
            raise _ffi.make_error(rv, "rdpneg_taxonomy_load_overrides_mem",
                                  _s(errbuf.value) or None)

    def json(self) -> Dict[str, Any]:
        """The taxonomy with these overrides (schema rdpneg.taxonomy/1)."""
        return taxonomy_json(self)


def _tax(taxonomy: Optional[Taxonomy]) -> Any:
    if taxonomy is None:
        return None
    return taxonomy._handle()


# -- explain ------------------------------------------------------------------

#: a code: an int, or a spelling as rdpneg-explain and --reported take it
CodeArg = Union[int, str]
KindArg = Union[Kind, int, str]


@dataclass(frozen=True)
class CodeSpec:
    """A code as explain() reads it: the kind, the value and the mstsc
    extended code that came with it (None: none)."""

    kind: Kind
    value: int
    extended: Optional[int] = None


def _bad_code(text: object, why: str = "") -> RdpnegError:
    return _ffi.make_error(
        _errors.INVALID_ARGUMENT, None,
        "%r is not a number or a known code name%s (e.g. 2308, 0x904, "
        "C000006D, -1073741715, SSL_ERR_CERT_EXPIRED, 0x904/0x7, "
        "errinfo:0x7)" % (text, why))


def _parse_number(text: str) -> Tuple[int, Optional[Kind]]:
    """One CODE as rdpneg-explain reads it: decimal, 0x-hex, hex digits
    with a-f (C000006D), a negative decimal (a signed NTSTATUS) or a symbol
    name. Returns (value, kind of the named code or None)."""
    s = text.strip()
    if not s:
        raise _bad_code(text)
    neg = s.startswith("-")
    body = s[1:] if neg else s
    is_hex = body[:2].lower() == "0x"
    if is_hex:
        digits = body[2:]
    else:
        digits = body
        hexdigits = all(ch in "0123456789abcdefABCDEF" for ch in digits)
        letters = hexdigits and not digits.isdigit()
        if not hexdigits or (letters and neg):
            # a symbol name?
            i = int(_need().rdpneg_code_find_name(_ffi.cstr(s, "code")))
            if i < 0:
                raise _bad_code(text)
            c = _ffi.core
            return int(c.rdpneg_code_value(i)), _kind(int(c.rdpneg_code_kind(i)))
        is_hex = letters
    if not digits or not all(ch in "0123456789abcdefABCDEF" for ch in digits):
        raise _bad_code(text)
    value = int(digits, 16 if is_hex else 10)
    if neg:
        if is_hex or value > 0x80000000:
            raise _bad_code(text, ": a negative code is a decimal down to "
                            "-2147483648")
        return (0x100000000 - value) & 0xFFFFFFFF, None
    if value > 0xFFFFFFFF:
        raise _bad_code(text, ": above 0xFFFFFFFF")
    return value, None


def _kind(v: int) -> Optional[Kind]:
    try:
        return Kind(v)
    except ValueError:
        return None


def _int_code(value: int, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError("%s must be an int or a str, not bool" % what)
    if not -0x80000000 <= value <= 0xFFFFFFFF:
        raise _bad_code(value, ": out of the 32-bit range")
    return value & 0xFFFFFFFF


def parse_code(code: CodeArg, kind: KindArg = "auto",
               extended: Optional[CodeArg] = None) -> CodeSpec:
    """Reads |code| in every spelling rdpneg-explain and rdpneg-probe
    --reported accept: an int; "2308", "0x904", "C000006D" (hex digits with
    a-f), "-1073741715" (a signed NTSTATUS), a symbol name
    ("SSL_ERR_CERT_EXPIRED", whose kind it then takes unless |kind| says
    otherwise), "0x904/0x7" or "0x904 0x7" (an mstsc code with its
    extended code) and "KIND:CODE[/EXTENDED]" ("errinfo:0x7",
    "ntstatus:0xC000006D"). |extended| is the extended code given apart (an
    int or the same spellings). Raises UsageError (a ValueError) naming
    what is wrong, e.g. a kind prefix that contradicts |kind|."""
    want = parse_kind(kind)
    ext: Optional[int] = None
    hint: Optional[Kind] = None
    if isinstance(code, str):
        text = code.strip()
        prefix: Optional[Kind] = None
        head, sep, rest = text.partition(":")
        if sep:
            k = int(_need().rdpneg_kind_parse(_ffi.cstr(head.strip(),
                                                         "kind")))
            if k < 0:
                raise _ffi.make_error(
                    _errors.INVALID_ARGUMENT, None,
                    "unknown code kind %r in %r (kinds: %s)" % (
                        head, code, ", ".join(str(x) for x in Kind)))
            prefix = Kind(k)
            text = rest.strip()
        if "/" in text:
            parts = [p.strip() for p in text.split("/")]
        else:
            parts = text.replace(",", " ").split()
        if not 1 <= len(parts) <= 2 or not all(parts):
            raise _bad_code(code)
        value, hint = _parse_number(parts[0])
        if len(parts) == 2:
            ext = _parse_number(parts[1])[0]
        if prefix is not None:
            if want != Kind.AUTO and want != prefix:
                raise _ffi.make_error(
                    _errors.INVALID_ARGUMENT, None,
                    "%r says kind %s, the kind argument %s" % (
                        code, prefix, want))
            want = prefix
    elif isinstance(code, int):
        value = _int_code(code, "code")
    else:
        raise TypeError("code must be an int or a str, not %s" %
                        type(code).__name__)
    if extended is not None:
        if ext is not None:
            raise _ffi.make_error(
                _errors.INVALID_ARGUMENT, None,
                "extended code given twice: in %r and as %r" % (code,
                                                                 extended))
        if isinstance(extended, str):
            ext = _parse_number(extended)[0]
        elif isinstance(extended, int):
            ext = _int_code(extended, "extended")
        else:
            raise TypeError("extended must be an int or a str, not %s" %
                            type(extended).__name__)
    if want == Kind.AUTO and hint is not None:
        want = hint
    return CodeSpec(want, value, ext)


def _explain(fn: str, code: CodeArg, kind: KindArg,
             extended: Optional[CodeArg],
             taxonomy: Optional["Taxonomy"]) -> Tuple[int, str]:
    c = _need()
    spec = parse_code(code, kind, extended)
    out, length = ctypes.c_void_p(), ctypes.c_size_t()
    n = int(getattr(c, fn)(_tax(taxonomy), int(spec.kind), spec.value,
                           0 if spec.extended is None else 1,
                           spec.extended or 0, ctypes.byref(out),
                           ctypes.byref(length)))
    return n, _ffi.take_string(out, length)


def explain(code: CodeArg, kind: KindArg = "auto",
            extended: Optional[CodeArg] = None,
            taxonomy: Optional["Taxonomy"] = None) -> Dict[str, Any]:
    """Explains |code| of |kind| (default: every error-code kind). |code|
    is an int or any spelling rdpneg-explain takes (see parse_code():
    "0x904", "0x904/0x7", "errinfo:0x7", "C000006D", a symbol name, ...).
    With |extended|, an ExtendedDisconnectReason that came with |code|.
    Returns the rdpneg.explain/1 document as a dict; its "interpretations"
    is empty for an unknown code (see also explain_count()). A spelling it
    cannot read raises UsageError (a ValueError) saying what is wrong."""
    doc: Dict[str, Any] = _json.loads(_explain(
        "rdpneg_explain_json", code, kind, extended, taxonomy)[1])
    return doc


def explain_count(code: CodeArg, kind: KindArg = "auto",
                  extended: Optional[CodeArg] = None) -> int:
    """How many interpretations |code| has (0: unknown)."""
    return _explain("rdpneg_explain_json", code, kind, extended, None)[0]


def explain_text(code: CodeArg, kind: KindArg = "auto",
                 extended: Optional[CodeArg] = None,
                 taxonomy: Optional["Taxonomy"] = None) -> str:
    """The human-readable explanation (str), as rdpneg-explain prints it."""
    return _explain("rdpneg_explain_text", code, kind, extended, taxonomy)[1]


def taxonomy_json(taxonomy: Optional["Taxonomy"] = None) -> Dict[str, Any]:
    """The whole taxonomy (schema rdpneg.taxonomy/1) as a dict."""
    c = _need()
    doc: Dict[str, Any] = _json.loads(_ffi.alloc_call(c.rdpneg_taxonomy_json,
                                                      _tax(taxonomy)))
    return doc


# -- code tables --------------------------------------------------------------

@dataclass(frozen=True)
class Code:
    """One row of the code tables."""

    index: int
    kind: Union[Kind, int]
    value: int
    name: Optional[str]
    alt_name: Optional[str]
    meaning: Optional[str]
    phase: Union[CausePhase, str, None]
    source: Optional[str]
    confidence: Optional[str]   # source tag: O, I, C, UNV
    status: Optional[str]       # official, implementation, unofficial


def _code(i: int) -> Code:
    c = _ffi.core
    k = int(c.rdpneg_code_kind(i))
    kind = _kind(k)
    return Code(i, kind if kind is not None else k,
                int(c.rdpneg_code_value(i)), _s(c.rdpneg_code_name(i)),
                _s(c.rdpneg_code_alt_name(i)), _s(c.rdpneg_code_meaning(i)),
                str_enum(CausePhase, _s(c.rdpneg_code_phase(i))),
                _s(c.rdpneg_code_source(i)),
                _s(c.rdpneg_code_confidence(i)), _s(c.rdpneg_code_status(i)))


def codes(kind: Optional[KindArg] = None) -> List[Code]:
    """Every code row (of |kind| when given), as Code values."""
    c = _need()
    want = None if kind is None else parse_kind(kind)
    out = []
    for i in range(int(c.rdpneg_code_count())):
        row = _code(i)
        if want is None or want == Kind.AUTO or row.kind == want:
            out.append(row)
    return out


def find_codes(kind: KindArg, value: int) -> List[Code]:
    """Every row of |kind| (AUTO: any kind) with |value|."""
    c = _need()
    k = int(parse_kind(kind))
    out: List[Code] = []
    start = 0
    while True:
        i = int(c.rdpneg_code_find(k, int(value) & 0xFFFFFFFF, start))
        if i < 0:
            return out
        out.append(_code(i))
        start = i + 1


def lookup(kind: KindArg, value: int) -> Optional[Code]:
    """The Code for (|kind|, |value|) (FreeRDP class-1 composites resolve to
    their ERRINFO row), or None when unknown."""
    c = _need()
    i = int(c.rdpneg_code_lookup(int(parse_kind(kind)),
                                 int(value) & 0xFFFFFFFF, None, None))
    return None if i < 0 else _code(i)


def find_code_name(name: str) -> Optional[Code]:
    """The Code named |name| (or alternatively named), or None."""
    c = _need()
    i = int(c.rdpneg_code_find_name(_ffi.cstr(name, "name")))
    return None if i < 0 else _code(i)


# -- causes -------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """What tells a cause apart, and where to look for it."""

    text: Optional[str]
    where: Optional[str]  # "probe", "server" or "client"


@dataclass(frozen=True)
class Remedy:
    text: Optional[str]
    source: Optional[str]


@dataclass(frozen=True)
class CodeRef:
    """A code range (of |kind|) a cause shows up as."""

    kind: Union[Kind, int]
    lo: int
    hi: int
    confidence: Optional[str]


@dataclass(frozen=True)
class Cause:
    """A root cause of the catalogue."""

    index: int
    id: str
    title: Optional[str]
    description: Optional[str]
    phase: Union[CausePhase, str, None]
    severity: Union[Severity, str, None]
    source: Optional[str]
    confidence: Optional[str]   # source tag: O, I, C, INF
    evidence: Tuple[Evidence, ...]
    remedies: Tuple[Remedy, ...]
    codes: Tuple[CodeRef, ...]

    def json(self, taxonomy: Optional[Taxonomy] = None) -> Dict[str, Any]:
        """The cause as a dict (schema rdpneg.cause/1)."""
        c = _need()
        doc: Dict[str, Any] = _json.loads(_ffi.alloc_call(
            c.rdpneg_cause_json, _tax(taxonomy), self.index))
        return doc

    def text(self, taxonomy: Optional[Taxonomy] = None) -> str:
        """The cause as rdpneg-explain --cause prints it."""
        c = _need()
        return _ffi.alloc_call(c.rdpneg_cause_text, _tax(taxonomy),
                               self.index)


def _cause(i: int, taxonomy: Optional[Taxonomy] = None) -> Cause:
    c = _ffi.core
    t = _tax(taxonomy)
    ev = tuple(Evidence(_s(c.rdpneg_cause_evidence(i, j)),
                        _s(c.rdpneg_cause_evidence_where(i, j)))
               for j in range(max(0, int(c.rdpneg_cause_evidence_count(i)))))
    rem = tuple(Remedy(_s(c.rdpneg_cause_remedy(t, i, j)),
                       _s(c.rdpneg_cause_remedy_source(t, i, j)))
                for j in range(max(0, int(c.rdpneg_cause_remedy_count(t, i)))))
    refs = []
    for j in range(max(0, int(c.rdpneg_cause_code_count(i)))):
        k, lo, hi = ctypes.c_int(), ctypes.c_uint32(), ctypes.c_uint32()
        if c.rdpneg_cause_code(i, j, ctypes.byref(k), ctypes.byref(lo),
                               ctypes.byref(hi)) == 0:
            kind = _kind(int(k.value))
            refs.append(CodeRef(
                kind if kind is not None else int(k.value),
                int(lo.value), int(hi.value),
                _s(c.rdpneg_cause_code_confidence(i, j))))
    return Cause(i, _s(c.rdpneg_cause_id(i)) or "",
                 _s(c.rdpneg_cause_title(i)),
                 _s(c.rdpneg_cause_description(i)),
                 str_enum(CausePhase, _s(c.rdpneg_cause_phase(i))),
                 str_enum(Severity, _s(c.rdpneg_cause_severity(i))),
                 _s(c.rdpneg_cause_source(i)),
                 _s(c.rdpneg_cause_confidence(i)), ev, rem, tuple(refs))


def cause(cause_id: str, taxonomy: Optional[Taxonomy] = None) -> Cause:
    """The Cause with stable ID |cause_id| ("CERT_EXPIRED"); KeyError when
    there is none."""
    c = _need()
    i = int(c.rdpneg_cause_find(_ffi.cstr(cause_id, "cause id")))
    if i < 0:
        raise KeyError(cause_id)
    return _cause(i, taxonomy)


def causes(taxonomy: Optional[Taxonomy] = None) -> List[Cause]:
    """Every cause of the catalogue."""
    c = _need()
    return [_cause(i, taxonomy) for i in range(int(c.rdpneg_cause_count()))]


def sources() -> Dict[str, Optional[str]]:
    """The source legend as {key: description}."""
    c = _need()
    return {_s(c.rdpneg_source_key(i)) or "":
            _s(c.rdpneg_source_description(i))
            for i in range(int(c.rdpneg_source_count()))}


# re-exported for callers that check codes
BAD_FILE = _errors.BAD_FILE
