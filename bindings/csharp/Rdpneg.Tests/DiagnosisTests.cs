// SPDX-License-Identifier: Apache-2.0
using System;
using System.Linq;
using System.Text.Json;
using static Rdpneg.Tests.Support;

namespace Rdpneg.Tests
{
    public class DiagnosisTests
    {
        private static RdpnegSession Refused()
        {
            var s = new RdpnegSession("192.0.2.1");
            s.Start(0);
            s.TcpResult(TcpStatus.Refused, "192.0.2.1", -111, Msec);
            return s;
        }

        [DiagnosisFact]
        public void RefusedPortFinding()
        {
            using var s = Refused();
            var d = s.Diagnose();
            Assert.Equal(Verdict.Failing, d.Verdict);
            Assert.NotEmpty(d.Findings);
            var f = d.Findings[0];
            Assert.Equal("tcp", f.Phase);
            Assert.Equal("failing", f.Severity);
            Assert.Contains(f.Confidence, new[] { "high", "medium", "low" });
            Assert.Contains("192.0.2.1", f.Evidence);
            Assert.Null(d.ReportedVerdict);
            using (var doc = JsonDocument.Parse(d.Json))
                Assert.Equal(f.Cause, doc.RootElement.GetProperty("diagnosis")[0].GetProperty("cause").GetString());
            var r = s.ToReport();
            Assert.Equal(d.Findings.Select(x => x.Cause), r.Diagnosis.Select(x => x.Cause));
            Assert.NotEmpty(r.Diagnosis[0].Remedies);
            Assert.Contains(f.Cause, r.Text);
        }

        [DiagnosisFact]
        public void FindingsNameCatalogueCauses()
        {
            using var srv = new ScriptedServer(XrdpFailure);
            var r = RdpnegProbe.Run("127.0.0.1", srv.Port);
            Assert.NotEmpty(r.Diagnosis);
            if (TaxonomyFactAttribute.Missing() == null)
                foreach (var f in r.Diagnosis)
                    Assert.Equal(f.Cause, RdpnegTaxonomy.Cause(f.Cause).Id);
        }

        [DiagnosisFact]
        public void ReportedCodeCrossCheck()
        {
            using var s = Refused();
            var d = s.Diagnose("0x904/0x7");
            Assert.Contains(d.ReportedVerdict, new[] { "confirmed", "refuted", "server_healthy" });
            s.SetAnalysis(null, "0x904/0x7");
            var rep = s.ToReport().Reported;
            Assert.True(rep.HasValue);
            Assert.Equal(d.ReportedVerdict, rep!.Value.GetProperty("verdict").GetString());
            Assert.Equal("0x904", rep.Value.GetProperty("code").GetString());
        }

        [DiagnosisFact]
        public void BadReportedCodeFailsBeforeProbing()
        {
            var e = Assert.Throws<RdpnegUsageException>(() => RdpnegProbe.Run("127.0.0.1", FreePort(), reported: "not a code!"));
            Assert.Equal(RdpnegError.InvalidArgument, e.Error);
            using var s = Refused();
            Assert.Throws<RdpnegUsageException>(() => s.Diagnose("not a code!"));
        }

        [DiagnosisFact(NeedTaxonomy = true)]
        public async System.Threading.Tasks.Task VendorOverridesReachTheReport()
        {
            string cause;
            using (var s = Refused())
                cause = s.Diagnose().Findings[0].Cause;
            using var t = new RdpnegTaxonomy();
            t.LoadOverridesFromString("{\"causes\": {\"" + cause + "\": {\"remedies\": [\"Call the ACME desk\"]}}}", "acme.json");
            var r = RdpnegProbe.Run("127.0.0.1", FreePort(), taxonomy: t);
            Assert.Equal(cause, r.Diagnosis[0].Cause);
            Assert.Equal(new[] { "Call the ACME desk" }, r.Diagnosis[0].Remedies);
            var m = await RdpnegSocketDriver.ProbeAsync("127.0.0.1", FreePort(), null, null, t);
            Assert.Equal(new[] { "Call the ACME desk" }, m.Diagnosis[0].Remedies);
        }

        [LabFact("LAB_XRDP_TLS_EXPIRED", "LAB_CA", NeedDiagnosis = true)]
        public void LabExpiredCertificateDiagnosed()
        {
            using var cfg = new RdpnegConfig();
            cfg.SetTimeouts(3000);
            cfg.AddCaFile(Lab.Env!["LAB_CA"]);
            var r = RdpnegProbe.Run(Lab.Host, Lab.Port("LAB_XRDP_TLS_EXPIRED"), cfg);
            Assert.Contains("CERT_EXPIRED", r.Diagnosis.Select(f => f.Cause));
            Assert.Equal("tls", r.Diagnosis[0].Phase);
        }
    }
}
