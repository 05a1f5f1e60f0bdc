// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>Limits and diagnosis options of RdpnegProbe.ProbeManyAsync
    /// (rdpneg_batch options).</summary>
    public sealed class ProbeManyOptions
    {
        /// <summary>Probes (and name resolutions) in flight; 256.</summary>
        public int Concurrency { get; set; } = 256;

        /// <summary>Probes in flight against one address and port (a name
        /// is resolved first to find its addresses); 2.</summary>
        public int PerListener { get; set; } = 2;

        /// <summary>Probe starts per second, 0 for no limit.</summary>
        public int Rate { get; set; }

        /// <summary>libuv loop threads of the batch; 1.</summary>
        public int Threads { get; set; } = 1;

        /// <summary>The port of a target given without one; 3389.</summary>
        public int DefaultPort { get; set; } = 3389;

        /// <summary>One connection per TLS version too (RdpnegProbe.Run's
        /// tlsVersions).</summary>
        public bool TlsVersions { get; set; }

        /// <summary>What the user saw, cross-checked by each diagnosis.</summary>
        public string? Reported { get; set; }

        /// <summary>Vendor remedy texts.</summary>
        public RdpnegTaxonomy? Taxonomy { get; set; }
    }

    /// <summary>One target's outcome from RdpnegProbe.ProbeManyAsync.</summary>
    public sealed class ProbeManyResult
    {
        /// <summary>The target as given.</summary>
        public string Target { get; internal set; } = "";

        /// <summary>Its position in the targets given, from 0.</summary>
        public long Index { get; internal set; }

        /// <summary>The host probed (brackets removed).</summary>
        public string Host { get; internal set; } = "";

        public int Port { get; internal set; }

        /// <summary>0 when the plan ran to its end (whatever the server
        /// answered: read Report), RdpnegError.Cancelled when the batch was
        /// cancelled while it ran, or the driver's failure (NoMem).</summary>
        public int Status { get; internal set; }

        public bool Cancelled => Status == (int)RdpnegError.Cancelled;

        /// <summary>The report RdpnegProbe.Run gives for the same target
        /// (timings aside); null only when the driver failed.</summary>
        public ProbeReport? Report { get; internal set; }

        /// <summary>When the probe started and ended: nanoseconds of libuv's
        /// monotonic clock (the time it waited for a slot is not in it).</summary>
        public ulong StartedNs { get; internal set; }

        public ulong EndedNs { get; internal set; }

        public override string ToString() => Target + ": " + (Report != null ? Report.Verdict.ToString() : "status " + Status);
    }

    public static partial class RdpnegProbe
    {
        private const int BatchEnd = 0, BatchResult = 1;
        private const int PollMs = 100;

        /// <summary>
        /// Probes every target and yields one ProbeManyResult per target in
        /// completion order. A target is "host", "host:port", "[IPv6]:port"
        /// or a bare IPv6 address (port: options.DefaultPort); targets are
        /// not de-duplicated, and |targets| is read lazily, as slots free up.
        /// The probes run on librdpneg-uv's own libuv loop (rdpneg_batch;
        /// options.Threads loops), not as a task per target: at most
        /// options.Concurrency at once, at most options.PerListener against
        /// one address and port, each the probe plan Run() makes with its
        /// own deadlines (so each Report is Run()'s document). One helper
        /// thread per enumeration waits on the batch and takes a result out
        /// only when the consumer asks for the next one.
        /// Cancelling |cancellationToken| (or disposing the enumerator, as
        /// leaving an await foreach early does) cancels the batch: running
        /// probes end at once; with the token, the enumeration throws
        /// OperationCanceledException. A malformed target throws
        /// RdpnegUsageException when it is reached;
        /// DllNotFoundException/NotSupportedException when librdpneg-uv
        /// cannot be loaded or has no batch API.
        /// </summary>
        public static async IAsyncEnumerable<ProbeManyResult> ProbeManyAsync(IEnumerable<string> targets, RdpnegConfig? config = null,
                                                                           ProbeManyOptions? options = null,
                                                                           [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (targets == null)
                throw new ArgumentNullException(nameof(targets));
            options ??= new ProbeManyOptions();
            RdpnegLibrary.EnsureLoaded();
            RdpnegDiagnosis.CheckReported(options.Reported);
            RdpnegLibrary.EnsureUvLoaded();
#if NET5_0_OR_GREATER
            foreach (var f in NativeMethods.BatchFunctions)
                if (!LibraryResolver.HasExport(NativeMethods.UvLib, f))
                    throw new NotSupportedException("librdpneg-uv lacks " + f + " (rdpneg_batch)");
#endif
            cancellationToken.ThrowIfCancellationRequested();
            var pump = new BatchPump(targets, config, options);
            try
            {
                using (cancellationToken.Register(() => pump.Stop(cancelled: true)))
                {
                    while (true)
                    {
                        var r = await pump.NextAsync().ConfigureAwait(false);
                        if (r == null)
                            break;
                        yield return r;
                    }
                }
                cancellationToken.ThrowIfCancellationRequested();
            }
            finally
            {
                pump.Stop(cancelled: false); // the helper thread frees the batch
            }
        }

        /// <summary>An rdpneg_batch and the helper thread that waits on it.
        /// The thread owns the batch: it feeds the targets, takes results
        /// (one per credit the consumer gives) and frees the batch at the
        /// end. Stop() and Cancel may come from any thread.</summary>
        private sealed class BatchPump
        {
            private readonly BatchSafeHandle _batch;
            private readonly IEnumerator<string> _targets;
            private readonly ProbeManyOptions _options;
            private readonly SemaphoreSlim _credits = new SemaphoreSlim(0);
            private readonly Thread _thread;
            private volatile bool _stopped;
            private TaskCompletionSource<ProbeManyResult?>? _next;
            private bool _inputDone;
            private long _added, _delivered;
            private readonly long _window;

            internal BatchPump(IEnumerable<string> targets, RdpnegConfig? config, ProbeManyOptions options)
            {
                _options = options;
                _window = 2L * Math.Max(1, options.Concurrency);
                using (var owned = WithTlsVersions(config, options.TlsVersions))
                {
                    Ensure.Success(NativeMethods.rdpneg_batch_new(out _batch, (owned ?? config)!.Handle), "rdpneg_batch_new");
                }
                try
                {
                    Set(BatchOption.Concurrency, options.Concurrency);
                    Set(BatchOption.PerListener, options.PerListener);
                    Set(BatchOption.Rate, options.Rate);
                    Set(BatchOption.Threads, options.Threads);
                    Set(BatchOption.DefaultPort, options.DefaultPort);
                    _targets = targets.GetEnumerator();
                }
                catch
                {
                    _batch.Dispose();
                    throw;
                }
                _thread = new Thread(Run) { IsBackground = true, Name = "rdpneg-probe-many" };
                _thread.Start();
            }

            private void Set(BatchOption opt, long value) =>
                Ensure.Success(NativeMethods.rdpneg_batch_set(_batch, (int)opt, value), "rdpneg_batch_set");

            /// <summary>The next result, null at the end.</summary>
            internal Task<ProbeManyResult?> NextAsync()
            {
                var tcs = new TaskCompletionSource<ProbeManyResult?>(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _next, tcs);
                if (_stopped)
                    tcs.TrySetResult(null);
                else
                    _credits.Release();
                return tcs.Task;
            }

            /// <summary>Stops the pump and cancels the batch's probes.</summary>
            internal void Stop(bool cancelled)
            {
                _stopped = true;
                try
                {
                    if (!_batch.IsClosed)
                        NativeMethods.rdpneg_batch_cancel(_batch);
                }
                catch (ObjectDisposedException)
                {
                    // the helper thread freed it
                }
                var t = Volatile.Read(ref _next);
                if (cancelled)
                    t?.TrySetCanceled();
                else
                    t?.TrySetResult(null);
            }

            private void Feed()
            {
                while (!_inputDone && _added - _delivered < _window)
                {
                    if (!_targets.MoveNext())
                    {
                        _inputDone = true;
                        Ensure.Success(NativeMethods.rdpneg_batch_end_input(_batch), "rdpneg_batch_end_input");
                        return;
                    }
                    string t = _targets.Current ?? throw new ArgumentNullException("targets", "a target is null");
                    int rv = NativeMethods.rdpneg_batch_add(_batch, Utf8.ToNative(t, "target")!);
                    if (rv == (int)RdpnegError.Cancelled)
                    {
                        _inputDone = true;
                        return;
                    }
                    if (rv < 0)
                        throw RdpnegException.FromCode(rv, "rdpneg_batch_add", "target \"" + t + "\"");
                    _added++;
                }
            }

            private void Run()
            {
                try
                {
                    while (!_stopped)
                    {
                        if (!_credits.Wait(PollMs))
                            continue;
                        while (!_stopped)
                        {
                            Feed();
                            int rv = NativeMethods.rdpneg_batch_next(_batch, PollMs, out IntPtr r);
                            if (rv == BatchResult)
                            {
                                _delivered++;
                                ProbeManyResult res;
                                try
                                {
                                    res = Convert(r);
                                }
                                finally
                                {
                                    NativeMethods.rdpneg_batch_result_free(r);
                                }
                                Volatile.Read(ref _next)!.TrySetResult(res);
                                break;
                            }
                            if (rv == BatchEnd)
                            {
                                _stopped = true;
                                Volatile.Read(ref _next)!.TrySetResult(null);
                                return;
                            }
                            if (rv < 0)
                                throw RdpnegException.FromCode(rv, "rdpneg_batch_next");
                        }
                    }
                }
                catch (Exception e)
                {
                    _stopped = true;
                    Volatile.Read(ref _next)?.TrySetException(e);
                }
                finally
                {
                    _targets.Dispose();
                    _batch.Dispose(); // cancels what still runs, waits for the loops
                }
            }

            private ProbeManyResult Convert(IntPtr r)
            {
                var res = new ProbeManyResult
                {
                    Target = Utf8.FromNative(NativeMethods.rdpneg_batch_result_target(r)) ?? "",
                    Index = NativeMethods.rdpneg_batch_result_index(r),
                    Host = Utf8.FromNative(NativeMethods.rdpneg_batch_result_host(r)) ?? "",
                    Port = NativeMethods.rdpneg_batch_result_port(r),
                    Status = NativeMethods.rdpneg_batch_result_status(r),
                    StartedNs = NativeMethods.rdpneg_batch_result_started_ns(r),
                    EndedNs = NativeMethods.rdpneg_batch_result_ended_ns(r),
                };
                if (NativeMethods.rdpneg_batch_result_take_evidence(r, out EvidenceSafeHandle ev) == 0 && !ev.IsInvalid)
                {
                    using var evidence = new RdpnegEvidence(ev);
                    res.Report = evidence.ToReport(_options.Reported, _options.Taxonomy);
                }
                else
                {
                    ev.Dispose();
                }
                return res;
            }
        }
    }
}
