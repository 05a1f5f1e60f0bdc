"""Config: a probe configuration (wraps rdpneg_config)."""

import ctypes
import os

from . import _errors, _ffi
from ._enums import CertReject, Option, Protocol, StringOption
from ._handle import NativeHandle
from .errors import UsageError

__all__ = ["Config", "TLS_VERSIONS"]

# RDPNEG_OPT_TLS_MIN / _MAX values.
TLS_VERSIONS = {"1.0": 1, "1.1": 2, "1.2": 3}
_TLS_NAMES = {v: k for k, v in TLS_VERSIONS.items()}


def _tls_version(value):
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


def _int(value, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %s" %
                        (what, type(value).__name__))
    return value


def _flag(value, what):
    if not isinstance(value, (bool, int)) or value not in (0, 1):
        raise TypeError("%s must be a bool" % what)
    return int(value)


def _int_option(opt, doc, kind="int"):
    conv = _flag if kind == "bool" else _int

    def fget(self):
        v = self.get_int(opt)
        return bool(v) if kind == "bool" else v

    def fset(self, value):
        self.set_int(opt, conv(value, opt.name.lower()))

    return property(fget, fset, doc=doc)


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

    def __init__(self, **options):
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
    def _adopt(cls, ptr):
        self = cls.__new__(cls)
        self._init_handle(ptr, _ffi.core.rdpneg_config_free)
        return self

    def clone(self):
        """An independent deep copy (credentials included)."""
        with self._lock:
            ptr = _ffi.ConfigP()
            _ffi.core.rdpneg_config_clone(self._handle(), ctypes.byref(ptr))
        return Config._adopt(ptr)

    # -- raw options ----------------------------------------------------------

    def set_int(self, opt, value):
        """Sets integer option |opt| (an Option) to |value|."""
        with self._lock:
            _ffi.core.rdpneg_config_set_int(self._handle(), int(opt),
                                            _int(value, "value"))

    def get_int(self, opt):
        """Reads integer option |opt| (an Option)."""
        v = ctypes.c_int64()
        with self._lock:
            _ffi.core.rdpneg_config_get_int(self._handle(), int(opt),
                                            ctypes.byref(v))
        return v.value

    def set_str(self, opt, value):
        """Sets string option |opt| (a StringOption); None clears it."""
        data = _ffi.cstr(value, StringOption(opt).name.lower())
        with self._lock:
            _ffi.core.rdpneg_config_set_str(self._handle(), int(opt), data)

    # -- protocols ------------------------------------------------------------

    @property
    def protocols(self):
        """Requested protocols as names, e.g. ['SSL', 'HYBRID']; ['NONE']
        for a legacy request without RDP_NEG_REQ. Set it with names (a
        list or a comma string such as "ssl,hybrid"; "rdp" adds nothing,
        "none" sends the legacy request) or a Protocol mask."""
        if not self.send_neg_req:
            return ["NONE"]
        mask = self.requested_protocols
        return [p.name for p in Protocol if p.value and mask & p.value]

    @protocols.setter
    def protocols(self, value):
        if isinstance(value, Protocol) or (isinstance(value, int) and
                                           not isinstance(value, bool)):
            with self._lock:
                self.requested_protocols = int(value)
                self.send_neg_req = True
            return
        if isinstance(value, (list, tuple, set, frozenset)):
            names = []
            for v in value:
                names.append(v.name if isinstance(v, Protocol) else
                             str(_ffi.cstr(v, "protocol name"), "utf-8"))
            value = ",".join(names) if names else "rdp"
        text = _ffi.cstr(value, "protocols")
        mask, neg = ctypes.c_uint32(), ctypes.c_int()
        _ffi.core.rdpneg_protocols_parse(text, ctypes.byref(mask),
                                         ctypes.byref(neg))
        with self._lock:
            self.set_int(Option.REQUESTED_PROTOCOLS, mask.value)
            self.set_int(Option.SEND_NEG_REQ, neg.value)

    requested_protocols = property(
        lambda self: Protocol(self.get_int(Option.REQUESTED_PROTOCOLS)),
        lambda self, v: self.set_int(Option.REQUESTED_PROTOCOLS,
                                     _int(int(v) if isinstance(v, Protocol)
                                          else v, "requested_protocols")),
        doc="requestedProtocols mask (Protocol flags); default SSL|HYBRID|"
            "HYBRID_EX")
    send_neg_req = _int_option(Option.SEND_NEG_REQ,
                               "False: legacy request without RDP_NEG_REQ",
                               "bool")
    neg_req_flags = _int_option(Option.NEG_REQ_FLAGS,
                                "RDP_NEG_REQ flags byte (NegReqFlag)")

    # -- timeouts -------------------------------------------------------------

    connect_timeout_ms = _int_option(Option.CONNECT_TIMEOUT_MS,
                                     "TCP connect deadline (1..600000 ms)")
    x224_timeout_ms = _int_option(Option.X224_TIMEOUT_MS,
                                  "X.224 answer deadline (1..600000 ms)")
    tls_timeout_ms = _int_option(Option.TLS_TIMEOUT_MS,
                                 "TLS handshake deadline (1..600000 ms)")
    nla_timeout_ms = _int_option(Option.NLA_TIMEOUT_MS,
                                 "CredSSP deadline (1..600000 ms)")
    overall_timeout_ms = _int_option(Option.OVERALL_TIMEOUT_MS,
                                     "whole-probe deadline (1..3600000 ms)")

    @property
    def timeout_ms(self):
        """Per-phase timeouts as one value (setting it also sets the
        overall deadline to three times it, as rdpneg-probe --timeout)."""
        return self.connect_timeout_ms

    @timeout_ms.setter
    def timeout_ms(self, ms):
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

    do_tls = _int_option(Option.DO_TLS, "continue into TLS", "bool")
    do_nla = _int_option(Option.DO_NLA, "continue into CredSSP", "bool")
    warn_days = _int_option(Option.WARN_DAYS,
                            "days before notAfter that count as expiring")
    now_unix = _int_option(Option.NOW_UNIX,
                           "wall clock for date checks (0: the system's)")
    spnego = _int_option(Option.SPNEGO,
                         "wrap NTLM in SPNEGO exactly as mstsc does (default "
                         "False: raw NTLM, which Windows and FreeRDP accept; "
                         "with True a plan retries raw when SPNEGO is "
                         "refused)", "bool")
    probe_tls_versions = _int_option(
        Option.TLS_VERSIONS,
        "a probe plan also makes one connection per TLS version 1.0, 1.1 "
        "and 1.2 (what probe(tls_versions=True) sets)", "bool")
    max_buffered = _int_option(Option.MAX_BUFFERED,
                               "maximum bytes buffered from the peer")

    @property
    def reject_cert(self):
        """Certificate policy (CertReject flags; 0: report only). A
        certificate matching it ends TLS with CERT_REJECTED before anything
        is sent inside TLS."""
        return CertReject(self.get_int(Option.REJECT_CERT))

    @reject_cert.setter
    def reject_cert(self, value):
        self.set_int(Option.REJECT_CERT,
                     _int(int(value) if isinstance(value, CertReject)
                          else value, "reject_cert"))

    @property
    def tls_min(self):
        """Lowest TLS version offered: "1.0", "1.1" or "1.2"."""
        return _TLS_NAMES[self.get_int(Option.TLS_MIN)]

    @tls_min.setter
    def tls_min(self, value):
        self.set_int(Option.TLS_MIN, _tls_version(value))

    @property
    def tls_max(self):
        """Highest TLS version offered: "1.0", "1.1" or "1.2"."""
        return _TLS_NAMES[self.get_int(Option.TLS_MAX)]

    @tls_max.setter
    def tls_max(self, value):
        self.set_int(Option.TLS_MAX, _tls_version(value))

    @property
    def tls_versions(self):
        """(min, max) TLS versions offered; set with a pair or one value."""
        return (self.tls_min, self.tls_max)

    @tls_versions.setter
    def tls_versions(self, value):
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

    def _write_only(name):
        def fget(self):
            raise AttributeError("%s is write-only (the C API has no getter)"
                                 % name)
        return fget

    cookie = property(_write_only("cookie"),
                      lambda self, v: self.set_str(StringOption.COOKIE, v),
                      doc="mstshash cookie (1..255 bytes, no CR/LF); None "
                          "clears. Write-only.")
    routing_token = property(
        _write_only("routing_token"),
        lambda self, v: self.set_str(StringOption.ROUTING_TOKEN, v),
        doc="routing token sent verbatim; None clears. Write-only.")
    sni = property(_write_only("sni"),
                   lambda self, v: self.set_str(StringOption.SNI, v),
                   doc="TLS server name and hostname check (default: the "
                       "target host); None clears. Write-only.")
    del _write_only

    def set_correlation_id(self, id16):
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

    def _no_correlation_getter(self):
        raise AttributeError("correlation_id is write-only (the C API has no "
                             "getter)")

    correlation_id = property(_no_correlation_getter, set_correlation_id,
                              doc="16-byte correlationId. Write-only.")
    del _no_correlation_getter

    # -- trust anchors --------------------------------------------------------

    def add_ca(self, data):
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

    def add_ca_file(self, path):
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

    def set_credentials(self, user, password, domain=None):
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

    def clear_credentials(self):
        """Removes the credentials (the C copy is zeroised)."""
        with self._lock:
            _ffi.core.rdpneg_config_set_credentials(self._handle(), None, None,
                                                    None)

    def __repr__(self):
        if self.closed:
            return "<rdpneg.Config closed>"
        return ("<rdpneg.Config protocols=%s timeouts=%d/%d/%d/%d ms "
                "overall=%d ms tls=%s..%s>" % (
                    ",".join(self.protocols), self.connect_timeout_ms,
                    self.x224_timeout_ms, self.tls_timeout_ms,
                    self.nla_timeout_ms, self.overall_timeout_ms,
                    self.tls_min, self.tls_max))
