#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Enumeration (rdpneg-probe --enumerate, issue 10 part 1) against the lab's
real xrdp and FreeRDP shadow servers.

For every server: the profile fields it must give (what
../shared/reference/real-peers.md measured for it: the negotiation matrix,
xrdp's legacy confirm followed by a Disconnect Provider Ultimatum, the
Server Security Data), the answers inferred instead of asked, the number of
connections, the findings, and the document read back with --evidence.
Where nmap is installed, its rdp-enum-encryption output is compared with the
profile where nmap is right (it prints SUCCESS for any RDP_NEG_RSP, whatever
protocol was selected, and fails on servers that refuse PROTOCOL_RDP).
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
CA = os.environ.get("LAB_CA", "")

ALL_SETS = ["RDP", "SSL", "HYBRID", "RDSTLS", "HYBRID_EX", "RDSAAD",
            "SSL|HYBRID", "SSL|HYBRID|HYBRID_EX", "legacy"]
# group tests, asked (after ALL_SETS) when the first answer leaves their
# members open: HYBRID|RDSTLS when the server did not take CredSSP (a
# server without NLA refuses it, answering both at once), the rest of
# RDSTLS, HYBRID_EX and RDSAAD when it took it (a server that requires NLA
# refuses it)
GROUPS = ("HYBRID|RDSTLS", "RDSTLS|HYBRID_EX|RDSAAD")


def port(name):
    v = os.environ.get(name)
    if not v:
        raise unittest.SkipTest("%s not set (lab not running)" % name)
    return int(v)


def enumerate_server(p):
    cmd = [PROBE, "--json", "--enumerate", "--timeout", "3000"]
    if CA:
        cmd += ["--ca-file", CA]
    r = taprunner.run_probe(cmd + ["127.0.0.1:%d" % p], timeout=60)
    return r.returncode, r.stdout, json.loads(r.stdout)


# Expected profile per server (real-peers.md §2 and §3 matrices).
SSL_REQ = "SSL_REQUIRED_BY_SERVER"
HYB_REQ = "HYBRID_REQUIRED_BY_SERVER"
NOT_ALLOWED = "SSL_NOT_ALLOWED_BY_SERVER"
TLS12_ONLY = {"TLSv1.0": False, "TLSv1.1": False, "TLSv1.2": True,
              "requires_tls13": False}
XRDP_HIGH = {"encryption_method": "128BIT", "encryption_methods": ["128BIT"],
             "methods_inferred": True, "encryption_level": "HIGH",
             "server_key_bits": 2048, "certificate": "proprietary",
             "server_version": "0x00080004"}
XRDP_FLAGS = ["EXTENDED_CLIENT_DATA_SUPPORTED"]
SHADOW_FLAGS = ["EXTENDED_CLIENT_DATA_SUPPORTED",
                "DYNVC_GFX_PROTOCOL_SUPPORTED"]
LEGACY_FINDINGS = {"NLA_NOT_REQUIRED", "RDP_SECURITY_ACCEPTED",
                   "LEGACY_CLIENT_ACCEPTED"}


def selected(default, **kw):
    """The answer to each of ALL_SETS: |default|, except the sets given as
    keywords ('|' spelt '_or_': SSL_or_HYBRID)."""
    sel = {s: default for s in ALL_SETS}
    for k, v in kw.items():
        s = k.replace("_or_", "|")
        assert s in sel or s in GROUPS, s
        sel[s] = v
    return sel


def policy(nla=False, tls=False):
    """The five profile booleans of a server that requires NLA, requires TLS
    (and not NLA) or accepts Standard RDP Security and legacy clients."""
    return dict(nla_required=nla, nla_supported=nla, tls_required=nla or tls,
                rdp_security_accepted=not (nla or tls),
                legacy_accepted=not (nla or tls))


# xrdp security_layer=tls: TLS or nothing; a legacy request gets a confirm,
# then a Disconnect Provider Ultimatum at MCS
XRDP_TLS = dict(
    policy(tls=True),
    selected=selected(SSL_REQ, SSL="SSL", RDSAAD="malformed",
                      SSL_or_HYBRID="SSL", SSL_or_HYBRID_or_HYBRID_EX="SSL",
                      legacy="RDP", HYBRID_or_RDSTLS=SSL_REQ),
    inferred={"SSL", "HYBRID", "RDSTLS", "HYBRID_EX", "SSL|HYBRID"},
    flags=XRDP_FLAGS, rdp_security=None,
    credssp=None, legacy_mcs="refused")
# xrdp that selects PROTOCOL_RDP whatever is offered
XRDP_RDP_ONLY = dict(
    policy(),
    selected=selected("RDP", RDSAAD="malformed"),
    inferred={"SSL", "HYBRID", "HYBRID_EX", "SSL|HYBRID"}, connections=5,
    flags=XRDP_FLAGS, rdp_security=XRDP_HIGH, tls_versions=None, credssp=None,
    cert=None, legacy_mcs="ok", findings=LEGACY_FINDINGS)
# FreeRDP shadow (one /sec: mode each); legacy clients never reach MCS
SHADOW = dict(flags=SHADOW_FLAGS, rdp_security=None, tls_versions=TLS12_ONLY,
              credssp=None, cert="CN=localhost", legacy_mcs=None)

SERVERS = {
    "LAB_XRDP_TLS_VALID": dict(
        XRDP_TLS, connections=6, tls_versions=TLS12_ONLY, cert="CN=localhost",
        findings={"NLA_NOT_REQUIRED"},
        not_findings={"RDP_SECURITY_ACCEPTED", "LEGACY_CLIENT_ACCEPTED"}),
    # xrdp security_layer=rdp: PROTOCOL_RDP to everything
    "LAB_XRDP_RDP": dict(XRDP_RDP_ONLY, not_findings={"CERT_WEAK_KEY"}),
    # xrdp security_layer=negotiate: SSL when offered, else RDP
    "LAB_XRDP_NEG_VALID": dict(
        XRDP_RDP_ONLY,
        selected=selected("RDP", SSL="SSL", RDSAAD="malformed",
                          SSL_or_HYBRID="SSL",
                          SSL_or_HYBRID_or_HYBRID_EX="SSL",
                          HYBRID_or_RDSTLS="RDP"),
        inferred={"SSL", "HYBRID", "RDSTLS", "SSL|HYBRID"}, connections=7,
        tls_versions=TLS12_ONLY, cert="CN=localhost", not_findings=set()),
    # xrdp negotiate without a certificate: downgrades everything to RDP
    "LAB_XRDP_NEG_NOCERT": dict(XRDP_RDP_ONLY, not_findings=set()),
    # xrdp tls with ssl_protocols=TLSv1.3: every version up to 1.2 refused
    "LAB_XRDP_TLS_TLS13ONLY": dict(
        XRDP_TLS, connections=7,
        tls_versions={"TLSv1.0": False, "TLSv1.1": False, "TLSv1.2": False,
                      "requires_tls13": True},
        cert=None, findings={"TLS1_3_REQUIRED", "NLA_NOT_REQUIRED"},
        not_findings={"LEGACY_CLIENT_ACCEPTED"}),
    # FreeRDP shadow /sec:nla: CredSSP or nothing
    "LAB_SHADOW_NLA": dict(
        SHADOW, **policy(nla=True),
        selected=selected(HYB_REQ, HYBRID="HYBRID", SSL_or_HYBRID="HYBRID",
                          SSL_or_HYBRID_or_HYBRID_EX="HYBRID",
                          RDSTLS_or_HYBRID_EX_or_RDSAAD=HYB_REQ),
        inferred={"SSL", "HYBRID", "SSL|HYBRID", "RDSTLS", "HYBRID_EX",
                  "RDSAAD"}, connections=5, credssp=6,
        findings=set(), not_findings=LEGACY_FINDINGS),
    # FreeRDP shadow /sec:tls
    "LAB_SHADOW_TLS": dict(
        SHADOW, **policy(tls=True),
        selected=selected(SSL_REQ, SSL="SSL", SSL_or_HYBRID="SSL",
                          SSL_or_HYBRID_or_HYBRID_EX="SSL",
                          HYBRID_or_RDSTLS=SSL_REQ),
        inferred={"SSL", "HYBRID", "RDSTLS", "HYBRID_EX", "SSL|HYBRID"},
        connections=6,
        findings={"NLA_NOT_REQUIRED"},
        not_findings={"RDP_SECURITY_ACCEPTED", "LEGACY_CLIENT_ACCEPTED"}),
    # FreeRDP shadow /sec:rdp: Standard RDP Security, and without any
    # encryption (its Server Security Data has method and level NONE)
    "LAB_SHADOW_RDP": dict(
        SHADOW, **policy(),
        selected=selected(NOT_ALLOWED, RDP="RDP", legacy="RDP"),
        inferred={"SSL", "HYBRID", "RDSTLS", "HYBRID_EX", "RDSAAD",
                  "SSL|HYBRID"},
        connections=3,
        rdp_security={"encryption_method": "NONE",
                      "encryption_methods": ["NONE"], "methods_inferred": True,
                      "encryption_level": "NONE", "server_key_bits": None,
                      "certificate": None, "server_version": "0x00080004"},
        tls_versions=None, cert=None, legacy_mcs="ok",
        findings={"TLS_NOT_ALLOWED_BY_SERVER"} | LEGACY_FINDINGS,
        not_findings={"CERT_WEAK_KEY"}),
}


def evidence_of(j, cause):
    """The evidence text of the first finding |cause| of document |j|."""
    return [f["evidence"] for f in j["diagnosis"] if f["cause"] == cause][0]


class Enumerate(unittest.TestCase):
    def check_server(self, env):
        want = SERVERS[env]
        rc, text, j = enumerate_server(port(env))
        pr = j["profile"]
        for k in ("nla_required", "nla_supported", "tls_required",
                  "rdp_security_accepted", "legacy_accepted"):
            self.assertIs(pr[k], want[k], k)
        self.assertEqual(list(pr["selected"]),
                         ALL_SETS + [g for g in GROUPS
                                     if g in want["selected"]])
        self.assertEqual(pr["selected"], want["selected"])
        self.assertEqual(set(pr["inferred"]), want["inferred"])
        # every asked answer names the attempt that asked it, and that
        # attempt's request is the set
        for s, at in pr["attempts"].items():
            self.assertEqual(at is None, s in want["inferred"], s)
            if at is None:
                continue
            x = j["attempts"][at]["x224"]
            if s == "legacy":
                self.assertFalse(x["neg_req"])
            else:
                self.assertEqual("|".join(x["requested"]) or "RDP", s)
        self.assertEqual(pr["connections"], want["connections"])
        self.assertEqual(pr["connections"], len(j["attempts"]))
        self.assertEqual(j["plan"]["connections"], want["connections"])
        self.assertEqual(pr["flags"], want["flags"])
        if want["rdp_security"] is None:
            self.assertIsNone(pr["rdp_security"])
        else:
            rs = dict(pr["rdp_security"])
            rs.pop("attempt")
            self.assertEqual(rs, want["rdp_security"])
        self.assertEqual(pr["tls_versions"], want["tls_versions"])
        self.assertEqual(pr["credssp_version"], want["credssp"])
        if want["cert"]:
            self.assertEqual(pr["certificate"]["subject"], want["cert"])
            self.assertEqual(pr["certificate"]["sha256"],
                             j["attempts"][pr["certificate"]["attempt"]]
                             ["tls"]["certificate"]["sha256"])
        else:
            self.assertIsNone(pr["certificate"])
        legacy = [a for a in j["attempts"] if a["purpose"] == "enum_legacy"]
        self.assertEqual(len(legacy), 1)
        mcs = (legacy[0].get("mcs") or {}).get("status")
        if (os.environ.get("RDPNEG_TARGET_OS") == "windows"
                and want["legacy_mcs"] == "refused" and mcs == "reset"):
            # xrdp sends its Disconnect Provider Ultimatum and resets at
            # once; Windows sockets (and wine) can report the reset before
            # the unread bytes (the platform difference of test_tls.py)
            mcs = "refused"
        self.assertEqual(mcs, want["legacy_mcs"])
        causes = {f["cause"] for f in j["diagnosis"]}
        self.assertTrue(want["findings"] <= causes, causes)
        self.assertFalse(want["not_findings"] & causes, causes)
        # the document read back gives the same document and exit code
        r = subprocess.run([PROBE, "--json", "--evidence", "-"], input=text,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, rc)
        self.assertEqual(json.loads(r.stdout), j)
        return j

    def test_xrdp_tls_valid(self):
        self.check_server("LAB_XRDP_TLS_VALID")

    def test_xrdp_rdp(self):
        j = self.check_server("LAB_XRDP_RDP")
        text = evidence_of(j, "RDP_SECURITY_ACCEPTED")
        self.assertIn("encryption level HIGH", text)
        self.assertIn("2048-bit key", text)

    def test_xrdp_neg_valid(self):
        self.check_server("LAB_XRDP_NEG_VALID")

    def test_xrdp_neg_nocert(self):
        self.check_server("LAB_XRDP_NEG_NOCERT")

    def test_xrdp_tls13only(self):
        self.check_server("LAB_XRDP_TLS_TLS13ONLY")

    def test_shadow_nla(self):
        j = self.check_server("LAB_SHADOW_NLA")
        self.assertEqual(j["verdict"], "healthy")

    def test_shadow_tls(self):
        self.check_server("LAB_SHADOW_TLS")

    def test_shadow_rdp(self):
        j = self.check_server("LAB_SHADOW_RDP")
        text = evidence_of(j, "RDP_SECURITY_ACCEPTED")
        self.assertIn("not encrypted at all", text)

    def version_connections(self, env):
        """The enumeration's TLS version connections, (tls_offered, TLS
        status, version) each, and its tls.versions."""
        _, _, j = enumerate_server(port(env))
        conns = [(i, a["tls_offered"], a["tls"]["status"], a["tls"]["version"])
                 for i, a in enumerate(j["attempts"])
                 if a["purpose"] == "tls_version"]
        return conns, j["tls"]["versions"], j

    def test_tls_version_range(self):
        """One connection offers TLS 1.0-1.1 (its ClientHello is the one of
        1.1 alone): a server that refuses it with an alert refuses 1.0 too,
        inferred from that connection; one that chooses 1.0 refuses 1.1
        (not_selected); one that chooses 1.1 leaves 1.0 to a connection of
        its own."""
        def entry(v):
            return (v["status"], v.get("alert"), v["inferred"], v["attempt"])
        # xrdp (OpenSSL): protocol_version
        conns, v, _ = self.version_connections("LAB_XRDP_TLS_VALID")
        self.assertEqual([c[1:] for c in conns], [("1.0-1.1", "alert", None)])
        at = conns[0][0]
        self.assertEqual(entry(v["TLSv1.1"]), ("alert", 70, False, at))
        self.assertEqual(entry(v["TLSv1.0"]), ("alert", 70, True, at))
        self.assertEqual(entry(v["TLSv1.2"]), ("ok", None, True, None))
        # FreeRDP shadow: internal_error, to each version alone as well
        conns, v, _ = self.version_connections("LAB_SHADOW_TLS")
        self.assertEqual([c[1:] for c in conns], [("1.0-1.1", "alert", None)])
        self.assertEqual(entry(v["TLSv1.0"]), ("alert", 80, True, conns[0][0]))
        # xrdp TLS 1.0 only: the range connection chooses 1.0
        conns, v, _ = self.version_connections("LAB_XRDP_TLS_TLS1ONLY_SEC0")
        self.assertEqual([c[1:] for c in conns],
                         [("1.0-1.1", "ok", "TLSv1.0")])
        at = conns[0][0]
        self.assertEqual(entry(v["TLSv1.0"]), ("ok", None, False, at))
        self.assertEqual(entry(v["TLSv1.1"]), ("not_selected", None, True, at))
        # xrdp TLS 1.0 and 1.1: 1.1 chosen, then 1.0 alone
        conns, v, j = self.version_connections("LAB_XRDP_TLS_TLS10_11_SEC0")
        self.assertEqual([c[1:] for c in conns],
                         [("1.0-1.1", "ok", "TLSv1.1"),
                          ("1.0", "ok", "TLSv1.0")])
        self.assertEqual(entry(v["TLSv1.1"]), ("ok", None, False, conns[0][0]))
        self.assertEqual(entry(v["TLSv1.0"]), ("ok", None, False, conns[1][0]))
        self.assertEqual(entry(v["TLSv1.2"]), ("not_selected", None, True,
                                               None))
        self.assertEqual(j["profile"]["tls_versions"],
                         {"TLSv1.0": True, "TLSv1.1": True, "TLSv1.2": False,
                          "requires_tls13": False})
        self.assertIn("TLS_VERSION_MISMATCH",
                      [f["cause"] for f in j["diagnosis"]])

    def legacy_probe(self, env, *extra):
        cmd = [PROBE, "--json", "--protocols", "none", "--timeout", "3000"]
        r = taprunner.run_probe(cmd + list(extra) +
                                ["127.0.0.1:%d" % port(env)], timeout=60)
        j = json.loads(r.stdout)
        return [(f["cause"], f["confidence"]) for f in j["diagnosis"]], j

    def test_legacy_request_confirm_is_not_proof(self):
        """A plain confirm to a plain request: MS-RDPBCGR's sign of a server
        that accepts legacy clients, but xrdp with security_layer=tls
        confirms and refuses at MCS. Without the MCS step the finding is
        medium; with it, the MCS answer decides."""
        causes, _ = self.legacy_probe("LAB_XRDP_TLS_VALID")
        self.assertEqual(causes[0], ("LEGACY_CLIENT_ACCEPTED", "medium"))
        causes, j = self.legacy_probe("LAB_XRDP_TLS_VALID", "--enumerate")
        self.assertIs(j["profile"]["legacy_accepted"], False)
        self.assertNotIn("LEGACY_CLIENT_ACCEPTED", [c for c, _ in causes])
        # high on the server's Disconnect Provider Ultimatum; medium when the
        # refusal came only as a reset or close (xrdp closes with our unread
        # bytes in its buffer: a RST, and Windows drops the data received
        # before a RST, so there the DPU is sometimes never read)
        mcs = [a["mcs"] for a in j["attempts"] if a.get("mcs")]
        self.assertTrue(mcs and mcs[0]["status"] in ("refused", "reset",
                                                     "closed"), mcs)
        dpu = mcs[0]["status"] == "refused" and \
            mcs[0]["disconnect_reason"] is not None
        self.assertEqual(causes[0], ("TLS_REQUIRED_BY_SERVER",
                                     "high" if dpu else "medium"), mcs[0])
        self.assertEqual(j["verdict"], "failing")
        causes, j = self.legacy_probe("LAB_XRDP_RDP", "--enumerate")
        self.assertIs(j["profile"]["legacy_accepted"], True)
        self.assertIn(("LEGACY_CLIENT_ACCEPTED", "high"), causes)

    def test_text_report(self):
        r = subprocess.run([PROBE, "--enumerate", "--timeout", "3000",
                            "127.0.0.1:%d" % port("LAB_SHADOW_NLA")],
                           capture_output=True, text=True, timeout=60)
        self.assertIn("profile  5 connections", r.stdout)
        self.assertIn("NLA required yes", r.stdout)
        self.assertRegex(r.stdout, r"SSL\|HYBRID +-> HYBRID \(inferred\)")

    def test_nmap_agrees_where_right(self):
        """nmap's rdp-enum-encryption (-d prints its FAILED lines): SUCCESS
        means the server answered RDP_NEG_RSP (any protocol), FAILED (X)
        that it answered failure X; its encryption level and RC4 lines come
        from legacy MCS connections. Servers where the script fails are
        not compared."""
        if not shutil.which("nmap"):
            self.skipTest("nmap not installed")
        names = {"Native RDP": "RDP", "SSL": "SSL",
                 "CredSSP (NLA)": "SSL|HYBRID", "RDSTLS": "RDSTLS",
                 "CredSSP with Early User Auth": "HYBRID_EX"}
        levels = {"None": "NONE", "Low": "LOW",
                  "Client Compatible": "CLIENT_COMPATIBLE", "High": "HIGH",
                  "FIPS Compliant": "FIPS"}
        rc4 = {"40-bit RC4": "40BIT", "56-bit RC4": "56BIT",
               "128-bit RC4": "128BIT", "FIPS 140-1": "FIPS"}
        compared = 0
        for env in sorted(SERVERS):
            p = port(env)
            out = subprocess.run(
                ["nmap", "-n", "-Pn", "-d", "-p", str(p), "--script",
                 "+rdp-enum-encryption", "127.0.0.1"],
                capture_output=True, text=True, timeout=120).stdout
            if "threw an error" in out or "| rdp-enum-encryption:" not in out:
                print("# %s: nmap rdp-enum-encryption failed, not compared" % env)
                continue
            _, _, j = enumerate_server(p)
            pr = j["profile"]
            with self.subTest(server=env):
                lines = 0
                for m in re.finditer(r"\|\s+(.+?): (SUCCESS|FAILED)(?: \((\w+)\))?",
                                     out):
                    name, res, why = m.groups()
                    if name in names:
                        lines += 1
                        ours = pr["selected"][names[name]]
                        if res == "SUCCESS":
                            self.assertIn(ours, ("RDP", "SSL", "HYBRID",
                                                 "RDSTLS", "HYBRID_EX",
                                                 "RDSAAD"), name)
                        else:
                            self.assertEqual(ours, why, name)
                lv = re.search(r"RDP Encryption level: (.+)", out)
                if lv:
                    self.assertEqual(pr["rdp_security"]["encryption_level"],
                                     levels[lv.group(1).strip()])
                for name, mv in rc4.items():
                    if re.search(re.escape(name) + r": SUCCESS", out):
                        self.assertIn(mv,
                                      pr["rdp_security"]["encryption_methods"])
                self.assertEqual(lines, 5, out)
                compared += 1
        print("# compared with nmap on %d servers" % compared)
        self.assertGreater(compared, 0)


if __name__ == "__main__":
    taprunner.main(sys.modules[__name__])
