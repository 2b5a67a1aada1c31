using System.Globalization;
using Microsoft.Data.Sqlite;

namespace XrayAnalysis.Cli.Archive;

/// <summary>What <c>xray batch merge</c> found.</summary>
internal sealed record MergeReport(int Shards, long Inputs, long Scans, long Overlaps, IReadOnlyList<string> Problems);

/// <summary>
/// Combines shard ledgers into one (bulk SQL over attached databases; generations matched by model and parameters hash,
/// result paths rewritten relative to the merged folder). Checks what a lost or doubled shard looks like: every shard
/// index of the count present once, every shard made from the same input list (digest), the shards' inputs adding up
/// to the total, the same path in two shards (overlap) and scans left unfinished. The merged ledger is written to a
/// temporary file and renamed into place.
/// </summary>
internal static class LedgerMerge
{
    public static MergeReport Merge(string outDir, IReadOnlyList<string> shardDirs)
    {
        Directory.CreateDirectory(outDir);
        string target = BatchCoordinator.LedgerPath(outDir);
        string tmp = target + $".merge-{Environment.ProcessId}.tmp";
        File.Delete(tmp);
        var problems = new List<string>();
        long overlaps = 0;
        var seen = new Dictionary<int, string>();
        int count = -1;
        string? digest = null;
        long total = -1;
        using (ArchiveLedger merged = ArchiveLedger.Open(tmp))
        {
            SqliteConnection db = merged.Connection;
            ArchiveLedger.Exec(db, "PRAGMA synchronous=OFF; PRAGMA journal_mode=OFF;");
            foreach (string dir in shardDirs)
            {
                string path = BatchCoordinator.LedgerPath(dir);
                if (!File.Exists(path))
                {
                    problems.Add($"{dir}: no ledger.db");
                    continue;
                }

                // Opening checks the pages; a damaged shard is reported, not merged half-way.
                try
                {
                    using ArchiveLedger check = ArchiveLedger.Open(path, readOnly: true);
                }
                catch (LedgerCorruptException ex)
                {
                    problems.Add(ex.Message);
                    continue;
                }

                ArchiveLedger.Exec(db, "ATTACH DATABASE $p AS s", ("$p", path));
                try
                {
                    string shard = ArchiveLedger.Scalar(db, "SELECT value FROM s.meta WHERE key='shard'") as string ?? "0/1";
                    string[] sp = shard.Split('/');
                    int idx = int.Parse(sp[0], CultureInfo.InvariantCulture), n = int.Parse(sp[1], CultureInfo.InvariantCulture);
                    string dg = ArchiveLedger.Scalar(db, "SELECT value FROM s.meta WHERE key='inputs_digest'") as string ?? string.Empty;
                    long tot = long.Parse(ArchiveLedger.Scalar(db, "SELECT value FROM s.meta WHERE key='inputs_total'") as string ?? "0", CultureInfo.InvariantCulture);
                    if (count < 0)
                    {
                        (count, digest, total) = (n, dg, tot);
                    }
                    else if (n != count || dg != digest)
                    {
                        problems.Add($"{dir}: shard {shard} belongs to another run (shard count {n} vs {count}, or a different input list)");
                        continue;
                    }

                    if (!seen.TryAdd(idx, dir))
                    {
                        problems.Add($"{dir}: shard {shard} given twice (also {seen[idx]})");
                        continue;
                    }

                    overlaps += MergeOne(db, outDir, dir);
                }
                finally
                {
                    ArchiveLedger.Exec(db, "DETACH DATABASE s");
                }
            }

            for (int i = 0; i < count; i++)
            {
                if (!seen.ContainsKey(i))
                {
                    problems.Add($"gap: shard {i}/{count} is missing; its inputs are not in the merged ledger");
                }
            }

            long inputs = merged.InputCount();
            if (total >= 0 && seen.Count == count && inputs + overlaps != total)
            {
                problems.Add($"gap: the shards hold {inputs} distinct inputs, the run had {total}");
            }

            if (overlaps > 0)
            {
                problems.Add($"overlap: {overlaps} input paths appear in more than one shard (kept once)");
            }

            foreach (GenerationInfo g in merged.Generations())
            {
                Dictionary<string, long> c = merged.Counts(g.Id);
                if (c[ScanState.Pending] + c[ScanState.Running] > 0)
                {
                    problems.Add($"generation {g.Id}: {c[ScanState.Pending] + c[ScanState.Running]} scans not finished in their shards");
                }
            }

            merged.SetMeta("shard", "merged");
            merged.SetMeta("inputs_total", total.ToString(CultureInfo.InvariantCulture));
            merged.SetMeta("inputs_digest", digest ?? string.Empty);
            merged.SetMeta("merged_from", string.Join('\n', seen.OrderBy(kv => kv.Key).Select(kv => Path.GetFullPath(kv.Value))));
            long scans = Convert.ToInt64(ArchiveLedger.Scalar(db, "SELECT count(*) FROM scans"), CultureInfo.InvariantCulture);
            var report = new MergeReport(seen.Count, inputs, scans, overlaps, problems);
            merged.Dispose();
            SqliteConnection.ClearAllPools();
            File.Move(tmp, target, overwrite: true);
            return report;
        }
    }

    private static long MergeOne(SqliteConnection db, string outDir, string shardDir)
    {
        string prefix = Path.GetRelativePath(outDir, shardDir).Replace('\\', '/') + "/";
        long overlap = Convert.ToInt64(ArchiveLedger.Scalar(db, "SELECT count(*) FROM s.inputs WHERE path IN (SELECT path FROM main.inputs)"), CultureInfo.InvariantCulture);
        ArchiveLedger.Exec(db, "INSERT INTO main.inputs SELECT * FROM s.inputs WHERE true ON CONFLICT(path) DO NOTHING");
        var gens = new List<(long Id, string Model, string Hash, string Params, double Thr, string Path)>();
        using (SqliteCommand c = ArchiveLedger.Cmd(db, "SELECT id, model_sha, params_hash, params, threshold, model_path FROM s.generations"))
        using (SqliteDataReader r = c.ExecuteReader())
        {
            while (r.Read())
            {
                gens.Add((r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4), r.GetString(5)));
            }
        }

        foreach (var g in gens)
        {
            ArchiveLedger.Exec(db, "INSERT OR IGNORE INTO main.generations(model_sha, params_hash, params, threshold, model_path, created) VALUES($m, $h, $p, $t, $mp, $c)",
                ("$m", g.Model), ("$h", g.Hash), ("$p", g.Params), ("$t", g.Thr), ("$mp", g.Path), ("$c", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture)));
            long id = Convert.ToInt64(ArchiveLedger.Scalar(db, "SELECT id FROM main.generations WHERE model_sha=$m AND params_hash=$h", ("$m", g.Model), ("$h", g.Hash)), CultureInfo.InvariantCulture);
            // The same content in two shards (a file copied under two names) is one scan; a finished row wins.
            ArchiveLedger.Exec(db, """
                INSERT INTO main.scans(gen, content_sha, path, low_path, state, attempts, worker, started, finished, ms, verdict, top, result, cause)
                SELECT $new, content_sha, path, low_path, state, attempts, worker, started, finished, ms, verdict, top,
                       CASE WHEN result IS NULL THEN NULL ELSE $prefix || result END, cause
                FROM s.scans WHERE gen=$old AND true
                ON CONFLICT(gen, content_sha) DO UPDATE SET state=excluded.state, verdict=excluded.verdict, top=excluded.top,
                    result=excluded.result, cause=excluded.cause, ms=excluded.ms, worker=excluded.worker, attempts=excluded.attempts
                WHERE main.scans.state IN ('pending', 'running') AND excluded.state NOT IN ('pending', 'running')
                """, ("$new", id), ("$old", g.Id), ("$prefix", prefix));
        }

        return overlap;
    }
}
