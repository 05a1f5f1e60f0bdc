# SPDX-License-Identifier: Apache-2.0
"""Driver parity on the lab: the same probe through rdpneg.probe (the libuv
driver in C), rdpneg.aio.probe (the asyncio plan driver in Python) and the
CLI (rdpneg-probe --json) gives the same rdpneg.probe/1 document, field by
field, timings aside. Skipped when the lab is not up (RDPNEG_LAB_ENV or
<repo>/test/lab/run/env); the CLI is RDPNEG_PROBE, else found in the build
(RDPNEG_BUILD_DIR, RDPNEG_LIBRARY_DIR, <repo>/build)."""

import asyncio
import json
import os
import re
import subprocess
import sys
import unittest

import _support
from _support import LAB, LAB_SKIP
import rdpneg
import rdpneg.aio

# Fields that vary from run to run (times), dropped before comparing; times
# inside sentences ("after 1002 ms") become "# ms".
VOLATILE = {"ms", "total_ms", "start_ms", "t_ms", "messages", "messages_dropped", "server_time", "clock_skew_s", "library"}
# bytes_received counts every byte fed, including what arrived in the same
# read after the answer that ended the session (FreeRDP sends an encrypted
# close_notify, 23 bytes, right after refusing SPNEGO): whether it came in
# that read is timing, in every driver alike.
TRAILING_BYTES = 64
SERVER_TIMEOUT_MS = 2000   # per phase (overall 3x), servers that answer
SILENT_TIMEOUT_MS = 1000   # per phase, the silent listener


def scrub(x):
    if isinstance(x, dict):
        return {k: scrub(v) for k, v in x.items() if k not in VOLATILE}
    if isinstance(x, list):
        return [scrub(v) for v in x]
    if isinstance(x, str):
        return re.sub(r"\d+(\.\d+)? ms", "# ms", x)
    return x


def _remap(x, perm):
    if isinstance(x, dict):
        return {k: (perm[v] if k in ("attempt", "top_attempt") and
                    isinstance(v, int) and 0 <= v < len(perm)
                    else _remap(v, perm))
                for k, v in x.items()}
    if isinstance(x, list):
        return [_remap(v, perm) for v in x]
    return x


def _received(x):
    """x224.received_hex previews the first bytes received: the confirm
    and, when they came in the same read, the start of the ServerHello,
    whose random differs on every connection. Keep the confirm."""
    if isinstance(x, dict):
        x = {k: _received(v) for k, v in x.items()}
        conf, rec = x.get("confirm_hex"), x.get("received_hex")
        if isinstance(conf, str) and isinstance(rec, str) and \
                rec.startswith(conf):
            x["received_hex"] = conf + "..."
        return x
    if isinstance(x, list):
        return [_received(v) for v in x]
    return x


def canonical(doc):
    """|doc| scrubbed, with parallel attempts in one order: attempts[] is
    in the order the connections ended, which differs from run to run when
    several run at once (tls_versions); sort them by what they were, and
    renumber the references to them."""
    doc = _received(scrub(doc))
    atts = doc.get("attempts") or []
    order = sorted(range(len(atts)), key=lambda i: (
        i != 0, json.dumps(atts[i], sort_keys=True)))
    perm = [0] * len(order)
    for new, old in enumerate(order):
        perm[old] = new
    doc = _remap(doc, perm)
    if atts:
        doc["attempts"] = [doc["attempts"][i] for i in order]
    return doc


def diff(a, b, path="", out=None):
    out = [] if out is None else out
    if type(a) is not type(b):
        out.append("%s: %r != %r" % (path, a, b))
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s.%s: only in %s" % (path, k,
                                                  "B" if k in b else "A"))
            else:
                diff(a[k], b[k], path + "." + k, out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append("%s: %d items != %d" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, "%s[%d]" % (path, i), out)
    elif path.endswith(".bytes_received") and isinstance(a, int) and \
            abs(a - b) <= TRAILING_BYTES:
        pass
    elif a != b:
        out.append("%s: %r != %r" % (path, a, b))
    return out


def find_cli():
    cand = []
    if os.environ.get("RDPNEG_PROBE"):
        return os.environ["RDPNEG_PROBE"]
    dirs = [os.environ.get("RDPNEG_BUILD_DIR", "")]
    dirs += os.environ.get("RDPNEG_LIBRARY_DIR", "").split(os.pathsep)
    dirs.append(os.path.join(_support.REPO, "build"))
    for d in filter(None, dirs):
        cand += [os.path.join(d, "examples", "rdpneg-probe"),
                 os.path.join(d, "..", "examples", "rdpneg-probe")]
    for c in cand:
        if os.access(c, os.X_OK):
            return os.path.normpath(c)
    return None


CLI = find_cli()
BAD_PASSWORD = "Wrong-Password-1"


def cases():
    """(name, lab port key, options) of the matrix."""
    yield "xrdp tls-valid", "LAB_XRDP_TLS_VALID", {}
    yield "xrdp tls-expired", "LAB_XRDP_TLS_EXPIRED", {}
    yield "xrdp tls-nocert", "LAB_XRDP_TLS_NOCERT", {}
    yield "xrdp tls-tls13only", "LAB_XRDP_TLS_TLS13ONLY", {}
    yield "xrdp neg-valid", "LAB_XRDP_NEG_VALID", {}
    yield "xrdp rdp", "LAB_XRDP_RDP", {}
    yield "shadow nla", "LAB_SHADOW_NLA", {}
    yield "shadow nla right credentials", "LAB_SHADOW_NLA", {"creds": "good"}
    yield "shadow nla wrong credentials", "LAB_SHADOW_NLA", {"creds": "bad"}
    yield "shadow nla spnego as mstsc", "LAB_SHADOW_NLA", {"spnego": True}
    yield "shadow tls", "LAB_SHADOW_TLS", {}
    yield "shadow rdp", "LAB_SHADOW_RDP", {}
    yield "closed port", "LAB_CLOSED_PORT", {}
    yield "silent listener", "LAB_RESP_SILENT", {}
    yield "xrdp tls-valid tls_versions", "LAB_XRDP_TLS_VALID", \
        {"tls_versions": True}
    yield "shadow tls tls_versions", "LAB_SHADOW_TLS", {"tls_versions": True}


@unittest.skipIf(LAB is None, LAB_SKIP)
class ParityTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.host = LAB.get("LAB_HOST", "127.0.0.1")
        self.user = LAB.get("LAB_SHADOW_USER", "labuser")
        self.domain = LAB.get("LAB_SHADOW_DOMAIN", "LAB")
        self.password = LAB.get("LAB_SHADOW_PASSWORD", "")

    def timeout(self, key):
        return SILENT_TIMEOUT_MS if key == "LAB_RESP_SILENT" \
            else SERVER_TIMEOUT_MS

    def config(self, key, opts):
        cfg = rdpneg.Config(timeout_ms=self.timeout(key),
                            ca_file=LAB["LAB_CA"])
        if opts.get("spnego"):
            cfg.spnego = True
        if opts.get("creds") == "good":
            cfg.set_credentials(self.user, self.password, self.domain)
        elif opts.get("creds") == "bad":
            cfg.set_credentials(self.user, BAD_PASSWORD, self.domain)
        return cfg

    def cli(self, port, key, opts):
        args = [CLI, "--json", "--timeout", str(self.timeout(key)),
                "--ca-file", LAB["LAB_CA"]]
        env = dict(os.environ)
        if opts.get("tls_versions"):
            args.append("--tls-versions")
        if opts.get("spnego"):
            args.append("--spnego")
        if opts.get("creds"):
            env["RDPNEG_PARITY_PW"] = self.password \
                if opts["creds"] == "good" else BAD_PASSWORD
            args += ["--user", self.user, "--domain", self.domain,
                     "--password-env", "RDPNEG_PARITY_PW"]
        args.append("%s:%d" % (self.host, port))
        p = subprocess.run(args, capture_output=True, text=True, env=env,
                           timeout=60)
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            self.fail("rdpneg-probe printed no JSON (exit %d): %s" %
                      (p.returncode, p.stderr[:300]))
        return doc, p.returncode

    def run_case(self, key, opts):
        port = _support.lab_port(key)
        if port is None:
            self.skipTest("%s not in the lab env" % key)
        tv = bool(opts.get("tls_versions"))
        with self.config(key, opts) as cfg:
            uv = rdpneg.probe(self.host, port, cfg, tls_versions=tv)
            aio = asyncio.run(rdpneg.aio.probe(self.host, port, cfg,
                                               tls_versions=tv))
        docs = {"rdpneg.probe": uv.json, "rdpneg.aio.probe": aio.json}
        if CLI:
            docs["rdpneg-probe"], code = self.cli(port, key, opts)
            self.assertEqual(code, uv.exit_code, "CLI exit code")
        return uv, aio, docs

    def check_parity(self, docs):
        names = list(docs)
        ref = canonical(docs[names[0]])
        problems = []
        for other in names[1:]:
            d = diff(ref, canonical(docs[other]))
            if d:
                problems.append("%s vs %s:\n  %s" % (
                    names[0], other, "\n  ".join(d[:20])))
        return problems

    def test_matrix(self):
        if not CLI:
            self.skipTest("rdpneg-probe not found (set RDPNEG_PROBE)")
        seen = 0
        for name, key, opts in cases():
            with self.subTest(case=name):
                try:
                    uv, aio, docs = self.run_case(key, opts)
                except unittest.SkipTest:
                    continue
                problems = self.check_parity(docs)
                if problems:
                    # one repeat: a lab server slowed down by the machine's
                    # load can cross a timeout in one run only
                    sys.stderr.write("parity: %s repeated after: %s\n" % (
                        name, problems[0][:300]))
                    uv, aio, docs = self.run_case(key, opts)
                    problems = self.check_parity(docs)
                self.assertEqual(problems, [], name)
                self.assertEqual(len(docs), 3)
                self.check_expected(name, uv)
                seen += 1
        self.assertGreaterEqual(seen, 14, "most of the matrix ran")

    def check_expected(self, name, rep):
        """What each case must show (the same for all drivers, by parity)."""
        V, conns = rdpneg.Verdict, rep.plan["connections"]
        if name == "shadow nla":
            # healthy, raw NTLM, one connection (no SPNEGO retry)
            self.assertEqual(rep.verdict, V.HEALTHY, rep.text())
            self.assertEqual(conns, 1)
            self.assertIsNotNone(rep.json["nla"]["ntlm"])
        elif name == "shadow nla right credentials":
            self.assertEqual(rep.json["nla"]["auth"], "success")
            self.assertEqual(rep.verdict, V.HEALTHY, rep.text())
            self.assertEqual(conns, 1)
        elif name == "shadow nla wrong credentials":
            self.assertEqual(rep.json["nla"]["auth"], "failed")
            self.assertEqual(rep.verdict, V.FAILING)
            self.assertEqual(conns, 1)
        elif name == "shadow nla spnego as mstsc":
            # FreeRDP refuses SPNEGO; the plan retries raw NTLM once
            self.assertEqual(conns, 2)
            self.assertEqual([a.purpose for a in rep.attempts][0], "primary")
            self.assertEqual(rep.verdict, V.HEALTHY, rep.text())
        elif name == "closed port":
            self.assertEqual(rep.tcp_status, rdpneg.TcpStatus.REFUSED)
        elif name == "silent listener":
            self.assertEqual(rep.x224_status, rdpneg.X224Status.TIMEOUT)
        elif name.endswith("tls_versions"):
            self.assertIn("versions", rep.json["tls"])
            self.assertGreaterEqual(conns, 2)
        elif name == "xrdp tls-tls13only":
            self.assertIn("TLS1_3_REQUIRED", [f.cause for f in rep.diagnosis])
        else:
            self.assertEqual(conns, 1)


class ParityHelpersTest(unittest.TestCase):
    """The comparison itself (no lab)."""

    def test_scrub_and_canonical_order(self):
        a = {"total_ms": 3.0, "detail": "no answer in 1002 ms",
             "tls": {"versions": {"TLSv1.0": {"attempt": 1},
                                  "TLSv1.1": {"attempt": 2}}},
             "plan": {"top_attempt": 0},
             "attempts": [{"purpose": "primary", "ms": 1},
                          {"purpose": "tls_version", "tls_offered": "1.1"},
                          {"purpose": "tls_version", "tls_offered": "1.0"}]}
        b = json.loads(json.dumps(a))
        b["attempts"][1], b["attempts"][2] = a["attempts"][2], \
            a["attempts"][1]
        b["tls"]["versions"]["TLSv1.0"]["attempt"] = 2
        b["tls"]["versions"]["TLSv1.1"]["attempt"] = 1
        b["detail"] = "no answer in 1000.5 ms"
        self.assertEqual(diff(canonical(a), canonical(b)), [])
        b["tls"]["versions"]["TLSv1.1"]["attempt"] = 2
        self.assertNotEqual(diff(canonical(a), canonical(b)), [])
        self.assertEqual(diff({"x": 1}, {"x": 1, "y": 2}), [".y: only in B"])


if __name__ == "__main__":
    unittest.main()
