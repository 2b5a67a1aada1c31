using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace XrayAnalysis.Cli.Archive;

/// <summary>
/// Shard ledgers with generated rows (no images) for the scale benchmark and the merge/diff tests: every shard holds
/// its share of one input list, two generations (an old and a new model), and a known set of verdict changes
/// (<see cref="ChangedEvery"/>: every k-th scan alarms under the new model only).
/// </summary>
internal static class SyntheticLedgers
{
    public const int ChangedEvery = 50;

    public static string Path(int i) => $"/archive/{i / 1000:D5}/scan_{i:D8}.png";

    public static string Sha(int i) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path(i))));

    /// <summary>Writes <paramref name="shards"/> shard folders under <paramref name="root"/> holding <paramref name="rows"/> inputs in all.</summary>
    public static List<string> Generate(string root, int rows, int shards, IReadOnlySet<int>? skipShards = null)
    {
        var dirs = new List<string>();
        var owner = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            owner[i] = ShardSpec.Of(Path(i), shards);
        }

        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string p in Enumerable.Range(0, rows).Select(Path).Order(StringComparer.Ordinal))
        {
            h.AppendData(Encoding.UTF8.GetBytes(p + "\n"));
        }

        string digest = Convert.ToHexStringLower(h.GetHashAndReset());
        for (int s = 0; s < shards; s++)
        {
            if (skipShards?.Contains(s) == true)
            {
                continue;
            }

            string dir = System.IO.Path.Combine(root, $"shard-{s}");
            Directory.CreateDirectory(dir);
            string file = BatchCoordinator.LedgerPath(dir);
            File.Delete(file);
            using (ArchiveLedger ledger = ArchiveLedger.Open(file))
            {
                SqliteConnection db = ledger.Connection;
                ArchiveLedger.Exec(db, "PRAGMA synchronous=OFF;");
                GenerationInfo g1 = ledger.Generation(new string('a', 64), new string('1', 64), "{}", 0.65, "/models/old.onnx");
                GenerationInfo g2 = ledger.Generation(new string('b', 64), new string('2', 64), "{}", 0.65, "/models/new.onnx");
                ledger.SetMeta("shard", $"{s}/{shards}");
                ledger.SetMeta("inputs_total", rows.ToString(CultureInfo.InvariantCulture));
                ledger.SetMeta("inputs_digest", digest);
                using SqliteTransaction tx = db.BeginTransaction();
                using SqliteCommand ins = ArchiveLedger.Cmd(db, "INSERT INTO inputs(path, content_sha, bytes) VALUES($p, $s, 100000)");
                using SqliteCommand scan = ArchiveLedger.Cmd(db, "INSERT INTO scans(gen, content_sha, path, state, attempts, ms, verdict, top, result) VALUES($g, $s, $p, 'done', 0, 80, $v, $t, $r)");
                ins.Transaction = tx;
                scan.Transaction = tx;
                SqliteParameter ip = ins.Parameters.Add("$p", SqliteType.Text), isha = ins.Parameters.Add("$s", SqliteType.Text);
                SqliteParameter sg = scan.Parameters.Add("$g", SqliteType.Integer), ss = scan.Parameters.Add("$s", SqliteType.Text), sp = scan.Parameters.Add("$p", SqliteType.Text),
                    sv = scan.Parameters.Add("$v", SqliteType.Text), st = scan.Parameters.Add("$t", SqliteType.Text), sr = scan.Parameters.Add("$r", SqliteType.Text);
                for (int i = 0; i < rows; i++)
                {
                    if (owner[i] != s)
                    {
                        continue;
                    }

                    string path = Path(i), sha = Sha(i);
                    (ip.Value, isha.Value) = (path, sha);
                    ins.ExecuteNonQuery();
                    float old = i % 7 == 0 ? 0.8f : 0.1f;
                    float @new = i % ChangedEvery == 0 ? 0.9f : old;
                    foreach ((GenerationInfo g, float score) in new[] { (g1, old), (g2, @new) })
                    {
                        (sg.Value, ss.Value, sp.Value) = (g.Id, sha, path);
                        sv.Value = score >= 0.65 ? Verdict.Alarm : Verdict.Clear;
                        st.Value = string.Create(CultureInfo.InvariantCulture, $"{{\"powder\":{score}}}");
                        sr.Value = $"results/g{g.Id}/{sha[..2]}/{sha}.json";
                        scan.ExecuteNonQuery();
                    }
                }

                tx.Commit();
            }

            dirs.Add(dir);
        }

        return dirs;
    }

    /// <summary>The scale figures: generation, merge, diff and report times, and the ledger's cost per scan.</summary>
    public static void Bench(string root, int rows, int shards, TextWriter o)
    {
        Directory.CreateDirectory(root);
        var sw = Stopwatch.StartNew();
        List<string> dirs = Generate(root, rows, shards);
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generate: {rows} inputs × 2 generations over {shards} shard ledgers in {sw.Elapsed.TotalSeconds:0.0} s"));

        sw.Restart();
        string merged = System.IO.Path.Combine(root, "merged");
        MergeReport m = LedgerMerge.Merge(merged, dirs);
        double mergeS = sw.Elapsed.TotalSeconds;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"merge:    {m.Inputs} inputs, {m.Scans} scan rows, {m.Problems.Count} problems in {mergeS:0.0} s"));

        sw.Restart();
        using (ArchiveLedger ledger = ArchiveLedger.Open(BatchCoordinator.LedgerPath(merged), readOnly: true))
        {
            DiffReport d = LedgerDiff.Compute(ledger, 1, 2, 0.1);
            LedgerDiff.Write(d, System.IO.Path.Combine(root, "diff"), 0.1);
            double diffS = sw.Elapsed.TotalSeconds;
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"diff:     {d.Compared} compared, {d.Rows.Count} changed in {diffS:0.0} s; merge + diff {mergeS + diffS:0.0} s"));
            sw.Restart();
            int lines = Commands.BatchCommand.ReportCsv(ledger, 2).Count(c => c == '\n');
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"report:   {lines - 1} rows in {sw.Elapsed.TotalSeconds:0.0} s"));
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ledger cost per scan (WAL, synchronous FULL, running + finished): {PerScanMs(System.IO.Path.Combine(root, "cost")):0.000} ms"));
    }

    /// <summary>Milliseconds the ledger adds to one scan: its two committed state changes, as a run makes them.</summary>
    public static double PerScanMs(string dir, int n = 2000)
    {
        Directory.CreateDirectory(dir);
        string file = BatchCoordinator.LedgerPath(dir);
        File.Delete(file);
        using ArchiveLedger ledger = ArchiveLedger.Open(file);
        GenerationInfo g = ledger.Generation(new string('a', 64), new string('1', 64), "{}", 0.65, "m.onnx");
        ledger.AddInputs(g.Id, Enumerable.Range(0, n).Select(i => new LedgerInput(Path(i), null, Sha(i), 1, null)));
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            ledger.MarkRunning(g.Id, Sha(i), "w");
            ledger.Complete(g.Id, Sha(i), ScanState.Done, Verdict.Clear, "{}", "r.json", null, 80, "w");
        }

        return sw.Elapsed.TotalMilliseconds / n;
    }
}
