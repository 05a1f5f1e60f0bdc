// SPDX-License-Identifier: Apache-2.0
using System;
using System.Text;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>
    /// What a probe observed, as a value (rdpneg_evidence): the connections
    /// (attempts) of one probe with their phases, decoded fields, raw codes
    /// and timings. It does not refer to the session or plan that produced
    /// it, and the same value comes back from a saved rdpneg.probe/1 document
    /// (<see cref="Parse"/>), so a diagnosis runs alike on a live probe, a
    /// file or a replayed capture. Dispose frees the native value (the
    /// finalizer does otherwise).
    /// </summary>
    public sealed class RdpnegEvidence : IDisposable
    {
        private readonly EvidenceSafeHandle _handle;

        internal RdpnegEvidence(EvidenceSafeHandle handle)
        {
            _handle = handle;
        }

        internal EvidenceSafeHandle Handle
        {
            get
            {
                if (_handle.IsClosed)
                    throw new ObjectDisposedException(nameof(RdpnegEvidence));
                return _handle;
            }
        }

        public void Dispose() => _handle.Dispose();

        /// <summary>A copy of |session|'s evidence so far (finished or not;
        /// rdpneg_session_evidence).</summary>
        public static RdpnegEvidence FromSession(RdpnegSession session)
        {
            if (session == null)
                throw new ArgumentNullException(nameof(session));
            Ensure.Success(NativeMethods.rdpneg_session_evidence(session.Handle, out EvidenceSafeHandle h), "rdpneg_session_evidence");
            return new RdpnegEvidence(h);
        }

        /// <summary>The evidence of every finished attempt of |plan| (complete
        /// once the plan is done; rdpneg_plan_evidence).</summary>
        public static RdpnegEvidence FromPlan(RdpnegPlan plan)
        {
            if (plan == null)
                throw new ArgumentNullException(nameof(plan));
            return plan.Evidence();
        }

        /// <summary>Reads a saved rdpneg.probe/1 document back
        /// (rdpneg_evidence_parse). Fields added by later versions are
        /// ignored. Throws RdpnegUsageException (BadFile) naming the line and
        /// column or the field when the text is not such a document.</summary>
        public static unsafe RdpnegEvidence Parse(string json)
        {
            if (json == null)
                throw new ArgumentNullException(nameof(json));
            RdpnegLibrary.EnsureLoaded();
            byte[] utf8 = Encoding.UTF8.GetBytes(json);
            var err = new byte[512];
            int rv;
            EvidenceSafeHandle h;
            fixed (byte* p = utf8)
                rv = NativeMethods.rdpneg_evidence_parse(p, (UIntPtr)utf8.Length, out h, err, (UIntPtr)err.Length);
            if (rv < 0)
            {
                h.Dispose();
                throw RdpnegException.FromCode(rv, "rdpneg_evidence_parse", Utf8.FromBuffer(err));
            }
            return new RdpnegEvidence(h);
        }

        /// <summary>Number of connections (1 for a single session).</summary>
        public int AttemptCount => NativeMethods.rdpneg_evidence_attempt_count(Handle);

        /// <summary>Diagnoses the evidence (rdpneg_diagnose): |reported| is
        /// what the user saw ("0x904/0x7"; RdpnegUsageException when it is
        /// not in that form), |taxonomy| supplies vendor remedy texts (null:
        /// built-in; kept alive by the result).</summary>
        public RdpnegDiagnosis Diagnose(string? reported = null, RdpnegTaxonomy? taxonomy = null) =>
            RdpnegDiagnosis.Create(Handle, reported, taxonomy);

        /// <summary>The rdpneg.probe/1 document with |diagnosis|'s findings
        /// (null: the built-in diagnosis, nothing reported).</summary>
        public string Json(RdpnegDiagnosis? diagnosis = null) => With(diagnosis, d =>
        {
            Ensure.Success(NativeMethods.rdpneg_evidence_json(Handle, d.Handle, out IntPtr p, out UIntPtr n), "rdpneg_evidence_json");
            return Utf8.Take(p, n);
        });

        /// <summary>The human-readable report (rdpneg-probe's output), like Json.</summary>
        public string Text(RdpnegDiagnosis? diagnosis = null) => With(diagnosis, d =>
        {
            Ensure.Success(NativeMethods.rdpneg_evidence_report(Handle, d.Handle, out IntPtr p, out UIntPtr n), "rdpneg_evidence_report");
            return Utf8.Take(p, n);
        });

        /// <summary>Diagnoses and returns the report (document, text, typed
        /// fields, attempts).</summary>
        public ProbeReport ToReport(string? reported = null, RdpnegTaxonomy? taxonomy = null)
        {
            using var d = Diagnose(reported, taxonomy);
            return ToReport(d);
        }

        /// <summary>The report of this evidence with |diagnosis|.</summary>
        public ProbeReport ToReport(RdpnegDiagnosis diagnosis)
        {
            if (diagnosis == null)
                throw new ArgumentNullException(nameof(diagnosis));
            return ProbeReport.Create(Json(diagnosis), Text(diagnosis), diagnosis.Verdict);
        }

        private T With<T>(RdpnegDiagnosis? diagnosis, Func<RdpnegDiagnosis, T> f)
        {
            if (diagnosis != null)
                return f(diagnosis);
            using var d = Diagnose();
            return f(d);
        }
    }
}
