using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Cli.Archive;

/// <summary>What one <c>xray batch run</c> did.</summary>
internal sealed record BatchRunReport(GenerationInfo Generation, Dictionary<string, long> Counts, int Processed, int ReadBack, int WorkerDeaths, TimeSpan Wall, string? RunError, string? LedgerRecovered);

/// <summary>
/// The coordinator of <c>xray batch run</c>: takes the output folder's lock, opens (or recovers) the ledger, hashes this
/// shard's inputs into it, and hands pending scans to worker processes, one scan per worker at a time. A worker that
/// dies or overruns the per-scan deadline costs only its scan an attempt; after <see cref="MaxAttempts"/> such deaths the
/// scan is quarantined with the cause. Results are written by the workers under <c>results/gN/</c>, named by content
/// hash; the ledger row is updated only after the result file is on disk, so a kill at any moment loses nothing and
/// duplicates nothing (the re-run finds the result file and reads it back).
/// </summary>
internal sealed class BatchCoordinator
{
    public required string OutDir { get; init; }

    public required IReadOnlyList<string> WorkerArgs { get; init; }

    public int Workers { get; init; } = 1;

    public int MaxAttempts { get; init; } = 3;

    public TimeSpan ScanTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public int RecycleAfter { get; init; } = 5000;

    public double MaxRssMb { get; init; } = 4096;

    public ShardSpec Shard { get; init; } = ShardSpec.Whole;

    public CancellationToken Cancellation { get; init; }

    public TextWriter Log { get; init; } = TextWriter.Null;

    public BatchProgress? Progress { get; init; }

    public IReadOnlyDictionary<string, string>? WorkerEnvironment { get; init; }

    public static string LedgerPath(string outDir) => Path.Combine(outDir, "ledger.db");

    public BatchRunReport Run(IReadOnlyList<ScanInput> allInputs)
    {
        var wall = Stopwatch.StartNew();
        Directory.CreateDirectory(OutDir);
        using OutputLock folderLock = OutputLock.Acquire(OutDir);
        // Temp files of workers killed in the middle of an atomic write.
        Pipeline.DetectBatch.RemoveOrphanedTempFiles(Path.Combine(OutDir, "results"), recursive: true);
        (ArchiveLedger ledger, string? recovered) = OpenOrRecover(LedgerPath(OutDir));
        using (ledger)
        {
            // The first worker is started here because its hello names the generation; slot 1 owns and disposes it.
#pragma warning disable CA2000
            WorkerProcess first = WorkerProcess.Start(WorkerArgs, "worker 1", TimeSpan.FromMinutes(5), WorkerEnvironment);
#pragma warning restore CA2000
            GenerationInfo gen;
            var queue = new ConcurrentQueue<LedgerScan>();
            int readBack = 0;
            try
            {
                WorkerHello hello = first.Hello!;
                gen = ledger.Generation(hello.ModelSha256, BatchWorker.Hash(hello.Params), hello.Params, hello.Threshold, hello.ModelPath);
                string digest = InputsDigest(allInputs);
                RecordShard(ledger, allInputs.Count, digest);

                List<ScanInput> mine = [.. allInputs.Where(i => Shard.Owns(i.Path))];
                ledger.AddInputs(gen.Id, mine.Select(Describe));
                ledger.ResetRunning(gen.Id);

                foreach (LedgerScan s in ledger.Pending(gen.Id))
                {
                    // A result already on disk for this generation (a kill between the write and the ledger update, or a
                    // ledger rebuilt after damage) is read back, not run again.
                    if (TryReadBack(gen, s) is { } reply)
                    {
                        ledger.Complete(gen.Id, s.ContentSha256, reply.State, reply.Verdict, TopJson(reply.Top), ResultRelative(gen, s.ContentSha256), reply.Cause, 0, "read back");
                        readBack++;
                    }
                    else
                    {
                        queue.Enqueue(s);
                    }
                }
            }
            catch
            {
                first.Dispose();
                throw;
            }

            var run = new RunState(ledger, gen, queue.Count);
            Progress?.Start(() =>
            {
                lock (run)
                {
                    return (ledger.Counts(gen.Id), run.Processed, run.Todo);
                }
            });
            var slots = new Thread[Math.Max(1, Workers)];
            for (int i = 0; i < slots.Length; i++)
            {
                WorkerProcess? w = i == 0 ? first : null;
                string name = $"worker {i + 1}";
                slots[i] = new Thread(() => Slot(name, w, queue, run)) { IsBackground = true, Name = name };
                slots[i].Start();
            }

            foreach (Thread t in slots)
            {
                t.Join();
            }

            Progress?.Stop();
            string? runError = run.Error;
            if (runError is null && Cancellation.IsCancellationRequested)
            {
                runError = $"interrupted: {queue.Count} scans left pending for the next run";
            }

            Dictionary<string, long> counts;
            lock (run)
            {
                counts = ledger.Counts(gen.Id);
            }

            return new BatchRunReport(gen, counts, run.Processed, readBack, run.Deaths, wall.Elapsed, runError, recovered);
        }
    }

    private sealed class RunState(ArchiveLedger ledger, GenerationInfo gen, int todo)
    {
        public ArchiveLedger Ledger { get; } = ledger;

        public GenerationInfo Gen { get; } = gen;

        public int Todo { get; } = todo;

        public int Processed;

        public int InFlight;

        public int Deaths;

        public volatile string? Error;
    }

    private void Slot(string name, WorkerProcess? worker, ConcurrentQueue<LedgerScan> queue, RunState run)
    {
        try
        {
            while (run.Error is null && !Cancellation.IsCancellationRequested && queue.TryDequeue(out LedgerScan? scan))
            {
                Interlocked.Increment(ref run.InFlight);
                try
                {
                    worker ??= StartWorker(name, run);
                    if (worker is null)
                    {
                        queue.Enqueue(scan);
                        return;
                    }

                    worker = RunOne(worker, scan, queue, run);
                }
                catch (Microsoft.Data.Sqlite.SqliteException ex)
                {
                    // The ledger cannot be written (disk full, I/O error): stop handing out work. The scan in hand
                    // keeps its last committed state, and its result file (if written) is read back next time.
                    run.Error = $"{OutDir}: cannot update the ledger: {ex.Message.Split('\n')[0]}";
                }
                finally
                {
                    Interlocked.Decrement(ref run.InFlight);
                }
            }
        }
        finally
        {
            worker?.Retire(TimeSpan.FromSeconds(10));
            worker?.Dispose();
        }
    }

    private WorkerProcess? StartWorker(string name, RunState run)
    {
        try
        {
            WorkerProcess w = WorkerProcess.Start(WorkerArgs, name, TimeSpan.FromMinutes(5), WorkerEnvironment);
            if (w.Hello!.ModelSha256 != run.Gen.ModelSha256 || BatchWorker.Hash(w.Hello.Params) != run.Gen.ParamsHash)
            {
                w.Dispose();
                run.Error = $"{name}: the model or its parameters changed during the run (model file replaced?)";
                return null;
            }

            return w;
        }
        catch (WorkerStartException ex)
        {
            run.Error = ex.Message;
            return null;
        }
    }

    /// <summary>One scan on <paramref name="worker"/>; returns the worker to use next (null when it died or retired).</summary>
    private WorkerProcess? RunOne(WorkerProcess worker, LedgerScan scan, ConcurrentQueue<LedgerScan> queue, RunState run)
    {
        string workerId = $"{Environment.MachineName}:{worker.Pid}";
        string resultRel = ResultRelative(run.Gen, scan.ContentSha256);
        lock (run)
        {
            run.Ledger.MarkRunning(run.Gen.Id, scan.ContentSha256, workerId);
        }

        var req = new WorkRequest(scan.ContentSha256, scan.Path, scan.LowPath, Path.Combine(OutDir, resultRel));
        string? line = null;
        bool timedOut = false;
        if (worker.TrySend(WorkerProtocol.Write(req)))
        {
            line = worker.ReadLine(ScanTimeout, out timedOut);
        }

        WorkReply? reply = null;
        try
        {
            reply = line is null ? null : WorkerProtocol.Read<WorkReply>(line);
        }
        catch (System.Text.Json.JsonException)
        {
            // Treated as a dead worker below.
        }

        if (reply is null || reply.Id != scan.ContentSha256)
        {
            string cause;
            if (line is null && timedOut)
            {
                worker.Kill();
                cause = $"timed out after {ScanTimeout.TotalSeconds:0} s (worker killed)";
            }
            else
            {
                worker.Kill();
                cause = line is null ? worker.DescribeExit() : $"worker answered out of protocol: {line[..Math.Min(line.Length, 120)]}";
            }

            worker.Dispose();
            Interlocked.Increment(ref run.Deaths);
            string state;
            lock (run)
            {
                state = run.Ledger.WorkerDied(run.Gen.Id, scan.ContentSha256, cause, MaxAttempts, workerId);
            }

            Log.WriteLine($"xray: {(state == ScanState.Quarantined ? "quarantined" : "will retry")}: {scan.Path}: {cause}");
            if (state == ScanState.Pending)
            {
                // Retried later, after the other scans, on a fresh worker.
                queue.Enqueue(scan);
            }

            return null;
        }

        if (reply.DiskFull)
        {
            lock (run)
            {
                run.Ledger.ResetRunning(run.Gen.Id);
            }

            run.Error = $"{OutDir}: the disk is full; the run stopped, the scans not finished stay pending ({reply.Cause})";
            return worker;
        }

        lock (run)
        {
            run.Ledger.Complete(run.Gen.Id, scan.ContentSha256, reply.State, reply.Verdict, TopJson(reply.Top), resultRel, reply.Cause, reply.Ms, workerId);
        }

        Interlocked.Increment(ref run.Processed);
        if (reply.State != ScanState.Done)
        {
            Log.WriteLine($"xray: {reply.State}: {scan.Path}: {reply.Cause}");
        }

        worker.Served++;
        if (worker.Served >= RecycleAfter || reply.RssMb > MaxRssMb)
        {
            worker.Retire(TimeSpan.FromSeconds(10));
            worker.Dispose();
            return null;
        }

        return worker;
    }

    private static string ResultRelative(GenerationInfo gen, string sha) => Path.Combine("results", $"g{gen.Id}", sha[..2], sha + ".json");

    private WorkReply? TryReadBack(GenerationInfo gen, LedgerScan s)
    {
        string path = Path.Combine(OutDir, ResultRelative(gen, s.ContentSha256));
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            ScanResult? r = ResultJson.Deserialize<ScanResult>(File.ReadAllBytes(path));
            if (r is null || r.Model.Sha256 != gen.ModelSha256 || r.Input.Path != s.Path)
            {
                return null;
            }

            (string state, string verdict, Dictionary<string, float>? top) = BatchWorker.Judge(r, gen.Threshold);
            return new WorkReply(s.ContentSha256, state, verdict, top, 0, 0, r.Status == ScanStatus.Ok ? null : r.Reason);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    public static string? TopJson(Dictionary<string, float>? top) =>
        top is null ? null : System.Text.Json.JsonSerializer.Serialize(new SortedDictionary<string, float>(top, StringComparer.Ordinal));

    private (ArchiveLedger Ledger, string? Recovered) OpenOrRecover(string path)
    {
        try
        {
            return (ArchiveLedger.Open(path), null);
        }
        catch (LedgerCorruptException ex)
        {
            // The results on disk are the truth; the damaged ledger is kept for inspection and a new one is rebuilt
            // from them (every pending scan with a result file is read back).
            string aside = path + ".damaged-" + DateTime.UtcNow.ToString("yyyyMMddTHHmmss", System.Globalization.CultureInfo.InvariantCulture);
            foreach (string suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                if (File.Exists(path + suffix))
                {
                    File.Move(path + suffix, aside + suffix);
                }
            }

            Log.WriteLine($"xray: warning: {ex.Message}; moved to {Path.GetFileName(aside)} and rebuilt from the results on disk");
            return (ArchiveLedger.Open(path), ex.Message);
        }
    }

    private void RecordShard(ArchiveLedger ledger, int total, string digest)
    {
        string shard = Shard.ToString();
        if (ledger.GetMeta("shard") is { } was && was != shard)
        {
            throw new InvalidOperationException($"{OutDir}: this folder holds shard {was}, not {shard}; give each shard its own --out");
        }

        ledger.SetMeta("shard", shard);
        ledger.SetMeta("inputs_total", total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ledger.SetMeta("inputs_digest", digest);
    }

    /// <summary>SHA-256 over the sorted full paths of every input before sharding: shards of one run agree on it.</summary>
    public static string InputsDigest(IEnumerable<ScanInput> inputs)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string p in inputs.Select(i => i.ToString()).Order(StringComparer.Ordinal))
        {
            h.AppendData(Encoding.UTF8.GetBytes(p + "\n"));
        }

        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>The ledger's view of an input: paths, content hash (a pair: hash of both hashes) or why it cannot be read.</summary>
    private static LedgerInput Describe(ScanInput i)
    {
        string[] files = i.LowEnergyPath is null ? [i.Path] : [i.Path, i.LowEnergyPath];
        var hashes = new List<byte[]>();
        long bytes = 0;
        foreach (string f in files)
        {
            string? why = FileKind.NotRegular(f);
            if (why is null)
            {
                try
                {
                    using FileStream fs = File.OpenRead(f);
                    bytes += fs.Length;
                    hashes.Add(SHA256.HashData(fs));
                    continue;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    why = Reasons.OneLine(ex.Message, "cannot be read");
                }
            }

            // Keyed by its path, so that two unreadable inputs never share a row.
            string key = "unreadable-" + BatchWorker.Hash(i.ToString());
            return new LedgerInput(i.Path, i.LowEnergyPath, key, 0, $"{f}: {why}");
        }

        string sha = hashes.Count == 1 ? Convert.ToHexStringLower(hashes[0]) : Convert.ToHexStringLower(SHA256.HashData(hashes.SelectMany(x => x).ToArray()));
        return new LedgerInput(i.Path, i.LowEnergyPath, sha, bytes, null);
    }
}
