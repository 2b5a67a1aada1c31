using System.Diagnostics;
using System.Globalization;
using System.Text;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Pipeline;

/// <summary>
/// Runs one detect batch into an output folder: takes the folder's lock, removes temp files a killed run left, writes
/// each result JSON atomically as soon as it is produced (then its overlay), and always writes <c>detections.coco.json</c>
/// and <c>summary.csv</c> for every input, also when the run ends early. Every input gets exactly one result.
/// </summary>
public sealed class DetectBatch
{
    private readonly DetectionPipeline pipeline;
    private readonly string outDir;

    /// <summary>A batch of <paramref name="detector"/> into <paramref name="outputFolder"/> (results/, overlays/, detections.coco.json, summary.csv).</summary>
    /// <param name="detector">An opened detector; the caller keeps ownership.</param>
    /// <param name="outputFolder">The folder; created when missing, locked while the batch runs.</param>
    public DetectBatch(XrayDetector detector, string outputFolder)
        : this((detector ?? throw new ArgumentNullException(nameof(detector))).Pipeline, outputFolder)
    {
    }

    internal DetectBatch(DetectionPipeline pipeline, string outputFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        this.pipeline = pipeline;
        outDir = outputFolder;
    }

    /// <summary>Write an overlay PNG per scan.</summary>
    public bool Overlays { get; init; }

    /// <summary>How overlays show alarms and suggestions (default <see cref="OverlayStyle.Default"/>).</summary>
    public OverlayStyle OverlayStyle { get; init; } = OverlayStyle.Default;

    /// <summary>Also write a DICOS Threat Detection Report per scan into <c>tdr/NAME.dcs</c> (<see cref="Dicos.ThreatDetectionReport"/>).</summary>
    public bool ThreatDetectionReports { get; init; }

    /// <summary>Scans whose result file already exists for the same input bytes are read back, not run again.</summary>
    public bool Resume { get; init; }

    /// <summary>Stops the batch after the scan in hand; the rest are recorded as not processed.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Called for every result as it is final (after its files are written), in input order.</summary>
    public Action<ScanResult>? OnResult { get; init; }

    /// <summary>The pipeline in use.</summary>
    internal DetectionPipeline Pipeline => pipeline;

    /// <summary>
    /// Processes <paramref name="scans"/>. Throws <see cref="OutputLockedException"/> when another run holds the folder and
    /// <see cref="IOException"/> when the folder cannot be created; every other problem is recorded in the report.
    /// </summary>
    public BatchReport Run(IReadOnlyList<ScanInput> scans)
    {
        ArgumentNullException.ThrowIfNull(scans);
        var wall = Stopwatch.StartNew();
        string resultsDir = Path.Combine(outDir, "results");
        string overlayDir = Path.Combine(outDir, "overlays");
        using OutputLock folderLock = OutputLock.Acquire(outDir);
        Directory.CreateDirectory(resultsDir);
        int cleaned = RemoveOrphanedTempFiles(outDir) + RemoveOrphanedTempFiles(resultsDir) + RemoveOrphanedTempFiles(overlayDir);

        // Result names are fixed by input order, so a resumed run writes and finds the same files.
        var taken = new HashSet<string>(StringComparer.Ordinal);
        string[] names = scans.Select(s => Unique(taken, s.Name)).ToArray();
        var results = new ScanResult?[scans.Count];
        var todo = new List<int>();
        for (int i = 0; i < scans.Count; i++)
        {
            results[i] = Resume ? ReadBack(Path.Combine(resultsDir, names[i] + ".json"), scans[i], Pipeline.Detector) : null;
            if (results[i] is null)
            {
                todo.Add(i);
            }
        }

        int resumed = scans.Count - todo.Count;
        int processed = 0;
        string? runError = null;
        try
        {
            foreach (ScanOutcome outcome in pipeline.Process(todo.Select(i => scans[i]), Overlays))
            {
                using (outcome)
                {
                    int index = todo[processed++];
                    ScanResult res = WriteOne(outcome, Path.Combine(resultsDir, names[index] + ".json"), Path.Combine(overlayDir, names[index] + ".png"));
                    results[index] = res;
                    OnResult?.Invoke(res);
                    if (res.Status == ScanStatus.Failed && res.Reason is { } r && r.StartsWith(DiskFullPrefix, StringComparison.Ordinal))
                    {
                        runError = $"{outDir}: the disk is full; the batch stopped after {processed} of {todo.Count} scans ({r[DiskFullPrefix.Length..]})";
                        break;
                    }
                }

                if (Cancellation.IsCancellationRequested)
                {
                    runError = $"interrupted after {processed} of {todo.Count} scans";
                    break;
                }
            }
        }
        catch (Exception ex) when (DetectionPipeline.IsPerInput(ex))
        {
            // The pipeline isolates every input, so this is a fault of the run itself; what is finished is kept.
            runError = $"the batch stopped after {processed} of {todo.Count} scans: {Reasons.Of(ex)}";
        }

        for (int i = 0; i < results.Length; i++)
        {
            results[i] ??= NotProcessed(scans[i], runError ?? "the batch ended early");
        }

        List<ScanResult> all = [.. results.Select(x => x!)];
        try
        {
            AtomicFile.WriteAllBytes(Path.Combine(outDir, "detections.coco.json"), CocoResults(all));
            AtomicFile.WriteAllText(Path.Combine(outDir, "summary.csv"), SummaryCsv(all));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            runError = (runError is null ? string.Empty : runError + "; ") + $"cannot write the batch files in {outDir}: {Reasons.OneLine(ex.Message, "I/O error")}";
        }

        return new BatchReport(all, processed, resumed, cleaned, wall.Elapsed, runError);
    }

    private const string DiskFullPrefix = "io: disk full: ";

    private ScanResult WriteOne(ScanOutcome outcome, string jsonPath, string overlayPath)
    {
        var sw = Stopwatch.StartNew();
        ScanResult res = outcome.Result;
        if (ThreatDetectionReports)
        {
            string tdr = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(jsonPath)!)!, "tdr", Path.GetFileNameWithoutExtension(jsonPath) + ".dcs");
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(tdr)!);
                Dicos.ThreatDetectionReport.Save(res, tdr);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                res = res with { Warnings = [.. res.Warnings ?? [], $"TDR not written: {Reasons.OneLine(ex.Message, "I/O error")}"] };
            }
        }

        try
        {
            // The result first: an overlay that cannot be written never costs the finished result.
            res = WithWriteTime(res, sw);
            AtomicFile.WriteAllBytes(jsonPath, ResultJson.Serialize(res));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return res with { Status = ScanStatus.Failed, Reason = (IsDiskFull(ex) ? DiskFullPrefix : "io: ") + $"cannot write result: {Reasons.OneLine(ex.Message, "I/O error")}" };
        }

        if (!Overlays || outcome.Rendered is null)
        {
            return res;
        }

        try
        {
            outcome.WriteOverlay(overlayPath, Path.Combine(Path.GetDirectoryName(overlayPath)!, "layers", Path.GetFileName(overlayPath)), OverlayStyle);
            return res;
        }
        catch (Exception ex) when (DetectionPipeline.IsPerInput(ex))
        {
            string warning = $"overlay not written: {Reasons.Of(ex)}";
            res = res with { Warnings = [.. res.Warnings ?? [], warning] };
            try
            {
                AtomicFile.WriteAllBytes(jsonPath, ResultJson.Serialize(res));
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                // The first result file stands; the warning still reaches the summary and stderr.
            }

            return res;
        }
    }

    private static ScanResult WithWriteTime(ScanResult res, Stopwatch sw)
    {
        return res with { TimingsMs = res.TimingsMs with { Write = sw.Elapsed.TotalMilliseconds } };
    }

    /// <summary>ENOSPC (28) or EDQUOT (122) on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.</summary>
    internal static bool IsDiskFull(Exception ex) =>
        ex.HResult is 28 or 122 or unchecked((int)0x80070070) or unchecked((int)0x80070027) ||
        ex.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase) ||
        ex.Message.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase);

    private ScanResult NotProcessed(ScanInput input, string why) => pipeline.FailureResult(input, ScanStatus.Failed, $"not processed: {why}");

    /// <summary>Deletes <c>.NAME.*.tmp</c> files that <see cref="AtomicFile"/> leaves only when a process dies mid-write.</summary>
    internal static int RemoveOrphanedTempFiles(string dir, bool recursive = false)
    {
        if (!Directory.Exists(dir))
        {
            return 0;
        }

        int n = 0;
        foreach (string tmp in Directory.EnumerateFiles(dir, ".*.tmp", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
        {
            try
            {
                File.Delete(tmp);
                n++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left for the next run; a temp file never replaces a result.
            }
        }

        return n;
    }

    /// <summary>
    /// An earlier result for the same input file (path and, when recorded, SHA-256 of the current bytes) made by the same
    /// model (SHA-256) with the same confidence, NMS IoU and preprocessing, else null: a resumed run never keeps results
    /// made under other settings.
    /// </summary>
    private static ScanResult? ReadBack(string path, ScanInput input, Inference.OnnxDetector detector)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            ScanResult? r = ResultJson.Deserialize<ScanResult>(File.ReadAllBytes(path));
            if (r is null || r.Input.Path != input.Path || r.Input.LowEnergyPath != input.LowEnergyPath ||
                r.SchemaVersion != ScanResult.CurrentSchemaVersion || r.Model.Sha256 != detector.Model.Sha256 ||
                r.Parameters.Confidence != detector.Settings.Confidence || r.Parameters.Iou != detector.Settings.Iou ||
                r.Parameters.Preprocessing?.ChannelOrder != Preprocessing.Names.Of(detector.Contract.ChannelOrder) ||
                r.Parameters.Preprocessing?.Resize != Preprocessing.Names.Of(detector.Contract.Resize) ||
                r.Parameters.Preprocessing?.Scale != detector.Contract.Scale)
            {
                return null;
            }

            if (r.Input.Sha256 is { } sha && File.Exists(input.Path) &&
                sha != Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(input.Path))))
            {
                return null;
            }

            return r;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    private static string Unique(HashSet<string> names, string name)
    {
        string n = name;
        for (int i = 2; !names.Add(n); i++)
        {
            n = $"{name}_{i}";
        }

        return n;
    }

    /// <summary>COCO results format; image_id is the 1-based position in the batch, file_name lets evaluation join on names.</summary>
    private static byte[] CocoResults(List<ScanResult> results)
    {
        using var ms = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(ms, new System.Text.Json.JsonWriterOptions { Indented = false }))
        {
            w.WriteStartArray();
            for (int i = 0; i < results.Count; i++)
            {
                foreach (DetectionRecord d in results[i].Detections)
                {
                    w.WriteStartObject();
                    w.WriteNumber("image_id", i + 1);
                    // A dual-energy pair is one scan: named NAME.ext (as its annotations are), not after its high-energy file.
                    w.WriteString("file_name", results[i].Input.LowEnergyPath is null ? Path.GetFileName(results[i].Input.Path) : results[i].Name + Path.GetExtension(results[i].Input.Path));
                    w.WriteNumber("category_id", Evaluation.CocoCategories.IdOf(d.ClassId));
                    w.WriteString("category_name", d.ClassName);
                    w.WriteStartArray("bbox");
                    w.WriteNumberValue(Math.Round(d.X1, 3));
                    w.WriteNumberValue(Math.Round(d.Y1, 3));
                    w.WriteNumberValue(Math.Round(d.X2 - d.X1, 3));
                    w.WriteNumberValue(Math.Round(d.Y2 - d.Y1, 3));
                    w.WriteEndArray();
                    w.WriteNumber("score", Math.Round(d.Score, 5));
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
        }

        return ms.ToArray();
    }

    private static string SummaryCsv(List<ScanResult> results)
    {
        var sb = new StringBuilder("name,path,status,reason,width,height,bit_depth,dual_energy,detections,max_score,total_ms,unable_to_clear,shield_regions\n");
        foreach (ScanResult r in results)
        {
            float max = r.Detections.Count == 0 ? 0 : r.Detections.Max(d => d.Score);
            double total = r.TimingsMs.Total;
            sb.Append(CsvField.Quote(r.Name)).Append(',').Append(CsvField.Quote(r.Input.Path)).Append(',').Append(r.Status.ToString().ToLowerInvariant()).Append(',')
              .Append(CsvField.Quote(r.Reason ?? string.Empty)).Append(',').Append(r.Width).Append(',').Append(r.Height).Append(',').Append(r.BitDepth).Append(',')
              .Append(r.DualEnergy ? "true" : "false").Append(',').Append(r.Detections.Count).Append(',')
              .Append(max.ToString("0.0000", CultureInfo.InvariantCulture)).Append(',').Append(total.ToString("0.0", CultureInfo.InvariantCulture)).Append(',')
              .Append(r.UnableToClear ? "true" : "false").Append(',').Append(r.ShieldRegions is null ? "" : r.ShieldRegions.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return sb.ToString();
    }

}

/// <summary>What a batch did: one result per input (in input order), counts, and the run-level error when it ended early.</summary>
/// <param name="Results">Exactly one per input.</param>
/// <param name="Processed">Scans run in this batch (not read back).</param>
/// <param name="Resumed">Scans whose earlier result was kept.</param>
/// <param name="TempFilesRemoved">Temp files of an earlier killed run that were removed.</param>
/// <param name="Wall">Wall time of the batch.</param>
/// <param name="RunError">Why the run itself failed or stopped early (disk full, interrupted, batch files unwritable); null when it did not.</param>
public sealed record BatchReport(IReadOnlyList<ScanResult> Results, int Processed, int Resumed, int TempFilesRemoved, TimeSpan Wall, string? RunError)
{
    /// <summary>True when every input is ok and the run itself did not fail.</summary>
    public bool AllOk => RunError is null && Results.All(r => r.Status == ScanStatus.Ok);
}
