using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Evaluation;

/// <summary><c>xray eval</c> output files: plots drawn (concurrently) by default, skipped with --no-plots, same report either way.</summary>
public sealed class EvalCliTests : TempDirTest
{
    [Test]
    public void NoPlotsSkipsOnlyThePlots()
    {
        string gt = Path.Combine(TestData.Fixtures, "coco-eval", "case-medium.gt.json");
        string dt = Path.Combine(TestData.Fixtures, "coco-eval", "case-medium.dt.json");
        string with = Path.Combine(Dir, "with"), without = Path.Combine(Dir, "without");
        (int code, string o, string e) = DetectCliTests.Run("eval", "--gt", gt, "--pred", dt, "--out", with);
        Assert.That(code, Is.Zero, o + e);
        (code, o, e) = DetectCliTests.Run("eval", "--gt", gt, "--pred", dt, "--out", without, "--no-plots");
        Assert.That(code, Is.Zero, o + e);
        Assert.That(Directory.GetFiles(with, "*.png").Select(Path.GetFileName), Is.EquivalentTo(new[] { "pr_curve.png", "pd_far_curve.png", "confusion_matrix.png" }));
        Assert.That(Directory.GetFiles(without, "*.png"), Is.Empty);
        Assert.That(o, Does.Not.Contain("plots:"));
        Assert.That(File.ReadAllText(Path.Combine(without, "report.json")), Is.EqualTo(File.ReadAllText(Path.Combine(with, "report.json"))));
    }
}
