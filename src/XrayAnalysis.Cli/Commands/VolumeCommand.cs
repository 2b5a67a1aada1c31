using XrayAnalysis.Loading;
using System.CommandLine;
using System.Globalization;
using XrayAnalysis.Inference;
using XrayAnalysis.Outputs;
using XrayAnalysis.Volumes;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray volume INPUT... --model PATH --out DIR</c>.</summary>
internal static class VolumeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("INPUT") { Description = "Volumes: .mhd/.mha (raw or zlib), .nrrd/.nhdr (raw or gzip), multi-page .tif, or a folder of slice images.", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder.", Required = true };
        var axes = new Option<string>("--axes") { Description = "z: axial slices (streamed); xyz: also reslice along x and y and merge in 3D.", DefaultValueFactory = _ => "z" };
        axes.AcceptOnlyFromAmong("z", "xyz");
        var step = new Option<int>("--slice-step") { Description = "Process every k-th slice.", DefaultValueFactory = _ => 1 };
        var level = new Option<double>("--window-level") { Description = "Window level in the file's units (default: μ 0.35/cm for μ·10⁴ volumes).", DefaultValueFactory = _ => 3500 };
        var width = new Option<double>("--window-width") { Description = "Window width in the file's units.", DefaultValueFactory = _ => 7000 };
        var link = new Option<float>("--link-iou") { Description = "2D IoU linking boxes on consecutive slices.", DefaultValueFactory = _ => 0.3f };
        var minRun = new Option<int>("--min-run") { Description = "Fewest processed slices a region must span.", DefaultValueFactory = _ => 2 };
        var gap = new Option<int>("--gap") { Description = "Processed slices a region may skip.", DefaultValueFactory = _ => 1 };
        var sliceBoxes = new Option<bool>("--slice-boxes") { Description = "Keep every per-slice box in the JSON." };
        var noPictures = new Option<bool>("--no-pictures") { Description = "Skip projections and montages." };
        var maxVoxels = new Option<long>("--max-voxels")
        {
            Description = "Refuse volumes with more voxels than this, from their headers, before reading any data.",
            DefaultValueFactory = _ => VolumeReader.DefaultMaxVoxels,
        };
        var det = new DetectorCliOptions();
        var cmd = new Command("volume", "Detect in CT volumes slice by slice and fuse the boxes into 3D regions; writes JSON, projections and montages.\n" + XrayCli.ExitCodeHelp);
        cmd.Add(inputs);
        det.AddTo(cmd);
        foreach (Option o in new Option[] { outDir, axes, step, level, width, link, minRun, gap, sliceBoxes, noPictures, maxVoxels })
        {
            cmd.Add(o);
        }

        cmd.SetAction(r =>
        {
            TextWriter stdout = r.InvocationConfiguration.Output, stderr = r.InvocationConfiguration.Error;
            int opened = det.TryOpen(r, r.InvocationConfiguration.Error, out OnnxDetector? detector);
            if (detector is null)
            {
                return opened;
            }

            var opts = new VolumeOptions
            {
                Axes = r.GetValue(axes)!,
                SliceStep = Math.Max(1, r.GetValue(step)),
                WindowLevel = r.GetValue(level),
                WindowWidth = r.GetValue(width),
                LinkIou = r.GetValue(link),
                MinRun = r.GetValue(minRun),
                GapTolerance = r.GetValue(gap),
                KeepSliceBoxes = r.GetValue(sliceBoxes),
            };
            string dir = r.GetValue(outDir)!.FullName;
            int notOk = 0, gtTotal = 0, gtFound = 0, fps = 0, withGt = 0;
            var summary = new System.Text.StringBuilder("name,input,status,reason,regions,slices\n");
            OutputLock folderLock;
            try
            {
                folderLock = OutputLock.Acquire(dir);
            }
            catch (Exception ex) when (ex is OutputLockedException or IOException or UnauthorizedAccessException)
            {
                detector.Dispose();
                stderr.WriteLine($"xray: run failed: {ex.Message}");
                return ExitCodes.RunFailed;
            }

            using (folderLock)
            using (detector)
            {
                var pipeline = new VolumePipeline(detector, opts);
                foreach (string input in r.GetValue(inputs)!)
                {
                    string name = Path.GetFileNameWithoutExtension(input.TrimEnd('/'));
                    VolumeResult result;
                    try
                    {
                        long cap = r.GetValue(maxVoxels);
                        using IVolumeSource src = VolumeReader.Open(input, cap);
                        result = pipeline.Process(src, name, r.GetValue(noPictures) ? null : Path.Combine(dir, "pictures"), () => VolumeReader.Open(input, cap));
                        if (VolumeGroundTruth.FindBeside(input) is { } gtPath)
                        {
                            VolumeEvaluation e = VolumeGroundTruth.Evaluate(result.Regions, VolumeGroundTruth.Load(gtPath), 0.3, detector.Settings.Confidence);
                            result = result with { Evaluation = e };
                            withGt++;
                            gtTotal += e.GroundTruth;
                            gtFound += e.Matched;
                            fps += e.FalsePositives;
                        }
                    }
                    catch (Exception ex) when (ex is not (AccessViolationException or ThreadAbortException))
                    {
                        (ScanStatus status, string reason) = ex is ScanLoadException sle ? (sle.Status, sle.Reason)
                            : (ScanStatus.Failed, $"{ex.GetType().Name}: {ex.Message.Split('\n')[0].Trim()}");
                        result = new VolumeResult
                        {
                            Name = name,
                            Input = input,
                            Model = new ModelSummary(detector.Model.Name, detector.Model.Sha256, detector.Model.Layout.ToString(), detector.Model.InputWidth, detector.Model.InputHeight),
                            Parameters = opts,
                            TimingsMs = new Dictionary<string, double>(),
                            Status = status,
                            Reason = reason,
                        };
                        notOk++;
                        stderr.WriteLine($"xray: {status.ToString().ToLowerInvariant()}: {input}: {reason}");
                    }

                    try
                    {
                        AtomicFile.WriteAllBytes(Path.Combine(dir, "results", name + ".json"), ResultJson.Serialize(result));
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        if (result.Status == ScanStatus.Ok)
                        {
                            notOk++;
                        }

                        result = result with { Status = ScanStatus.Failed, Reason = $"io: cannot write result: {ex.Message.Split('\n')[0]}" };
                        stderr.WriteLine($"xray: failed: {input}: {result.Reason}");
                    }

                    summary.Append(Csv(name)).Append(',').Append(Csv(input)).Append(',').Append(result.Status.ToString().ToLowerInvariant()).Append(',')
                        .Append(Csv(result.Reason ?? "")).Append(',').Append(result.Regions.Count).Append(',').Append(result.SlicesProcessed).Append('\n');
                    foreach (string w in result.Warnings)
                    {
                        stderr.WriteLine($"xray: warning: {input}: {w}");
                    }

                    if (result.Status == ScanStatus.Ok)
                    {
                        string line = string.Create(CultureInfo.InvariantCulture,
                            $"{name}: {result.Regions.Count} regions, {result.SlicesProcessed} slices at {result.SlicesPerSecond:0.0} slices/s, outside Session.Run {result.NonInferenceShare:P1}, peak RSS {result.PeakWorkingSetBytes / 1048576.0:0} MiB");
                        if (result.Evaluation is { } ev)
                        {
                            line += $"; ground truth {ev.Matched}/{ev.GroundTruth} found at 3D IoU >= 0.3, {ev.FalsePositives} false positives";
                        }

                        stdout.WriteLine(line);
                    }
                }

                if (withGt > 0)
                {
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"3D recall {gtFound}/{gtTotal} = {(gtTotal == 0 ? double.NaN : (double)gtFound / gtTotal):0.000} at IoU ≥ 0.3; false positives per volume {(double)fps / withGt:0.00} ({withGt} volumes with ground truth)"));
                }

                try
                {
                    AtomicFile.WriteAllText(Path.Combine(dir, "summary.csv"), summary.ToString());
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    stderr.WriteLine($"xray: run failed: cannot write {Path.Combine(dir, "summary.csv")}: {ex.Message.Split('\n')[0]}");
                    return ExitCodes.RunFailed;
                }
            }

            stdout.WriteLine($"results: {Path.Combine(dir, "results")}, {Path.Combine(dir, "summary.csv")}; pictures: {Path.Combine(dir, "pictures")}");
            return notOk > 0 ? ExitCodes.SomeInputsNotOk : ExitCodes.Ok;
        });
        return cmd;
    }

    private static string Csv(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
