// SPDX-License-Identifier: Apache-2.0
using System;
using System.Linq;
using System.Text.Json;
using static Rdpneg.Tests.Support;

namespace Rdpneg.Tests
{
    /// <summary>The sans-I/O probe plan driven by hand: scripted server
    /// bytes, explicit timestamps, no sockets.</summary>
    public class PlanTests
    {
        // RDP_NEG_RSP selecting PROTOCOL_SSL
        private static readonly byte[] RspSsl = Hex("03 00 00 13 0e d0 00 00 12 34 00 02 01 08 00 01 00 00 00");
        // TLS alert records answering a ClientHello: handshake_failure (40), protocol_version (70)
        private static readonly byte[] AlertHandshakeFailure = Hex("15 03 03 00 02 02 28");
        private static readonly byte[] AlertProtocolVersion = Hex("15 03 01 00 02 02 46");

        private static string[] Notes(ProbeReport r) =>
            r.Plan!.Value.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToArray();

        /// <summary>Runs a lent session through X.224 with SSL selected and
        /// a TLS alert in answer to the ClientHello.</summary>
        private static void SslThenAlert(RdpnegSession s, string address, byte[] alert, ulong t)
        {
            s.TcpResult(TcpStatus.Ok, address, 0, t);
            Assert.Equal(3, s.PendingOutput(t)[0]); // the Connection Request
            s.Feed(RspSsl, t + Msec);
            Assert.Equal(0x16, s.PendingOutput(t + Msec)[0]); // the ClientHello
            s.Feed(alert, t + 2 * Msec);
            Assert.True(s.Done);
            Assert.Equal(TlsStatus.Alert, s.TlsStatus);
        }

        [Fact]
        public void OneAttemptAgainstXrdpFailure()
        {
            using var plan = new RdpnegPlan("server.example", 3389);
            plan.Start(1000 * Msec);
            Assert.False(plan.Done);
            Assert.Equal(0, plan.Running);
            var s = plan.Next(1000 * Msec);
            Assert.NotNull(s);
            Assert.True(s!.IsLent);
            Assert.Same(plan, s.Plan);
            Assert.Equal("server.example", s.Host);
            Assert.Equal(3389, s.Port);
            Assert.Null(s.ConnectAddress); // the first attempt resolves the name
            Assert.Null(plan.Next(1000 * Msec)); // nothing else until it answers
            Assert.Equal(1, plan.Running);
            Assert.Equal(RdpnegError.InvalidState, Assert.Throws<RdpnegUsageException>(() => plan.Evidence()).Error);

            s.TcpResult(TcpStatus.Ok, "192.0.2.1", 0, 1001 * Msec);
            byte[] cr = s.PendingOutput(1001 * Msec);
            Assert.Equal(Hex("010008000b000000"), cr.Skip(cr.Length - 8).ToArray()); // raw NTLM default changes nothing here
            s.Feed(XrdpFailure, 1010 * Msec);
            Assert.True(s.Done);
            plan.AttemptDone(s, 1011 * Msec);
            Assert.False(s.IsLent);
            Assert.Throws<ObjectDisposedException>(() => s.Done);
            Assert.Equal(0, plan.Running);
            Assert.Null(plan.Next(1011 * Msec)); // a failure answer needs no follow-up
            Assert.True(plan.Done);

            var r = plan.ToReport();
            Assert.Equal(X224Status.Failure, r.X224Status);
            Assert.Equal(NegFailure.SslRequiredByServer, r.FailureCode);
            Assert.Equal(Verdict.Failing, r.Verdict);
            Assert.True(r.Finished);
            Assert.False(r.Cancelled);
            Assert.Equal("probe", r.Source);
            var a = Assert.Single(r.Attempts);
            Assert.Equal("primary", a.Purpose);
            Assert.Equal("192.0.2.1", a.Address);
            Assert.Equal(X224Status.Failure, a.X224Status);
            Assert.InRange(a.GetPhase(Phase.X224).Ms!.Value, 8.999, 9.001);
            Assert.Equal(1, r.Plan!.Value.GetProperty("connections").GetInt32());
            Assert.Equal(0, r.Plan.Value.GetProperty("top_attempt").GetInt32());
            using var ev = plan.Evidence();
            Assert.Equal(1, ev.AttemptCount);
        }

        [Fact]
        public void TlsVersionsAreNotTriedAfterTcpFailed()
        {
            using var cfg = new RdpnegConfig { ProbeTlsVersions = true };
            using var plan = new RdpnegPlan("192.0.2.1", 3389, cfg);
            plan.Start(0);
            var s = plan.Next(0)!;
            s.TcpResult(TcpStatus.Refused, "192.0.2.1", -111, Msec);
            Assert.True(s.Done);
            plan.AttemptDone(s, Msec);
            Assert.Null(plan.Next(Msec));
            Assert.True(plan.Done);
            var r = plan.ToReport();
            Assert.Single(r.Attempts);
            Assert.Equal(TcpStatus.Refused, r.TcpStatus);
            Assert.Contains("TLS versions not tried: the TCP connect failed", Notes(r));
        }

        [Fact]
        public void TlsVersionsRunInParallelToTheFirstAddress()
        {
            using var cfg = new RdpnegConfig { ProbeTlsVersions = true };
            using var plan = new RdpnegPlan("rdp.example", 3389, cfg);
            plan.Start(0);
            var primary = plan.Next(0)!;
            SslThenAlert(primary, "192.0.2.7", AlertHandshakeFailure, Msec);
            plan.AttemptDone(primary, 10 * Msec);

            // the primary's alert decides nothing: one connection per version,
            // all ready at once, all to the address the primary reached
            var v = new[] { plan.Next(11 * Msec), plan.Next(11 * Msec), plan.Next(11 * Msec) };
            Assert.All(v, Assert.NotNull);
            Assert.Null(plan.Next(11 * Msec));
            Assert.Equal(3, plan.Running);
            Assert.Equal(3, plan.Lent.Count);
            Assert.All(v, s => Assert.Equal("192.0.2.7", s!.ConnectAddress));
            Assert.All(v, s => Assert.Equal("rdp.example", s!.Host));
            // they finish in any order; each is refused with protocol_version
            foreach (var s in v.Reverse())
            {
                SslThenAlert(s!, "192.0.2.7", AlertProtocolVersion, 20 * Msec);
                plan.AttemptDone(s!, 30 * Msec);
            }
            Assert.True(plan.Done);

            var r = plan.ToReport();
            Assert.Equal(4, r.Attempts.Count);
            Assert.Equal(new[] { "primary", "tls_version", "tls_version", "tls_version" }, r.Attempts.Select(a => a.Purpose));
            Assert.Equal("1.0-1.2", r.Attempts[0].TlsOffered);
            Assert.Equal(new[] { "1.0", "1.1", "1.2" }, r.Attempts.Skip(1).Select(a => a.TlsOffered).OrderBy(x => x));
            var versions = r.Root.GetProperty("tls").GetProperty("versions");
            foreach (var name in new[] { "TLSv1.0", "TLSv1.1", "TLSv1.2" })
            {
                var e = versions.GetProperty(name);
                Assert.Equal(JsonValueKind.False, e.GetProperty("accepted").ValueKind);
                Assert.Equal(70, e.GetProperty("alert").GetInt32());
                Assert.Equal(JsonValueKind.False, e.GetProperty("inferred").ValueKind);
                // "attempt" points at the attempts[] entry that tried it
                int i = e.GetProperty("attempt").GetInt32();
                Assert.Equal(name.Substring(4), r.Attempts[i].TlsOffered);
            }
            Assert.Equal(JsonValueKind.True, versions.GetProperty("requires_tls13").ValueKind);
            Assert.Equal(4, r.Plan!.Value.GetProperty("connections").GetInt32());
            using var ev = plan.Evidence();
            Assert.Equal(4, ev.AttemptCount);
        }

        [Fact]
        public void OverallDeadlineBoundsFollowUps()
        {
            using var cfg = new RdpnegConfig { ProbeTlsVersions = true, OverallTimeoutMs = 500 };
            using var plan = new RdpnegPlan("192.0.2.9", 3389, cfg);
            plan.Start(0);
            Assert.Equal(500 * Msec, plan.Expiry); // an attempt is ready
            var primary = plan.Next(0)!;
            Assert.True(primary.Expiry <= 500 * Msec);
            SslThenAlert(primary, "192.0.2.9", AlertHandshakeFailure, 10 * Msec);
            plan.AttemptDone(primary, 20 * Msec);
            Assert.Equal(500 * Msec, plan.Expiry);
            var late = plan.Next(100 * Msec)!;
            Assert.True(late.Expiry <= 500 * Msec, "a follow-up must end by the overall deadline");
            plan.HandleExpiry(499 * Msec);
            Assert.False(late.Done);
            plan.HandleExpiry(500 * Msec);
            Assert.True(late.Done); // the running attempt timed out
            Assert.Null(plan.Next(500 * Msec)); // the other two are not made
            plan.AttemptDone(late, 500 * Msec);
            Assert.True(plan.Done);
            var r = plan.ToReport();
            Assert.Equal(2, r.Attempts.Count);
            Assert.Equal(TcpStatus.Timeout, r.Attempts[1].TcpStatus);
            Assert.Equal(2, Notes(r).Count(n => n == "tls_version connection not made: the overall deadline passed"));
        }

        [Fact]
        public void CancelEndsEveryRunningAttempt()
        {
            using var plan = new RdpnegPlan("192.0.2.1", 3389);
            plan.Start(0);
            var s = plan.Next(0)!;
            s.TcpResult(TcpStatus.Ok, "192.0.2.1", 0, Msec);
            s.PendingOutput(Msec);
            Assert.False(s.Done);
            plan.Cancel(5 * Msec);
            Assert.True(s.Done);
            Assert.Null(plan.Next(6 * Msec));
            Assert.False(plan.Done); // the session is still lent
            plan.AttemptDone(s, 6 * Msec);
            Assert.True(plan.Done);
            var r = plan.ToReport();
            Assert.True(r.Cancelled);
            Assert.Equal(Verdict.Unknown, r.Verdict);
            Assert.Equal(RdpnegError.Cancelled, r.GetPhase(Phase.X224).Error);
            Assert.Equal(TcpStatus.Ok, r.TcpStatus); // the evidence so far stays
            Assert.Single(r.Attempts);
        }

        [Fact]
        public void CancelBeforeTheFirstAttempt()
        {
            using var plan = new RdpnegPlan("192.0.2.1", 3389);
            plan.Start(0);
            plan.Cancel(0);
            Assert.Null(plan.Next(0));
            Assert.True(plan.Done);
            Assert.Equal(RdpnegError.InvalidState, Assert.Throws<RdpnegUsageException>(() => plan.Evidence()).Error);
        }

        [Fact]
        public void Misuse()
        {
            using var plan = new RdpnegPlan("192.0.2.1", 3389);
            Assert.Equal(RdpnegError.InvalidState, Assert.Throws<RdpnegUsageException>(() => plan.Next(0)).Error);
            plan.Start(0);
            Assert.Equal(RdpnegError.InvalidState, Assert.Throws<RdpnegUsageException>(() => plan.Start(1)).Error);
            using var other = new RdpnegPlan("192.0.2.1", 3389);
            other.Start(0);
            var foreign = other.Next(0)!;
            Assert.Equal(RdpnegError.InvalidArgument,
                         Assert.Throws<RdpnegUsageException>(() => plan.AttemptDone(foreign)).Error);
            using var standalone = new RdpnegSession("192.0.2.1");
            Assert.Throws<RdpnegUsageException>(() => plan.AttemptDone(standalone));
            foreach (int port in new[] { 0, 65536 })
                Assert.Throws<RdpnegUsageException>(() => new RdpnegPlan("h", port));
            Assert.Throws<ArgumentNullException>(() => new RdpnegPlan(null!));

            // a lent session's Dispose leaves it to the plan; disposing the
            // plan frees what it lent
            var s = plan.Next(0)!;
            s.Dispose();
            Assert.False(s.Done);
            plan.Dispose();
            Assert.Throws<ObjectDisposedException>(() => s.Done);
            Assert.Throws<ObjectDisposedException>(() => plan.Next(0));
            Assert.False(foreign.Done);
        }

        [Fact]
        public void WallclockReachesTheSessions()
        {
            using var plan = new RdpnegPlan("192.0.2.1", 3389);
            plan.SetWallclock(1_700_000_000);
            Assert.Throws<RdpnegUsageException>(() => plan.SetWallclock(-1));
            plan.Start(0);
            Assert.NotNull(plan.Next(0));
        }
    }

    /// <summary>Evidence values: from a session, a plan, or a saved document.</summary>
    public class EvidenceTests
    {
        [DiagnosisFact]
        public void SavedDocumentDiagnosesAlike()
        {
            string live;
            using (var s = new RdpnegSession("192.0.2.1"))
            {
                s.Start(0);
                s.TcpResult(TcpStatus.Ok, "192.0.2.1", 0, Msec);
                s.Feed(XrdpFailure, 5 * Msec);
                live = s.Json();
                using var ev = RdpnegEvidence.FromSession(s);
                Assert.Equal(1, ev.AttemptCount);
                Assert.Equal(live, ev.Json());
            }
            using var back = RdpnegEvidence.Parse(live);
            Assert.Equal(1, back.AttemptCount);
            using var d = back.Diagnose("0x904/0x7");
            Assert.Equal(Verdict.Failing, d.Verdict);
            Assert.NotNull(d.ReportedVerdict);
            var r = back.ToReport(d);
            Assert.Equal(X224Status.Failure, r.X224Status);
            Assert.Equal(NegFailure.SslRequiredByServer, r.FailureCode);
            Assert.Equal("0x904", r.Reported!.Value.GetProperty("code").GetString());
            // diagnosed again without a reported code: the saved document itself
            using var plain = back.Diagnose();
            Assert.Equal(live, back.Json(plain));
            Assert.Contains("SSL_REQUIRED_BY_SERVER", back.Text());
        }

        [Fact]
        public void ParseRefusesWhatIsNotADocument()
        {
            var e = Assert.Throws<RdpnegUsageException>(() => RdpnegEvidence.Parse("{\"schema\": "));
            Assert.Equal(RdpnegError.BadFile, e.Error);
            Assert.Contains("line", e.Detail);
            e = Assert.Throws<RdpnegUsageException>(() => RdpnegEvidence.Parse("{\"schema\": \"other/1\"}"));
            Assert.Equal(RdpnegError.BadFile, e.Error);
            Assert.False(string.IsNullOrEmpty(e.Detail));
            Assert.Throws<ArgumentNullException>(() => RdpnegEvidence.Parse(null!));
        }

        [DiagnosisFact]
        public void SessionAnalysisIsKeptByTheBinding()
        {
            using var s = new RdpnegSession("192.0.2.1");
            s.Start(0);
            s.TcpResult(TcpStatus.Refused, "192.0.2.1", -111, Msec);
            var e = Assert.Throws<RdpnegUsageException>(() => s.SetAnalysis(null, "not a code!"));
            Assert.Equal(RdpnegError.InvalidArgument, e.Error);
            Assert.Equal(JsonValueKind.Null, s.ToReport().Root.GetProperty("reported").ValueKind);
            s.SetAnalysis(null, "0x904/0x7");
            Assert.Equal("0x904", s.ToReport().Reported!.Value.GetProperty("code").GetString());
            Assert.Contains("\"reported\": {", s.Json());
            s.SetAnalysis(null, null);
            Assert.Contains("\"reported\": null", s.Json());
            RdpnegDiagnosis.CheckReported("errinfo:0x7");
            RdpnegDiagnosis.CheckReported(null);
            Assert.Throws<RdpnegUsageException>(() => RdpnegDiagnosis.CheckReported("0x904/"));
        }

        [DiagnosisFact(NeedTaxonomy = true)]
        public void DiagnosisKeepsItsTaxonomyAlive()
        {
            using var s = new RdpnegSession("192.0.2.1");
            s.Start(0);
            s.TcpResult(TcpStatus.Refused, "192.0.2.1", -111, Msec);
            using var ev = s.Evidence();
            string cause = s.Diagnose().Findings[0].Cause;
            RdpnegDiagnosis d;
            using (var t = new RdpnegTaxonomy())
            {
                t.LoadOverridesFromString("{\"causes\": {\"" + cause + "\": {\"remedies\": [\"Call the ACME desk\"]}}}", "acme.json");
                d = ev.Diagnose(null, t);
            }
            // the taxonomy was disposed; the diagnosis still holds its texts
            using (d)
                Assert.Contains("Call the ACME desk", ev.Json(d));
            Assert.Throws<ObjectDisposedException>(() => ev.Json(d));
        }
    }
}
