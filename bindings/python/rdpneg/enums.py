# SPDX-License-Identifier: Apache-2.0
"""Every enum of the binding, in one place.

``str()`` of any member is its name in the JSON documents (rdpneg.probe/1,
rdpneg.explain/1): ``str(Verdict.FAILING) == "failing"``,
``str(Protocol.SSL) == "SSL"``, ``str(Severity.DEGRADED) == "degraded"``.
The C enums keep their numbers (``int(Verdict.FAILING) == 2``); the enums
that only exist as strings in the documents (Severity, Confidence,
CausePhase, ReportedVerdict) are ``str`` subclasses, equal to their name.
"""

from __future__ import annotations

import enum
from typing import Any, Optional, Type, TypeVar, Union

from ._enumbase import JsonIntEnum, JsonStrEnum, NamedIntEnum, NamedIntFlag
from ._enums import (CertReject, CloseReason, Kind, NegFailure, NegReqFlag,
                     Option, Phase, PhaseStatus, Protocol, StringOption,
                     TcpStatus, TlsStatus, Verdict, X224Status)

__all__ = [
    "CertReject", "CloseReason", "Kind", "NegFailure", "NegReqFlag",
    "Option", "Phase", "PhaseStatus", "Protocol", "StringOption",
    "TcpStatus", "TlsStatus", "Verdict", "X224Status", "Severity",
    "Confidence", "CausePhase", "ReportedVerdict", "JsonIntEnum",
    "JsonStrEnum", "NamedIntEnum", "NamedIntFlag",
]


class Severity(JsonStrEnum):
    """How bad a finding (or a catalogue cause) is."""

    FAILING = "failing"
    DEGRADED = "degraded"
    INFO = "info"


class Confidence(JsonStrEnum):
    """How sure the diagnosis is of a finding."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class CausePhase(JsonStrEnum):
    """Where a finding or a cause sits: the probe's phases (dns, tcp, x224,
    tls, nla) and, in the catalogue, the later stages a client reports
    codes from."""

    DNS = "dns"
    TCP = "tcp"
    X224 = "x224"
    TLS = "tls"
    NLA = "nla"
    TRANSPORT = "transport"
    SECURITY = "security"
    MCS = "mcs"
    LICENSING = "licensing"
    SESSION = "session"
    BROKER = "broker"
    CLIENT = "client"
    ANY = "any"


class ReportedVerdict(JsonStrEnum):
    """The cross-check of a reported code against the probe."""

    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    SERVER_HEALTHY = "server_healthy"


_S = TypeVar("_S", bound=JsonStrEnum)
_I = TypeVar("_I", bound=enum.Enum)


def str_enum(cls: Type[_S], value: Any) -> Union[_S, str, None]:
    """The member of |cls| whose JSON name is |value|; |value| itself (a
    str) when this binding does not know it; None for None."""
    if value is None:
        return None
    try:
        return cls(str(value))
    except ValueError:
        return str(value)


def named_enum(cls: Type[_I], value: Any) -> Union[_I, str, None]:
    """The member of |cls| named |value| in a document ("not_rdp"); the
    string itself when unknown; None for None."""
    if value is None:
        return None
    try:
        return cls[str(value).upper()]
    except KeyError:
        return str(value)


def int_enum(cls: Type[_I], value: Optional[int]) -> Union[_I, int, None]:
    """The member of |cls| with C value |value|; the int when unknown."""
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        return int(value)
