using System.CommandLine;
using System.Globalization;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Pipeline;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Routes;
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
        var overlay = new Option<bool>("--overlay")
        {
            Description = "Write an overlay PNG per scan (alarms labelled, suggestions dashed, legend below; provenance in PNG text chunks) and a transparent layer in overlays/layers/.",
        };
        var alarmThreshold = new Option<double?>("--alarm-threshold") { Description = "Overlay: boxes at or above this are alarms (default: the model profile's operating threshold, else 0.5)." };
        var displayFloor = new Option<double>("--display-floor") { Description = "Overlay: boxes below this are not drawn; those between it and the alarm threshold are dashed suggestions.", DefaultValueFactory = _ => 0.25 };
        var noSuggestions = new Option<bool>("--alarms-only") { Description = "Overlay: draw alarms only." };
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
        var prefetch = new Option<int?>("--prefetch")
        {
            Description = "Scans read and rendered ahead of inference, in parallel (default: twice --batch). On few cores, --threads 1 with the default prefetch is fastest for batches of small scans; see docs/BENCHMARKS.md.",
        };
        var inputTimeout = new Option<double>("--input-timeout")
        {
            Description = "Seconds one input may take to be read, decoded and rendered before it is abandoned as failed (0: no limit).",
            DefaultValueFactory = _ => 120,
        };
        var tdr = new Option<bool>("--tdr") { Description = "Also write a DICOS Threat Detection Report per scan (tdr/NAME.dcs): one PTO per detection and shield region, ALARM/CLEAR from the operating threshold, referencing the source's UIDs when it is DICOS." };
        var route = new Option<string?>("--route") { Description = "Screening route (mail, express, baggage, cargo, ct, or any in the route file): its model, thresholds, tiling, window, overlay and shield settings; options given here win." };
        var routes = new Option<FileInfo?>("--routes") { Description = $"Route file (default: {RouteFiles.DefaultPath} in the current folder, else beside xray). Schema: docs/ROUTES.md." };
        var noShield = new Option<bool>("--no-shield") { Description = "Skip the shield check (regions too dense for the beam make a scan 'unable to clear')." };
        var det = DetectorCliOptions.WithOptionalModel();
        var tiles = new TileCliOptions();
        var cmd = new Command("detect", "Run a detector over scans and write per-scan JSON, detections.coco.json, summary.csv and optional overlays.\n" + XrayCli.ExitCodeHelp);
        cmd.Add(inputs);
        det.AddTo(cmd);
        cmd.Add(outDir);
        cmd.Add(overlay);
        cmd.Add(tdr);
        cmd.Add(prefetch);
        cmd.Add(alarmThreshold);
        cmd.Add(displayFloor);
        cmd.Add(noSuggestions);
        cmd.Add(window);
        cmd.Add(maxPixels);
        cmd.Add(resume);
        cmd.Add(inputTimeout);
        cmd.Add(route);
        cmd.Add(routes);
        cmd.Add(noShield);
        tiles.AddTo(cmd);
        cmd.SetAction(r =>
        {
            TextWriter stdout = r.InvocationConfiguration.Output;
            TextWriter stderr = r.InvocationConfiguration.Error;
            RenderOptions render;
            TileOptions tileOptions;
            TimeSpan timeout;
            OverlayStyle style;
            RouteProfile? profile = null;
            try
            {
                if (r.GetValue(route) is string routeName)
                {
                    profile = RouteFiles.Load(r.GetValue(routes)?.FullName).Get(routeName);
                }

                bool Given(Option o) => r.GetResult(o) is { Implicit: false };
                OverlayStyle baseStyle = profile?.Overlay ?? OverlayStyle.Default;
                style = baseStyle with
                {
                    AlarmThreshold = r.GetValue(alarmThreshold) ?? baseStyle.AlarmThreshold,
                    DisplayFloor = Given(displayFloor) || profile is null ? r.GetValue(displayFloor) : baseStyle.DisplayFloor,
                    Suggestions = r.GetValue(noSuggestions) ? false : baseStyle.Suggestions,
                };
                timeout = InputTimeout(r.GetValue(inputTimeout));
                if (r.GetValue(prefetch) is int pf && pf is < 1 or > 256)
                {
                    throw new ArgumentException($"--prefetch must be in [1, 256] (got {pf})");
                }

                string? w = r.GetValue(window);
                render = w is not null ? new RenderOptions { Window = IntensityWindow.Parse(w) } : profile?.Render ?? new RenderOptions();
                tileOptions = profile is not null && !tiles.AnyGiven(r) ? profile.Tiles : tiles.Build(r);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or FileNotFoundException)
            {
                stderr.WriteLine($"xray: {UsageErrors.Describe(ex)}");
                return ExitCodes.UsageError;
            }

            if (r.GetValue(det.Model) is null && profile?.Model is null)
            {
                stderr.WriteLine("xray: no model: give --model FILE, or a --route whose profile names one");
                return ExitCodes.UsageError;
            }

            IReadOnlyList<ScanInput> scans = ScanDiscovery.Discover(r.GetValue(inputs)!, out IReadOnlyList<string> missing);
            foreach (string m in missing)
            {
                stderr.WriteLine($"xray: {m}: {ScanDiscovery.MissingReason(m)}");
            }

            if (scans.Count == 0)
            {
                stderr.WriteLine("xray: no scans found in the given inputs");
                return ExitCodes.UsageError;
            }

            int opened = det.TryOpen(r, stderr, out OnnxDetector? detector,
                adjust: o => o with
                {
                    Confidence = o.Confidence ?? profile?.Confidence,
                    Iou = o.Iou ?? profile?.Iou,
                    ConfidenceCeiling = r.GetValue(alarmThreshold) is double at ? (float)at : profile?.AlarmThreshold,
                    Fills = r.GetValue(det.Fill) is null && profile is not null ? profile.FillsOver(o.Fills) : o.Fills,
                }, fallbackModel: profile?.Model);
            if (detector is null)
            {
                return opened;
            }

            using XrayDetector xd = XrayDetector.Over(detector, new XrayDetectorOptions
            {
                Loader = new ScanLoaderOptions { MaxPixels = r.GetValue(maxPixels) },
                Render = render,
                Tiles = tileOptions,
                InputTimeout = timeout,
                PrefetchDepth = r.GetValue(prefetch),
                Shield = r.GetValue(noShield) ? ShieldOptions.Default with { Enabled = false } : profile?.Shield ?? ShieldOptions.Default,
                Route = profile?.Name,
                OperatingThreshold = r.GetValue(alarmThreshold) is double at ? (float)at : profile?.AlarmThreshold,
            });
            using (var interrupt = new ConsoleInterrupt())
            {
                string dir = r.GetValue(outDir)!.FullName;
                var batch = new DetectBatch(xd, dir)
                {
                    Overlays = r.GetValue(overlay),
                    ThreatDetectionReports = r.GetValue(tdr),
                    OverlayStyle = style,
                    Resume = r.GetValue(resume),
                    Cancellation = interrupt.Token,
                    OnResult = res => ReportProblems(stderr, res),
                };
                BatchReport report;
                try
                {
                    report = batch.Run(scans);
                }
                catch (Exception ex) when (ex is OutputLockedException or IOException or UnauthorizedAccessException)
                {
                    stderr.WriteLine($"xray: run failed: {ex.Message}");
                    return ExitCodes.RunFailed;
                }

                PrintSummary(stdout, batch, report, dir);
                if (report.RunError is not null)
                {
                    stderr.WriteLine($"xray: run failed: {report.RunError}");
                    return ExitCodes.RunFailed;
                }

                return report.AllOk && missing.Count == 0 ? ExitCodes.Ok : ExitCodes.SomeInputsNotOk;
            }
        });
        return cmd;
    }

    private static TimeSpan InputTimeout(double seconds) =>
        seconds > 0 ? TimeSpan.FromSeconds(seconds) : seconds == 0 ? Timeout.InfiniteTimeSpan : throw new ArgumentException("--input-timeout must not be negative");

    private static void ReportProblems(TextWriter stderr, ScanResult res)
    {
        if (res.Status != ScanStatus.Ok)
        {
            stderr.WriteLine($"xray: {res.Status.ToString().ToLowerInvariant()}: {res.Input.Path}: {res.Reason}");
        }

        foreach (string w in res.Warnings ?? [])
        {
            stderr.WriteLine($"xray: warning: {res.Input.Path}: {w}");
        }
    }

    private static void PrintSummary(TextWriter stdout, DetectBatch batch, BatchReport report, string outDir)
    {
        var byStatus = new SortedDictionary<ScanStatus, int>();
        var byClass = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (ScanResult res in report.Results)
        {
            byStatus[res.Status] = byStatus.GetValueOrDefault(res.Status) + 1;
            foreach (DetectionRecord d in res.Detections)
            {
                byClass[d.ClassName] = byClass.GetValueOrDefault(d.ClassName) + 1;
            }
        }

        double seconds = report.Wall.TotalSeconds;
        ModelInfo model = batch.Pipeline.Detector.Model;
        stdout.WriteLine($"xray detect: {report.Processed} scans in {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s " +
                         $"({(report.Processed / Math.Max(seconds, 1e-9)).ToString("0.0", CultureInfo.InvariantCulture)} scans/s)" +
                         $"{(report.Resumed > 0 ? $", {report.Resumed} read back from an earlier run" : "")}, model {model.Name} ({model.Layout})");
        DetectorSettings st = batch.Pipeline.Detector.Settings;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  settings:   confidence {st.Confidence:0.####} ({Names.Of(st.ConfidenceSource)}), NMS IoU {st.Iou:0.###} ({Names.Of(st.IouSource)}){(st.TestTimeFlip ? $", test-time flip ({Names.Of(st.TestTimeFlipSource)})" : "")}; preprocessing {st.Contract}{FillNote(st.Fills)}; device {model.Device}, batch {batch.Pipeline.Detector.MaxBatch}; pictures under {st.MinInputSide} px a side not screened"));
        stdout.WriteLine($"  inputs:     {report.Results.Count} = " + string.Join(" + ", byStatus.Select(kv => $"{kv.Value} {kv.Key.ToString().ToLowerInvariant()}")));
        stdout.WriteLine("  detections: " + (byClass.Count == 0 ? "none" : string.Join(", ", byClass.Select(kv => $"{kv.Key} {kv.Value}"))));
        List<string> shielded = report.Results.Where(r => r.UnableToClear).Select(r => r.Name).ToList();
        if (shielded.Count > 0)
        {
            stdout.WriteLine($"  UNABLE TO CLEAR (regions too dense for the beam): {shielded.Count}: {string.Join(", ", shielded.Take(10))}{(shielded.Count > 10 ? ", ..." : "")}");
        }

        stdout.WriteLine($"  results:    {Path.Combine(outDir, "results")}{Path.DirectorySeparatorChar}, {Path.Combine(outDir, "detections.coco.json")}, {Path.Combine(outDir, "summary.csv")}");
        if (batch.Overlays)
        {
            stdout.WriteLine($"  overlays:   {Path.Combine(outDir, "overlays")}{Path.DirectorySeparatorChar}");
        }

        if (report.TempFilesRemoved > 0)
        {
            stdout.WriteLine($"  cleaned:    {report.TempFilesRemoved} temp files left by an earlier killed run");
        }
    }

    /// <summary>The settings line's note on whole-scan fills: nothing at the plain 1.</summary>
    private static string FillNote(IReadOnlyList<double> fills) => fills.Count > 1
        ? $", whole scans run at fills {string.Join(" and ", fills.Select(f => f.ToString("0.###", CultureInfo.InvariantCulture)))} of the input, boxes fused"
        : fills[0] < 1 ? $", whole scans fill {fills[0].ToString("0.###", CultureInfo.InvariantCulture)} of the input" : "";
}
