# SPDX-License-Identifier: Apache-2.0
"""rdpneg.taxonomy over rdpneg_taxonomy.h. Skipped when the loaded library
was built without the taxonomy functions."""

import json
import os
import subprocess
import unittest

import _support
import rdpneg
from rdpneg import Kind, codes
from rdpneg import taxonomy as tx

SKIP = "library lacks the taxonomy API (missing %s)" % ", ".join(
    tx.missing()[:3])


class TaxonomyAbsentTest(unittest.TestCase):
    def test_reports_missing_functions_clearly(self):
        if tx.available():
            self.skipTest("taxonomy API present")
        self.assertTrue(tx.missing())
        with self.assertRaises(NotImplementedError) as cm:
            tx.explain(1)
        self.assertIn("rdpneg_", str(cm.exception))


@unittest.skipUnless(tx.available(), SKIP)
class TaxonomyTest(unittest.TestCase):
    def test_kinds_round_trip(self):
        for k in Kind:
            name = tx.kind_name(k)
            self.assertTrue(name)
            self.assertIs(tx.parse_kind(name), k)
            self.assertTrue(tx.kind_title(k))
        self.assertIs(tx.parse_kind("disc"), Kind.DISCONNECT)
        self.assertIs(tx.parse_kind("NEG-FAILURE"), Kind.NEG_FAILURE)
        with self.assertRaises(rdpneg.UsageError):
            tx.parse_kind("nonsense")

    def test_neg_failure_lookup(self):
        code = tx.lookup("neg_failure", 1)
        self.assertIsNotNone(code)
        self.assertIs(code.kind, Kind.NEG_FAILURE)
        self.assertEqual(code.value, 1)
        self.assertIn("SSL_REQUIRED_BY_SERVER", code.name or code.alt_name)
        self.assertIsNone(tx.lookup("neg_failure", 0xFFFF))
        same = tx.find_code_name(code.name)
        self.assertEqual(same.index, code.index)

    def test_code_rows_are_consistent(self):
        rows = tx.codes()
        self.assertTrue(rows)
        for row in rows[:200]:
            self.assertIsInstance(row.kind, Kind)
            self.assertIn(row.status, ("official", "implementation",
                                       "unofficial"))
            self.assertIn(row.index, [r.index for r in
                                      tx.find_codes(row.kind, row.value)])

    def test_explain(self):
        doc = tx.explain(1, "neg_failure")
        self.assertEqual(doc.get("schema"), "rdpneg.explain/1")
        self.assertGreater(tx.explain_count(1, "neg_failure"), 0)
        self.assertEqual(tx.explain_count(0xDEADBEEF, "neg_failure"), 0)
        text = tx.explain_text(1, "neg_failure")
        self.assertIn("SSL_REQUIRED", text)
        tx.explain(0x904, extended=0x7)

    def test_causes(self):
        all_causes = tx.causes()
        self.assertTrue(all_causes)
        for c in all_causes:
            self.assertEqual(tx.cause(c.id).index, c.index)
            self.assertIn(c.severity, ("failing", "degraded", "info"))
            for e in c.evidence:
                self.assertIn(e.where, ("probe", "server", "client"))
        first = all_causes[0]
        self.assertEqual(first.json()["id"], first.id)
        self.assertIn(first.id, first.text())
        with self.assertRaises(KeyError):
            tx.cause("NO_SUCH_CAUSE_ID")
        self.assertTrue(tx.sources())

    def test_overrides(self):
        cid = tx.causes()[0].id
        with tx.Taxonomy() as t:
            t.load_overrides_bytes(
                '{"version": 1, "causes": {"%s": {"remedies": '
                '["Call the ACME help desk"], "mode": "replace"}}}' % cid,
                "acme.json")
            c = tx.cause(cid, t)
            self.assertEqual([r.text for r in c.remedies],
                             ["Call the ACME help desk"])
            self.assertIn("acme.json", c.remedies[0].source)
            self.assertNotEqual(tx.cause(cid).remedies, c.remedies)
            with self.assertRaises(rdpneg.UsageError) as cm:
                t.load_overrides_bytes(
                    '{"causes": {"NO_SUCH_CAUSE": {"remedies": ["x"]}}}',
                    "bad.json")
            self.assertEqual(cm.exception.code, codes.BAD_FILE)
            self.assertIn("bad.json", str(cm.exception))
            self.assertIn("line", str(cm.exception))
            with self.assertRaises(rdpneg.UsageError):
                t.load_overrides("/nonexistent/overrides.json")
            self.assertEqual(tx.cause(cid, t).remedies, c.remedies)
            self.assertEqual(t.json().get("schema"), "rdpneg.taxonomy/1")


def find_explain():
    """rdpneg-explain: RDPNEG_EXPLAIN, else in the build next to the
    libraries (as test_parity finds rdpneg-probe)."""
    if os.environ.get("RDPNEG_EXPLAIN"):
        return os.environ["RDPNEG_EXPLAIN"]
    dirs = [os.environ.get("RDPNEG_BUILD_DIR", "")]
    dirs += os.environ.get("RDPNEG_LIBRARY_DIR", "").split(os.pathsep)
    dirs.append(os.path.join(_support.REPO, "build"))
    for d in filter(None, dirs):
        for c in (os.path.join(d, "examples", "rdpneg-explain"),
                  os.path.join(d, "..", "examples", "rdpneg-explain")):
            if os.access(c, os.X_OK):
                return os.path.normpath(c)
    return None


EXPLAIN = find_explain()

# (explain() arguments, rdpneg-explain arguments): the same question
SPELLINGS = [
    (("0x904",), {"extended": "0x7"}, ["0x904", "0x7"]),
    (("0x904/0x7",), {}, ["0x904", "0x7"]),
    (("0x904 0x7",), {}, ["0x904", "0x7"]),
    ((0x904,), {"extended": 7}, ["0x904", "0x7"]),
    (("2308",), {"extended": "7"}, ["2308", "7"]),
    (("errinfo:0x7",), {}, ["--kind", "errinfo", "0x7"]),
    (("0x7",), {"kind": "errinfo"}, ["--kind", "errinfo", "0x7"]),
    (("ssl_err:0x1B07",), {}, ["--kind", "ssl_err", "0x1B07"]),
    (("ntstatus:0xC000006D",), {}, ["--kind", "ntstatus", "0xC000006D"]),
    (("C000006D",), {}, ["C000006D"]),
    (("-1073741715",), {}, ["-1073741715"]),
    (("SSL_ERR_CERT_EXPIRED",), {}, ["SSL_ERR_CERT_EXPIRED"]),
    (("5",), {}, ["5"]),
    (("neg_failure:5",), {}, ["--kind", "neg_failure", "5"]),
]


@unittest.skipUnless(tx.available(), SKIP)
class ExplainSpellingTest(unittest.TestCase):
    def test_spellings_parse(self):
        spec = tx.parse_code("0x904/0x7")
        self.assertEqual((spec.kind, spec.value, spec.extended),
                         (Kind.AUTO, 0x904, 7))
        self.assertEqual(tx.parse_code("0x904", extended="0x7"), spec)
        self.assertEqual(tx.parse_code(2308, extended=7), spec)
        self.assertEqual(tx.parse_code("errinfo:0x7"),
                         tx.CodeSpec(Kind.ERRINFO, 7, None))
        self.assertEqual(tx.parse_code("C000006D").value, 0xC000006D)
        self.assertEqual(tx.parse_code("-1073741715").value, 0xC000006D)
        self.assertEqual(tx.parse_code(-1073741715).value, 0xC000006D)
        named = tx.parse_code("SSL_ERR_CERT_EXPIRED")
        self.assertEqual(named.kind, Kind.SSL_ERR)
        self.assertEqual(tx.parse_code("SSL_ERR_CERT_EXPIRED",
                                       kind="auto").kind, Kind.SSL_ERR)

    def test_same_as_rdpneg_explain(self):
        if not EXPLAIN:
            self.skipTest("rdpneg-explain not found (set RDPNEG_EXPLAIN)")
        for args, kw, cli in SPELLINGS:
            with self.subTest(args=args, kw=kw):
                p = subprocess.run([EXPLAIN, "--json"] + cli,
                                   capture_output=True, text=True,
                                   timeout=30)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(tx.explain(*args, **kw),
                                 json.loads(p.stdout))
                text = subprocess.run([EXPLAIN] + cli, capture_output=True,
                                      text=True, timeout=30).stdout
                # the tool puts its three-line summary (Means/Not/Next)
                # above the explanation the library renders
                lines = text.split("\n")
                self.assertTrue(lines[0].startswith("Means:"), lines[0])
                self.assertTrue(lines[1].startswith("Not:"), lines[1])
                self.assertTrue(lines[2].startswith("Next:"), lines[2])
                self.assertEqual(lines[3], "")
                self.assertEqual(tx.explain_text(*args, **kw),
                                 "\n".join(lines[4:]))

    def test_bad_spellings_raise_usage_errors(self):
        bad = ["", "0x", "0x90G", "12abz", "-0x10", "-C000006D",
               "0x1FFFFFFFF", "NO_SUCH_CODE_NAME", "nokind:0x7", "1/2/3",
               "0x904/", "errinfo:"]
        for text in bad:
            with self.subTest(text=text):
                with self.assertRaises(rdpneg.UsageError) as cm:
                    tx.explain(text)
                self.assertIsInstance(cm.exception, ValueError)
                self.assertEqual(cm.exception.code, codes.INVALID_ARGUMENT)
        with self.assertRaises(rdpneg.UsageError) as cm:
            tx.explain("0x904", extended="0xZZ")
        self.assertIn("0xZZ", str(cm.exception))
        with self.assertRaises(rdpneg.UsageError):
            tx.explain(1 << 33)

    def test_contradictions_are_refused(self):
        with self.assertRaises(rdpneg.UsageError) as cm:
            tx.explain("errinfo:0x7", kind="ssl_err")
        self.assertIn("errinfo", str(cm.exception))
        with self.assertRaises(rdpneg.UsageError):
            tx.explain("0x904/0x7", extended="0x8")
        # the same kind twice is fine
        self.assertEqual(tx.explain("errinfo:0x7", kind="errinfo"),
                         tx.explain(7, kind=Kind.ERRINFO))

    def test_type_errors(self):
        with self.assertRaises(TypeError):
            tx.explain(True)
        with self.assertRaises(TypeError):
            tx.explain(1.5)


if __name__ == "__main__":
    unittest.main()
