using System.Text.Json;
using XrayAnalysis.Evaluation;

namespace XrayAnalysis.Tests.Evaluation;

public sealed class CocoEvaluatorTests
{
    public static IEnumerable<string> Cases() =>
        Directory.GetFiles(Path.Combine(TestData.Fixtures, "coco-eval"), "*.expected.json")
            .Select(p => Path.GetFileName(p)[..^".expected.json".Length]).Order();

    [TestCaseSource(nameof(Cases))]
    public void Every_number_matches_pycocotools_to_1e_12(string name)
    {
        string dir = Path.Combine(TestData.Fixtures, "coco-eval");
        CocoEvalResult r = CocoEvaluator.Evaluate(CocoDataset.Load(Path.Combine(dir, name + ".gt.json")), CocoDataset.LoadResults(Path.Combine(dir, name + ".dt.json")));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, name + ".expected.json")));
        JsonElement stats = expected.RootElement.GetProperty("pycocotools_stats");
        for (int i = 0; i < CocoEvalResult.StatNames.Length; i++)
        {
            Assert.That(r.Stats[i], Is.EqualTo(stats.GetProperty(CocoEvalResult.StatNames[i]).GetDouble()).Within(1e-12), CocoEvalResult.StatNames[i]);
        }

        foreach (JsonProperty p in expected.RootElement.GetProperty("per_category_AP").EnumerateObject())
        {
            Assert.That(r.PerCategoryAp[long.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture)], Is.EqualTo(p.Value.GetDouble()).Within(1e-12), "category " + p.Name);
        }
    }

    [Test]
    public void A_perfect_detector_scores_one_and_an_annotation_with_id_0_is_warned_about_and_still_matched()
    {
        var gt = new CocoDataset
        {
            Images = [new CocoImage(1, "a.png", 100, 100, null)],
            Annotations = [new CocoAnnotation(0, 1, 1, [10, 10, 50, 50], 2500, false)],
            Categories = [new CocoCategory(1, "brick")],
        };
        CocoEvalResult r = CocoEvaluator.Evaluate(gt, [new CocoDetection(1, 1, [10, 10, 50, 50], 0.9)]);
        Assert.That(r.Stats[0], Is.EqualTo(1.0).Within(1e-12));
        Assert.That(r.Warnings, Has.Some.Contains("id 0"));
    }

    [Test]
    public void The_ninth_iou_threshold_is_built_like_numpy()
    {
        Assert.That(CocoEvaluator.IouThresholds[8], Is.EqualTo(0.8999999999999999));
        Assert.That(CocoEvaluator.RecallThresholds[57], Is.EqualTo(0.5700000000000001));
    }
}
