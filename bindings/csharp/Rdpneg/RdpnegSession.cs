// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.Diagnostics;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>
    /// The sans-I/O core for one connection attempt (rdpneg_session). The
    /// caller moves the bytes and keeps the time: report the TCP outcome with
    /// TcpResult, send PendingOutput, Feed what the server sends, wait until
    /// Expiry and call HandleExpiry, and report TransportClosed. Timestamps
    /// are nanoseconds on one monotonic clock (<see cref="NowNs"/> by
    /// default). One session is used by one thread at a time.
    /// A session handed out by <see cref="RdpnegPlan.Next"/> is lent: the
    /// plan owns it, it is already started, and it is given back with
    /// <see cref="RdpnegPlan.AttemptDone"/> (after which this object throws
    /// ObjectDisposedException); Dispose does nothing to a lent session.
    /// </summary>
    public sealed class RdpnegSession : IDisposable
    {
        /// <summary>RDPNEG_TSTAMP_NEVER.</summary>
        public const ulong Never = ulong.MaxValue;

        private readonly SessionSafeHandle _handle;
        private RdpnegTaxonomy? _analysisTaxonomy;
        private string? _analysisReported;
        private bool _analysis;

        /// <summary>A session for |host|:|port| with a copy of |config|
        /// (null: the defaults).</summary>
        public RdpnegSession(string host, int port = 3389, RdpnegConfig? config = null)
        {
            RdpnegLibrary.EnsureLoaded();
            byte[] h = RdpnegProbe.CheckHost(host);
            ushort p = RdpnegProbe.CheckPort(port);
            if (config == null)
            {
                using var cfg = new RdpnegConfig();
                Ensure.Success(NativeMethods.rdpneg_session_new(out _handle, cfg.Handle, h, p), "rdpneg_session_new");
            }
            else
            {
                Ensure.Success(NativeMethods.rdpneg_session_new(out _handle, config.Handle, h, p), "rdpneg_session_new");
            }
            Host = host;
            Port = port;
        }

        /// <summary>A session lent by a plan.</summary>
        internal RdpnegSession(SessionSafeHandle lent, RdpnegPlan plan)
        {
            _handle = lent;
            Plan = plan;
            Host = Utf8.FromNative(NativeMethods.rdpneg_session_host(lent)) ?? "";
            Port = NativeMethods.rdpneg_session_port(lent);
        }

        public string Host { get; }
        public int Port { get; }

        /// <summary>The plan that lent this session, or null for a session
        /// created with the constructor.</summary>
        public RdpnegPlan? Plan { get; }

        /// <summary>True while the session is lent by a plan.</summary>
        public bool IsLent => Plan != null && !_handle.IsClosed;

        /// <summary>The address (text) an earlier attempt of the same plan
        /// connected to: connect there instead of resolving Host again. Null
        /// when the driver should resolve Host.</summary>
        public string? ConnectAddress => Utf8.FromNative(NativeMethods.rdpneg_session_connect_address(Handle));

        /// <summary>The TCP MSS the driver should set before connecting (a probe
        /// plan's path-MTU check), 0 for the system default.</summary>
        public int TcpMss => NativeMethods.rdpneg_session_tcp_mss(Handle);

        internal SessionSafeHandle Handle
        {
            get
            {
                if (_handle.IsClosed)
                    throw new ObjectDisposedException(nameof(RdpnegSession));
                return _handle;
            }
        }

        /// <summary>Frees the session; does nothing to a session lent by a
        /// plan (the plan frees it).</summary>
        public void Dispose()
        {
            if (Plan == null)
                _handle.Dispose();
        }

        /// <summary>After AttemptDone: the plan freed the session.</summary>
        internal void Returned() => _handle.Dispose();

        /// <summary>The default clock: Stopwatch ticks as nanoseconds.</summary>
        public static ulong NowNs()
        {
            long t = Stopwatch.GetTimestamp();
            long f = Stopwatch.Frequency;
            return (ulong)(t / f) * 1_000_000_000UL + (ulong)(t % f) * 1_000_000_000UL / (ulong)f;
        }

        private static ulong Ts(ulong? ts) => ts ?? NowNs();

        // ---- driving --------------------------------------------------------

        /// <summary>Starts the probe clock: the TCP phase and its deadline.</summary>
        public void Start(ulong? ts = null) =>
            Ensure.Success(NativeMethods.rdpneg_session_start(Handle, Ts(ts)), "rdpneg_session_start");

        /// <summary>Gives the wall clock for certificate dates (default: now).</summary>
        public void SetWallclock(long? unixSeconds = null) =>
            Ensure.Success(NativeMethods.rdpneg_session_set_wallclock(Handle, unixSeconds ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
                           "rdpneg_session_set_wallclock");

        /// <summary>Reports that name resolution failed; ends the session.</summary>
        public void DnsFailed(string? detail, ulong? ts = null) =>
            Ensure.Success(NativeMethods.rdpneg_session_dns_failed(Handle, Utf8.ToNative(detail, "detail"), Ts(ts)), "rdpneg_session_dns_failed");

        /// <summary>Reports the TCP outcome. On Ok the X.224 Connection
        /// Request becomes pending output.</summary>
        public void TcpResult(TcpStatus status, string? address, int sysError = 0, ulong? ts = null) =>
            Ensure.Success(NativeMethods.rdpneg_session_tcp_result(Handle, (int)status, Utf8.ToNative(address, "address"), sysError, Ts(ts)),
                           "rdpneg_session_tcp_result");

        /// <summary>Feeds received bytes; returns how many were taken.</summary>
        public unsafe int Feed(ReadOnlySpan<byte> data, ulong? ts = null)
        {
            fixed (byte* p = data)
            {
                long n = NativeMethods.rdpneg_session_read(Handle, p, (UIntPtr)data.Length, Ts(ts)).ToInt64();
                return (int)Ensure.Success(n, "rdpneg_session_read");
            }
        }

        public int Feed(byte[] data, ulong? ts = null) => Feed(new ReadOnlySpan<byte>(data), ts);

        /// <summary>Drains every byte the session wants sent (empty when none).</summary>
        public unsafe byte[] PendingOutput(ulong? ts = null)
        {
            ulong t = Ts(ts);
            var chunks = new List<byte[]>();
            var buf = new byte[16384];
            int total = 0;
            fixed (byte* p = buf)
            {
                while (true)
                {
                    long n = Ensure.Success(NativeMethods.rdpneg_session_write(Handle, p, (UIntPtr)buf.Length, t).ToInt64(), "rdpneg_session_write");
                    if (n == 0)
                        break;
                    var c = new byte[n];
                    Array.Copy(buf, c, n);
                    chunks.Add(c);
                    total += (int)n;
                }
            }
            var all = new byte[total];
            int off = 0;
            foreach (var c in chunks)
            {
                Buffer.BlockCopy(c, 0, all, off, c.Length);
                off += c.Length;
            }
            return all;
        }

        /// <summary>The next deadline (ns on the session clock); null when none.</summary>
        public ulong? Expiry
        {
            get
            {
                ulong v = NativeMethods.rdpneg_session_expiry(Handle);
                return v == Never ? (ulong?)null : v;
            }
        }

        /// <summary>Tells the session that time |ts| has come.</summary>
        public void HandleExpiry(ulong? ts = null) =>
            Ensure.Success(NativeMethods.rdpneg_session_handle_expiry(Handle, Ts(ts)), "rdpneg_session_handle_expiry");

        /// <summary>Reports that the transport ended.</summary>
        public void TransportClosed(CloseReason reason, int sysError = 0, ulong? ts = null) =>
            Ensure.Success(NativeMethods.rdpneg_session_transport_closed(Handle, (int)reason, sysError, Ts(ts)), "rdpneg_session_transport_closed");

        /// <summary>Ends the current phase with Cancelled.</summary>
        public void Cancel(ulong? ts = null) =>
            Ensure.Success(NativeMethods.rdpneg_session_cancel(Handle, Ts(ts)), "rdpneg_session_cancel");

        /// <summary>Makes ToReport/Json/Text use |taxonomy|'s remedies (null:
        /// built-in) and cross-check |reported|, what the user saw, e.g.
        /// "0x904/0x7" or "ntstatus:0xC000006D" (RdpnegUsageException when it
        /// is not in that form). The C session holds no analysis any more
        /// (rdpneg_session_set_analysis is gone): this object keeps both and
        /// diagnoses the session's evidence when a report is made.</summary>
        public void SetAnalysis(RdpnegTaxonomy? taxonomy, string? reported)
        {
            RdpnegDiagnosis.CheckReported(reported);
            _ = Handle;
            _analysisTaxonomy = taxonomy;
            _analysisReported = reported;
            _analysis = taxonomy != null || reported != null;
        }

        /// <summary>A copy of the evidence so far (rdpneg_session_evidence).</summary>
        public RdpnegEvidence Evidence() => RdpnegEvidence.FromSession(this);

        /// <summary>Diagnoses the evidence now (findings, verdict, cross-check).</summary>
        public RdpnegDiagnosis Diagnose(string? reported = null, RdpnegTaxonomy? taxonomy = null)
        {
            using var ev = Evidence();
            return ev.Diagnose(reported, taxonomy);
        }

        public bool Done => NativeMethods.rdpneg_session_done(Handle) != 0;
        public bool WantRead => NativeMethods.rdpneg_session_want_read(Handle) != 0;

        // ---- evidence -----------------------------------------------------------

        public TcpStatus TcpStatus => (TcpStatus)NativeMethods.rdpneg_session_tcp_status(Handle);
        public X224Status X224Status => (X224Status)NativeMethods.rdpneg_session_x224_status(Handle);
        public TlsStatus TlsStatus => (TlsStatus)NativeMethods.rdpneg_session_tls_status(Handle);
        public Verdict Verdict => (Verdict)NativeMethods.rdpneg_session_verdict(Handle);

        public Protocol? SelectedProtocol
        {
            get
            {
                long v = NativeMethods.rdpneg_session_selected_protocol(Handle);
                return v < 0 ? (Protocol?)null : (Protocol)(uint)v;
            }
        }

        public NegFailure? FailureCode
        {
            get
            {
                uint v = NativeMethods.rdpneg_session_failure_code(Handle);
                return v == 0 ? (NegFailure?)null : (NegFailure)v;
            }
        }

        private T WithAnalysis<T>(Func<RdpnegEvidence, RdpnegDiagnosis, T> f)
        {
            using var ev = Evidence();
            using var d = ev.Diagnose(_analysisReported, _analysisTaxonomy);
            return f(ev, d);
        }

        /// <summary>A snapshot of the evidence so far, diagnosed (with the
        /// taxonomy and reported code of SetAnalysis).</summary>
        public ProbeReport ToReport() => WithAnalysis((ev, d) => ev.ToReport(d));

        public PhaseResult GetPhase(Phase phase) => ToReport().GetPhase(phase);

        /// <summary>The evidence as JSON (schema rdpneg.probe/1).</summary>
        public string Json()
        {
            if (_analysis)
                return WithAnalysis((ev, d) => ev.Json(d));
            Ensure.Success(NativeMethods.rdpneg_session_json(Handle, out IntPtr p, out UIntPtr n), "rdpneg_session_json");
            return Utf8.Take(p, n);
        }

        /// <summary>The human-readable report.</summary>
        public string Text()
        {
            if (_analysis)
                return WithAnalysis((ev, d) => ev.Text(d));
            Ensure.Success(NativeMethods.rdpneg_session_report(Handle, out IntPtr p, out UIntPtr n), "rdpneg_session_report");
            return Utf8.Take(p, n);
        }
    }
}
