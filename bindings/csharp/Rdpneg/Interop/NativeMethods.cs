// SPDX-License-Identifier: Apache-2.0
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Rdpneg.Interop
{
    /// <summary>
    /// P/Invoke declarations, named exactly like the C functions of
    /// include/rdpneg/*.h. Only blittable types cross the boundary: strings go
    /// in as NUL-terminated UTF-8 byte arrays (<see cref="Utf8"/>) and come
    /// back as IntPtr, so the marshalling is the same on netstandard2.0 and
    /// .NET 8. Functions returning "0 or a negative RDPNEG_ERR_*" are checked
    /// by <see cref="Ensure"/>.
    /// On .NET 7+ (the net8.0 and net10.0 builds) each function is a
    /// source-generated [LibraryImport] (the marshalling code is generated at
    /// compile time, no IL stub at run time, trimming- and AOT-safe); the
    /// netstandard2.0 build keeps the same signature as a [DllImport]. Both
    /// load through LibraryResolver. The callee writes into the [Out] byte
    /// arrays (error message buffers).
    /// </summary>
    internal static unsafe partial class NativeMethods
    {
        internal const string Lib = "rdpneg";
        internal const string UvLib = "rdpneg-uv";
        private const CallingConvention Cdecl = CallingConvention.Cdecl;

        static NativeMethods()
        {
            LibraryResolver.Install();
        }

        // ---- library, errors, names --------------------------------------
#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_version();
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_version();
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_strerror(int err);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_strerror(int err);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_err_name(int err);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_err_name(int err);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_protocol_name(uint protocol);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_protocol_name(uint protocol);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_protocols_parse(byte[] list, out uint mask, out int sendNegReq);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_protocols_parse(byte[] list, out uint mask, out int sendNegReq);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_failure_name(uint code);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_failure_name(uint code);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial void rdpneg_free(IntPtr ptr);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_free(IntPtr ptr);
#endif

        // ---- config --------------------------------------------------------
#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_config_new(out ConfigSafeHandle cfg);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_new(out ConfigSafeHandle cfg);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_config_clone(ConfigSafeHandle cfg, out ConfigSafeHandle copy);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_clone(ConfigSafeHandle cfg, out ConfigSafeHandle copy);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial void rdpneg_config_free(IntPtr cfg);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_config_free(IntPtr cfg);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_config_set_int(ConfigSafeHandle cfg, int opt, long value);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_set_int(ConfigSafeHandle cfg, int opt, long value);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_config_get_int(ConfigSafeHandle cfg, int opt, out long value);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_get_int(ConfigSafeHandle cfg, int opt, out long value);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_config_set_str(ConfigSafeHandle cfg, int opt, byte[]? value);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_set_str(ConfigSafeHandle cfg, int opt, byte[]? value);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_config_set_correlation_id(ConfigSafeHandle cfg, byte[]? id16);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_set_correlation_id(ConfigSafeHandle cfg, byte[]? id16);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_config_add_ca(ConfigSafeHandle cfg, byte* data, UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_add_ca(ConfigSafeHandle cfg, byte* data, UIntPtr len);
#endif

        /// <summary>The password is a pointer into a pinned buffer that the
        /// caller zeroes right after the call (see RdpnegConfig).</summary>
#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_config_set_credentials(ConfigSafeHandle cfg, byte[]? user, byte[]? domain, byte* password);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_set_credentials(ConfigSafeHandle cfg, byte[]? user, byte[]? domain, byte* password);
#endif

        // ---- session -------------------------------------------------------
#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_new(out SessionSafeHandle sess, ConfigSafeHandle cfg, byte[] host, ushort port);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_new(out SessionSafeHandle sess, ConfigSafeHandle cfg, byte[] host, ushort port);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial void rdpneg_session_free(IntPtr sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_session_free(IntPtr sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_start(SessionSafeHandle sess, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_start(SessionSafeHandle sess, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_set_wallclock(SessionSafeHandle sess, long nowUnix);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_set_wallclock(SessionSafeHandle sess, long nowUnix);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_dns_failed(SessionSafeHandle sess, byte[]? detail, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_dns_failed(SessionSafeHandle sess, byte[]? detail, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_tcp_result(SessionSafeHandle sess, int status, byte[]? address, int sysError, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_tcp_result(SessionSafeHandle sess, int status, byte[]? address, int sysError, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_session_read(SessionSafeHandle sess, byte* data, UIntPtr len, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_session_read(SessionSafeHandle sess, byte* data, UIntPtr len, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_session_write(SessionSafeHandle sess, byte* dest, UIntPtr cap, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_session_write(SessionSafeHandle sess, byte* dest, UIntPtr cap, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_transport_closed(SessionSafeHandle sess, int reason, int sysError, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_transport_closed(SessionSafeHandle sess, int reason, int sysError, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial ulong rdpneg_session_expiry(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern ulong rdpneg_session_expiry(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_handle_expiry(SessionSafeHandle sess, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_handle_expiry(SessionSafeHandle sess, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_cancel(SessionSafeHandle sess, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_cancel(SessionSafeHandle sess, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_done(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_done(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_want_read(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_want_read(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_phase(SessionSafeHandle sess, int phase, out double ms, out int err);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_phase(SessionSafeHandle sess, int phase, out double ms, out int err);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_tcp_status(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_tcp_status(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_x224_status(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_x224_status(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_tls_status(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_tls_status(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial long rdpneg_session_selected_protocol(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern long rdpneg_session_selected_protocol(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial uint rdpneg_session_failure_code(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern uint rdpneg_session_failure_code(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_verdict(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_verdict(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_json(SessionSafeHandle sess, out IntPtr json, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_json(SessionSafeHandle sess, out IntPtr json, out UIntPtr len);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_report(SessionSafeHandle sess, out IntPtr text, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_report(SessionSafeHandle sess, out IntPtr text, out UIntPtr len);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_session_host(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_session_host(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial ushort rdpneg_session_port(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern ushort rdpneg_session_port(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_session_connect_address(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_session_connect_address(SessionSafeHandle sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_tcp_mss(SessionSafeHandle sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_tcp_mss(SessionSafeHandle sess);
#endif

        // ---- evidence --------------------------------------------------------
#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_session_evidence(SessionSafeHandle sess, out EvidenceSafeHandle ev);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_evidence(SessionSafeHandle sess, out EvidenceSafeHandle ev);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_evidence_parse(byte* json, UIntPtr len, out EvidenceSafeHandle ev, [Out] byte[] err, UIntPtr errlen);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_evidence_parse(byte* json, UIntPtr len, out EvidenceSafeHandle ev, [Out] byte[] err, UIntPtr errlen);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial void rdpneg_evidence_free(IntPtr ev);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_evidence_free(IntPtr ev);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_evidence_attempt_count(EvidenceSafeHandle ev);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_evidence_attempt_count(EvidenceSafeHandle ev);
#endif

        // ---- probe plans (rdpneg_plan.h) ---------------------------------------
#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_new(out PlanSafeHandle plan, ConfigSafeHandle cfg, byte[] host, ushort port);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_new(out PlanSafeHandle plan, ConfigSafeHandle cfg, byte[] host, ushort port);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial void rdpneg_plan_free(IntPtr plan);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_plan_free(IntPtr plan);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_set_wallclock(PlanSafeHandle plan, long nowUnix);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_set_wallclock(PlanSafeHandle plan, long nowUnix);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_start(PlanSafeHandle plan, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_start(PlanSafeHandle plan, ulong ts);
#endif

        /// <summary>*psess is a session lent by the plan (not to be freed).</summary>
#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_next(PlanSafeHandle plan, ulong ts, out IntPtr sess);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_next(PlanSafeHandle plan, ulong ts, out IntPtr sess);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_attempt_done(PlanSafeHandle plan, SessionSafeHandle sess, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_attempt_done(PlanSafeHandle plan, SessionSafeHandle sess, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial ulong rdpneg_plan_expiry(PlanSafeHandle plan);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern ulong rdpneg_plan_expiry(PlanSafeHandle plan);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_handle_expiry(PlanSafeHandle plan, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_handle_expiry(PlanSafeHandle plan, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_cancel(PlanSafeHandle plan, ulong ts);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_cancel(PlanSafeHandle plan, ulong ts);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_done(PlanSafeHandle plan);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_done(PlanSafeHandle plan);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_running(PlanSafeHandle plan);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_running(PlanSafeHandle plan);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_plan_evidence(PlanSafeHandle plan, out EvidenceSafeHandle ev);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_evidence(PlanSafeHandle plan, out EvidenceSafeHandle ev);
#endif

        // ---- libuv driver (librdpneg-uv) -------------------------------------
#if NET7_0_OR_GREATER
        [LibraryImport(UvLib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_probe_run(ConfigSafeHandle cfg, byte[] host, ushort port, out EvidenceSafeHandle ev);
#else
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_probe_run(ConfigSafeHandle cfg, byte[] host, ushort port, out EvidenceSafeHandle ev);
#endif

        // ---- diagnosis (rdpneg_diagnosis.h; feature-detected) ----------------
        internal static readonly string[] DiagnosisFunctions =
        {
            "rdpneg_diagnose", "rdpneg_diagnosis_free", "rdpneg_diagnosis_count",
            "rdpneg_diagnosis_cause", "rdpneg_diagnosis_phase", "rdpneg_diagnosis_severity",
            "rdpneg_diagnosis_confidence", "rdpneg_diagnosis_evidence", "rdpneg_diagnosis_verdict",
            "rdpneg_diagnosis_reported_verdict", "rdpneg_diagnosis_json", "rdpneg_reported_check",
            "rdpneg_evidence_json", "rdpneg_evidence_report",
        };

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_diagnose(EvidenceSafeHandle ev, IntPtr tax, byte[]? reported, out DiagnosisSafeHandle diag);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_diagnose(EvidenceSafeHandle ev, IntPtr tax, byte[]? reported, out DiagnosisSafeHandle diag);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_reported_check(byte[]? reported);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_reported_check(byte[]? reported);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial void rdpneg_diagnosis_free(IntPtr diag);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_diagnosis_free(IntPtr diag);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_diagnosis_count(DiagnosisSafeHandle diag);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_diagnosis_count(DiagnosisSafeHandle diag);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_diagnosis_cause(DiagnosisSafeHandle diag, int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_cause(DiagnosisSafeHandle diag, int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_diagnosis_phase(DiagnosisSafeHandle diag, int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_phase(DiagnosisSafeHandle diag, int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_diagnosis_severity(DiagnosisSafeHandle diag, int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_severity(DiagnosisSafeHandle diag, int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_diagnosis_confidence(DiagnosisSafeHandle diag, int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_confidence(DiagnosisSafeHandle diag, int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_diagnosis_evidence(DiagnosisSafeHandle diag, int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_evidence(DiagnosisSafeHandle diag, int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_diagnosis_verdict(DiagnosisSafeHandle diag);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_diagnosis_verdict(DiagnosisSafeHandle diag);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_diagnosis_reported_verdict(DiagnosisSafeHandle diag);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_reported_verdict(DiagnosisSafeHandle diag);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_diagnosis_json(DiagnosisSafeHandle diag, out IntPtr json, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_diagnosis_json(DiagnosisSafeHandle diag, out IntPtr json, out UIntPtr len);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_evidence_json(EvidenceSafeHandle ev, DiagnosisSafeHandle diag, out IntPtr json, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_evidence_json(EvidenceSafeHandle ev, DiagnosisSafeHandle diag, out IntPtr json, out UIntPtr len);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_evidence_report(EvidenceSafeHandle ev, DiagnosisSafeHandle diag, out IntPtr text, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_evidence_report(EvidenceSafeHandle ev, DiagnosisSafeHandle diag, out IntPtr text, out UIntPtr len);
#endif

        // ---- taxonomy (rdpneg_taxonomy.h; feature-detected) ------------------
        internal static readonly string[] TaxonomyFunctions =
        {
            "rdpneg_kind_parse", "rdpneg_kind_name", "rdpneg_kind_title",
            "rdpneg_taxonomy_new", "rdpneg_taxonomy_free",
            "rdpneg_taxonomy_load_overrides", "rdpneg_taxonomy_load_overrides_mem",
            "rdpneg_taxonomy_json", "rdpneg_explain_json", "rdpneg_explain_text",
            "rdpneg_code_count", "rdpneg_code_find", "rdpneg_code_lookup",
            "rdpneg_code_find_name", "rdpneg_code_kind", "rdpneg_code_value",
            "rdpneg_code_name", "rdpneg_code_alt_name", "rdpneg_code_meaning",
            "rdpneg_code_phase", "rdpneg_code_source", "rdpneg_code_confidence",
            "rdpneg_code_status", "rdpneg_cause_count", "rdpneg_cause_find",
            "rdpneg_cause_id", "rdpneg_cause_title", "rdpneg_cause_description",
            "rdpneg_cause_phase", "rdpneg_cause_severity", "rdpneg_cause_source",
            "rdpneg_cause_confidence", "rdpneg_cause_evidence_count",
            "rdpneg_cause_evidence", "rdpneg_cause_evidence_where",
            "rdpneg_cause_remedy_count", "rdpneg_cause_remedy",
            "rdpneg_cause_remedy_source", "rdpneg_cause_code_count",
            "rdpneg_cause_code", "rdpneg_cause_code_confidence",
            "rdpneg_cause_json", "rdpneg_cause_text", "rdpneg_source_count",
            "rdpneg_source_key", "rdpneg_source_description",
        };

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_kind_parse(byte[] name);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_kind_parse(byte[] name);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_kind_name(int kind);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_kind_name(int kind);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_kind_title(int kind);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_kind_title(int kind);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_taxonomy_new(out TaxonomySafeHandle tax);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_taxonomy_new(out TaxonomySafeHandle tax);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial void rdpneg_taxonomy_free(IntPtr tax);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_taxonomy_free(IntPtr tax);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_taxonomy_load_overrides(TaxonomySafeHandle tax, byte[] path, [Out] byte[] errbuf, UIntPtr errlen);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_taxonomy_load_overrides(TaxonomySafeHandle tax, byte[] path, [Out] byte[] errbuf, UIntPtr errlen);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_taxonomy_load_overrides_mem(TaxonomySafeHandle tax, byte* data, UIntPtr len, byte[]? label, [Out] byte[] errbuf, UIntPtr errlen);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_taxonomy_load_overrides_mem(TaxonomySafeHandle tax, byte* data, UIntPtr len, byte[]? label, [Out] byte[] errbuf, UIntPtr errlen);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_taxonomy_json(IntPtr tax, out IntPtr json, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_taxonomy_json(IntPtr tax, out IntPtr json, out UIntPtr len);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_explain_json(IntPtr tax, int kind, uint code, int hasExtended, uint extended, out IntPtr json, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_explain_json(IntPtr tax, int kind, uint code, int hasExtended, uint extended, out IntPtr json, out UIntPtr len);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_explain_text(IntPtr tax, int kind, uint code, int hasExtended, uint extended, out IntPtr text, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_explain_text(IntPtr tax, int kind, uint code, int hasExtended, uint extended, out IntPtr text, out UIntPtr len);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_code_count();
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_count();
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_code_find(int kind, uint value, int start);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_find(int kind, uint value, int start);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_code_lookup(int kind, uint value, IntPtr pname, IntPtr pmeaning);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_lookup(int kind, uint value, IntPtr pname, IntPtr pmeaning);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_code_find_name(byte[] name);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_find_name(byte[] name);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_code_kind(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_kind(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial uint rdpneg_code_value(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern uint rdpneg_code_value(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_code_name(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_name(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_code_alt_name(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_alt_name(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_code_meaning(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_meaning(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_code_phase(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_phase(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_code_source(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_source(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_code_confidence(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_confidence(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_code_status(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_status(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_cause_count();
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_count();
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_cause_find(byte[] id);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_find(byte[] id);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_id(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_id(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_title(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_title(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_description(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_description(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_phase(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_phase(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_severity(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_severity(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_source(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_source(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_confidence(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_confidence(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_cause_evidence_count(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_evidence_count(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_evidence(int i, int j);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_evidence(int i, int j);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_evidence_where(int i, int j);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_evidence_where(int i, int j);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_cause_remedy_count(IntPtr tax, int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_remedy_count(IntPtr tax, int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_remedy(IntPtr tax, int i, int j);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_remedy(IntPtr tax, int i, int j);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_remedy_source(IntPtr tax, int i, int j);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_remedy_source(IntPtr tax, int i, int j);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_cause_code_count(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_code_count(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_cause_code(int i, int j, out int kind, out uint lo, out uint hi);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_code(int i, int j, out int kind, out uint lo, out uint hi);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_cause_code_confidence(int i, int j);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_code_confidence(int i, int j);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_cause_json(IntPtr tax, int i, out IntPtr json, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_json(IntPtr tax, int i, out IntPtr json, out UIntPtr len);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_cause_text(IntPtr tax, int i, out IntPtr text, out UIntPtr len);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_text(IntPtr tax, int i, out IntPtr text, out UIntPtr len);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial int rdpneg_source_count();
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_source_count();
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_source_key(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_source_key(int i);
#endif

#if NET7_0_OR_GREATER
        [LibraryImport(Lib), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
        internal static partial IntPtr rdpneg_source_description(int i);
#else
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_source_description(int i);
#endif
    }
}
