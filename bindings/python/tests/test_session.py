# SPDX-License-Identifier: Apache-2.0
"""The sans-I/O Session driven by hand: scripted server bytes, explicit
timestamps, no sockets."""

import unittest

import _support
from _support import MSEC
import rdpneg
from rdpneg import (CloseReason, NegFailure, Phase, PhaseStatus, Protocol,
                    TcpStatus, TlsStatus, Verdict, X224Status, codes)


def connected(config=None, cookie=None):
    s = rdpneg.Session("server.example", 3389, config)
    s.start(1000 * MSEC)
    s.tcp_result(TcpStatus.OK, "192.0.2.1", 0, 1001 * MSEC)
    return s


class SessionTest(unittest.TestCase):
    def test_request_bytes(self):
        with rdpneg.Config(cookie="probe") as cfg, connected(cfg) as s:
            out = s.pending_output(1001 * MSEC)
            self.assertEqual(out[:2], b"\x03\x00")
            self.assertEqual(int.from_bytes(out[2:4], "big"), len(out))
            self.assertIn(b"Cookie: mstshash=probe\r\n", out)
            # RDP_NEG_REQ: type 1, flags, length 8, requestedProtocols 0xb
            self.assertEqual(out[-8:], bytes.fromhex("010008000b000000"))
            self.assertEqual(s.pending_output(), b"")
            self.assertTrue(s.want_read)
            self.assertFalse(s.done)

    def test_legacy_request_without_neg_req(self):
        with rdpneg.Config(protocols="none") as cfg, connected(cfg) as s:
            out = s.pending_output()
            self.assertEqual(len(out), 11)

    def test_xrdp_failure_confirm(self):
        with connected() as s:
            s.pending_output()
            self.assertEqual(s.feed(_support.XRDP_FAILURE, 1010 * MSEC), 19)
            self.assertTrue(s.done)
            self.assertEqual(s.x224_status, X224Status.FAILURE)
            self.assertEqual(s.failure_code, 1)
            self.assertIs(s.failure_code, NegFailure.SSL_REQUIRED_BY_SERVER)
            self.assertEqual(s.tls_status, TlsStatus.SKIPPED)
            self.assertEqual(s.verdict, Verdict.FAILING)
            self.assertIsNone(s.selected_protocol)
            rep = s.report()
            x = rep.phase(Phase.X224)
            self.assertEqual(x.status, PhaseStatus.FAILED)
            self.assertEqual(x.error, codes.NEG_SSL_REQUIRED)
            self.assertEqual(x.error_name, "RDPNEG_ERR_NEG_SSL_REQUIRED")
            self.assertAlmostEqual(x.ms, 9.0, places=3)
            self.assertIsInstance(x.exception(), rdpneg.NegotiationError)
            self.assertEqual(rep.phase("nla").status, PhaseStatus.SKIPPED)
            self.assertIsNone(rep.phase("nla").ms)
            self.assertEqual(rep.exit_code, 2)
            self.assertEqual(rep.failed_phase.name, "x224")
            with self.assertRaises(rdpneg.NegotiationError) as cm:
                rep.raise_for_failure()
            self.assertEqual(cm.exception.code, codes.NEG_SSL_REQUIRED)
            doc = rep.json
            self.assertEqual(doc["schema"], "rdpneg.probe/1")
            self.assertEqual(doc["x224"]["status"], "failure")
            self.assertEqual(doc["x224"]["failure_code"], 1)
            self.assertEqual(doc["verdict"], "failing")
            self.assertIn("SSL_REQUIRED_BY_SERVER", rep.text())
            self.assertEqual(s.json()["x224"]["failure_code"], 1)

    def test_failure_confirm_one_byte_at_a_time(self):
        with connected() as s:
            for b in _support.XRDP_FAILURE:
                self.assertFalse(s.done)
                s.feed(bytes([b]), 1005 * MSEC)
            self.assertTrue(s.done)
            self.assertEqual(s.x224_status, X224Status.FAILURE)
            self.assertEqual(s.failure_code, 1)

    def test_legacy_confirm(self):
        with connected() as s:
            s.feed(_support.LEGACY_CONFIRM, 1005 * MSEC)
            self.assertEqual(s.x224_status, X224Status.LEGACY)
            self.assertIsNone(s.selected_protocol)
            self.assertEqual(s.verdict, Verdict.DEGRADED)
            self.assertEqual(s.report().exit_code, 1)

    def test_rdp_selected_skips_tls(self):
        with connected() as s:
            s.feed(_support.RSP_RDP, 1005 * MSEC)
            self.assertTrue(s.done)
            self.assertEqual(s.x224_status, X224Status.OK)
            self.assertEqual(s.selected_protocol, Protocol.RDP)
            self.assertEqual(s.tls_status, TlsStatus.SKIPPED)
            self.assertEqual(s.json()["x224"]["selected"], "RDP")

    def test_ssl_selected_starts_tls(self):
        rsp = bytearray(_support.RSP_RDP)
        rsp[15] = 1  # selectedProtocol = PROTOCOL_SSL
        with connected() as s:
            s.pending_output()
            s.feed(bytes(rsp), 1005 * MSEC)
            self.assertFalse(s.done)
            self.assertEqual(s.selected_protocol, Protocol.SSL)
            hello = s.pending_output(1005 * MSEC)
            self.assertEqual(hello[0], 0x16, "a TLS handshake record")
            self.assertEqual(s.tls_status, TlsStatus.PENDING)
            s.transport_closed(CloseReason.RESET, -104, 1010 * MSEC)
            self.assertTrue(s.done)
            self.assertEqual(s.tls_status, TlsStatus.RESET)

    def test_ssh_banner_is_not_rdp(self):
        with connected() as s:
            s.feed(_support.SSH_BANNER, 1002 * MSEC)
            self.assertTrue(s.done)
            self.assertEqual(s.x224_status, X224Status.NOT_RDP)
            doc = s.json()
            self.assertEqual(doc["x224"]["status"], "not_rdp")
            self.assertIn("SSH-2.0-OpenSSH_9.2p1 Debian-2", s.raw_json())
            self.assertEqual(s.report().phase("x224").error, codes.NOT_RDP)

    def test_close_and_reset_before_confirm(self):
        for reason, status in ((CloseReason.EOF, X224Status.CLOSED),
                               (CloseReason.RESET, X224Status.RESET)):
            with self.subTest(reason=reason), connected() as s:
                s.feed(_support.XRDP_FAILURE[:4], 1003 * MSEC)
                s.transport_closed(reason, 0, 1004 * MSEC)
                self.assertTrue(s.done)
                self.assertEqual(s.x224_status, status)
                self.assertEqual(s.verdict, Verdict.FAILING)

    def test_timeouts_from_expiry(self):
        with rdpneg.Config(connect_timeout_ms=700, x224_timeout_ms=300) as c:
            with rdpneg.Session("192.0.2.1", 3389, c) as s:
                self.assertIsNone(s.expiry)  # not started
                s.start(0)
                self.assertEqual(s.expiry, 700 * MSEC)
                s.handle_expiry(699 * MSEC)
                self.assertFalse(s.done)
                s.handle_expiry(700 * MSEC)
                self.assertTrue(s.done)
                self.assertEqual(s.tcp_status, TcpStatus.TIMEOUT)
                self.assertIsNone(s.expiry)
            with rdpneg.Session("192.0.2.1", 3389, c) as s:
                s.start(0)
                s.tcp_result(TcpStatus.OK, "192.0.2.1", 0, 100 * MSEC)
                self.assertEqual(s.expiry, 400 * MSEC)
                s.handle_expiry(400 * MSEC)
                self.assertEqual(s.x224_status, X224Status.TIMEOUT)
                x = s.report().phase("x224")
                self.assertAlmostEqual(x.ms, 300.0, places=3)
                self.assertEqual(x.error, codes.TIMEOUT)

    def test_tcp_refused_and_dns(self):
        with rdpneg.Session("192.0.2.1", 3389) as s:
            s.start(0)
            s.tcp_result(TcpStatus.REFUSED, "192.0.2.1", -111, MSEC)
            self.assertTrue(s.done)
            self.assertEqual(s.tcp_status, TcpStatus.REFUSED)
            rep = s.report()
            self.assertEqual(rep.phase("tcp").error, codes.CONNECT_REFUSED)
            self.assertEqual(rep.phase("x224").status, PhaseStatus.SKIPPED)
            self.assertEqual(rep.x224_status, X224Status.SKIPPED)
            self.assertEqual(rep.json["tcp"]["status"], "refused")
        with rdpneg.Session("no.such.host.invalid") as s:
            s.start(0)
            s.dns_failed("Name or service not known", MSEC)
            self.assertEqual(s.tcp_status, TcpStatus.DNS_FAILED)
            self.assertEqual(s.verdict, Verdict.UNKNOWN)
            self.assertEqual(s.report().exit_code, 3)

    def test_cancel(self):
        with connected() as s:
            s.cancel(1002 * MSEC)
            self.assertTrue(s.done)
            self.assertEqual(s.report().phase("x224").error, codes.CANCELLED)

    def test_state_errors(self):
        with connected() as s:
            with self.assertRaises(rdpneg.UsageError) as cm:
                s.start(5)
            self.assertEqual(cm.exception.code, codes.INVALID_STATE)
            s.feed(_support.XRDP_FAILURE)
            with self.assertRaises(rdpneg.UsageError) as cm:
                s.feed(b"\x03")
            self.assertEqual(cm.exception.code, codes.INVALID_STATE)
        with rdpneg.Session("h") as s:
            with self.assertRaises(rdpneg.UsageError):
                s.feed(b"x")  # not connected yet
        s = rdpneg.Session("h")
        s.close()
        s.close()
        with self.assertRaises(ValueError):
            s.start()
        self.assertIn("closed", repr(s))

    def test_bad_arguments(self):
        for port in (0, 65536, -1):
            with self.assertRaises(rdpneg.UsageError):
                rdpneg.Session("h", port)
        with self.assertRaises(TypeError):
            rdpneg.Session("h", "3389")
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.Session("a\0b")
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.Session("x" * 300)
        with connected() as s, self.assertRaises(ValueError):
            s.transport_closed(42)

    def test_feeding_more_than_max_buffered(self):
        # Either the core takes the bytes (it consumes oversized X.224 reads
        # in steps) or it refuses them with NOBUF; both are fine here, what
        # matters is that the binding passes the whole buffer and maps a
        # refusal to UsageError.
        with rdpneg.Config(max_buffered=1024) as c, connected(c) as s:
            data = b"\x03\x00\xff\xff" + b"\x00" * 4000
            try:
                self.assertEqual(s.feed(data, 1002 * MSEC), len(data))
            except rdpneg.UsageError as e:
                self.assertIn(e.code, (codes.NOBUF, codes.INVALID_STATE))

    def test_report_is_a_snapshot(self):
        with connected() as s:
            before = s.report()
            s.feed(_support.XRDP_FAILURE, 1005 * MSEC)
            after = s.report()
        self.assertEqual(before.x224_status, X224Status.PENDING)
        self.assertEqual(after.x224_status, X224Status.FAILURE)
        self.assertIn("failing", repr(after))
        self.assertEqual(str(after), after.text())


if __name__ == "__main__":
    unittest.main()
