# SPDX-License-Identifier: Apache-2.0
"""Results are frozen dataclasses, and every enum prints as its name in the
JSON documents: str(rep.verdict) is the document's "verdict", just as
str(finding.severity) is the finding's "severity"."""

import contextlib
import dataclasses
import io
import unittest

import _support
from _support import MSEC
import rdpneg
from rdpneg import (CausePhase, Confidence, Kind, NegFailure, Phase,
                    PhaseStatus, Protocol, ReportedVerdict, Severity,
                    TcpStatus, TlsStatus, Verdict, X224Status)
from rdpneg import enums
from rdpneg import taxonomy as tx


def scripted_report(answer=_support.XRDP_FAILURE, **kw):
    with _support.ScriptedServer(answer) as srv:
        with rdpneg.Config(timeout_ms=2000) as cfg:
            return rdpneg.probe("127.0.0.1", srv.port, cfg, **kw)


def refused_report(reported=None):
    with rdpneg.Session("192.0.2.1", 3389) as s:
        s.start(0)
        s.tcp_result(TcpStatus.REFUSED, "192.0.2.1", -111, MSEC)
        s.set_analysis(reported=reported)
        return s.report()


class EnumNameTest(unittest.TestCase):
    def test_str_is_the_json_name(self):
        self.assertEqual(str(Verdict.HEALTHY), "healthy")
        self.assertEqual(str(Verdict.FAILING), "failing")
        self.assertEqual(str(X224Status.NOT_RDP), "not_rdp")
        self.assertEqual(str(TcpStatus.DNS_FAILED), "dns_failed")
        self.assertEqual(str(TlsStatus.NOT_TLS), "not_tls")
        self.assertEqual(str(PhaseStatus.SKIPPED), "skipped")
        self.assertEqual(str(Phase.X224), "x224")
        self.assertEqual(str(Protocol.HYBRID_EX), "HYBRID_EX")
        self.assertEqual(str(Protocol.RDP), "RDP")
        self.assertEqual(str(Protocol.SSL | Protocol.HYBRID), "SSL|HYBRID")
        self.assertEqual((Protocol.SSL | Protocol.HYBRID).names,
                         ["SSL", "HYBRID"])
        self.assertEqual(str(NegFailure.HYBRID_REQUIRED_BY_SERVER),
                         "HYBRID_REQUIRED_BY_SERVER")
        self.assertEqual(str(Severity.FAILING), "failing")
        self.assertEqual(str(Confidence.HIGH), "high")
        self.assertEqual(str(CausePhase.DNS), "dns")
        self.assertEqual(str(ReportedVerdict.SERVER_HEALTHY),
                         "server_healthy")

    def test_print_and_format(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            print(Verdict.FAILING, Severity.DEGRADED)
        self.assertEqual(out.getvalue(), "failing degraded\n")
        v = Verdict.DEGRADED
        self.assertEqual("%s %d %r" % (v, v, v), "degraded 1 %r" % (v,))
        self.assertEqual(f"{v} {v:d} {v:>10}|", "degraded 1   degraded|")
        self.assertEqual("{:x}".format(Protocol.HYBRID_EX), "8")

    def test_values_and_comparisons_are_kept(self):
        self.assertEqual(int(Verdict.FAILING), 2)
        self.assertEqual(Verdict.FAILING, 2)
        self.assertEqual(Severity.FAILING, "failing")
        self.assertEqual(CausePhase("tcp"), "tcp")
        self.assertIs(Verdict.from_json("failing"), Verdict.FAILING)
        self.assertIs(X224Status.from_json("not_rdp"), X224Status.NOT_RDP)
        self.assertEqual(Protocol.from_json("ssl,hybrid"),
                         Protocol.SSL | Protocol.HYBRID)
        with self.assertRaises(ValueError):
            Verdict.from_json("great")

    def test_every_json_enum_round_trips(self):
        for cls in (Verdict, PhaseStatus, TcpStatus, X224Status, TlsStatus,
                    Phase, Kind, NegFailure, Severity, Confidence,
                    CausePhase, ReportedVerdict):
            for m in cls:
                with self.subTest(member=repr(m)):
                    self.assertIs(cls.from_json(str(m)), m)
                    self.assertEqual(m.json_name, str(m))

    def test_kind_names_are_the_librarys(self):
        if not tx.available():
            self.skipTest("taxonomy API absent")
        for k in Kind:
            self.assertEqual(str(k), tx.kind_name(k))

    def test_enums_module_lists_them_all(self):
        for name in enums.__all__:
            self.assertTrue(hasattr(enums, name), name)
        self.assertIs(enums.Verdict, rdpneg.Verdict)


class ResultTypesTest(unittest.TestCase):
    def test_dataclasses(self):
        for cls in (rdpneg.Report, rdpneg.Attempt, rdpneg.PhaseResult,
                    rdpneg.Finding, rdpneg.Diagnosis, tx.Code, tx.Cause,
                    tx.Evidence, tx.Remedy, tx.CodeRef, tx.CodeSpec):
            with self.subTest(cls=cls.__name__):
                self.assertTrue(dataclasses.is_dataclass(cls))
                self.assertTrue(cls.__dataclass_params__.frozen)

    def test_frozen(self):
        rep = refused_report()
        with self.assertRaises(dataclasses.FrozenInstanceError):
            rep.verdict = Verdict.HEALTHY
        with self.assertRaises(dataclasses.FrozenInstanceError):
            rep.diagnosis[0].severity = "info"

    def test_refused_report_fields_print_as_the_document(self):
        rep = refused_report("0x904/0x7")
        doc = rep.json
        self.assertEqual(str(rep.verdict), doc["verdict"])
        self.assertIs(rep.verdict, Verdict.FAILING)
        self.assertEqual(str(rep.tcp_status), doc["tcp"]["status"])
        self.assertIs(rep.tcp_status, TcpStatus.REFUSED)
        for p, d in zip(rep.phases, doc["phases"]):
            self.assertEqual(str(p.phase), d["name"])
            self.assertEqual(p.name, d["name"])
            self.assertIsInstance(p.phase, Phase)
            self.assertEqual(str(p.status), d["status"])
            self.assertIsInstance(p.status, PhaseStatus)
        self.assertTrue(rep.diagnosis)
        for f, d in zip(rep.diagnosis, doc["diagnosis"]):
            self.assertEqual(str(f.severity), d["severity"])
            self.assertIsInstance(f.severity, Severity)
            self.assertEqual(str(f.phase), d["phase"])
            self.assertIsInstance(f.phase, CausePhase)
            self.assertEqual(str(f.confidence), d["confidence"])
            self.assertIsInstance(f.confidence, Confidence)
        d = rep.diagnosis_result
        self.assertIs(d.verdict, rep.verdict)
        self.assertIsInstance(d.reported_verdict, ReportedVerdict)
        self.assertEqual(str(d.reported_verdict), doc["reported"]["verdict"])
        # print() of the verdict and of a severity agree in kind
        self.assertEqual("%s %s" % (rep.verdict, rep.diagnosis[0].severity),
                         "failing failing")

    def test_probe_report_fields_print_as_the_document(self):
        rep = scripted_report()
        doc = rep.json
        self.assertIs(rep.x224_status, X224Status.FAILURE)
        self.assertEqual(str(rep.x224_status), doc["x224"]["status"])
        self.assertIs(rep.failure_code, NegFailure.SSL_REQUIRED_BY_SERVER)
        self.assertEqual(str(rep.failure_code), doc["x224"]["failure"])
        self.assertEqual(str(rep.verdict), doc["verdict"])
        self.assertEqual(rep.exit_code, int(rep.verdict))
        [att] = rep.attempts
        self.assertIsInstance(att, rdpneg.Attempt)
        self.assertEqual(att.purpose, "primary")
        self.assertEqual(str(att.x224_status), doc["x224"]["status"])
        self.assertEqual(str(rep), rep.text())
        self.assertIn("verdict=failing", repr(rep))

    def test_selected_protocol_prints_as_the_document(self):
        with _support.ScriptedServer(_support.RSP_RDP) as srv:
            with rdpneg.Config(timeout_ms=2000, protocols="rdp") as cfg:
                rep = rdpneg.probe("127.0.0.1", srv.port, cfg)
        self.assertIs(rep.selected_protocol, Protocol.RDP)
        self.assertEqual(str(rep.selected_protocol),
                         rep.json["x224"]["selected"])

    def test_unknown_names_stay_strings(self):
        f = rdpneg.Finding.from_json({"cause": "X", "phase": "warp",
                                      "severity": "dire",
                                      "confidence": "high"})
        self.assertEqual(f.phase, "warp")
        self.assertNotIsInstance(f.phase, CausePhase)
        self.assertEqual(f.severity, "dire")
        self.assertIs(f.confidence, Confidence.HIGH)
        p = rdpneg.PhaseResult.from_json({"name": "quic", "status": "ok"})
        self.assertEqual(p.name, "quic")
        self.assertIs(p.status, PhaseStatus.OK)

    def test_taxonomy_rows_use_the_enums(self):
        if not tx.available():
            self.skipTest("taxonomy API absent")
        for c in tx.causes():
            self.assertIsInstance(c.severity, Severity)
            self.assertIsInstance(c.phase, CausePhase)
        for row in tx.codes()[:50]:
            self.assertIsInstance(row.phase, CausePhase)


if __name__ == "__main__":
    unittest.main()
