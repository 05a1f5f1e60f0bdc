using System;
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
    /// </summary>
    internal static unsafe class NativeMethods
    {
        internal const string Lib = "rdpneg";
        internal const string UvLib = "rdpneg-uv";
        private const CallingConvention Cdecl = CallingConvention.Cdecl;

        static NativeMethods()
        {
            LibraryResolver.Install();
        }

        // ---- library, errors, names --------------------------------------
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_version();

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_strerror(int err);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_err_name(int err);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_protocol_name(uint protocol);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_protocols_parse(byte[] list, out uint mask, out int sendNegReq);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_failure_name(uint code);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_free(IntPtr ptr);

        // ---- config --------------------------------------------------------
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_new(out ConfigSafeHandle cfg);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_clone(ConfigSafeHandle cfg, out ConfigSafeHandle copy);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_config_free(IntPtr cfg);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_set_int(ConfigSafeHandle cfg, int opt, long value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_get_int(ConfigSafeHandle cfg, int opt, out long value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_set_str(ConfigSafeHandle cfg, int opt, byte[]? value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_set_correlation_id(ConfigSafeHandle cfg, byte[]? id16);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_add_ca(ConfigSafeHandle cfg, byte* data, UIntPtr len);

        /// <summary>The password is a pointer into a pinned buffer that the
        /// caller zeroes right after the call (see RdpnegConfig).</summary>
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_config_set_credentials(ConfigSafeHandle cfg, byte[]? user, byte[]? domain, byte* password);

        // ---- session -------------------------------------------------------
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_new(out SessionSafeHandle sess, ConfigSafeHandle cfg, byte[] host, ushort port);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_session_free(IntPtr sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_start(SessionSafeHandle sess, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_set_wallclock(SessionSafeHandle sess, long nowUnix);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_dns_failed(SessionSafeHandle sess, byte[]? detail, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_tcp_result(SessionSafeHandle sess, int status, byte[]? address, int sysError, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_session_read(SessionSafeHandle sess, byte* data, UIntPtr len, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_session_write(SessionSafeHandle sess, byte* dest, UIntPtr cap, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_transport_closed(SessionSafeHandle sess, int reason, int sysError, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern ulong rdpneg_session_expiry(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_handle_expiry(SessionSafeHandle sess, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_cancel(SessionSafeHandle sess, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_done(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_want_read(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_phase(SessionSafeHandle sess, int phase, out double ms, out int err);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_tcp_status(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_x224_status(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_tls_status(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern long rdpneg_session_selected_protocol(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern uint rdpneg_session_failure_code(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_verdict(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_json(SessionSafeHandle sess, out IntPtr json, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_report(SessionSafeHandle sess, out IntPtr text, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_session_host(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern ushort rdpneg_session_port(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_session_connect_address(SessionSafeHandle sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_tcp_mss(SessionSafeHandle sess);

        // ---- evidence --------------------------------------------------------
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_session_evidence(SessionSafeHandle sess, out EvidenceSafeHandle ev);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_evidence_parse(byte* json, UIntPtr len, out EvidenceSafeHandle ev, byte[] err, UIntPtr errlen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_evidence_free(IntPtr ev);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_evidence_attempt_count(EvidenceSafeHandle ev);

        // ---- probe plans (rdpneg_plan.h) ---------------------------------------
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_new(out PlanSafeHandle plan, ConfigSafeHandle cfg, byte[] host, ushort port);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_plan_free(IntPtr plan);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_set_wallclock(PlanSafeHandle plan, long nowUnix);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_start(PlanSafeHandle plan, ulong ts);

        /// <summary>*psess is a session lent by the plan (not to be freed).</summary>
        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_next(PlanSafeHandle plan, ulong ts, out IntPtr sess);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_attempt_done(PlanSafeHandle plan, SessionSafeHandle sess, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern ulong rdpneg_plan_expiry(PlanSafeHandle plan);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_handle_expiry(PlanSafeHandle plan, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_cancel(PlanSafeHandle plan, ulong ts);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_done(PlanSafeHandle plan);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_running(PlanSafeHandle plan);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_plan_evidence(PlanSafeHandle plan, out EvidenceSafeHandle ev);

        // ---- libuv driver (librdpneg-uv) -------------------------------------
        [DllImport(UvLib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_probe_run(ConfigSafeHandle cfg, byte[] host, ushort port, out EvidenceSafeHandle ev);

        // ---- diagnosis (rdpneg_diagnosis.h; feature-detected) ----------------
        internal static readonly string[] DiagnosisFunctions =
        {
            "rdpneg_diagnose", "rdpneg_diagnosis_free", "rdpneg_diagnosis_count",
            "rdpneg_diagnosis_cause", "rdpneg_diagnosis_phase", "rdpneg_diagnosis_severity",
            "rdpneg_diagnosis_confidence", "rdpneg_diagnosis_evidence", "rdpneg_diagnosis_verdict",
            "rdpneg_diagnosis_reported_verdict", "rdpneg_diagnosis_json", "rdpneg_reported_check",
            "rdpneg_evidence_json", "rdpneg_evidence_report",
        };

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_diagnose(EvidenceSafeHandle ev, IntPtr tax, byte[]? reported, out DiagnosisSafeHandle diag);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_reported_check(byte[]? reported);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_diagnosis_free(IntPtr diag);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_diagnosis_count(DiagnosisSafeHandle diag);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_cause(DiagnosisSafeHandle diag, int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_phase(DiagnosisSafeHandle diag, int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_severity(DiagnosisSafeHandle diag, int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_confidence(DiagnosisSafeHandle diag, int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_evidence(DiagnosisSafeHandle diag, int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_diagnosis_verdict(DiagnosisSafeHandle diag);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_diagnosis_reported_verdict(DiagnosisSafeHandle diag);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_diagnosis_json(DiagnosisSafeHandle diag, out IntPtr json, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_evidence_json(EvidenceSafeHandle ev, DiagnosisSafeHandle diag, out IntPtr json, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_evidence_report(EvidenceSafeHandle ev, DiagnosisSafeHandle diag, out IntPtr text, out UIntPtr len);

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

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_kind_parse(byte[] name);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_kind_name(int kind);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_kind_title(int kind);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_taxonomy_new(out TaxonomySafeHandle tax);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern void rdpneg_taxonomy_free(IntPtr tax);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_taxonomy_load_overrides(TaxonomySafeHandle tax, byte[] path, byte[] errbuf, UIntPtr errlen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_taxonomy_load_overrides_mem(TaxonomySafeHandle tax, byte* data, UIntPtr len, byte[]? label, byte[] errbuf, UIntPtr errlen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_taxonomy_json(IntPtr tax, out IntPtr json, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_explain_json(IntPtr tax, int kind, uint code, int hasExtended, uint extended, out IntPtr json, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_explain_text(IntPtr tax, int kind, uint code, int hasExtended, uint extended, out IntPtr text, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_find(int kind, uint value, int start);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_lookup(int kind, uint value, IntPtr pname, IntPtr pmeaning);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_find_name(byte[] name);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_code_kind(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern uint rdpneg_code_value(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_name(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_alt_name(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_meaning(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_phase(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_source(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_confidence(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_code_status(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_find(byte[] id);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_id(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_title(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_description(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_phase(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_severity(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_source(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_confidence(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_evidence_count(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_evidence(int i, int j);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_evidence_where(int i, int j);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_remedy_count(IntPtr tax, int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_remedy(IntPtr tax, int i, int j);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_remedy_source(IntPtr tax, int i, int j);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_code_count(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_code(int i, int j, out int kind, out uint lo, out uint hi);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_cause_code_confidence(int i, int j);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_json(IntPtr tax, int i, out IntPtr json, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_cause_text(IntPtr tax, int i, out IntPtr text, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern int rdpneg_source_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_source_key(int i);

        [DllImport(Lib, CallingConvention = Cdecl)]
        internal static extern IntPtr rdpneg_source_description(int i);
    }
}
