#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Diagnosis against every real-server scenario of the lab: the probe's
first finding names the right cause ID; a healthy server yields no failing
finding; --reported cross-checks what a user saw. TAP output."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import taprunner  # noqa: E402

PROBE = os.path.abspath(os.environ.get("RDPNEG_PROBE",
                                       "build/examples/rdpneg-probe"))
CERTS = os.environ.get("LAB_CERTS", "")


def port(name):
    v = os.environ.get(name)
    if not v:
        raise unittest.SkipTest("%s not set (lab not running)" % name)
    return int(v)


def probe(target, *args, netns=None, password=None):
    cmd = [PROBE, "--json", "--timeout", "1500", *args, target]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    env = dict(os.environ)
    if password is not None:
        env["RDPNEG_TEST_PW"] = password
    p = taprunner.run_probe(cmd, timeout=60, env=env)
    return p.returncode, json.loads(p.stdout)


def local(env_name):
    return "127.0.0.1:%d" % port(env_name)


def ca():
    return ["--ca-file", os.path.join(CERTS, "ca.crt")]


class FirstFinding(unittest.TestCase):
    def expect(self, target, cause, *args, rc=2, severity="failing", **kw):
        code, j = probe(target, *args, **kw)
        d = j["diagnosis"]
        self.assertTrue(d, "no finding; want %s" % cause)
        self.assertEqual(d[0]["cause"], cause, json.dumps(d, indent=1))
        self.assertEqual(d[0]["severity"], severity)
        self.assertTrue(d[0]["evidence"])
        self.assertTrue(d[0]["remedies"], "cause %s has no remedy" % cause)
        self.assertEqual(code, rc)
        self.assertEqual(j["verdict"], {0: "healthy", 1: "degraded",
                                        2: "failing", 3: "unknown"}[rc])
        return j

    def test_port_closed(self):
        self.expect(local("LAB_CLOSED_PORT"), "PORT_CLOSED")

    def test_dns_failure(self):
        self.expect("no-such-host.invalid:3389", "DNS_FAILURE", rc=3)

    def test_server_silent(self):
        self.expect(local("LAB_RESP_SILENT"), "SERVER_SILENT")

    def test_not_rdp_banner(self):
        j = self.expect(local("LAB_RESP_BANNER"), "NOT_RDP")
        self.assertIn("SSH-2.0", j["diagnosis"][0]["evidence"])

    def test_not_rdp_garbage_tpkt(self):
        self.expect(local("LAB_RESP_GARBAGE_TPKT"), "NOT_RDP")

    def test_connection_closed_after_request(self):
        self.expect(local("LAB_RESP_CLOSE_AFTER_CR"), "CONNECTION_RESET")

    def test_connection_reset_after_request(self):
        self.expect(local("LAB_RESP_RESET_AFTER_CR"), "CONNECTION_RESET")

    def test_reset_during_tls(self):
        j = self.expect(local("LAB_RESP_TLS_RESET"), "CONNECTION_RESET")
        self.assertEqual(j["diagnosis"][0]["phase"], "tls")

    def test_tls_stalled(self):
        self.expect(local("LAB_RESP_TLS_SILENT"), "TLS_STALLED")

    def test_tls_required_rdp_only_request(self):
        self.expect(local("LAB_XRDP_TLS_VALID"), "TLS_REQUIRED_BY_SERVER",
                    "--protocols", "rdp")

    def test_tls_not_allowed_shadow(self):
        # SSL_NOT_ALLOWED_BY_SERVER says what xrdp's PROTOCOL_RDP answer
        # says for the same configuration: degraded in both
        self.expect(local("LAB_SHADOW_RDP"), "TLS_NOT_ALLOWED_BY_SERVER", rc=1,
                    severity="degraded")

    def test_tls_not_allowed_xrdp_silent_downgrade(self):
        self.expect(local("LAB_XRDP_RDP"), "TLS_NOT_ALLOWED_BY_SERVER", rc=1,
                    severity="degraded")
        self.expect(local("LAB_XRDP_NEG_NOCERT"), "TLS_NOT_ALLOWED_BY_SERVER",
                    rc=1, severity="degraded")

    def test_no_server_certificate(self):
        self.expect(local("LAB_XRDP_TLS_NOCERT"), "NO_SERVER_CERTIFICATE")

    def test_nla_required_tls_only_request(self):
        self.expect(local("LAB_SHADOW_NLA"), "NLA_REQUIRED_BY_SERVER",
                    "--protocols", "ssl")

    def test_legacy_request_to_nla_server(self):
        self.expect(local("LAB_SHADOW_NLA"), "NLA_REQUIRED_BY_SERVER",
                    "--protocols", "none")

    def test_legacy_client_accepted(self):
        # a plain confirm to a plain (legacy) request: the server accepts
        # legacy clients, it is not a legacy server
        self.expect(local("LAB_XRDP_TLS_VALID"), "LEGACY_CLIENT_ACCEPTED",
                    "--protocols", "none", rc=1, severity="degraded")

    def test_cert_expired(self):
        self.expect("localhost:%d" % port("LAB_XRDP_TLS_EXPIRED"),
                    "CERT_EXPIRED", *ca())

    def test_cert_expired_shadow(self):
        self.expect(local("LAB_SHADOW_NLA_EXPIRED"), "CERT_EXPIRED", *ca())

    def test_cert_expired_negotiate(self):
        self.expect("localhost:%d" % port("LAB_XRDP_NEG_EXPIRED"),
                    "CERT_EXPIRED", *ca())

    def test_cert_not_yet_valid(self):
        self.expect("localhost:%d" % port("LAB_XRDP_TLS_NOTYET"),
                    "CERT_NOT_YET_VALID", *ca())

    def test_cert_name_mismatch(self):
        self.expect("localhost:%d" % port("LAB_XRDP_TLS_WRONGNAME"),
                    "CERT_NAME_MISMATCH", *ca(), rc=1, severity="degraded")

    def test_cert_untrusted_self_signed(self):
        self.expect("localhost:%d" % port("LAB_XRDP_TLS_SELFSIGNED"),
                    "CERT_UNTRUSTED", *ca(), rc=1, severity="degraded")

    def test_cert_expiring_soon(self):
        self.expect("localhost:%d" % port("LAB_XRDP_TLS_VALID"),
                    "CERT_EXPIRING_SOON", *ca(), "--warn-days", "900", rc=1,
                    severity="degraded")

    def test_tls10_only_alert(self):
        self.expect(local("LAB_XRDP_TLS_TLS1ONLY"), "TLS_VERSION_MISMATCH")

    def test_tls10_only_seclevel0_deprecated(self):
        self.expect(local("LAB_XRDP_TLS_TLS1ONLY_SEC0"),
                    "TLS_VERSION_MISMATCH", rc=1, severity="degraded")

    def test_tls13_only(self):
        self.expect(local("LAB_XRDP_TLS_TLS13ONLY"), "TLS1_3_REQUIRED")

    def test_rsa1024_key_unusable(self):
        if os.environ.get("RDPNEG_TARGET_OS") == "windows":
            # the cleartext TPKT and the reset come at once; Windows sockets
            # (and wine) may report the reset first: the bytes are lost
            code, j = probe(local("LAB_XRDP_NEG_RSA1024"))
            self.assertIn(j["diagnosis"][0]["cause"],
                          ("TLS_SERVER_KEY_UNUSABLE", "CONNECTION_RESET"))
            self.assertEqual(code, 2)
            return
        self.expect(local("LAB_XRDP_NEG_RSA1024"), "TLS_SERVER_KEY_UNUSABLE")

    def test_cert_weak_key(self):
        j = self.expect(local("LAB_XRDP_TLS_RSA1024_SEC0"), "CERT_WEAK_KEY",
                        rc=1, severity="degraded")
        self.assertEqual(j["tls"]["certificate"]["key_bits"], 1024)

    def test_nla_wrong_password(self):
        self.expect(local("LAB_SHADOW_NLA"), "AUTH_REJECTED_NO_REASON",
                    "--user", "labuser", "--password-env", "RDPNEG_TEST_PW",
                    password="not-the-password")

    def test_netns_faults(self):
        if os.environ.get("LAB_NETNS") != "1":
            self.skipTest("network namespaces not available")
        ns, ip = os.environ["LAB_NS_CLIENT"], os.environ["LAB_NS_SERVER_IP"]
        self.expect("%s:%s" % (ip, os.environ["LAB_NS_DROP_PORT"]),
                    "PORT_FILTERED", netns=ns)
        self.expect("%s:%s" % (ip, os.environ["LAB_NS_ICMP_PORT"]),
                    "HOST_UNREACHABLE", netns=ns)
        self.expect("%s:%s" % (ip, os.environ["LAB_NS_RST_PORT"]),
                    "PORT_CLOSED", netns=ns)


class Healthy(unittest.TestCase):
    def no_failing(self, target, *args, **kw):
        code, j = probe(target, *args, **kw)
        failing = [f for f in j["diagnosis"] if f["severity"] == "failing"]
        self.assertEqual(failing, [])
        return code, j

    def test_xrdp_tls_valid(self):
        code, j = self.no_failing("localhost:%d" % port("LAB_XRDP_TLS_VALID"),
                                  *ca())
        self.assertEqual(j["diagnosis"], [])
        self.assertEqual(code, 0)

    def test_xrdp_negotiate(self):
        code, j = self.no_failing(local("LAB_XRDP_NEG_VALID"))
        self.assertEqual(code, 0)

    def test_xrdp_tls12_only(self):
        code, j = self.no_failing("localhost:%d" % port("LAB_XRDP_TLS_TLS12ONLY"),
                                  *ca())
        self.assertEqual(j["diagnosis"], [])
        self.assertEqual(code, 0)

    def test_shadow_nla_and_tls(self):
        self.assertEqual(self.no_failing(local("LAB_SHADOW_NLA"))[0], 0)
        self.assertEqual(self.no_failing(local("LAB_SHADOW_TLS"))[0], 0)

    def test_shadow_nla_right_password(self):
        code, j = self.no_failing(
            local("LAB_SHADOW_NLA"), "--user", "labuser", "--password-env",
            "RDPNEG_TEST_PW",
            password=os.environ.get("LAB_SHADOW_PASSWORD", "LabPass1!"))
        self.assertEqual(j["nla"]["auth"], "success")
        self.assertEqual(code, 0)


class Reported(unittest.TestCase):
    def test_confirmed(self):
        code, j = probe("localhost:%d" % port("LAB_XRDP_TLS_EXPIRED"), *ca(),
                        "--reported", "ssl_err:0x1B07")
        r = j["reported"]
        self.assertEqual(r["verdict"], "confirmed")
        self.assertIn("CERT_EXPIRED", r["matching_causes"])

    def test_server_healthy_lists_client_side(self):
        code, j = probe("localhost:%d" % port("LAB_XRDP_TLS_VALID"), *ca(),
                        "--reported", "0x904/0x7")
        r = j["reported"]
        self.assertEqual(r["verdict"], "server_healthy")
        self.assertEqual(r["code"], "0x904")
        self.assertEqual(r["extended"], "0x7")
        self.assertTrue(r["client_side_candidates"])
        for c in r["client_side_candidates"]:
            self.assertTrue(c["remedies"], c["cause"])

    def test_refuted(self):
        code, j = probe(local("LAB_CLOSED_PORT"), "--reported",
                        "ssl_err:0x1B07")
        self.assertEqual(j["reported"]["verdict"], "refuted")

    def test_bad_reported_is_usage_error(self):
        p = subprocess.run([PROBE, "--reported", "banana", "127.0.0.1:1"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 3)
        self.assertIn("--reported", p.stderr)


class Output(unittest.TestCase):
    """A report that cannot be written is an error (exit 3, said on
    stderr), never a silent verdict; a reader that stops reading is not."""

    def setUp(self):
        # the native probe only: the Windows one runs through a wine
        # wrapper script, where the write errors and SIGPIPE are wine's and
        # the shell's (seen: exit 1 on /dev/full, 141 on a closed pipe)
        with open(PROBE, "rb") as f:
            if f.read(4) != b"\x7fELF":
                self.skipTest("the probe is not a native executable (%s)"
                              % os.path.basename(PROBE))

    def run_to(self, stdout, *args):
        return subprocess.run([PROBE, *args, local("LAB_XRDP_TLS_VALID")],
                              stdout=stdout, stderr=subprocess.PIPE,
                              text=True, timeout=60)

    def test_full_disk_is_an_error(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("needs /dev/full")
        for args in ([], ["--json"]):
            with open("/dev/full", "w") as full:
                p = self.run_to(full, *args)
            self.assertEqual(p.returncode, 3, args)
            self.assertIn("writing the report failed", p.stderr)

    def test_reader_that_leaves_is_not(self):
        r, w = os.pipe()
        os.close(r)  # nobody reads: EPIPE
        with os.fdopen(w, "w") as out:
            p = self.run_to(out, "--json")
        self.assertEqual(p.returncode, 0)
        self.assertNotIn("writing the report failed", p.stderr)


if __name__ == "__main__":
    taprunner.main(sys.modules[__name__])
