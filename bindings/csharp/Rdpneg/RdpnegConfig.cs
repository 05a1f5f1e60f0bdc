// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.IO;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>TLS versions for TlsMin / TlsMax (RDPNEG_OPT_TLS_MIN/MAX values).</summary>
    public enum TlsVersion
    {
        Tls10 = 1,
        Tls11 = 2,
        Tls12 = 3,
    }

    /// <summary>
    /// A probe configuration (rdpneg_config) with typed properties. Every
    /// setter is validated by the library: a value out of range throws
    /// <see cref="RdpnegUsageException"/> and leaves the option unchanged.
    /// Dispose it when done (a finalizer frees it otherwise). Reading it from
    /// several threads at once (e.g. parallel RdpnegProbe.Run calls) is safe;
    /// changing it while another thread uses it is not.
    /// </summary>
    public sealed class RdpnegConfig : IDisposable
    {
        private readonly ConfigSafeHandle _handle;

        /// <summary>A configuration with the library defaults.</summary>
        public RdpnegConfig()
        {
            RdpnegLibrary.EnsureLoaded();
            Ensure.Success(NativeMethods.rdpneg_config_new(out _handle), "rdpneg_config_new");
        }

        private RdpnegConfig(ConfigSafeHandle h)
        {
            _handle = h;
        }

        internal ConfigSafeHandle Handle
        {
            get
            {
                if (_handle.IsClosed)
                    throw new ObjectDisposedException(nameof(RdpnegConfig));
                return _handle;
            }
        }

        public void Dispose() => _handle.Dispose();

        public bool IsDisposed => _handle.IsClosed;

        /// <summary>An independent deep copy (credentials included).</summary>
        public RdpnegConfig Clone()
        {
            Ensure.Success(NativeMethods.rdpneg_config_clone(Handle, out var copy), "rdpneg_config_clone");
            return new RdpnegConfig(copy);
        }

        // ---- raw options ------------------------------------------------------

        /// <summary>Sets an integer option.</summary>
        public void SetInt(RdpnegOption option, long value) =>
            Ensure.Success(NativeMethods.rdpneg_config_set_int(Handle, (int)option, value), "rdpneg_config_set_int");

        /// <summary>Reads an integer option.</summary>
        public long GetInt(RdpnegOption option)
        {
            Ensure.Success(NativeMethods.rdpneg_config_get_int(Handle, (int)option, out long v), "rdpneg_config_get_int");
            return v;
        }

        /// <summary>Sets a string option; null clears it.</summary>
        public void SetString(RdpnegStringOption option, string? value) =>
            Ensure.Success(NativeMethods.rdpneg_config_set_str(Handle, (int)option, Utf8.ToNative(value, option.ToString())),
                           "rdpneg_config_set_str");

        private int GetInt32(RdpnegOption o) => checked((int)GetInt(o));
        private bool GetBool(RdpnegOption o) => GetInt(o) != 0;
        private void SetBool(RdpnegOption o, bool v) => SetInt(o, v ? 1 : 0);

        // ---- protocols --------------------------------------------------------

        /// <summary>requestedProtocols (default Ssl | Hybrid | HybridEx).</summary>
        public Protocol RequestedProtocols
        {
            get => (Protocol)GetInt(RdpnegOption.RequestedProtocols);
            set => SetInt(RdpnegOption.RequestedProtocols, (uint)value);
        }

        /// <summary>False: a legacy Connection Request without RDP_NEG_REQ.</summary>
        public bool SendNegReq
        {
            get => GetBool(RdpnegOption.SendNegReq);
            set => SetBool(RdpnegOption.SendNegReq, value);
        }

        /// <summary>RDP_NEG_REQ flags (default none).</summary>
        public NegReqFlags NegReqFlags
        {
            get => (NegReqFlags)GetInt(RdpnegOption.NegReqFlags);
            set => SetInt(RdpnegOption.NegReqFlags, (byte)value);
        }

        /// <summary>The requested protocols as names ("SSL", "HYBRID", ...);
        /// ["NONE"] for a legacy request.</summary>
        public IReadOnlyList<string> Protocols
        {
            get
            {
                if (!SendNegReq)
                    return new[] { "NONE" };
                var mask = (uint)RequestedProtocols;
                var names = new List<string>();
                for (int bit = 0; bit < 32; bit++)
                {
                    uint p = 1u << bit;
                    if ((mask & p) != 0)
                        names.Add(Utf8.FromNative(NativeMethods.rdpneg_protocol_name(p)) ?? ("0x" + p.ToString("x")));
                }
                return names;
            }
        }

        /// <summary>Sets the requested protocols from names, as a comma list
        /// ("ssl,hybrid") or separate names; "rdp" adds nothing, "none" sends
        /// the legacy request. Unknown names throw RdpnegUsageException.</summary>
        public void SetProtocols(params string[] names)
        {
            if (names == null)
                throw new ArgumentNullException(nameof(names));
            string list = names.Length == 0 ? "rdp" : string.Join(",", names);
            Ensure.Success(NativeMethods.rdpneg_protocols_parse(Utf8.ToNative(list, "protocols")!, out uint mask, out int neg),
                           "rdpneg_protocols_parse");
            SetInt(RdpnegOption.RequestedProtocols, mask);
            SetInt(RdpnegOption.SendNegReq, neg);
        }

        /// <summary>Sets the requested protocols (and sends RDP_NEG_REQ).</summary>
        public void SetProtocols(Protocol protocols)
        {
            RequestedProtocols = protocols;
            SendNegReq = true;
        }

        // ---- timeouts -------------------------------------------------------

        /// <summary>TCP connect deadline, 1..600000 ms (default 5000).</summary>
        public int ConnectTimeoutMs { get => GetInt32(RdpnegOption.ConnectTimeoutMs); set => SetInt(RdpnegOption.ConnectTimeoutMs, value); }
        /// <summary>X.224 answer deadline, 1..600000 ms (default 5000).</summary>
        public int X224TimeoutMs { get => GetInt32(RdpnegOption.X224TimeoutMs); set => SetInt(RdpnegOption.X224TimeoutMs, value); }
        /// <summary>TLS handshake deadline, 1..600000 ms (default 5000).</summary>
        public int TlsTimeoutMs { get => GetInt32(RdpnegOption.TlsTimeoutMs); set => SetInt(RdpnegOption.TlsTimeoutMs, value); }
        /// <summary>CredSSP deadline, 1..600000 ms (default 5000).</summary>
        public int NlaTimeoutMs { get => GetInt32(RdpnegOption.NlaTimeoutMs); set => SetInt(RdpnegOption.NlaTimeoutMs, value); }
        /// <summary>Whole-probe deadline, 1..3600000 ms (default 15000).</summary>
        public int OverallTimeoutMs { get => GetInt32(RdpnegOption.OverallTimeoutMs); set => SetInt(RdpnegOption.OverallTimeoutMs, value); }

        /// <summary>Sets every per-phase timeout to |ms| and the overall
        /// deadline to three times it (as rdpneg-probe --timeout).</summary>
        public void SetTimeouts(int ms)
        {
            if (ms < 1 || ms > 600000)
                throw RdpnegException.FromCode((int)RdpnegError.InvalidArgument, null, "timeout must be 1..600000 ms");
            ConnectTimeoutMs = ms;
            X224TimeoutMs = ms;
            TlsTimeoutMs = ms;
            NlaTimeoutMs = ms;
            OverallTimeoutMs = 3 * ms;
        }

        // ---- phases, TLS, misc ----------------------------------------------

        /// <summary>Continue into TLS when SSL/HYBRID is selected (default true).</summary>
        public bool DoTls { get => GetBool(RdpnegOption.DoTls); set => SetBool(RdpnegOption.DoTls, value); }
        /// <summary>Continue into CredSSP when HYBRID is selected (default true).</summary>
        public bool DoNla { get => GetBool(RdpnegOption.DoNla); set => SetBool(RdpnegOption.DoNla, value); }
        /// <summary>Lowest TLS version offered (default 1.0).</summary>
        public TlsVersion TlsMin { get => (TlsVersion)GetInt(RdpnegOption.TlsMin); set => SetInt(RdpnegOption.TlsMin, (int)value); }
        /// <summary>Highest TLS version offered (default 1.2).</summary>
        public TlsVersion TlsMax { get => (TlsVersion)GetInt(RdpnegOption.TlsMax); set => SetInt(RdpnegOption.TlsMax, (int)value); }

        /// <summary>Sets both TLS bounds (min must not exceed max).</summary>
        public void SetTlsVersions(TlsVersion min, TlsVersion max)
        {
            if (min > max)
                throw RdpnegException.FromCode((int)RdpnegError.InvalidArgument, null, "TLS min version above max");
            SetInt(RdpnegOption.TlsMin, 1);
            SetInt(RdpnegOption.TlsMax, (int)max);
            SetInt(RdpnegOption.TlsMin, (int)min);
        }

        /// <summary>Days before notAfter that count as expiring soon (default 30).</summary>
        public int WarnDays { get => GetInt32(RdpnegOption.WarnDays); set => SetInt(RdpnegOption.WarnDays, value); }
        /// <summary>Wall clock for date checks, seconds since 1970 (0: the system's).</summary>
        public long NowUnix { get => GetInt(RdpnegOption.NowUnix); set => SetInt(RdpnegOption.NowUnix, value); }
        /// <summary>Wrap the NTLM NEGOTIATE in SPNEGO exactly as mstsc does
        /// (default false: a raw NTLMSSP token, which Windows and FreeRDP 2.x
        /// both accept, so one connection does). With true, a probe plan
        /// retries once with raw NTLM when the server refuses SPNEGO.</summary>
        public bool Spnego { get => GetBool(RdpnegOption.Spnego); set => SetBool(RdpnegOption.Spnego, value); }
        /// <summary>A probe plan also makes one connection per TLS version
        /// 1.0, 1.1 and 1.2 (in parallel, NLA off; versions the first answer
        /// already decides are inferred) and says whether the server requires
        /// TLS 1.3: JSON tls.versions (default false; RDPNEG_OPT_TLS_VERSIONS).
        /// Not to be confused with <see cref="SetTlsVersions"/>, the range
        /// offered.</summary>
        public bool ProbeTlsVersions { get => GetBool(RdpnegOption.TlsVersions); set => SetBool(RdpnegOption.TlsVersions, value); }
        /// <summary>Maximum bytes buffered from the peer (default 65536).</summary>
        public int MaxBuffered { get => GetInt32(RdpnegOption.MaxBuffered); set => SetInt(RdpnegOption.MaxBuffered, value); }
        /// <summary>Certificate policy (default none: report only).</summary>
        public CertReject RejectCert { get => (CertReject)GetInt(RdpnegOption.RejectCert); set => SetInt(RdpnegOption.RejectCert, (uint)value); }

        // ---- strings (the C API has no string getters) --------------------------

        /// <summary>"Cookie: mstshash=NAME" (1..255 bytes, no CR/LF); null clears.</summary>
        public void SetCookie(string? name) => SetString(RdpnegStringOption.Cookie, name);
        /// <summary>Routing token sent verbatim; null clears.</summary>
        public void SetRoutingToken(string? token) => SetString(RdpnegStringOption.RoutingToken, token);
        /// <summary>TLS server name and hostname check (default: the target host).</summary>
        public void SetSni(string? serverName) => SetString(RdpnegStringOption.Sni, serverName);

        /// <summary>Sets the 16-byte RDP_NEG_CORRELATION_INFO id; null removes it.</summary>
        public void SetCorrelationId(byte[]? id16)
        {
            if (id16 != null && id16.Length != 16)
                throw RdpnegException.FromCode((int)RdpnegError.InvalidArgument, "rdpneg_config_set_correlation_id", "correlation id must be 16 bytes");
            Ensure.Success(NativeMethods.rdpneg_config_set_correlation_id(Handle, id16), "rdpneg_config_set_correlation_id");
        }

        // ---- trust anchors --------------------------------------------------------

        /// <summary>Adds trust anchors (PEM or DER bytes). Throws
        /// RdpnegUsageException (BadFile) when no certificate parses.</summary>
        public unsafe void AddCa(ReadOnlySpan<byte> data)
        {
            if (data.IsEmpty)
                throw RdpnegException.FromCode((int)RdpnegError.InvalidArgument, "rdpneg_config_add_ca", "empty CA data");
            fixed (byte* p = data)
                Ensure.Success(NativeMethods.rdpneg_config_add_ca(Handle, p, (UIntPtr)data.Length), "rdpneg_config_add_ca");
        }

        /// <summary>Adds trust anchors from bytes.</summary>
        public void AddCa(byte[] data) => AddCa(new ReadOnlySpan<byte>(data ?? throw new ArgumentNullException(nameof(data))));

        /// <summary>Adds the trust anchors in the PEM or DER file |path|.</summary>
        public void AddCaFile(string path)
        {
            byte[] data;
            try
            {
                data = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw RdpnegException.FromCode((int)RdpnegError.BadFile, null, path + ": " + e.Message);
            }
            try
            {
                AddCa(data);
            }
            catch (RdpnegException e) when (e.Code == (int)RdpnegError.BadFile || e.Code == (int)RdpnegError.InvalidArgument)
            {
                throw RdpnegException.FromCode((int)RdpnegError.BadFile, "rdpneg_config_add_ca", path + ": no certificate parses");
            }
        }

        // ---- credentials ------------------------------------------------------------

        /// <summary>Sets the credentials for the NLA check. The password is
        /// encoded into a pinned UTF-8 buffer of the binding's, handed to C
        /// (which copies it and zeroises its copy after use), and the buffer
        /// is zeroed before this method returns. A .NET string itself cannot
        /// be wiped: prefer the char-span overload with a buffer you clear.</summary>
        public void SetCredentials(string user, string password, string? domain = null) =>
            SetCredentials(user, (password ?? throw new ArgumentNullException(nameof(password))).AsSpan(), domain);

        /// <summary>Sets the credentials; the password is read from |password|
        /// (not kept, not modified).</summary>
        public unsafe void SetCredentials(string user, ReadOnlySpan<char> password, string? domain = null)
        {
            using var secret = PinnedSecret.FromChars(password);
            SetCredentials(user, secret, domain);
        }

        /// <summary>Sets the credentials with a UTF-8 password (without a
        /// terminating NUL). The caller's array is not modified; the binding's
        /// own copy is zeroed.</summary>
        public void SetCredentials(string user, byte[] passwordUtf8, string? domain = null)
        {
            using var secret = PinnedSecret.FromBytes(passwordUtf8 ?? throw new ArgumentNullException(nameof(passwordUtf8)));
            SetCredentials(user, secret, domain);
        }

        private unsafe void SetCredentials(string user, PinnedSecret secret, string? domain)
        {
            if (user == null)
                throw new ArgumentNullException(nameof(user));
            byte[] u = Utf8.ToNative(user, "user")!;
            byte[]? d = Utf8.ToNative(domain, "domain");
            Ensure.Success(NativeMethods.rdpneg_config_set_credentials(Handle, u, d, secret.Pointer), "rdpneg_config_set_credentials");
        }

        /// <summary>Removes the credentials (the C copy is zeroised).</summary>
        public unsafe void ClearCredentials() =>
            Ensure.Success(NativeMethods.rdpneg_config_set_credentials(Handle, null, null, null), "rdpneg_config_set_credentials");

        public override string ToString() =>
            IsDisposed ? "RdpnegConfig (disposed)"
                : "RdpnegConfig protocols=" + string.Join(",", Protocols) + " timeouts=" + ConnectTimeoutMs + "/" +
                  X224TimeoutMs + "/" + TlsTimeoutMs + "/" + NlaTimeoutMs + " ms overall=" + OverallTimeoutMs + " ms";
    }
}
