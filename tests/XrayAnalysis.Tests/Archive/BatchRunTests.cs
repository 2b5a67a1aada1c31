using System.Diagnostics;
using System.Text.Json;
using XrayAnalysis.Cli.Archive;

namespace XrayAnalysis.Tests.Archive;

/// <summary>
/// <c>xray batch</c> as an archive team runs it: the real program, real worker processes, real signals. Inputs are the
/// sample set plus hostile files (truncated, not an image, a FIFO).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class BatchRunTests : TempDirTest
{
    private string _inputs = null!;

    [SetUp]
    public void MakeInputs()
    {
        _inputs = Path.Combine(Dir, "in");
        foreach (string route in new[] { "mail", "baggage", "express" })
        {
            CopyDir(Path.Combine(TestData.SampleImages, route), Path.Combine(_inputs, route));
        }

        byte[] png = File.ReadAllBytes(Path.Combine(TestData.SampleImages, "baggage", "images", "baggage_00000.png"));
        File.WriteAllBytes(Path.Combine(_inputs, "truncated.png"), png[..(png.Length / 3)]);
        File.WriteAllText(Path.Combine(_inputs, "notes.png"), "not an image");
        Process.Start("mkfifo", Path.Combine(_inputs, "pipe.png"))!.WaitForExit();
    }

    private IEnumerable<string> Expected()
    {
        // What discovery makes of the folder: singles, and pairs under their high-energy path.
        return XrayAnalysis.Loading.ScanDiscovery.Discover([_inputs], out _).Select(i => i.Path);
    }

    /// <summary>A run over the inputs; two workers unless <paramref name="more"/> says otherwise.</summary>
    private string[] RunArgs(string outDir, params string[] more) =>
        ["batch", "run", _inputs, "--model", TestData.BundledModel, "--out", outDir, "--progress-every", "1", .. more.Contains("--workers") ? [] : new[] { "--workers", "2" }, .. more];

    [Test]
    public void A_worker_that_segfaults_on_one_file_costs_only_that_file_which_is_quarantined_with_its_cause()
    {
        string outDir = Path.Combine(Dir, "run");
        var env = new Dictionary<string, string> { [BatchWorker.CrashOnVariable] = "mail_00001_high" };
        (int code, string stdout, string stderr) = BatchHarness.Run(RunArgs(outDir, "--retries", "1"), env);

        Assert.That(code, Is.EqualTo(1), "some inputs not ok\n" + stdout + stderr);
        Assert.That(stderr, Does.Contain("quarantined: ").And.Contain("mail_00001_high.png").And.Contain("SIGSEGV"));
        Assert.That(stderr, Does.Not.Contain("   at "), "no stack trace");
        Dictionary<string, string[]> report = BatchHarness.Report(outDir);
        string[] crashed = report[report.Keys.Single(k => k.EndsWith("mail_00001_high.png", StringComparison.Ordinal))];
        Assert.That(crashed[3], Is.EqualTo(ScanState.Quarantined));
        Assert.That(crashed[6], Is.EqualTo("2"), "one try and one retry");
        Assert.That(crashed[7], Does.Contain("worker killed by SIGSEGV"));
        Assert.That(report[Path.Combine(_inputs, "truncated.png")][3], Is.EqualTo(ScanState.Incomplete));
        Assert.That(report[Path.Combine(_inputs, "notes.png")][3], Is.EqualTo(ScanState.Failed));
        Assert.That(report[Path.Combine(_inputs, "pipe.png")][7], Does.Contain("FIFO"));
        int done = report.Values.Count(r => r[3] == ScanState.Done);
        Assert.That(done, Is.EqualTo(report.Count - 4), "everything else is done");
        BatchHarness.AssertConsistent(outDir, Expected());

        (code, stdout, _) = BatchHarness.Run(["batch", "status", outDir]);
        Assert.That(code, Is.Zero);
        Assert.That(stdout, Does.Contain("1 quarantined").And.Contain("mail_00001_high.png: worker killed by SIGSEGV"));
    }

    [Test]
    public void A_hanging_scan_is_killed_at_the_deadline_and_quarantined()
    {
        string outDir = Path.Combine(Dir, "run");
        var env = new Dictionary<string, string> { [BatchWorker.HangOnVariable] = "express_00000.png" };
        (int code, string stdout, string stderr) = BatchHarness.Run(RunArgs(outDir, "--retries", "0", "--scan-timeout", "3"), env);
        Assert.That(code, Is.EqualTo(1), stdout + stderr);
        string[] hung = BatchHarness.Report(outDir)[Path.Combine(_inputs, "express", "images", "express_00000.png")];
        Assert.That(hung[3], Is.EqualTo(ScanState.Quarantined));
        Assert.That(hung[7], Does.Contain("timed out after 3 s"));
        BatchHarness.AssertConsistent(outDir, Expected());
    }

    [Test]
    public void Running_again_redoes_nothing_and_a_new_threshold_is_a_new_generation_whose_diff_lists_exactly_the_changed_verdicts()
    {
        string outDir = Path.Combine(Dir, "run");
        (int code, string out1, string err1) = BatchHarness.Run(RunArgs(outDir));
        Assert.That(code, Is.EqualTo(1), out1 + err1);
        Dictionary<string, string[]> first = BatchHarness.Report(outDir);
        (code, string out2, _) = BatchHarness.Run(RunArgs(outDir));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(out2, Does.Contain("0 scans processed").And.Contain("generation 1"), "idempotent");
        Assert.That(BatchHarness.Report(outDir), Is.EqualTo(first));

        // Thresholds either side of the operating one, from the scores themselves, so that both directions occur.
        List<float> scores = [.. first.Values.Where(r => r[5].Length > 2).SelectMany(r => JsonSerializer.Deserialize<Dictionary<string, float>>(r[5])!.Values).Order()];
        Assume.That(scores, Has.Count.GreaterThanOrEqualTo(2), "the sample set has scored boxes");
        double t1 = Math.Round((scores[^1] + scores[0]) / 2, 3);
        (code, _, _) = BatchHarness.Run(RunArgs(outDir, "--alarm-threshold", t1.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(code, Is.EqualTo(1));
        string diffDir = Path.Combine(Dir, "diff");
        (code, string diffOut, string diffErr) = BatchHarness.Run(["batch", "diff", outDir, "--out", diffDir, "--score-shift", "1.01"]);
        Assert.That(code, Is.Zero, diffOut + diffErr);

        // Expected from the result files on disk, not from the ledger: a scan alarms for each class with a box at or
        // above the threshold; it is listed when its verdict changes or, alarming both times, its alarm classes do.
        using ArchiveLedger ledger = ArchiveLedger.Open(BatchCoordinator.LedgerPath(outDir), readOnly: true);
        List<GenerationInfo> gens = ledger.Generations();
        Assert.That(gens, Has.Count.EqualTo(2));
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        foreach (LedgerScan s in ledger.Scans(gens[1].Id, "state='done'"))
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, s.ResultPath!)));
            var boxes = doc.RootElement.GetProperty("detections").EnumerateArray()
                .Select(d => (Class: d.GetProperty("class_name").GetString()!, Score: d.GetProperty("score").GetDouble())).ToList();
            string[] ClassesAt(double t) => [.. boxes.Where(b => b.Score >= t).Select(b => b.Class).Distinct().Order(StringComparer.Ordinal)];
            string[] before = ClassesAt(gens[0].Threshold), after = ClassesAt(gens[1].Threshold);
            if (!before.SequenceEqual(after))
            {
                expected.Add(s.Path);
            }
        }

        using JsonDocument diff = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(diffDir, "diff.json")));
        string[] listed = [.. diff.RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("path").GetString()!).Order(StringComparer.Ordinal)];
        Assert.That(listed, Is.EqualTo(expected.ToArray()), "exactly the scans whose verdict changed");
        Assert.That(expected, Is.Not.Empty, "a threshold between the lowest and highest score changes some verdict");
        Assert.That(File.ReadAllText(Path.Combine(diffDir, "diff.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(expected.Count + 1));
        Assert.That(File.ReadAllText(Path.Combine(diffDir, "diff.md")), Does.Contain("generation 1 → 2"));
        BatchHarness.AssertConsistent(outDir, Expected());
    }

    [Test]
    public void Kill_9_of_the_coordinator_and_of_workers_at_random_moments_loses_and_duplicates_nothing()
    {
        int cycles = int.TryParse(Environment.GetEnvironmentVariable("XRAY_CHAOS_CYCLES"), out int c) ? c : 4;
        string outDir = Path.Combine(Dir, "run");
        var rng = new Random(20261126);
        for (int i = 0; i < cycles; i++)
        {
            using Process p = BatchHarness.Start(RunArgs(outDir));
            Thread.Sleep(rng.Next(400, 2500));
            Assert.That(p.HasExited && p.ExitCode == 2, Is.False, "the run started: " + (p.HasExited ? p.StandardError.ReadToEnd() : string.Empty));
            if (rng.Next(2) == 0)
            {
                foreach (int child in Children(p.Id))
                {
                    Process.Start("kill", ["-9", child.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
                }

                Thread.Sleep(rng.Next(100, 800));
            }

            try
            {
                p.Kill();
            }
            catch (InvalidOperationException)
            {
                // It finished first.
            }

            p.WaitForExit();
        }

        (int code, string stdout, string stderr) = BatchHarness.Run(RunArgs(outDir));
        Assert.That(code, Is.EqualTo(1), stdout + stderr);
        BatchHarness.AssertConsistent(outDir, Expected());
        Assert.That(BatchHarness.Report(outDir).Values.Count(r => r[3] == ScanState.Done), Is.EqualTo(Expected().Count() - 3), "only the three hostile files are not done");
    }

    [Test]
    public void A_damaged_ledger_is_set_aside_and_rebuilt_from_the_results_on_disk()
    {
        string outDir = Path.Combine(Dir, "run");
        (int code, _, _) = BatchHarness.Run(RunArgs(outDir));
        Assert.That(code, Is.EqualTo(1));
        Dictionary<string, string[]> before = BatchHarness.Report(outDir);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        string db = BatchCoordinator.LedgerPath(outDir);
        Assert.That(File.Exists(db + "-wal") ? new FileInfo(db + "-wal").Length : 0, Is.Zero, "checkpointed at the end of the run");
        using (FileStream fs = File.OpenWrite(db))
        {
            // Every page after the first (the schema) overwritten: the table b-trees are garbage.
            fs.Position = 4096;
            fs.Write(Enumerable.Repeat((byte)0xA5, (int)Math.Max(0, new FileInfo(db).Length - 4096)).ToArray());
        }

        (int code2, string stdout, string stderr) = BatchHarness.Run(RunArgs(outDir));
        Assert.That(code2, Is.EqualTo(1), stdout + stderr);
        Assert.That(stderr, Does.Contain("the ledger is damaged").And.Contain("rebuilt from the results on disk"));
        Assert.That(Directory.GetFiles(outDir, "ledger.db.damaged-*"), Is.Not.Empty, "the damaged file is kept");
        Assert.That(stdout, Does.Contain("read back"));
        Dictionary<string, string[]> after = BatchHarness.Report(outDir);
        Assert.That(after.Keys, Is.EquivalentTo(before.Keys));
        foreach ((string path, string[] row) in before)
        {
            // Hostile files are looked at again (they have no result file, or one that says why); verdicts must match.
            Assert.That(after[path][3..6], Is.EqualTo(row[3..6]), path);
        }

        BatchHarness.AssertConsistent(outDir, Expected());
    }

    [Test]
    public void A_full_disk_stops_the_run_with_exit_4_and_the_next_run_finishes_with_nothing_lost()
    {
        string mount = Directory.CreateDirectory(Path.Combine(Dir, "small")).FullName;
        using (Process p = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=160k", "tmpfs", mount]) { RedirectStandardError = true })!)
        {
            p.WaitForExit();
            Assume.That(p.ExitCode, Is.EqualTo(0), "needs root to mount a small tmpfs: " + p.StandardError.ReadToEnd());
        }

        try
        {
            string outDir = Path.Combine(mount, "run");
            (int code, string stdout, string stderr) = BatchHarness.Run(RunArgs(outDir));
            Assert.That(code, Is.EqualTo(4), stdout + stderr);
            Assert.That(stderr, Does.Contain("run failed: ").And.Contain("full").Or.Contain("No space left"));
            Assert.That(stderr, Does.Not.Contain("   at "), "no stack trace");

            Process.Start("mount", ["-o", "remount,size=16m", mount])!.WaitForExit();
            (code, stdout, stderr) = BatchHarness.Run(RunArgs(outDir));
            Assert.That(code, Is.EqualTo(1), stdout + stderr);
            BatchHarness.AssertConsistent(outDir, Expected());
        }
        finally
        {
            Process.Start("umount", mount)!.WaitForExit();
        }
    }

    [Test]
    public void SIGTERM_stops_cleanly_status_reads_the_ledger_meanwhile_and_the_next_run_finishes()
    {
        string outDir = Path.Combine(Dir, "run");
        using Process p = BatchHarness.Start(RunArgs(outDir, "--workers", "1"));
        Task<string> err = p.StandardError.ReadToEndAsync(), stdout = p.StandardOutput.ReadToEndAsync();
        string ledger = BatchCoordinator.LedgerPath(outDir);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited && !SomeDone(outDir))
        {
            Thread.Sleep(100);
        }

        Assume.That(p.HasExited, Is.False, "the run was still going when status saw its first finished scan");
        (int sc, string status, _) = BatchHarness.Run(["batch", "status", outDir]);
        Assert.That(sc, Is.Zero, "status works while the run holds the ledger");
        Assert.That(status, Does.Contain("generation 1"));
        Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        Assert.That(p.WaitForExit(60_000), Is.True, "ends after the scan in hand");
        Assert.That(p.ExitCode, Is.EqualTo(4), stdout.Result + err.Result);
        Assert.That(err.Result, Does.Contain("interrupted").And.Contain("pending for the next run"));
        Assert.That(err.Result, Does.Contain("xray batch: ").And.Contain("scans/s"), "progress lines when not a terminal");
        using (ArchiveLedger l = ArchiveLedger.Open(ledger, readOnly: true))
        {
            Assert.That(l.Counts(1)[ScanState.Running], Is.Zero, "no scan left running after a clean stop");
        }

        (int code, string o2, string e2) = BatchHarness.Run(RunArgs(outDir, "--workers", "1", "--recycle-after", "4"));
        Assert.That(code, Is.EqualTo(1), o2 + e2);
        BatchHarness.AssertConsistent(outDir, Expected());
        using ArchiveLedger after = ArchiveLedger.Open(ledger, readOnly: true);
        int workers = after.Scans(1, "worker LIKE '%:%' AND finished IS NOT NULL").Select(s => s.Worker).Distinct().Count();
        Assert.That(workers, Is.GreaterThanOrEqualTo(3), "workers are recycled every 4 scans");
    }

    private static bool SomeDone(string outDir)
    {
        if (!File.Exists(BatchCoordinator.LedgerPath(outDir)))
        {
            return false;
        }

        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(BatchHarness.Run(["batch", "status", outDir]).Out, @"(\d+) done,");
        return m.Success && m.Groups[1].Value != "0";
    }

    private static List<int> Children(int pid)
    {
        var list = new List<int>();
        foreach (string d in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(d), out int p))
            {
                try
                {
                    string stat = File.ReadAllText(Path.Combine(d, "stat"));
                    string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    if (int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture) == pid)
                    {
                        list.Add(p);
                    }
                }
                catch (IOException)
                {
                    // Gone.
                }
            }
        }

        return list;
    }

    private static void CopyDir(string from, string to)
    {
        foreach (string f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string t = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(t)!);
            File.Copy(f, t);
        }
    }
}
