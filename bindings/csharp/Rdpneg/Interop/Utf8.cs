// SPDX-License-Identifier: Apache-2.0
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Rdpneg.Interop
{
    /// <summary>UTF-8 string marshalling by hand (the same on netstandard2.0
    /// and .NET 8).</summary>
    internal static class Utf8
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>NUL-terminated UTF-8 for a C string argument; null stays
        /// null. A string containing NUL is refused (InvalidArgument).</summary>
        internal static byte[]? ToNative(string? s, string what)
        {
            if (s == null)
                return null;
            if (s.IndexOf('\0') >= 0)
                throw RdpnegException.FromCode((int)RdpnegError.InvalidArgument, null, what + " contains a NUL character");
            byte[] b;
            try
            {
                b = new byte[Strict.GetByteCount(s) + 1];
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException(what + " is not valid UTF-16 (lone surrogate)", what, e);
            }
            Strict.GetBytes(s, 0, s.Length, b, 0);
            return b;
        }

        /// <summary>Decodes a static NUL-terminated UTF-8 string (NULL gives
        /// null).</summary>
        internal static unsafe string? FromNative(IntPtr p)
        {
            if (p == IntPtr.Zero)
                return null;
            byte* s = (byte*)p;
            int n = 0;
            while (s[n] != 0)
                n++;
            return Encoding.UTF8.GetString(s, n);
        }

        /// <summary>Decodes |len| bytes at |p| and frees them with
        /// rdpneg_free.</summary>
        internal static unsafe string Take(IntPtr p, UIntPtr len)
        {
            try
            {
                if (p == IntPtr.Zero)
                    return string.Empty;
                return Encoding.UTF8.GetString((byte*)p, checked((int)len.ToUInt64()));
            }
            finally
            {
                NativeMethods.rdpneg_free(p);
            }
        }

        /// <summary>Decodes a NUL-terminated buffer filled by C.</summary>
        internal static string FromBuffer(byte[] buf)
        {
            int n = Array.IndexOf(buf, (byte)0);
            return Encoding.UTF8.GetString(buf, 0, n < 0 ? buf.Length : n);
        }
    }

    /// <summary>A pinned, NUL-terminated UTF-8 copy of a secret that is zeroed
    /// on Dispose. Pinned before anything is written into it, so the GC never
    /// leaves a stray copy behind.</summary>
    internal sealed unsafe class PinnedSecret : IDisposable
    {
        private readonly byte[] _buf;
        private GCHandle _pin;

        private PinnedSecret(int size)
        {
#if NET5_0_OR_GREATER
            _buf = GC.AllocateUninitializedArray<byte>(size, pinned: true);
            Array.Clear(_buf, 0, size);
#else
            _buf = new byte[size];
#endif
            _pin = GCHandle.Alloc(_buf, GCHandleType.Pinned);
        }

        internal byte* Pointer => (byte*)_pin.AddrOfPinnedObject();

        internal static PinnedSecret FromChars(ReadOnlySpan<char> s)
        {
            var strict = new UTF8Encoding(false, true);
            int n;
            fixed (char* c = s)
            {
                try
                {
                    n = strict.GetByteCount(c, s.Length);
                }
                catch (EncoderFallbackException e)
                {
                    throw new ArgumentException("password is not valid UTF-16 (lone surrogate)", "password", e);
                }
                var p = new PinnedSecret(n + 1);
                if (n > 0)
                    strict.GetBytes(c, s.Length, p.Pointer, n);
                p.CheckNoNul(n);
                return p;
            }
        }

        internal static PinnedSecret FromBytes(ReadOnlySpan<byte> utf8)
        {
            var p = new PinnedSecret(utf8.Length + 1);
            utf8.CopyTo(new Span<byte>(p.Pointer, utf8.Length));
            p.CheckNoNul(utf8.Length);
            return p;
        }

        private void CheckNoNul(int n)
        {
            for (int i = 0; i < n; i++)
            {
                if (_buf[i] == 0)
                {
                    Dispose();
                    throw RdpnegException.FromCode((int)RdpnegError.InvalidArgument, "rdpneg_config_set_credentials", "password contains a NUL character");
                }
            }
        }

        public void Dispose()
        {
            if (!_pin.IsAllocated)
                return;
#if NET5_0_OR_GREATER
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(_buf);
#else
            // volatile writes: the JIT cannot drop them as dead stores
            for (int i = 0; i < _buf.Length; i++)
                System.Threading.Volatile.Write(ref _buf[i], (byte)0);
#endif
            _pin.Free();
        }
    }
}
