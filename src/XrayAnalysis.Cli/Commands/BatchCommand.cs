using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using XrayAnalysis.Cli.Archive;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Cli.Commands;

/// <summary>
/// <c>xray batch run|status|report|merge|diff</c>: archive re-screening with an SQLite ledger, worker processes,
/// sharding and model-to-model diffs (see docs/SCALING.md). <c>xray batch worker</c> is the worker the coordinator starts.
/// </summary>
internal static class BatchCommand
{
    public static Command Create()
    {
        var cmd = new Command("batch", "Re-screen an archive: a crash-safe ledger, worker processes, shards across machines, model-to-model diffs.");
        cmd.Add(RunCommand());
        cmd.Add(StatusCommand());
        cmd.Add(ReportCommand());
        cmd.Add(MergeCommand());
        cmd.Add(DiffCommand());
        cmd.Add(WorkerCommand());
        cmd.Add(BenchCommand());
        return cmd;
    }

    /// <summary>The options a worker needs to open the same model with the same settings; shared by run and worker.</summary>
    private sealed class ScanOptions
    {
        public DetectorCliOptions Det { get; } = new();

        public TileCliOptions Tiles { get; } = new();

        public Option<string?> Window { get; } = new("--window") { Description = "Fixed LOW,HIGH window for 16-bit and float grey scans (default: robust percentile window per scan)." };

        public Option<long> MaxPixels { get; } = new("--max-pixels") { Description = "Reject images with more pixels than this before decoding.", DefaultValueFactory = _ => 400_000_000L };

        public Option<double> InputTimeout { get; } = new("--input-timeout") { Description = "Seconds one input may take to be read, decoded and rendered inside a worker before it is abandoned as failed.", DefaultValueFactory = _ => 120 };

        public Option<double?> AlarmThreshold { get; } = new("--alarm-threshold") { Description = "Verdict threshold: a scan alarms when a box scores at least this (default: the model profile's operating threshold, else 0.5)." };

        public List<Option> All { get; } = [];

        public void AddTo(Command c)
        {
            int before = c.Options.Count;
            Det.AddTo(c);
            Tiles.AddTo(c);
            c.Add(Window);
            c.Add(MaxPixels);
            c.Add(InputTimeout);
            c.Add(AlarmThreshold);
            All.AddRange(c.Options.Skip(before));
        }

        /// <summary>The options the user gave, as arguments for the worker (defaults are left to the worker's own).</summary>
        public List<string> Forward(ParseResult r, int workers)
        {
            var args = new List<string>();
            if (r.GetResult(Det.Threads) is null or OptionResult { Implicit: true })
            {
                // Measured on 2 cores: 2 workers × 1 thread beat 1 worker × 2 threads by a third (docs/BENCHMARKS.md).
                args.Add(Det.Threads.Name);
                args.Add(Math.Max(1, Environment.ProcessorCount / workers).ToString(CultureInfo.InvariantCulture));
            }

            foreach (Option o in All)
            {
                if (r.GetResult(o) is OptionResult { Implicit: false } res)
                {
                    args.Add(o.Name);
                    args.AddRange(res.Tokens.Select(t => o == Det.Model ? Path.GetFullPath(t.Value) : t.Value));
                }
            }

            return args;
        }
    }

    private static Command RunCommand()
    {
        var inputs = new Argument<string[]>("INPUT") { Description = "Scan files, folders (recursive) or globs; NAME_high + NAME_low pairs are one scan.", Arity = ArgumentArity.ZeroOrMore };
        var manifest = new Option<FileInfo[]>("--manifest") { Description = "A file with one input path per line (as archives export); relative paths are taken from the manifest's folder; # starts a comment.", AllowMultipleArgumentsPerToken = true };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Run folder: ledger.db and results/. One folder per shard.", Required = true };
        var workers = new Option<int>("--workers") { Description = "Worker processes, each with its own model session (default: one per core). Unless --threads is given, each worker gets cores ÷ workers ONNX Runtime threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var retries = new Option<int>("--retries") { Description = "Times a scan that kills its worker (crash, out-of-memory kill, timeout) is retried before it is quarantined.", DefaultValueFactory = _ => 2 };
        var scanTimeout = new Option<double>("--scan-timeout") { Description = "Seconds a worker may spend on one scan before it is killed and the attempt counted.", DefaultValueFactory = _ => 600 };
        var recycle = new Option<int>("--recycle-after") { Description = "Start a fresh worker after this many scans.", DefaultValueFactory = _ => 5000 };
        var maxRss = new Option<double>("--max-worker-mb") { Description = "Start a fresh worker when one's resident memory passes this (MiB).", DefaultValueFactory = _ => 4096 };
        var shard = new Option<string?>("--shard") { Description = "I/N: process only shard I of N (stable hash of the path). N alone takes I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX." };
        var progress = new Option<double>("--progress-every") { Description = "Seconds between progress lines when the output is not a terminal.", DefaultValueFactory = _ => 30 };
        var so = new ScanOptions();
        var cmd = new Command("run", "Process inputs into a ledger (resumable: finished scans of the same model and parameters are never redone).\n" + XrayCli.ExitCodeHelp);
        cmd.Add(inputs);
        cmd.Add(manifest);
        cmd.Add(outDir);
        cmd.Add(workers);
        cmd.Add(retries);
        cmd.Add(scanTimeout);
        cmd.Add(recycle);
        cmd.Add(maxRss);
        cmd.Add(shard);
        cmd.Add(progress);
        so.AddTo(cmd);
        cmd.SetAction(r =>
        {
            TextWriter stdout = r.InvocationConfiguration.Output;
            TextWriter stderr = r.InvocationConfiguration.Error;
            ShardSpec spec;
            List<string> given = [.. r.GetValue(inputs) ?? []];
            try
            {
                spec = r.GetValue(shard) is { } s ? ShardSpec.Parse(s) : ShardSpec.Whole;
                foreach (FileInfo m in r.GetValue(manifest) ?? [])
                {
                    given.AddRange(ReadManifest(m.FullName));
                }

                if (r.GetValue(workers) < 1 || r.GetValue(retries) < 0 || r.GetValue(scanTimeout) <= 0 || r.GetValue(recycle) < 1)
                {
                    throw new FormatException("--workers and --recycle-after must be at least 1, --retries at least 0, --scan-timeout above 0");
                }
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"xray: {ex.Message}");
                return ExitCodes.UsageError;
            }

            IReadOnlyList<ScanInput> scans = ScanDiscovery.Discover(given, out IReadOnlyList<string> missing);
            foreach (string m in missing)
            {
                stderr.WriteLine($"xray: {m}: {ScanDiscovery.MissingReason(m)}");
            }

            if (scans.Count == 0)
            {
                stderr.WriteLine("xray: no scans found in the given inputs");
                return ExitCodes.UsageError;
            }

            string dir = r.GetValue(outDir)!.FullName;
            bool live = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && !Console.IsErrorRedirected;
            using var interrupt = new ConsoleInterrupt();
            var coordinator = new BatchCoordinator
            {
                OutDir = dir,
                WorkerArgs = so.Forward(r, r.GetValue(workers)),
                Workers = r.GetValue(workers),
                MaxAttempts = r.GetValue(retries) + 1,
                ScanTimeout = TimeSpan.FromSeconds(r.GetValue(scanTimeout)),
                RecycleAfter = r.GetValue(recycle),
                MaxRssMb = r.GetValue(maxRss),
                Shard = spec,
                Cancellation = interrupt.Token,
                Log = stderr,
                Progress = new BatchProgress(stderr, live, TimeSpan.FromSeconds(Math.Max(1, r.GetValue(progress)))),
            };
            BatchRunReport report;
            try
            {
                report = coordinator.Run(scans);
            }
            catch (WorkerStartException ex)
            {
                stderr.WriteLine($"xray: {ex.Message}");
                return ex.ExitCode is ExitCodes.ModelUnusable or ExitCodes.UsageError ? ex.ExitCode : ExitCodes.RunFailed;
            }
            catch (Exception ex) when (ex is OutputLockedException or IOException or UnauthorizedAccessException or InvalidOperationException or LedgerCorruptException or Microsoft.Data.Sqlite.SqliteException)
            {
                stderr.WriteLine($"xray: run failed: {ex.Message}");
                return ExitCodes.RunFailed;
            }

            var c = report.Counts;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"xray batch run: shard {spec}, generation {report.Generation.Id} (model {report.Generation.ModelSha256[..12]}…, threshold {report.Generation.Threshold:0.####}); " +
                $"{report.Processed} scans processed in {report.Wall.TotalSeconds:0.0} s, {report.ReadBack} read back, {report.WorkerDeaths} worker deaths"));
            stdout.WriteLine("  ledger: " + string.Join(", ", ScanState.All.Select(s => $"{c[s]} {s}")));
            stdout.WriteLine($"  folder: {dir}");
            if (report.RunError is not null)
            {
                stderr.WriteLine($"xray: run failed: {report.RunError}");
                return ExitCodes.RunFailed;
            }

            bool allOk = c[ScanState.Done] == c.Values.Sum() && missing.Count == 0;
            return allOk ? ExitCodes.Ok : ExitCodes.SomeInputsNotOk;
        });
        return cmd;
    }

    internal static IEnumerable<string> ReadManifest(string path)
    {
        string baseDir = Path.GetDirectoryName(path)!;
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            yield return Path.IsPathRooted(line) ? line : Path.Combine(baseDir, line);
        }
    }

    private static Command BenchCommand()
    {
        var rows = new Option<int>("--rows") { Description = "Inputs in the generated archive.", DefaultValueFactory = _ => 1_000_000 };
        var shards = new Option<int>("--shards") { Description = "Shard ledgers to generate and merge.", DefaultValueFactory = _ => 100 };
        var dir = new Option<DirectoryInfo>("--dir") { Description = "Scratch folder (default: a new folder under the temp folder, removed afterwards)." };
        var cmd = new Command("bench", "Scale figures on generated ledgers (no images): merge, diff and report time, and the ledger's cost per scan.");
        cmd.Add(rows);
        cmd.Add(shards);
        cmd.Add(dir);
        cmd.SetAction(r =>
        {
            string root = r.GetValue(dir)?.FullName ?? Path.Combine(Path.GetTempPath(), "xray-ledger-bench-" + Environment.ProcessId);
            r.InvocationConfiguration.Output.WriteLine($"machine: {Pipeline.PipelineBenchmark.Machine()}");
            try
            {
                SyntheticLedgers.Bench(root, r.GetValue(rows), r.GetValue(shards), r.InvocationConfiguration.Output);
            }
            finally
            {
                if (r.GetValue(dir) is null)
                {
                    Directory.Delete(root, recursive: true);
                }
            }

            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command WorkerCommand()
    {
        var so = new ScanOptions();
        var cmd = new Command("worker", "Internal: the worker process `xray batch run` starts (JSON lines on stdin and stdout).") { Hidden = true };
        so.AddTo(cmd);
        cmd.SetAction(r =>
        {
            TextWriter stderr = r.InvocationConfiguration.Error;
            XrayDetectorOptions options;
            try
            {
                string? w = r.GetValue(so.Window);
                double t = r.GetValue(so.InputTimeout);
                options = new XrayDetectorOptions
                {
                    Loader = new ScanLoaderOptions { MaxPixels = r.GetValue(so.MaxPixels) },
                    Render = new RenderOptions { Window = w is null ? null : IntensityWindow.Parse(w) },
                    Tiles = so.Tiles.Build(r),
                    InputTimeout = t > 0 ? TimeSpan.FromSeconds(t) : Timeout.InfiniteTimeSpan,
                };
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                stderr.WriteLine($"xray: {UsageErrors.Describe(ex)}");
                return ExitCodes.UsageError;
            }

            int opened = so.Det.TryOpen(r, stderr, out OnnxDetector? detector);
            if (detector is null)
            {
                return opened;
            }

            return BatchWorker.Run(detector, options, r.GetValue(so.AlarmThreshold), Console.In, Console.Out);
        });
        return cmd;
    }

    private static Argument<DirectoryInfo> RunFolder() => new("FOLDER") { Description = "A run folder (holding ledger.db)." };

    private static Command StatusCommand()
    {
        var folder = RunFolder();
        var cmd = new Command("status", "Show a ledger's generations and counts; safe while a run is going.");
        cmd.Add(folder);
        cmd.SetAction(r =>
        {
            TextWriter o = r.InvocationConfiguration.Output;
            return WithLedger(r, folder, ledger =>
            {
                o.WriteLine($"{ledger.Path}: shard {ledger.GetMeta("shard") ?? "?"}, {ledger.InputCount()} inputs");
                foreach (GenerationInfo g in ledger.Generations())
                {
                    Dictionary<string, long> c = ledger.Counts(g.Id);
                    List<LedgerScan> finished = ledger.Scans(g.Id, "state='done'");
                    int alarms = finished.Count(s => s.Verdict == Verdict.Alarm);
                    int unable = finished.Count(s => s.Verdict == Verdict.UnableToClear);
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  generation {g.Id}: model {Path.GetFileName(g.ModelPath)} ({g.ModelSha256[..12]}…), threshold {g.Threshold:0.####}, parameters {g.ParamsHash[..12]}…"));
                    o.WriteLine("    " + string.Join(", ", ScanState.All.Select(s => $"{c[s]} {s}")) + $"; verdicts: {alarms} alarm, {unable} unable to clear, {finished.Count - alarms - unable} clear");
                    foreach (LedgerScan q in ledger.Scans(g.Id, "state='quarantined'").Take(20))
                    {
                        o.WriteLine($"    quarantined: {q.Path}: {q.Cause} ({q.Attempts} attempts)");
                    }
                }

                return ExitCodes.Ok;
            });
        });
        return cmd;
    }

    private static Command ReportCommand()
    {
        var folder = RunFolder();
        var gen = new Option<long?>("--generation") { Description = "Generation to export (default: the latest)." };
        var csv = new Option<FileInfo>("--csv") { Description = "Write one row per input path: path, content hash, state, verdict, top scores, attempts, cause.", Required = true };
        var cmd = new Command("report", "Export a generation of a ledger as CSV, one row per input path (duplicates by content included).");
        cmd.Add(folder);
        cmd.Add(gen);
        cmd.Add(csv);
        cmd.SetAction(r => WithLedger(r, folder, ledger =>
        {
            GenerationInfo? g = Pick(ledger, r.GetValue(gen));
            if (g is null)
            {
                r.InvocationConfiguration.Error.WriteLine($"xray: {ledger.Path}: no such generation");
                return ExitCodes.UsageError;
            }

            AtomicFile.WriteAllText(r.GetValue(csv)!.FullName, ReportCsv(ledger, g.Id));
            r.InvocationConfiguration.Output.WriteLine($"xray batch report: generation {g.Id} → {r.GetValue(csv)!.FullName}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>One row per input path, sorted by path; the same for one run and for the merge of its shards.</summary>
    internal static string ReportCsv(ArchiveLedger ledger, long gen)
    {
        var sb = new StringBuilder("path,low_path,content_sha256,state,verdict,top,attempts,cause\n");
        using Microsoft.Data.Sqlite.SqliteCommand c = ArchiveLedger.Cmd(ledger.Connection, """
            SELECT i.path, i.low_path, i.content_sha, s.state, s.verdict, s.top, s.attempts, s.cause
            FROM inputs i LEFT JOIN scans s ON s.gen=$g AND s.content_sha=i.content_sha ORDER BY i.path
            """, ("$g", gen));
        using Microsoft.Data.Sqlite.SqliteDataReader rd = c.ExecuteReader();
        while (rd.Read())
        {
            var cells = new string[8];
            for (int i = 0; i < 8; i++)
            {
                cells[i] = rd.IsDBNull(i) ? string.Empty : Convert.ToString(rd.GetValue(i), CultureInfo.InvariantCulture)!;
            }

            cells[3] = cells[3].Length == 0 ? "not in generation" : cells[3];
            sb.AppendLine(string.Join(',', cells.Select(CsvField.Quote)));
        }

        return sb.ToString();
    }

    private static Command MergeCommand()
    {
        var shards = new Argument<DirectoryInfo[]>("SHARD") { Description = "Shard run folders.", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for the merged ledger.db.", Required = true };
        var cmd = new Command("merge", "Merge shard ledgers into one; reports missing or doubled shards, overlaps and unfinished scans (exit 1).");
        cmd.Add(shards);
        cmd.Add(outDir);
        cmd.SetAction(r =>
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            MergeReport m;
            try
            {
                m = LedgerMerge.Merge(r.GetValue(outDir)!.FullName, [.. r.GetValue(shards)!.Select(d => d.FullName)]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or FormatException)
            {
                r.InvocationConfiguration.Error.WriteLine($"xray: merge failed: {ex.Message}");
                return ExitCodes.RunFailed;
            }

            r.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"xray batch merge: {m.Shards} shards, {m.Inputs} inputs, {m.Scans} scan rows in {sw.Elapsed.TotalSeconds:0.0} s → {BatchCoordinator.LedgerPath(r.GetValue(outDir)!.FullName)}"));
            foreach (string p in m.Problems)
            {
                r.InvocationConfiguration.Error.WriteLine($"xray: {p}");
            }

            return m.Problems.Count == 0 ? ExitCodes.Ok : ExitCodes.SomeInputsNotOk;
        });
        return cmd;
    }

    private static Command DiffCommand()
    {
        var folder = RunFolder();
        var from = new Option<long?>("--from") { Description = "Generation before (default: the second latest)." };
        var to = new Option<long?>("--to") { Description = "Generation after (default: the latest)." };
        var shift = new Option<double>("--score-shift") { Description = "List scans whose top score for a class moved by at least this.", DefaultValueFactory = _ => 0.1 };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for diff.json, diff.csv and diff.md.", Required = true };
        var cmd = new Command("diff", "Compare two generations (two models or two parameter sets) over the same scans: newly alarming, newly clear, class changes, score shifts.");
        cmd.Add(folder);
        cmd.Add(from);
        cmd.Add(to);
        cmd.Add(shift);
        cmd.Add(outDir);
        cmd.SetAction(r => WithLedger(r, folder, ledger =>
        {
            List<GenerationInfo> gens = ledger.Generations();
            if (gens.Count < 2 && (r.GetValue(from) is null || r.GetValue(to) is null))
            {
                r.InvocationConfiguration.Error.WriteLine($"xray: {ledger.Path}: a diff needs two generations; this ledger has {gens.Count}");
                return ExitCodes.UsageError;
            }

            long a = r.GetValue(from) ?? gens[^2].Id, b = r.GetValue(to) ?? gens[^1].Id;
            DiffReport d;
            try
            {
                d = LedgerDiff.Compute(ledger, a, b, r.GetValue(shift));
            }
            catch (ArgumentException ex)
            {
                r.InvocationConfiguration.Error.WriteLine($"xray: {ex.Message}");
                return ExitCodes.UsageError;
            }

            string dir = r.GetValue(outDir)!.FullName;
            LedgerDiff.Write(d, dir, r.GetValue(shift));
            r.InvocationConfiguration.Output.WriteLine($"xray batch diff: generation {a} → {b}: {d.Compared} scans compared, {d.Rows.Count} changed (" +
                string.Join(", ", d.Counts.Select(kv => $"{kv.Value} {kv.Key}")) + $") → {dir}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static GenerationInfo? Pick(ArchiveLedger ledger, long? id)
    {
        List<GenerationInfo> gens = ledger.Generations();
        return id is { } x ? gens.FirstOrDefault(g => g.Id == x) : gens.LastOrDefault();
    }

    private static int WithLedger(ParseResult r, Argument<DirectoryInfo> folder, Func<ArchiveLedger, int> action)
    {
        string path = BatchCoordinator.LedgerPath(r.GetValue(folder)!.FullName);
        if (!File.Exists(path))
        {
            r.InvocationConfiguration.Error.WriteLine($"xray: {path}: no ledger here");
            return ExitCodes.UsageError;
        }

        try
        {
            using ArchiveLedger ledger = ArchiveLedger.Open(path, readOnly: true);
            return action(ledger);
        }
        catch (Exception ex) when (ex is LedgerCorruptException or Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            r.InvocationConfiguration.Error.WriteLine($"xray: {ex.Message.Split('\n')[0]}");
            return ExitCodes.RunFailed;
        }
    }

}
