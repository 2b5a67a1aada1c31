using System.Diagnostics;

namespace XrayAnalysis.Tests.Models;

/// <summary>
/// The training and project scripts as shell code (no training here): every one parses, and the helpers the training
/// scripts source leave a true status under <c>set -euo pipefail</c> on a machine with or without a GPU (a helper whose
/// last line was a failed test once stopped every training script at its first line, silently).
/// </summary>
[TestFixture]
public sealed class TrainingScriptsTests : TempDirTest
{
    private static IEnumerable<string> Scripts() =>
        new[] { Path.Combine("models", "training"), "scripts" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(TestData.RepoRoot, d), "*.sh"))
            .Order(StringComparer.Ordinal);

    [Test]
    public void Every_script_parses()
    {
        string[] scripts = Scripts().ToArray();
        Assert.That(scripts, Has.Length.GreaterThan(10));
        foreach (string script in scripts)
        {
            (int code, _, string err) = Bash(["-n", script], null);
            Assert.That(code, Is.Zero, $"{Path.GetRelativePath(TestData.RepoRoot, script)}: {err}");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void The_sourced_helpers_end_true_and_pick_the_allocator_by_machine(bool gpu)
    {
        string? path = null;
        if (gpu)
        {
            // A stand-in nvidia-smi on PATH: the machine looks like a GPU one, where the system allocator is kept.
            string bin = Directory.CreateDirectory(Path.Combine(Dir, "bin")).FullName;
            string fake = Path.Combine(bin, "nvidia-smi");
            File.WriteAllText(fake, "#!/bin/sh\nexit 0\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            path = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        }

        const string Body = "set -euo pipefail; packed=/packed; source models/training/sets.sh; "
            + "source models/training/cpu-malloc.sh; echo \"${#CPU_MALLOC[@]} $(echo $TRAIN | wc -w) $(echo $VAL | wc -w)\"";
        (int code, string output, string err) = Bash(["-c", Body], path);
        Assert.That(code, Is.Zero, err);
        string[] counts = output.Trim().Split(' ');
        Assert.That(counts[1], Is.EqualTo("16"), "training sets");
        Assert.That(counts[2], Is.EqualTo("5"), "validation sets");
        bool jemalloc = File.Exists("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
        Assert.That(counts[0], Is.EqualTo(!gpu && jemalloc ? "3" : "0"), "CPU_MALLOC: env, LD_PRELOAD, MALLOC_CONF on a CPU machine with jemalloc");
    }

    private static (int Code, string Output, string Error) Bash(string[] args, string? path)
    {
        var psi = new ProcessStartInfo("bash", args)
        {
            WorkingDirectory = TestData.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (path is not null)
        {
            psi.Environment["PATH"] = path;
        }

        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }
}
