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

import ctypes
import json as _json
import os
from typing import NamedTuple, Optional, Tuple

from . import _errors, _ffi
from ._enums import Kind
from ._handle import NativeHandle

__all__ = ["available", "missing", "Taxonomy", "Code", "Cause", "Evidence",
           "Remedy", "CodeRef", "Kind", "parse_kind", "kind_name",
           "kind_title", "explain", "explain_text", "lookup", "find_codes",
           "find_code_name", "codes", "cause", "causes", "sources",
           "taxonomy_json"]


def available():
    """True when the loaded library has the taxonomy functions."""
    return _ffi.HAVE_TAXONOMY


def missing():
    """The taxonomy functions the loaded library lacks."""
    return list(_ffi.TAXONOMY_MISSING)


def _need():
    if not _ffi.HAVE_TAXONOMY:
        raise NotImplementedError(
            "librdpneg at %s has no taxonomy API (missing %s)" % (
                _ffi.core_path, ", ".join(_ffi.TAXONOMY_MISSING[:3]) +
                (", ..." if len(_ffi.TAXONOMY_MISSING) > 3 else "")))
    return _ffi.core


def _s(raw):
    return _ffi.sstr(raw)


# -- kinds --------------------------------------------------------------------

def parse_kind(kind):
    """A Kind from a Kind, an int or a name ("disc", "neg_failure", ...)."""
    if isinstance(kind, Kind):
        return kind
    if isinstance(kind, int) and not isinstance(kind, bool):
        return Kind(kind)
    c = _need()
    v = c.rdpneg_kind_parse(_ffi.cstr(kind, "kind"))
    if v < 0:
        raise _ffi.make_error(v, "rdpneg_kind_parse",
                              "unknown code kind %r" % (kind,))
    return Kind(v)


def kind_name(kind):
    return _s(_need().rdpneg_kind_name(int(parse_kind(kind))))


def kind_title(kind):
    return _s(_need().rdpneg_kind_title(int(parse_kind(kind))))


# -- handle -------------------------------------------------------------------

class Taxonomy(NativeHandle):
    """A taxonomy handle holding vendor overrides of remedy text."""

    _what = "Taxonomy"

    def __init__(self):
        c = _need()
        ptr = _ffi.TaxonomyP()
        c.rdpneg_taxonomy_new(ctypes.byref(ptr))
        self._init_handle(ptr, c.rdpneg_taxonomy_free)

    def load_overrides(self, path):
        """Applies the overrides in the JSON file |path|. On error raises
        UsageError (BAD_FILE) whose detail names file, line and column; the
        handle is then unchanged."""
        errbuf = ctypes.create_string_buffer(512)
        with self._lock:
            rv = _ffi.core.rdpneg_taxonomy_load_overrides(
                self._handle(), _ffi.cstr(os.fspath(path), "path"), errbuf,
                len(errbuf))
        if rv < 0:
            raise _ffi.make_error(rv, "rdpneg_taxonomy_load_overrides",
                                  _s(errbuf.value) or None)

    def load_overrides_bytes(self, data, label=None):
        """Like load_overrides() for JSON bytes (or str) in memory."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        errbuf = ctypes.create_string_buffer(512)
        with self._lock:
            rv = _ffi.core.rdpneg_taxonomy_load_overrides_mem(
                self._handle(), data, len(data), _ffi.cstr(label, "label"),
                errbuf, len(errbuf))
        if rv < 0:
            raise _ffi.make_error(rv, "rdpneg_taxonomy_load_overrides_mem",
                                  _s(errbuf.value) or None)

    def json(self):
        return taxonomy_json(self)


def _tax(taxonomy):
    if taxonomy is None:
        return None
    return taxonomy._handle()


# -- explain ------------------------------------------------------------------

def _explain(fn, code, kind, extended, taxonomy):
    c = _need()
    k = parse_kind(kind)
    has_ext = extended is not None
    out, length = ctypes.c_void_p(), ctypes.c_size_t()
    n = getattr(c, fn)(_tax(taxonomy), int(k), int(code) & 0xFFFFFFFF,
                       1 if has_ext else 0,
                       int(extended or 0) & 0xFFFFFFFF, ctypes.byref(out),
                       ctypes.byref(length))
    return n, _ffi.take_string(out, length)


def explain(code, kind="auto", extended=None, taxonomy=None):
    """Explains |code| of |kind| (default: every error-code kind). With
    |extended|, an ExtendedDisconnectReason that came with |code|. Returns
    the rdpneg.explain/1 document as a dict; its "interpretations" is empty
    for an unknown code (see also explain_count())."""
    return _json.loads(_explain("rdpneg_explain_json", code, kind, extended,
                                taxonomy)[1])


def explain_count(code, kind="auto", extended=None):
    """How many interpretations |code| has (0: unknown)."""
    return _explain("rdpneg_explain_json", code, kind, extended, None)[0]


def explain_text(code, kind="auto", extended=None, taxonomy=None):
    """The human-readable explanation (str)."""
    return _explain("rdpneg_explain_text", code, kind, extended, taxonomy)[1]


def taxonomy_json(taxonomy=None):
    """The whole taxonomy (schema rdpneg.taxonomy/1) as a dict."""
    c = _need()
    return _json.loads(_ffi.alloc_call(c.rdpneg_taxonomy_json,
                                       _tax(taxonomy)))


# -- code tables --------------------------------------------------------------

class Code(NamedTuple):
    index: int
    kind: Kind
    value: int
    name: Optional[str]
    alt_name: Optional[str]
    meaning: Optional[str]
    phase: Optional[str]
    source: Optional[str]
    confidence: Optional[str]
    status: Optional[str]


def _code(i):
    c = _ffi.core
    k = c.rdpneg_code_kind(i)
    return Code(i, Kind(k) if 0 <= k < len(Kind) else k,
                c.rdpneg_code_value(i), _s(c.rdpneg_code_name(i)),
                _s(c.rdpneg_code_alt_name(i)), _s(c.rdpneg_code_meaning(i)),
                _s(c.rdpneg_code_phase(i)), _s(c.rdpneg_code_source(i)),
                _s(c.rdpneg_code_confidence(i)), _s(c.rdpneg_code_status(i)))


def codes(kind=None):
    """Every code row (of |kind| when given), as Code tuples."""
    c = _need()
    want = None if kind is None else parse_kind(kind)
    out = []
    for i in range(c.rdpneg_code_count()):
        row = _code(i)
        if want is None or want == Kind.AUTO or row.kind == want:
            out.append(row)
    return out


def find_codes(kind, value):
    """Every row of |kind| (AUTO: any kind) with |value|."""
    c = _need()
    k = int(parse_kind(kind))
    out, start = [], 0
    while True:
        i = c.rdpneg_code_find(k, int(value) & 0xFFFFFFFF, start)
        if i < 0:
            return out
        out.append(_code(i))
        start = i + 1


def lookup(kind, value):
    """The Code for (|kind|, |value|) (FreeRDP class-1 composites resolve to
    their ERRINFO row), or None when unknown."""
    c = _need()
    i = c.rdpneg_code_lookup(int(parse_kind(kind)), int(value) & 0xFFFFFFFF,
                             None, None)
    return None if i < 0 else _code(i)


def find_code_name(name):
    """The Code named |name| (or alternatively named), or None."""
    c = _need()
    i = c.rdpneg_code_find_name(_ffi.cstr(name, "name"))
    return None if i < 0 else _code(i)


# -- causes -------------------------------------------------------------------

class Evidence(NamedTuple):
    text: str
    where: Optional[str]  # "probe", "server" or "client"


class Remedy(NamedTuple):
    text: str
    source: Optional[str]


class CodeRef(NamedTuple):
    kind: Kind
    lo: int
    hi: int
    confidence: Optional[str]


class Cause(NamedTuple):
    index: int
    id: str
    title: Optional[str]
    description: Optional[str]
    phase: Optional[str]
    severity: Optional[str]
    source: Optional[str]
    confidence: Optional[str]
    evidence: Tuple[Evidence, ...]
    remedies: Tuple[Remedy, ...]
    codes: Tuple[CodeRef, ...]

    def json(self, taxonomy=None):
        c = _need()
        return _json.loads(_ffi.alloc_call(c.rdpneg_cause_json,
                                           _tax(taxonomy), self.index))

    def text(self, taxonomy=None):
        c = _need()
        return _ffi.alloc_call(c.rdpneg_cause_text, _tax(taxonomy),
                               self.index)


def _cause(i, taxonomy=None):
    c = _ffi.core
    t = _tax(taxonomy)
    ev = tuple(Evidence(_s(c.rdpneg_cause_evidence(i, j)),
                        _s(c.rdpneg_cause_evidence_where(i, j)))
               for j in range(max(0, c.rdpneg_cause_evidence_count(i))))
    rem = tuple(Remedy(_s(c.rdpneg_cause_remedy(t, i, j)),
                       _s(c.rdpneg_cause_remedy_source(t, i, j)))
                for j in range(max(0, c.rdpneg_cause_remedy_count(t, i))))
    refs = []
    for j in range(max(0, c.rdpneg_cause_code_count(i))):
        k, lo, hi = ctypes.c_int(), ctypes.c_uint32(), ctypes.c_uint32()
        if c.rdpneg_cause_code(i, j, ctypes.byref(k), ctypes.byref(lo),
                               ctypes.byref(hi)) == 0:
            refs.append(CodeRef(
                Kind(k.value) if 0 <= k.value < len(Kind) else k.value,
                lo.value, hi.value, _s(c.rdpneg_cause_code_confidence(i, j))))
    return Cause(i, _s(c.rdpneg_cause_id(i)), _s(c.rdpneg_cause_title(i)),
                 _s(c.rdpneg_cause_description(i)),
                 _s(c.rdpneg_cause_phase(i)), _s(c.rdpneg_cause_severity(i)),
                 _s(c.rdpneg_cause_source(i)),
                 _s(c.rdpneg_cause_confidence(i)), ev, rem, tuple(refs))


def cause(cause_id, taxonomy=None):
    """The Cause with stable ID |cause_id| ("CERT_EXPIRED"); KeyError when
    there is none."""
    c = _need()
    i = c.rdpneg_cause_find(_ffi.cstr(cause_id, "cause id"))
    if i < 0:
        raise KeyError(cause_id)
    return _cause(i, taxonomy)


def causes(taxonomy=None):
    """Every cause of the catalogue."""
    c = _need()
    return [_cause(i, taxonomy) for i in range(c.rdpneg_cause_count())]


def sources():
    """The source legend as {key: description}."""
    c = _need()
    return {_s(c.rdpneg_source_key(i)): _s(c.rdpneg_source_description(i))
            for i in range(c.rdpneg_source_count())}


# re-exported for callers that check codes
BAD_FILE = _errors.BAD_FILE
