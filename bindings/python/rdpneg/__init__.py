# SPDX-License-Identifier: Apache-2.0
"""librdpneg for Python: why an RDP connection fails, before the session.

    import rdpneg
    rep = rdpneg.probe("rdp.example", 3389,
                       rdpneg.Config(timeout_ms=3000, ca_file="ca.pem"))
    print(rep.verdict, rep.x224_status, rep.selected_protocol)
    print(rep.text())

Pure ctypes over librdpneg (sans-I/O core) and librdpneg-uv (the libuv
driver behind probe()). A probe is a Plan of one or more connections, each
a Session (the low-level sans-I/O API); rdpneg.aio runs plans from asyncio
without libuv. What a probe observed is Evidence (also read back from a
saved document with Evidence.parse); diagnose() turns it into findings and
a Report is both. Errors are RdpnegError subclasses by band (UsageError,
TransportError, ...). The library is located by rdpneg._loader
(RDPNEG_LIBRARY, RDPNEG_LIBRARY_DIR, else the system's copy when it is
newer than the one the wheel bundles, else the bundled one);
``library_source()`` says which.

Results are frozen dataclasses; every enum prints as its name in the JSON
documents (``print(rep.verdict)`` prints ``failing``). The package is typed
(PEP 561, checked with mypy --strict). ``python -m rdpneg HOST[:PORT]``
is rdpneg-probe in Python.
"""

from __future__ import annotations

from typing import Optional, Union

from . import _errors as codes
from ._enums import (KIND_COUNT, PHASE_COUNT, CertReject, CloseReason,
                     Kind, NegFailure, NegReqFlag, Option, Phase, PhaseStatus,
                     Protocol, StringOption, TcpStatus, TlsStatus, Verdict,
                     X224Status)
from ._ffi import HAVE_DIAGNOSIS, HAVE_TAXONOMY, core_path as library_path
from ._version import __version__
from .config import TLS_VERSIONS, Config
from .enums import CausePhase, Confidence, ReportedVerdict, Severity
from .errors import (AuthError, CredsspError, InternalError,
                     NegotiationError, RdpnegError, TlsError, TransportError,
                     UsageError)
from .evidence import (Attempt, Diagnosis, Evidence, Finding, PhaseResult,
                       Report, check_reported, diagnose)
from .many import ManyResult, ProbeMany, probe_many
from .plan import Plan
from .probe import probe
from .session import TSTAMP_NEVER, Session, now_ns


def library_version() -> str:
    """The loaded librdpneg's version string (rdpneg_version())."""
    from . import _ffi
    return _ffi.version()


def library_source() -> Optional[str]:
    """Where the loaded librdpneg came from: "bundled" (the wheel's copy),
    "system", "$RDPNEG_LIBRARY" or "$RDPNEG_LIBRARY_DIR"."""
    from . import _loader
    return _loader.source(_loader.CORE)


def strerror(code: int) -> str:
    """The library's sentence for error |code|."""
    from . import _ffi
    return _ffi.strerror(code)


def err_name(code: int) -> Optional[str]:
    """"RDPNEG_ERR_<NAME>" for |code|, or None."""
    from . import _ffi
    return _ffi.err_name(code)


def protocol_name(protocol: Union[Protocol, int]) -> Optional[str]:
    """"SSL", "HYBRID", ... for one selectedProtocol value, or None."""
    from . import _ffi
    return _ffi.sstr(_ffi.core.rdpneg_protocol_name(int(protocol)))


def failure_name(code: Union[NegFailure, int]) -> Optional[str]:
    """"SSL_REQUIRED_BY_SERVER", ... for an RDP_NEG_FAILURE code, or None."""
    from . import _ffi
    return _ffi.sstr(_ffi.core.rdpneg_failure_name(int(code)))


__all__ = [
    "probe", "probe_many", "ProbeMany", "ManyResult", "Config", "Session", "Plan", "Evidence", "Report", "Attempt",
    "PhaseResult", "Finding", "Diagnosis", "diagnose", "check_reported",
    "now_ns",
    "TSTAMP_NEVER", "TLS_VERSIONS", "library_version", "library_path",
    "library_source", "__version__", "Severity", "Confidence", "CausePhase",
    "ReportedVerdict",
    "strerror", "err_name", "protocol_name", "failure_name", "codes",
    "RdpnegError", "UsageError", "TransportError", "NegotiationError",
    "TlsError", "CredsspError", "AuthError", "InternalError",
    "CertReject", "CloseReason", "Kind", "NegFailure", "NegReqFlag",
    "Option", "Phase",
    "PhaseStatus", "Protocol", "StringOption", "TcpStatus", "TlsStatus",
    "Verdict", "X224Status", "PHASE_COUNT", "KIND_COUNT", "HAVE_TAXONOMY",
    "HAVE_DIAGNOSIS",
]
