// SPDX-License-Identifier: Apache-2.0
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace Rdpneg.Interop
{
    /// <summary>
    /// Finds librdpneg and librdpneg-uv, in this order (the Python binding's
    /// order too):
    /// 1. RDPNEG_LIBRARY / RDPNEG_UV_LIBRARY: the full path of the file;
    /// 2. RDPNEG_LIBRARY_DIR: directories (Path.PathSeparator separated), each
    ///    as given, then its uv, lib and lib/uv subdirectories (so a meson
    ///    build tree and its lib directory both work; librdpneg-uv is in
    ///    lib/uv);
    /// 3. the platform file names (librdpneg.so.0, librdpneg.so,
    ///    librdpneg.0.dylib, rdpneg-0.dll / librdpneg-0.dll / rdpneg.dll) in
    ///    the application's native directories (the application directory,
    ///    runtimes/RID/native of the NuGet package), then through the
    ///    runtime's search (which includes the system's directories).
    /// The core is loaded before librdpneg-uv so that both bind to one copy.
    /// On .NET 8 this is a NativeLibrary.SetDllImportResolver callback; on
    /// netstandard2.0 (.NET Framework) only the default search applies.
    /// </summary>
    internal static class LibraryResolver
    {
        internal const string EnvDir = "RDPNEG_LIBRARY_DIR";
        private static int _installed;
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, IntPtr> Loaded = new Dictionary<string, IntPtr>();
        private static readonly Dictionary<string, string> Paths = new Dictionary<string, string>();
        private static readonly Dictionary<string, List<string>> Tried = new Dictionary<string, List<string>>();

        internal static string EnvFile(string lib) => lib == NativeMethods.UvLib ? "RDPNEG_UV_LIBRARY" : "RDPNEG_LIBRARY";

        /// <summary>File names a build of |lib| can have on the current (or
        /// given) platform.</summary>
        internal static string[] PlatformNames(string lib, string? platform = null)
        {
            platform ??= RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "windows"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
            switch (platform)
            {
                case "windows":
                    return new[] { lib + "-0.dll", "lib" + lib + "-0.dll", lib + ".dll", "lib" + lib + ".dll" };
                case "osx":
                    return new[] { "lib" + lib + ".0.dylib", "lib" + lib + ".dylib" };
                default:
                    return new[] { "lib" + lib + ".so.0", "lib" + lib + ".so" };
            }
        }

        /// <summary>The explicit candidates (environment), in order:
        /// (source, full path).</summary>
        internal static List<KeyValuePair<string, string>> Candidates(string lib, Func<string, string?> env, string? platform = null)
        {
            var list = new List<KeyValuePair<string, string>>();
            string? file = env(EnvFile(lib));
            if (!string.IsNullOrEmpty(file))
                list.Add(new KeyValuePair<string, string>("$" + EnvFile(lib), file!));
            string? dirs = env(EnvDir);
            if (!string.IsNullOrEmpty(dirs))
            {
                foreach (string d in dirs!.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
                {
                    foreach (string sub in new[] { d, Path.Combine(d, "uv"), Path.Combine(d, "lib"), Path.Combine(d, "lib", "uv") })
                        foreach (string name in PlatformNames(lib, platform))
                            list.Add(new KeyValuePair<string, string>("$" + EnvDir, Path.Combine(sub, name)));
                }
            }
            return list;
        }

        /// <summary>Where |lib| was loaded from by the resolver (null when the
        /// runtime's default search found it, or not loaded yet).</summary>
        internal static string? LoadedPath(string lib)
        {
            lock (Gate)
                return Paths.TryGetValue(lib, out var p) ? p : null;
        }

        /// <summary>What was tried for |lib|, for error messages.</summary>
        internal static string Describe(string lib)
        {
            lock (Gate)
            {
                var lines = Tried.TryGetValue(lib, out var t) ? new List<string>(t) : new List<string>();
                lines.Add("the runtime's default search for " + string.Join(", ", PlatformNames(lib)));
                return "Tried:\n  " + string.Join("\n  ", lines) +
                       "\nSet " + EnvFile(lib) + " to the library file, or " + EnvDir +
                       " to the directory holding it (for a meson build tree: <build>/lib).";
            }
        }

        internal static void Install()
        {
#if NET5_0_OR_GREATER
            if (Interlocked.Exchange(ref _installed, 1) != 0)
                return;
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(LibraryResolver).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // the application installed its own resolver for this assembly
            }
#else
            Interlocked.Exchange(ref _installed, 1);
#endif
        }

#if NET5_0_OR_GREATER
        [System.Runtime.CompilerServices.ModuleInitializer]
        internal static void Init() => Install();

        private static IntPtr Resolve(string name, Assembly asm, DllImportSearchPath? path)
        {
            if (name == NativeMethods.Lib)
                return Load(NativeMethods.Lib, asm, path);
            if (name == NativeMethods.UvLib)
            {
                Load(NativeMethods.Lib, asm, path);
                return Load(NativeMethods.UvLib, asm, path);
            }
            return IntPtr.Zero;
        }

        private static IntPtr Load(string lib, Assembly asm, DllImportSearchPath? path)
        {
            lock (Gate)
            {
                if (Loaded.TryGetValue(lib, out var h))
                    return h;
                var tried = new List<string>();
                var missing = new List<string>();
                h = IntPtr.Zero;
                string? from = null;
                foreach (var c in Candidates(lib, Environment.GetEnvironmentVariable))
                {
                    if (!File.Exists(c.Value))
                    {
                        if (c.Key == "$" + EnvDir)
                            missing.Add(c.Value);
                        else
                            tried.Add(c.Value + " (" + c.Key + "): no such file");
                        continue;
                    }
                    try
                    {
                        h = NativeLibrary.Load(c.Value);
                        from = c.Value;
                        break;
                    }
                    catch (Exception e) when (e is DllNotFoundException || e is BadImageFormatException)
                    {
                        tried.Add(c.Value + " (" + c.Key + "): " + e.Message);
                    }
                }
                if (h == IntPtr.Zero)
                    h = LoadFromAppNativeDirs(lib, ref from);
                if (h == IntPtr.Zero)
                {
                    foreach (string n in PlatformNames(lib))
                    {
                        if (NativeLibrary.TryLoad(n, asm, path, out h))
                            break;
                    }
                }
                if (missing.Count > 0)
                    tried.Insert(0, "$" + EnvDir + ": none of " + string.Join(", ", missing) + " exists");
                Tried[lib] = tried;
                if (h != IntPtr.Zero)
                {
                    Loaded[lib] = h;
                    if (from != null)
                        Paths[lib] = from;
                }
                return h;
            }
        }

        /// <summary>Every platform name of |lib| in the application's native
        /// directories (the host's NATIVE_DLL_SEARCH_DIRECTORIES: the
        /// application directory and the runtimes/RID/native directories of
        /// its packages), before the runtime's search, which tries each name
        /// in the system directories too: so the copy a NuGet package carries
        /// (librdpneg.so) wins over an installed librdpneg.so.0.</summary>
        private static IntPtr LoadFromAppNativeDirs(string lib, ref string? from)
        {
            var dirs = AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string;
            if (string.IsNullOrEmpty(dirs))
                return IntPtr.Zero;
            foreach (string d in dirs!.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
                foreach (string n in PlatformNames(lib))
                {
                    string f = Path.Combine(d, n);
                    if (File.Exists(f) && NativeLibrary.TryLoad(f, out IntPtr h))
                    {
                        from = f;
                        return h;
                    }
                }
            return IntPtr.Zero;
        }

        /// <summary>True when |lib| exports |symbol| (feature detection).</summary>
        internal static bool HasExport(string lib, string symbol)
        {
            IntPtr h;
            lock (Gate)
                Loaded.TryGetValue(lib, out h);
            if (h == IntPtr.Zero)
                h = Load(lib, typeof(LibraryResolver).Assembly, null);
            return h != IntPtr.Zero && NativeLibrary.TryGetExport(h, symbol, out _);
        }
#endif
    }
}
