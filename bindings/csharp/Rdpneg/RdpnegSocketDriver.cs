// SPDX-License-Identifier: Apache-2.0
using System;
using System.Runtime.InteropServices;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Rdpneg
{
    /// <summary>
    /// A managed driver over System.Net.Sockets for probe plans
    /// (<see cref="RdpnegPlan"/>) and single sessions: the same job as
    /// librdpneg-uv (resolve, connect, move bytes, keep the deadlines, report
    /// how the transport ended) without libuv, so an application can ship
    /// librdpneg alone. It holds no protocol policy: the plan decides which
    /// connections a probe makes (the raw-NTLM retry, one connection per TLS
    /// version), so this driver and RdpnegProbe.Run give the same document.
    /// The attempts of one plan run concurrently on one asynchronous loop
    /// (no thread is blocked; every native call of a plan is made from that
    /// loop, one at a time); any number of probes can run concurrently.
    /// </summary>
    public static class RdpnegSocketDriver
    {
        /// <summary>Probes |host|:|port| with a probe plan and returns the
        /// diagnosed evidence of every connection it made. Cancelling
        /// |cancellationToken| cancels the plan at any point, closes every
        /// socket and throws <see cref="RdpnegProbeCancelledException"/> (an
        /// OperationCanceledException) whose Report holds the evidence
        /// gathered so far, marked cancelled.</summary>
        public static Task<ProbeReport> ProbeAsync(string host, int port = 3389, RdpnegConfig? config = null,
                                                   CancellationToken cancellationToken = default) =>
            ProbeAsync(host, port, config, null, null, false, cancellationToken);

        /// <summary>ProbeAsync with one connection per TLS version (as
        /// RdpnegProbe.Run's tlsVersions).</summary>
        public static Task<ProbeReport> ProbeAsync(string host, int port, RdpnegConfig? config, bool tlsVersions,
                                                   CancellationToken cancellationToken = default) =>
            ProbeAsync(host, port, config, null, null, tlsVersions, cancellationToken);

        /// <summary>ProbeAsync with a reported code to cross-check and vendor
        /// remedies (as for RdpnegProbe.Run).</summary>
        public static Task<ProbeReport> ProbeAsync(string host, int port, RdpnegConfig? config, string? reported,
                                                   RdpnegTaxonomy? taxonomy, CancellationToken cancellationToken = default) =>
            ProbeAsync(host, port, config, reported, taxonomy, false, cancellationToken);

        /// <summary>ProbeAsync with every option. Bad arguments (host, port,
        /// a malformed |reported|) throw RdpnegUsageException at once, before
        /// anything connects.</summary>
        public static Task<ProbeReport> ProbeAsync(string host, int port, RdpnegConfig? config, string? reported,
                                                   RdpnegTaxonomy? taxonomy, bool tlsVersions,
                                                   CancellationToken cancellationToken = default)
        {
            RdpnegProbe.CheckHost(host);
            RdpnegProbe.CheckPort(port);
            RdpnegDiagnosis.CheckReported(reported);
            return ProbeCore(host, port, config, reported, taxonomy, tlsVersions, cancellationToken);
        }

        private static async Task<ProbeReport> ProbeCore(string host, int port, RdpnegConfig? config, string? reported,
                                                         RdpnegTaxonomy? taxonomy, bool tlsVersions, CancellationToken ct)
        {
            RdpnegPlan plan;
            using (var owned = RdpnegProbe.WithTlsVersions(config, tlsVersions))
            {
                var cfg = owned ?? config;
                plan = new RdpnegPlan(host, port, cfg);
                if (cfg == null || cfg.NowUnix == 0)
                    plan.SetWallclock();
            }
            using (plan)
            {
                if (ct.IsCancellationRequested)
                    throw new RdpnegProbeCancelledException(null, ct); // nothing gathered yet
                plan.Start();
                bool cancelled = await RunLoop(new PlanSource(plan), ct).ConfigureAwait(false);
                var report = plan.ToReport(reported, taxonomy);
                if (cancelled)
                    throw new RdpnegProbeCancelledException(report, ct);
                return report;
            }
        }

        /// <summary>Runs a started plan until it is Done: every attempt it
        /// hands out runs concurrently, each closed and given back when its
        /// session is done. Cancelling |cancellationToken| cancels the plan
        /// (RdpnegPlan.Cancel), closes every socket, gives every session back
        /// and then throws OperationCanceledException; the plan's evidence
        /// is then what was gathered, marked cancelled.</summary>
        public static async Task RunPlanAsync(RdpnegPlan plan, CancellationToken cancellationToken = default)
        {
            if (plan == null)
                throw new ArgumentNullException(nameof(plan));
            if (await RunLoop(new PlanSource(plan), cancellationToken).ConfigureAwait(false))
                throw new OperationCanceledException(cancellationToken);
        }

        /// <summary>Runs one started session (not one of a plan: one
        /// connection, no follow-ups) to its end over a TCP connection to
        /// |host|:|port|. Cancelling |ct| cancels the session, closes the
        /// socket and throws OperationCanceledException.</summary>
        public static async Task DriveAsync(RdpnegSession sess, string host, int port, CancellationToken ct = default)
        {
            if (sess == null)
                throw new ArgumentNullException(nameof(sess));
            if (await RunLoop(new SingleSource(sess, host, port), ct).ConfigureAwait(false))
                throw new OperationCanceledException(ct);
        }

        // ---- where the sessions come from ------------------------------------

        private abstract class Source
        {
            internal abstract RdpnegSession? Next(ulong now);
            internal abstract void Done(RdpnegSession s, ulong now);
            internal abstract bool Finished { get; }
            internal abstract ulong? Expiry { get; }
            internal abstract void HandleExpiry(ulong now);
            internal abstract void Cancel(ulong now);
            internal virtual string Host(RdpnegSession s) => s.Host;
            internal virtual int Port(RdpnegSession s) => s.Port;
            internal virtual string? Address(RdpnegSession s) => s.ConnectAddress;
        }

        private sealed class PlanSource : Source
        {
            private readonly RdpnegPlan _plan;

            internal PlanSource(RdpnegPlan plan)
            {
                _plan = plan;
            }

            internal override RdpnegSession? Next(ulong now) => _plan.Next(now);
            internal override void Done(RdpnegSession s, ulong now) => _plan.AttemptDone(s, now);
            internal override bool Finished => _plan.Done;
            internal override ulong? Expiry => _plan.Expiry;
            internal override void HandleExpiry(ulong now) => _plan.HandleExpiry(now);
            internal override void Cancel(ulong now) => _plan.Cancel(now);
        }

        private sealed class SingleSource : Source
        {
            private readonly RdpnegSession _sess;
            private readonly string _host;
            private readonly int _port;
            private bool _handed, _done;

            internal SingleSource(RdpnegSession sess, string host, int port)
            {
                _sess = sess;
                _host = host;
                _port = port;
            }

            internal override RdpnegSession? Next(ulong now)
            {
                if (_handed)
                    return null;
                _handed = true;
                return _sess;
            }

            internal override void Done(RdpnegSession s, ulong now) => _done = true;
            internal override bool Finished => _done;
            internal override ulong? Expiry => null;
            internal override void HandleExpiry(ulong now) { }

            internal override void Cancel(ulong now)
            {
                if (!_sess.Done)
                    _sess.Cancel(now);
            }

            internal override string Host(RdpnegSession s) => _host;
            internal override int Port(RdpnegSession s) => _port;
            internal override string? Address(RdpnegSession s) => null;
        }

        // ---- one connection ----------------------------------------------------

        private sealed class Conn
        {
            internal readonly RdpnegSession Sess;
            internal readonly byte[] Buf = new byte[65536];
            internal readonly Queue<byte[]> Out = new Queue<byte[]>();
            internal Task<IPAddress[]>? Resolve;
            internal IPAddress[] Addrs = Array.Empty<IPAddress>();
            internal int AddrIndex;
            internal Socket? Socket;
            internal Task? Connect;
            internal bool Connected;
            internal bool Closed; // the transport ended (EOF, reset, error)
            internal Task<int>? Read;
            internal Task? Send;
            internal int Port;

            internal Conn(RdpnegSession sess)
            {
                Sess = sess;
            }

            internal IEnumerable<Task> Pending()
            {
                if (Resolve != null)
                    yield return Resolve;
                if (Connect != null)
                    yield return Connect;
                if (Read != null)
                    yield return Read;
                if (Send != null)
                    yield return Send;
            }
        }

        /// <summary>The loop: hand out attempts, move bytes, keep deadlines,
        /// give finished sessions back, until the source is finished. True
        /// when it ended because |ct| was cancelled.</summary>
        private static async Task<bool> RunLoop(Source src, CancellationToken ct)
        {
            var conns = new List<Conn>();
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            bool wasCancelled = false;
            using var reg = ct.Register(() => cancelled.TrySetResult(true));
            try
            {
                while (true)
                {
                    ulong now = RdpnegSession.NowNs();
                    if (!wasCancelled && cancelled.Task.IsCompleted)
                    {
                        wasCancelled = true;
                        src.Cancel(now);
                    }
                    for (RdpnegSession? s; (s = src.Next(now)) != null;)
                    {
                        var c = new Conn(s);
                        conns.Add(c);
                        Begin(src, c);
                    }
                    bool gaveBack = false;
                    foreach (var c in conns.ToArray())
                    {
                        if (!c.Sess.Done)
                            Pump(c, now);
                        if (c.Sess.Done)
                        {
                            Close(c, now);
                            conns.Remove(c);
                            src.Done(c.Sess, now);
                            gaveBack = true;
                        }
                    }
                    if (gaveBack)
                        continue; // the plan may have follow-ups now
                    if (src.Finished && conns.Count == 0)
                        return wasCancelled;

                    // wait for I/O, the next deadline, or cancellation
                    ulong? deadline = src.Expiry;
                    foreach (var c in conns)
                    {
                        ulong? e = c.Sess.Expiry;
                        if (e.HasValue && (!deadline.HasValue || e.Value < deadline.Value))
                            deadline = e;
                    }
                    var waits = new List<Task>();
                    foreach (var c in conns)
                        waits.AddRange(c.Pending());
                    if (!wasCancelled)
                        waits.Add(cancelled.Task);
                    using (var timer = new CancellationTokenSource())
                    {
                        if (deadline.HasValue)
                        {
                            ulong t = RdpnegSession.NowNs();
                            int ms = deadline.Value <= t ? 0
                                : (int)Math.Min(int.MaxValue, (deadline.Value - t + 999_999) / 1_000_000);
                            waits.Add(Task.Delay(ms, timer.Token));
                        }
                        if (conns.Count == 0 && !deadline.HasValue)
                            throw new InvalidOperationException("rdpneg socket driver: nothing to wait for but the probe is not done");
                        await Task.WhenAny(waits).ConfigureAwait(false);
                        timer.Cancel();
                    }

                    now = RdpnegSession.NowNs();
                    foreach (var c in conns)
                        Complete(src, c, now);
                    foreach (var c in conns)
                    {
                        ulong? e = c.Sess.Expiry;
                        if (!c.Sess.Done && e.HasValue && e.Value <= now)
                            c.Sess.HandleExpiry(now);
                    }
                    ulong? pe = src.Expiry;
                    if (pe.HasValue && pe.Value <= now)
                        src.HandleExpiry(now);
                }
            }
            finally
            {
                // an exception (a bug, or a native error) leaves the loop: close
                // every socket; the sessions still lent are freed with the plan
                foreach (var c in conns)
                    Close(c, RdpnegSession.NowNs(), flush: false);
            }
        }

        /// <summary>Starts name resolution or the connect of a new attempt.</summary>
        private static void Begin(Source src, Conn c)
        {
            c.Port = src.Port(c.Sess);
            string? address = src.Address(c.Sess);
            if (address != null && IPAddress.TryParse(address, out var known))
            {
                c.Addrs = new[] { known };
                StartConnect(c);
                return;
            }
            string host = src.Host(c.Sess);
            string literal = host.Length > 2 && host[0] == '[' && host[host.Length - 1] == ']' ? host.Substring(1, host.Length - 2) : host;
            if (IPAddress.TryParse(literal, out var parsed))
            {
                c.Addrs = new[] { parsed };
                StartConnect(c);
                return;
            }
            c.Resolve = Dns.GetHostAddressesAsync(literal);
        }

        // The plan's path-MTU check asks for a small MSS before the SYN
        // (TCP_MAXSEG, 2 on Linux); where that cannot be set the connection
        // goes out with the default and the check is only less telling.
        private static void SetMss(Socket socket, int mss)
        {
            if (mss <= 0 || !RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                return;
#if NET5_0_OR_GREATER
            try
            {
                socket.SetRawSocketOption(6 /* IPPROTO_TCP */, 2 /* TCP_MAXSEG */, BitConverter.GetBytes(mss));
            }
            catch (SocketException)
            {
            }
#endif
        }

        private static void StartConnect(Conn c)
        {
            var addr = c.Addrs[c.AddrIndex];
            var socket = new Socket(addr.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            c.Socket = socket;
            SetMss(socket, c.Sess.TcpMss);
            try
            {
                c.Connect = socket.ConnectAsync(addr, c.Port);
            }
            catch (SocketException e)
            {
                c.Connect = Task.FromException(e);
            }
        }

        /// <summary>Sends what the session has queued and keeps one read
        /// outstanding.</summary>
        private static void Pump(Conn c, ulong now)
        {
            if (!c.Connected || c.Closed)
                return;
            byte[] output = c.Sess.PendingOutput(now);
            if (output.Length > 0)
                c.Out.Enqueue(output);
            if (c.Send == null && c.Out.Count > 0)
                c.Send = SendAll(c.Socket!, c.Out.Dequeue());
            if (c.Read == null)
            {
                try
                {
                    c.Read = c.Socket!.ReceiveAsync(new ArraySegment<byte>(c.Buf), SocketFlags.None);
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                {
                    c.Read = Task.FromException<int>(e);
                }
            }
        }

        private static async Task SendAll(Socket socket, byte[] data)
        {
            int off = 0;
            while (off < data.Length)
                off += await socket.SendAsync(new ArraySegment<byte>(data, off, data.Length - off), SocketFlags.None).ConfigureAwait(false);
        }

        /// <summary>Reports every completed operation of |c| to its session.</summary>
        private static void Complete(Source src, Conn c, ulong now)
        {
            if (c.Resolve != null && c.Resolve.IsCompleted)
            {
                var t = c.Resolve;
                c.Resolve = null;
                if (!c.Sess.Done)
                {
                    if (t.Status == TaskStatus.RanToCompletion)
                    {
                        c.Addrs = t.Result.Where(a => a.AddressFamily == AddressFamily.InterNetwork ||
                                                      a.AddressFamily == AddressFamily.InterNetworkV6).Take(8).ToArray();
                        if (c.Addrs.Length == 0)
                            c.Sess.DnsFailed("no IPv4 or IPv6 address for " + src.Host(c.Sess), now);
                        else
                            StartConnect(c);
                    }
                    else
                    {
                        var e = t.Exception?.GetBaseException();
                        c.Sess.DnsFailed(e?.Message ?? "name resolution failed", now);
                    }
                }
            }
            if (c.Connect != null && c.Connect.IsCompleted)
            {
                var t = c.Connect;
                c.Connect = null;
                var addr = c.Addrs[c.AddrIndex];
                if (c.Sess.Done)
                {
                    Observe(t);
                }
                else if (t.Status == TaskStatus.RanToCompletion)
                {
                    c.Connected = true;
                    c.Sess.TcpResult(TcpStatus.Ok, addr.ToString(), 0, now);
                }
                else
                {
                    var se = t.Exception?.GetBaseException() as SocketException;
                    c.Socket?.Dispose();
                    c.Socket = null;
                    var status = se != null ? Classify(se.SocketErrorCode) : TcpStatus.Error;
                    // like librdpneg-uv: try the next address while connects
                    // fail fast (e.g. "localhost" giving ::1 first while the
                    // server listens on 127.0.0.1 only)
                    if (status != TcpStatus.Timeout && c.AddrIndex + 1 < c.Addrs.Length)
                    {
                        c.AddrIndex++;
                        StartConnect(c);
                    }
                    else
                    {
                        c.Sess.TcpResult(status, addr.ToString(), se != null ? -se.NativeErrorCode : 0, now);
                    }
                }
            }
            if (c.Send != null && c.Send.IsCompleted)
            {
                Observe(c.Send); // a failed send: the read side reports how the connection ended
                c.Send = null;
                if (c.Out.Count > 0 && !c.Closed && !c.Sess.Done)
                    c.Send = SendAll(c.Socket!, c.Out.Dequeue());
            }
            if (c.Read != null && c.Read.IsCompleted)
            {
                var t = c.Read;
                c.Read = null;
                if (c.Sess.Done)
                {
                    Observe(t);
                    return;
                }
                if (t.Status == TaskStatus.RanToCompletion && t.Result > 0)
                {
                    c.Sess.Feed(new ReadOnlySpan<byte>(c.Buf, 0, t.Result), now);
                    return;
                }
                c.Closed = true;
                if (t.Status == TaskStatus.RanToCompletion)
                {
                    c.Sess.TransportClosed(CloseReason.Eof, 0, now);
                }
                else
                {
                    var e = t.Exception?.GetBaseException();
                    var se = e as SocketException ?? e?.InnerException as SocketException;
                    bool reset = se != null && se.SocketErrorCode == SocketError.ConnectionReset;
                    c.Sess.TransportClosed(reset ? CloseReason.Reset : CloseReason.Error, se != null ? -se.NativeErrorCode : 0, now);
                }
                if (!c.Sess.Done)
                    c.Sess.Cancel(now); // the session could not conclude from the close
            }
        }

        /// <summary>Closes |c|'s socket (after a last best-effort send of what
        /// the finished session queued) and drops its pending operations.</summary>
        private static void Close(Conn c, ulong now, bool flush = true)
        {
            var socket = c.Socket;
            c.Socket = null;
            if (socket != null)
            {
                if (flush && c.Connected && !c.Closed && c.Send == null)
                {
                    try
                    {
                        byte[] last = c.Sess.PendingOutput(now);
                        if (last.Length > 0)
                        {
                            socket.Blocking = false;
                            socket.Send(last, 0, last.Length, SocketFlags.None, out SocketError _);
                        }
                    }
                    catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is RdpnegException)
                    {
                    }
                }
                try
                {
                    if (c.Connected)
                        socket.Shutdown(SocketShutdown.Both);
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                {
                }
                socket.Dispose();
            }
            foreach (var t in c.Pending())
                Observe(t);
            c.Resolve = null;
            c.Connect = null;
            c.Read = null;
            c.Send = null;
        }

        /// <summary>Marks a task's exception as observed (the operation was
        /// abandoned on purpose).</summary>
        private static void Observe(Task t)
        {
            t.ContinueWith(x => _ = x.Exception, CancellationToken.None,
                           TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
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
