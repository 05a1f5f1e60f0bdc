// SPDX-License-Identifier: Apache-2.0
using System;
using Rdpneg.Interop;

namespace Rdpneg
{
    /// <summary>The loaded native library: version, location, compatibility.</summary>
    public static class RdpnegLibrary
    {
        /// <summary>Lowest librdpneg version this binding was written against.</summary>
        public static readonly Version MinimumVersion = new Version(0, 1, 0);

        /// <summary>Functions this binding cannot work without (checked at
        /// load time on .NET 5+; rdpneg_version does not change with them).</summary>
        internal static readonly string[] RequiredFunctions = { "rdpneg_session_evidence", "rdpneg_plan_new", "rdpneg_plan_evidence" };

        private static readonly object Gate = new object();
        private static volatile bool _checked;
        private static volatile bool _uvChecked;

        /// <summary>The loaded library's version string (rdpneg_version()).</summary>
        public static string Version
        {
            get
            {
                EnsureLoaded();
                return Utf8.FromNative(NativeMethods.rdpneg_version()) ?? "";
            }
        }

        /// <summary>The file librdpneg was loaded from, when the binding's
        /// resolver loaded it (null when the runtime's default search did).</summary>
        public static string? LibraryPath => LibraryResolver.LoadedPath(NativeMethods.Lib);

        /// <summary>The file librdpneg-uv was loaded from (see LibraryPath).</summary>
        public static string? UvLibraryPath => LibraryResolver.LoadedPath(NativeMethods.UvLib);

        internal static Version ParseVersion(string s)
        {
            var parts = s.Split('-')[0].Split('.');
            var n = new int[3];
            for (int i = 0; i < 3 && i < parts.Length; i++)
            {
                int.TryParse(parts[i], out n[i]);
            }
            return new Version(n[0], n[1], n[2]);
        }

        /// <summary>Loads librdpneg and checks its version and error table.
        /// Throws DllNotFoundException (listing what was tried) when it cannot
        /// be loaded, NotSupportedException when it is too old or its error
        /// table contradicts this binding's.</summary>
        public static void EnsureLoaded()
        {
            if (_checked)
                return;
            lock (Gate)
            {
                if (_checked)
                    return;
                LibraryResolver.Install();
                string v;
                try
                {
                    v = Utf8.FromNative(NativeMethods.rdpneg_version()) ?? "0";
                }
                catch (DllNotFoundException e)
                {
                    throw new DllNotFoundException("librdpneg binding: could not load librdpneg. " +
                                                   LibraryResolver.Describe(NativeMethods.Lib), e);
                }
                if (ParseVersion(v) < MinimumVersion)
                    throw new NotSupportedException("librdpneg " + v + " is older than " + MinimumVersion + ", which this binding needs");
#if NET5_0_OR_GREATER
                // 0.1.0 before probe plans: rdpneg_probe_run returned a session
                foreach (var f in RequiredFunctions)
                    if (!LibraryResolver.HasExport(NativeMethods.Lib, f))
                        throw new NotSupportedException("librdpneg " + v + " at " + (LibraryPath ?? "the default search path") +
                                                        " is too old for this binding: it lacks " + f + " (evidence and probe plans)");
#endif
                foreach (var row in RdpnegErrors.All)
                {
                    string? name = RdpnegErrors.NativeName(row.Code);
                    if (name != row.Name)
                        throw new NotSupportedException("librdpneg error table mismatch: " + row.Name + " = " + row.Code +
                                                        " is " + (name ?? "unknown") + " in the loaded library");
                }
                _checked = true;
            }
        }

        /// <summary>EnsureLoaded() plus librdpneg-uv (needed by RdpnegProbe).
        /// On netstandard2.0 the uv library is only found at the first call.</summary>
        public static void EnsureUvLoaded()
        {
            EnsureLoaded();
            if (_uvChecked)
                return;
#if NET5_0_OR_GREATER
            // rdpneg_uv_run_start came with rdpneg_probe_run returning evidence
            if (!LibraryResolver.HasExport(NativeMethods.UvLib, "rdpneg_uv_run_start"))
                throw UvNotFound(null);
#endif
            _uvChecked = true;
        }

        internal static DllNotFoundException UvNotFound(Exception? inner) =>
            new DllNotFoundException("librdpneg binding: could not load librdpneg-uv. " +
                                     LibraryResolver.Describe(NativeMethods.UvLib), inner);
    }
}
