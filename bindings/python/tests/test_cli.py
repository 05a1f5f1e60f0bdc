# SPDX-License-Identifier: Apache-2.0
"""python -m rdpneg against rdpneg-probe: the same options, the same output
(report text and rdpneg.probe/1 document, timings aside), the same exit
codes (0 healthy, 1 degraded, 2 failing, 3 could not probe or usage). The
CLI is RDPNEG_PROBE, else found in the build; the live cases use the lab
(RDPNEG_LAB_ENV or <repo>/test/lab/run/env) and scripted local servers."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import _support
from _support import LAB, LAB_SKIP
import rdpneg
from test_parity import canonical, diff, find_cli

CLI = find_cli()
NEED_CLI = "rdpneg-probe not found (set RDPNEG_PROBE)"


def env_for(extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [_support.PKG_ROOT] + [p for p in [env.get("PYTHONPATH")] if p])
    env.update(extra or {})
    return env


def py(args, stdin=None, extra_env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "rdpneg"] + list(args),
                          input=stdin, capture_output=True, text=True,
                          env=env_for(extra_env), timeout=timeout)


def c(args, stdin=None, extra_env=None, timeout=120):
    return subprocess.run([CLI] + list(args), input=stdin,
                          capture_output=True, text=True,
                          env=env_for(extra_env), timeout=timeout)


class CliBasicsTest(unittest.TestCase):
    def test_version(self):
        p = py(["--version"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("python -m rdpneg %s "
                                            % rdpneg.__version__), p.stdout)
        self.assertIn("librdpneg %s" % rdpneg.library_version(), p.stdout)

    def test_help(self):
        p = py(["--help"])
        self.assertEqual(p.returncode, 0)
        for opt in ("--json", "--protocols", "--timeout", "--tls-versions",
                    "--user", "--password-env", "--spnego", "--reported",
                    "--evidence", "--version", "--overrides", "--strict",
                    "--ca-file", "--sni", "--no-tls", "--cookie"):
            self.assertIn(opt, p.stdout)

    def test_usage_errors_exit_3_like_rdpneg_probe(self):
        cases = [
            [], ["--bogus", "127.0.0.1"], ["--timeout", "0", "127.0.0.1"],
            ["--timeout", "soon", "127.0.0.1"],
            ["--reported", "0x90G", "127.0.0.1"],
            ["--evidence", "doc.json", "127.0.0.1"],
            ["--user", "u", "127.0.0.1"],
            ["--user", "u", "--password-env", "RDPNEG_TEST_UNSET_VAR",
             "127.0.0.1"],
            ["--protocols", "ssl,warp", "127.0.0.1"],
            ["--warn-days", "-1", "127.0.0.1"],
            ["--cookie", "a\r\nb", "127.0.0.1"],
            ["127.0.0.1:0"], ["127.0.0.1:99999"], ["[::1"],
            ["127.0.0.1", "127.0.0.2"], ["--timeout"],
        ]
        for args in cases:
            with self.subTest(args=args):
                p = py(args)
                self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
                self.assertIn("python -m rdpneg:", p.stderr)
                self.assertEqual(p.stdout, "")
                if CLI:
                    self.assertEqual(c(args).returncode, 3)

    def test_password_never_printed(self):
        p = py(["--user", "u", "--password-env", "RDPNEG_TEST_PW",
                "--protocols", "warp", "127.0.0.1"],
               extra_env={"RDPNEG_TEST_PW": "S3cret-Value"})
        self.assertEqual(p.returncode, 3)
        self.assertNotIn("S3cret-Value", p.stdout + p.stderr)

    def test_parse_target(self):
        from rdpneg.cli import parse_target
        self.assertEqual(parse_target("h"), ("h", 3389))
        self.assertEqual(parse_target("h:3390"), ("h", 3390))
        self.assertEqual(parse_target("[::1]:3390"), ("::1", 3390))
        self.assertEqual(parse_target("[::1]"), ("::1", 3389))
        self.assertEqual(parse_target("fe80::1"), ("fe80::1", 3389))
        for bad in ("", ":3389", "h:", "h:x", "[::1]x", "[]:1", "h:65536"):
            with self.assertRaises(ValueError):
                parse_target(bad)


class _Compare(unittest.TestCase):
    maxDiff = None

    def assert_same_document(self, args, extra_env=None, drivers=("uv",)):
        """Runs both tools with --json |args|; the documents agree and so
        do the exit codes. Returns the document."""
        ref = c(["--json"] + args, extra_env=extra_env)
        self.assertIn(ref.returncode, (0, 1, 2), ref.stderr)
        for driver in drivers:
            with self.subTest(driver=driver):
                got = py(["--json", "--driver", driver] + args,
                         extra_env=extra_env)
                self.assertEqual(got.returncode, ref.returncode, got.stderr)
                d = diff(canonical(json.loads(ref.stdout)),
                         canonical(json.loads(got.stdout)))
                self.assertEqual(d, [], " ".join(args))
        return json.loads(ref.stdout)


@unittest.skipIf(CLI is None, NEED_CLI)
class CliParityTest(_Compare):
    def test_scripted_failure(self):
        with _support.ScriptedServer(_support.XRDP_FAILURE) as srv:
            doc = self.assert_same_document(
                ["--timeout", "2000", "127.0.0.1:%d" % srv.port],
                drivers=("uv", "asyncio"))
        self.assertEqual(doc["verdict"], "failing")

    def test_refused_with_reported_code(self):
        port = _support.free_port()
        doc = self.assert_same_document(
            ["--reported", "0x904/0x7", "--protocols", "ssl",
             "127.0.0.1:%d" % port])
        self.assertEqual(doc["tcp"]["status"], "refused")
        self.assertEqual(doc["reported"]["code"], "0x904")

    def test_evidence_gives_the_same_bytes(self):
        with _support.ScriptedServer(_support.XRDP_FAILURE) as srv:
            saved = c(["--json", "127.0.0.1:%d" % srv.port]).stdout
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "probe.json")
            with open(path, "w", encoding="utf-8") as f:
                f.write(saved)
            for extra in ([], ["--json"], ["--reported", "0x904/0x7"],
                          ["--json", "--reported", "errinfo:0x7"]):
                with self.subTest(extra=extra):
                    ref = c(["--evidence", path] + extra)
                    got = py(["--evidence", path] + extra)
                    self.assertEqual(got.returncode, ref.returncode)
                    self.assertEqual(got.returncode, 2)
                    self.assertEqual(got.stdout, ref.stdout)
            got = py(["--evidence", "-", "--json"], stdin=saved)
            self.assertEqual(got.stdout, c(["--evidence", path,
                                            "--json"]).stdout)
            bad = os.path.join(d, "bad.json")
            with open(bad, "w") as f:
                f.write('{"schema": "rdpneg.probe/1", "phases": 7}')
            self.assertEqual(py(["--evidence", bad]).returncode, 3)
            self.assertEqual(c(["--evidence", bad]).returncode, 3)


@unittest.skipIf(LAB is None, LAB_SKIP)
@unittest.skipIf(CLI is None, NEED_CLI)
class CliLabTest(_Compare):
    """The same comparison against the lab's real servers."""

    def target(self, key):
        port = _support.lab_port(key)
        if port is None:
            self.skipTest("%s not in the lab env" % key)
        return "%s:%d" % (LAB.get("LAB_HOST", "127.0.0.1"), port)

    def test_xrdp_tls_valid_is_healthy(self):
        doc = self.assert_same_document(
            ["--timeout", "3000", "--ca-file", LAB["LAB_CA"], "--sni",
             "localhost", self.target("LAB_XRDP_TLS_VALID")],
            drivers=("uv", "asyncio"))
        self.assertEqual(doc["verdict"], "healthy")

    def test_tls_versions(self):
        doc = self.assert_same_document(
            ["--timeout", "3000", "--tls-versions", "--ca-file",
             LAB["LAB_CA"], self.target("LAB_XRDP_TLS_VALID")])
        self.assertIn("TLSv1.2", doc["tls"]["versions"])

    def test_nla_required_with_protocols_ssl(self):
        doc = self.assert_same_document(
            ["--timeout", "3000", "--protocols", "ssl",
             self.target("LAB_SHADOW_NLA")])
        self.assertEqual(doc["verdict"], "failing")
        self.assertIn("NLA_REQUIRED_BY_SERVER",
                      [f["cause"] for f in doc["diagnosis"]])

    def test_credentials_from_the_environment(self):
        if not LAB.get("LAB_SHADOW_PASSWORD"):
            self.skipTest("no LAB_SHADOW_PASSWORD in the lab env")
        doc = self.assert_same_document(
            ["--timeout", "3000", "--spnego", "--user",
             LAB.get("LAB_SHADOW_USER", "labuser"), "--domain",
             LAB.get("LAB_SHADOW_DOMAIN", "LAB"), "--password-env",
             "RDPNEG_CLI_TEST_PW", self.target("LAB_SHADOW_NLA")],
            extra_env={"RDPNEG_CLI_TEST_PW": LAB["LAB_SHADOW_PASSWORD"]})
        self.assertEqual(doc["nla"]["auth"], "success")

    def test_expired_certificate_strict(self):
        doc = self.assert_same_document(
            ["--timeout", "3000", "--strict", "--ca-file", LAB["LAB_CA"],
             self.target("LAB_XRDP_TLS_EXPIRED")])
        self.assertEqual(doc["verdict"], "failing")


if __name__ == "__main__":
    unittest.main()
