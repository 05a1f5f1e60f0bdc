// SPDX-License-Identifier: Apache-2.0
using System;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>One row of the error table (rdpneg_errors.h).</summary>
    public readonly struct RdpnegErrorInfo
    {
        public RdpnegErrorInfo(int code, string name, RdpnegErrorCategory category, string message)
        {
            Code = code;
            Name = name;
            Category = category;
            Message = message;
        }

        /// <summary>The negative code, e.g. -402.</summary>
        public int Code { get; }
        /// <summary>"RDPNEG_ERR_TLS_ALERT".</summary>
        public string Name { get; }
        public RdpnegErrorCategory Category { get; }
        /// <summary>The one-sentence message.</summary>
        public string Message { get; }

        public override string ToString() => Name + " (" + Code + "): " + Message;
    }

    public static partial class RdpnegErrors
    {
        /// <summary>The category of |code| by its band (-1xx usage, ...,
        /// -9xx internal); Unknown outside the bands.</summary>
        public static RdpnegErrorCategory CategoryOf(int code)
        {
            if (code >= 0 || code <= -1000)
                return RdpnegErrorCategory.Unknown;
            int band = -code / 100;
            return Enum.IsDefined(typeof(RdpnegErrorCategory), band)
                ? (RdpnegErrorCategory)band : RdpnegErrorCategory.Unknown;
        }

        /// <summary>The generated row for |code|, or null.</summary>
        public static RdpnegErrorInfo? Find(int code)
        {
            foreach (var row in All)
                if (row.Code == code)
                    return row;
            return null;
        }

        /// <summary>"RDPNEG_ERR_NAME" from the loaded library (rdpneg_err_name),
        /// or null when the library does not know |code|.</summary>
        public static string? NativeName(int code) => Utf8.FromNative(NativeMethods.rdpneg_err_name(code));

        /// <summary>The loaded library's sentence for |code| (rdpneg_strerror).</summary>
        public static string NativeMessage(int code) => Utf8.FromNative(NativeMethods.rdpneg_strerror(code)) ?? "unknown error";
    }

    /// <summary>
    /// An error reported by librdpneg. The subclass follows the code's band:
    /// <see cref="RdpnegUsageException"/> (-1xx), <see cref="RdpnegTransportException"/>
    /// (-2xx), <see cref="RdpnegNegotiationException"/> (-3xx),
    /// <see cref="RdpnegTlsException"/> (-4xx), <see cref="RdpnegCredsspException"/>
    /// (-5xx), <see cref="RdpnegAuthException"/> (-6xx), <see cref="RdpnegInternalException"/>
    /// (-9xx); codes outside a band give this base class.
    /// </summary>
    public class RdpnegException : Exception
    {
        public RdpnegException(int code, string name, string message, string? function, string? detail)
            : base(Format(code, name, message, function, detail))
        {
            Code = code;
            Name = name;
            ErrorMessage = message;
            Function = function;
            Detail = detail;
        }

        /// <summary>The negative RDPNEG_ERR_* value.</summary>
        public int Code { get; }
        /// <summary>The code as the generated enum (may be an undefined value
        /// for codes newer than this binding).</summary>
        public RdpnegError Error => (RdpnegError)Code;
        /// <summary>"RDPNEG_ERR_TLS_ALERT" (from rdpneg_err_name).</summary>
        public string Name { get; }
        /// <summary>The library's sentence (from rdpneg_strerror).</summary>
        public string ErrorMessage { get; }
        public RdpnegErrorCategory Category => RdpnegErrors.CategoryOf(Code);
        /// <summary>The C function that returned the code, if any.</summary>
        public string? Function { get; }
        /// <summary>Extra detail (the evidence's detail sentence, a file name...).</summary>
        public string? Detail { get; }

        private static string Format(int code, string name, string message, string? function, string? detail)
        {
            string s = message + " (" + name + ", " + code + ")";
            if (!string.IsNullOrEmpty(detail))
                s += ": " + detail;
            if (!string.IsNullOrEmpty(function))
                s = function + ": " + s;
            return s;
        }

        /// <summary>The exception for |code|, of the class of its band.</summary>
        public static RdpnegException FromCode(int code, string? function = null, string? detail = null)
        {
            string? name = null;
            string? message = null;
            try
            {
                name = RdpnegErrors.NativeName(code);
                message = RdpnegErrors.NativeMessage(code);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                var row = RdpnegErrors.Find(code);
                name = row?.Name;
                message = row?.Message;
            }
            name ??= "RDPNEG_ERR_" + (-code);
            message ??= "unknown error";
            switch (RdpnegErrors.CategoryOf(code))
            {
                case RdpnegErrorCategory.Usage: return new RdpnegUsageException(code, name, message, function, detail);
                case RdpnegErrorCategory.Transport: return new RdpnegTransportException(code, name, message, function, detail);
                case RdpnegErrorCategory.Negotiation: return new RdpnegNegotiationException(code, name, message, function, detail);
                case RdpnegErrorCategory.Tls: return new RdpnegTlsException(code, name, message, function, detail);
                case RdpnegErrorCategory.Credssp: return new RdpnegCredsspException(code, name, message, function, detail);
                case RdpnegErrorCategory.Auth: return new RdpnegAuthException(code, name, message, function, detail);
                case RdpnegErrorCategory.Internal: return new RdpnegInternalException(code, name, message, function, detail);
                default: return new RdpnegException(code, name, message, function, detail);
            }
        }
    }

    /// <summary>-1xx: invalid argument or state, limits, unreadable files.</summary>
    public sealed class RdpnegUsageException : RdpnegException
    {
        public RdpnegUsageException(int code, string name, string message, string? function, string? detail)
            : base(code, name, message, function, detail) { }
    }

    /// <summary>-2xx: TCP, TPKT and X.224 framing.</summary>
    public sealed class RdpnegTransportException : RdpnegException
    {
        public RdpnegTransportException(int code, string name, string message, string? function, string? detail)
            : base(code, name, message, function, detail) { }
    }

    /// <summary>-3xx: RDP_NEG_FAILURE and protocol selection.</summary>
    public sealed class RdpnegNegotiationException : RdpnegException
    {
        public RdpnegNegotiationException(int code, string name, string message, string? function, string? detail)
            : base(code, name, message, function, detail) { }
    }

    /// <summary>-4xx: TLS handshake and certificates.</summary>
    public sealed class RdpnegTlsException : RdpnegException
    {
        public RdpnegTlsException(int code, string name, string message, string? function, string? detail)
            : base(code, name, message, function, detail) { }
    }

    /// <summary>-5xx: CredSSP, SPNEGO and NTLM protocol errors.</summary>
    public sealed class RdpnegCredsspException : RdpnegException
    {
        public RdpnegCredsspException(int code, string name, string message, string? function, string? detail)
            : base(code, name, message, function, detail) { }
    }

    /// <summary>-6xx: authentication outcome.</summary>
    public sealed class RdpnegAuthException : RdpnegException
    {
        public RdpnegAuthException(int code, string name, string message, string? function, string? detail)
            : base(code, name, message, function, detail) { }
    }

    /// <summary>-9xx: out of memory, internal and crypto backend failures.</summary>
    public sealed class RdpnegInternalException : RdpnegException
    {
        public RdpnegInternalException(int code, string name, string message, string? function, string? detail)
            : base(code, name, message, function, detail) { }
    }

    /// <summary>A probe plan cancelled through its CancellationToken
    /// (RdpnegSocketDriver.ProbeAsync, RdpnegProbe.RunAsync). Every socket
    /// was closed; <see cref="Report"/> is the diagnosed evidence gathered
    /// until then (Report.Cancelled is true), or null when the token was
    /// cancelled before the probe started.</summary>
    public sealed class RdpnegProbeCancelledException : OperationCanceledException
    {
        public RdpnegProbeCancelledException(ProbeReport? report, System.Threading.CancellationToken token)
            : base("the probe was cancelled", token)
        {
            Report = report;
        }

        /// <summary>The evidence gathered until the cancellation, or null.</summary>
        public ProbeReport? Report { get; }
    }
}
