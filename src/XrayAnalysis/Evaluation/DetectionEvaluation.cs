using System.Globalization;
using XrayAnalysis.Loading;
using XrayAnalysis.Pipeline;

namespace XrayAnalysis.Evaluation;

/// <summary>
/// The evaluation entry point (<c>xray eval</c>): build a set of ground truth + detections (from a COCO results file, or
/// by running a detector over data sets), evaluate it (pycocotools-identical COCO mAP, screening Pd/FAR with Wilson
/// intervals at a threshold chosen from the options, a target or the model's profile), check gates, write the report.
/// </summary>
public static class DetectionEvaluation
{
    /// <summary>
    /// Ground truth and a COCO results file. Detections that carry a <c>file_name</c> are joined to the ground truth on it
    /// (else on its stem; those naming files not in the ground truth are dropped, with a warning); categories are matched
    /// by name when given. Either side may instead be DICOS Threat Detection Reports (a folder of them, or one file):
    /// another vendor's machine TDRs as predictions, operator TDRs as ground truth (<see cref="TdrEvaluation"/>).
    /// </summary>
    /// <exception cref="FormatException">A file is not valid COCO, or categories cannot be matched.</exception>
    public static EvaluationSet FromFiles(string groundTruthPath, string resultsPath)
    {
        var warnings = new List<string>();
        CocoDataset gt = TdrEvaluation.IsTdrPath(groundTruthPath) ? TdrEvaluation.GroundTruth(groundTruthPath, warnings) : CocoDataset.Load(groundTruthPath);
        var notOk = new HashSet<long>();
        IReadOnlyList<CocoDetection> joined = TdrEvaluation.IsTdrPath(resultsPath)
            ? TdrEvaluation.Predictions(gt, resultsPath, warnings, notOk)
            : JoinOnFileName(gt, CocoDataset.LoadResults(resultsPath), warnings);
        return new EvaluationSet(gt, CocoCategories.Reconcile(gt, joined), notOk, warnings);
    }

    /// <summary>
    /// Runs <paramref name="detector"/> over the images of data sets made like <c>xray synth</c>'s (<c>images/</c> and
    /// <c>annotations.coco.json</c>; several are evaluated as one set). A scan that cannot be read is recorded as not ok
    /// (screening counts it as an alarm: nothing damaged is ever cleared) and reported through <paramref name="onNotOk"/>.
    /// </summary>
    /// <exception cref="FormatException">An annotation file is not valid COCO, or the model's classes do not match its categories.</exception>
    public static EvaluationSet RunDetector(XrayDetector detector, IReadOnlyList<string> dataFolders, Action<ScanResult>? onNotOk = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(dataFolders);
        CocoDataset gt = CocoDataset.Concat(dataFolders.Select(x => CocoDataset.Load(Path.Combine(x, "annotations.coco.json"))).ToList(),
            dataFolders.Select(x => Path.Combine(x, "images") + Path.DirectorySeparatorChar).ToArray());
        var notOk = new HashSet<long>();
        var list = new List<CocoDetection>();
        detector.Exclusive(pipeline =>
        {
            int idx = 0;
            foreach (ScanOutcome o in pipeline.Process(gt.Images.Select(i => ScanInput.Single(i.FileName)).ToList(), keepRendered: false))
            {
                using (o)
                {
                    long imageId = gt.Images[idx++].Id;
                    if (o.Result.Status != ScanStatus.Ok)
                    {
                        notOk.Add(imageId);
                        onNotOk?.Invoke(o.Result);
                        continue;
                    }

                    if (o.Result.UnableToClear)
                    {
                        // A shield region: the scan cannot be cleared, so screening counts it as an alarm like a damaged one.
                        notOk.Add(imageId);
                    }

                    foreach (DetectionRecord d in o.Result.Detections)
                    {
                        list.Add(new CocoDetection(imageId, CocoCategories.IdOf(d.ClassId), [d.X1, d.Y1, d.X2 - d.X1, d.Y2 - d.Y1], d.Score) { CategoryName = d.ClassName });
                    }
                }
            }

            return idx;
        });

        List<CocoDetection> dets;
        try
        {
            dets = CocoCategories.Reconcile(gt, list);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"model {detector.Model.Name}: {ex.Message}", ex);
        }

        return new EvaluationSet(gt, dets, notOk, []);
    }

    /// <summary>Evaluates a set: COCO metrics, the screening threshold and rates at it, and the gates.</summary>
    public static EvaluationOutcome Evaluate(EvaluationSet set, EvaluationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(settings);
        CocoEvalResult coco = CocoEvaluator.Evaluate(set.GroundTruth, set.Detections);
        (double threshold, ThresholdSource source) =
            settings.TargetPd is not null || settings.TargetFar is not null
                ? (ScreeningEvaluator.ChooseThreshold(set.GroundTruth, set.Detections, settings.TargetPd, settings.TargetFar, set.NotOk), ThresholdSource.Target)
            : settings.Threshold is { } given ? (given, ThresholdSource.Option)
            : settings.RouteThreshold is { } rt ? (rt, ThresholdSource.Route)
            : settings.ProfileThreshold is { } pt ? (pt, ThresholdSource.ModelProfile)
            : (0.5, ThresholdSource.Default);
        ScreeningResult s = ScreeningEvaluator.Evaluate(set.GroundTruth, set.Detections, threshold, set.NotOk);
        var failed = settings.Gates.Where(g => !g.Passes(coco, s)).Select(g => g.Describe(coco, s)).ToList();
        return new EvaluationOutcome(coco, s, threshold, source, [.. set.Warnings, .. coco.Warnings], failed);
    }

    /// <summary>Writes report.json, report.md and the plots (PR curve, Pd/FAR curve, confusion matrix) into <paramref name="folder"/>.</summary>
    public static void Write(string folder, EvaluationSet set, EvaluationOutcome outcome) => Write(folder, set, outcome, plots: true);

    /// <summary>Writes report.json and report.md and, when <paramref name="plots"/>, the three plots (drawn concurrently with the report).</summary>
    public static void Write(string folder, EvaluationSet set, EvaluationOutcome outcome, bool plots)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(outcome);
        if (!plots)
        {
            EvalReport.Write(folder, set.GroundTruth, outcome.Coco, outcome.Screening, outcome.Warnings, outcome.ThresholdSource.Describe());
            return;
        }

        Parallel.Invoke(
            () => EvalReport.Write(folder, set.GroundTruth, outcome.Coco, outcome.Screening, outcome.Warnings, outcome.ThresholdSource.Describe()),
            () => EvalPlots.WriteAll(folder, set.GroundTruth, outcome.Coco, outcome.Screening, set.Detections, set.NotOk));
    }

    /// <summary>One line with the headline numbers.</summary>
    public static string Summary(EvaluationOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ScanRates r = outcome.Screening.Scans;
        return string.Create(CultureInfo.InvariantCulture,
            $"mAP@0.5:0.95 {outcome.Coco.Stats[0]:0.0000}, mAP@0.5 {outcome.Coco.Stats[1]:0.0000}; at threshold {outcome.Threshold:0.####} ({outcome.ThresholdSource.Describe()}): scan Pd {r.Pd.Value:0.0000} [{r.Pd.Low:0.000}, {r.Pd.High:0.000}], FAR {r.Far.Value:0.0000} [{r.Far.Low:0.000}, {r.Far.High:0.000}]");
    }

    private static List<CocoDetection> JoinOnFileName(CocoDataset gt, IReadOnlyList<CocoDetection> dets, List<string> warnings)
    {
        if (dets.All(x => x.FileName is null))
        {
            return dets.ToList();
        }

        var byName = gt.Images.GroupBy(i => i.FileName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        // Ground truth named by stem (e.g. made from TDRs) against results named with extensions, or the other way round:
        // a stem shared by exactly one image joins too.
        var byStem = gt.Images.GroupBy(i => Path.GetFileNameWithoutExtension(i.FileName), StringComparer.Ordinal).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        var list = new List<CocoDetection>(dets.Count);
        int unmatched = 0;
        foreach (CocoDetection d in dets)
        {
            if (d.FileName is { } fn && (byName.TryGetValue(fn, out long id) || byStem.TryGetValue(Path.GetFileNameWithoutExtension(fn), out id)
                || byStem.TryGetValue(PairStem(Path.GetFileNameWithoutExtension(fn)), out id)))
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

    /// <summary>NAME for NAME_high / NAME_low (results files written before pairs were named NAME.ext).</summary>
    private static string PairStem(string stem) =>
        stem.EndsWith("_high", StringComparison.OrdinalIgnoreCase) ? stem[..^5] : stem.EndsWith("_low", StringComparison.OrdinalIgnoreCase) ? stem[..^4] : stem;
}
