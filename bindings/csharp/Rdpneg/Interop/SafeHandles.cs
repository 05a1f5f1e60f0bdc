// SPDX-License-Identifier: Apache-2.0
using System;
using System.Runtime.InteropServices;

namespace Rdpneg.Interop
{
    /// <summary>A handle whose invalid value is NULL (LibGit2Sharp's
    /// SafeHandleBase). One subclass per native type; ReleaseHandle calls the
    /// matching free function, so a handle that is never disposed is still
    /// freed by the finalizer.</summary>
    internal abstract class RdpnegSafeHandle : SafeHandle
    {
        protected RdpnegSafeHandle() : base(IntPtr.Zero, ownsHandle: true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;
    }

    /// <summary>rdpneg_config *; released with rdpneg_config_free.</summary>
    internal sealed class ConfigSafeHandle : RdpnegSafeHandle
    {
        public ConfigSafeHandle() { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.rdpneg_config_free(handle);
            return true;
        }
    }

    /// <summary>rdpneg_session *; released with rdpneg_session_free, except
    /// a session lent by a plan (rdpneg_plan_next): the plan owns it, and the
    /// handle only holds a reference on the plan's handle so that the plan is
    /// not freed while the session is in use.</summary>
    internal sealed class SessionSafeHandle : RdpnegSafeHandle
    {
        private PlanSafeHandle? _plan;

        public SessionSafeHandle() { }

        /// <summary>A handle over |sess|, lent by |plan|.</summary>
        internal static SessionSafeHandle Lent(IntPtr sess, PlanSafeHandle plan)
        {
            var h = new SessionSafeHandle();
            bool added = false;
            plan.DangerousAddRef(ref added);
            h._plan = plan;
            h.SetHandle(sess);
            return h;
        }

        internal bool IsLent => _plan != null;

        protected override bool ReleaseHandle()
        {
            if (_plan != null)
                _plan.DangerousRelease();
            else
                NativeMethods.rdpneg_session_free(handle);
            return true;
        }
    }

    /// <summary>rdpneg_plan *; released with rdpneg_plan_free (which also
    /// frees the sessions it lent and did not get back).</summary>
    internal sealed class PlanSafeHandle : RdpnegSafeHandle
    {
        public PlanSafeHandle() { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.rdpneg_plan_free(handle);
            return true;
        }
    }

    /// <summary>rdpneg_evidence *; released with rdpneg_evidence_free.</summary>
    internal sealed class EvidenceSafeHandle : RdpnegSafeHandle
    {
        public EvidenceSafeHandle() { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.rdpneg_evidence_free(handle);
            return true;
        }
    }

    /// <summary>rdpneg_taxonomy *; released with rdpneg_taxonomy_free.</summary>
    internal sealed class TaxonomySafeHandle : RdpnegSafeHandle
    {
        public TaxonomySafeHandle() { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.rdpneg_taxonomy_free(handle);
            return true;
        }
    }

    /// <summary>rdpneg_diagnosis *; released with rdpneg_diagnosis_free.</summary>
    internal sealed class DiagnosisSafeHandle : RdpnegSafeHandle
    {
        private SafeHandle? _taxonomy;

        public DiagnosisSafeHandle() { }

        /// <summary>The diagnosis borrows the taxonomy's remedy texts: hold a
        /// reference on its handle until the diagnosis is freed.</summary>
        internal void Borrow(SafeHandle taxonomy)
        {
            bool added = false;
            taxonomy.DangerousAddRef(ref added);
            _taxonomy = taxonomy;
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.rdpneg_diagnosis_free(handle);
            _taxonomy?.DangerousRelease();
            return true;
        }
    }

    /// <summary>rdpneg_batch *; released with rdpneg_batch_free (which
    /// cancels what still runs and waits for the batch's loop threads).</summary>
    internal sealed class BatchSafeHandle : RdpnegSafeHandle
    {
        public BatchSafeHandle() { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.rdpneg_batch_free(handle);
            return true;
        }
    }
}
