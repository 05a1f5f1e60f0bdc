// SPDX-License-Identifier: Apache-2.0
namespace Rdpneg.Interop
{
    /// <summary>Turns negative native results into exceptions (LibGit2Sharp's
    /// Ensure).</summary>
    internal static class Ensure
    {
        internal static int Success(int result, string function)
        {
            if (result < 0)
                throw RdpnegException.FromCode(result, function);
            return result;
        }

        internal static long Success(long result, string function)
        {
            if (result < 0)
                throw RdpnegException.FromCode((int)result, function);
            return result;
        }
    }
}
