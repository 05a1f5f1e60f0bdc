using System;
using System.Threading;
using System.Threading.Tasks;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>One blocking probe through librdpneg-uv (rdpneg_probe_run).</summary>
    public static class RdpnegProbe
    {
        /// <summary>
        /// Probes |host|:|port| (TCP, X.224, TLS, NLA as configured) on a
        /// private libuv loop and returns the evidence. Whatever the server
        /// answers is evidence, not an exception: read Verdict and friends.
        /// |config| (null: the defaults) is only read, so one config can serve
        /// parallel calls. With |tlsVersions|, one more connection per TLS
        /// version 1.0, 1.1 and 1.2 is made (Root.tls.versions).
        /// |reported| is what the user saw ("0x904/0x7",
        /// "ntstatus:0xC000006D"): the diagnosis cross-checks it (Reported).
        /// |taxonomy| supplies vendor remedy texts.
        /// Throws RdpnegUsageException for bad arguments and
        /// DllNotFoundException when librdpneg-uv cannot be loaded.
        /// </summary>
        public static ProbeReport Run(string host, int port = 3389, RdpnegConfig? config = null, bool tlsVersions = false,
                                      string? reported = null, RdpnegTaxonomy? taxonomy = null)
        {
            byte[] h = CheckHost(host);
            ushort p = CheckPort(port);
            bool analysis = reported != null || taxonomy != null;
            if (analysis)
            {
                // a typo in |reported| fails before the probe, not after it
                using var dry = new RdpnegSession(host, port);
                dry.SetAnalysis(taxonomy, reported);
            }
            RdpnegLibrary.EnsureUvLoaded();
            RdpnegConfig? owned = config == null ? new RdpnegConfig() : null;
            try
            {
                var cfg = (config ?? owned)!.Handle;
                int rv;
                SessionSafeHandle sess;
                try
                {
                    rv = NativeMethods.rdpneg_probe_run(cfg, h, p, out sess);
                }
                catch (DllNotFoundException e)
                {
                    throw RdpnegLibrary.UvNotFound(e);
                }
                if (sess.IsInvalid)
                {
                    sess.Dispose();
                    throw RdpnegException.FromCode(rv < 0 ? rv : (int)RdpnegError.Internal, "rdpneg_probe_run");
                }
                using (var s = new RdpnegSession(sess, host, port))
                {
                    // rv < 0 with a session (Cancelled): the evidence says why
                    if (tlsVersions && rv == 0)
                        Ensure.Success(NativeMethods.rdpneg_probe_run_tls_versions(cfg, h, p, sess), "rdpneg_probe_run_tls_versions");
                    if (analysis)
                        s.SetAnalysis(taxonomy, reported);
                    return s.ToReport();
                }
            }
            finally
            {
                owned?.Dispose();
            }
        }

        /// <summary>Run() on the thread pool. The token is checked before the
        /// probe starts; a running probe ends by its own deadlines (the C API
        /// has no way to cancel rdpneg_probe_run from outside).</summary>
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
            return Task.Run(() => Run(host, port, config, tlsVersions, reported, taxonomy), cancellationToken);
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
