// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;

namespace Rdpneg.Tests
{
    internal static class Support
    {
        internal const ulong Msec = 1_000_000UL;

        // xrdp's RDP_NEG_FAILURE SSL_REQUIRED_BY_SERVER, SRC-REF 0x1234
        internal static readonly byte[] XrdpFailure = Hex("03 00 00 13 0e d0 00 00 12 34 00 03 00 08 00 01 00 00 00");
        // Connection Confirm without negotiation data (legacy)
        internal static readonly byte[] LegacyConfirm = Hex("03 00 00 0b 06 d0 00 00 12 34 00");
        // RDP_NEG_RSP selecting PROTOCOL_RDP
        internal static readonly byte[] RspRdp = Hex("03 00 00 13 0e d0 00 00 12 34 00 02 01 08 00 00 00 00 00");
        internal static readonly byte[] SshBanner = System.Text.Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");

        // self-signed EC certificate (CN=rdpneg binding test CA), valid to 2126
        internal const string TestCaPem =
            "-----BEGIN CERTIFICATE-----\n" +
            "MIIBmTCCAT+gAwIBAgIUSEJpN4Y+oE59KPqUm3adpPt1QSUwCgYIKoZIzj0EAwIw\n" +
            "ITEfMB0GA1UEAwwWcmRwbmVnIGJpbmRpbmcgdGVzdCBDQTAgFw0yNjExMjIwNDU2\n" +
            "MjZaGA8yMTI2MTAyOTA0NTYyNlowITEfMB0GA1UEAwwWcmRwbmVnIGJpbmRpbmcg\n" +
            "dGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIr6wANgyzM3qGBQtqNY\n" +
            "U3D3reXWkCi+LZKktFVHIdlf4x5YXtO81dw1WRx+AdBWoLx2CzvlmT5ds2zX3GK5\n" +
            "ALWjUzBRMB0GA1UdDgQWBBQUhj9R3XwdColazD2+/K7rAKelrzAfBgNVHSMEGDAW\n" +
            "gBQUhj9R3XwdColazD2+/K7rAKelrzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49\n" +
            "BAMCA0gAMEUCIQCVzW/BJuMrlrkNmiJXxoRcqMgXcH4oSumTdqYBL4VJNwIga54t\n" +
            "lZr+DuGnJJAse5655a2iwJA/Fn7ICtT73UHGr5o=\n" +
            "-----END CERTIFICATE-----\n";

        internal static byte[] Hex(string s)
        {
            s = s.Replace(" ", "");
            var b = new byte[s.Length / 2];
            for (int i = 0; i < b.Length; i++)
                b[i] = Convert.ToByte(s.Substring(2 * i, 2), 16);
            return b;
        }

        /// <summary>The source tree: RDPNEG_SOURCE_DIR, else the first
        /// ancestor of the test binary holding include/rdpneg/rdpneg.h.</summary>
        internal static string RepoRoot
        {
            get
            {
                var env = Environment.GetEnvironmentVariable("RDPNEG_SOURCE_DIR");
                if (!string.IsNullOrEmpty(env))
                    return env!;
                var d = new DirectoryInfo(AppContext.BaseDirectory);
                while (d != null && !File.Exists(Path.Combine(d.FullName, "include", "rdpneg", "rdpneg.h")))
                    d = d.Parent;
                return d?.FullName ?? throw new InvalidOperationException("source tree not found; set RDPNEG_SOURCE_DIR");
            }
        }

        internal static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int p = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return p;
        }
    }

    /// <summary>rdpneg.probe/1 documents compared field by field, timings
    /// aside (as test/lab/docs_matrix.py: the keys ms, total_ms, server_time,
    /// clock_skew_s and library are dropped, "N ms" in strings becomes
    /// "# ms").</summary>
    internal static class Docs
    {
        private static readonly string[] Volatile = { "ms", "total_ms", "start_ms", "t_ms", "messages", "messages_dropped", "server_time", "clock_skew_s", "library" };
        private static readonly Regex Millis = new Regex(@"\d+(\.\d+)? ms");

        // The ServerHello random (and what follows it) is drawn by the server
        // per connection: it shows in x224.received_hex, the first bytes of
        // everything received, whenever the ServerHello came with the confirm.
        private static readonly Regex ServerRandom = new Regex("(16030[0-4][0-9a-f]{4}02[0-9a-f]{6}030[0-4])[0-9a-f]+$");

        // Keys whose value depends on how the server's last bytes were
        // segmented: bytes that arrive in the same read as the one that ends
        // the session are counted and kept (an xrdp X.224 Disconnect Request
        // right behind the RDP_NEG_FAILURE or a TLS alert), later ones are
        // not, so two runs of one driver can differ. received_hex is
        // compared as a prefix (one must start with the other);
        // bytes_received is not compared.
        private static readonly string[] Segmentation = { "bytes_received" };

        /// <summary>The differences between |a| and |b| ("path: x != y"),
        /// empty when they agree.</summary>
        internal static List<string> Diff(string a, string b)
        {
            var diffs = new List<string>();
            using var da = JsonDocument.Parse(Canonical(a));
            using var db = JsonDocument.Parse(Canonical(b));
            Diff(da.RootElement, db.RootElement, "", diffs);
            return diffs;
        }

        private static void Diff(JsonElement a, JsonElement b, string path, List<string> diffs)
        {
            if (Kind(a) != Kind(b))
            {
                diffs.Add(path + ": " + Show(a) + " != " + Show(b));
                return;
            }
            switch (a.ValueKind)
            {
                case JsonValueKind.Object:
                    var keys = new SortedSet<string>(StringComparer.Ordinal);
                    foreach (var p in a.EnumerateObject())
                        keys.Add(p.Name);
                    foreach (var p in b.EnumerateObject())
                        keys.Add(p.Name);
                    foreach (var k in keys)
                    {
                        if (Array.IndexOf(Volatile, k) >= 0 || Array.IndexOf(Segmentation, k) >= 0)
                            continue;
                        bool ina = a.TryGetProperty(k, out var va), inb = b.TryGetProperty(k, out var vb);
                        if (!ina || !inb)
                            diffs.Add(path + "." + k + ": only in " + (ina ? "A" : "B"));
                        else
                            Diff(va, vb, path + "." + k, diffs);
                    }
                    break;
                case JsonValueKind.Array:
                    int na = a.GetArrayLength(), nb = b.GetArrayLength();
                    if (na != nb)
                        diffs.Add(path + ": " + na + " items != " + nb);
                    for (int i = 0; i < Math.Min(na, nb); i++)
                        Diff(a[i], b[i], path + "[" + i + "]", diffs);
                    break;
                case JsonValueKind.String:
                    string sa = Millis.Replace(a.GetString()!, "# ms"), sb = Millis.Replace(b.GetString()!, "# ms");
                    if (path.EndsWith(".received_hex", StringComparison.Ordinal) && sa.Length != sb.Length &&
                        (sa.StartsWith(sb, StringComparison.Ordinal) || sb.StartsWith(sa, StringComparison.Ordinal)))
                        break;
                    if (sa != sb)
                        diffs.Add(path + ": \"" + sa + "\" != \"" + sb + "\"");
                    break;
                case JsonValueKind.True:
                case JsonValueKind.False:
                    if (a.ValueKind != b.ValueKind)
                        diffs.Add(path + ": " + Show(a) + " != " + Show(b));
                    break;
                case JsonValueKind.Number:
                    if (a.GetRawText() != b.GetRawText())
                        diffs.Add(path + ": " + a.GetRawText() + " != " + b.GetRawText());
                    break;
            }
        }

        /// <summary>|json| with what no driver decides made comparable:
        /// the server random in received_hex masked, and the parallel
        /// tls_version attempts in version order. librdpneg records attempts
        /// in the order they finish (lib/core/plan.c), so connections that
        /// run at once can swap places from one run to the next, whatever the
        /// driver; their indices in tls.versions.*.attempt and
        /// plan.top_attempt are renumbered to match.</summary>
        internal static string Canonical(string json)
        {
            var root = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
            MaskRandom(root);
            if (root["attempts"] is System.Text.Json.Nodes.JsonArray atts)
            {
                var list = new List<System.Text.Json.Nodes.JsonNode?>(atts);
                var slots = new List<int>();
                for (int i = 0; i < list.Count; i++)
                    if ((string?)list[i]?["purpose"] == "tls_version")
                        slots.Add(i);
                var sorted = slots.OrderBy(i => (string?)list[i]?["tls_offered"], StringComparer.Ordinal).ToList();
                var newIndex = new Dictionary<int, int>();
                for (int k = 0; k < slots.Count; k++)
                    newIndex[sorted[k]] = slots[k];
                atts.Clear();
                var reordered = new System.Text.Json.Nodes.JsonNode?[list.Count];
                for (int i = 0; i < list.Count; i++)
                    reordered[newIndex.TryGetValue(i, out int j) ? j : i] = list[i];
                foreach (var n in reordered)
                    atts.Add(n);
                int Map(int i) => newIndex.TryGetValue(i, out int j) ? j : i;
                if (root["tls"]?["versions"] is System.Text.Json.Nodes.JsonObject vs)
                    foreach (var kv in vs.ToList())
                        if (kv.Value is System.Text.Json.Nodes.JsonObject v && v["attempt"] is System.Text.Json.Nodes.JsonValue av &&
                            av.TryGetValue(out int ai))
                            v["attempt"] = Map(ai);
                if (root["plan"]?["top_attempt"] is System.Text.Json.Nodes.JsonValue tv && tv.TryGetValue(out int top))
                    root["plan"]!["top_attempt"] = Map(top);
            }
            return root.ToJsonString();
        }

        private static void MaskRandom(System.Text.Json.Nodes.JsonNode? n)
        {
            if (n is System.Text.Json.Nodes.JsonObject o)
            {
                foreach (var kv in o.ToList())
                {
                    if (kv.Key == "received_hex" && kv.Value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out string? hex))
                        o[kv.Key] = ServerRandom.Replace(hex, "$1<server random>");
                    else
                        MaskRandom(kv.Value);
                }
            }
            else if (n is System.Text.Json.Nodes.JsonArray a)
            {
                foreach (var x in a)
                    MaskRandom(x);
            }
        }

        private static JsonValueKind Kind(JsonElement e) => e.ValueKind == JsonValueKind.False ? JsonValueKind.True : e.ValueKind;

        private static string Show(JsonElement e)
        {
            string s = e.GetRawText();
            return s.Length > 80 ? s.Substring(0, 80) + "..." : s;
        }
    }

    /// <summary>test/lab/run/env parsed (null when the lab is not up).</summary>
    internal static class Lab
    {
        internal static readonly string EnvPath =
            Environment.GetEnvironmentVariable("RDPNEG_LAB_ENV") is { Length: > 0 } p ? p
                : Path.Combine(Support.RepoRoot, "test", "lab", "run", "env");

        internal static readonly IReadOnlyDictionary<string, string>? Env = Load();

        internal static string SkipReason => "lab not up: " + EnvPath + " absent (run test/lab/lab.sh up)";

        private static IReadOnlyDictionary<string, string>? Load()
        {
            if (!File.Exists(EnvPath))
                return null;
            var d = new Dictionary<string, string>();
            foreach (var raw in File.ReadAllLines(EnvPath))
            {
                var line = raw.Trim();
                int eq = line.IndexOf('=');
                if (line.Length == 0 || line[0] == '#' || eq <= 0)
                    continue;
                string v = line.Substring(eq + 1).Trim();
                if (v.Length >= 2 && (v[0] == '\'' || v[0] == '"') && v[v.Length - 1] == v[0])
                    v = v.Substring(1, v.Length - 2);
                d[line.Substring(0, eq).Trim()] = v;
            }
            return d;
        }

        internal static string Host => Env != null && Env.TryGetValue("LAB_HOST", out var h) ? h : "127.0.0.1";

        internal static int Port(string key) => int.Parse(Env![key]);

        internal static string Get(string key, string fallback) =>
            Env != null && Env.TryGetValue(key, out var v) && v.Length > 0 ? v : fallback;
    }

    /// <summary>A fact that is reported as skipped (not passed) when the lab
    /// is down or lacks one of |keys| (or, with NeedDiagnosis, when the
    /// library lacks the diagnosis API).</summary>
    public sealed class LabFactAttribute : FactAttribute
    {
        private readonly string[] _keys;
        private string? _skip;

        public LabFactAttribute(params string[] keys)
        {
            _keys = keys;
        }

        public bool NeedDiagnosis { get; set; }

        public override string? Skip
        {
            get => _skip ?? Reason();
            set => _skip = value;
        }

        private string? Reason()
        {
            if (Lab.Env == null)
                return Lab.SkipReason;
            foreach (var k in _keys)
                if (!Lab.Env.ContainsKey(k) || Lab.Env[k].Length == 0)
                    return k + " not in the lab env (LAB_ONLY subset?)";
            if (NeedDiagnosis)
                return DiagnosisFactAttribute.Missing();
            return null;
        }
    }

    /// <summary>A fact skipped when RDPNEG_LIBRARY_DIR is not set (run_tests.sh sets it).</summary>
    public sealed class LibraryDirFactAttribute : FactAttribute
    {
        public LibraryDirFactAttribute()
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("RDPNEG_LIBRARY_DIR")) ||
                !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("RDPNEG_LIBRARY")))
                Skip = "RDPNEG_LIBRARY_DIR not set (run_tests.sh sets it)";
        }
    }

    /// <summary>A fact skipped when the library lacks the taxonomy API.</summary>
    public sealed class TaxonomyFactAttribute : FactAttribute
    {
        public TaxonomyFactAttribute()
        {
            Skip = Missing();
        }

        internal static string? Missing()
        {
            try
            {
                return RdpnegTaxonomy.IsAvailable ? null
                    : "library lacks the taxonomy API (missing " + string.Join(", ", System.Linq.Enumerable.Take(RdpnegTaxonomy.MissingFunctions, 3)) + ")";
            }
            catch (Exception e)
            {
                return "librdpneg not loadable: " + e.Message;
            }
        }
    }

    /// <summary>A fact skipped when the library lacks the diagnosis API (and,
    /// with NeedTaxonomy, the taxonomy API).</summary>
    public sealed class DiagnosisFactAttribute : FactAttribute
    {
        private string? _skip;

        public bool NeedTaxonomy { get; set; }

        public override string? Skip
        {
            get => _skip ?? Missing() ?? (NeedTaxonomy ? TaxonomyFactAttribute.Missing() : null);
            set => _skip = value;
        }

        internal static string? Missing()
        {
            try
            {
                return RdpnegDiagnosis.IsAvailable ? null : "library lacks the diagnosis API";
            }
            catch (Exception e)
            {
                return "librdpneg not loadable: " + e.Message;
            }
        }
    }

    /// <summary>A loopback server answering each connection from a script:
    /// optional greeting, read the Connection Request (one TPKT), send the
    /// answer, then close, reset or hold.</summary>
    internal sealed class ScriptedServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly List<Socket> _conns = new List<Socket>();
        private readonly Thread _thread;
        private readonly byte[] _answer;
        private readonly string _then;
        private readonly byte[] _greet;
        private readonly bool _readRequest;
        internal readonly List<byte[]> Requests = new List<byte[]>();

        internal ScriptedServer(byte[]? answer = null, string then = "close", byte[]? greet = null, bool readRequest = true)
        {
            _answer = answer ?? Array.Empty<byte>();
            _then = then;
            _greet = greet ?? Array.Empty<byte>();
            _readRequest = readRequest;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _thread = new Thread(Run) { IsBackground = true };
            _thread.Start();
        }

        internal int Port { get; }

        private void Run()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket s;
                try
                {
                    s = _listener.AcceptSocket();
                }
                catch (Exception)
                {
                    return;
                }
                lock (_conns)
                    _conns.Add(s);
                new Thread(() => Serve(s)) { IsBackground = true }.Start();
            }
        }

        private void Serve(Socket s)
        {
            try
            {
                s.ReceiveTimeout = 10000;
                if (_greet.Length > 0)
                    s.Send(_greet);
                if (_readRequest)
                {
                    var hdr = RecvExact(s, 4);
                    if (hdr.Length == 4 && hdr[0] == 3)
                    {
                        var body = RecvExact(s, ((hdr[2] << 8) | hdr[3]) - 4);
                        var req = new byte[4 + body.Length];
                        hdr.CopyTo(req, 0);
                        body.CopyTo(req, 4);
                        lock (Requests)
                            Requests.Add(req);
                    }
                }
                if (_answer.Length > 0)
                    s.Send(_answer);
                switch (_then)
                {
                    case "reset":
                        s.LingerState = new LingerOption(true, 0);
                        s.Close();
                        break;
                    case "close":
                        s.Shutdown(SocketShutdown.Send);
                        Thread.Sleep(200);
                        s.Close();
                        break;
                    default:
                        _stop.Token.WaitHandle.WaitOne(30000);
                        s.Close();
                        break;
                }
            }
            catch (Exception)
            {
            }
        }

        private static byte[] RecvExact(Socket s, int n)
        {
            var buf = new byte[Math.Max(n, 0)];
            int got = 0;
            while (got < n)
            {
                int r = s.Receive(buf, got, n - got, SocketFlags.None);
                if (r <= 0)
                    break;
                got += r;
            }
            if (got < n)
                Array.Resize(ref buf, got);
            return buf;
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { _listener.Stop(); } catch (Exception) { }
            lock (_conns)
                foreach (var c in _conns)
                    try { c.Close(); } catch (Exception) { }
            _thread.Join(2000);
        }
    }
}
