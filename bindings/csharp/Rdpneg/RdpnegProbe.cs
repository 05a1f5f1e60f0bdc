// SPDX-License-Identifier: Apache-2.0
using System;
using System.Threading;
using System.Threading.Tasks;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>One blocking probe plan through librdpneg-uv
    /// (rdpneg_probe_run), or the same plan asynchronously on the managed
    /// socket driver (RunAsync).</summary>
    public static partial class RdpnegProbe
    {
        /// <summary>
        /// Probes |host|:|port| (TCP, X.224, TLS, NLA as configured) with a
        /// probe plan on a private libuv loop and returns the diagnosed
        /// evidence of every connection it made. Whatever the server answers
        /// is evidence, not an exception: read Verdict and friends.
        /// |config| (null: the defaults) is only read, so one config can serve
        /// parallel calls. With |tlsVersions| the plan also makes one
        /// connection per TLS version 1.0, 1.1 and 1.2 (in parallel;
        /// Root.tls.versions), as RdpnegConfig.ProbeTlsVersions on a copy of
        /// |config|. |reported| is what the user saw ("0x904/0x7",
        /// "ntstatus:0xC000006D"): the diagnosis cross-checks it (Reported);
        /// a malformed one throws RdpnegUsageException before any connection.
        /// |taxonomy| supplies vendor remedy texts.
        /// Throws RdpnegUsageException for bad arguments and
        /// DllNotFoundException when librdpneg-uv cannot be loaded.
        /// </summary>
        public static ProbeReport Run(string host, int port = 3389, RdpnegConfig? config = null, bool tlsVersions = false,
                                      string? reported = null, RdpnegTaxonomy? taxonomy = null)
        {
            byte[] h = CheckHost(host);
            ushort p = CheckPort(port);
            RdpnegLibrary.EnsureLoaded();
            RdpnegDiagnosis.CheckReported(reported);
            RdpnegLibrary.EnsureUvLoaded();
            using (var ev = RunEvidence(h, p, config, tlsVersions))
                return ev.ToReport(reported, taxonomy);
        }

        /// <summary>Run() without the diagnosis: the evidence of every
        /// connection, to diagnose (RdpnegEvidence.Diagnose), save
        /// (RdpnegEvidence.Json) or report later.</summary>
        public static RdpnegEvidence RunEvidence(string host, int port = 3389, RdpnegConfig? config = null, bool tlsVersions = false)
        {
            byte[] h = CheckHost(host);
            ushort p = CheckPort(port);
            RdpnegLibrary.EnsureUvLoaded();
            return RunEvidence(h, p, config, tlsVersions);
        }

        private static RdpnegEvidence RunEvidence(byte[] h, ushort p, RdpnegConfig? config, bool tlsVersions)
        {
            using var owned = WithTlsVersions(config, tlsVersions);
            var cfg = (owned ?? config)!.Handle;
            EvidenceSafeHandle ev;
            int rv;
            try
            {
                rv = NativeMethods.rdpneg_probe_run(cfg, h, p, out ev);
            }
            catch (DllNotFoundException e)
            {
                throw RdpnegLibrary.UvNotFound(e);
            }
            if (rv < 0 || ev.IsInvalid)
            {
                ev.Dispose();
                throw RdpnegException.FromCode(rv < 0 ? rv : (int)RdpnegError.Internal, "rdpneg_probe_run");
            }
            return new RdpnegEvidence(ev);
        }

        /// <summary>The config a probe runs with: null to use |config| as it
        /// is, else a copy (to dispose) with the defaults when |config| is
        /// null and ProbeTlsVersions set when |tlsVersions|.</summary>
        internal static RdpnegConfig? WithTlsVersions(RdpnegConfig? config, bool tlsVersions)
        {
            if (config != null && !tlsVersions)
                return null;
            var c = config != null ? config.Clone() : new RdpnegConfig();
            try
            {
                if (tlsVersions)
                    c.ProbeTlsVersions = true;
                return c;
            }
            catch
            {
                c.Dispose();
                throw;
            }
        }

        /// <summary>The same probe plan as Run(), asynchronously: it runs on
        /// the managed socket driver (RdpnegSocketDriver.ProbeAsync; no
        /// thread is blocked and libuv is not needed), which gives the same
        /// document as Run() (the parity tests compare them field by field).
        /// Cancelling |cancellationToken| cancels the plan at any point and
        /// throws RdpnegProbeCancelledException (an
        /// OperationCanceledException) carrying the evidence gathered so far.</summary>
        public static Task<ProbeReport> RunAsync(string host, int port = 3389, RdpnegConfig? config = null,
                                                 bool tlsVersions = false, CancellationToken cancellationToken = default) =>
            RunAsync(host, port, config, tlsVersions, null, null, cancellationToken);

        /// <summary>RunAsync with a reported code and vendor remedies.</summary>
        public static Task<ProbeReport> RunAsync(string host, int port, RdpnegConfig? config, bool tlsVersions,
                                                 string? reported, RdpnegTaxonomy? taxonomy,
                                                 CancellationToken cancellationToken = default)
        {
            CheckHost(host);
            CheckPort(port);
            RdpnegDiagnosis.CheckReported(reported);
            return RdpnegSocketDriver.ProbeAsync(host, port, config, reported, taxonomy, tlsVersions, cancellationToken);
        }

        internal static byte[] CheckHost(string host)
        {
            if (host == null)
                throw new ArgumentNullException(nameof(host));
            return Utf8.ToNative(host, "host")!;
        }

        internal static ushort CheckPort(int port)
        {
            if (port < 1 || port > 65535)
                throw RdpnegException.FromCode((int)RdpnegError.InvalidArgument, null, "port must be 1..65535, not " + port);
            return (ushort)port;
        }
    }
}
