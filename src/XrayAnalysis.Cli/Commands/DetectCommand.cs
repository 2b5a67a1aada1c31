using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Pipeline;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Tiling;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray detect INPUT... --model PATH --out DIR</c>.</summary>
internal static class DetectCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("INPUT")
        {
            Description = "Scan files, folders (searched recursively) or globs. NAME_high.EXT + NAME_low.EXT pairs are loaded together as dual-energy scans.",
            Arity = ArgumentArity.OneOrMore,
        };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder.", Required = true };
        var overlay = new Option<bool>("--overlay") { Description = "Write an overlay PNG per scan (boxes, class, confidence; provenance in PNG text chunks)." };
        var window = new Option<string?>("--window")
        {
            Description = "Fixed LOW,HIGH window for 16-bit and float grey scans (default: robust 0.5–99.5 percentile window per scan).",
        };
        var resume = new Option<bool>("--resume") { Description = "Keep results already in --out for the same input files (after a crash or kill) and process only the rest." };
        var maxPixels = new Option<long>("--max-pixels")
        {
            Description = "Reject images with more pixels than this before decoding.",
            DefaultValueFactory = _ => 400_000_000L,
        };
        var det = new DetectorCliOptions();
        var tiles = new TileCliOptions();
        var cmd = new Command("detect", "Run a detector over scans and write per-scan JSON, detections.coco.json, summary.csv and optional overlays.\n" + XrayCli.ExitCodeHelp);
        cmd.Add(inputs);
        det.AddTo(cmd);
        cmd.Add(outDir);
        cmd.Add(overlay);
        cmd.Add(window);
        cmd.Add(maxPixels);
        cmd.Add(resume);
        tiles.AddTo(cmd);
        cmd.SetAction(r =>
        {
            TextWriter stdout = r.InvocationConfiguration.Output;
            TextWriter stderr = r.InvocationConfiguration.Error;
            RenderOptions render;
            TileOptions tileOptions;
            try
            {
                string? w = r.GetValue(window);
                render = new RenderOptions { Window = w is null ? null : IntensityWindow.Parse(w) };
                tileOptions = tiles.Build(r);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                stderr.WriteLine($"xray: {ex.Message}");
                return ExitCodes.UsageError;
            }

            IReadOnlyList<ScanInput> scans = ScanDiscovery.Discover(r.GetValue(inputs)!, out IReadOnlyList<string> missing);
            foreach (string m in missing)
            {
                stderr.WriteLine($"xray: {m}: no such file, folder or matching glob");
            }

            if (scans.Count == 0)
            {
                stderr.WriteLine("xray: no scans found in the given inputs");
                return ExitCodes.UsageError;
            }

            OnnxDetector detector;
            try
            {
                detector = OnnxDetector.Open(r.GetValue(det.Model)!.FullName, det.Build(r));
                IReadOnlySet<int>? classes = DetectorCliOptions.ResolveClasses(r.GetValue(det.Classes), detector.Model);
                if (classes is not null)
                {
                    DetectorOptions opts = detector.Options with { Classes = classes };
                    detector.Dispose();
                    detector = OnnxDetector.Open(r.GetValue(det.Model)!.FullName, opts);
                }
            }
            catch (ModelLoadException ex)
            {
                stderr.WriteLine($"xray: model unusable: {ex.Message}");
                return ExitCodes.ModelUnusable;
            }
            catch (ArgumentException ex)
            {
                stderr.WriteLine($"xray: {ex.Message}");
                return ExitCodes.UsageError;
            }

            using (detector)
            {
                var loader = new ScanLoader(new ScanLoaderOptions { MaxPixels = r.GetValue(maxPixels) });
                var runner = new DetectRun(new DetectionPipeline(detector, loader, render, tileOptions), r.GetValue(outDir)!.FullName, r.GetValue(overlay), stdout, stderr) { Resume = r.GetValue(resume) };
                int code = runner.Run(scans);
                return missing.Count > 0 ? ExitCodes.SomeInputsNotOk : code;
            }
        });
        return cmd;
    }
}

/// <summary>Drives one detect batch: writes each result as it is produced, then the batch files and the console summary.</summary>
internal sealed class DetectRun(DetectionPipeline pipeline, string outDir, bool overlays, TextWriter stdout, TextWriter stderr)
{
    /// <summary>With resume, scans whose result file already exists for the same input are read back, not run again.</summary>
    public bool Resume { get; init; }

    public int Run(IReadOnlyList<ScanInput> scans)
    {
        var wall = Stopwatch.StartNew();
        string resultsDir = Path.Combine(outDir, "results");
        string overlayDir = Path.Combine(outDir, "overlays");
        Directory.CreateDirectory(resultsDir);

        // Result names are fixed by input order, so a resumed run writes and finds the same files.
        var taken = new HashSet<string>(StringComparer.Ordinal);
        string[] names = scans.Select(s => Unique(taken, s.Name)).ToArray();
        var results = new ScanResult?[scans.Count];
        var todo = new List<int>();
        for (int i = 0; i < scans.Count; i++)
        {
            results[i] = Resume ? ReadBack(Path.Combine(resultsDir, names[i] + ".json"), scans[i]) : null;
            if (results[i] is null)
            {
                todo.Add(i);
            }
        }

        int resumed = scans.Count - todo.Count;
        var byStatus = new SortedDictionary<ScanStatus, int>();
        var byClass = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int done = 0, k = 0;
        foreach (ScanOutcome outcome in pipeline.Process(todo.Select(i => scans[i]), overlays))
        {
            using (outcome)
            {
                var sw = Stopwatch.StartNew();
                ScanResult res = outcome.Result;
                int index = todo[k++];
                string name = names[index];
                try
                {
                    if (overlays)
                    {
                        outcome.WriteOverlay(Path.Combine(overlayDir, name + ".png"));
                    }

                    var timings = new Dictionary<string, double>(res.TimingsMs, StringComparer.Ordinal) { ["write"] = sw.Elapsed.TotalMilliseconds };
                    res = res with { TimingsMs = timings };
                    AtomicFile.WriteAllBytes(Path.Combine(resultsDir, name + ".json"), ResultJson.Serialize(res));
                }
                catch (IOException ex)
                {
                    res = res with { Status = ScanStatus.Failed, Reason = $"io: cannot write result: {ex.Message}" };
                }

                results[index] = res;
                if (res.Status != ScanStatus.Ok)
                {
                    stderr.WriteLine($"xray: {res.Status.ToString().ToLowerInvariant()}: {res.Input.Path}: {res.Reason}");
                }

                done++;
            }
        }

        var allResults = results.Select(r => r!).ToList();
        foreach (ScanResult res in allResults)
        {
            byStatus[res.Status] = byStatus.GetValueOrDefault(res.Status) + 1;
            foreach (DetectionRecord d in res.Detections)
            {
                byClass[d.ClassName] = byClass.GetValueOrDefault(d.ClassName) + 1;
            }
        }

        AtomicFile.WriteAllBytes(Path.Combine(outDir, "detections.coco.json"), CocoResults(allResults));
        AtomicFile.WriteAllText(Path.Combine(outDir, "summary.csv"), SummaryCsv(allResults));
        double seconds = wall.Elapsed.TotalSeconds;
        stdout.WriteLine($"xray detect: {done} scans in {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s " +
                         $"({(done / Math.Max(seconds, 1e-9)).ToString("0.0", CultureInfo.InvariantCulture)} scans/s){(resumed > 0 ? $", {resumed} read back from an earlier run" : "")}, model {pipeline.Detector.Model.Name} ({pipeline.Detector.Model.Layout})");
        stdout.WriteLine("  status:     " + string.Join(", ", byStatus.Select(kv => $"{kv.Key.ToString().ToLowerInvariant()} {kv.Value}")));
        stdout.WriteLine("  detections: " + (byClass.Count == 0 ? "none" : string.Join(", ", byClass.Select(kv => $"{kv.Key} {kv.Value}"))));
        stdout.WriteLine($"  results:    {Path.Combine(outDir, "results")}{Path.DirectorySeparatorChar}, {Path.Combine(outDir, "detections.coco.json")}, {Path.Combine(outDir, "summary.csv")}");
        if (overlays)
        {
            stdout.WriteLine($"  overlays:   {overlayDir}{Path.DirectorySeparatorChar}");
        }

        return allResults.All(x => x.Status == ScanStatus.Ok) ? ExitCodes.Ok : ExitCodes.SomeInputsNotOk;
    }

    /// <summary>An earlier result for the same input file (path and, when recorded, SHA-256 of the current bytes), else null.</summary>
    private static ScanResult? ReadBack(string path, ScanInput input)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            ScanResult? r = ResultJson.Deserialize<ScanResult>(File.ReadAllBytes(path));
            if (r is null || r.Input.Path != input.Path || r.Input.LowEnergyPath != input.LowEnergyPath)
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
        catch (System.Text.Json.JsonException)
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
                    w.WriteString("file_name", Path.GetFileName(results[i].Input.Path));
                    w.WriteNumber("category_id", d.ClassId);
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
        var sb = new StringBuilder("name,path,status,reason,width,height,bit_depth,dual_energy,detections,max_score,total_ms\n");
        foreach (ScanResult r in results)
        {
            float max = r.Detections.Count == 0 ? 0 : r.Detections.Max(d => d.Score);
            double total = r.TimingsMs.Values.Sum();
            sb.Append(Csv(r.Name)).Append(',').Append(Csv(r.Input.Path)).Append(',').Append(r.Status.ToString().ToLowerInvariant()).Append(',')
              .Append(Csv(r.Reason ?? string.Empty)).Append(',').Append(r.Width).Append(',').Append(r.Height).Append(',').Append(r.BitDepth).Append(',')
              .Append(r.DualEnergy ? "true" : "false").Append(',').Append(r.Detections.Count).Append(',')
              .Append(max.ToString("0.0000", CultureInfo.InvariantCulture)).Append(',').Append(total.ToString("0.0", CultureInfo.InvariantCulture)).Append('\n');
        }

        return sb.ToString();
    }

    private static string Csv(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
