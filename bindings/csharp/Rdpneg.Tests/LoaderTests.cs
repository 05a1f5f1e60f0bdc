// SPDX-License-Identifier: Apache-2.0
using System;
using System.IO;
using System.Linq;
using Rdpneg.Interop;

namespace Rdpneg.Tests
{
    public class LoaderTests
    {
        [Fact]
        public void PlatformNames()
        {
            Assert.Equal("librdpneg.so.0", LibraryResolver.PlatformNames("rdpneg", "linux")[0]);
            Assert.Equal("librdpneg-uv.so.0", LibraryResolver.PlatformNames("rdpneg-uv", "linux")[0]);
            Assert.Equal("librdpneg.0.dylib", LibraryResolver.PlatformNames("rdpneg", "osx")[0]);
            var win = LibraryResolver.PlatformNames("rdpneg", "windows");
            Assert.Contains("rdpneg-0.dll", win);
            Assert.Contains("librdpneg-0.dll", win);
            Assert.Contains("rdpneg-uv-0.dll", LibraryResolver.PlatformNames("rdpneg-uv", "windows"));
        }

        [Fact]
        public void CandidateOrder()
        {
            string sep = Path.PathSeparator.ToString();
            var env = new System.Collections.Generic.Dictionary<string, string>
            {
                ["RDPNEG_LIBRARY"] = "/x/librdpneg.so.0",
                ["RDPNEG_LIBRARY_DIR"] = "/a" + sep + "/b",
            };
            var c = LibraryResolver.Candidates("rdpneg", k => env.TryGetValue(k, out var v) ? v : null, "linux")
                .Select(kv => kv.Value).ToList();
            Assert.Equal("/x/librdpneg.so.0", c[0]);
            Assert.Equal(Path.Combine("/a", "librdpneg.so.0"), c[1]);
            Assert.Contains(Path.Combine("/a", "uv", "librdpneg.so.0"), c);
            Assert.Contains(Path.Combine("/a", "lib", "librdpneg.so.0"), c);
            Assert.Contains(Path.Combine("/a", "lib", "uv", "librdpneg.so.0"), c);
            Assert.True(c.IndexOf(Path.Combine("/a", "librdpneg.so.0")) < c.IndexOf(Path.Combine("/b", "librdpneg.so.0")));
            var uv = LibraryResolver.Candidates("rdpneg-uv", k => k == "RDPNEG_UV_LIBRARY" ? "/y/uv.so" : null, "linux");
            Assert.Equal("/y/uv.so", uv[0].Value);
        }

        [LibraryDirFact]
        public void LoadedFromLibraryDir()
        {
            string? dir = Environment.GetEnvironmentVariable("RDPNEG_LIBRARY_DIR");
            RdpnegLibrary.EnsureUvLoaded();
            var dirs = dir!.Split(Path.PathSeparator).Where(d => d.Length > 0).Select(Path.GetFullPath).ToList();
            string? core = RdpnegLibrary.LibraryPath;
            string? uv = RdpnegLibrary.UvLibraryPath;
            Assert.NotNull(core);
            Assert.NotNull(uv);
            Assert.Contains(dirs, d => Path.GetFullPath(core!).StartsWith(d + Path.DirectorySeparatorChar));
            Assert.Contains(dirs, d => Path.GetFullPath(uv!).StartsWith(d + Path.DirectorySeparatorChar));
        }

        [Fact]
        public void DescribeNamesTheEnvironment()
        {
            string d = LibraryResolver.Describe("rdpneg");
            Assert.Contains("RDPNEG_LIBRARY_DIR", d);
            Assert.Contains("librdpneg", d);
        }
    }
}
