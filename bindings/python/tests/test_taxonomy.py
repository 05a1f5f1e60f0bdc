"""rdpneg.taxonomy over rdpneg_taxonomy.h. Skipped when the loaded library
was built without the taxonomy functions."""

import unittest

import _support  # noqa: F401
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


if __name__ == "__main__":
    unittest.main()
