// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.Linq;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>One row of the code tables.</summary>
    public sealed class CodeInfo
    {
        internal CodeInfo(int i)
        {
            Index = i;
            Kind = (CodeKind)NativeMethods.rdpneg_code_kind(i);
            Value = NativeMethods.rdpneg_code_value(i);
            Name = Utf8.FromNative(NativeMethods.rdpneg_code_name(i));
            AltName = Utf8.FromNative(NativeMethods.rdpneg_code_alt_name(i));
            Meaning = Utf8.FromNative(NativeMethods.rdpneg_code_meaning(i));
            Phase = Utf8.FromNative(NativeMethods.rdpneg_code_phase(i));
            Source = Utf8.FromNative(NativeMethods.rdpneg_code_source(i));
            Confidence = Utf8.FromNative(NativeMethods.rdpneg_code_confidence(i));
            Status = Utf8.FromNative(NativeMethods.rdpneg_code_status(i));
        }

        public int Index { get; }
        public CodeKind Kind { get; }
        public uint Value { get; }
        /// <summary>Official name; null for codes reported without a documented name.</summary>
        public string? Name { get; }
        public string? AltName { get; }
        public string? Meaning { get; }
        public string? Phase { get; }
        public string? Source { get; }
        /// <summary>"O", "I", "C", "INF" or "UNV".</summary>
        public string? Confidence { get; }
        /// <summary>"official", "implementation" or "unofficial".</summary>
        public string? Status { get; }

        public override string ToString() => Kind + " 0x" + Value.ToString("X") + " " + (Name ?? AltName ?? "") + ": " + Meaning;
    }

    /// <summary>A cause of the catalogue with its evidence, remedies and codes.</summary>
    public sealed class CauseInfo
    {
        internal CauseInfo(int i, RdpnegTaxonomy? tax)
        {
            Index = i;
            Id = Utf8.FromNative(NativeMethods.rdpneg_cause_id(i)) ?? "";
            Title = Utf8.FromNative(NativeMethods.rdpneg_cause_title(i));
            Description = Utf8.FromNative(NativeMethods.rdpneg_cause_description(i));
            Phase = Utf8.FromNative(NativeMethods.rdpneg_cause_phase(i));
            Severity = Utf8.FromNative(NativeMethods.rdpneg_cause_severity(i));
            Source = Utf8.FromNative(NativeMethods.rdpneg_cause_source(i));
            Confidence = Utf8.FromNative(NativeMethods.rdpneg_cause_confidence(i));
            var ev = new List<(string Text, string? Where)>();
            for (int j = 0, n = NativeMethods.rdpneg_cause_evidence_count(i); j < n; j++)
                ev.Add((Utf8.FromNative(NativeMethods.rdpneg_cause_evidence(i, j)) ?? "",
                        Utf8.FromNative(NativeMethods.rdpneg_cause_evidence_where(i, j))));
            Evidence = ev;
            var rem = new List<(string Text, string? Source)>();
            RdpnegTaxonomy.With(tax, t =>
            {
                for (int j = 0, n = NativeMethods.rdpneg_cause_remedy_count(t, i); j < n; j++)
                    rem.Add((Utf8.FromNative(NativeMethods.rdpneg_cause_remedy(t, i, j)) ?? "",
                             Utf8.FromNative(NativeMethods.rdpneg_cause_remedy_source(t, i, j))));
                return 0;
            });
            Remedies = rem;
            var codes = new List<(CodeKind Kind, uint Lo, uint Hi, string? Confidence)>();
            for (int j = 0, n = NativeMethods.rdpneg_cause_code_count(i); j < n; j++)
            {
                if (NativeMethods.rdpneg_cause_code(i, j, out int k, out uint lo, out uint hi) == 0)
                    codes.Add(((CodeKind)k, lo, hi, Utf8.FromNative(NativeMethods.rdpneg_cause_code_confidence(i, j))));
            }
            Codes = codes;
        }

        public int Index { get; }
        /// <summary>Stable ID, e.g. "CERT_EXPIRED".</summary>
        public string Id { get; }
        public string? Title { get; }
        public string? Description { get; }
        public string? Phase { get; }
        /// <summary>"failing", "degraded" or "info".</summary>
        public string? Severity { get; }
        public string? Source { get; }
        public string? Confidence { get; }
        /// <summary>Evidence items; Where is "probe", "server" or "client".</summary>
        public IReadOnlyList<(string Text, string? Where)> Evidence { get; }
        /// <summary>Remedies in effect for the taxonomy this was read with.</summary>
        public IReadOnlyList<(string Text, string? Source)> Remedies { get; }
        /// <summary>Client codes this cause shows up as (Lo..Hi inclusive).</summary>
        public IReadOnlyList<(CodeKind Kind, uint Lo, uint Hi, string? Confidence)> Codes { get; }

        /// <summary>rdpneg.cause/1 JSON.</summary>
        public string ToJson(RdpnegTaxonomy? tax = null) => RdpnegTaxonomy.With(tax, t =>
        {
            Ensure.Success(NativeMethods.rdpneg_cause_json(t, Index, out IntPtr p, out UIntPtr n), "rdpneg_cause_json");
            return Utf8.Take(p, n);
        });

        /// <summary>Human-readable description.</summary>
        public string ToText(RdpnegTaxonomy? tax = null) => RdpnegTaxonomy.With(tax, t =>
        {
            Ensure.Success(NativeMethods.rdpneg_cause_text(t, Index, out IntPtr p, out UIntPtr n), "rdpneg_cause_text");
            return Utf8.Take(p, n);
        });

        public override string ToString() => Id + ": " + Title;
    }

    /// <summary>
    /// The taxonomy (rdpneg_taxonomy.h): what RDP error codes mean and which
    /// causes can be behind them. Static members read the built-in tables; an
    /// instance holds vendor overrides of remedy text (load them with
    /// LoadOverrides and pass the instance where a method takes one; null
    /// means the built-in text). The functions are feature-detected:
    /// <see cref="IsAvailable"/> is false, and every member throws
    /// NotSupportedException, when the loaded library lacks them.
    /// </summary>
    public sealed class RdpnegTaxonomy : IDisposable
    {
        private static string[]? _missing;
        private readonly TaxonomySafeHandle _handle;

        /// <summary>A handle with the built-in defaults (no overrides).</summary>
        public RdpnegTaxonomy()
        {
            Need();
            Ensure.Success(NativeMethods.rdpneg_taxonomy_new(out _handle), "rdpneg_taxonomy_new");
        }

        public void Dispose() => _handle.Dispose();

        internal TaxonomySafeHandle Handle
        {
            get
            {
                if (_handle.IsClosed)
                    throw new ObjectDisposedException(nameof(RdpnegTaxonomy));
                return _handle;
            }
        }

        /// <summary>Runs |f| with the raw pointer of |tax| (IntPtr.Zero for
        /// null), keeping the handle alive for the call.</summary>
        internal static T With<T>(RdpnegTaxonomy? tax, Func<IntPtr, T> f)
        {
            if (tax == null)
                return f(IntPtr.Zero);
            var h = tax.Handle;
            bool added = false;
            try
            {
                h.DangerousAddRef(ref added);
                return f(h.DangerousGetHandle());
            }
            finally
            {
                if (added)
                    h.DangerousRelease();
            }
        }

        /// <summary>The taxonomy functions the loaded library lacks (empty
        /// when the API is complete).</summary>
        public static IReadOnlyList<string> MissingFunctions
        {
            get
            {
                if (_missing != null)
                    return _missing;
                RdpnegLibrary.EnsureLoaded();
                var missing = new List<string>();
#if NET5_0_OR_GREATER
                foreach (var f in NativeMethods.TaxonomyFunctions)
                    if (!LibraryResolver.HasExport(NativeMethods.Lib, f))
                        missing.Add(f);
#else
                try { NativeMethods.rdpneg_kind_name(0); } catch (EntryPointNotFoundException) { missing.Add("rdpneg_kind_name"); }
                try { NativeMethods.rdpneg_code_count(); } catch (EntryPointNotFoundException) { missing.Add("rdpneg_code_count"); }
                try { NativeMethods.rdpneg_cause_count(); } catch (EntryPointNotFoundException) { missing.Add("rdpneg_cause_count"); }
                try { NativeMethods.rdpneg_source_count(); } catch (EntryPointNotFoundException) { missing.Add("rdpneg_source_count"); }
#endif
                _missing = missing.ToArray();
                return _missing;
            }
        }

        /// <summary>True when the loaded library has the taxonomy API.</summary>
        public static bool IsAvailable => MissingFunctions.Count == 0;

        private static void Need()
        {
            if (!IsAvailable)
                throw new NotSupportedException("the loaded librdpneg has no taxonomy API (missing " +
                                                string.Join(", ", MissingFunctions.Take(3)) +
                                                (MissingFunctions.Count > 3 ? ", ..." : "") + ")");
        }

        // ---- overrides -------------------------------------------------------------

        /// <summary>Applies the overrides in the JSON file |path|. On error
        /// throws RdpnegUsageException (BadFile) whose Detail names file, line
        /// and column; the handle is then unchanged.</summary>
        public void LoadOverrides(string path)
        {
            var err = new byte[512];
            int rv = NativeMethods.rdpneg_taxonomy_load_overrides(Handle, Utf8.ToNative(path, "path")!, err, (UIntPtr)err.Length);
            if (rv < 0)
                throw RdpnegException.FromCode(rv, "rdpneg_taxonomy_load_overrides", NullIfEmpty(Utf8.FromBuffer(err)));
        }

        /// <summary>Like LoadOverrides for JSON bytes in memory; |label| names
        /// the document in messages and remedy sources.</summary>
        public unsafe void LoadOverrides(ReadOnlySpan<byte> json, string? label)
        {
            var err = new byte[512];
            int rv;
            fixed (byte* p = json)
                rv = NativeMethods.rdpneg_taxonomy_load_overrides_mem(Handle, p, (UIntPtr)json.Length, Utf8.ToNative(label, "label"),
                                                                      err, (UIntPtr)err.Length);
            if (rv < 0)
                throw RdpnegException.FromCode(rv, "rdpneg_taxonomy_load_overrides_mem", NullIfEmpty(Utf8.FromBuffer(err)));
        }

        /// <summary>Like LoadOverrides for a JSON string.</summary>
        public void LoadOverridesFromString(string json, string? label = null) =>
            LoadOverrides(System.Text.Encoding.UTF8.GetBytes(json ?? throw new ArgumentNullException(nameof(json))), label);

        private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

        /// <summary>The whole taxonomy (rdpneg.taxonomy/1) with this handle's remedies.</summary>
        public string ToJson() => TaxonomyJson(this);

        /// <summary>The whole taxonomy (rdpneg.taxonomy/1) as JSON.</summary>
        public static string TaxonomyJson(RdpnegTaxonomy? tax = null)
        {
            Need();
            return With(tax, t =>
            {
                Ensure.Success(NativeMethods.rdpneg_taxonomy_json(t, out IntPtr p, out UIntPtr n), "rdpneg_taxonomy_json");
                return Utf8.Take(p, n);
            });
        }

        // ---- kinds -------------------------------------------------------------------

        /// <summary>Parses "disc", "neg_failure", "ntstatus", ...</summary>
        public static CodeKind ParseKind(string name)
        {
            Need();
            int v = NativeMethods.rdpneg_kind_parse(Utf8.ToNative(name ?? throw new ArgumentNullException(nameof(name)), "kind")!);
            if (v < 0)
                throw RdpnegException.FromCode(v, "rdpneg_kind_parse", "unknown code kind \"" + name + "\"");
            return (CodeKind)v;
        }

        public static string? KindName(CodeKind kind)
        {
            Need();
            return Utf8.FromNative(NativeMethods.rdpneg_kind_name((int)kind));
        }

        public static string? KindTitle(CodeKind kind)
        {
            Need();
            return Utf8.FromNative(NativeMethods.rdpneg_kind_title((int)kind));
        }

        // ---- explain ----------------------------------------------------------------

        /// <summary>Explains |code| of |kind| (Auto: every error-code kind);
        /// |extended| is an ExtendedDisconnectReason that came with it.
        /// Returns the rdpneg.explain/1 document.</summary>
        public static string Explain(uint code, CodeKind kind = CodeKind.Auto, uint? extended = null, RdpnegTaxonomy? tax = null) =>
            ExplainCore(false, code, kind, extended, tax, out _);

        /// <summary>The human-readable explanation.</summary>
        public static string ExplainText(uint code, CodeKind kind = CodeKind.Auto, uint? extended = null, RdpnegTaxonomy? tax = null) =>
            ExplainCore(true, code, kind, extended, tax, out _);

        /// <summary>How many interpretations |code| has (0: unknown).</summary>
        public static int ExplainCount(uint code, CodeKind kind = CodeKind.Auto, uint? extended = null)
        {
            ExplainCore(false, code, kind, extended, null, out int n);
            return n;
        }

        private static string ExplainCore(bool text, uint code, CodeKind kind, uint? extended, RdpnegTaxonomy? tax, out int count)
        {
            Need();
            int n = 0;
            string s = With(tax, t =>
            {
                IntPtr p;
                UIntPtr len;
                n = text
                    ? NativeMethods.rdpneg_explain_text(t, (int)kind, code, extended.HasValue ? 1 : 0, extended ?? 0, out p, out len)
                    : NativeMethods.rdpneg_explain_json(t, (int)kind, code, extended.HasValue ? 1 : 0, extended ?? 0, out p, out len);
                Ensure.Success(n, text ? "rdpneg_explain_text" : "rdpneg_explain_json");
                return Utf8.Take(p, len);
            });
            count = n;
            return s;
        }

        // ---- code tables ---------------------------------------------------------

        /// <summary>Every code row (of |kind| when given).</summary>
        public static IReadOnlyList<CodeInfo> Codes(CodeKind? kind = null)
        {
            Need();
            var list = new List<CodeInfo>();
            for (int i = 0, n = NativeMethods.rdpneg_code_count(); i < n; i++)
            {
                var c = new CodeInfo(i);
                if (kind == null || kind == CodeKind.Auto || c.Kind == kind)
                    list.Add(c);
            }
            return list;
        }

        /// <summary>Every row of |kind| (Auto: any) with |value|.</summary>
        public static IReadOnlyList<CodeInfo> FindCodes(CodeKind kind, uint value)
        {
            Need();
            var list = new List<CodeInfo>();
            for (int start = 0; ;)
            {
                int i = NativeMethods.rdpneg_code_find((int)kind, value, start);
                if (i < 0)
                    return list;
                list.Add(new CodeInfo(i));
                start = i + 1;
            }
        }

        /// <summary>The row for (|kind|, |value|) or null (FreeRDP class-1
        /// composites resolve to their ERRINFO row).</summary>
        public static CodeInfo? Lookup(CodeKind kind, uint value)
        {
            Need();
            int i = NativeMethods.rdpneg_code_lookup((int)kind, value, IntPtr.Zero, IntPtr.Zero);
            return i < 0 ? null : new CodeInfo(i);
        }

        /// <summary>The row named (or alternatively named) |name|, or null.</summary>
        public static CodeInfo? FindCodeName(string name)
        {
            Need();
            int i = NativeMethods.rdpneg_code_find_name(Utf8.ToNative(name ?? throw new ArgumentNullException(nameof(name)), "name")!);
            return i < 0 ? null : new CodeInfo(i);
        }

        // ---- causes ---------------------------------------------------------------

        /// <summary>Every cause, with the remedies in effect for |tax|.</summary>
        public static IReadOnlyList<CauseInfo> Causes(RdpnegTaxonomy? tax = null)
        {
            Need();
            var list = new List<CauseInfo>();
            for (int i = 0, n = NativeMethods.rdpneg_cause_count(); i < n; i++)
                list.Add(new CauseInfo(i, tax));
            return list;
        }

        /// <summary>The cause with stable ID |id|; KeyNotFoundException when none.</summary>
        public static CauseInfo Cause(string id, RdpnegTaxonomy? tax = null)
        {
            Need();
            int i = NativeMethods.rdpneg_cause_find(Utf8.ToNative(id ?? throw new ArgumentNullException(nameof(id)), "id")!);
            if (i < 0)
                throw new KeyNotFoundException("no cause \"" + id + "\"");
            return new CauseInfo(i, tax);
        }

        /// <summary>The source legend: key ("S-BCGR") to description.</summary>
        public static IReadOnlyDictionary<string, string?> Sources()
        {
            Need();
            var d = new Dictionary<string, string?>();
            for (int i = 0, n = NativeMethods.rdpneg_source_count(); i < n; i++)
            {
                string? k = Utf8.FromNative(NativeMethods.rdpneg_source_key(i));
                if (k != null)
                    d[k] = Utf8.FromNative(NativeMethods.rdpneg_source_description(i));
            }
            return d;
        }
    }
}
