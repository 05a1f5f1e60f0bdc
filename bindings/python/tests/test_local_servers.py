"""probe() (librdpneg-uv) and rdpneg.aio (asyncio, no libuv) against
scripted servers on loopback in this process: no lab needed."""

import asyncio
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


class Cases:
    """The same cases for both drivers; subclasses set run()."""

    def run_probe(self, port, config=None, host="127.0.0.1"):
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

    def test_close_and_reset_after_request(self):
        for then, status in (("close", X224Status.CLOSED),
                             ("reset", X224Status.RESET)):
            with self.subTest(then=then), ScriptedServer(then=then) as srv:
                rep = self.run_probe(srv.port)
                self.assertEqual(rep.x224_status, status)


class ProbeUvTest(Cases, unittest.TestCase):
    """probe(): rdpneg_probe_run on a private libuv loop."""

    def run_probe(self, port, config=None, host="127.0.0.1"):
        return rdpneg.probe(host, port, config)

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
        # four 400 ms timeouts in parallel (the GIL is released in C)
        self.assertLess(elapsed, 1.4)

    def test_tls_versions_flag(self):
        with ScriptedServer(_support.XRDP_FAILURE) as srv:
            rep = rdpneg.probe("127.0.0.1", srv.port, tls_versions=True)
        self.assertEqual(rep.x224_status, X224Status.FAILURE)
        versions = rep.json["tls"].get("versions")
        self.assertIsNotNone(versions)


class ProbeAioTest(Cases, unittest.TestCase):
    """rdpneg.aio.probe(): the sans-I/O Session driven by asyncio."""

    def run_probe(self, port, config=None, host="127.0.0.1"):
        return run_aio(rdpneg.aio.probe(host, port, config))

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
        self.assertLess(elapsed, 1.5)

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


if __name__ == "__main__":
    unittest.main()
