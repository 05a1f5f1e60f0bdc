// SPDX-License-Identifier: Apache-2.0
using System;
using System.IO;
using System.Text;

namespace Rdpneg.Tests
{
    public class ConfigTests
    {
        private static RdpnegUsageException Usage(Action a, RdpnegError code = RdpnegError.InvalidArgument)
        {
            var e = Assert.Throws<RdpnegUsageException>(a);
            Assert.Equal(code, e.Error);
            return e;
        }

        [Fact]
        public void Defaults()
        {
            using var c = new RdpnegConfig();
            Assert.Equal(Protocol.Ssl | Protocol.Hybrid | Protocol.HybridEx, c.RequestedProtocols);
            Assert.Equal(new[] { "SSL", "HYBRID", "HYBRID_EX" }, c.Protocols);
            Assert.True(c.SendNegReq);
            Assert.Equal((NegReqFlags)0, c.NegReqFlags);
            Assert.Equal(5000, c.ConnectTimeoutMs);
            Assert.Equal(5000, c.X224TimeoutMs);
            Assert.Equal(5000, c.TlsTimeoutMs);
            Assert.Equal(5000, c.NlaTimeoutMs);
            Assert.Equal(15000, c.OverallTimeoutMs);
            Assert.True(c.DoTls);
            Assert.True(c.DoNla);
            Assert.Equal(TlsVersion.Tls10, c.TlsMin);
            Assert.Equal(TlsVersion.Tls12, c.TlsMax);
            Assert.Equal(30, c.WarnDays);
            Assert.Equal(0, c.NowUnix);
            Assert.False(c.Spnego); // raw NTLM: one connection against Windows and FreeRDP
            Assert.False(c.ProbeTlsVersions);
            Assert.Equal(65536, c.MaxBuffered);
            c.ProbeTlsVersions = true;
            Assert.Equal(1, c.GetInt(RdpnegOption.TlsVersions));
            using var copy = c.Clone();
            Assert.True(copy.ProbeTlsVersions);
        }

        [Fact]
        public void ProtocolsByName()
        {
            using var c = new RdpnegConfig();
            c.SetProtocols("ssl");
            Assert.Equal(Protocol.Ssl, c.RequestedProtocols);
            c.SetProtocols("SSL", "hybrid_ex");
            Assert.Equal(new[] { "SSL", "HYBRID_EX" }, c.Protocols);
            c.SetProtocols("ssl,hybrid");
            Assert.Equal(Protocol.Ssl | Protocol.Hybrid, c.RequestedProtocols);
            c.SetProtocols("rdp");
            Assert.Equal(Protocol.Rdp, c.RequestedProtocols);
            Assert.Empty(c.Protocols);
            c.SetProtocols("none");
            Assert.False(c.SendNegReq);
            Assert.Equal(new[] { "NONE" }, c.Protocols);
            c.SetProtocols(Protocol.Ssl | Protocol.Rdstls);
            Assert.True(c.SendNegReq);
            Assert.Equal(new[] { "SSL", "RDSTLS" }, c.Protocols);
        }

        [Fact]
        public void UnknownProtocolIsUsageError()
        {
            using var c = new RdpnegConfig();
            var before = c.RequestedProtocols;
            Usage(() => c.SetProtocols("ssl,telnet"));
            Usage(() => c.SetProtocols(""));
            Assert.Equal(before, c.RequestedProtocols);
            Usage(() => c.RequestedProtocols = (Protocol)0x20);
        }

        [Fact]
        public void Timeouts()
        {
            using var c = new RdpnegConfig();
            c.SetTimeouts(1200);
            Assert.Equal(new[] { 1200, 1200, 1200, 1200, 3600 },
                         new[] { c.ConnectTimeoutMs, c.X224TimeoutMs, c.TlsTimeoutMs, c.NlaTimeoutMs, c.OverallTimeoutMs });
            c.X224TimeoutMs = 300;
            foreach (int bad in new[] { 0, -5, 600001 })
            {
                Usage(() => c.X224TimeoutMs = bad);
                Usage(() => c.SetTimeouts(bad));
            }
            Assert.Equal(300, c.X224TimeoutMs);
            Usage(() => c.OverallTimeoutMs = 3600001);
        }

        [Fact]
        public void TlsVersions()
        {
            using var c = new RdpnegConfig();
            c.SetTlsVersions(TlsVersion.Tls12, TlsVersion.Tls12);
            Assert.Equal(TlsVersion.Tls12, c.TlsMin);
            c.SetTlsVersions(TlsVersion.Tls10, TlsVersion.Tls11);
            Assert.Equal((TlsVersion.Tls10, TlsVersion.Tls11), (c.TlsMin, c.TlsMax));
            Usage(() => c.SetTlsVersions(TlsVersion.Tls12, TlsVersion.Tls10));
            Usage(() => c.TlsMin = (TlsVersion)4);
            Usage(() => c.TlsMax = (TlsVersion)0);
        }

        [Fact]
        public void FlagsAndMisc()
        {
            using var c = new RdpnegConfig();
            c.DoNla = false;
            Assert.False(c.DoNla);
            c.WarnDays = 0;
            Usage(() => c.WarnDays = -1);
            Usage(() => c.WarnDays = 36501);
            c.NowUnix = 1767225600;
            Assert.Equal(1767225600, c.NowUnix);
            Usage(() => c.NowUnix = -1);
            Usage(() => c.MaxBuffered = 1023);
            c.NegReqFlags = NegReqFlags.RestrictedAdminModeRequired;
            Assert.Equal(NegReqFlags.RestrictedAdminModeRequired, c.NegReqFlags);
            Usage(() => c.SetInt((RdpnegOption)99, 1));
            Usage(() => c.GetInt(0));
        }

        [Fact]
        public void RejectCert()
        {
            using var c = new RdpnegConfig();
            Assert.Equal((CertReject)0, c.RejectCert);
            c.RejectCert = CertReject.Expired | CertReject.Name;
            Assert.Equal(CertReject.Expired | CertReject.Name, c.RejectCert);
            Usage(() => c.RejectCert = (CertReject)0x40);
        }

        [Fact]
        public void Strings()
        {
            using var c = new RdpnegConfig();
            c.SetCookie("probe");
            c.SetCookie(null);
            c.SetSni("rdp.example.com");
            c.SetRoutingToken("tsv://MS Terminal Services Plugin.1.Sessions");
            Usage(() => c.SetCookie("a\r\nb"));
            Usage(() => c.SetCookie(new string('x', 256)));
            Usage(() => c.SetCookie(""));
            Usage(() => c.SetSni("a\0b"));
            c.SetCookie(new string('x', 255));
        }

        [Fact]
        public void CorrelationId()
        {
            using var c = new RdpnegConfig();
            var ok = new byte[16];
            for (int i = 0; i < 16; i++)
                ok[i] = (byte)(0x20 + i);
            c.SetCorrelationId(ok);
            c.SetCorrelationId(null);
            Usage(() => c.SetCorrelationId(new byte[16]));
            var f4 = (byte[])ok.Clone();
            f4[0] = 0xF4;
            Usage(() => c.SetCorrelationId(f4));
            var cr = (byte[])ok.Clone();
            cr[5] = 0x0D;
            Usage(() => c.SetCorrelationId(cr));
            Usage(() => c.SetCorrelationId(new byte[15]));
        }

        [Fact]
        public void TrustAnchors()
        {
            using var c = new RdpnegConfig();
            c.AddCa(Encoding.ASCII.GetBytes(Support.TestCaPem));
            Usage(() => c.AddCa(Encoding.ASCII.GetBytes("not a certificate")), RdpnegError.BadFile);
            Usage(() => c.AddCa(Array.Empty<byte>()));
            string dir = Path.Combine(Path.GetTempPath(), "rdpneg-cs-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string good = Path.Combine(dir, "ca.pem");
                File.WriteAllText(good, Support.TestCaPem);
                c.AddCaFile(good);
                var e = Usage(() => c.AddCaFile(Path.Combine(dir, "missing.pem")), RdpnegError.BadFile);
                Assert.Contains("missing.pem", e.Message);
                string bad = Path.Combine(dir, "bad.pem");
                File.WriteAllText(bad, "garbage");
                e = Usage(() => c.AddCaFile(bad), RdpnegError.BadFile);
                Assert.Contains("bad.pem", e.Message);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void Credentials()
        {
            using var c = new RdpnegConfig();
            c.SetCredentials("labuser", "LabPass1!", "LAB");
            char[] pw = "from-a-char-array".ToCharArray();
            c.SetCredentials("user", pw.AsSpan());
            Assert.Equal("from-a-char-array", new string(pw));
            byte[] utf8 = Encoding.UTF8.GetBytes("p\u00e4ss");
            c.SetCredentials("us\u00e9r", utf8, "D\u00d6M");
            Assert.Equal(Encoding.UTF8.GetBytes("p\u00e4ss"), utf8);
            c.ClearCredentials();
            Usage(() => c.SetCredentials("user", "a\0b"));
            Usage(() => c.SetCredentials("user", new byte[] { 0x61, 0, 0x62 }));
            Usage(() => c.SetCredentials("us\0er", "pw"));
            Assert.Throws<ArgumentNullException>(() => c.SetCredentials(null!, "pw"));
            Assert.Throws<ArgumentNullException>(() => c.SetCredentials("user", (string)null!));
            Assert.Throws<ArgumentException>(() => c.SetCredentials("user", "\ud800"));
        }

        [Fact]
        public void CloneIsIndependent()
        {
            using var c = new RdpnegConfig();
            c.X224TimeoutMs = 1234;
            c.SetCredentials("u", "p");
            using var copy = c.Clone();
            Assert.Equal(1234, copy.X224TimeoutMs);
            copy.X224TimeoutMs = 99;
            Assert.Equal(1234, c.X224TimeoutMs);
        }

        [Fact]
        public void DisposedConfigThrows()
        {
            var c = new RdpnegConfig();
            c.Dispose();
            c.Dispose();
            Assert.True(c.IsDisposed);
            Assert.Throws<ObjectDisposedException>(() => c.WarnDays = 1);
            Assert.Contains("disposed", c.ToString());
        }
    }
}
