// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;

namespace Rdpneg.Tests
{
    /// <summary>Integration against the real servers of test/lab; every fact
    /// is reported as skipped when test/lab/run/env is absent.</summary>
    public class LabTests
    {
        private static RdpnegConfig Cfg(bool ca = false, string? sni = null)
        {
            var c = new RdpnegConfig();
            c.SetTimeouts(3000);
            if (ca)
                c.AddCaFile(Lab.Env!["LAB_CA"]);
            if (sni != null)
                c.SetSni(sni);
            return c;
        }

        private static void CheckTlsValid(ProbeReport r)
        {
            Assert.Equal(TcpStatus.Ok, r.TcpStatus);
            Assert.Equal(X224Status.Ok, r.X224Status);
            Assert.Equal(Protocol.Ssl, r.SelectedProtocol);
            Assert.Equal(TlsStatus.Ok, r.TlsStatus);
            Assert.Equal(PhaseStatus.Ok, r.GetPhase(Phase.Tls).Status);
            var cert = r.Certificate;
            Assert.True(cert.HasValue, r.Json);
            Assert.Contains("CN=localhost", cert!.Value.GetProperty("subject").GetString());
            Assert.Equal(JsonValueKind.False, cert.Value.GetProperty("expired").ValueKind);
            Assert.Equal(JsonValueKind.True, cert.Value.GetProperty("trusted").ValueKind);
        }

        [LabFact("LAB_XRDP_TLS_VALID", "LAB_CA")]
        public void XrdpTlsValid()
        {
            using var cfg = Cfg(ca: true, sni: "localhost");
            var r = RdpnegProbe.Run(Lab.Host, Lab.Port("LAB_XRDP_TLS_VALID"), cfg);
            CheckTlsValid(r);
            Assert.Equal(JsonValueKind.True, r.Certificate!.Value.GetProperty("hostname_match").ValueKind);
            Assert.Contains(r.Verdict, new[] { Verdict.Healthy, Verdict.Degraded });
        }

        [LabFact("LAB_XRDP_TLS_EXPIRED", "LAB_CA")]
        public void XrdpTlsExpiredWithLabCa()
        {
            using var cfg = Cfg(ca: true);
            var r = RdpnegProbe.Run(Lab.Host, Lab.Port("LAB_XRDP_TLS_EXPIRED"), cfg);
            Assert.Equal(Protocol.Ssl, r.SelectedProtocol);
            var cert = r.Certificate;
            Assert.True(cert.HasValue, r.Json);
            Assert.Equal(JsonValueKind.True, cert!.Value.GetProperty("expired").ValueKind);
            Assert.Equal(JsonValueKind.True, cert.Value.GetProperty("trusted").ValueKind);
            Assert.Equal(Verdict.Failing, r.Verdict);
            Assert.Equal(2, r.ExitCode);
        }

        [LabFact("LAB_CLOSED_PORT")]
        public void ClosedPort()
        {
            using var cfg = Cfg();
            var r = RdpnegProbe.Run(Lab.Host, Lab.Port("LAB_CLOSED_PORT"), cfg);
            Assert.Equal(TcpStatus.Refused, r.TcpStatus);
            Assert.Equal(RdpnegError.ConnectRefused, r.GetPhase(Phase.Tcp).Error);
            Assert.Equal(Verdict.Failing, r.Verdict);
        }

        [LabFact("LAB_RESP_SILENT")]
        public void SilentResponderShortTimeout()
        {
            using var cfg = Cfg();
            cfg.X224TimeoutMs = 500;
            var r = RdpnegProbe.Run(Lab.Host, Lab.Port("LAB_RESP_SILENT"), cfg);
            Assert.Equal(TcpStatus.Ok, r.TcpStatus);
            Assert.Equal(X224Status.Timeout, r.X224Status);
            Assert.Equal(RdpnegError.Timeout, r.GetPhase(Phase.X224).Error);
            Assert.True(r.GetPhase(Phase.X224).Ms < 1500);
        }

        [LabFact("LAB_RESP_BANNER")]
        public void BannerResponderIsNotRdp()
        {
            using var cfg = Cfg();
            Assert.Equal(X224Status.NotRdp, RdpnegProbe.Run(Lab.Host, Lab.Port("LAB_RESP_BANNER"), cfg).X224Status);
        }

        [LabFact("LAB_XRDP_TLS_VALID")]
        public void TlsVersionsAgainstXrdp()
        {
            using var cfg = Cfg();
            cfg.DoNla = false;
            var r = RdpnegProbe.Run(Lab.Host, Lab.Port("LAB_XRDP_TLS_VALID"), cfg, tlsVersions: true);
            Assert.True(r.Root.GetProperty("tls").TryGetProperty("versions", out var v), r.Json);
            Assert.NotEqual(JsonValueKind.Null, v.ValueKind);
        }

        [LabFact("LAB_XRDP_TLS_VALID", "LAB_CA")]
        public async System.Threading.Tasks.Task ManagedDriverAgainstXrdpTlsValid()
        {
            using var cfg = Cfg(ca: true, sni: "localhost");
            var r = await RdpnegSocketDriver.ProbeAsync(Lab.Host, Lab.Port("LAB_XRDP_TLS_VALID"), cfg);
            CheckTlsValid(r);
        }

        [LabFact("LAB_SHADOW_NLA")]
        public void ShadowNlaCredentials()
        {
            int port = Lab.Port("LAB_SHADOW_NLA");
            string user = Lab.Get("LAB_SHADOW_USER", "labuser");
            string domain = Lab.Get("LAB_SHADOW_DOMAIN", "LAB");
            string password = Lab.Get("LAB_SHADOW_PASSWORD", "LabPass1!");
            using (var cfg = Cfg())
            {
                cfg.SetCredentials(user, password, domain);
                var r = RdpnegProbe.Run(Lab.Host, port, cfg);
                Assert.Contains(r.SelectedProtocol, new Protocol?[] { Protocol.Hybrid, Protocol.HybridEx });
                Assert.Equal("success", r.Root.GetProperty("nla").GetProperty("auth").GetString());
                Assert.DoesNotContain(password, r.Json + r.Text);
            }
            using (var cfg = Cfg())
            {
                cfg.SetCredentials(user, "Wrong-Password-1".ToCharArray(), domain);
                var r = RdpnegProbe.Run(Lab.Host, port, cfg);
                Assert.Equal("failed", r.Root.GetProperty("nla").GetProperty("auth").GetString());
                Assert.Equal(Verdict.Failing, r.Verdict);
                Assert.Throws<RdpnegAuthException>(() => r.ThrowIfFailed());
            }
        }
    }
}
