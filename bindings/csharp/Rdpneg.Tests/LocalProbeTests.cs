using System;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using static Rdpneg.Tests.Support;

namespace Rdpneg.Tests
{
    /// <summary>RdpnegProbe.Run (librdpneg-uv) and RdpnegSocketDriver
    /// (managed sockets over the sans-I/O session) against scripted servers
    /// on loopback in this process: no lab needed.</summary>
    public class LocalProbeTests
    {
        public static readonly TheoryData<string> Drivers = new TheoryData<string> { "uv", "managed" };

        private static Task<ProbeReport> Probe(string driver, int port, RdpnegConfig? cfg = null, string host = "127.0.0.1") =>
            driver == "uv"
                ? Task.FromResult(RdpnegProbe.Run(host, port, cfg))
                : RdpnegSocketDriver.ProbeAsync(host, port, cfg);

        [Theory, MemberData(nameof(Drivers))]
        public async Task LocalhostNameFallsBackAcrossAddresses(string driver)
        {
            // the server listens on 127.0.0.1 only; "localhost" may give ::1
            // first, which refuses: the driver tries the next address
            using var srv = new ScriptedServer(XrdpFailure);
            var r = await Probe(driver, srv.Port, null, "localhost");
            Assert.Equal(TcpStatus.Ok, r.TcpStatus);
            Assert.Equal("127.0.0.1", r.Root.GetProperty("target").GetProperty("address").GetString());
            Assert.Equal(X224Status.Failure, r.X224Status);
        }

        [Theory, MemberData(nameof(Drivers))]
        public async Task XrdpFailureConfirm(string driver)
        {
            using var srv = new ScriptedServer(XrdpFailure);
            var r = await Probe(driver, srv.Port);
            Assert.Equal(TcpStatus.Ok, r.TcpStatus);
            Assert.Equal(X224Status.Failure, r.X224Status);
            Assert.Equal(NegFailure.SslRequiredByServer, r.FailureCode);
            Assert.Equal(Verdict.Failing, r.Verdict);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("127.0.0.1", r.Root.GetProperty("target").GetProperty("address").GetString());
            Assert.Single(srv.Requests);
            Assert.Equal(Hex("010008000b000000"), srv.Requests[0].Skip(srv.Requests[0].Length - 8).ToArray());
        }

        [Theory, MemberData(nameof(Drivers))]
        public async Task RequestedProtocolsReachTheWire(string driver)
        {
            using var srv = new ScriptedServer(RspRdp);
            using var cfg = new RdpnegConfig();
            cfg.SetProtocols("ssl");
            cfg.SetCookie("binding");
            var r = await Probe(driver, srv.Port, cfg);
            Assert.Equal(Protocol.Rdp, r.SelectedProtocol);
            Assert.Equal(X224Status.Ok, r.X224Status);
            Assert.Contains("Cookie: mstshash=binding\r\n", Encoding.ASCII.GetString(srv.Requests[0]));
            Assert.Equal(new byte[] { 1, 0, 0, 0 }, srv.Requests[0].Skip(srv.Requests[0].Length - 4).ToArray());
        }

        [Theory, MemberData(nameof(Drivers))]
        public async Task SshBannerIsNotRdp(string driver)
        {
            using var srv = new ScriptedServer(greet: SshBanner, then: "hold", readRequest: false);
            var r = await Probe(driver, srv.Port);
            Assert.Equal(X224Status.NotRdp, r.X224Status);
            Assert.Equal(RdpnegError.NotRdp, r.GetPhase(Phase.X224).Error);
        }

        [Theory, MemberData(nameof(Drivers))]
        public async Task ClosedPortIsRefused(string driver)
        {
            var r = await Probe(driver, FreePort());
            Assert.Equal(TcpStatus.Refused, r.TcpStatus);
            Assert.Equal(RdpnegError.ConnectRefused, r.GetPhase(Phase.Tcp).Error);
            Assert.Equal(Verdict.Failing, r.Verdict);
            Assert.Throws<RdpnegTransportException>(() => r.ThrowIfFailed());
        }

        [Theory, MemberData(nameof(Drivers))]
        public async Task SilentServerTimesOut(string driver)
        {
            using var srv = new ScriptedServer(then: "hold");
            using var cfg = new RdpnegConfig { X224TimeoutMs = 300 };
            var sw = Stopwatch.StartNew();
            var r = await Probe(driver, srv.Port, cfg);
            Assert.Equal(X224Status.Timeout, r.X224Status);
            Assert.Equal(RdpnegError.Timeout, r.GetPhase(Phase.X224).Error);
            Assert.True(r.GetPhase(Phase.X224).Ms >= 299);
            Assert.True(sw.Elapsed.TotalSeconds < 3);
        }

        [Theory]
        [InlineData("uv", "close", X224Status.Closed)]
        [InlineData("uv", "reset", X224Status.Reset)]
        [InlineData("managed", "close", X224Status.Closed)]
        [InlineData("managed", "reset", X224Status.Reset)]
        public async Task CloseAndResetAfterRequest(string driver, string then, X224Status status)
        {
            using var srv = new ScriptedServer(then: then);
            Assert.Equal(status, (await Probe(driver, srv.Port)).X224Status);
        }

        [Theory, MemberData(nameof(Drivers))]
        public async Task DnsFailureIsUnknown(string driver)
        {
            var r = driver == "uv"
                ? RdpnegProbe.Run("no-such-host.invalid", 3389)
                : await RdpnegSocketDriver.ProbeAsync("no-such-host.invalid", 3389);
            Assert.Equal(TcpStatus.DnsFailed, r.TcpStatus);
            Assert.Equal(Verdict.Unknown, r.Verdict);
            Assert.Equal(3, r.ExitCode);
        }

        [Fact]
        public void BadArguments()
        {
            Assert.Throws<RdpnegUsageException>(() => RdpnegProbe.Run("127.0.0.1", 0));
            Assert.Throws<RdpnegUsageException>(() => RdpnegProbe.Run("", 3389));
            Assert.Throws<RdpnegUsageException>(() => RdpnegProbe.Run(new string('x', 300), 3389));
            Assert.Throws<ArgumentNullException>(() => RdpnegProbe.Run(null!, 3389));
            // RunAsync validates before it schedules anything
            Assert.IsType<RdpnegUsageException>(Record.Exception(() => { RdpnegProbe.RunAsync("h", 70000); }));
        }

        [Fact]
        public void ParallelRunsShareOneConfig()
        {
            using var srv = new ScriptedServer(then: "hold");
            using var cfg = new RdpnegConfig { X224TimeoutMs = 400 };
            var reports = new ProbeReport[4];
            var threads = Enumerable.Range(0, 4)
                .Select(i => new Thread(() => reports[i] = RdpnegProbe.Run("127.0.0.1", srv.Port, cfg)))
                .ToArray();
            var sw = Stopwatch.StartNew();
            foreach (var t in threads)
                t.Start();
            foreach (var t in threads)
                t.Join();
            Assert.All(reports, r => Assert.Equal(X224Status.Timeout, r.X224Status));
            Assert.False(cfg.IsDisposed);
            Assert.Equal(400, cfg.X224TimeoutMs);
            // four 400 ms deadlines side by side, not one after another
            Assert.True(sw.Elapsed.TotalSeconds < 1.5, "took " + sw.Elapsed);
        }

        [Fact]
        public async Task RunAsyncRunsOnThePool()
        {
            using var srv = new ScriptedServer(XrdpFailure);
            var r = await RdpnegProbe.RunAsync("127.0.0.1", srv.Port);
            Assert.Equal(X224Status.Failure, r.X224Status);
        }

        [Fact]
        public async Task ManagedDriverIsCancellable()
        {
            using var srv = new ScriptedServer(then: "hold");
            using var cts = new CancellationTokenSource(200);
            var sw = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => RdpnegSocketDriver.ProbeAsync("127.0.0.1", srv.Port, null, cts.Token));
            Assert.True(sw.Elapsed.TotalSeconds < 2);
        }

        [Fact]
        public void TlsVersionsFlag()
        {
            using var srv = new ScriptedServer(XrdpFailure);
            var r = RdpnegProbe.Run("127.0.0.1", srv.Port, null, tlsVersions: true);
            Assert.Equal(X224Status.Failure, r.X224Status);
            Assert.True(r.Root.GetProperty("tls").TryGetProperty("versions", out _));
        }
    }
}
