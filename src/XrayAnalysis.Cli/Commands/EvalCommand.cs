using System.CommandLine;
using System.Globalization;
using XrayAnalysis.Evaluation;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Pipeline;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray eval --gt GT --pred PRED --out DIR</c> or <c>xray eval --model M --data DIR --out DIR</c>.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        Option<FileInfo> gtOpt = new Option<FileInfo>("--gt") { Description = "COCO ground-truth JSON." };
        var predOpt = new Option<FileInfo>("--pred") { Description = "COCO results JSON (e.g. detections.coco.json from xray detect; joined on file_name and matched on category_name when present)." };
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
        foreach (Option o in new Option[] { gtOpt, predOpt, model, data, outDir, threshold, targetPd, targetFar, conf, iou, gates })
        {
            cmd.Add(o);
        }

        cmd.SetAction(r =>
        {
            TextWriter stdout = r.InvocationConfiguration.Output, stderr = r.InvocationConfiguration.Error;
            IReadOnlyDictionary<string, double> gateValues;
            try
            {
                gateValues = ParseGates(r.GetValue(gates));
            }
            catch (FormatException ex)
            {
                stderr.WriteLine($"xray: --fail-below: {ex.Message}");
                return ExitCodes.UsageError;
            }

            CocoDataset gt;
            IReadOnlyList<CocoDetection> dets;
            var notOk = new HashSet<long>();
            var warnings = new List<string>();
            float? profileThreshold = null;
            try
            {
                if (r.GetValue(model) is { } m && r.GetValue(data) is { Length: > 0 } d)
                {
                    string[] dirs = d.Select(x => x.FullName).ToArray();
                    gt = CocoDataset.Concat(dirs.Select(x => CocoDataset.Load(Path.Combine(x, "annotations.coco.json"))).ToList(),
                        dirs.Select(x => Path.Combine(x, "images") + Path.DirectorySeparatorChar).ToArray());
                    int code = RunModel(m.FullName, gt, r.GetValue(conf), r.GetValue(iou), notOk, stderr, out dets, out profileThreshold);
                    if (code != ExitCodes.Ok)
                    {
                        return code;
                    }
                }
                else if (r.GetValue(gtOpt) is { } g && r.GetValue(predOpt) is { } p)
                {
                    gt = CocoDataset.Load(g.FullName);
                    dets = CocoCategories.Reconcile(gt, JoinOnFileName(gt, CocoDataset.LoadResults(p.FullName), warnings));
                    if (r.GetValue(model) is { } pm)
                    {
                        int code = ProfileThreshold(pm.FullName, stderr, out profileThreshold);
                        if (code != ExitCodes.Ok)
                        {
                            return code;
                        }
                    }
                }
                else
                {
                    stderr.WriteLine("xray: give --gt and --pred, or --model and --data");
                    return ExitCodes.UsageError;
                }
            }
            catch (FormatException ex)
            {
                stderr.WriteLine($"xray: {ex.Message}");
                return ExitCodes.UsageError;
            }

            CocoEvalResult coco = CocoEvaluator.Evaluate(gt, dets);
            warnings.AddRange(coco.Warnings);
            (double thr, string thrSource) = r.GetValue(targetPd) is not null || r.GetValue(targetFar) is not null
                ? (ScreeningEvaluator.ChooseThreshold(gt, dets, r.GetValue(targetPd), r.GetValue(targetFar), notOk), "chosen for the target")
                : r.GetValue(threshold) is { } given ? (given, "option")
                : profileThreshold is { } pt ? (pt, "model profile's operating threshold")
                : (0.5, "default; no model profile");
            ScreeningResult s = ScreeningEvaluator.Evaluate(gt, dets, thr, notOk);
            string dir = r.GetValue(outDir)!.FullName;
            EvalReport.Write(dir, gt, coco, s, warnings, thrSource);
            EvalPlots.WriteAll(dir, gt, coco, s, dets, notOk);
            foreach (string w in warnings)
            {
                stderr.WriteLine($"xray: warning: {w}");
            }

            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"xray eval: mAP@0.5:0.95 {coco.Stats[0]:0.0000}, mAP@0.5 {coco.Stats[1]:0.0000}; at threshold {thr:0.###} ({thrSource}): scan Pd {s.Scans.Pd.Value:0.0000} [{s.Scans.Pd.Low:0.000}, {s.Scans.Pd.High:0.000}], FAR {s.Scans.Far.Value:0.0000} [{s.Scans.Far.Low:0.000}, {s.Scans.Far.High:0.000}]"));
            stdout.WriteLine($"  report: {Path.Combine(dir, "report.md")}, {Path.Combine(dir, "report.json")}; plots: pr_curve.png, pd_far_curve.png, confusion_matrix.png");
            var failed = new List<string>();
            foreach ((string name, double limit) in gateValues)
            {
                double v = name switch
                {
                    "map" => coco.Stats[0],
                    "map50" => coco.Stats[1],
                    "pd" => s.Scans.Pd.Value,
                    _ => s.Scans.Far.Value,
                };
                bool ok = name == "far" ? v <= limit : v >= limit;
                if (!ok)
                {
                    failed.Add(string.Create(CultureInfo.InvariantCulture, $"{name} = {v:0.0000} {(name == "far" ? "above" : "below")} the gate {limit}"));
                }
            }

            foreach (string f in failed)
            {
                stderr.WriteLine($"xray: gate failed: {f}");
            }

            return failed.Count > 0 ? ExitCodes.SomeInputsNotOk : ExitCodes.Ok;
        });
        return cmd;
    }

    internal static IReadOnlyDictionary<string, double> ParseGates(string? text)
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return d;
        }

        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = part.Split('=');
            if (kv.Length != 2 || kv[0] is not ("map" or "map50" or "pd" or "far") ||
                !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                throw new FormatException($"'{part}' is not NAME=VALUE with NAME one of map, map50, pd, far");
            }

            d[kv[0]] = v;
        }

        return d;
    }

    private static List<CocoDetection> JoinOnFileName(CocoDataset gt, IReadOnlyList<CocoDetection> dets, List<string> warnings)
    {
        if (dets.All(x => x.FileName is null))
        {
            return dets.ToList();
        }

        var byName = gt.Images.GroupBy(i => i.FileName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        var names = gt.Categories.ToDictionary(c => c.Name, c => c.Id, StringComparer.Ordinal);
        var list = new List<CocoDetection>(dets.Count);
        int unmatched = 0;
        foreach (CocoDetection d in dets)
        {
            if (d.FileName is { } fn && byName.TryGetValue(fn, out long id))
            {
                list.Add(d with { ImageId = id });
            }
            else
            {
                unmatched++;
            }
        }

        if (unmatched > 0)
        {
            warnings.Add($"{unmatched} detections name files not in the ground truth and are ignored");
        }

        return list;
    }

    private static int ProfileThreshold(string modelPath, TextWriter stderr, out float? threshold)
    {
        threshold = null;
        int code = DetectorCliOptions.OpenModel(modelPath, new DetectorOptions(), stderr, out OnnxDetector? detector);
        using (detector)
        {
            threshold = detector?.Settings.OperatingThreshold;
        }

        return code;
    }

    /// <summary>Runs the model over the dataset's images (file names are full paths after <see cref="CocoDataset.Concat"/>); categories matched by name.</summary>
    private static int RunModel(string modelPath, CocoDataset gt, float conf, float? iou, HashSet<long> notOk, TextWriter stderr,
        out IReadOnlyList<CocoDetection> dets, out float? operatingThreshold)
    {
        dets = [];
        operatingThreshold = null;
#pragma warning disable CA2000 // disposed by the using block below once the null check has passed
        int code = DetectorCliOptions.OpenModel(modelPath, new DetectorOptions { Confidence = conf, Iou = iou },
            stderr, out OnnxDetector? detector);
#pragma warning restore CA2000
        if (detector is null)
        {
            return code;
        }

        using (detector)
        {
            operatingThreshold = detector.Settings.OperatingThreshold;
            var inputs = gt.Images.Select(i => ScanInput.Single(i.FileName)).ToList();
            var list = new List<CocoDetection>();
            int idx = 0;
            foreach (ScanOutcome o in new DetectionPipeline(detector).Process(inputs, keepRendered: false))
            {
                using (o)
                {
                    long imageId = gt.Images[idx++].Id;
                    if (o.Result.Status != ScanStatus.Ok)
                    {
                        notOk.Add(imageId);
                        stderr.WriteLine($"xray: {o.Result.Status.ToString().ToLowerInvariant()}: {o.Result.Input.Path}: {o.Result.Reason}");
                        continue;
                    }

                    foreach (DetectionRecord d in o.Result.Detections)
                    {
                        list.Add(new CocoDetection(imageId, CocoCategories.IdOf(d.ClassId), [d.X1, d.Y1, d.X2 - d.X1, d.Y2 - d.Y1], d.Score) { CategoryName = d.ClassName });
                    }
                }
            }

            try
            {
                dets = CocoCategories.Reconcile(gt, list);
            }
            catch (FormatException ex)
            {
                stderr.WriteLine($"xray: model {detector.Model.Name}: {ex.Message}");
                return ExitCodes.UsageError;
            }
        }

        return ExitCodes.Ok;
    }
}
