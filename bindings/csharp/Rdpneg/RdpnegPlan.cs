// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>
    /// The sans-I/O probe plan (rdpneg_plan): the connection attempts of one
    /// probe. The plan decides the follow-ups from the answers (a raw-NTLM
    /// retry when a server refuses SPNEGO, one connection per TLS version
    /// with <see cref="RdpnegConfig.ProbeTlsVersions"/>), skips what an
    /// earlier answer makes predictable, and keeps every attempt inside the
    /// overall deadline; every attempt's evidence is kept. A driver holds no
    /// protocol policy:
    /// <code>
    /// plan.Start();
    /// while (!plan.Done) {
    ///     for (RdpnegSession? s; (s = plan.Next()) != null;)
    ///         run s (connect to s.ConnectAddress ?? resolve s.Host, then
    ///         TcpResult / Feed / PendingOutput / Expiry / HandleExpiry /
    ///         TransportClosed as for one session; it is already started);
    ///     when a session is Done: close its socket, plan.AttemptDone(s);
    ///     at plan.Expiry: plan.HandleExpiry();
    /// }
    /// ProbeReport r = plan.ToReport();
    /// </code>
    /// <see cref="RdpnegSocketDriver"/> is such a driver. Several attempts
    /// may run at once. A plan is used by one thread at a time (its lent
    /// sessions included). Timestamps are nanoseconds on one monotonic clock
    /// (<see cref="RdpnegSession.NowNs"/> by default).
    /// </summary>
    public sealed class RdpnegPlan : IDisposable
    {
        private readonly PlanSafeHandle _handle;
        private readonly Dictionary<IntPtr, RdpnegSession> _lent = new Dictionary<IntPtr, RdpnegSession>();

        /// <summary>The plan of one probe of |host|:|port| with a copy of
        /// |config| (null: the defaults; credentials are copied).</summary>
        public RdpnegPlan(string host, int port = 3389, RdpnegConfig? config = null)
        {
            RdpnegLibrary.EnsureLoaded();
            byte[] h = RdpnegProbe.CheckHost(host);
            ushort p = RdpnegProbe.CheckPort(port);
            if (config == null)
            {
                using var cfg = new RdpnegConfig();
                Ensure.Success(NativeMethods.rdpneg_plan_new(out _handle, cfg.Handle, h, p), "rdpneg_plan_new");
            }
            else
            {
                Ensure.Success(NativeMethods.rdpneg_plan_new(out _handle, config.Handle, h, p), "rdpneg_plan_new");
            }
            Host = host;
            Port = port;
        }

        public string Host { get; }
        public int Port { get; }

        internal PlanSafeHandle Handle
        {
            get
            {
                if (_handle.IsClosed)
                    throw new ObjectDisposedException(nameof(RdpnegPlan));
                return _handle;
            }
        }

        private static ulong Ts(ulong? ts) => ts ?? RdpnegSession.NowNs();

        /// <summary>Frees the plan and every session it lent and did not get
        /// back (those objects then throw ObjectDisposedException): close
        /// their transports first.</summary>
        public void Dispose()
        {
            foreach (var s in _lent.Values)
                s.Returned();
            _lent.Clear();
            _handle.Dispose();
        }

        /// <summary>Gives the plan and its sessions the wall clock for
        /// certificate dates and NTLM clock skew (default: now); overrides
        /// RdpnegConfig.NowUnix.</summary>
        public void SetWallclock(long? unixSeconds = null) =>
            Ensure.Success(NativeMethods.rdpneg_plan_set_wallclock(Handle, unixSeconds ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
                           "rdpneg_plan_set_wallclock");

        /// <summary>Starts the probe clock: the overall deadline is armed and
        /// the first attempt becomes ready.</summary>
        public void Start(ulong? ts = null) =>
            Ensure.Success(NativeMethods.rdpneg_plan_start(Handle, Ts(ts)), "rdpneg_plan_start");

        /// <summary>The next attempt to run (a started session lent by the
        /// plan), or null when none is ready now: wait for the running ones,
        /// or the plan is done. Call it until it returns null after every
        /// event.</summary>
        public RdpnegSession? Next(ulong? ts = null)
        {
            int rv = Ensure.Success(NativeMethods.rdpneg_plan_next(Handle, Ts(ts), out IntPtr p), "rdpneg_plan_next");
            if (rv == 0 || p == IntPtr.Zero)
                return null;
            var s = new RdpnegSession(SessionSafeHandle.Lent(p, _handle), this);
            _lent[p] = s;
            return s;
        }

        /// <summary>Gives a lent session back, once it is Done (or cancelled)
        /// and its transport is closed: the plan keeps its evidence, decides
        /// the follow-ups and frees it (the object then throws
        /// ObjectDisposedException). RdpnegUsageException (InvalidArgument)
        /// for a session this plan is not running.</summary>
        public void AttemptDone(RdpnegSession session, ulong? ts = null)
        {
            if (session == null)
                throw new ArgumentNullException(nameof(session));
            if (session.Plan != this)
                throw RdpnegException.FromCode((int)RdpnegError.InvalidArgument, "rdpneg_plan_attempt_done",
                                               "the session was not lent by this plan");
            var h = session.Handle;
            IntPtr key = h.DangerousGetHandle();
            Ensure.Success(NativeMethods.rdpneg_plan_attempt_done(Handle, h, Ts(ts)), "rdpneg_plan_attempt_done");
            _lent.Remove(key);
            session.Returned();
        }

        /// <summary>The plan's own next deadline (the overall deadline while
        /// attempts are pending), or null. The sessions' deadlines are
        /// separate (RdpnegSession.Expiry).</summary>
        public ulong? Expiry
        {
            get
            {
                ulong v = NativeMethods.rdpneg_plan_expiry(Handle);
                return v == RdpnegSession.Never ? (ulong?)null : v;
            }
        }

        /// <summary>Tells the plan that |ts| has come: past the overall
        /// deadline no new attempt is made and running sessions end as timed
        /// out (they become Done).</summary>
        public void HandleExpiry(ulong? ts = null) =>
            Ensure.Success(NativeMethods.rdpneg_plan_handle_expiry(Handle, Ts(ts)), "rdpneg_plan_handle_expiry");

        /// <summary>Cancels the probe: no new attempt is made and every
        /// running session ends with Cancelled (close their sockets and give
        /// them back). The evidence so far stays, marked cancelled.</summary>
        public void Cancel(ulong? ts = null) =>
            Ensure.Success(NativeMethods.rdpneg_plan_cancel(Handle, Ts(ts)), "rdpneg_plan_cancel");

        /// <summary>True once no attempt runs and none will.</summary>
        public bool Done => NativeMethods.rdpneg_plan_done(Handle) != 0;

        /// <summary>Number of sessions currently lent out.</summary>
        public int Running => NativeMethods.rdpneg_plan_running(Handle);

        /// <summary>The sessions currently lent out (a copy).</summary>
        public IReadOnlyList<RdpnegSession> Lent => new List<RdpnegSession>(_lent.Values);

        /// <summary>The evidence of every finished attempt (complete once
        /// Done). RdpnegUsageException (InvalidState) before any attempt
        /// finished.</summary>
        public RdpnegEvidence Evidence()
        {
            Ensure.Success(NativeMethods.rdpneg_plan_evidence(Handle, out EvidenceSafeHandle ev), "rdpneg_plan_evidence");
            return new RdpnegEvidence(ev);
        }

        /// <summary>The diagnosed report of the evidence so far (see
        /// RdpnegEvidence.ToReport).</summary>
        public ProbeReport ToReport(string? reported = null, RdpnegTaxonomy? taxonomy = null)
        {
            using var ev = Evidence();
            return ev.ToReport(reported, taxonomy);
        }
    }
}
