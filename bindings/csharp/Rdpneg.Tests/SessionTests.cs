// SPDX-License-Identifier: Apache-2.0
using System;
using System.Linq;
using System.Text;
using static Rdpneg.Tests.Support;

namespace Rdpneg.Tests
{
    /// <summary>The sans-I/O session driven by hand: scripted server bytes,
    /// explicit timestamps, no sockets.</summary>
    public class SessionTests
    {
        private static RdpnegSession Connected(RdpnegConfig? cfg = null)
        {
            var s = new RdpnegSession("server.example", 3389, cfg);
            s.Start(1000 * Msec);
            s.TcpResult(TcpStatus.Ok, "192.0.2.1", 0, 1001 * Msec);
            return s;
        }

        [Fact]
        public void RequestBytes()
        {
            using var cfg = new RdpnegConfig();
            cfg.SetCookie("probe");
            using var s = Connected(cfg);
            byte[] o = s.PendingOutput(1001 * Msec);
            Assert.Equal(3, o[0]);
            Assert.Equal(o.Length, (o[2] << 8) | o[3]);
            Assert.Contains("Cookie: mstshash=probe\r\n", Encoding.ASCII.GetString(o));
            Assert.Equal(Hex("010008000b000000"), o.Skip(o.Length - 8).ToArray());
            Assert.Empty(s.PendingOutput());
            Assert.True(s.WantRead);
            Assert.False(s.Done);
        }

        [Fact]
        public void XrdpFailureConfirm()
        {
            using var s = Connected();
            s.PendingOutput();
            Assert.Equal(19, s.Feed(XrdpFailure, 1010 * Msec));
            Assert.True(s.Done);
            Assert.Equal(X224Status.Failure, s.X224Status);
            Assert.Equal(NegFailure.SslRequiredByServer, s.FailureCode);
            Assert.Equal(1u, (uint)s.FailureCode!.Value);
            Assert.Equal(TlsStatus.Skipped, s.TlsStatus);
            Assert.Equal(Verdict.Failing, s.Verdict);
            Assert.Null(s.SelectedProtocol);
            var r = s.ToReport();
            var x = r.GetPhase(Phase.X224);
            Assert.Equal(PhaseStatus.Failed, x.Status);
            Assert.Equal(RdpnegError.NegSslRequired, x.Error);
            Assert.Equal("RDPNEG_ERR_NEG_SSL_REQUIRED", x.ErrorName);
            Assert.InRange(x.Ms!.Value, 8.999, 9.001);
            Assert.IsType<RdpnegNegotiationException>(x.ToException());
            Assert.Equal(PhaseStatus.Skipped, r.GetPhase(Phase.Nla).Status);
            Assert.Null(r.GetPhase(Phase.Nla).Ms);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("x224", r.FailedPhase!.Name);
            var e = Assert.Throws<RdpnegNegotiationException>(() => r.ThrowIfFailed());
            Assert.Equal(RdpnegError.NegSslRequired, e.Error);
            Assert.Equal("rdpneg.probe/1", r.Root.GetProperty("schema").GetString());
            Assert.Equal("failure", r.Root.GetProperty("x224").GetProperty("status").GetString());
            Assert.Equal(1, r.Root.GetProperty("x224").GetProperty("failure_code").GetInt32());
            Assert.Equal("failing", r.Root.GetProperty("verdict").GetString());
            Assert.Contains("SSL_REQUIRED_BY_SERVER", r.Text);
            Assert.Contains("\"failure_code\": 1", s.Json());
        }

        [Fact]
        public void FailureConfirmOneByteAtATime()
        {
            using var s = Connected();
            foreach (byte b in XrdpFailure)
            {
                Assert.False(s.Done);
                s.Feed(new[] { b }, 1005 * Msec);
            }
            Assert.True(s.Done);
            Assert.Equal(X224Status.Failure, s.X224Status);
        }

        [Fact]
        public void LegacyConfirm()
        {
            using var s = Connected();
            s.Feed(Support.LegacyConfirm, 1005 * Msec);
            Assert.Equal(X224Status.Legacy, s.X224Status);
            Assert.Null(s.SelectedProtocol);
            Assert.Equal(Verdict.Degraded, s.Verdict);
            Assert.Equal(1, s.ToReport().ExitCode);
        }

        [Fact]
        public void RdpSelectedSkipsTls()
        {
            using var s = Connected();
            s.Feed(RspRdp, 1005 * Msec);
            Assert.True(s.Done);
            Assert.Equal(X224Status.Ok, s.X224Status);
            Assert.Equal(Protocol.Rdp, s.SelectedProtocol);
            Assert.Equal(TlsStatus.Skipped, s.TlsStatus);
        }

        [Fact]
        public void SslSelectedStartsTls()
        {
            var rsp = (byte[])RspRdp.Clone();
            rsp[15] = 1;
            using var s = Connected();
            s.PendingOutput();
            s.Feed(rsp, 1005 * Msec);
            Assert.False(s.Done);
            Assert.Equal(Protocol.Ssl, s.SelectedProtocol);
            byte[] hello = s.PendingOutput(1005 * Msec);
            Assert.Equal(0x16, hello[0]);
            s.TransportClosed(CloseReason.Reset, -104, 1010 * Msec);
            Assert.True(s.Done);
            Assert.Equal(TlsStatus.Reset, s.TlsStatus);
        }

        [Fact]
        public void SshBannerIsNotRdp()
        {
            using var s = Connected();
            s.Feed(SshBanner, 1002 * Msec);
            Assert.True(s.Done);
            Assert.Equal(X224Status.NotRdp, s.X224Status);
            Assert.Contains("SSH-2.0-OpenSSH_9.2p1 Debian-2", s.Json());
            Assert.Equal(RdpnegError.NotRdp, s.GetPhase(Phase.X224).Error);
        }

        [Theory]
        [InlineData(CloseReason.Eof, X224Status.Closed)]
        [InlineData(CloseReason.Reset, X224Status.Reset)]
        public void CloseAndResetBeforeConfirm(CloseReason reason, X224Status status)
        {
            using var s = Connected();
            s.Feed(XrdpFailure.Take(4).ToArray(), 1003 * Msec);
            s.TransportClosed(reason, 0, 1004 * Msec);
            Assert.True(s.Done);
            Assert.Equal(status, s.X224Status);
            Assert.Equal(Verdict.Failing, s.Verdict);
        }

        [Fact]
        public void TimeoutsFromExpiry()
        {
            using var c = new RdpnegConfig { ConnectTimeoutMs = 700, X224TimeoutMs = 300 };
            using (var s = new RdpnegSession("192.0.2.1", 3389, c))
            {
                Assert.Null(s.Expiry);
                s.Start(0);
                Assert.Equal(700 * Msec, s.Expiry);
                s.HandleExpiry(699 * Msec);
                Assert.False(s.Done);
                s.HandleExpiry(700 * Msec);
                Assert.True(s.Done);
                Assert.Equal(TcpStatus.Timeout, s.TcpStatus);
                Assert.Null(s.Expiry);
            }
            using (var s = new RdpnegSession("192.0.2.1", 3389, c))
            {
                s.Start(0);
                s.TcpResult(TcpStatus.Ok, "192.0.2.1", 0, 100 * Msec);
                Assert.Equal(400 * Msec, s.Expiry);
                s.HandleExpiry(400 * Msec);
                Assert.Equal(X224Status.Timeout, s.X224Status);
                var x = s.GetPhase(Phase.X224);
                Assert.InRange(x.Ms!.Value, 299.999, 300.001);
                Assert.Equal(RdpnegError.Timeout, x.Error);
            }
        }

        [Fact]
        public void TcpRefusedAndDns()
        {
            using (var s = new RdpnegSession("192.0.2.1"))
            {
                s.Start(0);
                s.TcpResult(TcpStatus.Refused, "192.0.2.1", -111, Msec);
                Assert.True(s.Done);
                var r = s.ToReport();
                Assert.Equal(TcpStatus.Refused, r.TcpStatus);
                Assert.Equal(RdpnegError.ConnectRefused, r.GetPhase(Phase.Tcp).Error);
                Assert.Equal(X224Status.Skipped, r.X224Status);
                Assert.Equal("refused", r.Root.GetProperty("tcp").GetProperty("status").GetString());
            }
            using (var s = new RdpnegSession("no.such.host.invalid"))
            {
                s.Start(0);
                s.DnsFailed("Name or service not known", Msec);
                Assert.Equal(TcpStatus.DnsFailed, s.TcpStatus);
                Assert.Equal(Verdict.Unknown, s.Verdict);
                Assert.Equal(3, s.ToReport().ExitCode);
            }
        }

        [Fact]
        public void StateErrors()
        {
            using (var s = Connected())
            {
                Assert.Equal(RdpnegError.InvalidState, Assert.Throws<RdpnegUsageException>(() => s.Start(5)).Error);
                s.Feed(XrdpFailure);
                Assert.Equal(RdpnegError.InvalidState, Assert.Throws<RdpnegUsageException>(() => s.Feed(new byte[] { 3 })).Error);
            }
            using (var s = new RdpnegSession("h"))
                Assert.Throws<RdpnegUsageException>(() => s.Feed(new byte[] { 1 }));
            var d = new RdpnegSession("h");
            d.Dispose();
            Assert.Throws<ObjectDisposedException>(() => d.Start());
        }

        [Fact]
        public void BadArguments()
        {
            foreach (int port in new[] { 0, 65536, -1 })
                Assert.Throws<RdpnegUsageException>(() => new RdpnegSession("h", port));
            Assert.Throws<ArgumentNullException>(() => new RdpnegSession(null!));
            Assert.Throws<RdpnegUsageException>(() => new RdpnegSession("a\0b"));
            Assert.Throws<RdpnegUsageException>(() => new RdpnegSession(new string('x', 300)));
        }

        [Fact]
        public void ReportIsASnapshot()
        {
            using var s = Connected();
            var before = s.ToReport();
            s.Feed(XrdpFailure, 1005 * Msec);
            var after = s.ToReport();
            Assert.Equal(X224Status.Pending, before.X224Status);
            Assert.Equal(X224Status.Failure, after.X224Status);
            Assert.Equal(after.Text, after.ToString());
        }

        [Fact]
        public void ClockIsMonotonicNanoseconds()
        {
            ulong a = RdpnegSession.NowNs();
            System.Threading.Thread.Sleep(20);
            ulong b = RdpnegSession.NowNs();
            Assert.InRange(b - a, 15 * Msec, 2000 * Msec);
        }
    }
}
