using System.Diagnostics;
using XrayAnalysis.Cli.Archive;

namespace XrayAnalysis.Tests.Archive;

/// <summary>Sharding, merging and diffing on generated ledgers (no images), and the Slurm array run on a real one-node Slurm.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ShardAndMergeTests : TempDirTest
{
    [Test]
    public void Every_path_belongs_to_exactly_one_shard_and_the_shards_are_even()
    {
        const int n = 7;
        var sizes = new int[n];
        for (int i = 0; i < 7000; i++)
        {
            string p = SyntheticLedgers.Path(i);
            int owners = Enumerable.Range(0, n).Count(k => new ShardSpec(k, n).Owns(p));
            Assert.That(owners, Is.EqualTo(1), p);
            sizes[ShardSpec.Of(p, n)]++;
        }

        Assert.That(sizes.Min(), Is.GreaterThan(800), "shards within ±20% of 1000");
        Assert.That(sizes.Max(), Is.LessThan(1200));
    }

    [Test]
    public void The_shard_index_comes_from_the_option_or_from_Slurm_or_Kubernetes()
    {
        Assert.That(ShardSpec.Parse("2/5", _ => null), Is.EqualTo(new ShardSpec(2, 5)));
        Assert.That(ShardSpec.Parse("4", v => v == "SLURM_ARRAY_TASK_ID" ? "3" : null), Is.EqualTo(new ShardSpec(3, 4)));
        Assert.That(ShardSpec.Parse("4", v => v == "JOB_COMPLETION_INDEX" ? "1" : null), Is.EqualTo(new ShardSpec(1, 4)));
        Assert.That(() => ShardSpec.Parse("4", _ => null), Throws.TypeOf<FormatException>().With.Message.Contains("SLURM_ARRAY_TASK_ID"));
        Assert.That(() => ShardSpec.Parse("5/5", _ => null), Throws.TypeOf<FormatException>().With.Message.Contains("0..4"));
        Assert.That(() => ShardSpec.Parse("0/0", _ => null), Throws.TypeOf<FormatException>());
        Assert.That(() => ShardSpec.Parse("-1/3", _ => null), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void Merging_all_shards_gives_every_input_once_and_the_diff_finds_exactly_the_planted_changes()
    {
        List<string> shards = SyntheticLedgers.Generate(Path.Combine(Dir, "s"), 3000, 6);
        string merged = Path.Combine(Dir, "merged");
        MergeReport m = LedgerMerge.Merge(merged, shards);
        Assert.That(m.Problems, Is.Empty);
        Assert.That(m.Inputs, Is.EqualTo(3000));
        Assert.That(m.Scans, Is.EqualTo(6000));

        using ArchiveLedger ledger = ArchiveLedger.Open(BatchCoordinator.LedgerPath(merged), readOnly: true);
        DiffReport d = LedgerDiff.Compute(ledger, 1, 2, 0.5);
        int[] planted = [.. Enumerable.Range(0, 3000).Where(i => i % SyntheticLedgers.ChangedEvery == 0 && i % 7 != 0)];
        Assert.That(d.Rows.Select(r => r.Path).Order(StringComparer.Ordinal), Is.EqualTo(planted.Select(SyntheticLedgers.Path).Order(StringComparer.Ordinal)));
        Assert.That(d.Rows.All(r => r.Kinds.Contains(LedgerDiff.NewlyAlarming) && r.Kinds.Contains(LedgerDiff.ScoreShift)), Is.True);
        Assert.That(d.Counts[LedgerDiff.NewlyClear], Is.Zero);
        string shardRoot = Path.Combine(Dir, "s", "shard-");
        Assert.That(ledger.Scans(1).Select(s => Path.GetFullPath(Path.Combine(merged, s.ResultPath!))), Has.All.StartsWith(shardRoot).And.Contains("/results/g1/"),
            "result paths, relative to the merged folder, point into the shard folders");
    }

    [Test]
    public void A_missing_or_doubled_shard_is_reported_as_a_gap_or_overlap()
    {
        List<string> shards = SyntheticLedgers.Generate(Path.Combine(Dir, "s"), 1000, 4, skipShards: new HashSet<int> { 2 });
        MergeReport gap = LedgerMerge.Merge(Path.Combine(Dir, "m1"), shards);
        Assert.That(gap.Problems, Has.Some.Contains("gap: shard 2/4 is missing"));

        MergeReport twice = LedgerMerge.Merge(Path.Combine(Dir, "m2"), [.. shards, shards[0]]);
        Assert.That(twice.Problems, Has.Some.Contains("given twice"));

        // The same input list sharded two ways: shard 0 of 4 and shard 1 of 4 from another run do not mix.
        List<string> other = SyntheticLedgers.Generate(Path.Combine(Dir, "o"), 900, 4);
        MergeReport mixed = LedgerMerge.Merge(Path.Combine(Dir, "m3"), [shards[0], other[1]]);
        Assert.That(mixed.Problems, Has.Some.Contains("belongs to another run"));
    }

    [Test]
    public void A_manifest_lists_inputs_by_absolute_or_relative_path_with_comments_and_blank_lines()
    {
        string images = Path.Combine(TestData.SampleImages, "mail", "images");
        string list = Path.Combine(Dir, "manifest.txt");
        string local = Path.Combine(Dir, "local.png");
        File.Copy(Path.Combine(images, "mail_00002.png"), local);
        File.WriteAllLines(list, ["# exported 2026-11-26", Path.Combine(images, "mail_00000.png"), "", "  " + Path.Combine(images, "mail_00001.png") + "  ", "local.png"]);
        string outDir = Path.Combine(Dir, "run");
        (int code, string o, string e) = BatchHarness.Run(["batch", "run", "--manifest", list, "--model", TestData.BundledModel, "--out", outDir]);
        Assert.That(code, Is.Zero, o + e);
        BatchHarness.AssertConsistent(outDir, [Path.Combine(images, "mail_00000.png"), Path.Combine(images, "mail_00001.png"), local]);
    }

    [Test]
    public void A_Slurm_array_of_4_shards_merged_equals_the_single_machine_run()
    {
        using (Process up = Process.Start(new ProcessStartInfo("bash", [Path.Combine(TestData.RepoRoot, "scripts", "slurm-local.sh")]) { RedirectStandardError = true, RedirectStandardOutput = true })!)
        {
            string err = up.StandardError.ReadToEnd();
            up.WaitForExit();
            Assume.That(up.ExitCode, Is.Zero, "a one-node Slurm (scripts/slurm-local.sh, needs root): " + err);
        }

        string inputs = TestData.SampleImages;
        string single = Path.Combine(Dir, "single");
        (int code, string o1, string e1) = BatchHarness.Run(["batch", "run", inputs, "--model", TestData.BundledModel, "--out", single, "--workers", "2"]);
        Assert.That(code, Is.Zero, o1 + e1);

        string root = Path.Combine(Dir, "slurm");
        Directory.CreateDirectory(root);
        var sbatch = new ProcessStartInfo("sbatch", ["--wait", "--array=0-3", "--cpus-per-task=1", "--mem=1500M", $"--output={root}/task-%a.log", "--chdir", root,
            Path.Combine(TestData.RepoRoot, "deploy", "slurm", "xray-batch.sbatch"), inputs, root, TestData.BundledModel])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        sbatch.Environment["XRAY"] = BatchHarness.Xray;
        using (Process p = Process.Start(sbatch)!)
        {
            if (!p.WaitForExit(300_000))
            {
                p.Kill();
                Assert.Fail("sbatch --wait did not return in 300 s");
            }

            string logs = string.Join('\n', Directory.GetFiles(root, "task-*.log").Order().Select(f => f + ":\n" + File.ReadAllText(f)));
            Assert.That(p.ExitCode, Is.Zero, p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd() + logs);
        }

        string[] shardDirs = [.. Enumerable.Range(0, 4).Select(i => Path.Combine(root, $"shard-{i}"))];
        Assert.That(shardDirs.All(Directory.Exists), Is.True, "each array task wrote its shard");
        string merged = Path.Combine(root, "merged");
        (code, string mo, string me) = BatchHarness.Run(["batch", "merge", .. shardDirs, "--out", merged]);
        Assert.That(code, Is.Zero, mo + me);

        Dictionary<string, string[]> a = BatchHarness.Report(single), b = BatchHarness.Report(merged);
        Assert.That(b.Keys, Is.EqualTo(a.Keys), "the same inputs");
        foreach ((string path, string[] row) in a)
        {
            Assert.That(b[path], Is.EqualTo(row), path);
        }

        // Every shard got work (21 inputs over 4 shards).
        foreach (string s in shardDirs)
        {
            using ArchiveLedger l = ArchiveLedger.Open(BatchCoordinator.LedgerPath(s), readOnly: true);
            Assert.That(l.InputCount(), Is.GreaterThan(0), s);
        }
    }
}
