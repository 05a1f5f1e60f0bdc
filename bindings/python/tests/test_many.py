# SPDX-License-Identifier: Apache-2.0
"""rdpneg.probe_many and rdpneg.aio.probe_many (the C batch, rdpneg_batch)
on the lab: every target comes back once, with the document rdpneg.probe
gives for it (timings aside); at most per_listener probes run against one
listener and at most concurrency in all (read from the results' start and
end times); cancellation (cancel(), close(), a cancelled task) ends the
running probes at once. Skipped when the lab is not up."""

import asyncio
import os
import threading
import time
import unittest

from _support import LAB, LAB_SKIP
import _support
import rdpneg
import rdpneg.aio
from test_parity import canonical, diff

SERVERS = ["LAB_XRDP_TLS_VALID", "LAB_XRDP_TLS_EXPIRED", "LAB_XRDP_NEG_VALID",
           "LAB_XRDP_RDP", "LAB_SHADOW_TLS", "LAB_SHADOW_NLA",
           "LAB_RESP_BANNER", "LAB_CLOSED_PORT", "LAB_RESP_SILENT"]


def max_overlap(results, port=None):
    """The most results (of |port|) running at one instant."""
    rs = [r for r in results if port is None or r.port == port]
    best = 0
    for r in rs:
        n = sum(1 for o in rs if o.started_ns <= r.started_ns < o.ended_ns)
        best = max(best, n)
    return best


@unittest.skipIf(LAB is None, LAB_SKIP)
class ProbeManyTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.host = LAB.get("LAB_HOST", "127.0.0.1")
        self.silent = "%s:%d" % (self.host,
                                 _support.lab_port("LAB_RESP_SILENT"))

    def targets(self):
        ts = []
        for key in SERVERS:
            port = _support.lab_port(key)
            if port is not None:
                ts.append("%s:%d" % (self.host, port))
        if len(ts) < 5:
            self.skipTest("too few lab servers")
        # a duplicate is probed again; a (host, port) tuple
        ts.append((self.host, _support.lab_port("LAB_XRDP_TLS_VALID")))
        return ts

    def config(self):
        return rdpneg.Config(timeout_ms=2000, ca_file=LAB["LAB_CA"])

    def check_same_as_probe(self, targets, results, cfg):
        self.assertEqual(sorted(r.index for r in results),
                         list(range(len(targets))), "each target once")
        problems = []
        for r in sorted(results, key=lambda r: r.index):
            want = targets[r.index]
            want = want if isinstance(want, str) else "%s:%d" % want
            self.assertEqual(r.target, want)
            self.assertEqual(r.status, 0)
            self.assertIsNotNone(r.report)
            self.assertGreater(r.ended_ns, r.started_ns)
            ref = rdpneg.probe(r.host, r.port, cfg)
            d = diff(canonical(ref.json), canonical(r.report.json))
            if d:  # one repeat: a loaded lab server can cross a timeout
                ref = rdpneg.probe(r.host, r.port, cfg)
                d = diff(canonical(ref.json), canonical(r.report.json))
            if d:
                problems.append("%s: %s" % (r.target, d[:5]))
            self.assertEqual(r.report.verdict, ref.verdict)
        self.assertEqual(problems, [])

    def test_every_target_once_same_documents(self):
        targets = self.targets()
        with self.config() as cfg:
            t0 = time.monotonic()
            with rdpneg.probe_many(targets, cfg) as it:
                results = list(it)
            took = time.monotonic() - t0
            ends = [r.ended_ns for r in results]
            self.assertEqual(ends, sorted(ends), "completion order")
            by_target = {r.target: r for r in results}
            closed = by_target["%s:%d" % (self.host, _support.lab_port(
                "LAB_CLOSED_PORT"))]
            self.assertEqual(closed.report.diagnosis[0].cause, "PORT_CLOSED")
            silent = by_target[self.silent]
            self.assertEqual(silent.report.diagnosis[0].cause,
                             "SERVER_SILENT")
            # in parallel: the whole batch takes about the silent probe
            self.assertLess(took, (silent.ended_ns - silent.started_ns) / 1e9
                            + 3)
            self.check_same_as_probe(targets, results, cfg)

    def test_async_iterator_same_documents(self):
        targets = self.targets()

        async def collect(cfg):
            out = []
            async for r in rdpneg.aio.probe_many(targets, cfg):
                out.append(r)
            return out

        with self.config() as cfg:
            results = asyncio.run(collect(cfg))
            self.check_same_as_probe(targets, results, cfg)

    def test_per_listener_bound(self):
        port = _support.lab_port("LAB_RESP_SILENT")
        # "localhost" resolves onto the same listener as 127.0.0.1
        targets = [self.silent] * 4 + ["localhost:%d" % port] * 2
        with rdpneg.Config(timeout_ms=400) as cfg:
            with rdpneg.probe_many(targets, cfg) as it:
                results = list(it)
            self.assertEqual(sorted(r.index for r in results),
                             list(range(6)))
            self.assertEqual(max_overlap(results, port), 2)
            with rdpneg.probe_many(targets, cfg, per_listener=1) as it:
                results = list(it)
            self.assertEqual(len(results), 6)
            self.assertEqual(max_overlap(results, port), 1)
            # the total bound, whatever the per-listener one
            with rdpneg.probe_many([self.silent] * 7, cfg, concurrency=3,
                                   per_listener=10) as it:
                results = list(it)
            self.assertEqual(len(results), 7)
            self.assertEqual(max_overlap(results), 3)

    def test_cancel(self):
        cfg = rdpneg.Config(timeout_ms=10000)
        with cfg, rdpneg.probe_many([self.silent] * 5, cfg) as it:
            timer = threading.Timer(0.3, it.cancel)
            timer.start()
            t0 = time.monotonic()
            results = list(it)
            timer.join()
        self.assertLess(time.monotonic() - t0, 3)
        self.assertEqual(len(results), 2)  # the two that ran
        for r in results:
            self.assertTrue(r.cancelled)
            self.assertTrue(r.report.json.get("cancelled"), r.report.json)

    def test_close_early(self):
        cfg = rdpneg.Config(timeout_ms=10000)
        closed = "%s:%d" % (self.host, _support.lab_port("LAB_CLOSED_PORT"))
        it = rdpneg.probe_many([closed] + [self.silent] * 3, cfg)
        first = next(it)
        self.assertEqual(first.target, closed)
        counts = it.counts()
        self.assertEqual(counts["inflight"], 2)
        t0 = time.monotonic()
        it.close()  # cancels the silent ones and frees the batch
        self.assertLess(time.monotonic() - t0, 2)
        self.assertEqual(list(it), [])
        cfg.close()

    def test_task_cancel(self):
        cfg = rdpneg.Config(timeout_ms=10000)

        async def consume(agen, out):
            async for r in agen:
                out.append(r)

        async def main():
            agen = rdpneg.aio.probe_many([self.silent] * 4, cfg)
            out = []
            t0 = time.monotonic()
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(consume(agen, out), 0.3)
            self.assertLess(time.monotonic() - t0, 1.5)
            # the helper thread cancelled the batch and freed it
            agen._thread.join(3)
            self.assertFalse(agen._thread.is_alive())
            self.assertEqual(out, [])
            with self.assertRaises(StopAsyncIteration):
                await agen.__anext__()

        asyncio.run(main())
        cfg.close()

    def test_bad_target(self):
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.probe_many(["127.0.0.1:99999"])
        with self.assertRaises(TypeError):
            rdpneg.probe_many([42])
        # a malformed target reached later ends the iteration with it
        with self.assertRaises(rdpneg.UsageError):
            list(rdpneg.probe_many(iter(["127.0.0.1:%d" % _support.lab_port(
                "LAB_CLOSED_PORT")] * 20 + ["[::1"]), concurrency=2))


if __name__ == "__main__":
    unittest.main()
