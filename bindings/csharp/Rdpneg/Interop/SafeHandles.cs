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

    /// <summary>rdpneg_session *; released with rdpneg_session_free.</summary>
    internal sealed class SessionSafeHandle : RdpnegSafeHandle
    {
        public SessionSafeHandle() { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.rdpneg_session_free(handle);
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
        public DiagnosisSafeHandle() { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.rdpneg_diagnosis_free(handle);
            return true;
        }
    }
}
