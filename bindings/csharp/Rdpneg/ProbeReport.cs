// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace Rdpneg
{
    /// <summary>One phase of the evidence (tcp, x224, tls, nla).</summary>
    public sealed class PhaseResult
    {
        internal PhaseResult(Phase phase, PhaseStatus status, double? ms, int errorCode, string? errorName, string? detail)
        {
            Phase = phase;
            Status = status;
            Ms = ms;
            ErrorCode = errorCode;
            ErrorName = errorName;
            Detail = detail;
        }

        public Phase Phase { get; }
        /// <summary>"tcp", "x224", "tls" or "nla" (as in the JSON).</summary>
        public string Name => Phase.ToString().ToLowerInvariant();
        public PhaseStatus Status { get; }
        /// <summary>Elapsed milliseconds; null when the phase did not run.</summary>
        public double? Ms { get; }
        /// <summary>The RDPNEG_ERR_* that ended the phase, 0 if none.</summary>
        public int ErrorCode { get; }
        public RdpnegError Error => (RdpnegError)ErrorCode;
        /// <summary>"RDPNEG_ERR_TIMEOUT", or null.</summary>
        public string? ErrorName { get; }
        /// <summary>The JSON detail sentence.</summary>
        public string? Detail { get; }

        /// <summary>The exception for ErrorCode (null when there is none).</summary>
        public RdpnegException? ToException() => ErrorCode < 0 ? RdpnegException.FromCode(ErrorCode, null, Detail) : null;

        public override string ToString() =>
            Name + " " + Status.ToString().ToLowerInvariant() + (Ms.HasValue ? " " + Ms.Value.ToString("0.0") + " ms" : "") +
            (ErrorName != null ? " " + ErrorName : "") + (Detail != null ? ": " + Detail : "");
    }

    /// <summary>The typed fields of one connection's evidence (the top
    /// level of a document, or one entry of attempts[]), read from the
    /// rdpneg.probe/1 JSON.</summary>
    internal sealed class ConnectionFields
    {
        internal PhaseResult[] Phases = new PhaseResult[RdpnegConstants.PhaseCount];
        internal TcpStatus Tcp;
        internal X224Status X224;
        internal TlsStatus Tls;
        internal Protocol? Selected;
        internal NegFailure? Failure;

        internal static ConnectionFields Read(JsonElement e)
        {
            var c = new ConnectionFields();
            var byName = new System.Collections.Generic.Dictionary<string, JsonElement>();
            if (e.TryGetProperty("phases", out var arr) && arr.ValueKind == JsonValueKind.Array)
                foreach (var p in arr.EnumerateArray())
                    if (Str(p, "name") is string n)
                        byName[n] = p;
            for (int i = 0; i < c.Phases.Length; i++)
            {
                var ph = (Phase)i;
                string name = ph.ToString().ToLowerInvariant();
                if (!byName.TryGetValue(name, out var p))
                {
                    c.Phases[i] = new PhaseResult(ph, PhaseStatus.Pending, null, 0, null, null);
                    continue;
                }
                string? err = Str(p, "error");
                int code = 0;
                if (err != null)
                    foreach (var row in RdpnegErrors.All)
                        if (row.Name == err)
                            code = row.Code;
                double? ms = p.TryGetProperty("ms", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetDouble() : (double?)null;
                c.Phases[i] = new PhaseResult(ph, ParseEnum<PhaseStatus>(Str(p, "status")), ms, code, err, Str(p, "detail"));
            }
            c.Tcp = ParseEnum<TcpStatus>(Str(Obj(e, "tcp"), "status"));
            var x224 = Obj(e, "x224");
            c.X224 = ParseEnum<X224Status>(Str(x224, "status"));
            c.Tls = ParseEnum<TlsStatus>(Str(Obj(e, "tls"), "status"));
            string? sel = Str(x224, "selected_protocol");
            if (sel != null && sel.StartsWith("0x", StringComparison.Ordinal) &&
                uint.TryParse(sel.Substring(2), System.Globalization.NumberStyles.HexNumber, null, out uint sp))
                c.Selected = (Protocol)sp;
            if (x224.HasValue && x224.Value.TryGetProperty("failure_code", out var fc) && fc.ValueKind == JsonValueKind.Number &&
                fc.TryGetUInt32(out uint f) && f != 0)
                c.Failure = (NegFailure)f;
            return c;
        }

        internal static JsonElement? Obj(JsonElement? e, string name) =>
            e.HasValue && e.Value.ValueKind == JsonValueKind.Object && e.Value.TryGetProperty(name, out var v) &&
            v.ValueKind == JsonValueKind.Object ? v : (JsonElement?)null;

        internal static string? Str(JsonElement? e, string name) =>
            e.HasValue && e.Value.ValueKind == JsonValueKind.Object && e.Value.TryGetProperty(name, out var v) &&
            v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        internal static bool Bool(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

        internal static double? Num(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
                ? v.GetDouble() : (double?)null;

        /// <summary>"dns_failed" -> DnsFailed; unknown (newer) names give the
        /// zero value (Pending).</summary>
        internal static T ParseEnum<T>(string? s) where T : struct
        {
            if (s != null && Enum.TryParse(s.Replace("_", ""), true, out T v))
                return v;
            return default;
        }

        internal static PhaseResult? FirstFailed(PhaseResult[] phases)
        {
            foreach (var p in phases)
                if (p.Status == PhaseStatus.Failed)
                    return p;
            return null;
        }
    }

    /// <summary>One connection of a probe (an entry of attempts[]): why the
    /// plan made it, what it requested, and its phases and outcome. Holds no
    /// native resource.</summary>
    public sealed class ProbeAttempt
    {
        private readonly ConnectionFields _f;

        internal ProbeAttempt(JsonElement root)
        {
            Root = root;
            _f = ConnectionFields.Read(root);
        }

        /// <summary>This attempt's object of the document.</summary>
        public JsonElement Root { get; }
        /// <summary>Why the plan ran it (the JSON "purpose").</summary>
        public string? Purpose => ConnectionFields.Str(Root, "purpose");
        /// <summary>The TLS versions it offered ("1.0-1.2", "1.1"), or null.</summary>
        public string? TlsOffered => ConnectionFields.Str(Root, "tls_offered");
        /// <summary>host, port, address (and sni) it connected to.</summary>
        public JsonElement? Target => ConnectionFields.Obj(Root, "target");
        /// <summary>The address connected to, or null.</summary>
        public string? Address => ConnectionFields.Str(Target, "address");
        public bool Finished => ConnectionFields.Bool(Root, "finished");
        public bool Cancelled => ConnectionFields.Bool(Root, "cancelled");
        /// <summary>Elapsed milliseconds of the connection.</summary>
        public double? TotalMs => ConnectionFields.Num(Root, "total_ms");
        public TcpStatus TcpStatus => _f.Tcp;
        public X224Status X224Status => _f.X224;
        public TlsStatus TlsStatus => _f.Tls;
        public Protocol? SelectedProtocol => _f.Selected;
        public NegFailure? FailureCode => _f.Failure;
        public IReadOnlyList<PhaseResult> Phases => _f.Phases;
        public PhaseResult GetPhase(Phase phase) => _f.Phases[(int)phase];
        /// <summary>The first failed phase, or null.</summary>
        public PhaseResult? FailedPhase => ConnectionFields.FirstFailed(_f.Phases);

        public override string ToString() =>
            (Purpose ?? "attempt") + ": " + string.Join(", ", _f.Phases.Select(p => p.ToString()));
    }

    /// <summary>
    /// The outcome of a probe: the rdpneg.probe/1 document of its evidence
    /// (every connection in Attempts; the top-level phases are the plan's
    /// combined evidence) with the diagnosis, the human-readable report, and
    /// typed fields read from the document. Holds no native resource.
    /// </summary>
    public sealed class ProbeReport
    {
        private readonly ConnectionFields _f;

        private ProbeReport(string json, string text, Verdict verdict)
        {
            Json = json;
            Text = text;
            Verdict = verdict;
            using (var doc = JsonDocument.Parse(json))
                Root = doc.RootElement.Clone();
            _f = ConnectionFields.Read(Root);
            var attempts = new List<ProbeAttempt>();
            if (Root.TryGetProperty("attempts", out var arr) && arr.ValueKind == JsonValueKind.Array)
                foreach (var a in arr.EnumerateArray())
                    attempts.Add(new ProbeAttempt(a));
            Attempts = attempts;
        }

        internal static ProbeReport Create(string json, string text, Verdict verdict) => new ProbeReport(json, text, verdict);

        /// <summary>The evidence as JSON text (schema rdpneg.probe/1).</summary>
        public string Json { get; }
        /// <summary>The parsed document's root (a detached clone; no Dispose needed).</summary>
        public JsonElement Root { get; }
        /// <summary>The human-readable multi-line report (as rdpneg-probe prints).</summary>
        public string Text { get; }
        public Verdict Verdict { get; }
        /// <summary>Monitoring-plugin exit code: 0 healthy, 1 degraded, 2 failing, 3 unknown.</summary>
        public int ExitCode => (int)Verdict;
        public bool IsHealthy => Verdict == Verdict.Healthy;
        public TcpStatus TcpStatus => _f.Tcp;
        public X224Status X224Status => _f.X224;
        public TlsStatus TlsStatus => _f.Tls;
        /// <summary>selectedProtocol of an RDP_NEG_RSP; null when none came.</summary>
        public Protocol? SelectedProtocol => _f.Selected;
        /// <summary>failureCode of an RDP_NEG_FAILURE; null when none came.</summary>
        public NegFailure? FailureCode => _f.Failure;
        public IReadOnlyList<PhaseResult> Phases => _f.Phases;

        public PhaseResult GetPhase(Phase phase) => _f.Phases[(int)phase];

        /// <summary>The first failed phase, or null.</summary>
        public PhaseResult? FailedPhase => ConnectionFields.FirstFailed(_f.Phases);

        /// <summary>Every connection the probe made, in the order the plan
        /// made them (attempts[]; one entry for a single session).</summary>
        public IReadOnlyList<ProbeAttempt> Attempts { get; }

        /// <summary>The plan's summary ({connections, top_attempt, notes[]}),
        /// or null (a single session's evidence has none).</summary>
        public JsonElement? Plan => ConnectionFields.Obj(Root, "plan");

        /// <summary>Where the evidence came from ("probe", or a saved
        /// document), as the JSON "source".</summary>
        public string? Source => ConnectionFields.Str(Root, "source");

        /// <summary>True when the probe ran to its end.</summary>
        public bool Finished => ConnectionFields.Bool(Root, "finished");

        /// <summary>True when the probe was cancelled: the evidence is what
        /// was gathered until then.</summary>
        public bool Cancelled => ConnectionFields.Bool(Root, "cancelled");

        /// <summary>The findings the library derived from the evidence, most
        /// important first (empty from a library without the diagnosis).</summary>
        public IReadOnlyList<Finding> Diagnosis
        {
            get
            {
                var list = new List<Finding>();
                if (Root.TryGetProperty("diagnosis", out var d) && d.ValueKind == JsonValueKind.Array)
                    foreach (var e in d.EnumerateArray())
                        list.Add(Finding.FromJson(e));
                return list;
            }
        }

        /// <summary>The cross-check of a reported code, or null.</summary>
        public JsonElement? Reported =>
            Root.TryGetProperty("reported", out var r) && r.ValueKind == JsonValueKind.Object ? r : (JsonElement?)null;

        /// <summary>The server certificate's evidence (tls.certificate), or null.</summary>
        public JsonElement? Certificate
        {
            get
            {
                if (Root.TryGetProperty("tls", out var tls) && tls.ValueKind == JsonValueKind.Object &&
                    tls.TryGetProperty("certificate", out var cert) && cert.ValueKind == JsonValueKind.Object)
                    return cert;
                return null;
            }
        }

        /// <summary>Throws the exception that ended the first failed phase.</summary>
        public void ThrowIfFailed()
        {
            var e = FailedPhase?.ToException();
            if (e != null)
                throw e;
        }

        public override string ToString() => Text;
    }
}
