# SPDX-License-Identifier: Apache-2.0
"""The probe plan (rdpneg_plan) driven by hand: scripted server bytes,
explicit timestamps, no sockets. Evidence from a plan, a session and a
saved document."""

import unittest

import _support
from _support import ALERT_PROTOCOL_VERSION, MSEC, RSP_RDP, RSP_SSL
import rdpneg
from rdpneg import (CloseReason, PhaseStatus, Protocol, TcpStatus,
                    TlsStatus, Verdict, X224Status, codes)

T0 = 1000 * MSEC


def connect(sess, ts, address="192.0.2.1"):
    sess.tcp_result(TcpStatus.OK, address, 0, ts)
    req = sess.pending_output(ts)
    assert req[:2] == b"\x03\x00", req
    return req


def next_all(plan, ts):
    out = []
    while True:
        s = plan.next(ts)
        if s is None:
            return out
        out.append(s)


class PlanTest(unittest.TestCase):
    def test_one_connection_plan(self):
        with rdpneg.Plan("server.example", 3389) as plan:
            self.assertFalse(plan.started)
            self.assertIsNone(plan.expiry)
            with self.assertRaises(rdpneg.UsageError) as cm:
                plan.next(T0)
            self.assertEqual(cm.exception.code, codes.INVALID_STATE)
            with self.assertRaises(rdpneg.UsageError):
                plan.evidence()  # no attempt finished yet
            plan.start(T0)
            # default overall deadline: 15000 ms after the start
            self.assertEqual(plan.expiry, T0 + 15000 * MSEC)
            sess = plan.next(T0)
            self.assertIsNotNone(sess)
            self.assertTrue(sess.lent)
            self.assertEqual((sess.host, sess.port), ("server.example", 3389))
            self.assertIsNone(sess.connect_address)  # resolve the host
            self.assertIsNone(plan.next(T0), "one attempt at a time")
            self.assertEqual(plan.running, 1)
            self.assertEqual(plan.lent_sessions, [sess])
            connect(sess, T0 + MSEC)
            sess.feed(RSP_RDP, T0 + 5 * MSEC)
            self.assertTrue(sess.done)
            self.assertFalse(plan.done)
            plan.attempt_done(sess, T0 + 6 * MSEC)
            self.assertTrue(sess.closed, "the plan took it back")
            with self.assertRaises(ValueError):
                sess.feed(b"x")
            self.assertIsNone(plan.next(T0 + 6 * MSEC))
            self.assertTrue(plan.done)
            self.assertEqual(plan.running, 0)
            with plan.evidence() as ev:
                self.assertEqual(ev.attempt_count, 1)
                rep = ev.report()
        self.assertEqual(rep.selected_protocol, Protocol.RDP)
        self.assertEqual(rep.x224_status, X224Status.OK)
        self.assertIs(rep.finished, True)
        self.assertIs(rep.cancelled, False)
        self.assertEqual(rep.plan["connections"], 1)
        [a] = rep.attempts
        self.assertEqual(a.purpose, "primary")
        self.assertEqual(a.selected_protocol, Protocol.RDP)
        self.assertEqual(a.target["address"], "192.0.2.1")
        self.assertEqual(a.phase("x224").status, PhaseStatus.OK)
        self.assertAlmostEqual(a.phase("x224").ms, 4.0, places=3)
        self.assertEqual(rep.json["source"], "probe")

    def test_tls13_only_server_gets_one_connection_per_version(self):
        # The first connection offers TLS 1.0-1.2 and gets alert
        # protocol_version; with tls_versions the plan then tries 1.0, 1.1
        # and 1.2 at once, each on the address the first one reached.
        with rdpneg.Config(probe_tls_versions=True) as cfg, \
                rdpneg.Plan("server.example", 3389, cfg) as plan:
            plan.start(T0)
            first = plan.next(T0)
            connect(first, T0 + MSEC)
            first.feed(RSP_SSL, T0 + 2 * MSEC)
            hello = first.pending_output(T0 + 2 * MSEC)
            self.assertEqual(hello[0], 0x16)
            first.feed(ALERT_PROTOCOL_VERSION, T0 + 3 * MSEC)
            self.assertTrue(first.done)
            self.assertEqual(first.tls_status, TlsStatus.ALERT)
            plan.attempt_done(first, T0 + 4 * MSEC)
            follow = next_all(plan, T0 + 4 * MSEC)
            self.assertEqual(len(follow), 3, "three versions in parallel")
            self.assertEqual(plan.running, 3)
            versions = []
            for s in follow:
                self.assertEqual(s.connect_address, "192.0.2.1")
                connect(s, T0 + 5 * MSEC, s.connect_address)
                s.feed(RSP_SSL, T0 + 6 * MSEC)
                hello = s.pending_output(T0 + 6 * MSEC)
                # ClientHello.client_version: 0x0301, 0x0302, 0x0303
                versions.append(hello[9:11].hex())
                s.feed(ALERT_PROTOCOL_VERSION, T0 + 7 * MSEC)
            # handed back in another order than handed out
            for s in reversed(follow):
                plan.attempt_done(s, T0 + 8 * MSEC)
            self.assertEqual(sorted(versions), ["0301", "0302", "0303"])
            self.assertIsNone(plan.next(T0 + 8 * MSEC))
            self.assertTrue(plan.done)
            rep = plan.report()
        self.assertEqual(rep.plan["connections"], 4)
        atts = rep.attempts
        # attempts[] in the order the plan made them, whatever order they
        # ended in: the same document from every driver
        self.assertEqual([(a.purpose, a.tls_offered) for a in atts],
                         [("primary", "1.0-1.2"), ("tls_version", "1.0"),
                          ("tls_version", "1.1"), ("tls_version", "1.2")])
        vers = rep.json["tls"]["versions"]
        self.assertIs(vers["requires_tls13"], True)
        for name in ("TLSv1.0", "TLSv1.1", "TLSv1.2"):
            self.assertIs(vers[name]["accepted"], False)
            self.assertEqual(vers[name]["alert"], 70)
            self.assertIs(vers[name]["inferred"], False)
            a = atts[vers[name]["attempt"]]
            self.assertEqual("TLSv" + a.tls_offered, name)
            self.assertEqual(a.tls_status, TlsStatus.ALERT)
        self.assertIn("TLS1_3_REQUIRED", [f.cause for f in rep.diagnosis])
        self.assertEqual(rep.verdict, Verdict.FAILING)
        self.assertIn("4 connections", rep.text())

    def test_tls_versions_not_tried_when_tcp_failed(self):
        with rdpneg.Config(probe_tls_versions=True) as cfg, \
                rdpneg.Plan("server.example", 3389, cfg) as plan:
            plan.start(T0)
            s = plan.next(T0)
            s.tcp_result(TcpStatus.REFUSED, "192.0.2.1", -111, T0 + MSEC)
            plan.attempt_done(s, T0 + MSEC)
            self.assertEqual(next_all(plan, T0 + MSEC), [])
            self.assertTrue(plan.done)
            rep = plan.report()
        self.assertEqual(rep.plan["connections"], 1)
        self.assertEqual(rep.tcp_status, TcpStatus.REFUSED)
        self.assertEqual(rep.phase("tcp").error, codes.CONNECT_REFUSED)

    def test_cancel_keeps_the_evidence_so_far(self):
        with rdpneg.Plan("server.example", 3389) as plan:
            plan.start(T0)
            s = plan.next(T0)
            connect(s, T0 + MSEC)
            plan.cancel(T0 + 2 * MSEC)
            self.assertTrue(s.done, "the plan ended the running session")
            self.assertFalse(plan.done, "until the session is handed back")
            self.assertIsNone(plan.next(T0 + 2 * MSEC))
            plan.attempt_done(s, T0 + 3 * MSEC)
            self.assertTrue(plan.done)
            rep = plan.report()
        self.assertIs(rep.cancelled, True)
        self.assertIs(rep.attempts[0].cancelled, True)
        self.assertEqual(rep.tcp_status, TcpStatus.OK)
        self.assertEqual(rep.phase("x224").error, codes.CANCELLED)
        self.assertEqual(rep.verdict, Verdict.UNKNOWN)

    def test_overall_deadline(self):
        with rdpneg.Config(timeout_ms=1000) as cfg:
            self.assertEqual(cfg.overall_timeout_ms, 3000)
            plan = rdpneg.Plan("server.example", 3389, cfg)
        with plan:
            plan.start(T0)
            self.assertEqual(plan.expiry, T0 + 3000 * MSEC)
            s = plan.next(T0)
            connect(s, T0 + MSEC)
            # the session's own deadline is the X.224 timeout
            self.assertEqual(s.expiry, T0 + 1001 * MSEC)
            plan.handle_expiry(T0 + 2999 * MSEC)
            self.assertFalse(s.done)
            plan.handle_expiry(T0 + 3000 * MSEC)
            self.assertTrue(s.done, "the overall deadline ends it")
            plan.attempt_done(s, T0 + 3000 * MSEC)
            self.assertTrue(plan.done)
            rep = plan.report()
        self.assertEqual(rep.x224_status, X224Status.TIMEOUT)
        self.assertEqual(rep.phase("x224").error, codes.TIMEOUT)

    def test_handing_back_wrong_sessions(self):
        with rdpneg.Plan("server.example", 3389) as plan, \
                rdpneg.Session("server.example", 3389) as own:
            plan.start(T0)
            s = plan.next(T0)
            with self.assertRaises(rdpneg.UsageError):
                plan.attempt_done(own, T0)
            s.transport_closed(CloseReason.RESET, -104, T0 + MSEC)
            plan.attempt_done(s, T0 + MSEC)
            with self.assertRaises(rdpneg.UsageError):
                plan.attempt_done(s, T0 + MSEC)  # twice
            self.assertFalse(own.closed)

    def test_close_with_a_lent_session(self):
        plan = rdpneg.Plan("server.example", 3389)
        plan.start(T0)
        s = plan.next(T0)
        plan.close()
        plan.close()
        self.assertTrue(s.closed, "the plan freed it")
        self.assertIn("closed", repr(plan))
        with self.assertRaises(ValueError):
            plan.next()

    def test_bad_arguments(self):
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.Plan("h", 0)
        with self.assertRaises(TypeError):
            rdpneg.Plan(None)
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.Plan("a\0b")
        with rdpneg.Plan("h") as plan:
            plan.start(5)
            with self.assertRaises(rdpneg.UsageError):
                plan.start(6)


class EvidenceTest(unittest.TestCase):
    def failure_session(self):
        s = rdpneg.Session("server.example", 3389)
        s.start(T0)
        connect(s, T0 + MSEC)
        s.feed(_support.XRDP_FAILURE, T0 + 10 * MSEC)
        return s

    def test_evidence_of_a_session(self):
        with self.failure_session() as s, s.evidence() as ev:
            self.assertEqual(len(ev), 1)
            rep = ev.report()
            self.assertEqual(rep.raw_json, s.report().raw_json)
            self.assertEqual(rep.x224_status, X224Status.FAILURE)
            d = rdpneg.diagnose(ev)
            self.assertEqual([f.cause for f in d],
                             [f.cause for f in rep.diagnosis])
            self.assertEqual(d.verdict, rep.verdict)
            # the same through a Session and through the document
            self.assertEqual(rdpneg.diagnose(s).raw_json, d.raw_json)
            self.assertEqual(rdpneg.diagnose(rep.raw_json).raw_json,
                             d.raw_json)
            self.assertIn("connections=1", repr(ev))
        self.assertIn("closed", repr(ev))

    def test_saved_document_is_diagnosed_again(self):
        with self.failure_session() as s:
            rep = s.report()
        with rdpneg.Evidence.parse(rep.raw_json) as ev:
            again = ev.report(reported="0x904/0x7")
            same = ev.report()
        self.assertEqual(same.json, rep.json)
        self.assertEqual(same.text(), rep.text())
        self.assertEqual(again.reported["code"], "0x904")
        self.assertIsNotNone(again.diagnosis_result.reported_verdict)
        # bytes and dict work as well
        with rdpneg.Evidence.parse(rep.raw_json.encode()) as ev:
            self.assertEqual(ev.report().json, rep.json)
        with rdpneg.Evidence.parse(rep.json) as ev:
            self.assertEqual(ev.report().json, rep.json)

    def test_bad_documents(self):
        with self.assertRaises(rdpneg.UsageError) as cm:
            rdpneg.Evidence.parse("{not json")
        self.assertEqual(cm.exception.code, codes.BAD_FILE)
        self.assertIn("line 1", str(cm.exception))
        with self.assertRaises(rdpneg.UsageError) as cm:
            rdpneg.Evidence.parse('{"schema": "other/1"}')
        self.assertEqual(cm.exception.code, codes.BAD_FILE)
        with self.assertRaises(TypeError):
            rdpneg.Evidence.parse(42)
        with self.assertRaises(TypeError):
            rdpneg.Evidence()
        with self.assertRaises(TypeError):
            rdpneg.diagnose(42)


if __name__ == "__main__":
    unittest.main()
