// SPDX-License-Identifier: Apache-2.0
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace Rdpneg.Tests
{
    public class GeneratedTests
    {
        [Fact]
        public void GeneratedFilesAreUpToDate()
        {
            string gen = Path.Combine(Support.RepoRoot, "bindings", "gen", "gen_bindings.py");
            var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("PYTHON") ?? "python3", "\"" + gen + "\" --check")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "generated binding files are stale:\n" + err);
        }

        [Fact]
        public void ErrorRowsMatchTheLibrary()
        {
            RdpnegLibrary.EnsureLoaded();
            Assert.NotEmpty(RdpnegErrors.All);
            foreach (var row in RdpnegErrors.All)
            {
                Assert.Equal(row.Name, RdpnegErrors.NativeName(row.Code));
                Assert.Equal(row.Message, RdpnegErrors.NativeMessage(row.Code));
                Assert.Equal(row.Category, RdpnegErrors.CategoryOf(row.Code));
                Assert.True(Enum.IsDefined(typeof(RdpnegError), row.Code), row.Name);
            }
        }

        [Fact]
        public void LibraryHasNoCodeTheTableLacks()
        {
            var known = RdpnegErrors.All.Select(r => r.Code).ToHashSet();
            var extra = Enumerable.Range(-999, 999)
                .Where(c => RdpnegErrors.NativeName(c) != null && !known.Contains(c))
                .Select(c => c + "=" + RdpnegErrors.NativeName(c)).ToList();
            Assert.True(extra.Count == 0, "library codes missing from RdpnegError.g.cs: " + string.Join(", ", extra));
        }

        [Fact]
        public void EnumNamesMatchTheLibrary()
        {
            foreach (Protocol p in Enum.GetValues(typeof(Protocol)))
            {
                string? name = Interop.Utf8.FromNative(Interop.NativeMethods.rdpneg_protocol_name((uint)p));
                Assert.Equal(p.ToString().ToUpperInvariant(), name!.Replace("_", ""));
            }
            foreach (NegFailure f in Enum.GetValues(typeof(NegFailure)))
            {
                string? name = Interop.Utf8.FromNative(Interop.NativeMethods.rdpneg_failure_name((uint)f));
                Assert.Equal(f.ToString().ToUpperInvariant(), name!.Replace("_", ""));
            }
            Assert.Equal(4, RdpnegConstants.PhaseCount);
        }

        [Fact]
        public void Version()
        {
            string v = RdpnegLibrary.Version;
            Assert.Matches(@"^\d+\.\d+\.\d+", v);
            Assert.True(RdpnegLibrary.ParseVersion(v) >= RdpnegLibrary.MinimumVersion);
        }
    }
}
