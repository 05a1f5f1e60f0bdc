// SPDX-License-Identifier: Apache-2.0
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

    /// <summary>
    /// rdpneg_diagnose() over an evidence value (<see cref="RdpnegEvidence"/>):
    /// the findings, most important first, the verdict derived from them and
    /// the cross-check of a reported code. The findings are read once, when
    /// the diagnosis is made; the native diagnosis is kept (until Dispose, or
    /// the finalizer) for <see cref="RdpnegEvidence.Json(RdpnegDiagnosis)"/>
    /// and <see cref="RdpnegEvidence.Text(RdpnegDiagnosis)"/>. It keeps the
    /// taxonomy it was made with alive.
    /// </summary>
    public sealed class RdpnegDiagnosis : IDisposable
    {
        private static int _available = -1;
        private readonly DiagnosisSafeHandle _handle;

        private RdpnegDiagnosis(DiagnosisSafeHandle handle, IReadOnlyList<Finding> findings, Verdict verdict,
                                string? reportedVerdict, string json)
        {
            _handle = handle;
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

        internal DiagnosisSafeHandle Handle
        {
            get
            {
                if (_handle.IsClosed)
                    throw new ObjectDisposedException(nameof(RdpnegDiagnosis));
                return _handle;
            }
        }

        /// <summary>Frees the native diagnosis (the properties stay readable).</summary>
        public void Dispose() => _handle.Dispose();

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
                        NativeMethods.rdpneg_reported_check(null);
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

        /// <summary>Checks the form of a reported code ("0x904/0x7",
        /// "errinfo:0x7", "ntstatus:0xC000006D") as the diagnosis reads it,
        /// without diagnosing anything (rdpneg_reported_check): a front end
        /// refuses a typo before it connects. Null is accepted (nothing
        /// reported). Throws RdpnegUsageException.</summary>
        public static void CheckReported(string? reported)
        {
            if (reported == null)
                return;
            Need();
            byte[] rep = Utf8.ToNative(reported, "reported")!;
            int rv = NativeMethods.rdpneg_reported_check(rep);
            if (rv < 0)
                throw RdpnegException.FromCode(rv, "rdpneg_reported_check",
                                               "reported code \"" + reported + "\" is not [KIND:]CODE[/EXTENDED], e.g. 0x904/0x7 or ntstatus:0xC000006D");
        }

        internal static RdpnegDiagnosis Create(EvidenceSafeHandle ev, string? reported, RdpnegTaxonomy? tax)
        {
            Need();
            CheckReported(reported);
            byte[]? rep = Utf8.ToNative(reported, "reported");
            DiagnosisSafeHandle d = null!;
            RdpnegTaxonomy.With(tax, t =>
            {
                Ensure.Success(NativeMethods.rdpneg_diagnose(ev, t, rep, out d), "rdpneg_diagnose");
                if (tax != null)
                    d.Borrow(tax.Handle);
                return 0;
            });
            try
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
                return new RdpnegDiagnosis(d, list, (Verdict)NativeMethods.rdpneg_diagnosis_verdict(d),
                                           Utf8.FromNative(NativeMethods.rdpneg_diagnosis_reported_verdict(d)), Utf8.Take(p, len));
            }
            catch
            {
                d.Dispose();
                throw;
            }
        }
    }
}
