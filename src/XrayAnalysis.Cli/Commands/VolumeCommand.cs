using XrayAnalysis.Loading;
using System.CommandLine;
using System.CommandLine.Parsing;
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
        var inputs = new Argument<string[]>("INPUT") { Description = "Volumes: .mhd/.mha (raw or zlib), .nrrd/.nhdr (raw or gzip), multi-page .tif, a multi-frame DICOS CT file, or a folder of slice images or of DICOS CT slices.", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder.", Required = true };
        var axes = new Option<string>("--axes") { Description = "z: axial slices (streamed); xyz: also reslice along x and y and merge in 3D.", DefaultValueFactory = _ => "z" };
        axes.AcceptOnlyFromAmong("z", "xyz");
        var step = new Option<int>("--slice-step") { Description = "Process every k-th slice.", DefaultValueFactory = _ => 1 };
        var level = new Option<double>("--window-level") { Description = "Window level in the file's units (default: μ 0.35/cm for μ·10⁴ volumes).", DefaultValueFactory = _ => 3500 };
        var width = new Option<double>("--window-width") { Description = "Window width in the file's units.", DefaultValueFactory = _ => 7000 };
        var link = new Option<float>("--link-iou") { Description = "2D IoU linking boxes on consecutive slices.", DefaultValueFactory = _ => 0.3f };
        var minRun = new Option<int>("--min-run") { Description = "Fewest processed slices a region must span (default: the model profile's volume_min_run divided by --slice-step, rounded up; else 2).", DefaultValueFactory = _ => 2 };
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
            VolumeOptions opts;
            try
            {
                opts = new VolumeOptions
                {
                    Axes = r.GetValue(axes) == "xyz" ? VolumeAxes.Xyz : VolumeAxes.Z,
                    SliceStep = r.GetValue(step),
                    WindowLevel = r.GetValue(level),
                    WindowWidth = r.GetValue(width),
                    LinkIou = r.GetValue(link),
                    MinRun = r.GetValue(minRun),
                    GapTolerance = r.GetValue(gap),
                    KeepSliceBoxes = r.GetValue(sliceBoxes),
                };
            }
            catch (ArgumentOutOfRangeException ex)
            {
                stderr.WriteLine($"xray: {UsageErrors.Describe(ex)}");
                return ExitCodes.UsageError;
            }

            int opened = det.TryOpen(r, stderr, out OnnxDetector? detector);
            if (detector is null)
            {
                return opened;
            }

            // The model's profile chose its minimum run together with its threshold, counted in slices at step 1: with
            // --slice-step k a region must span the same depth, ceil(run / k) processed slices. An explicit --min-run wins.
            if (r.GetResult(minRun) is null or OptionResult { Implicit: true } && detector.Model.Profile?.VolumeMinRun is { } profileRun)
            {
                opts = opts with { MinRun = Math.Max(1, (profileRun + opts.SliceStep - 1) / opts.SliceStep) };
            }

            string dir = r.GetValue(outDir)!.FullName;
            using (detector)
            {
                var batch = new VolumeBatch(new VolumePipeline(detector, opts), dir)
                {
                    MaxVoxels = r.GetValue(maxVoxels),
                    Pictures = !r.GetValue(noPictures),
                    OnResult = result => Print(result, stdout, stderr),
                };
                VolumeBatchReport report;
                try
                {
                    report = batch.Run(r.GetValue(inputs)!);
                }
                catch (Exception ex) when (ex is OutputLockedException or IOException or UnauthorizedAccessException)
                {
                    stderr.WriteLine($"xray: run failed: {Loading.Reasons.OneLine(ex.Message, ex.GetType().Name)}");
                    return ExitCodes.RunFailed;
                }

                if (report.VolumesWithGroundTruth > 0)
                {
                    int gt = report.GroundTruthRegions;
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"3D recall {report.Found}/{gt} = {(gt == 0 ? double.NaN : (double)report.Found / gt):0.000} at IoU ≥ {VolumeBatch.GroundTruthIou}; false positives per volume {(double)report.FalsePositives / report.VolumesWithGroundTruth:0.00} ({report.VolumesWithGroundTruth} volumes with ground truth){OnLookAlikes(report.FalsePositivesOnLookAlikes)}"));
                }

                if (report.SummaryError is { } summaryError)
                {
                    stderr.WriteLine($"xray: run failed: {summaryError}");
                    return ExitCodes.RunFailed;
                }

                stdout.WriteLine($"results: {Path.Combine(dir, "results")}, {Path.Combine(dir, "summary.csv")}; pictures: {Path.Combine(dir, "pictures")}");
                return report.NotOk > 0 ? ExitCodes.SomeInputsNotOk : ExitCodes.Ok;
            }
        });
        return cmd;
    }

    /// <summary>", of which K on look-alikes (chocolate 2, soap 1)", or nothing when no false positive lies on one.</summary>
    private static string OnLookAlikes(IReadOnlyDictionary<string, int> byMaterial) =>
        byMaterial.Count == 0 ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $", of which {byMaterial.Values.Sum()} on look-alikes ({string.Join(", ", byMaterial.Select(kv => $"{kv.Key} {kv.Value}"))})");

    private static void Print(VolumeResult result, TextWriter stdout, TextWriter stderr)
    {
        if (result.Status != ScanStatus.Ok)
        {
            stderr.WriteLine($"xray: {result.Status.ToString().ToLowerInvariant()}: {result.Input}: {result.Reason}");
            return;
        }

        foreach (string w in result.Warnings)
        {
            stderr.WriteLine($"xray: warning: {result.Input}: {w}");
        }

        string line = string.Create(CultureInfo.InvariantCulture,
            $"{result.Name}: {result.Regions.Count} regions, {result.SlicesProcessed} slices at {result.SlicesPerSecond:0.0} slices/s, outside Session.Run {result.NonInferenceShare:P1} ({result.NonInferenceShareWithPictures:P1} with pictures, {result.TimingsMs.Pictures:0} ms), peak RSS {result.PeakWorkingSetBytes / 1048576.0:0} MiB");
        if (result.Evaluation is { } ev)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"; ground truth {ev.Matched}/{ev.GroundTruth} found at 3D IoU >= {VolumeBatch.GroundTruthIou}, {ev.FalsePositives} false positives{OnLookAlikes(ev.FalsePositivesOnLookAlikes)}");
        }

        stdout.WriteLine(line);
    }
}
