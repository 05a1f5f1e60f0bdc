# SPDX-License-Identifier: Apache-2.0
"""probe_many(): many probes on librdpneg-uv's own loops (rdpneg_batch).

    for res in rdpneg.probe_many(["10.0.0.5", "rdp.example:3390"], cfg):
        print(res.target, res.report.verdict)

The probes run on the C library's libuv loop (one thread, or ``threads``)
with at most ``concurrency`` in flight and at most ``per_listener`` against
one address and port, so a fleet scan does not overload the servers it
diagnoses; no Python thread or task per target. Results come in
completion order. rdpneg.aio.probe_many is the ``async for`` form.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from dataclasses import dataclass
from typing import (TYPE_CHECKING, Any, Dict, Iterable, Iterator,
                    Optional, Tuple, Union)

from . import _errors, _ffi
from ._enums import BatchCounter, BatchOption
from .config import Config
from .errors import RdpnegError
from .evidence import Evidence, Report, check_reported
from .probe import probe_config

if TYPE_CHECKING:
    from .taxonomy import Taxonomy

__all__ = ["probe_many", "ProbeMany", "AsyncProbeMany", "aprobe_many",
           "ManyResult", "Target"]

# rdpneg_batch_next's answers (rdpneg_batch.h; the options and counters
# are generated: _enums.BatchOption, BatchCounter)
_END, _RESULT, _TIMEOUT = 0, 1, 2
# How long one wait in C lasts before Python looks again (signals,
# cancellation from another thread).
_POLL_MS = 100

Target = Union[str, Tuple[str, int]]


@dataclass(frozen=True)
class ManyResult:
    """One target's outcome. ``report`` is the Report rdpneg.probe() gives
    for the same target (None only when the driver failed: ``status`` is
    then a negative RDPNEG_ERR_* such as NOMEM); ``cancelled`` when the
    batch was cancelled while it ran (the report holds what it saw).
    ``started_ns``/``ended_ns`` are libuv's monotonic clock (on Linux
    time.monotonic_ns()); the time it waited for a slot is not in them."""

    target: str          # as given ("host:port" for a (host, port) tuple)
    index: int           # position in the targets given, from 0
    host: str
    port: int
    status: int          # 0, codes.CANCELLED, or a driver failure
    report: Optional[Report]
    started_ns: int
    ended_ns: int

    @property
    def cancelled(self) -> bool:
        return self.status == _errors.CANCELLED

    @property
    def error(self) -> Optional[RdpnegError]:
        """The driver's failure as an exception (None when it ran)."""
        if self.status in (0, _errors.CANCELLED):
            return None
        return _ffi.make_error(self.status, "rdpneg_batch")


def _spec(t: Target) -> str:
    if isinstance(t, tuple):
        host, port = t
        if not isinstance(port, int):
            raise TypeError("port must be an int")
        return "[%s]:%d" % (host, port) if ":" in host else \
            "%s:%d" % (host, port)
    if isinstance(t, str):
        return t
    raise TypeError("a target is a str or a (host, port) tuple, not %s" %
                    type(t).__name__)


class _Batch:
    """An rdpneg_batch with its target feeder; one thread drives it at a
    time (cancel() from any thread)."""

    def __init__(self, targets: Iterable[Target], config: Optional[Config],
                 concurrency: int, per_listener: int, rate: int,
                 threads: int, default_port: int, tls_versions: bool,
                 reported: Optional[str],
                 taxonomy: Optional["Taxonomy"]) -> None:
        check_reported(reported)
        uv = _ffi.uv()
        if _ffi.BATCH_MISSING:
            raise NotImplementedError(
                "librdpneg-uv lacks rdpneg_batch (%s)" %
                ", ".join(_ffi.BATCH_MISSING))
        self._uv = uv
        self._reported = reported
        self._taxonomy = taxonomy
        self._window = 2 * concurrency
        self._targets: Optional[Iterator[Target]] = iter(targets)
        self._added = 0
        self._delivered = 0
        self._lock = threading.Lock()  # cancel/count vs free
        self._ptr = _ffi.BatchP()
        with probe_config(config, tls_versions) as cfg:
            uv.rdpneg_batch_new(ctypes.byref(self._ptr), cfg._handle())
        try:
            for opt, val in ((BatchOption.CONCURRENCY, concurrency),
                             (BatchOption.PER_LISTENER, per_listener),
                             (BatchOption.RATE, rate),
                             (BatchOption.THREADS, threads),
                             (BatchOption.DEFAULT_PORT, default_port)):
                uv.rdpneg_batch_set(self._ptr, int(opt), int(val))
            self.feed()
        except BaseException:
            self.free()
            raise

    def feed(self) -> None:
        """Adds targets while fewer than the window are outstanding; ends
        the input when the iterable is exhausted."""
        while self._targets is not None and \
                self._added - self._delivered < self._window:
            try:
                t = next(self._targets)
            except StopIteration:
                self._targets = None
                self._uv.rdpneg_batch_end_input(self._ptr)
                return
            spec = _ffi.cstr(_spec(t), "target")
            try:
                self._uv.rdpneg_batch_add(self._ptr, spec)
            except RdpnegError as e:
                if e.code == _errors.CANCELLED:
                    self._targets = None
                    return
                if e.code == _errors.INVALID_ARGUMENT:
                    raise _ffi.make_error(
                        e.code, "rdpneg_batch_add",
                        "malformed target %r" % (t,)) from None
                raise
            self._added += 1

    def next(self, timeout_ms: int) -> Union[ManyResult, int]:
        """A result, or _TIMEOUT / _END."""
        self.feed()
        rp = _ffi.BatchResultP()
        rv = int(self._uv.rdpneg_batch_next(self._ptr, timeout_ms,
                                            ctypes.byref(rp)))
        if rv != _RESULT:
            if rv < 0:
                raise _ffi.make_error(rv, "rdpneg_batch_next")
            return rv
        self._delivered += 1
        try:
            return self._convert(rp)
        finally:
            self._uv.rdpneg_batch_result_free(rp)

    def _convert(self, rp: object) -> ManyResult:
        uv = self._uv
        ev = _ffi.EvidenceP()
        report = None
        if uv.rdpneg_batch_result_take_evidence(rp, ctypes.byref(ev)) == 0:
            with Evidence._adopt(ev) as e:
                report = e.report(self._taxonomy, self._reported)
        return ManyResult(
            target=_ffi.sstr(uv.rdpneg_batch_result_target(rp)) or "",
            index=int(uv.rdpneg_batch_result_index(rp)),
            host=_ffi.sstr(uv.rdpneg_batch_result_host(rp)) or "",
            port=int(uv.rdpneg_batch_result_port(rp)),
            status=int(uv.rdpneg_batch_result_status(rp)),
            report=report,
            started_ns=int(uv.rdpneg_batch_result_started_ns(rp)),
            ended_ns=int(uv.rdpneg_batch_result_ended_ns(rp)))

    def count(self, which: int) -> int:
        with self._lock:
            return int(self._uv.rdpneg_batch_count(self._ptr, which)) \
                if self._ptr else 0

    def cancel(self) -> None:
        """Any thread."""
        with self._lock:
            if self._ptr:
                self._uv.rdpneg_batch_cancel(self._ptr)

    def free(self) -> None:
        """The driving thread (no next() running)."""
        with self._lock:
            ptr, self._ptr = self._ptr, _ffi.BatchP()
        if ptr:
            self._uv.rdpneg_batch_free(ptr)


class ProbeMany:
    """The iterator probe_many() returns: ManyResult objects in completion
    order, one per target (fewer only after close() or cancel()). A context
    manager; close() (also at the end of a ``with`` block, when a ``for``
    loop is left by break on a generator's close, and on garbage
    collection) cancels the probes still running and frees the batch."""

    def __init__(self, batch: _Batch) -> None:
        self._batch: Optional[_Batch] = batch

    def __iter__(self) -> "ProbeMany":
        return self

    def __next__(self) -> ManyResult:
        b = self._batch
        if b is None:
            raise StopIteration
        try:
            while True:
                r = b.next(_POLL_MS)
                if isinstance(r, ManyResult):
                    return r
                if r == _END:
                    break
        except BaseException:
            self.close()  # KeyboardInterrupt, a bad target: stop it all
            raise
        self.close()
        raise StopIteration

    def cancel(self) -> None:
        """Stops starting probes and cancels the running ones; their
        results (cancelled) still come, then the iteration ends."""
        if self._batch is not None:
            self._batch.cancel()

    def counts(self) -> Dict[str, int]:
        """The batch's counters: added, started, inflight, queued,
        delivered, dropped (all 0 once closed)."""
        b = self._batch
        return {c.name.lower(): (b.count(int(c)) if b is not None else 0)
                for c in BatchCounter}

    def close(self) -> None:
        """Cancels what still runs and frees the batch (idempotent)."""
        b, self._batch = self._batch, None
        if b is not None:
            b.cancel()
            b.free()

    def __enter__(self) -> "ProbeMany":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def probe_many(targets: Iterable[Target], config: Optional[Config] = None,
               *, concurrency: int = 256, per_listener: int = 2,
               rate: int = 0, threads: int = 1, default_port: int = 3389,
               tls_versions: bool = False, reported: Optional[str] = None,
               taxonomy: Optional["Taxonomy"] = None) -> ProbeMany:
    """Probes every target of |targets| and yields a ManyResult per target
    in completion order (a ProbeMany: iterator and context manager).

    A target is "host", "host:port", "[IPv6]:port", a bare IPv6 address or
    a (host, port) tuple; the port defaults to |default_port|. Targets are
    not de-duplicated. |targets| may be any iterable, also a lazy one: it
    is read as slots free up (2 x |concurrency| ahead).

    Every probe is the probe plan rdpneg.probe() runs, with a copy of
    |config| and its deadlines counted from the probe's own start, so each
    ``result.report`` is the document rdpneg.probe() gives (timings
    aside); |tls_versions|, |reported| and |taxonomy| as for probe(). At
    most |concurrency| probes (and name resolutions) run at once, at most
    |per_listener| against one address and port (a name is resolved first
    to find its address), at most |rate| starts per second (0: no limit),
    on |threads| libuv loops of librdpneg-uv: no Python thread or task per
    target. The GIL is released while waiting.

    Leaving the iteration early (break, an exception, Ctrl-C) should close
    the iterator (``with probe_many(...) as it:`` does): close() cancels
    the running probes. Raises UsageError for bad arguments (a malformed
    target when it is reached), NotImplementedError when librdpneg-uv has
    no batch API, ImportError when it cannot be loaded.
    """
    return ProbeMany(_Batch(targets, config, concurrency, per_listener,
                            rate, threads, default_port, tls_versions,
                            reported, taxonomy))


class AsyncProbeMany:
    """The async iterator rdpneg.aio.probe_many() returns: ``async for``
    gives ManyResult objects in completion order.

    One helper thread per batch waits on the C batch (rdpneg_batch_next)
    and hands each result to the event loop; it takes a result out of C
    only when the consumer asks for one, so a slow consumer holds the batch
    back (the C batch stops starting probes once 2 x concurrency results
    wait). Cancelling the task that awaits the next result (task.cancel(),
    asyncio.wait_for, asyncio.timeout), aclose() or the end of an
    ``async with`` block cancels the batch: the running probes end, the
    thread frees the batch."""

    def __init__(self, batch: _Batch) -> None:
        self._batch = batch
        self._loop = asyncio.get_running_loop()
        self._queue: "asyncio.Queue[Any]" = asyncio.Queue()
        self._credits = threading.Semaphore(0)
        self._stopped = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._pump,
                                        name="rdpneg-probe-many",
                                        daemon=True)
        self._thread.start()

    # -- the helper thread -----------------------------------------------

    def _post(self, item: Any) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
            return True
        except RuntimeError:  # the event loop is closed
            return False

    def _pump(self) -> None:
        b = self._batch
        try:
            while not self._stopped.is_set():
                if not self._credits.acquire(timeout=_POLL_MS / 1000):
                    continue
                while not self._stopped.is_set():
                    r = b.next(_POLL_MS)
                    if isinstance(r, ManyResult):
                        if not self._post(r):
                            return
                        break
                    if r == _END:
                        self._post(None)
                        return
        except BaseException as e:  # a bad target, no memory
            self._post(e)
        finally:
            b.cancel()
            b.free()

    # -- the event loop side ----------------------------------------------

    def __aiter__(self) -> "AsyncProbeMany":
        return self

    async def __anext__(self) -> ManyResult:
        if self._done:
            raise StopAsyncIteration
        self._credits.release()
        try:
            item = await self._queue.get()
        except BaseException:  # cancelled: cancel the batch
            self._stop()
            raise
        if isinstance(item, ManyResult):
            return item
        self._stop()
        if isinstance(item, BaseException):
            raise item
        raise StopAsyncIteration

    def _stop(self) -> None:
        self._done = True
        if not self._stopped.is_set():
            self._stopped.set()
            try:
                self._batch.cancel()
            except (ValueError, RdpnegError):
                pass  # already freed by the thread

    def cancel(self) -> None:
        """Cancels the running probes; their results (cancelled) still
        come, then the iteration ends."""
        if not self._stopped.is_set():
            self._batch.cancel()

    async def aclose(self) -> None:
        """Cancels what still runs; the helper thread frees the batch."""
        self._stop()

    async def __aenter__(self) -> "AsyncProbeMany":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        try:
            self._stop()
        except Exception:
            pass


def aprobe_many(targets: Iterable[Target], config: Optional[Config] = None,
                *, concurrency: int = 256, per_listener: int = 2,
                rate: int = 0, threads: int = 1, default_port: int = 3389,
                tls_versions: bool = False, reported: Optional[str] = None,
                taxonomy: Optional["Taxonomy"] = None) -> AsyncProbeMany:
    """rdpneg.aio.probe_many: probe_many() as an async iterator (call it
    inside a running event loop; same arguments and results)."""
    return AsyncProbeMany(_Batch(targets, config, concurrency, per_listener,
                                 rate, threads, default_port, tls_versions,
                                 reported, taxonomy))
