# SPDX-License-Identifier: Apache-2.0
"""Exceptions: one class per error band of rdpneg_errors.h.

A negative return from the C library becomes an instance of the class of
its band; every instance carries ``code`` (the negative int), ``name``
("RDPNEG_ERR_TLS_ALERT", from rdpneg_err_name), ``message`` (from
rdpneg_strerror), ``category`` ("TLS") and ``function`` (the C function
that returned it, or None).
"""

from __future__ import annotations

from typing import Dict, Optional, Type

from . import _errors

__all__ = [
    "RdpnegError", "UsageError", "TransportError", "NegotiationError",
    "TlsError", "CredsspError", "AuthError", "InternalError",
    "error_class", "category_of",
]


class RdpnegError(Exception):
    """Base class of every error the library reports."""

    code: int
    name: str
    message: str
    function: Optional[str]
    detail: Optional[str]
    category: Optional[str]

    def __init__(self, code: int, name: Optional[str] = None,
                 message: Optional[str] = None,
                 function: Optional[str] = None,
                 detail: Optional[str] = None) -> None:
        self.code = int(code)
        self.name = name or "RDPNEG_ERR_%d" % (-self.code)
        self.message = message or "unknown error"
        self.function = function
        self.detail = detail
        self.category = category_of(self.code)
        text = "%s (%s, %d)" % (self.message, self.name, self.code)
        if detail:
            text = "%s: %s" % (text, detail)
        if function:
            text = "%s: %s" % (function, text)
        super().__init__(text)


class UsageError(RdpnegError, ValueError):
    """-1xx: invalid argument or state, limits, unreadable input files."""


class TransportError(RdpnegError):
    """-2xx: TCP, TPKT and X.224 framing."""


class NegotiationError(RdpnegError):
    """-3xx: RDP_NEG_FAILURE and protocol selection."""


class TlsError(RdpnegError):
    """-4xx: TLS handshake and certificates."""


class CredsspError(RdpnegError):
    """-5xx: CredSSP, SPNEGO and NTLM protocol errors."""


class AuthError(RdpnegError):
    """-6xx: authentication outcome."""


class InternalError(RdpnegError):
    """-9xx: out of memory, internal and crypto backend failures."""


_BY_CATEGORY: Dict[str, Type[RdpnegError]] = {
    "USAGE": UsageError,
    "TRANSPORT": TransportError,
    "NEGOTIATION": NegotiationError,
    "TLS": TlsError,
    "CREDSSP": CredsspError,
    "AUTH": AuthError,
    "INTERNAL": InternalError,
}
_BAND_TO_CATEGORY = {band: cat for cat, band in _errors.CATEGORY_BANDS.items()}


def category_of(code: int) -> Optional[str]:
    """The category name of a negative |code| by its band, or None."""
    code = int(code)
    if code >= 0 or code <= -1000:
        return None
    return _BAND_TO_CATEGORY.get(-code // 100)


def error_class(code: int) -> Type[RdpnegError]:
    """The exception class for |code| (RdpnegError when outside a band)."""
    cat = category_of(code)
    return _BY_CATEGORY.get(cat, RdpnegError) if cat else RdpnegError
