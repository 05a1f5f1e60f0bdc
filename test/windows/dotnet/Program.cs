// SPDX-License-Identifier: Apache-2.0
// TAP smoke test of the .NET binding on the Windows DLLs (under wine).
// Args: none. Environment: LAB_* ports (test/lab/run/env) for the lab cases,
// RDPNEG_CLOSED_PORT (default 1) for the closed-port case.
using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Rdpneg;

int n = 0, failed = 0;
void Check(bool ok, string name, string? why = null)
{
    n++;
    if (!ok) failed++;
    Console.WriteLine((ok ? "ok " : "not ok ") + n + " - " + name);
    if (!ok && why != null)
        foreach (var line in why.Split('\n').Take(10)) Console.WriteLine("# " + line);
}
void Try(string name, Func<(bool, string)> f)
{
    try { var (ok, detail) = f(); Check(ok, name + (ok ? ": " + detail : ""), ok ? null : detail); }
    catch (Exception e) { Check(false, name, e.ToString()); }
}
string? Env(string k) => Environment.GetEnvironmentVariable(k);

Try("runtime is .NET on Windows", () => (RuntimeInformation.IsOSPlatform(OSPlatform.Windows),
    RuntimeInformation.FrameworkDescription + ", " + RuntimeInformation.RuntimeIdentifier));
bool Loaded(string dll) => System.Diagnostics.Process.GetCurrentProcess().Modules
    .Cast<System.Diagnostics.ProcessModule>()
    .Any(m => string.Equals(m.ModuleName, dll, StringComparison.OrdinalIgnoreCase));
Try("binding loads rdpneg-0.dll", () => (RdpnegLibrary.Version == "0.1.0" && Loaded("rdpneg-0.dll"),
    "version " + RdpnegLibrary.Version));
Try("taxonomy through the DLL", () =>
{
    string json = RdpnegTaxonomy.TaxonomyJson();
    return (json.Contains("PORT_CLOSED") && json.Contains("disconnectReasonAtClientWinsockFDCLOSE"),
        json.Length + " bytes of taxonomy JSON");
});
int closed = int.Parse(Env("LAB_CLOSED_PORT") ?? Env("RDPNEG_CLOSED_PORT") ?? "1");
Try("probe through rdpneg-uv-0.dll, closed port", () =>
{
    var r = RdpnegProbe.Run("127.0.0.1", closed);
    return (r.Verdict == Verdict.Failing && r.Diagnosis.Count > 0 && r.Diagnosis[0].Cause == "PORT_CLOSED" &&
        Loaded("rdpneg-uv-0.dll") && Loaded("libuv.dll"),
        "verdict " + r.Verdict + ", " + r.Diagnosis[0].Cause + "; rdpneg-uv-0.dll and libuv.dll loaded");
});
if (Env("LAB_XRDP_TLS_VALID") is string tlsPort && Env("LAB_CA") is string ca)
{
    Try("probe xrdp TLS with the lab CA", () =>
    {
        using var cfg = new RdpnegConfig();
        cfg.AddCaFile(ca);
        var r = RdpnegProbe.Run("127.0.0.1", int.Parse(tlsPort), cfg);
        var cert = r.Certificate;
        bool ok = r.Verdict == Verdict.Healthy && r.TlsStatus == TlsStatus.Ok && cert.HasValue &&
            cert.Value.GetProperty("trusted").GetBoolean() &&
            cert.Value.GetProperty("subject").GetString() == "CN=localhost";
        return (ok, ok ? "healthy, trusted CN=localhost" : r.Json);
    });
}
if (Env("LAB_SHADOW_NLA") is string nlaPort)
{
    Try("probe FreeRDP shadow NLA (CredSSP, NTLM CHALLENGE)", () =>
    {
        var r = RdpnegProbe.Run("127.0.0.1", int.Parse(nlaPort));
        var nla = r.Root.GetProperty("nla");
        bool ok = nla.GetProperty("status").GetString() == "ok" &&
            nla.GetProperty("credssp_version").GetInt32() >= 2 &&
            nla.GetProperty("ntlm").GetProperty("netbios_computer").GetString()!.Length > 0;
        return (ok, ok ? "credssp_version " + nla.GetProperty("credssp_version").GetInt32() : r.Json);
    });
}
Console.WriteLine("1.." + n);
return failed == 0 ? 0 : 1;
