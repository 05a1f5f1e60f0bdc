# SPDX-License-Identifier: Apache-2.0
"""Config: a probe configuration (wraps rdpneg_config)."""

from __future__ import annotations

import ctypes
import os
from typing import (Any, Dict, Iterable, List, NoReturn, Optional, Tuple,
                    Union, overload)

from . import _errors, _ffi
from ._enums import CertReject, Option, Protocol, StringOption
from ._ffi import StrArg
from ._handle import NativeHandle
from .errors import UsageError

__all__ = ["Config", "TLS_VERSIONS", "TlsVersion", "ProtocolsArg"]

# RDPNEG_OPT_TLS_MIN / _MAX values.
TLS_VERSIONS: Dict[str, int] = {"1.0": 1, "1.1": 2, "1.2": 3}
_TLS_NAMES = {v: k for k, v in TLS_VERSIONS.items()}

#: a TLS version: "1.0", "TLSv1.2", ... or the option value 1..3
TlsVersion = Union[str, int]
#: what Config.protocols accepts: "ssl,hybrid", ["SSL", Protocol.HYBRID],
#: a Protocol mask
ProtocolsArg = Union[str, bytes, Protocol, int, Iterable[Union[str, Protocol]]]


def _tls_version(value: TlsVersion) -> int:
    if isinstance(value, str):
        key = value.strip().lower()
        for pre in ("tlsv", "tls"):
            if key.startswith(pre):
                key = key[len(pre):].strip()
        if key in TLS_VERSIONS:
            return TLS_VERSIONS[key]
        raise _ffi.make_error(_errors.INVALID_ARGUMENT, None,
                              "unknown TLS version %r (1.0, 1.1 or 1.2)"
                              % value)
    return _int(value, "TLS version")


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %s" %
                        (what, type(value).__name__))
    return value


def _flag(value: Any, what: str) -> int:
    if not isinstance(value, (bool, int)) or value not in (0, 1):
        raise TypeError("%s must be a bool" % what)
    return int(value)


class _IntOption:
    """An integer option of rdpneg_config as an attribute."""

    def __init__(self, opt: Option, doc: str) -> None:
        self.opt = opt
        self.__doc__ = doc

    @overload
    def __get__(self, obj: None, owner: Any) -> "_IntOption": ...

    @overload
    def __get__(self, obj: "Config", owner: Any) -> int: ...

    def __get__(self, obj: Optional["Config"],
                owner: Any) -> Union["_IntOption", int]:
        if obj is None:
            return self
        return obj.get_int(self.opt)

    def __set__(self, obj: "Config", value: int) -> None:
        obj.set_int(self.opt, _int(value, self.opt.name.lower()))


class _BoolOption:
    """A 0/1 option of rdpneg_config as a bool attribute."""

    def __init__(self, opt: Option, doc: str) -> None:
        self.opt = opt
        self.__doc__ = doc

    @overload
    def __get__(self, obj: None, owner: Any) -> "_BoolOption": ...

    @overload
    def __get__(self, obj: "Config", owner: Any) -> bool: ...

    def __get__(self, obj: Optional["Config"],
                owner: Any) -> Union["_BoolOption", bool]:
        if obj is None:
            return self
        return bool(obj.get_int(self.opt))

    def __set__(self, obj: "Config", value: bool) -> None:
        obj.set_int(self.opt, _flag(value, self.opt.name.lower()))


class _StrOption:
    """A string option: write-only (the C API has no string getters)."""

    def __init__(self, opt: StringOption, doc: str) -> None:
        self.opt = opt
        self.__doc__ = doc

    @overload
    def __get__(self, obj: None, owner: Any) -> "_StrOption": ...

    @overload
    def __get__(self, obj: "Config", owner: Any) -> NoReturn: ...

    def __get__(self, obj: Optional["Config"], owner: Any) -> "_StrOption":
        if obj is None:
            return self
        raise AttributeError("%s is write-only (the C API has no getter)"
                             % self.opt.name.lower())

    def __set__(self, obj: "Config", value: Optional[StrArg]) -> None:
        obj.set_str(self.opt, value)


class Config(NativeHandle):
    """Probe configuration: an owned rdpneg_config with typed setters.

    Every setter validates in C; a value out of range raises UsageError
    (a ValueError) and leaves the option unchanged. Use it as a context
    manager or call close(); it is also freed when garbage-collected.
    Keyword arguments to the constructor are applied as attributes, e.g.
    ``Config(protocols="ssl", timeout_ms=2000, sni="rdp.example")``.

    A Config is guarded by a lock, so one instance may be shared by threads
    (probe() takes a private copy of it for the run).
    """

    _SETTABLE = {"protocols", "requested_protocols", "send_neg_req",
                 "neg_req_flags", "timeout_ms", "connect_timeout_ms",
                 "x224_timeout_ms", "tls_timeout_ms", "nla_timeout_ms",
                 "overall_timeout_ms", "do_tls", "do_nla", "tls_min",
                 "tls_max", "tls_versions", "probe_tls_versions", "warn_days",
                 "now_unix", "spnego",
                 "max_buffered", "reject_cert", "cookie", "routing_token",
                 "sni", "correlation_id", "ca_file", "ca"}

    _what = "Config"

    def __init__(self, **options: Any) -> None:
        ptr = _ffi.ConfigP()
        _ffi.core.rdpneg_config_new(ctypes.byref(ptr))
        self._init_handle(ptr, _ffi.core.rdpneg_config_free)
        try:
            # aggregate settings first, so Config(timeout_ms=3000,
            # x224_timeout_ms=500) keeps the specific value
            first = ("timeout_ms", "protocols", "tls_versions")
            ordered = sorted(options.items(),
                             key=lambda kv: kv[0] not in first)
            for key, value in ordered:
                if key not in self._SETTABLE:
                    raise TypeError("Config() got an unexpected keyword "
                                    "argument %r" % key)
                if key == "ca_file":
                    self.add_ca_file(value)
                elif key == "ca":
                    self.add_ca(value)
                else:
                    setattr(self, key, value)
        except BaseException:
            self.close()
            raise

    @classmethod
    def _adopt(cls, ptr: Any) -> "Config":
        self = cls.__new__(cls)
        self._init_handle(ptr, _ffi.core.rdpneg_config_free)
        return self

    def clone(self) -> "Config":
        """An independent deep copy (credentials included)."""
        with self._lock:
            ptr = _ffi.ConfigP()
            _ffi.core.rdpneg_config_clone(self._handle(), ctypes.byref(ptr))
        return Config._adopt(ptr)

    # -- raw options ----------------------------------------------------------

    def set_int(self, opt: Union[Option, int], value: int) -> None:
        """Sets integer option |opt| (an Option) to |value|."""
        with self._lock:
            _ffi.core.rdpneg_config_set_int(self._handle(), int(opt),
                                            _int(value, "value"))

    def get_int(self, opt: Union[Option, int]) -> int:
        """Reads integer option |opt| (an Option)."""
        v = ctypes.c_int64()
        with self._lock:
            _ffi.core.rdpneg_config_get_int(self._handle(), int(opt),
                                            ctypes.byref(v))
        return int(v.value)

    def set_str(self, opt: Union[StringOption, int],
                value: Optional[StrArg]) -> None:
        """Sets string option |opt| (a StringOption); None clears it."""
        data = _ffi.cstr(value, StringOption(opt).name.lower())
        with self._lock:
            _ffi.core.rdpneg_config_set_str(self._handle(), int(opt), data)

    # -- protocols ------------------------------------------------------------

    @property
    def protocols(self) -> List[str]:
        """Requested protocols as names, e.g. ['SSL', 'HYBRID']; ['NONE']
        for a legacy request without RDP_NEG_REQ. Set it with names (a
        list or a comma string such as "ssl,hybrid"; "rdp" adds nothing,
        "none" sends the legacy request) or a Protocol mask."""
        if not self.send_neg_req:
            return ["NONE"]
        mask = self.requested_protocols
        return [str(p) for p in Protocol if p.value and mask & p.value]

    @protocols.setter
    def protocols(self, value: ProtocolsArg) -> None:
        if isinstance(value, bool):
            raise TypeError("protocols must be names or a Protocol mask")
        if isinstance(value, int):
            with self._lock:
                self.requested_protocols = Protocol(int(value))
                self.send_neg_req = True
            return
        if not isinstance(value, (str, bytes)):
            names: List[str] = []
            for v in value:
                if isinstance(v, Protocol):
                    names.extend(v.names)
                else:
                    names.append(str(_ffi.cstr(v, "protocol name"), "utf-8"))
            value = ",".join(names) if names else "rdp"
        text = _ffi.cstr(value, "protocols")
        mask, neg = ctypes.c_uint32(), ctypes.c_int()
        _ffi.core.rdpneg_protocols_parse(text, ctypes.byref(mask),
                                         ctypes.byref(neg))
        with self._lock:
            self.set_int(Option.REQUESTED_PROTOCOLS, mask.value)
            self.set_int(Option.SEND_NEG_REQ, neg.value)

    @property
    def requested_protocols(self) -> Protocol:
        """requestedProtocols mask (Protocol flags); default SSL|HYBRID|
        HYBRID_EX"""
        return Protocol(self.get_int(Option.REQUESTED_PROTOCOLS))

    @requested_protocols.setter
    def requested_protocols(self, v: Union[Protocol, int]) -> None:
        self.set_int(Option.REQUESTED_PROTOCOLS,
                     _int(int(v) if isinstance(v, Protocol) else v,
                          "requested_protocols"))

    send_neg_req = _BoolOption(Option.SEND_NEG_REQ,
                               "False: legacy request without RDP_NEG_REQ")
    neg_req_flags = _IntOption(Option.NEG_REQ_FLAGS,
                               "RDP_NEG_REQ flags byte (NegReqFlag)")

    # -- timeouts -------------------------------------------------------------

    connect_timeout_ms = _IntOption(Option.CONNECT_TIMEOUT_MS,
                                     "TCP connect deadline (1..600000 ms)")
    x224_timeout_ms = _IntOption(Option.X224_TIMEOUT_MS,
                                  "X.224 answer deadline (1..600000 ms)")
    tls_timeout_ms = _IntOption(Option.TLS_TIMEOUT_MS,
                                 "TLS handshake deadline (1..600000 ms)")
    nla_timeout_ms = _IntOption(Option.NLA_TIMEOUT_MS,
                                 "CredSSP deadline (1..600000 ms)")
    overall_timeout_ms = _IntOption(Option.OVERALL_TIMEOUT_MS,
                                     "whole-probe deadline (1..3600000 ms)")

    @property
    def timeout_ms(self) -> int:
        """Per-phase timeouts as one value (setting it also sets the
        overall deadline to three times it, as rdpneg-probe --timeout)."""
        return self.connect_timeout_ms

    @timeout_ms.setter
    def timeout_ms(self, ms: int) -> None:
        ms = _int(ms, "timeout_ms")
        if not 1 <= ms <= 600000:
            raise _ffi.make_error(_errors.INVALID_ARGUMENT, None,
                                  "timeout_ms must be 1..600000")
        with self._lock:
            for opt in (Option.CONNECT_TIMEOUT_MS, Option.X224_TIMEOUT_MS,
                        Option.TLS_TIMEOUT_MS, Option.NLA_TIMEOUT_MS):
                self.set_int(opt, ms)
            self.set_int(Option.OVERALL_TIMEOUT_MS, 3 * ms)

    # -- phases, TLS, misc ----------------------------------------------------

    do_tls = _BoolOption(Option.DO_TLS, "continue into TLS")
    do_nla = _BoolOption(Option.DO_NLA, "continue into CredSSP")
    warn_days = _IntOption(Option.WARN_DAYS,
                           "days before notAfter that count as expiring")
    now_unix = _IntOption(Option.NOW_UNIX,
                          "wall clock for date checks (0: the system's)")
    spnego = _BoolOption(Option.SPNEGO,
                         "wrap NTLM in SPNEGO exactly as mstsc does (default "
                         "False: raw NTLM, which Windows and FreeRDP accept; "
                         "with True a plan retries raw when SPNEGO is "
                         "refused)")
    probe_tls_versions = _BoolOption(
        Option.TLS_VERSIONS,
        "a probe plan also makes one connection per TLS version 1.0, 1.1 "
        "and 1.2 (what probe(tls_versions=True) sets)")
    max_buffered = _IntOption(Option.MAX_BUFFERED,
                              "maximum bytes buffered from the peer")

    @property
    def reject_cert(self) -> CertReject:
        """Certificate policy (CertReject flags; 0: report only). A
        certificate matching it ends TLS with CERT_REJECTED before anything
        is sent inside TLS."""
        return CertReject(self.get_int(Option.REJECT_CERT))

    @reject_cert.setter
    def reject_cert(self, value: Union[CertReject, int]) -> None:
        self.set_int(Option.REJECT_CERT,
                     _int(int(value) if isinstance(value, CertReject)
                          else value, "reject_cert"))

    @property
    def tls_min(self) -> str:
        """Lowest TLS version offered: "1.0", "1.1" or "1.2"."""
        return _TLS_NAMES[self.get_int(Option.TLS_MIN)]

    @tls_min.setter
    def tls_min(self, value: TlsVersion) -> None:
        self.set_int(Option.TLS_MIN, _tls_version(value))

    @property
    def tls_max(self) -> str:
        """Highest TLS version offered: "1.0", "1.1" or "1.2"."""
        return _TLS_NAMES[self.get_int(Option.TLS_MAX)]

    @tls_max.setter
    def tls_max(self, value: TlsVersion) -> None:
        self.set_int(Option.TLS_MAX, _tls_version(value))

    @property
    def tls_versions(self) -> Tuple[str, str]:
        """(min, max) TLS versions offered; set with a pair or one value."""
        return (self.tls_min, self.tls_max)

    @tls_versions.setter
    def tls_versions(self, value: Union[TlsVersion,
                                        Tuple[TlsVersion, TlsVersion]]
                     ) -> None:
        if isinstance(value, (str, int)):
            lo = hi = value
        else:
            lo, hi = value
        lo, hi = _tls_version(lo), _tls_version(hi)
        if lo > hi:
            raise _ffi.make_error(_errors.INVALID_ARGUMENT, None,
                                  "TLS min version above max")
        with self._lock:
            # order so that min <= max holds after each call
            self.set_int(Option.TLS_MIN, 1)
            self.set_int(Option.TLS_MAX, hi)
            self.set_int(Option.TLS_MIN, lo)

    # -- strings (write-only: the C API has no string getters) ---------------

    cookie = _StrOption(StringOption.COOKIE,
                        "mstshash cookie (1..255 bytes, no CR/LF); None "
                        "clears. Write-only.")
    routing_token = _StrOption(
        StringOption.ROUTING_TOKEN,
        "routing token sent verbatim; None clears. Write-only.")
    sni = _StrOption(StringOption.SNI,
                     "TLS server name and hostname check (default: the "
                     "target host); None clears. Write-only.")

    def set_correlation_id(self, id16: Optional[bytes]) -> None:
        """Sets the 16-byte RDP_NEG_CORRELATION_INFO id; None removes it."""
        with self._lock:
            if id16 is None:
                _ffi.core.rdpneg_config_set_correlation_id(self._handle(),
                                                           None)
                return
            data = bytes(id16)
            if len(data) != 16:
                raise _ffi.make_error(_errors.INVALID_ARGUMENT,
                                      "rdpneg_config_set_correlation_id",
                                      "correlation id must be 16 bytes")
            buf = (ctypes.c_uint8 * 16).from_buffer_copy(data)
            _ffi.core.rdpneg_config_set_correlation_id(self._handle(), buf)

    @property
    def correlation_id(self) -> NoReturn:
        """16-byte correlationId. Write-only."""
        raise AttributeError("correlation_id is write-only (the C API has no "
                             "getter)")

    @correlation_id.setter
    def correlation_id(self, id16: Optional[bytes]) -> None:
        self.set_correlation_id(id16)

    # -- trust anchors --------------------------------------------------------

    def add_ca(self, data: Union[str, bytes, bytearray, memoryview]) -> None:
        """Adds trust anchors (PEM or DER bytes). UsageError(BAD_FILE)
        when no certificate parses."""
        if isinstance(data, str):
            data = data.encode("ascii")
        data = bytes(data)
        if not data:
            raise _ffi.make_error(_errors.INVALID_ARGUMENT,
                                  "rdpneg_config_add_ca", "empty CA data")
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        with self._lock:
            _ffi.core.rdpneg_config_add_ca(self._handle(), buf, len(data))

    def add_ca_file(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Adds the trust anchors in the PEM or DER file at |path|."""
        try:
            with open(os.fspath(path), "rb") as f:
                data = f.read(16 * 1024 * 1024 + 1)
        except OSError as e:
            raise _ffi.make_error(_errors.BAD_FILE, None,
                                  "%s: %s" % (path, e.strerror)) from e
        if not data:
            raise _ffi.make_error(_errors.BAD_FILE, None, "%s: empty" % path)
        try:
            self.add_ca(data)
        except UsageError as e:
            if e.code != _errors.BAD_FILE:
                raise
            raise _ffi.make_error(_errors.BAD_FILE, "rdpneg_config_add_ca",
                                  "%s: no certificate parses" % path) from None

    # -- credentials ----------------------------------------------------------

    def set_credentials(self, user: StrArg, password: StrArg,
                        domain: Optional[StrArg] = None) -> None:
        """Sets the credentials for the NLA check.

        |password| may be str, bytes, bytearray or memoryview. It is copied
        into a private ctypes buffer handed to C (which makes its own copy
        and zeroises it after use); the private buffer is zeroised before
        this method returns, and nothing of the password is kept on this
        object. (A str or bytes argument is an immutable Python object that
        this method cannot wipe; pass a bytearray and clear it yourself when
        that matters.)
        """
        if user is None:
            raise TypeError("user must not be None (use clear_credentials)")
        if password is None:
            raise _ffi.make_error(_errors.INVALID_ARGUMENT,
                                  "rdpneg_config_set_credentials",
                                  "password is required with a user")
        u = _ffi.cstr(user, "user")
        d = _ffi.cstr(domain, "domain")
        if isinstance(password, str):
            secret = bytearray(password, "utf-8")
        elif isinstance(password, (bytes, bytearray, memoryview)):
            secret = bytearray(password)
        else:
            raise TypeError("password must be str or bytes, not %s" %
                            type(password).__name__)
        n = len(secret)
        buf = ctypes.create_string_buffer(n + 1)
        try:
            if b"\0" in secret:
                raise _ffi.make_error(_errors.INVALID_ARGUMENT,
                                      "rdpneg_config_set_credentials",
                                      "password contains a NUL character")
            if n:
                ctypes.memmove(buf, (ctypes.c_char * n).from_buffer(secret),
                               n)
            with self._lock:
                _ffi.core.rdpneg_config_set_credentials(
                    self._handle(), u, d, ctypes.cast(buf, ctypes.c_void_p))
        finally:
            ctypes.memset(buf, 0, n + 1)
            for i in range(n):
                secret[i] = 0

    def clear_credentials(self) -> None:
        """Removes the credentials (the C copy is zeroised)."""
        with self._lock:
            _ffi.core.rdpneg_config_set_credentials(self._handle(), None, None,
                                                    None)

    def __repr__(self) -> str:
        if self.closed:
            return "<rdpneg.Config closed>"
        return ("<rdpneg.Config protocols=%s timeouts=%d/%d/%d/%d ms "
                "overall=%d ms tls=%s..%s>" % (
                    ",".join(self.protocols), self.connect_timeout_ms,
                    self.x224_timeout_ms, self.tls_timeout_ms,
                    self.nla_timeout_ms, self.overall_timeout_ms,
                    self.tls_min, self.tls_max))
