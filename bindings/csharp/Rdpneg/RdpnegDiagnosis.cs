using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>One finding of the diagnosis: a cause of the catalogue with
    /// the evidence that points to it.</summary>
    public sealed class Finding
    {
        internal Finding(string cause, string? phase, string? severity, string? confidence, string? evidence,
                         string? title, IReadOnlyList<string> remedies)
        {
            Cause = cause;
            Phase = phase;
            Severity = severity;
            Confidence = confidence;
            Evidence = evidence;
            Title = title;
            Remedies = remedies;
        }

        /// <summary>Stable cause ID, e.g. "CERT_EXPIRED" (see RdpnegTaxonomy.Cause).</summary>
        public string Cause { get; }
        /// <summary>"tcp", "x224", "tls" or "nla".</summary>
        public string? Phase { get; }
        /// <summary>"failing", "degraded" or "info".</summary>
        public string? Severity { get; }
        /// <summary>"high", "medium" or "low".</summary>
        public string? Confidence { get; }
        /// <summary>The observation in words, with the observed values.</summary>
        public string? Evidence { get; }
        /// <summary>The cause's title (in reports; null from Diagnose()).</summary>
        public string? Title { get; }
        /// <summary>Remedies in effect (in reports; empty from Diagnose()).</summary>
        public IReadOnlyList<string> Remedies { get; }

        internal static Finding FromJson(JsonElement e)
        {
            string? S(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var remedies = e.TryGetProperty("remedies", out var r) && r.ValueKind == JsonValueKind.Array
                ? r.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
                : new List<string>();
            return new Finding(S("cause") ?? "", S("phase"), S("severity"), S("confidence"), S("evidence"), S("title"), remedies);
        }

        public override string ToString() => "[" + Severity + "] " + Cause + " (" + Phase + "): " + Evidence;
    }

    /// <summary>A snapshot of rdpneg_diagnose(): findings, most important
    /// first, and the verdict derived from them.</summary>
    public sealed class RdpnegDiagnosis
    {
        private static int _available = -1;

        private RdpnegDiagnosis(IReadOnlyList<Finding> findings, Verdict verdict, string? reportedVerdict, string json)
        {
            Findings = findings;
            Verdict = verdict;
            ReportedVerdict = reportedVerdict;
            Json = json;
        }

        public IReadOnlyList<Finding> Findings { get; }
        public Verdict Verdict { get; }
        /// <summary>"confirmed", "refuted", "server_healthy", or null when no
        /// code was reported.</summary>
        public string? ReportedVerdict { get; }
        /// <summary>{"diagnosis": [...], "reported": {...}|null}.</summary>
        public string Json { get; }

        /// <summary>True when the loaded library has the diagnosis API.</summary>
        public static bool IsAvailable
        {
            get
            {
                if (_available < 0)
                {
                    RdpnegLibrary.EnsureLoaded();
#if NET5_0_OR_GREATER
                    _available = NativeMethods.DiagnosisFunctions.All(f => LibraryResolver.HasExport(NativeMethods.Lib, f)) ? 1 : 0;
#else
                    try
                    {
                        NativeMethods.rdpneg_session_set_analysis(new SessionSafeHandle(), IntPtr.Zero, null);
                        _available = 1;
                    }
                    catch (EntryPointNotFoundException)
                    {
                        _available = 0;
                    }
#endif
                }
                return _available == 1;
            }
        }

        internal static void Need()
        {
            if (!IsAvailable)
                throw new NotSupportedException("the loaded librdpneg has no diagnosis API (rdpneg_diagnosis.h)");
        }

        internal static RdpnegDiagnosis Create(RdpnegSession sess, string? reported, RdpnegTaxonomy? tax)
        {
            Need();
            byte[]? rep = Utf8.ToNative(reported, "reported");
            DiagnosisSafeHandle d = null!;
            RdpnegTaxonomy.With(tax, t => Ensure.Success(NativeMethods.rdpneg_diagnose(sess.Handle, t, rep, out d), "rdpneg_diagnose"));
            using (d)
            {
                var list = new List<Finding>();
                for (int i = 0, n = NativeMethods.rdpneg_diagnosis_count(d); i < n; i++)
                {
                    list.Add(new Finding(Utf8.FromNative(NativeMethods.rdpneg_diagnosis_cause(d, i)) ?? "",
                                         Utf8.FromNative(NativeMethods.rdpneg_diagnosis_phase(d, i)),
                                         Utf8.FromNative(NativeMethods.rdpneg_diagnosis_severity(d, i)),
                                         Utf8.FromNative(NativeMethods.rdpneg_diagnosis_confidence(d, i)),
                                         Utf8.FromNative(NativeMethods.rdpneg_diagnosis_evidence(d, i)),
                                         null, Array.Empty<string>()));
                }
                Ensure.Success(NativeMethods.rdpneg_diagnosis_json(d, out IntPtr p, out UIntPtr len), "rdpneg_diagnosis_json");
                return new RdpnegDiagnosis(list, (Verdict)NativeMethods.rdpneg_diagnosis_verdict(d),
                                           Utf8.FromNative(NativeMethods.rdpneg_diagnosis_reported_verdict(d)), Utf8.Take(p, len));
            }
        }
    }
}
