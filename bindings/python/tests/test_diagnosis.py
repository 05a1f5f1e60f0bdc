# SPDX-License-Identifier: Apache-2.0
"""The diagnosis (rdpneg_diagnosis.h) through the binding: findings in the
Report, Session.diagnose(), reported-code cross-check, vendor overrides."""

import unittest

import _support
from _support import MSEC
import rdpneg
from rdpneg import TcpStatus, Verdict, codes
from rdpneg import taxonomy as tx


def refused_session():
    s = rdpneg.Session("192.0.2.1", 3389)
    s.start(0)
    s.tcp_result(TcpStatus.REFUSED, "192.0.2.1", -111, MSEC)
    return s


class DiagnosisTest(unittest.TestCase):
    def test_refused_port_finding(self):
        with refused_session() as s:
            d = s.diagnose()
            self.assertEqual(d.verdict, Verdict.FAILING)
            self.assertGreaterEqual(len(d), 1)
            f = d.findings[0]
            self.assertEqual(f.phase, "tcp")
            self.assertEqual(f.severity, "failing")
            self.assertIn(f.confidence, ("high", "medium", "low"))
            self.assertIn("192.0.2.1", f.evidence)
            self.assertIsNone(d.reported_verdict)
            self.assertEqual(d.json["diagnosis"][0]["cause"], f.cause)
            # the report carries the same findings, with remedies
            rep = s.report()
            self.assertEqual([x.cause for x in rep.diagnosis],
                             [x.cause for x in d.findings])
            self.assertTrue(rep.diagnosis[0].remedies)
            self.assertIn(f.cause, rep.text())

    def test_findings_name_catalogue_causes(self):
        if not tx.available():
            self.skipTest("taxonomy API absent")
        with _support.ScriptedServer(_support.XRDP_FAILURE) as srv:
            rep = rdpneg.probe("127.0.0.1", srv.port)
        self.assertTrue(rep.diagnosis)
        for f in rep.diagnosis:
            self.assertEqual(tx.cause(f.cause).id, f.cause)

    def test_reported_code_cross_check(self):
        with refused_session() as s:
            d = s.diagnose("0x904/0x7")
            self.assertIn(d.reported_verdict,
                          ("confirmed", "refuted", "server_healthy"))
            s.set_analysis(reported="0x904/0x7")
            rep = s.report()
            self.assertEqual(rep.reported["verdict"], d.reported_verdict)
            self.assertEqual(rep.reported["code"], "0x904")
            # the analysis is the binding's: json(), text() and diagnose()
            # without arguments use it too
            self.assertEqual(s.json()["reported"]["code"], "0x904")
            self.assertIn("0x904", s.text())
            self.assertEqual(s.diagnose().reported_verdict,
                             d.reported_verdict)
            self.assertEqual(rep.diagnosis_result.reported_verdict,
                             d.reported_verdict)
            s.set_analysis()
            self.assertIsNone(s.report().reported)

    def test_bad_reported_code_fails_before_probing(self):
        with self.assertRaises(rdpneg.UsageError) as cm:
            rdpneg.probe("127.0.0.1", _support.free_port(),
                         reported="not a code!")
        self.assertEqual(cm.exception.code, codes.INVALID_ARGUMENT)
        with refused_session() as s:
            with self.assertRaises(rdpneg.UsageError):
                s.diagnose("not a code!")
            # set_analysis checks at once (rdpneg_reported_check), and the
            # analysis in effect stays unchanged
            s.set_analysis(reported="0x904/0x7")
            with self.assertRaises(rdpneg.UsageError) as cm:
                s.set_analysis(reported="0x904/")
            self.assertEqual(cm.exception.code, codes.INVALID_ARGUMENT)
            self.assertEqual(s.report().reported["code"], "0x904")
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.check_reported("ntstatus:zz")
        self.assertEqual(rdpneg.check_reported("ntstatus:0xC000006D"),
                         "ntstatus:0xC000006D")

    def test_vendor_overrides_reach_the_report(self):
        if not tx.available():
            self.skipTest("taxonomy API absent")
        with refused_session() as s:
            cause = s.diagnose().findings[0].cause
        with tx.Taxonomy() as t:
            t.load_overrides_bytes(
                '{"causes": {"%s": {"remedies": ["Call the ACME desk"]}}}'
                % cause, "acme.json")
            rep = rdpneg.probe("127.0.0.1", _support.free_port(),
                               taxonomy=t)
            self.assertEqual(rep.diagnosis[0].cause, cause)
            self.assertEqual(rep.diagnosis[0].remedies,
                             ("Call the ACME desk",))


@unittest.skipIf(_support.LAB is None, _support.LAB_SKIP)
class LabDiagnosisTest(unittest.TestCase):
    def test_expired_certificate_diagnosed(self):
        port = _support.lab_port("LAB_XRDP_TLS_EXPIRED")
        if port is None:
            self.skipTest("LAB_XRDP_TLS_EXPIRED not in the lab env")
        with rdpneg.Config(timeout_ms=3000,
                           ca_file=_support.LAB["LAB_CA"]) as cfg:
            rep = rdpneg.probe(_support.LAB.get("LAB_HOST", "127.0.0.1"),
                               port, cfg)
        self.assertIn("CERT_EXPIRED", [f.cause for f in rep.diagnosis])
        self.assertEqual(rep.diagnosis[0].phase, "tls")


if __name__ == "__main__":
    unittest.main()
