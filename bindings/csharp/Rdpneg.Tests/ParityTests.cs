// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace Rdpneg.Tests
{
    /// <summary>Driver parity against the lab: every scenario through
    /// RdpnegProbe.Run (librdpneg-uv), RdpnegSocketDriver.ProbeAsync (the
    /// managed plan driver) and the CLI (rdpneg-probe --json), documents
    /// compared field by field, timings aside.</summary>
    public class ParityTests
    {
        internal sealed class Scenario
        {
            internal string Key = "";
            internal int TimeoutMs = 5000;
            internal bool TlsVersions;
            internal string Creds = ""; // "", "right", "wrong"
            internal bool Spnego;
        }

        private static readonly Dictionary<string, Scenario> Scenarios = new Dictionary<string, Scenario>
        {
            ["xrdp-tls-valid"] = new Scenario { Key = "LAB_XRDP_TLS_VALID" },
            ["xrdp-tls-expired"] = new Scenario { Key = "LAB_XRDP_TLS_EXPIRED" },
            ["xrdp-tls-nocert"] = new Scenario { Key = "LAB_XRDP_TLS_NOCERT" },
            ["xrdp-tls-tls13only"] = new Scenario { Key = "LAB_XRDP_TLS_TLS13ONLY" },
            ["xrdp-neg-valid"] = new Scenario { Key = "LAB_XRDP_NEG_VALID" },
            ["xrdp-rdp"] = new Scenario { Key = "LAB_XRDP_RDP" },
            ["shadow-nla"] = new Scenario { Key = "LAB_SHADOW_NLA" },
            ["shadow-nla-right-creds"] = new Scenario { Key = "LAB_SHADOW_NLA", Creds = "right" },
            ["shadow-nla-wrong-creds"] = new Scenario { Key = "LAB_SHADOW_NLA", Creds = "wrong" },
            ["shadow-nla-spnego-fallback"] = new Scenario { Key = "LAB_SHADOW_NLA", Spnego = true },
            ["shadow-tls"] = new Scenario { Key = "LAB_SHADOW_TLS" },
            ["shadow-rdp"] = new Scenario { Key = "LAB_SHADOW_RDP" },
            ["closed-port"] = new Scenario { Key = "LAB_CLOSED_PORT" },
            ["silent-listener"] = new Scenario { Key = "LAB_RESP_SILENT", TimeoutMs = 1000 },
            ["xrdp-tls-valid-tls-versions"] = new Scenario { Key = "LAB_XRDP_TLS_VALID", TlsVersions = true },
            ["shadow-tls-tls-versions"] = new Scenario { Key = "LAB_SHADOW_TLS", TlsVersions = true },
        };

        public static TheoryData<string> Names
        {
            get
            {
                var d = new TheoryData<string>();
                foreach (var k in Scenarios.Keys)
                    d.Add(k);
                return d;
            }
        }

        internal static readonly string[] Keys =
            Scenarios.Values.Select(s => s.Key).Concat(new[] { "LAB_CA", "LAB_SHADOW_USER", "LAB_SHADOW_PASSWORD" }).Distinct().ToArray();

        private const string WrongPassword = "Wrong-Password-1";

        private static RdpnegConfig Config(Scenario sc)
        {
            var c = new RdpnegConfig();
            c.SetTimeouts(sc.TimeoutMs);
            c.AddCaFile(Lab.Env!["LAB_CA"]);
            c.Spnego = sc.Spnego;
            if (sc.Creds == "right")
                c.SetCredentials(Lab.Env["LAB_SHADOW_USER"], Lab.Env["LAB_SHADOW_PASSWORD"], Lab.Get("LAB_SHADOW_DOMAIN", "LAB"));
            else if (sc.Creds == "wrong")
                c.SetCredentials(Lab.Env["LAB_SHADOW_USER"], WrongPassword.ToCharArray());
            return c;
        }

        /// <summary>rdpneg-probe --json with the same options; the password
        /// goes through the environment (--password-env), never argv.</summary>
        private static (string json, int exit) Cli(Scenario sc, int port)
        {
            var psi = new ProcessStartInfo(Cli_.Path!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "--json", "--timeout", sc.TimeoutMs.ToString(), "--ca-file", Lab.Env!["LAB_CA"] })
                psi.ArgumentList.Add(a);
            if (sc.TlsVersions)
                psi.ArgumentList.Add("--tls-versions");
            if (sc.Spnego)
                psi.ArgumentList.Add("--spnego");
            if (sc.Creds != "")
            {
                psi.ArgumentList.Add("--user");
                psi.ArgumentList.Add(Lab.Env["LAB_SHADOW_USER"]);
                psi.ArgumentList.Add("--password-env");
                psi.ArgumentList.Add("RDPNEG_PARITY_PW");
                psi.Environment["RDPNEG_PARITY_PW"] = sc.Creds == "right" ? Lab.Env["LAB_SHADOW_PASSWORD"] : WrongPassword;
                if (sc.Creds == "right")
                {
                    psi.ArgumentList.Add("--domain");
                    psi.ArgumentList.Add(Lab.Get("LAB_SHADOW_DOMAIN", "LAB"));
                }
            }
            psi.ArgumentList.Add(Lab.Host + ":" + port);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            string json = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(60000))
            {
                p.Kill();
                throw new TimeoutException("rdpneg-probe did not finish in 60 s");
            }
            Assert.True(json.TrimStart().StartsWith("{"), "rdpneg-probe printed no document: " + err.Result);
            return (json, p.ExitCode);
        }

        [ParityTheory]
        [MemberData(nameof(Names))]
        public async Task DriversAgree(string name)
        {
            var sc = Scenarios[name];
            int port = Lab.Port(sc.Key);
            var (cli, cliExit) = Cli(sc, port);
            ProbeReport uv, managed;
            using (var cfg = Config(sc))
            {
                uv = RdpnegProbe.Run(Lab.Host, port, cfg, sc.TlsVersions);
                managed = await RdpnegSocketDriver.ProbeAsync(Lab.Host, port, cfg, sc.TlsVersions);
            }
            var vsUv = Docs.Diff(cli, uv.Json);
            var vsManaged = Docs.Diff(cli, managed.Json);
            Assert.True(vsUv.Count == 0, name + ": CLI (A) vs RdpnegProbe.Run (B):\n  " + string.Join("\n  ", vsUv.Take(20)));
            Assert.True(vsManaged.Count == 0, name + ": CLI (A) vs RdpnegSocketDriver (B):\n  " + string.Join("\n  ", vsManaged.Take(20)));
            Assert.Equal(cliExit, uv.ExitCode);
            Assert.Equal(cliExit, managed.ExitCode);
            if (sc.Creds == "right")
                Assert.DoesNotContain(Lab.Env!["LAB_SHADOW_PASSWORD"], cli + uv.Json + managed.Json + uv.Text + managed.Text);

            // what each scenario must say, whichever driver ran it
            foreach (var r in new[] { uv, managed })
            {
                Assert.True(r.Finished);
                Assert.False(r.Cancelled);
                Assert.Equal(r.Attempts.Count, r.Plan!.Value.GetProperty("connections").GetInt32());
                switch (name)
                {
                    case "shadow-nla":
                        // raw NTLM by default: one connection, no SPNEGO refusal
                        Assert.Equal(Verdict.Healthy, r.Verdict);
                        Assert.Single(r.Attempts);
                        Assert.Equal(PhaseStatus.Ok, r.GetPhase(Phase.Nla).Status);
                        Assert.DoesNotContain("AUTH_LOGON_FAILURE", r.Json);
                        break;
                    case "shadow-nla-spnego-fallback":
                        // SPNEGO as mstsc sends it: FreeRDP refuses it, and
                        // the plan (not the driver) retries with raw NTLM
                        Assert.Equal(Verdict.Healthy, r.Verdict);
                        Assert.Equal(new[] { "primary", "spnego_fallback" }, r.Attempts.Select(a => a.Purpose));
                        Assert.Equal(1, r.Plan!.Value.GetProperty("top_attempt").GetInt32());
                        Assert.Equal(JsonValueKind.Object, r.Root.GetProperty("nla").GetProperty("spnego_rejected").ValueKind);
                        break;
                    case "shadow-nla-right-creds":
                        Assert.Equal(Verdict.Healthy, r.Verdict);
                        Assert.Single(r.Attempts);
                        Assert.Equal("success", r.Root.GetProperty("nla").GetProperty("auth").GetString());
                        break;
                    case "shadow-nla-wrong-creds":
                        Assert.Equal(Verdict.Failing, r.Verdict);
                        Assert.Single(r.Attempts);
                        Assert.Equal("failed", r.Root.GetProperty("nla").GetProperty("auth").GetString());
                        break;
                    case "closed-port":
                        Assert.Equal(TcpStatus.Refused, r.TcpStatus);
                        Assert.Single(r.Attempts);
                        break;
                    case "silent-listener":
                        Assert.Equal(X224Status.Timeout, r.X224Status);
                        // the silence is checked: again, and for a TLS or HTTP service
                        Assert.Equal(new[] { "corroborate", "identify_http", "identify_tls", "primary" },
                                     r.Attempts.Select(a => a.Purpose).OrderBy(p => p, StringComparer.Ordinal).ToArray());
                        break;
                    case "xrdp-tls-valid":
                        Assert.Equal(TlsStatus.Ok, r.TlsStatus);
                        break;
                    case "xrdp-tls-valid-tls-versions":
                    case "shadow-tls-tls-versions":
                        var v = r.Root.GetProperty("tls").GetProperty("versions");
                        Assert.Equal(JsonValueKind.Object, v.ValueKind);
                        Assert.True(v.GetProperty("TLSv1.2").GetProperty("accepted").GetBoolean(), r.Json);
                        Assert.All(r.Attempts.Skip(1), a => Assert.Equal("tls_version", a.Purpose));
                        break;
                }
            }
        }

        [Fact]
        public void TheComparisonSeesWhatMatters()
        {
            const string a = "{\"verdict\": \"healthy\", \"total_ms\": 1.5, \"tls\": {\"ok\": true, \"versions\": {\"TLSv1.0\": {\"attempt\": 1}, \"TLSv1.1\": {\"attempt\": 2}}}, " +
                             "\"phases\": [{\"ms\": 3, \"detail\": \"no answer after 1002 ms\"}], \"plan\": {\"top_attempt\": 0}, " +
                             "\"attempts\": [{\"purpose\": \"primary\"}, {\"purpose\": \"tls_version\", \"tls_offered\": \"1.0\"}, {\"purpose\": \"tls_version\", \"tls_offered\": \"1.1\"}], " +
                             "\"x224\": {\"received_hex\": \"0300000b06d00000123400\", \"bytes_received\": 11}}";
            // timings, the parallel attempts' order and trailing bytes aside: equal
            string b = a.Replace("1.5", "7.25").Replace("\"ms\": 3", "\"ms\": 4").Replace("1002 ms", "998.5 ms")
                        .Replace("\"attempt\": 1}", "\"attempt\": X}").Replace("\"attempt\": 2}", "\"attempt\": 1}").Replace("\"attempt\": X}", "\"attempt\": 2}")
                        .Replace("{\"purpose\": \"tls_version\", \"tls_offered\": \"1.0\"}, {\"purpose\": \"tls_version\", \"tls_offered\": \"1.1\"}",
                                 "{\"purpose\": \"tls_version\", \"tls_offered\": \"1.1\"}, {\"purpose\": \"tls_version\", \"tls_offered\": \"1.0\"}")
                        .Replace("123400\"", "1234000300000902f0802180\"").Replace("11}", "20}");
            Assert.Empty(Docs.Diff(a, b));
            // anything else: a difference, with its path
            Assert.Equal(new[] { ".verdict: \"healthy\" != \"failing\"" }, Docs.Diff(a, a.Replace("healthy", "failing")));
            Assert.Equal(new[] { ".tls.ok: true != false" }, Docs.Diff(a, a.Replace("true", "false")));
            Assert.Single(Docs.Diff(a, a.Replace("123400", "123500")));
            Assert.Single(Docs.Diff(a, a.Replace("\"tls_offered\": \"1.1\"", "\"tls_offered\": \"1.2\"")));
            Assert.Single(Docs.Diff(a, a.Replace(", \"plan\": {\"top_attempt\": 0}", "")));
        }

        /// <summary>Where rdpneg-probe is: RDPNEG_PROBE, else examples/ of a
        /// build directory (RDPNEG_LIBRARY_DIR, RDPNEG_BUILD_DIR, or
        /// &lt;repo&gt;/build).</summary>
        internal static class Cli_
        {
            internal static readonly string? Path = Find();

            private static string? Find()
            {
                var env = Environment.GetEnvironmentVariable("RDPNEG_PROBE");
                if (!string.IsNullOrEmpty(env))
                    return File.Exists(env) ? env : null;
                var dirs = new List<string>();
                foreach (var v in new[] { "RDPNEG_LIBRARY_DIR", "RDPNEG_BUILD_DIR" })
                    dirs.AddRange((Environment.GetEnvironmentVariable(v) ?? "").Split(':').Where(d => d.Length > 0));
                try
                {
                    dirs.Add(System.IO.Path.Combine(Support.RepoRoot, "build"));
                }
                catch (InvalidOperationException)
                {
                }
                foreach (var d in dirs)
                    foreach (var c in new[] { System.IO.Path.Combine(d, "examples", "rdpneg-probe"),
                                              System.IO.Path.Combine(d, "..", "examples", "rdpneg-probe") })
                        if (File.Exists(c))
                            return System.IO.Path.GetFullPath(c);
                return null;
            }
        }
    }

    /// <summary>A theory skipped (with the reason) when the lab is down or
    /// incomplete, or rdpneg-probe cannot be found.</summary>
    public sealed class ParityTheoryAttribute : TheoryAttribute
    {
        public ParityTheoryAttribute()
        {
            if (Lab.Env == null)
            {
                Skip = Lab.SkipReason;
                return;
            }
            foreach (var k in ParityTests.Keys)
                if (!Lab.Env.ContainsKey(k) || Lab.Env[k].Length == 0)
                {
                    Skip = k + " not in the lab env (LAB_ONLY subset?)";
                    return;
                }
            if (ParityTests.Cli_.Path == null)
                Skip = "rdpneg-probe not found: set RDPNEG_PROBE or RDPNEG_LIBRARY_DIR to a meson build directory";
        }
    }
}
