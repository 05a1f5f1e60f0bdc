"""probe(): one blocking probe through librdpneg-uv (rdpneg_probe_run)."""

import ctypes

from . import _ffi
from .config import Config
from .session import Session, _check_host, _check_port

__all__ = ["probe"]


def probe(host, port=3389, config=None, tls_versions=False, reported=None,
          taxonomy=None):
    """Probes |host|:|port| and returns a Report.

    Runs the whole negotiation (TCP, X.224, TLS, NLA as configured) on a
    private libuv loop inside librdpneg-uv; the GIL is released while it
    runs, so probes in several threads proceed in parallel. |config| (a
    Config, default: the defaults) is copied for the run, so one Config can
    serve several threads. With |tls_versions|, one more connection per
    TLS version 1.0, 1.1 and 1.2 is made and the outcomes land in
    ``report.json["tls"]["versions"]``.

    |reported| is what the user saw ("0x904/0x7", "ntstatus:0xC000006D"):
    the diagnosis then cross-checks it (``report.reported``). |taxonomy| (a
    rdpneg.taxonomy.Taxonomy) supplies vendor remedy texts.

    Whatever the server answers is evidence, not an exception: read
    ``report.verdict``, ``report.diagnosis`` and friends. Raises UsageError
    for bad arguments, ImportError when librdpneg-uv cannot be loaded.
    """
    port = _check_port(port)
    h = _check_host(host)
    analysis = reported is not None or taxonomy is not None
    if analysis:
        # a typo in |reported| fails before the probe, not after it
        with Session(host, port) as dry:
            dry.set_analysis(taxonomy, reported)
    uv = _ffi.uv()
    owned = config is None
    cfg = Config() if owned else config.clone()
    try:
        ptr = _ffi.SessionP()
        rv = uv.rdpneg_probe_run(cfg._handle(), h, port, ctypes.byref(ptr))
        if not ptr:
            raise _ffi.make_error(rv, "rdpneg_probe_run")
        with Session._adopt(ptr, host, port) as sess:
            if analysis:
                sess.set_analysis(taxonomy, reported)
            # rv < 0 with a session (CANCELLED): the evidence says why
            if tls_versions and rv == 0:
                uv.rdpneg_probe_run_tls_versions(cfg._handle(), h, port,
                                                 sess._handle())
            return sess.report()
    finally:
        cfg.close()
