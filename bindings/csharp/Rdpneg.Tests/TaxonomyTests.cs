// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace Rdpneg.Tests
{
    /// <summary>rdpneg_taxonomy.h; skipped when the library lacks it.</summary>
    public class TaxonomyTests
    {
        [Fact]
        public void AbsenceIsReportedClearly()
        {
            if (RdpnegTaxonomy.IsAvailable)
            {
                Assert.Empty(RdpnegTaxonomy.MissingFunctions);
                return;
            }
            var e = Assert.Throws<NotSupportedException>(() => RdpnegTaxonomy.Explain(1));
            Assert.Contains("rdpneg_", e.Message);
        }

        [TaxonomyFact]
        public void KindsRoundTrip()
        {
            foreach (CodeKind k in Enum.GetValues(typeof(CodeKind)))
            {
                string? name = RdpnegTaxonomy.KindName(k);
                Assert.False(string.IsNullOrEmpty(name));
                Assert.Equal(k, RdpnegTaxonomy.ParseKind(name!));
                Assert.False(string.IsNullOrEmpty(RdpnegTaxonomy.KindTitle(k)));
            }
            Assert.Equal(CodeKind.Disconnect, RdpnegTaxonomy.ParseKind("disc"));
            Assert.Equal(CodeKind.NegFailure, RdpnegTaxonomy.ParseKind("NEG-FAILURE"));
            Assert.Throws<RdpnegUsageException>(() => RdpnegTaxonomy.ParseKind("nonsense"));
        }

        [TaxonomyFact]
        public void NegFailureLookup()
        {
            var c = RdpnegTaxonomy.Lookup(CodeKind.NegFailure, 1);
            Assert.NotNull(c);
            Assert.Equal(CodeKind.NegFailure, c!.Kind);
            Assert.Equal(1u, c.Value);
            Assert.Contains("SSL_REQUIRED_BY_SERVER", c.Name ?? c.AltName);
            Assert.Null(RdpnegTaxonomy.Lookup(CodeKind.NegFailure, 0xFFFF));
            Assert.Equal(c.Index, RdpnegTaxonomy.FindCodeName(c.Name!)!.Index);
        }

        [TaxonomyFact]
        public void CodeRowsAreConsistent()
        {
            var rows = RdpnegTaxonomy.Codes();
            Assert.NotEmpty(rows);
            foreach (var row in rows.Take(200))
            {
                Assert.Contains(row.Status, new[] { "official", "implementation", "unofficial" });
                Assert.Contains(row.Index, RdpnegTaxonomy.FindCodes(row.Kind, row.Value).Select(r => r.Index));
            }
        }

        [TaxonomyFact]
        public void Explain()
        {
            using var doc = JsonDocument.Parse(RdpnegTaxonomy.Explain(1, CodeKind.NegFailure));
            Assert.Equal("rdpneg.explain/1", doc.RootElement.GetProperty("schema").GetString());
            Assert.True(RdpnegTaxonomy.ExplainCount(1, CodeKind.NegFailure) > 0);
            Assert.Equal(0, RdpnegTaxonomy.ExplainCount(0xDEADBEEF, CodeKind.NegFailure));
            Assert.Contains("SSL_REQUIRED", RdpnegTaxonomy.ExplainText(1, CodeKind.NegFailure));
            RdpnegTaxonomy.Explain(0x904, CodeKind.Auto, 0x7);
        }

        [TaxonomyFact]
        public void Causes()
        {
            var all = RdpnegTaxonomy.Causes();
            Assert.NotEmpty(all);
            foreach (var c in all)
            {
                Assert.Equal(c.Index, RdpnegTaxonomy.Cause(c.Id).Index);
                Assert.Contains(c.Severity, new[] { "failing", "degraded", "info" });
                foreach (var e in c.Evidence)
                    Assert.Contains(e.Where, new[] { "probe", "server", "client" });
            }
            using (var doc = JsonDocument.Parse(all[0].ToJson()))
                Assert.Equal(all[0].Id, doc.RootElement.GetProperty("id").GetString());
            Assert.Contains(all[0].Id, all[0].ToText());
            Assert.Throws<KeyNotFoundException>(() => RdpnegTaxonomy.Cause("NO_SUCH_CAUSE_ID"));
            Assert.NotEmpty(RdpnegTaxonomy.Sources());
        }

        [TaxonomyFact]
        public void Overrides()
        {
            string id = RdpnegTaxonomy.Causes()[0].Id;
            using var t = new RdpnegTaxonomy();
            t.LoadOverridesFromString("{\"version\": 1, \"causes\": {\"" + id +
                                      "\": {\"remedies\": [\"Call the ACME help desk\"], \"mode\": \"replace\"}}}", "acme.json");
            var c = RdpnegTaxonomy.Cause(id, t);
            Assert.Equal(new[] { "Call the ACME help desk" }, c.Remedies.Select(r => r.Text));
            Assert.Contains("acme.json", c.Remedies[0].Source);
            Assert.NotEqual(RdpnegTaxonomy.Cause(id).Remedies.Select(r => r.Text), c.Remedies.Select(r => r.Text));
            var e = Assert.Throws<RdpnegUsageException>(() =>
                t.LoadOverridesFromString("{\"causes\": {\"NO_SUCH_CAUSE\": {\"remedies\": [\"x\"]}}}", "bad.json"));
            Assert.Equal(RdpnegError.BadFile, e.Error);
            Assert.Contains("bad.json", e.Message);
            Assert.Contains("line", e.Message);
            Assert.Throws<RdpnegUsageException>(() => t.LoadOverrides("/nonexistent/overrides.json"));
            Assert.Equal(c.Remedies.Select(r => r.Text), RdpnegTaxonomy.Cause(id, t).Remedies.Select(r => r.Text));
            using var doc = JsonDocument.Parse(t.ToJson());
            Assert.Equal("rdpneg.taxonomy/1", doc.RootElement.GetProperty("schema").GetString());
        }
    }
}
