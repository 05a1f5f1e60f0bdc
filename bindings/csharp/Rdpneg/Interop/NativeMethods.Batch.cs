// SPDX-License-Identifier: Apache-2.0
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Rdpneg.Interop
{
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

    // rdpneg_batch.h (librdpneg-uv): many probes on the library's own loops.
    internal static unsafe partial class NativeMethods
    {
        internal static readonly string[] BatchFunctions =
        {
            "rdpneg_batch_new", "rdpneg_batch_set", "rdpneg_batch_add",
            "rdpneg_batch_end_input", "rdpneg_batch_next", "rdpneg_batch_cancel",
            "rdpneg_batch_count", "rdpneg_batch_free", "rdpneg_batch_result_target",
            "rdpneg_batch_result_host", "rdpneg_batch_result_port", "rdpneg_batch_result_index",
            "rdpneg_batch_result_status", "rdpneg_batch_result_started_ns", "rdpneg_batch_result_ended_ns",
            "rdpneg_batch_result_take_evidence", "rdpneg_batch_result_free",
        };

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_batch_new(out BatchSafeHandle batch, ConfigSafeHandle cfg);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_batch_new(out BatchSafeHandle batch, ConfigSafeHandle cfg);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_batch_set(BatchSafeHandle batch, int opt, long value);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_batch_set(BatchSafeHandle batch, int opt, long value);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_batch_add(BatchSafeHandle batch, byte[] target);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_batch_add(BatchSafeHandle batch, byte[] target);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_batch_end_input(BatchSafeHandle batch);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_batch_end_input(BatchSafeHandle batch);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_batch_next(BatchSafeHandle batch, int timeoutMs, out IntPtr result);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_batch_next(BatchSafeHandle batch, int timeoutMs, out IntPtr result);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_batch_cancel(BatchSafeHandle batch);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_batch_cancel(BatchSafeHandle batch);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial long rdpneg_batch_count(BatchSafeHandle batch, int counter);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern long rdpneg_batch_count(BatchSafeHandle batch, int counter);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial void rdpneg_batch_free(IntPtr batch);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_batch_free(IntPtr batch);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_batch_result_target(IntPtr result);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_batch_result_target(IntPtr result);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_batch_result_host(IntPtr result);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_batch_result_host(IntPtr result);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial ushort rdpneg_batch_result_port(IntPtr result);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern ushort rdpneg_batch_result_port(IntPtr result);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial long rdpneg_batch_result_index(IntPtr result);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern long rdpneg_batch_result_index(IntPtr result);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_batch_result_status(IntPtr result);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_batch_result_status(IntPtr result);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial ulong rdpneg_batch_result_started_ns(IntPtr result);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern ulong rdpneg_batch_result_started_ns(IntPtr result);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial ulong rdpneg_batch_result_ended_ns(IntPtr result);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern ulong rdpneg_batch_result_ended_ns(IntPtr result);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_batch_result_take_evidence(IntPtr result, out EvidenceSafeHandle ev);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_batch_result_take_evidence(IntPtr result, out EvidenceSafeHandle ev);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial void rdpneg_batch_result_free(IntPtr result);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_batch_result_free(IntPtr result);
#endif
    }
}
