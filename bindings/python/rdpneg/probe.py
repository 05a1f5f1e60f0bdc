# SPDX-License-Identifier: Apache-2.0
"""probe(): one blocking probe through librdpneg-uv (rdpneg_probe_run)."""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, Optional

from . import _errors, _ffi
from ._enums import Option
from .config import Config
from .evidence import Evidence, Report, check_reported
from .session import Host, _check_host, _check_port

if TYPE_CHECKING:
    from .taxonomy import Taxonomy

__all__ = ["probe", "probe_config"]


def probe_config(config: Optional[Config],
                 tls_versions: bool = False) -> Config:
    """The private copy of |config| (None: defaults) a probe runs with;
    |tls_versions| switches RDPNEG_OPT_TLS_VERSIONS on in the copy."""
    cfg = Config() if config is None else config.clone()
    if tls_versions:
        try:
            cfg.set_int(Option.TLS_VERSIONS, 1)
        except BaseException:
            cfg.close()
            raise
    return cfg


def probe(host: Host, port: int = 3389, config: Optional[Config] = None,
          tls_versions: bool = False, reported: Optional[str] = None,
          taxonomy: Optional["Taxonomy"] = None) -> Report:
    """Probes |host|:|port| and returns a Report.

    Runs the probe plan (TCP, X.224, TLS, NLA as configured, and whatever
    follow-up connections the plan decides on) on a private libuv loop
    inside librdpneg-uv; the GIL is released while it runs, so probes in
    several threads proceed in parallel. |config| (a Config, default: the
    defaults) is copied for the run, so one Config can serve several
    threads. With |tls_versions|, the plan also makes one connection per
    TLS version 1.0, 1.1 and 1.2 (in parallel; versions the first answer
    decides are inferred) and the outcomes land in
    ``report.json["tls"]["versions"]`` and ``report.attempts``.

    |reported| is what the user saw ("0x904/0x7", "ntstatus:0xC000006D"):
    the diagnosis then cross-checks it (``report.reported``); a malformed
    one raises UsageError before anything is sent. |taxonomy| (a
    rdpneg.taxonomy.Taxonomy) supplies vendor remedy texts.

    Whatever the server answers is evidence, not an exception: read
    ``report.verdict``, ``report.diagnosis`` and friends. Raises UsageError
    for bad arguments, ImportError when librdpneg-uv cannot be loaded.
    """
    port = _check_port(port)
    h = _check_host(host)
    check_reported(reported)
    uv = _ffi.uv()
    with probe_config(config, tls_versions) as cfg:
        ptr = _ffi.EvidenceP()
        rv = int(uv.rdpneg_probe_run(cfg._handle(), h, port,
                                     ctypes.byref(ptr)))
    if not ptr:
        raise _ffi.make_error(rv if rv < 0 else _errors.INTERNAL,
                              "rdpneg_probe_run")
    with Evidence._adopt(ptr) as ev:
        return ev.report(taxonomy, reported)
