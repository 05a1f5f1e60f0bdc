using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Rdpneg
{
    /// <summary>
    /// A managed driver for the sans-I/O session over System.Net.Sockets:
    /// the same job as librdpneg-uv (resolve, connect, move bytes, keep the
    /// session's deadlines, report how the transport ended) without libuv, so
    /// an application can ship librdpneg alone. Cancellable; any number of
    /// probes can run concurrently.
    /// </summary>
    public static class RdpnegSocketDriver
    {
        /// <summary>Probes |host|:|port| asynchronously and returns the
        /// evidence. Cancelling |cancellationToken| throws
        /// OperationCanceledException.</summary>
        public static Task<ProbeReport> ProbeAsync(string host, int port = 3389, RdpnegConfig? config = null,
                                                   CancellationToken cancellationToken = default) =>
            ProbeAsync(host, port, config, null, null, cancellationToken);

        /// <summary>ProbeAsync with a reported code to cross-check and vendor
        /// remedies (as for RdpnegProbe.Run).</summary>
        public static async Task<ProbeReport> ProbeAsync(string host, int port, RdpnegConfig? config, string? reported,
                                                         RdpnegTaxonomy? taxonomy, CancellationToken cancellationToken = default)
        {
            using var sess = new RdpnegSession(host, port, config);
            if (reported != null || taxonomy != null)
                sess.SetAnalysis(taxonomy, reported);
            if (config == null || config.NowUnix == 0)
                sess.SetWallclock();
            sess.Start();
            await DriveAsync(sess, host, port, cancellationToken).ConfigureAwait(false);
            return sess.ToReport();
        }

        /// <summary>Runs a started session to its end over a TCP connection
        /// to |host|:|port|.</summary>
        public static async Task DriveAsync(RdpnegSession sess, string host, int port, CancellationToken ct = default)
        {
            using var socket = await ConnectAsync(sess, host, port, ct).ConfigureAwait(false);
            if (socket == null)
                return;
            using var stream = new NetworkStream(socket, ownsSocket: false);
            var buf = new byte[65536];
            Task<int>? read = null;
            while (true)
            {
                byte[] output = sess.PendingOutput();
                if (output.Length > 0)
                {
                    try
                    {
                        await stream.WriteAsync(output, 0, output.Length, ct).ConfigureAwait(false);
                    }
                    catch (IOException)
                    {
                        // the read side reports how the connection ended
                    }
                }
                if (sess.Done)
                    break;
                read ??= ReadAsync(stream, buf);
                if (!await WithinDeadline(sess, read, ct).ConfigureAwait(false))
                    continue;
                var t = read;
                read = null;
                int n;
                try
                {
                    n = await t.ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException || e is SocketException || e is ObjectDisposedException)
                {
                    var se = e as SocketException ?? e.InnerException as SocketException;
                    bool reset = se != null && se.SocketErrorCode == SocketError.ConnectionReset;
                    sess.TransportClosed(reset ? CloseReason.Reset : CloseReason.Error, se != null ? -se.NativeErrorCode : 0);
                    if (!sess.Done)
                        sess.Cancel();
                    continue;
                }
                if (n > 0)
                {
                    sess.Feed(new ReadOnlySpan<byte>(buf, 0, n));
                    continue;
                }
                sess.TransportClosed(CloseReason.Eof);
                if (!sess.Done)
                    sess.Cancel(); // the session could not conclude from a close
            }
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
        }

        private static Task<int> ReadAsync(NetworkStream stream, byte[] buf) => stream.ReadAsync(buf, 0, buf.Length);

        /// <summary>Waits for |task| until the session's next deadline. False
        /// (after HandleExpiry) when the deadline came first.</summary>
        private static async Task<bool> WithinDeadline(RdpnegSession sess, Task task, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            ulong? exp = sess.Expiry;
            int ms = Timeout.Infinite;
            if (exp.HasValue)
            {
                ulong now = RdpnegSession.NowNs();
                ms = exp.Value <= now ? 0 : (int)Math.Min(int.MaxValue, (exp.Value - now + 999_999) / 1_000_000);
            }
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delay = Task.Delay(ms, cts.Token);
            var first = await Task.WhenAny(task, delay).ConfigureAwait(false);
            cts.Cancel();
            ct.ThrowIfCancellationRequested();
            if (first == task)
                return true;
            sess.HandleExpiry();
            return false;
        }

        private static async Task<Socket?> ConnectAsync(RdpnegSession sess, string host, int port, CancellationToken ct)
        {
            string literal = host.Length > 2 && host[0] == '[' && host[host.Length - 1] == ']' ? host.Substring(1, host.Length - 2) : host;
            IPAddress[] addrs;
            if (IPAddress.TryParse(literal, out var parsed))
            {
                addrs = new[] { parsed };
            }
            else
            {
                var resolve = Dns.GetHostAddressesAsync(literal);
                while (!await WithinDeadline(sess, resolve, ct).ConfigureAwait(false))
                {
                    if (sess.Done)
                        return null;
                }
                try
                {
                    addrs = (await resolve.ConfigureAwait(false))
                        .Where(a => a.AddressFamily == AddressFamily.InterNetwork || a.AddressFamily == AddressFamily.InterNetworkV6)
                        .Take(8).ToArray();
                }
                catch (SocketException e)
                {
                    sess.DnsFailed(e.Message);
                    return null;
                }
                if (addrs.Length == 0)
                {
                    sess.DnsFailed("no IPv4 or IPv6 address for " + literal);
                    return null;
                }
            }
            // Like librdpneg-uv: try the addresses in order while connects fail
            // fast (refused/unreachable), e.g. "localhost" giving ::1 first
            // while the server listens on 127.0.0.1 only.
            for (int i = 0; i < addrs.Length; i++)
            {
                var addr = addrs[i];
                var socket = new Socket(addr.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    var connect = socket.ConnectAsync(addr, port);
                    while (!await WithinDeadline(sess, connect, ct).ConfigureAwait(false))
                    {
                        if (sess.Done)
                        {
                            socket.Dispose();
                            return null;
                        }
                    }
                    try
                    {
                        await connect.ConfigureAwait(false);
                    }
                    catch (SocketException e)
                    {
                        socket.Dispose();
                        var status = Classify(e.SocketErrorCode);
                        if (status != TcpStatus.Timeout && i + 1 < addrs.Length)
                            continue;
                        sess.TcpResult(status, addr.ToString(), -e.NativeErrorCode);
                        return null;
                    }
                    sess.TcpResult(TcpStatus.Ok, addr.ToString());
                    return socket;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            return null;
        }

        private static TcpStatus Classify(SocketError e)
        {
            switch (e)
            {
                case SocketError.ConnectionRefused:
                    return TcpStatus.Refused;
                case SocketError.TimedOut:
                    return TcpStatus.Timeout;
                case SocketError.HostUnreachable:
                case SocketError.NetworkUnreachable:
                case SocketError.AccessDenied:
                    return TcpStatus.Unreachable;
                default:
                    return TcpStatus.Error;
            }
        }
    }
}
