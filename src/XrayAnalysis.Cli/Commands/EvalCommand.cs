using System.CommandLine;
using XrayAnalysis.Evaluation;
using XrayAnalysis.Inference;
using XrayAnalysis.Routes;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray eval --gt GT --pred PRED --out DIR</c> or <c>xray eval --model M --data DIR --out DIR</c>.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        Option<FileSystemInfo> gtOpt = new Option<FileSystemInfo>("--gt") { Description = "COCO ground-truth JSON, or DICOS Threat Detection Reports (a folder of them, or one file; e.g. an operator's)." };
        var predOpt = new Option<FileSystemInfo>("--pred") { Description = "COCO results JSON (e.g. detections.coco.json from xray detect; joined on file_name and matched on category_name when present), or DICOS Threat Detection Reports from any vendor's algorithm (a folder, e.g. xray detect --tdr's tdr/, or one file; joined on the file stem)." };
        var model = new Option<FileInfo>("--model", "-m") { Description = "Run this model over --data first, then evaluate; with --gt/--pred, only its profile is used (operating threshold)." };
        var data = new Option<DirectoryInfo[]>("--data") { Description = "Dataset folder(s): images/ and annotations.coco.json (as made by xray synth); several are evaluated as one set.", AllowMultipleArgumentsPerToken = true };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder for report.json and report.md.", Required = true };
        var threshold = new Option<double?>("--threshold") { Description = "Operating threshold for screening metrics (default: the model profile's operating threshold, else 0.5)." };
        var targetPd = new Option<double?>("--target-pd") { Description = "Choose the highest threshold reaching this scan-level Pd." };
        var targetFar = new Option<double?>("--target-far") { Description = "Choose the lowest threshold keeping scan-level FAR at or below this." };
        var conf = new Option<float>("--conf") { Description = "Detector confidence floor with --model (low, as for mAP).", DefaultValueFactory = _ => 0.001f };
        var iou = new Option<float?>("--iou") { Description = "Detector NMS IoU threshold with --model (default: the profile's recommended IoU, else 0.7)." };
        var gates = new Option<string?>("--fail-below") { Description = "Gates, e.g. map50=0.8,map=0.5,pd=0.95,far=0.05 (far fails above). Exit 1 when one is missed." };
        gtOpt.AcceptExistingOnly();
        predOpt.AcceptExistingOnly();
        model.AcceptExistingOnly();
        data.AcceptExistingOnly();
        var cmd = new Command("eval", "Evaluate detections: COCO mAP identical to pycocotools, screening Pd/FAR with Wilson 95% intervals, CI gates.");
        Option<string?> tta = DetectorCliOptions.NewTta();
        var noPlots = new Option<bool>("--no-plots") { Description = "Skip the PNG plots (PR curve, Pd/FAR curve, confusion matrix); report.json and report.md are still written." };
        var route = new Option<string?>("--route") { Description = "Run --model over --data as this screening route does (xray detect --route): its model when --model is left out, NMS IoU, tiling, window and shield; its alarm threshold is the screening threshold unless --threshold or a target is given." };
        var routes = new Option<FileInfo?>("--routes") { Description = $"Route file (default: {RouteFiles.DefaultPath} in the current folder, else beside xray). Schema: docs/ROUTES.md." };
        foreach (Option o in new Option[] { gtOpt, predOpt, model, data, outDir, threshold, targetPd, targetFar, conf, iou, tta, gates, noPlots, route, routes })
        {
            cmd.Add(o);
        }

        cmd.SetAction(r =>
        {
            TextWriter stdout = r.InvocationConfiguration.Output, stderr = r.InvocationConfiguration.Error;
            IReadOnlyList<EvalGate> gateList;
            try
            {
                gateList = EvalGate.ParseList(r.GetValue(gates));
            }
            catch (FormatException ex)
            {
                stderr.WriteLine($"xray: --fail-below: {ex.Message}");
                return ExitCodes.UsageError;
            }

            RouteProfile? profile = null;
            if (r.GetValue(route) is string routeName)
            {
                try
                {
                    profile = RouteFiles.Load(r.GetValue(routes)?.FullName).Get(routeName);
                }
                catch (Exception ex) when (ex is FormatException or ArgumentException or FileNotFoundException)
                {
                    stderr.WriteLine($"xray: {UsageErrors.Describe(ex)}");
                    return ExitCodes.UsageError;
                }
            }

            string? modelPath = r.GetValue(model)?.FullName ?? profile?.Model;
            bool run = modelPath is not null && r.GetValue(data) is { Length: > 0 };
            if (!run && (r.GetValue(gtOpt) is null || r.GetValue(predOpt) is null))
            {
                stderr.WriteLine(profile is null ? "xray: give --gt and --pred, or --model and --data" : "xray: give --data (the route names the model), or --gt and --pred");
                return ExitCodes.UsageError;
            }

            // The model, when given, is opened once: to run it over --data, or only for its profile's operating threshold.
            // Under a route it runs as xray detect --route runs it (tiling, window, shield), with the low confidence floor
            // that mAP needs.
            XrayDetector? detector = null;
            if (modelPath is not null)
            {
                DetectorOptions options = run ? new DetectorOptions
                {
                    Confidence = r.GetValue(conf),
                    Iou = r.GetValue(iou) ?? profile?.Iou,
                    TestTimeFlip = DetectorCliOptions.TtaValue(r, tta),
                    Fills = profile?.Fills ?? [1.0],
                } : new DetectorOptions();
                int code = DetectorCliOptions.OpenModel(modelPath, options, stderr, out OnnxDetector? engine);
                if (engine is null)
                {
                    return code;
                }

                detector = XrayDetector.Over(engine, profile?.Apply(new XrayDetectorOptions()) ?? new XrayDetectorOptions());
            }

            using (detector)
            {
                EvaluationSet set;
                try
                {
                    set = run
                        ? DetectionEvaluation.RunDetector(detector!, r.GetValue(data)!.Select(x => x.FullName).ToList(),
                            res => stderr.WriteLine($"xray: {res.Status.ToString().ToLowerInvariant()}: {res.Input.Path}: {res.Reason}"))
                        : DetectionEvaluation.FromFiles(r.GetValue(gtOpt)!.FullName, r.GetValue(predOpt)!.FullName);
                }
                catch (FormatException ex)
                {
                    stderr.WriteLine($"xray: {ex.Message}");
                    return ExitCodes.UsageError;
                }

                var settings = new EvaluationSettings
                {
                    Threshold = r.GetValue(threshold),
                    TargetPd = r.GetValue(targetPd),
                    TargetFar = r.GetValue(targetFar),
                    RouteThreshold = profile?.AlarmThreshold,
                    ProfileThreshold = detector?.Settings.OperatingThreshold,
                    Gates = gateList,
                };
                EvaluationOutcome outcome = DetectionEvaluation.Evaluate(set, settings);
                string dir = r.GetValue(outDir)!.FullName;
                DetectionEvaluation.Write(dir, set, outcome, plots: !r.GetValue(noPlots));
                foreach (string w in outcome.Warnings)
                {
                    stderr.WriteLine($"xray: warning: {w}");
                }

                stdout.WriteLine($"xray eval: {DetectionEvaluation.Summary(outcome)}");
                if (outcome.Screening.PerConcealment.Count > 0)
                {
                    var worst = EvalReport.ConcealmentsWorstFirst(outcome.Screening).Select(kv => $"{kv.Key} {kv.Value.Iou10.Count}/{kv.Value.Iou10.N}").ToList();
                    stdout.WriteLine($"  objects found by concealment, worst first: {string.Join(", ", worst.Take(4))}{(worst.Count > 4 ? $" (+{worst.Count - 4} more in report.md)" : "")}");
                }

                stdout.WriteLine($"  report: {Path.Combine(dir, "report.md")}, {Path.Combine(dir, "report.json")}{(r.GetValue(noPlots) ? "" : "; plots: pr_curve.png, pd_far_curve.png, confusion_matrix.png")}");
                foreach (string f in outcome.FailedGates)
                {
                    stderr.WriteLine($"xray: gate failed: {f}");
                }

                return outcome.FailedGates.Count > 0 ? ExitCodes.SomeInputsNotOk : ExitCodes.Ok;
            }
        });
        return cmd;
    }
}
