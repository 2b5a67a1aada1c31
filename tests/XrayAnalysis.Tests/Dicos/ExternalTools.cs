using System.Diagnostics;

namespace XrayAnalysis.Tests.Dicos;

/// <summary>
/// The independent DICOM implementations the DICOS tests check against: pydicom (Debian's python3-pydicom) and dcmtk
/// (dcmcjpeg, dcmconv, dcmdump) and dicom3tools (dciodvfy). Missing ones skip the test, unless XRAY_REQUIRE_TOOLS=1 (scripts/test.sh), where they fail.
/// </summary>
internal static class ExternalTools
{
    public static void Require(params string[] executables)
    {
        foreach (string exe in executables)
        {
            if (!File.Exists(exe) && !Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, exe))))
            {
                Missing($"{exe} not found");
            }
        }
    }

    public static void RequirePydicom()
    {
        Require("/usr/bin/python3");
        if (Run("/usr/bin/python3", "-c \"import pydicom, numpy\"").Code != 0)
        {
            Missing("python3-pydicom / python3-numpy not installed");
        }
    }

    private static void Missing(string why)
    {
        string msg = $"{why} (apt-get install dcmtk dicom3tools python3-pydicom python3-numpy)";
        if (Environment.GetEnvironmentVariable("XRAY_REQUIRE_TOOLS") == "1")
        {
            Assert.Fail(msg);
        }

        Assert.Ignore(msg);
    }

    public static (int Code, string Out, string Err) Run(string exe, string args, string? cwd = null)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd ?? "" };
        using Process p = Process.Start(psi)!;
        Task<string> o = p.StandardOutput.ReadToEndAsync(), e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(true);
            Assert.Fail($"{exe} {args}: timed out");
        }

        return (p.ExitCode, o.Result, e.Result);
    }

    public static void Check(string exe, string args, string? cwd = null)
    {
        (int code, string o, string e) = Run(exe, args, cwd);
        Assert.That(code, Is.Zero, $"{exe} {args}: {o}{e}");
    }
}
