using System.Text.Json;

namespace XrayAnalysis.Tests.Cli;

public sealed class EvalCliTests : TempDirTest
{
    private static string Fixture(string file) => Path.Combine(TestData.Fixtures, "coco-eval", file);

    [Test]
    public void The_report_holds_the_twelve_coco_numbers_and_the_screening_block()
    {
        (int code, string o, string e) = DetectCliTests.Run("eval", "--gt", Fixture("case-small.gt.json"), "--pred", Fixture("case-small.dt.json"), "--out", Dir);
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain("mAP@0.5:0.95 0.0726"));
        using JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "report.json")));
        JsonElement coco = r.RootElement.GetProperty("coco");
        Assert.That(coco.GetProperty("AP").GetDouble(), Is.EqualTo(0.07255536814798197).Within(1e-12));
        Assert.That(coco.GetProperty("ARl").GetDouble(), Is.EqualTo(0.3559523809523809).Within(1e-12));
        Assert.That(coco.GetProperty("per_category_AP").GetProperty("never_in_gt").GetDouble(), Is.EqualTo(-1));
        JsonElement s = r.RootElement.GetProperty("screening");
        Assert.That(s.GetProperty("threshold").GetDouble(), Is.EqualTo(0.5));
        Assert.That(s.GetProperty("scan_pd_ci").GetArrayLength(), Is.EqualTo(2));
        Assert.That(s.TryGetProperty("scan_far", out _), Is.True);
        Assert.That(File.ReadAllText(Path.Combine(Dir, "report.md")), Does.Contain("| AP50 | 0.1869 |"));
        foreach (string plot in new[] { "pr_curve.png", "pd_far_curve.png", "confusion_matrix.png" })
        {
            byte[] png = File.ReadAllBytes(Path.Combine(Dir, plot));
            Assert.That(png.AsSpan(1, 3).ToArray(), Is.EqualTo("PNG"u8.ToArray()), plot);
            Assert.That(png, Has.Length.GreaterThan(10_000), plot);
        }
    }

    [Test]
    public void Model_mode_runs_detection_over_several_datasets_and_breaks_screening_down_by_route()
    {
        (int code, string o, string e) = DetectCliTests.Run("eval", "--model", TestData.FixtureModel("v8"),
            "--data", Path.Combine(TestData.SampleImages, "mail"), Path.Combine(TestData.SampleImages, "express"), "--out", Dir);
        Assert.That(code, Is.EqualTo(0), e);
        using JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "report.json")));
        Assert.That(r.RootElement.GetProperty("images").GetInt32(), Is.EqualTo(6));
        JsonElement routes = r.RootElement.GetProperty("screening").GetProperty("per_route");
        Assert.That(routes.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "express", "mail" }));
        Assert.That(o, Does.Contain("mAP@0.5:0.95"));
    }

    [Test]
    public void A_missed_gate_exits_1_and_names_the_metric()
    {
        (int code, _, string e) = DetectCliTests.Run("eval", "--gt", Fixture("case-small.gt.json"), "--pred", Fixture("case-small.dt.json"), "--out", Dir, "--fail-below", "map50=0.9,far=1");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(e, Does.Contain("gate failed: map50 = 0.1869 below the gate 0.9"));
        Assert.That(e, Does.Not.Contain("far ="));
    }

    [Test]
    public void A_passed_gate_exits_0_and_a_malformed_gate_is_a_usage_error()
    {
        Assert.That(DetectCliTests.Run("eval", "--gt", Fixture("case-good.gt.json"), "--pred", Fixture("case-good.dt.json"), "--out", Dir, "--fail-below", "map50=0.1").Code, Is.EqualTo(0));
        Assert.That(DetectCliTests.Run("eval", "--gt", Fixture("case-good.gt.json"), "--pred", Fixture("case-good.dt.json"), "--out", Dir, "--fail-below", "recall=0.1").Code, Is.EqualTo(2));
    }
}
