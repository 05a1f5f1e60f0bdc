// SPDX-License-Identifier: Apache-2.0
using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
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
        public async Task RunAsyncIsTheManagedPlanDriverAndAgreesWithRun()
        {
            using var srv = new ScriptedServer(XrdpFailure);
            var sync = RdpnegProbe.Run("127.0.0.1", srv.Port);
            var r = await RdpnegProbe.RunAsync("127.0.0.1", srv.Port);
            Assert.Equal(X224Status.Failure, r.X224Status);
            Assert.Empty(Docs.Diff(sync.Json, r.Json));
            // a typo in the reported code fails before anything connects
            Assert.IsType<RdpnegUsageException>(Record.Exception(() => { RdpnegProbe.RunAsync("127.0.0.1", srv.Port, null, false, "0x904/", null); }));
            Assert.Equal(2, srv.Requests.Count);
        }

        [Theory]
        [InlineData("managed")]
        [InlineData("runasync")]
        public async Task CancellationReturnsTheEvidenceAndClosesTheSocket(string driver)
        {
            // a server that takes the Connection Request, never answers, and
            // records when the client closes
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            var closedByClient = Task.Run(async () =>
            {
                using var c = await listener.AcceptSocketAsync();
                var buf = new byte[4096];
                c.ReceiveTimeout = 10000;
                int n = c.Receive(buf); // the request
                Assert.True(n > 0);
                return c.Receive(buf) == 0; // EOF once the probe closes
            });
            try
            {
                // long enough for the connect to complete on a busy machine
                using var cts = new CancellationTokenSource(1000);
                var sw = Stopwatch.StartNew();
                var e = await Assert.ThrowsAsync<RdpnegProbeCancelledException>(() => driver == "managed"
                    ? RdpnegSocketDriver.ProbeAsync("127.0.0.1", port, null, cts.Token)
                    : RdpnegProbe.RunAsync("127.0.0.1", port, cancellationToken: cts.Token));
                Assert.True(sw.Elapsed.TotalSeconds < 3, "took " + sw.Elapsed);
                Assert.Equal(cts.Token, e.CancellationToken);
                var r = e.Report;
                Assert.NotNull(r);
                Assert.True(r!.Cancelled);
                Assert.Equal(Verdict.Unknown, r.Verdict);
                Assert.Equal(TcpStatus.Ok, r.TcpStatus); // what was gathered stays
                Assert.Equal(RdpnegError.Cancelled, r.GetPhase(Phase.X224).Error);
                Assert.Single(r.Attempts);
                Assert.True(await closedByClient.WaitAsync(TimeSpan.FromSeconds(5)));
            }
            finally
            {
                listener.Stop();
            }
        }

        [Fact]
        public async Task CancelledBeforeStartingGathersNothing()
        {
            var e = await Assert.ThrowsAsync<RdpnegProbeCancelledException>(
                () => RdpnegSocketDriver.ProbeAsync("127.0.0.1", FreePort(), null, new CancellationToken(true)));
            Assert.Null(e.Report);
        }

        [Theory, MemberData(nameof(Drivers))]
        public async Task TlsVersionsFollowUpsRunLocally(string driver)
        {
            // every connection: SSL selected, then a handshake_failure alert
            var answer = Hex("03 00 00 13 0e d0 00 00 12 34 00 02 01 08 00 01 00 00 00 15 03 03 00 02 02 28");
            using var srv = new ScriptedServer(answer);
            var r = driver == "uv"
                ? RdpnegProbe.Run("127.0.0.1", srv.Port, null, tlsVersions: true)
                : await RdpnegSocketDriver.ProbeAsync("127.0.0.1", srv.Port, null, true);
            Assert.Equal(4, r.Attempts.Count);
            Assert.Equal(4, srv.Requests.Count);
            Assert.All(r.Attempts, a => Assert.Equal("127.0.0.1", a.Address));
            Assert.Equal(new[] { "1.0", "1.1", "1.2" }, r.Attempts.Skip(1).Select(a => a.TlsOffered).OrderBy(x => x));
            Assert.Equal(TlsStatus.Alert, r.TlsStatus);
            Assert.Equal(JsonValueKind.Object, r.Root.GetProperty("tls").GetProperty("versions").ValueKind);
        }

        [Theory, MemberData(nameof(Drivers))]
        public async Task TlsVersionsNotTriedWithoutTls(string driver)
        {
            using var srv = new ScriptedServer(XrdpFailure);
            var r = driver == "uv"
                ? RdpnegProbe.Run("127.0.0.1", srv.Port, null, tlsVersions: true)
                : await RdpnegSocketDriver.ProbeAsync("127.0.0.1", srv.Port, null, true);
            Assert.Equal(X224Status.Failure, r.X224Status);
            Assert.Single(r.Attempts);
            Assert.Single(srv.Requests);
            Assert.Contains(r.Plan!.Value.GetProperty("notes").EnumerateArray(),
                            n => n.GetString()!.StartsWith("TLS versions not tried", StringComparison.Ordinal));
        }
    }
}
