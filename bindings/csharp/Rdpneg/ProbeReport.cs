using System;
using System.Collections.Generic;
using System.Text.Json;
using Rdpneg.Interop;

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

    /// <summary>
    /// A snapshot of a session's evidence: typed fields from the C accessors
    /// and the whole rdpneg.probe/1 JSON document. Holds no native resource.
    /// </summary>
    public sealed class ProbeReport
    {
        private readonly PhaseResult[] _phases;

        internal ProbeReport(string json, string text, Verdict verdict, TcpStatus tcp, X224Status x224, TlsStatus tls,
                             Protocol? selected, NegFailure? failure, PhaseResult[] phases)
        {
            Json = json;
            Text = text;
            Verdict = verdict;
            TcpStatus = tcp;
            X224Status = x224;
            TlsStatus = tls;
            SelectedProtocol = selected;
            FailureCode = failure;
            _phases = phases;
            using (var doc = JsonDocument.Parse(json))
                Root = doc.RootElement.Clone();
        }

        internal static unsafe ProbeReport FromSession(SessionSafeHandle h)
        {
            Ensure.Success(NativeMethods.rdpneg_session_json(h, out IntPtr jp, out UIntPtr jl), "rdpneg_session_json");
            string json = Utf8.Take(jp, jl);
            Ensure.Success(NativeMethods.rdpneg_session_report(h, out IntPtr tp, out UIntPtr tl), "rdpneg_session_report");
            string text = Utf8.Take(tp, tl);
            var details = new Dictionary<string, string?>();
            using (var doc = JsonDocument.Parse(json))
            {
                if (doc.RootElement.TryGetProperty("phases", out var arr) && arr.ValueKind == JsonValueKind.Array)
                {
                    foreach (var p in arr.EnumerateArray())
                    {
                        if (p.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
                            details[n.GetString()!] = p.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                    }
                }
            }
            var phases = new PhaseResult[RdpnegConstants.PhaseCount];
            for (int i = 0; i < phases.Length; i++)
            {
                var ph = (Phase)i;
                var st = (PhaseStatus)Ensure.Success(NativeMethods.rdpneg_session_phase(h, i, out double ms, out int err), "rdpneg_session_phase");
                bool ran = st == PhaseStatus.Ok || st == PhaseStatus.Failed || (st == PhaseStatus.Pending && ms > 0);
                string name = ph.ToString().ToLowerInvariant();
                details.TryGetValue(name, out string? detail);
                phases[i] = new PhaseResult(ph, st, ran ? ms : (double?)null, err,
                                            err != 0 ? RdpnegErrors.NativeName(err) : null, detail);
            }
            long sel = NativeMethods.rdpneg_session_selected_protocol(h);
            uint fc = NativeMethods.rdpneg_session_failure_code(h);
            return new ProbeReport(json, text,
                (Verdict)NativeMethods.rdpneg_session_verdict(h),
                (TcpStatus)NativeMethods.rdpneg_session_tcp_status(h),
                (X224Status)NativeMethods.rdpneg_session_x224_status(h),
                (TlsStatus)NativeMethods.rdpneg_session_tls_status(h),
                sel < 0 ? (Protocol?)null : (Protocol)(uint)sel,
                fc == 0 ? (NegFailure?)null : (NegFailure)fc,
                phases);
        }

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
        public TcpStatus TcpStatus { get; }
        public X224Status X224Status { get; }
        public TlsStatus TlsStatus { get; }
        /// <summary>selectedProtocol of an RDP_NEG_RSP; null when none came.</summary>
        public Protocol? SelectedProtocol { get; }
        /// <summary>failureCode of an RDP_NEG_FAILURE; null when none came.</summary>
        public NegFailure? FailureCode { get; }
        public IReadOnlyList<PhaseResult> Phases => _phases;

        public PhaseResult GetPhase(Phase phase) => _phases[(int)phase];

        /// <summary>The first failed phase, or null.</summary>
        public PhaseResult? FailedPhase
        {
            get
            {
                foreach (var p in _phases)
                    if (p.Status == PhaseStatus.Failed)
                        return p;
                return null;
            }
        }

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
