using System.CommandLine;
using System.Globalization;
using XrayAnalysis.Cli.Review;
using XrayAnalysis.Outputs;
using XrayAnalysis.Viewing;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray review OUTDIR</c>: a static review page (thumbnail grid, filters, zoomable scans with the overlay) of a batch's results.</summary>
internal static class ReviewCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("outdir") { Description = "Output folder of xray detect or xray batch (every results/*.json below it is reviewed, so a folder of several runs, e.g. one per route, gives one page)." };
        var outDir = new Option<DirectoryInfo?>("--out", "-o") { Description = "Where to write index.html and scans/ (default: OUTDIR/review)." };
        var gt = new Option<FileInfo[]>("--ground-truth", "-g")
        {
            Description = "COCO ground-truth files (repeatable): alarms are marked TP/FP and missed objects FN, joined on the scan name.",
            AllowMultipleArgumentsPerToken = true,
        };
        var functions = new Option<string[]>("--function", "-f")
        {
            Description = $"Render the scans with these image functions: {ViewSettings.Syntax}. None: the standard pseudo-colour view.",
            AllowMultipleArgumentsPerToken = true,
        };
        var floor = new Option<double>("--display-floor") { Description = "Boxes scored below this are not drawn (they stay listed).", DefaultValueFactory = _ => 0.25 };
        var iou = new Option<double>("--iou") { Description = "IoU at which an alarm matches a ground-truth box of its class.", DefaultValueFactory = _ => 0.5 };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Scans rendered at once (default: the core count).", DefaultValueFactory = _ => Environment.ProcessorCount };
        dir.AcceptExistingOnly();
        var cmd = new Command("review", "Write a static review page of a batch: thumbnails with verdicts, filters and sorting, each scan zoomable (tile pyramid) with its overlay toggled on and off, detections with scores, TP/FP/FN against ground truth. Opens from file://, makes no network requests.");
        cmd.Add(dir);
        cmd.Add(outDir);
        cmd.Add(gt);
        cmd.Add(functions);
        cmd.Add(floor);
        cmd.Add(iou);
        cmd.Add(jobs);
        cmd.SetAction((r, ct) =>
        {
            TextWriter err = r.InvocationConfiguration.Error, output = r.InvocationConfiguration.Output;
            string root = r.GetValue(dir)!.FullName;
            ReviewOptions options;
            try
            {
                double f = r.GetValue(floor), m = r.GetValue(iou);
                if (f is < 0 or > 1 || m is <= 0 or > 1)
                {
                    throw new ArgumentException($"--display-floor must be in [0, 1] and --iou in (0, 1] (got {f.ToString(CultureInfo.InvariantCulture)} and {m.ToString(CultureInfo.InvariantCulture)})");
                }

                options = new ReviewOptions
                {
                    OutDir = r.GetValue(outDir)?.FullName ?? Path.Combine(root, "review"),
                    GroundTruth = (r.GetValue(gt) ?? []).Select(x => x.FullName).ToList(),
                    View = ViewSettings.Parse(r.GetValue(functions) ?? []),
                    DisplayFloor = f,
                    MatchIou = m,
                    Jobs = Math.Clamp(r.GetValue(jobs), 1, 256),
                };
                foreach (string g in options.GroundTruth.Where(g => !File.Exists(g)))
                {
                    throw new ArgumentException($"{g}: no such ground-truth file");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                err.WriteLine($"xray: {ex.Message}");
                return Task.FromResult(ExitCodes.UsageError);
            }

            if (ReviewBuilder.FindResults(root, options.OutDir).Count == 0)
            {
                err.WriteLine($"xray: {root}: no results/*.json below this folder (review reads the output of xray detect or xray batch)");
                return Task.FromResult(ExitCodes.UsageError);
            }

            ReviewSummary s;
            try
            {
                s = ReviewBuilder.Build(root, options, output, ct);
            }
            catch (FormatException ex)
            {
                err.WriteLine($"xray: ground truth: {ex.Message}");
                return Task.FromResult(ExitCodes.UsageError);
            }
            catch (OutputLockedException ex)
            {
                err.WriteLine($"xray: {ex.Message}");
                return Task.FromResult(ExitCodes.RunFailed);
            }
            catch (OperationCanceledException)
            {
                err.WriteLine("xray: review interrupted; the previous page (if any) is unchanged");
                return Task.FromResult(ExitCodes.RunFailed);
            }
            catch (IOException ex)
            {
                err.WriteLine($"xray: cannot write the review to {options.OutDir}: {ex.Message}");
                return Task.FromResult(ExitCodes.RunFailed);
            }

            foreach (string w in s.Warnings)
            {
                err.WriteLine($"xray review: {w}");
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"xray review: {s.Scans} scans ({s.Rendered} rendered, {s.Reused} reused, {s.WithoutImage} without an image) in {s.Elapsed.TotalSeconds:F1} s -> {s.IndexPath}"));
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }
}
