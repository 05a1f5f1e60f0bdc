# SPDX-License-Identifier: Apache-2.0
"""Integration against the real servers of test/lab (xrdp, FreeRDP shadow,
scripted responders). Skipped when test/lab/run/env is absent."""

import asyncio
import unittest

import _support
from _support import LAB, LAB_SKIP, lab_port
import rdpneg
import rdpneg.aio
from rdpneg import PhaseStatus, Protocol, TcpStatus, TlsStatus, Verdict, \
    X224Status, codes


def need(key):
    port = lab_port(key)
    if port is None:
        raise unittest.SkipTest("%s not in the lab env (LAB_ONLY subset?)"
                                % key)
    return port


@unittest.skipIf(LAB is None, LAB_SKIP)
class LabTest(unittest.TestCase):
    def setUp(self):
        self.host = LAB.get("LAB_HOST", "127.0.0.1")

    def cfg(self, **kw):
        kw.setdefault("timeout_ms", 3000)
        return rdpneg.Config(**kw)

    def check_tls_valid(self, rep):
        self.assertEqual(rep.tcp_status, TcpStatus.OK)
        self.assertEqual(rep.x224_status, X224Status.OK)
        self.assertEqual(rep.selected_protocol, Protocol.SSL)
        self.assertEqual(rep.tls_status, TlsStatus.OK)
        self.assertEqual(rep.phase("tls").status, PhaseStatus.OK)
        cert = rep.certificate
        self.assertIsNotNone(cert)
        self.assertIn("CN=localhost", cert["subject"])
        self.assertIs(cert["expired"], False)
        self.assertIs(cert["trusted"], True)

    def test_xrdp_tls_valid(self):
        port = need("LAB_XRDP_TLS_VALID")
        with self.cfg(ca_file=LAB["LAB_CA"], sni="localhost") as cfg:
            rep = rdpneg.probe(self.host, port, cfg)
        self.check_tls_valid(rep)
        self.assertIs(rep.certificate["hostname_match"], True)
        self.assertIn(rep.verdict, (Verdict.HEALTHY, Verdict.DEGRADED))
        self.assertIn("verdict", rep.text())

    def test_xrdp_tls_expired_with_lab_ca(self):
        port = need("LAB_XRDP_TLS_EXPIRED")
        with self.cfg(ca_file=LAB["LAB_CA"]) as cfg:
            rep = rdpneg.probe(self.host, port, cfg)
        self.assertEqual(rep.selected_protocol, Protocol.SSL)
        cert = rep.certificate
        self.assertIsNotNone(cert, rep.raw_json)
        self.assertIs(cert["expired"], True)
        self.assertIs(cert["trusted"], True)
        self.assertEqual(rep.verdict, Verdict.FAILING)
        self.assertEqual(rep.exit_code, 2)

    def test_closed_port(self):
        port = need("LAB_CLOSED_PORT")
        rep = rdpneg.probe(self.host, port, self.cfg())
        self.assertEqual(rep.tcp_status, TcpStatus.REFUSED)
        self.assertEqual(rep.phase("tcp").error, codes.CONNECT_REFUSED)
        self.assertEqual(rep.verdict, Verdict.FAILING)

    def test_silent_responder_short_timeout(self):
        port = need("LAB_RESP_SILENT")
        with self.cfg(x224_timeout_ms=500) as cfg:
            rep = rdpneg.probe(self.host, port, cfg)
        self.assertEqual(rep.tcp_status, TcpStatus.OK)
        self.assertEqual(rep.x224_status, X224Status.TIMEOUT)
        self.assertEqual(rep.phase("x224").error, codes.TIMEOUT)
        self.assertLess(rep.phase("x224").ms, 1500)

    def test_banner_responder_is_not_rdp(self):
        port = need("LAB_RESP_BANNER")
        rep = rdpneg.probe(self.host, port, self.cfg())
        self.assertEqual(rep.x224_status, X224Status.NOT_RDP)

    def test_tls_versions_against_xrdp(self):
        port = need("LAB_XRDP_TLS_VALID")
        with self.cfg(do_nla=False) as cfg:
            rep = rdpneg.probe(self.host, port, cfg, tls_versions=True)
        versions = rep.json["tls"].get("versions")
        self.assertTrue(versions, rep.raw_json)
        # TLS 1.2 worked on the first connection: inferred, not tried
        self.assertIs(versions["TLSv1.2"]["accepted"], True)
        self.assertIs(versions["TLSv1.2"]["inferred"], True)
        tried = sorted(a.tls_offered for a in rep.attempts
                       if a.purpose == "tls_version")
        self.assertEqual(tried, ["1.0", "1.1"])
        self.assertEqual(rep.plan["connections"], 3)

    def test_asyncio_shadow_nla_is_healthy_in_one_connection(self):
        # rdpneg.aio used to report FreeRDP's refusal of SPNEGO as
        # AUTH_LOGON_FAILURE; with plans it says what rdpneg.probe says
        port = need("LAB_SHADOW_NLA")
        with self.cfg() as cfg:
            rep = asyncio.run(rdpneg.aio.probe(self.host, port, cfg))
        self.assertEqual(rep.verdict, Verdict.HEALTHY, rep.text())
        self.assertEqual(rep.plan["connections"], 1)
        self.assertIsNotNone(rep.json["nla"]["ntlm"])
        self.assertIs(rep.json["nla"]["spnego"], False)

    def test_asyncio_shadow_nla_spnego_falls_back_to_raw_ntlm(self):
        port = need("LAB_SHADOW_NLA")
        with self.cfg(spnego=True) as cfg:
            rep = asyncio.run(rdpneg.aio.probe(self.host, port, cfg))
        self.assertEqual(rep.verdict, Verdict.HEALTHY, rep.text())
        self.assertEqual([a.purpose for a in rep.attempts],
                         ["primary", "spnego_fallback"])
        self.assertEqual(rep.attempts[0].phase("nla").status,
                         PhaseStatus.FAILED)
        self.assertIn("spnego_rejected", rep.json["nla"])

    def test_asyncio_driver_against_xrdp_tls_valid(self):
        port = need("LAB_XRDP_TLS_VALID")
        with self.cfg(ca_file=LAB["LAB_CA"], sni="localhost") as cfg:
            rep = asyncio.run(rdpneg.aio.probe(self.host, port, cfg))
        self.check_tls_valid(rep)
        self.assertEqual(rep.json["target"]["address"], self.host)

    def test_shadow_nla_credentials(self):
        port = need("LAB_SHADOW_NLA")
        user = LAB.get("LAB_SHADOW_USER", "labuser")
        domain = LAB.get("LAB_SHADOW_DOMAIN", "LAB")
        password = LAB.get("LAB_SHADOW_PASSWORD", "LabPass1!")
        drivers = (("rdpneg.probe", lambda cfg: rdpneg.probe(
                        self.host, port, cfg)),
                   ("rdpneg.aio.probe", lambda cfg: asyncio.run(
                       rdpneg.aio.probe(self.host, port, cfg))))
        for name, run in drivers:
            with self.subTest(driver=name):
                with self.cfg() as cfg:
                    cfg.set_credentials(user, password, domain)
                    rep = run(cfg)
                self.assertIn(rep.selected_protocol,
                              (Protocol.HYBRID, Protocol.HYBRID_EX))
                self.assertEqual(rep.json["nla"]["auth"], "success",
                                 rep.json["nla"].get("detail"))
                self.assertEqual(rep.plan["connections"], 1)
                self.assertNotIn(password, rep.raw_json + rep.text())
                with self.cfg() as cfg:
                    cfg.set_credentials(user, bytearray(b"Wrong-Password-1"),
                                        domain)
                    rep = run(cfg)
                self.assertEqual(rep.json["nla"]["auth"], "failed",
                                 rep.json["nla"].get("detail"))
                self.assertEqual(rep.verdict, Verdict.FAILING)
                with self.assertRaises(rdpneg.AuthError):
                    rep.raise_for_failure()


if __name__ == "__main__":
    unittest.main()
