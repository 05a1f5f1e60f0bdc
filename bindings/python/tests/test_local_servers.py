# SPDX-License-Identifier: Apache-2.0
"""probe() (librdpneg-uv) and rdpneg.aio (asyncio, no libuv) against
scripted servers on loopback in this process: no lab needed."""

import asyncio
import re
import socket
import threading
import time
import unittest
from unittest import mock

import _support
from _support import ScriptedServer
import rdpneg
import rdpneg.aio
from rdpneg import NegFailure, Protocol, TcpStatus, Verdict, X224Status, codes


def run_aio(coro):
    return asyncio.run(coro)


def scrub(doc):
    """|doc| without its timings (and the target port, which differs)."""
    if isinstance(doc, dict):
        return {k: scrub(v) for k, v in doc.items()
                if k not in ("ms", "total_ms", "start_ms", "t_ms", "messages", "messages_dropped", "server_time", "clock_skew_s")}
    if isinstance(doc, list):
        return [scrub(v) for v in doc]
    if isinstance(doc, str):
        return re.sub(r"\d+(\.\d+)? ms", "# ms", doc)
    return doc


class Cases:
    """The same cases for both drivers; subclasses set run()."""

    def run_probe(self, port, config=None, host="127.0.0.1", **kw):
        raise NotImplementedError

    def test_xrdp_failure_confirm(self):
        with ScriptedServer(_support.XRDP_FAILURE) as srv:
            rep = self.run_probe(srv.port)
        self.assertEqual(rep.tcp_status, TcpStatus.OK)
        self.assertEqual(rep.x224_status, X224Status.FAILURE)
        self.assertIs(rep.failure_code, NegFailure.SSL_REQUIRED_BY_SERVER)
        self.assertEqual(rep.verdict, Verdict.FAILING)
        self.assertEqual(rep.exit_code, 2)
        self.assertEqual(rep.json["target"]["address"], "127.0.0.1")
        self.assertEqual(len(srv.requests), 1)
        self.assertEqual(srv.requests[0][-8:],
                         bytes.fromhex("010008000b000000"))

    def test_requested_protocols_reach_the_wire(self):
        with ScriptedServer(_support.RSP_RDP) as srv, \
                rdpneg.Config(protocols="ssl", cookie="binding") as cfg:
            rep = self.run_probe(srv.port, cfg)
        self.assertEqual(rep.selected_protocol, Protocol.RDP)
        self.assertEqual(rep.x224_status, X224Status.OK)
        self.assertIn(b"Cookie: mstshash=binding\r\n", srv.requests[0])
        self.assertEqual(srv.requests[0][-4:], b"\x01\x00\x00\x00")

    def test_localhost_name_falls_back_across_addresses(self):
        # the server listens on 127.0.0.1 only; "localhost" may give ::1
        # first, which refuses: the driver tries the next address
        with ScriptedServer(_support.XRDP_FAILURE) as srv:
            rep = self.run_probe(srv.port, host="localhost")
        self.assertEqual(rep.tcp_status, TcpStatus.OK)
        self.assertEqual(rep.json["target"]["address"], "127.0.0.1")
        self.assertEqual(rep.x224_status, X224Status.FAILURE)

    def test_ssh_banner_is_not_rdp(self):
        with ScriptedServer(greet=_support.SSH_BANNER, then="hold",
                            read_request=False) as srv:
            rep = self.run_probe(srv.port)
        self.assertEqual(rep.x224_status, X224Status.NOT_RDP)
        self.assertEqual(rep.phase("x224").error, codes.NOT_RDP)

    def test_closed_port_is_refused(self):
        rep = self.run_probe(_support.free_port())
        self.assertEqual(rep.tcp_status, TcpStatus.REFUSED)
        self.assertEqual(rep.phase("tcp").error, codes.CONNECT_REFUSED)
        self.assertEqual(rep.verdict, Verdict.FAILING)
        with self.assertRaises(rdpneg.TransportError):
            rep.raise_for_failure()

    def test_silent_server_times_out(self):
        with ScriptedServer(then="hold") as srv, \
                rdpneg.Config(x224_timeout_ms=300) as cfg:
            t0 = time.monotonic()
            rep = self.run_probe(srv.port, cfg)
            elapsed = time.monotonic() - t0
        self.assertEqual(rep.x224_status, X224Status.TIMEOUT)
        self.assertEqual(rep.phase("x224").error, codes.TIMEOUT)
        self.assertGreaterEqual(rep.phase("x224").ms, 299)
        self.assertLess(elapsed, 3.0)

    def test_tls_versions_not_tried_after_negotiation_failed(self):
        with ScriptedServer(_support.XRDP_FAILURE) as srv:
            rep = self.run_probe(srv.port, tls_versions=True)
        self.assertEqual(rep.x224_status, X224Status.FAILURE)
        self.assertIsNone(rep.json["tls"].get("versions"))
        self.assertEqual(rep.plan["connections"], 1)
        self.assertEqual(srv.accepted, 1, "no extra connection")
        self.assertTrue(any("TLS versions not tried" in n
                            for n in rep.plan["notes"]), rep.plan)

    def test_tls_versions_not_tried_when_tcp_failed(self):
        rep = self.run_probe(_support.free_port(), tls_versions=True)
        self.assertEqual(rep.tcp_status, TcpStatus.REFUSED)
        self.assertEqual(rep.plan["connections"], 1)
        self.assertEqual(len(rep.attempts), 1)

    def test_tls13_only_server_with_tls_versions(self):
        # every connection: RDP_NEG_RSP selecting SSL, then alert
        # protocol_version for the ClientHello, then close
        with ScriptedServer(_support.RSP_SSL +
                            _support.ALERT_PROTOCOL_VERSION) as srv:
            t0 = time.monotonic()
            rep = self.run_probe(srv.port, tls_versions=True)
            elapsed = time.monotonic() - t0
        self.assertEqual(srv.accepted, 4)
        self.assertEqual(sorted(a.tls_offered for a in rep.attempts),
                         ["1.0", "1.0-1.2", "1.1", "1.2"])
        self.assertIs(rep.json["tls"]["versions"]["requires_tls13"], True)
        self.assertIn("TLS1_3_REQUIRED", [f.cause for f in rep.diagnosis])
        self.assertLess(elapsed, 3.0)

    def test_tls_versions_against_a_silent_server_end_by_the_deadline(self):
        with ScriptedServer(then="hold") as srv, \
                rdpneg.Config(timeout_ms=300) as cfg:
            t0 = time.monotonic()
            rep = self.run_probe(srv.port, cfg, tls_versions=True)
            elapsed = time.monotonic() - t0
        self.assertEqual(rep.x224_status, X224Status.TIMEOUT)
        # no TLS-version connection (TLS was never selected); the silence
        # itself is checked: again, and for a TLS or HTTP service
        purposes = [a.purpose for a in rep.attempts]
        self.assertNotIn("tls_version", purposes)
        self.assertEqual(sorted(purposes), ["corroborate", "identify_http",
                                            "identify_tls", "primary"])
        self.assertLess(elapsed, 0.9 + 0.5)  # overall 3 x 300 ms

    def test_close_and_reset_after_request(self):
        for then, status in (("close", X224Status.CLOSED),
                             ("reset", X224Status.RESET)):
            with self.subTest(then=then), ScriptedServer(then=then) as srv:
                rep = self.run_probe(srv.port)
                self.assertEqual(rep.x224_status, status)


class ProbeUvTest(Cases, unittest.TestCase):
    """probe(): rdpneg_probe_run on a private libuv loop."""

    def run_probe(self, port, config=None, host="127.0.0.1", **kw):
        return rdpneg.probe(host, port, config, **kw)

    def test_bad_arguments(self):
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.probe("127.0.0.1", 0)
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.probe("", 3389)
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.probe("x" * 300, 3389)
        with self.assertRaises(TypeError):
            rdpneg.probe(None, 3389)

    def test_dns_failure_is_unknown(self):
        rep = rdpneg.probe("no-such-host.invalid", 3389,
                           rdpneg.Config(timeout_ms=3000))
        self.assertEqual(rep.tcp_status, TcpStatus.DNS_FAILED)
        self.assertEqual(rep.verdict, Verdict.UNKNOWN)
        self.assertEqual(rep.exit_code, 3)

    def test_config_is_not_consumed_and_threads_run_in_parallel(self):
        with ScriptedServer(then="hold") as srv, \
                rdpneg.Config(x224_timeout_ms=400) as cfg:
            reps = []
            threads = [threading.Thread(
                target=lambda: reps.append(rdpneg.probe("127.0.0.1", srv.port,
                                                        cfg)))
                for _ in range(4)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(10)
            elapsed = time.monotonic() - t0
            self.assertFalse(cfg.closed)
            self.assertEqual(cfg.x224_timeout_ms, 400)
        self.assertEqual(len(reps), 4)
        self.assertTrue(all(r.x224_status == X224Status.TIMEOUT for r in reps))
        # four probes in parallel (the GIL is released in C), each 400 ms of
        # silence and 400 ms of checks; one after the other: >= 3.2 s
        self.assertLess(elapsed, 2.8)


class ProbeAioTest(Cases, unittest.TestCase):
    """rdpneg.aio.probe(): the sans-I/O Session driven by asyncio."""

    def run_probe(self, port, config=None, host="127.0.0.1", **kw):
        return run_aio(rdpneg.aio.probe(host, port, config, **kw))

    def test_concurrent_probes_on_one_loop(self):
        async def main(port):
            with rdpneg.Config(x224_timeout_ms=300) as cfg:
                return await asyncio.gather(*[
                    rdpneg.aio.probe("127.0.0.1", port, cfg)
                    for _ in range(5)])
        with ScriptedServer(then="hold") as srv:
            t0 = time.monotonic()
            reps = run_aio(main(srv.port))
            elapsed = time.monotonic() - t0
        self.assertEqual([r.x224_status for r in reps],
                         [X224Status.TIMEOUT] * 5)
        # each probe: 300 ms of silence, then 300 ms of checks (again, TLS,
        # HTTP) in parallel; five one after the other would take >= 3 s
        self.assertLess(elapsed, 2.5)

    def test_refused_address_falls_back_to_the_next(self):
        with ScriptedServer(_support.XRDP_FAILURE) as srv:
            addrs = [(socket.AF_INET, ("127.0.0.1", _support.free_port())),
                     (socket.AF_INET, ("127.0.0.1", srv.port))]

            async def fake_resolve(loop, host, port):
                return addrs
            with mock.patch.object(rdpneg.aio, "_resolve", fake_resolve):
                rep = run_aio(rdpneg.aio.probe("rdp.example", 3389))
        self.assertEqual(rep.tcp_status, TcpStatus.OK)
        self.assertEqual(rep.x224_status, X224Status.FAILURE)

    def test_last_refused_address_is_reported(self):
        addrs = [(socket.AF_INET, ("127.0.0.1", _support.free_port())),
                 (socket.AF_INET, ("127.0.0.1", _support.free_port()))]

        async def fake_resolve(loop, host, port):
            return addrs
        with mock.patch.object(rdpneg.aio, "_resolve", fake_resolve):
            rep = run_aio(rdpneg.aio.probe("rdp.example", 3389))
        self.assertEqual(rep.tcp_status, TcpStatus.REFUSED)

    def test_dns_failure(self):
        rep = run_aio(rdpneg.aio.probe("no-such-host.invalid", 3389))
        self.assertEqual(rep.tcp_status, TcpStatus.DNS_FAILED)
        self.assertEqual(rep.verdict, Verdict.UNKNOWN)

    def test_bad_reported_code_fails_before_connecting(self):
        with ScriptedServer(_support.XRDP_FAILURE) as srv:
            with self.assertRaises(rdpneg.UsageError):
                run_aio(rdpneg.aio.probe("127.0.0.1", srv.port,
                                         reported="0x904/zz"))
            time.sleep(0.1)
            self.assertEqual(srv.accepted, 0)

    def assert_cancelled(self, rep, srv):
        self.assertIsNotNone(rep)
        self.assertIs(rep.cancelled, True)
        self.assertIs(rep.attempts[0].cancelled, True)
        self.assertEqual(rep.tcp_status, TcpStatus.OK)
        self.assertEqual(rep.phase("x224").error, codes.CANCELLED)
        self.assertEqual(rep.verdict, Verdict.UNKNOWN)
        # the driver closed its socket: the server saw the end
        deadline = time.monotonic() + 2
        while srv.peer_closed < srv.accepted and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual((srv.accepted, srv.peer_closed), (1, 1))

    def test_timeout_cancels_and_keeps_the_evidence(self):
        with ScriptedServer(then="hold") as srv, \
                rdpneg.Config(timeout_ms=5000) as cfg:
            t0 = time.monotonic()
            with self.assertRaises(asyncio.TimeoutError) as cm:
                run_aio(asyncio.wait_for(
                    rdpneg.aio.probe("127.0.0.1", srv.port, cfg), 0.4))
            self.assertLess(time.monotonic() - t0, 2.0)
            self.assert_cancelled(rdpneg.aio.cancelled_report(cm.exception),
                                  srv)

    def test_task_cancel_raises_with_the_report(self):
        async def main(port):
            task = asyncio.ensure_future(rdpneg.aio.probe(
                "127.0.0.1", port, rdpneg.Config(timeout_ms=5000)))
            await asyncio.sleep(0.3)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError as e:
                return e, task.cancelled()
            self.fail("not cancelled")
        with ScriptedServer(then="hold") as srv:
            exc, cancelled = run_aio(main(srv.port))
            self.assertTrue(cancelled, "the task ends cancelled")
            self.assert_cancelled(rdpneg.aio.cancelled_report(exc), srv)

    def test_cancel_closes_parallel_attempts(self):
        # the first connection says "TLS 1.3 only"; the three TLS-version
        # connections then hang, in parallel, until the probe is cancelled
        async def main(port):
            with rdpneg.Config(timeout_ms=5000, probe_tls_versions=True) \
                    as cfg, rdpneg.Plan("127.0.0.1", port, cfg) as plan:
                task = asyncio.ensure_future(rdpneg.aio.run(plan))
                while plan.running < 3:
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.2)
                task.cancel()
                with self.assertRaises(asyncio.CancelledError):
                    await task
                self.assertTrue(plan.done)
                self.assertEqual(plan.running, 0)
                return plan.report()
        with ScriptedServer(then="hold", first=(
                _support.RSP_SSL + _support.ALERT_PROTOCOL_VERSION,
                "close")) as srv:
            rep = asyncio.run(asyncio.wait_for(main(srv.port), 10))
            deadline = time.monotonic() + 2
            while srv.peer_closed < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertEqual((srv.accepted, srv.peer_closed), (4, 3))
        self.assertIs(rep.cancelled, True)
        self.assertEqual(rep.plan["connections"], 4)
        first, *rest = rep.attempts
        self.assertEqual(first.tls_status, rdpneg.TlsStatus.ALERT)
        self.assertIs(first.cancelled, False)
        self.assertEqual(sorted(a.tls_offered for a in rest),
                         ["1.0", "1.1", "1.2"])
        for a in rest:
            self.assertIs(a.cancelled, True)
            self.assertEqual(a.purpose, "tls_version")

    def test_run_a_plan_held_by_the_caller(self):
        async def main(plan):
            task = asyncio.ensure_future(rdpneg.aio.run(plan))
            await asyncio.sleep(0.3)
            self.assertEqual(plan.running, 1)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
        with ScriptedServer(then="hold") as srv, \
                rdpneg.Config(timeout_ms=5000) as cfg, \
                rdpneg.Plan("127.0.0.1", srv.port, cfg) as plan:
            run_aio(main(plan))
            self.assertTrue(plan.done)
            self.assertEqual(plan.running, 0)
            self.assertEqual(plan.lent_sessions, [])
            self.assert_cancelled(plan.report(), srv)
        # run to the end: the same document as aio.probe() gives
        with ScriptedServer(_support.XRDP_FAILURE) as srv:
            with rdpneg.Plan("127.0.0.1", srv.port) as plan:
                run_aio(rdpneg.aio.run(plan))
                self.assertTrue(plan.done)
                mine = plan.report()
            theirs = run_aio(rdpneg.aio.probe("127.0.0.1", srv.port))
        self.assertEqual(scrub(mine.json), scrub(theirs.json))


if __name__ == "__main__":
    unittest.main()
