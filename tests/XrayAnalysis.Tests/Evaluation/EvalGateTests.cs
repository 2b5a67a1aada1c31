using XrayAnalysis.Evaluation;

namespace XrayAnalysis.Tests.Evaluation;

public sealed class EvalGateTests : TempDirTest
{
    private CocoDataset Gt(string json)
    {
        string path = Path.Combine(Dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return CocoDataset.Load(path);
    }

    [Test]
    public void Gates_parse_from_the_cli_form_and_the_last_value_of_a_metric_wins()
    {
        IReadOnlyList<EvalGate> g = EvalGate.ParseList(" map50=0.8, far=0.05,pd=0.9,pd=0.95 ");
        Assert.That(g, Is.EquivalentTo(new[] { new EvalGate(EvalMetric.Map50, 0.8), new EvalGate(EvalMetric.Far, 0.05), new EvalGate(EvalMetric.Pd, 0.95) }));
        Assert.That(EvalGate.ParseList(null), Is.Empty);
    }

    [TestCase("map50")]
    [TestCase("recall=0.5")]
    [TestCase("pd=high")]
    [TestCase("pd=NaN")]
    [TestCase("pd=0.5=0.6")]
    public void A_malformed_gate_is_refused_with_its_text(string text) =>
        Assert.That(() => EvalGate.ParseList(text), Throws.InstanceOf<FormatException>().With.Message.Contains(text));

    [Test]
    public void Far_fails_above_its_limit_the_others_below_and_an_undefined_metric_never_passes()
    {
        CocoDataset gt = Gt("""
            {"images": [{"id": 1, "file_name": "a.png", "width": 100, "height": 100}, {"id": 2, "file_name": "b.png", "width": 100, "height": 100}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0}],
             "categories": [{"id": 1, "name": "brick"}]}
            """);
        // The threat is found at 0.9; the clean scan alarms at 0.6.
        var dets = new List<CocoDetection> { new(1, 1, [10, 10, 20, 20], 0.9f), new(2, 1, [50, 50, 10, 10], 0.6f) };
        EvaluationOutcome at05 = DetectionEvaluation.Evaluate(new EvaluationSet(gt, dets, new HashSet<long>(), []),
            new EvaluationSettings { Threshold = 0.5, Gates = EvalGate.ParseList("pd=1,far=0.4,map50=0.9") });
        Assert.That(at05.Screening.Scans.Far.Value, Is.EqualTo(1.0));
        Assert.That(at05.FailedGates, Has.Count.EqualTo(1).And.Some.StartsWith("far = 1.0000 above the gate 0.4"));
        Assert.That(at05.ThresholdSource, Is.EqualTo(ThresholdSource.Option));

        EvaluationOutcome chosen = DetectionEvaluation.Evaluate(new EvaluationSet(gt, dets, new HashSet<long>(), []),
            new EvaluationSettings { TargetFar = 0, ProfileThreshold = 0.3, Gates = EvalGate.ParseList("far=0") });
        Assert.That(chosen.ThresholdSource, Is.EqualTo(ThresholdSource.Target));
        Assert.That(chosen.Threshold, Is.GreaterThan(0.6).And.LessThanOrEqualTo(0.9));
        Assert.That(chosen.FailedGates, Is.Empty);

        // No threat scans: Pd is undefined, so a Pd gate cannot be met.
        CocoDataset clean = Gt("""
            {"images": [{"id": 2, "file_name": "b.png", "width": 100, "height": 100}], "annotations": [], "categories": [{"id": 1, "name": "brick"}]}
            """);
        EvaluationOutcome none = DetectionEvaluation.Evaluate(new EvaluationSet(clean, [], new HashSet<long>(), []),
            new EvaluationSettings { ProfileThreshold = 0.3, Gates = EvalGate.ParseList("pd=0.5") });
        Assert.That(none.ThresholdSource, Is.EqualTo(ThresholdSource.ModelProfile));
        Assert.That(none.FailedGates, Has.Count.EqualTo(1));
    }
}
