#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""NLA phase against FreeRDP's shadow server (/sec:nla, SAM file) and xrdp.

The NTLM fields are compared with what nmap's rdp-ntlm-info reports for the
same server (when nmap is installed); credentials are checked right, wrong
and unknown; the password is grepped for in everything the probe prints.
Skips when the lab is not up. TAP output."""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import taprunner  # noqa: E402

PROBE = os.environ.get("RDPNEG_PROBE", "build/examples/rdpneg-probe")


def port(name):
    v = os.environ.get(name)
    if not v:
        raise unittest.SkipTest("%s not set (lab not running)" % name)
    return int(v)


def run(args, password=None, env_name="RDPNEG_TEST_PW"):
    env = dict(os.environ)
    if password is not None:
        env[env_name] = password
    return taprunner.run_probe([PROBE, *args], env=env, timeout=60)


def probe_json(target, *args, password=None):
    p = run(["--json", "--timeout", "3000", *args, target], password)
    return p.returncode, json.loads(p.stdout), p


def creds(user, domain=None):
    a = ["--user", user, "--password-env", "RDPNEG_TEST_PW"]
    if domain:
        a += ["--domain", domain]
    return a


class ShadowNla(unittest.TestCase):
    def target(self):
        return "127.0.0.1:%d" % port("LAB_SHADOW_NLA")

    def test_challenge_fields(self):
        rc, j, _ = probe_json(self.target())
        self.assertEqual(j["x224"]["selected"], "HYBRID")
        n = j["nla"]
        self.assertEqual(n["status"], "ok")
        self.assertEqual(n["credssp_version"], 6)
        self.assertEqual(n["auth"], "not_tested")
        ntlm = n["ntlm"]
        self.assertEqual(ntlm["target_name"], "VM")
        self.assertEqual(ntlm["os_version"], "6.1.7601")  # WinPR's value
        self.assertIn("NEGOTIATE_EXTENDED_SESSIONSECURITY", ntlm["flags"])
        self.assertLessEqual(abs(ntlm["clock_skew_s"]), 5)
        phase = [p for p in j["phases"] if p["name"] == "nla"][0]
        self.assertEqual(phase["status"], "ok")
        # raw NTLM by default: FreeRDP 2.x answers in one connection
        self.assertNotIn("spnego_rejected", n)
        self.assertFalse(n["spnego"])
        self.assertEqual(j["plan"]["connections"], 1)
        self.assertEqual([a["purpose"] for a in j["attempts"]], ["primary"])

    def test_spnego_refused_then_raw_ntlm(self):
        # what mstsc sends: FreeRDP 2.x refuses SPNEGO (errorCode 0xC00700EA);
        # the plan retries once with raw NTLM and keeps both connections
        rc, j, _ = probe_json(self.target(), "--spnego")
        self.assertEqual(rc, 0)
        self.assertEqual(j["nla"]["status"], "ok")
        self.assertEqual(j["nla"]["spnego_rejected"]["ntstatus"], "0xc00700ea")
        self.assertEqual([a["purpose"] for a in j["attempts"]],
                         ["primary", "spnego_fallback"])
        self.assertEqual(j["plan"]["top_attempt"], 1)
        first = j["attempts"][0]["nla"]
        self.assertTrue(first["spnego"])
        self.assertEqual(first["error"]["ntstatus"], "0xC00700EA")

    def test_raw_ntlm_option(self):
        rc, j, _ = probe_json(self.target(), "--raw-ntlm")
        self.assertEqual(j["nla"]["status"], "ok")
        self.assertNotIn("spnego_rejected", j["nla"])

    def test_fields_equal_nmap_rdp_ntlm_info(self):
        nmap = shutil.which("nmap")
        if not nmap:
            self.skipTest("nmap not installed")
        out = subprocess.run(
            [nmap, "-n", "-Pn", "-p", str(port("LAB_SHADOW_NLA")), "--script",
             "+rdp-ntlm-info", "127.0.0.1"],
            capture_output=True, text=True, timeout=120).stdout
        facts = dict(re.findall(r"\|_?\s+(\w+):\s*(\S+)", out))
        self.assertIn("Target_Name", facts, out)
        rc, j, _ = probe_json(self.target())
        ntlm = j["nla"]["ntlm"]
        self.assertEqual(ntlm["target_name"], facts["Target_Name"])
        self.assertEqual(ntlm["netbios_domain"], facts["NetBIOS_Domain_Name"])
        self.assertEqual(ntlm["netbios_computer"],
                         facts["NetBIOS_Computer_Name"])
        self.assertEqual(ntlm["dns_domain"], facts["DNS_Domain_Name"])
        self.assertEqual(ntlm["dns_computer"], facts["DNS_Computer_Name"])
        self.assertEqual(ntlm["os_version"], facts["Product_Version"])
        if "DNS_Tree_Name" in facts:
            self.assertEqual(ntlm["dns_tree"], facts["DNS_Tree_Name"])

    def test_right_password(self):
        pw = os.environ.get("LAB_SHADOW_PASSWORD", "LabPass1!")
        for domain in (None, os.environ.get("LAB_SHADOW_DOMAIN", "LAB")):
            rc, j, _ = probe_json(self.target(), *creds("labuser", domain),
                                  password=pw)
            self.assertEqual(j["nla"]["auth"], "success", domain)
            self.assertIsNone(j["nla"]["error"])
            self.assertEqual(rc, 0)

    def test_wrong_password(self):
        rc, j, _ = probe_json(self.target(), *creds("labuser"),
                              password="Wrong-Password-9")
        n = j["nla"]
        self.assertEqual(n["auth"], "failed")
        self.assertEqual(n["status"], "failed")
        phase = [p for p in j["phases"] if p["name"] == "nla"][0]
        self.assertEqual(phase["error"], "RDPNEG_ERR_AUTH_CLOSED")
        self.assertIn("closed", phase["detail"])
        self.assertEqual(rc, 2)

    def test_unknown_user(self):
        rc, j, _ = probe_json(self.target(), *creds("nosuchuser"),
                              password="LabPass1!")
        self.assertEqual(j["nla"]["auth"], "failed")
        phase = [p for p in j["phases"] if p["name"] == "nla"][0]
        self.assertEqual(phase["error"], "RDPNEG_ERR_AUTH_CLOSED")

    def test_password_never_printed(self):
        secret = "S3cret-Probe-Pw-%d" % os.getpid()
        for fmt in (["--json"], []):
            p = run([*fmt, *creds("labuser"), self.target()], secret)
            self.assertNotIn(secret, p.stdout + p.stderr)
        # also in usage errors
        p = run(["--user", "labuser", "--password-env", "RDPNEG_TEST_PW",
                 "--timeout", "bogus", self.target()], secret)
        self.assertNotIn(secret, p.stdout + p.stderr)


class NotTestable(unittest.TestCase):
    def test_xrdp_tls_server(self):
        rc, j, _ = probe_json("127.0.0.1:%d" % port("LAB_XRDP_TLS_VALID"),
                              *creds("labuser"), password="x")
        self.assertEqual(j["x224"]["selected"], "SSL")
        self.assertEqual(j["nla"]["auth"], "not_testable")
        self.assertEqual(j["nla"]["status"], "skipped")

    def test_not_tested_without_credentials(self):
        rc, j, _ = probe_json("127.0.0.1:%d" % port("LAB_SHADOW_NLA"))
        self.assertEqual(j["nla"]["auth"], "not_tested")


if __name__ == "__main__":
    taprunner.main(sys.modules[__name__])
