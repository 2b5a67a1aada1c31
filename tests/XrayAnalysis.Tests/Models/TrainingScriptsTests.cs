using System.Diagnostics;
using System.Globalization;

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
            + "source models/training/cpu-malloc.sh; echo \"${#CPU_MALLOC[@]} $(echo $TRAIN | wc -w) $(echo $VAL | wc -w) $(echo $TRAIN4 | wc -w) "
            + "$(echo $TRAIN6 | wc -w) $(echo $VAL6 | wc -w) $(echo $TRAIN7 | wc -w)\"";
        (int code, string output, string err) = Bash(["-c", Body], path);
        Assert.That(code, Is.Zero, err);
        string[] counts = output.Trim().Split(' ');
        Assert.That(counts[1], Is.EqualTo("16"), "training sets");
        Assert.That(counts[2], Is.EqualTo("5"), "validation sets");
        Assert.That(counts[3], Is.EqualTo("20"), "stage 4's training sets: the 16 and four more");
        Assert.That(counts[4], Is.EqualTo("18"), "stage 6's training sets, all new");
        Assert.That(counts[5], Is.EqualTo("5"), "stage 6's validation sets: the 2D ones, mail at two fills");
        Assert.That(counts[6], Is.EqualTo("11"), "stage 7's: four new and seven of stage 6's");
        bool jemalloc = File.Exists("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
        Assert.That(counts[0], Is.EqualTo(!gpu && jemalloc ? "3" : "0"), "CPU_MALLOC: env, LD_PRELOAD, MALLOC_CONF on a CPU machine with jemalloc");
    }

    /// <summary>
    /// fit.sh's stages chain through their weights: each stage after the first starts from the one before, stages 4
    /// and 5 train on TRAIN4, stage 6 on packed6's new sets and validates on VAL6, stage 7 (tried, not bundled) runs
    /// only when asked for, and START_STAGE skips the stages before it only when the weights it needs are there. Run
    /// with a stand-in interpreter that records each train.py call and writes its --out file.
    /// </summary>
    [TestCase(1, false, new[] { 1, 2, 3, 4, 5, 6 })]
    [TestCase(4, false, new[] { 4, 5, 6 })]
    [TestCase(6, false, new[] { 6 })]
    [TestCase(6, true, new[] { 6, 7 })]
    [TestCase(7, false, new[] { 7 })]
    public void Fit_runs_its_stages_in_a_chain_from_the_start_stage(int start, bool stage7, int[] expected)
    {
        string calls = Path.Combine(Dir, "calls.txt");
        string py = Path.Combine(Dir, "py");
        File.WriteAllText(py, "#!/bin/bash\necho \"$*\" >> \"$CALLS\"\n"
            + "while [ $# -gt 0 ]; do [ \"$1\" = --out ] && touch \"$2\"; shift; done\n");
        MakeExecutable(py);
        string output = Directory.CreateDirectory(Path.Combine(Dir, "out")).FullName;
        if (start > 1)
        {
            File.WriteAllText(Path.Combine(output, $"stage{start - 1}.npz"), "");
        }

        (int code, _, string err) = Bash(["models/training/fit.sh", "/data/packed", output], null, new()
        {
            ["PY"] = py, ["DEVICE"] = "cuda", ["CALLS"] = calls, ["START_STAGE"] = start.ToString(CultureInfo.InvariantCulture),
            ["STAGE7"] = stage7 ? "1" : "0",
        });
        Assert.That(code, Is.Zero, err);
        string[] lines = File.ReadAllLines(calls);
        Assert.That(lines, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < lines.Length; i++)
        {
            int stage = expected[i];
            string line = lines[i];
            Assert.That(line, Does.Contain($"--out {output}/stage{stage}.npz"), line);
            Assert.That(line, stage == 1 ? Does.Not.Contain("--init") : Does.Contain($"--init {output}/stage{stage - 1}.npz"), line);
            Assert.That(line, stage is 4 or 5 ? Does.Contain("/data/packed/clutter-mail") : Does.Not.Contain("/data/packed/clutter-mail"), line);
            Assert.That(line, stage >= 4 ? Does.Contain("--ema-from-init") : Does.Not.Contain("--ema-from-init"), line);
            Assert.That(line, stage == 6 ? Does.Contain("/data/packed6/s6-mail-f50") : Does.Not.Contain("s6-mail-f50"), line);
            Assert.That(line, stage >= 6 ? Does.Contain("/data/packed6/val-mail-f50") : Does.Contain("/data/packed/val-ct"), line);
            Assert.That(line, stage == 7 ? Does.Contain("/data/packed7/s7-baggage") : Does.Not.Contain("packed7"), line);
        }
    }

    [Test]
    public void Fit_refuses_a_start_stage_without_the_weights_before_it()
    {
        string output = Directory.CreateDirectory(Path.Combine(Dir, "out")).FullName;
        foreach (string start in new[] { "4", "0", "6", "8" })
        {
            (int code, _, string err) = Bash(["models/training/fit.sh", "/packed", output], null, new()
            {
                ["PY"] = "/bin/false", ["DEVICE"] = "cuda", ["START_STAGE"] = start,
            });
            Assert.That(code, Is.EqualTo(2), start);
            Assert.That(err, Does.Contain("START_STAGE"), start);
        }
    }

    private static void MakeExecutable(string file)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static (int Code, string Output, string Error) Bash(string[] args, string? path, Dictionary<string, string>? env = null)
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

        foreach ((string key, string value) in env ?? [])
        {
            psi.Environment[key] = value;
        }

        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }
}
