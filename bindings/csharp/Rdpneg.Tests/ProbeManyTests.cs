// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Rdpneg.Tests
{
    /// <summary>RdpnegProbe.ProbeManyAsync (the C batch, rdpneg_batch) on
    /// the lab: every target once with the document RdpnegProbe.Run gives
    /// (timings aside), the per-listener and total limits read from the
    /// results' start and end times, and cancellation (token, early
    /// dispose).</summary>
    public class ProbeManyTests
    {
        private static readonly string[] Servers =
        {
            "LAB_XRDP_TLS_VALID", "LAB_XRDP_TLS_EXPIRED", "LAB_XRDP_NEG_VALID", "LAB_XRDP_RDP", "LAB_SHADOW_TLS",
            "LAB_SHADOW_NLA", "LAB_RESP_BANNER", "LAB_CLOSED_PORT", "LAB_RESP_SILENT",
        };

        private static RdpnegConfig Config(int timeoutMs, bool ca = false)
        {
            var c = new RdpnegConfig();
            c.SetTimeouts(timeoutMs);
            if (ca)
                c.AddCaFile(Lab.Env!["LAB_CA"]);
            return c;
        }

        private static string Target(string key) => Lab.Host + ":" + Lab.Port(key);

        private static async Task<List<ProbeManyResult>> Collect(IAsyncEnumerable<ProbeManyResult> results)
        {
            var list = new List<ProbeManyResult>();
            await foreach (var r in results)
                list.Add(r);
            return list;
        }

        /// <summary>The most results (of |port|) running at one instant.</summary>
        private static int MaxOverlap(IReadOnlyList<ProbeManyResult> rs, int port = 0)
        {
            var sel = rs.Where(r => port == 0 || r.Port == port).ToList();
            return sel.Select(r => sel.Count(o => o.StartedNs <= r.StartedNs && r.StartedNs < o.EndedNs)).DefaultIfEmpty(0).Max();
        }

        [LabFact("LAB_XRDP_TLS_VALID", "LAB_CLOSED_PORT", "LAB_RESP_SILENT", "LAB_CA")]
        public async Task EveryTargetOnceWithRunsDocument()
        {
            var targets = Servers.Where(k => Lab.Env!.ContainsKey(k)).Select(Target).ToList();
            targets.Add(Target("LAB_XRDP_TLS_VALID")); // a duplicate is probed again
            using var cfg = Config(2000, ca: true);
            var sw = Stopwatch.StartNew();
            var results = await Collect(RdpnegProbe.ProbeManyAsync(targets, cfg));
            sw.Stop();
            Assert.Equal(Enumerable.Range(0, targets.Count).Select(i => (long)i), results.Select(r => r.Index).OrderBy(i => i));
            var ends = results.Select(r => r.EndedNs).ToList();
            Assert.Equal(ends.OrderBy(e => e), ends); // completion order
            var silent = results.Single(r => r.Target == Target("LAB_RESP_SILENT"));
            Assert.Equal("SERVER_SILENT", silent.Report!.Diagnosis[0].Cause);
            Assert.Equal("PORT_CLOSED", results.Single(r => r.Target == Target("LAB_CLOSED_PORT")).Report!.Diagnosis[0].Cause);
            // in parallel: about as long as the silent probe, not the sum
            Assert.True(sw.Elapsed.TotalSeconds < (silent.EndedNs - silent.StartedNs) / 1e9 + 3, sw.Elapsed.ToString());
            var problems = new List<string>();
            foreach (var r in results.OrderBy(r => r.Index))
            {
                Assert.Equal(targets[(int)r.Index], r.Target);
                Assert.Equal(0, r.Status);
                Assert.NotNull(r.Report);
                var reference = RdpnegProbe.Run(r.Host, r.Port, cfg);
                var d = Docs.Diff(reference.Json, r.Report!.Json);
                if (d.Count > 0) // one repeat: a loaded lab server can cross a timeout
                {
                    reference = RdpnegProbe.Run(r.Host, r.Port, cfg);
                    d = Docs.Diff(reference.Json, r.Report!.Json);
                }
                if (d.Count > 0)
                    problems.Add(r.Target + ": " + string.Join("; ", d.Take(5)));
                Assert.Equal(reference.Verdict, r.Report.Verdict);
            }
            Assert.Empty(problems);
        }

        [LabFact("LAB_RESP_SILENT")]
        public async Task PerListenerAndTotalBounds()
        {
            int port = Lab.Port("LAB_RESP_SILENT");
            // "localhost" resolves onto the same listener as 127.0.0.1
            var targets = Enumerable.Repeat(Target("LAB_RESP_SILENT"), 4).Concat(Enumerable.Repeat("localhost:" + port, 2)).ToList();
            using var cfg = Config(400);
            var rs = await Collect(RdpnegProbe.ProbeManyAsync(targets, cfg));
            Assert.Equal(6, rs.Select(r => r.Index).Distinct().Count());
            Assert.Equal(2, MaxOverlap(rs, port));
            rs = await Collect(RdpnegProbe.ProbeManyAsync(targets, cfg, new ProbeManyOptions { PerListener = 1 }));
            Assert.Equal(6, rs.Count);
            Assert.Equal(1, MaxOverlap(rs, port));
            rs = await Collect(RdpnegProbe.ProbeManyAsync(Enumerable.Repeat(Target("LAB_RESP_SILENT"), 7), cfg,
                                                          new ProbeManyOptions { Concurrency = 3, PerListener = 10 }));
            Assert.Equal(7, rs.Count);
            Assert.Equal(3, MaxOverlap(rs));
        }

        [LabFact("LAB_RESP_SILENT")]
        public async Task TokenCancelsTheBatch()
        {
            using var cfg = Config(10000);
            using var cts = new CancellationTokenSource(300);
            var got = new List<ProbeManyResult>();
            var sw = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var r in RdpnegProbe.ProbeManyAsync(Enumerable.Repeat(Target("LAB_RESP_SILENT"), 4), cfg,
                                                                   null, cts.Token))
                    got.Add(r);
            });
            Assert.True(sw.Elapsed.TotalSeconds < 2, sw.Elapsed.ToString());
            Assert.Empty(got);
        }

        [LabFact("LAB_RESP_SILENT", "LAB_CLOSED_PORT")]
        public async Task LeavingEarlyCancelsTheRest()
        {
            using var cfg = Config(10000);
            var targets = new[] { Target("LAB_CLOSED_PORT") }.Concat(Enumerable.Repeat(Target("LAB_RESP_SILENT"), 3));
            var sw = Stopwatch.StartNew();
            ProbeManyResult? first = null;
            await foreach (var r in RdpnegProbe.ProbeManyAsync(targets, cfg))
            {
                first = r;
                break; // disposes the enumerator: the silent probes are cancelled
            }
            Assert.Equal(Target("LAB_CLOSED_PORT"), first!.Target);
            Assert.True(sw.Elapsed.TotalSeconds < 2, sw.Elapsed.ToString());
        }

        [LibraryDirFact]
        public async Task MalformedTargetThrowsUsage()
        {
            await Assert.ThrowsAsync<RdpnegUsageException>(() => Collect(RdpnegProbe.ProbeManyAsync(new[] { "127.0.0.1:99999" })));
            await Assert.ThrowsAsync<RdpnegUsageException>(() => Collect(RdpnegProbe.ProbeManyAsync(new[] { "[::1" })));
            await Assert.ThrowsAsync<RdpnegUsageException>(() =>
                Collect(RdpnegProbe.ProbeManyAsync(new[] { "::1" }, null, new ProbeManyOptions { Concurrency = 0 })));
        }
    }
}
