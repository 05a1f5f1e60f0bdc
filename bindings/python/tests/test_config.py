# SPDX-License-Identifier: Apache-2.0
"""Config: defaults, typed setters, validation."""

import gc
import os
import tempfile
import unittest

import _support
import rdpneg
from rdpneg import Option, Protocol, codes


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.cfg = rdpneg.Config()

    def tearDown(self):
        self.cfg.close()

    def assertUsage(self, fn, *args, code=codes.INVALID_ARGUMENT):
        with self.assertRaises(rdpneg.UsageError) as cm:
            fn(*args)
        self.assertEqual(cm.exception.code, code)
        return cm.exception

    def test_defaults(self):
        c = self.cfg
        self.assertEqual(c.requested_protocols,
                         Protocol.SSL | Protocol.HYBRID | Protocol.HYBRID_EX)
        self.assertEqual(c.protocols, ["SSL", "HYBRID", "HYBRID_EX"])
        self.assertTrue(c.send_neg_req)
        self.assertEqual(c.neg_req_flags, 0)
        for name in ("connect", "x224", "tls", "nla"):
            self.assertEqual(getattr(c, name + "_timeout_ms"), 5000)
        self.assertEqual(c.overall_timeout_ms, 15000)
        self.assertTrue(c.do_tls)
        self.assertTrue(c.do_nla)
        self.assertEqual(c.tls_versions, ("1.0", "1.2"))
        self.assertEqual(c.warn_days, 30)
        self.assertEqual(c.now_unix, 0)
        self.assertFalse(c.spnego)  # raw NTLM: one connection does
        self.assertFalse(c.probe_tls_versions)
        self.assertEqual(c.max_buffered, 65536)

    def test_protocols_by_name(self):
        c = self.cfg
        c.protocols = "ssl"
        self.assertEqual(c.requested_protocols, Protocol.SSL)
        c.protocols = ["SSL", "hybrid_ex"]
        self.assertEqual(c.protocols, ["SSL", "HYBRID_EX"])
        c.protocols = [Protocol.HYBRID]
        self.assertEqual(c.protocols, ["HYBRID"])
        c.protocols = "rdp"
        self.assertEqual(c.requested_protocols, 0)
        self.assertEqual(c.protocols, [])
        c.protocols = "none"
        self.assertFalse(c.send_neg_req)
        self.assertEqual(c.protocols, ["NONE"])
        c.protocols = Protocol.SSL | Protocol.RDSTLS
        self.assertTrue(c.send_neg_req)
        self.assertEqual(c.protocols, ["SSL", "RDSTLS"])

    def test_unknown_protocol_is_usage_error(self):
        before = self.cfg.requested_protocols
        self.assertUsage(setattr, self.cfg, "protocols", "ssl,telnet")
        self.assertUsage(setattr, self.cfg, "protocols", "")
        self.assertEqual(self.cfg.requested_protocols, before)
        self.assertUsage(setattr, self.cfg, "requested_protocols", 0x20)

    def test_timeouts(self):
        c = self.cfg
        c.timeout_ms = 1200
        self.assertEqual((c.connect_timeout_ms, c.x224_timeout_ms,
                          c.tls_timeout_ms, c.nla_timeout_ms,
                          c.overall_timeout_ms), (1200,) * 4 + (3600,))
        c.x224_timeout_ms = 300
        self.assertEqual(c.x224_timeout_ms, 300)
        for bad in (0, -5, 600001):
            self.assertUsage(setattr, c, "x224_timeout_ms", bad)
            self.assertUsage(setattr, c, "timeout_ms", bad)
        self.assertEqual(c.x224_timeout_ms, 300)
        self.assertUsage(setattr, c, "overall_timeout_ms", 3600001)
        with self.assertRaises(TypeError):
            c.connect_timeout_ms = "100"
        with self.assertRaises(TypeError):
            c.connect_timeout_ms = 1.5

    def test_tls_versions(self):
        c = self.cfg
        c.tls_versions = ("1.2", "1.2")
        self.assertEqual(c.tls_versions, ("1.2", "1.2"))
        c.tls_versions = "TLSv1.1"
        self.assertEqual(c.tls_versions, ("1.1", "1.1"))
        c.tls_versions = ("1.0", "tls1.2")
        self.assertEqual((c.get_int(Option.TLS_MIN),
                          c.get_int(Option.TLS_MAX)), (1, 3))
        self.assertUsage(setattr, c, "tls_versions", "1.3")
        self.assertUsage(setattr, c, "tls_versions", ("1.2", "1.0"))
        self.assertUsage(setattr, c, "tls_min", 4)
        self.assertUsage(setattr, c, "tls_max", 0)

    def test_flags_and_misc(self):
        c = self.cfg
        c.do_nla = False
        self.assertFalse(c.do_nla)
        c.spnego = 1
        self.assertTrue(c.spnego)
        c.probe_tls_versions = True
        self.assertEqual(c.get_int(rdpneg.Option.TLS_VERSIONS), 1)
        with self.assertRaises(TypeError):
            c.probe_tls_versions = 2
        with self.assertRaises(TypeError):
            c.do_tls = 2
        c.warn_days = 0
        self.assertUsage(setattr, c, "warn_days", -1)
        self.assertUsage(setattr, c, "warn_days", 36501)
        c.now_unix = 1767225600
        self.assertEqual(c.now_unix, 1767225600)
        self.assertUsage(setattr, c, "now_unix", -1)
        self.assertUsage(setattr, c, "max_buffered", 1023)
        c.neg_req_flags = rdpneg.NegReqFlag.RESTRICTED_ADMIN_MODE_REQUIRED
        self.assertEqual(c.neg_req_flags, 1)
        self.assertUsage(setattr, c, "neg_req_flags", 256)
        self.assertUsage(c.set_int, 99, 1)
        self.assertUsage(c.get_int, 0)

    def test_reject_cert(self):
        c = self.cfg
        self.assertEqual(c.reject_cert, rdpneg.CertReject(0))
        c.reject_cert = rdpneg.CertReject.EXPIRED | rdpneg.CertReject.NAME
        self.assertEqual(c.reject_cert, 3)
        self.assertUsage(setattr, c, "reject_cert", 0x40)

    def test_strings(self):
        c = self.cfg
        c.cookie = "probe"
        c.cookie = None
        c.sni = "rdp.example.com"
        c.routing_token = "tsv://MS Terminal Services Plugin.1.Sessions"
        self.assertUsage(setattr, c, "cookie", "a\r\nb")
        self.assertUsage(setattr, c, "cookie", "x" * 256)
        self.assertUsage(setattr, c, "cookie", "")
        self.assertUsage(setattr, c, "sni", "a\0b")
        c.cookie = "x" * 255
        with self.assertRaises(AttributeError):
            c.cookie
        with self.assertRaises(TypeError):
            c.sni = 5

    def test_correlation_id(self):
        c = self.cfg
        c.set_correlation_id(bytes(range(0x20, 0x30)))
        c.correlation_id = None
        self.assertUsage(c.set_correlation_id, b"\x00" + bytes(15))
        self.assertUsage(c.set_correlation_id, b"\xf4" + bytes(range(1, 16)))
        self.assertUsage(c.set_correlation_id, b"\x01\x0d" + bytes(14))
        self.assertUsage(c.set_correlation_id, b"\x01" * 15)

    def test_ca(self):
        c = self.cfg
        c.add_ca(_support.TEST_CA_PEM)
        c.add_ca(_support.TEST_CA_PEM.decode())
        self.assertUsage(c.add_ca, b"not a certificate", code=codes.BAD_FILE)
        self.assertUsage(c.add_ca, b"")
        with tempfile.TemporaryDirectory() as d:
            good = os.path.join(d, "ca.pem")
            with open(good, "wb") as f:
                f.write(_support.TEST_CA_PEM)
            c.add_ca_file(good)
            with rdpneg.Config(ca_file=good) as c2:
                self.assertFalse(c2.closed)
            e = self.assertUsage(c.add_ca_file, os.path.join(d, "missing"),
                                 code=codes.BAD_FILE)
            self.assertIn("missing", str(e))
            bad = os.path.join(d, "bad.pem")
            with open(bad, "wb") as f:
                f.write(b"garbage")
            e = self.assertUsage(c.add_ca_file, bad, code=codes.BAD_FILE)
            self.assertIn("bad.pem", str(e))

    def test_credentials(self):
        c = self.cfg
        c.set_credentials("labuser", "LabPass1!", "LAB")
        c.set_credentials("user", b"bytes-pw")
        secret = bytearray(b"s3cret")
        c.set_credentials("user", secret)
        self.assertEqual(secret, bytearray(b"s3cret"), "caller's buffer kept")
        c.set_credentials("us\u00e9r", "p\u00e4ss", domain="D\u00d6M")
        c.clear_credentials()
        self.assertUsage(c.set_credentials, "user", None)
        self.assertUsage(c.set_credentials, "user", "a\0b")
        self.assertUsage(c.set_credentials, "us\0er", "pw")
        with self.assertRaises(TypeError):
            c.set_credentials("user", 1234)

    def test_password_not_kept_on_the_object(self):
        c = self.cfg
        c.set_credentials("user", "Very-Distinct-Password-42")
        gc.collect()
        blob = repr(vars(c)) + repr(c)
        self.assertNotIn("Very-Distinct-Password-42", blob)
        self.assertEqual(set(vars(c)), {"_lock", "_ptr", "_free", "_owned"})

    def test_clone_is_independent(self):
        self.cfg.x224_timeout_ms = 1234
        self.cfg.set_credentials("u", "p")
        with self.cfg.clone() as copy:
            self.assertEqual(copy.x224_timeout_ms, 1234)
            copy.x224_timeout_ms = 99
            self.assertEqual(self.cfg.x224_timeout_ms, 1234)

    def test_kwargs_and_context_manager(self):
        with rdpneg.Config(protocols="ssl", timeout_ms=700, cookie="probe",
                           warn_days=10, tls_versions=("1.2", "1.2"),
                           ca=_support.TEST_CA_PEM) as c:
            self.assertEqual(c.protocols, ["SSL"])
            self.assertEqual(c.overall_timeout_ms, 2100)
            self.assertEqual(c.warn_days, 10)
            self.assertIn("protocols=SSL", repr(c))
        self.assertTrue(c.closed)
        with self.assertRaises(ValueError):
            c.warn_days = 3
        c.close()  # idempotent
        self.assertIn("closed", repr(c))
        with self.assertRaises(TypeError):
            rdpneg.Config(bogus=1)
        with self.assertRaises(rdpneg.UsageError):
            rdpneg.Config(x224_timeout_ms=0)
        # the aggregate timeout never overrides a specific one
        with rdpneg.Config(x224_timeout_ms=500, timeout_ms=3000) as c:
            self.assertEqual((c.x224_timeout_ms, c.tls_timeout_ms),
                             (500, 3000))


if __name__ == "__main__":
    unittest.main()
