// SPDX-License-Identifier: Apache-2.0
// The probe a fresh console app runs against the Rdpneg NuGet package
// (test/packaging/test_nuget.sh copies it over the template's Program.cs).
// One "key: value" line per fact, for the test to check:
//   asset, interop, env, library, uv-library, async, sync
// Usage: app HOST PORT
using System;
using System.Linq;
using System.Reflection;
using System.Runtime.Versioning;
using Rdpneg;

string host = args[0];
int port = int.Parse(args[1]);
var asm = typeof(RdpnegProbe).Assembly;
Console.WriteLine("asset: " + asm.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName);

// A hand-written [DllImport] is a PinvokeImpl method without
// LibraryImportAttribute. A [LibraryImport] keeps its attribute; the
// generator writes marshalling IL around an inner P/Invoke, or, where no
// marshalling is needed (blittable signatures), makes the method itself a
// direct P/Invoke (counted as "forwarded").
var native = asm.GetType("Rdpneg.Interop.NativeMethods", throwOnError: true)!
    .GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly)
    .Where(m => m.Name.StartsWith("rdpneg_", StringComparison.Ordinal)).ToList();
static bool Generated(MethodInfo m) => m.CustomAttributes.Any(a => a.AttributeType.Name == "LibraryImportAttribute");
static bool PInvoke(MethodInfo m) => (m.Attributes & MethodAttributes.PinvokeImpl) != 0;
Console.WriteLine($"interop: functions={native.Count} LibraryImport={native.Count(Generated)} " +
                  $"DllImport={native.Count(m => PInvoke(m) && !Generated(m))} forwarded={native.Count(m => PInvoke(m) && Generated(m))}");

var rdpnegVars = Environment.GetEnvironmentVariables().Keys.Cast<string>()
    .Where(k => k.StartsWith("RDPNEG_", StringComparison.Ordinal)).ToList();
Console.WriteLine("env: " + (rdpnegVars.Count == 0 ? "no RDPNEG_ variable" : string.Join(",", rdpnegVars)));

Console.WriteLine($"library: librdpneg {RdpnegLibrary.Version} from {RdpnegLibrary.LibraryPath ?? "the default search"}");

static string Line(ProbeReport r) =>
    $"verdict {r.Verdict} tls {r.TlsStatus} selected {r.SelectedProtocol} causes {string.Join(",", r.Diagnosis.Select(f => f.Cause))}";

// the managed socket driver: librdpneg alone
var a = await RdpnegProbe.RunAsync(host, port);
Console.WriteLine("async: " + Line(a));

// the libuv driver: librdpneg-uv and the system's libuv
try
{
    var s = RdpnegProbe.Run(host, port);
    Console.WriteLine($"uv-library: {RdpnegLibrary.UvLibraryPath ?? "the default search"}");
    Console.WriteLine("sync: " + Line(s));
}
catch (DllNotFoundException e)
{
    Console.WriteLine("sync: DllNotFoundException " + e.Message.Split('\n')[0]);
}
