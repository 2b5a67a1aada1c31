using System.Diagnostics;

namespace XrayAnalysis.Tests.Api;

/// <summary>
/// The packages a user installs: scripts/package-check.sh packs the library and the tool, installs the tool from the local
/// folder, builds samples/InMemoryDetect against the packed library only, and compares their boxes on a dual-energy pair
/// and a tiled cargo scan.
/// </summary>
[NonParallelizable]
public sealed class PackageTests : TempDirTest
{
    [Test]
    [CancelAfter(600_000)]
    public void The_packed_library_and_the_packed_tool_install_from_a_local_folder_and_give_the_same_boxes()
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(TestData.RepoRoot, "scripts", "package-check.sh"), Path.Combine(Dir, "work")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestData.RepoRoot,
        };
        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        TestContext.Out.WriteLine(output);
        Assert.That(p.ExitCode, Is.Zero, output + err.Result);
        Assert.That(output, Does.Contain("express_00000: xray detect").And.Contain("cargo_00000: xray detect"));
        Assert.That(output, Does.Contain("tiled): same"));
    }
}
