# SPDX-License-Identifier: Apache-2.0
"""Plan: the sans-I/O probe plan (rdpneg_plan), the connections of one probe.

    with rdpneg.Plan("rdp.example", 3389, cfg) as plan:
        plan.set_wallclock()
        plan.start()
        while not plan.done:
            sess = plan.next()            # a started Session, lent
            ... run sess over a socket until sess.done, close the socket ...
            plan.attempt_done(sess)       # the plan keeps its evidence
        rep = plan.report()

The plan decides which connections a probe makes and why (a raw-NTLM retry
when a server refuses SPNEGO, one connection per TLS version with
tls_versions, ...), keeps each attempt inside the overall deadline and
keeps every attempt's evidence. A driver only runs the sessions it hands
out: rdpneg.aio.run() is a complete asyncio driver.
"""

from __future__ import annotations

import ctypes
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from . import _errors, _ffi
from ._handle import NativeHandle
from .config import Config
from .evidence import Diagnosis, Evidence, Report, check_reported
from .session import (TSTAMP_NEVER, Host, Session, _check_host, _check_port,
                      _ts)

if TYPE_CHECKING:
    from .taxonomy import Taxonomy

__all__ = ["Plan"]


def _addr(ptr: Any) -> int:
    return int(ctypes.cast(ptr, ctypes.c_void_p).value or 0)


class Plan(NativeHandle):
    """The probe plan of |host|:|port| with a copy of |config| (default:
    the defaults). Context manager; close() frees the plan and every
    session it lent and did not get back (close their sockets first).

    Several attempts may run at once: after every event (a session done,
    the plan's ``expiry`` passed) call next() until it returns None. The
    plan and the sessions it lends share one lock.
    """

    _what = "Plan"

    host: str
    port: int
    _lent: Dict[int, Session]
    _config_clock: int

    def __init__(self, host: Host, port: int = 3389,
                 config: Optional[Config] = None) -> None:
        port = _check_port(port)
        h = _check_host(host)
        ptr = _ffi.PlanP()
        if config is None:
            with Config() as cfg:
                _ffi.core.rdpneg_plan_new(ctypes.byref(ptr), cfg._handle(),
                                          h, port)
                self._config_clock = 0
        else:
            with config._lock:
                _ffi.core.rdpneg_plan_new(ctypes.byref(ptr),
                                          config._handle(), h, port)
                self._config_clock = config.now_unix
        self._init_handle(ptr, _ffi.core.rdpneg_plan_free)
        self.host = host if isinstance(host, str) else h.decode("utf-8",
                                                                "replace")
        self.port = port
        self._lent = {}          # address of a lent session -> Session
        self._started = False
        self._wallclock = False

    def close(self) -> None:
        """Frees the plan and the sessions it lent (idempotent); the lent
        Session wrappers become closed."""
        with self._lock:
            for sess in self._lent.values():
                sess._release()
            self._lent.clear()
            super().close()

    # -- driving --------------------------------------------------------------

    def set_wallclock(self, now_unix: Optional[int] = None) -> None:
        """Gives the plan (and every session it makes) the wall clock for
        certificate dates and NTLM clock skew (default time.time())."""
        if now_unix is None:
            now_unix = int(time.time())
        with self._lock:
            _ffi.core.rdpneg_plan_set_wallclock(self._handle(),
                                                int(now_unix))
            self._wallclock = True

    def start(self, ts: Optional[int] = None) -> None:
        """Starts the probe clock: the overall deadline is armed and the
        first attempt becomes ready. UsageError when already started."""
        with self._lock:
            _ffi.core.rdpneg_plan_start(self._handle(), _ts(ts))
            self._started = True

    @property
    def started(self) -> bool:
        return self._started

    def _start_for_driver(self, ts: Optional[int] = None) -> None:
        """What a driver does with a plan it got unstarted: the system's
        wall clock unless the plan or its config has one, then start()."""
        with self._lock:
            if self._started:
                return
            if not self._wallclock and not self._config_clock:
                self.set_wallclock()
            self.start(ts)

    def next(self, ts: Optional[int] = None) -> Optional[Session]:
        """The next attempt to run (a started Session lent to the driver
        until attempt_done()), or None when none is ready now (wait for
        the running ones, or the plan is done)."""
        sp = _ffi.SessionP()
        with self._lock:
            if _ffi.core.rdpneg_plan_next(self._handle(), _ts(ts),
                                          ctypes.byref(sp)) != 1:
                return None
            sess = Session._adopt(sp, owned=False, lock=self._lock)
            self._lent[_addr(sp)] = sess
            return sess

    def attempt_done(self, sess: Session, ts: Optional[int] = None) -> None:
        """Hands a lent session back (after it is done or cancelled and its
        socket is closed): the plan keeps its evidence, decides the
        follow-ups and frees it; |sess| is closed afterwards."""
        with self._lock:
            key = None if sess.closed else _addr(sess._handle())
            if key is None or self._lent.get(key) is not sess:
                raise _ffi.make_error(
                    _errors.INVALID_ARGUMENT, "Plan.attempt_done",
                    "not a running session of this plan")
            _ffi.core.rdpneg_plan_attempt_done(self._handle(),
                                               sess._handle(), _ts(ts))
            del self._lent[key]
            sess._release()

    @property
    def expiry(self) -> Optional[int]:
        """The plan's own next deadline (ns), None when none."""
        with self._lock:
            v = int(_ffi.core.rdpneg_plan_expiry(self._handle()))
        return None if v == TSTAMP_NEVER else v

    def handle_expiry(self, ts: Optional[int] = None) -> None:
        """Tells the plan that |ts| has come: past the overall deadline no
        new attempt is made and running sessions end as timed out."""
        with self._lock:
            _ffi.core.rdpneg_plan_handle_expiry(self._handle(), _ts(ts))

    def cancel(self, ts: Optional[int] = None) -> None:
        """Cancels the probe: no new attempt, every running session ends
        with CANCELLED (close their sockets, hand them back); the evidence
        so far stays, marked cancelled."""
        with self._lock:
            _ffi.core.rdpneg_plan_cancel(self._handle(), _ts(ts))

    @property
    def done(self) -> bool:
        """True once no attempt runs and none will."""
        with self._lock:
            return bool(_ffi.core.rdpneg_plan_done(self._handle()))

    @property
    def running(self) -> int:
        """Number of sessions lent to the driver (per the library)."""
        with self._lock:
            return int(_ffi.core.rdpneg_plan_running(self._handle()))

    @property
    def lent_sessions(self) -> List[Session]:
        """The Session wrappers currently lent (a list)."""
        with self._lock:
            return list(self._lent.values())

    # -- evidence -------------------------------------------------------------

    def evidence(self) -> Evidence:
        """A copy of the evidence of every finished attempt (complete once
        ``done``); UsageError (INVALID_STATE) before any attempt finished."""
        ptr = _ffi.EvidenceP()
        with self._lock:
            _ffi.core.rdpneg_plan_evidence(self._handle(), ctypes.byref(ptr))
        return Evidence._adopt(ptr)

    def diagnose(self, taxonomy: Optional["Taxonomy"] = None,
                 reported: Optional[str] = None) -> Diagnosis:
        with self.evidence() as ev:
            return ev.diagnose(taxonomy, reported)

    def report(self, taxonomy: Optional["Taxonomy"] = None,
               reported: Optional[str] = None) -> Report:
        """The Report of the evidence so far, diagnosed with |taxonomy|
        and |reported| (checked first: UsageError)."""
        check_reported(reported)
        with self.evidence() as ev:
            return ev.report(taxonomy, reported)

    def __repr__(self) -> str:
        if self.closed:
            return "<rdpneg.Plan closed>"
        return "<rdpneg.Plan %s:%d running=%d done=%s>" % (
            self.host, self.port, self.running, self.done)
