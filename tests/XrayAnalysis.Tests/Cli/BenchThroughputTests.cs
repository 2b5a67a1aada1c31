using XrayAnalysis.Pipeline;

namespace XrayAnalysis.Tests.Cli;

/// <summary><c>xray bench --throughput</c>: a steady-state run whose numbers add up (not a timing assertion).</summary>
public sealed class BenchThroughputTests
{
    [Test]
    public void SteadyStateCountsEveryScanAndItsStages()
    {
        string pairs = Path.Combine(TestData.SampleImages, "mail", "raw");
        (int code, string o, string e) = DetectCliTests.Run("bench", "--model", TestData.BundledModel, "--scan", pairs, "--repeat", "1", "--throughput", "7");
        Assert.That(code, Is.Zero, o + e);
        Assert.That(o, Does.Contain("steady state: 7 scans (3 distinct)"));
        Assert.That(o, Does.Contain("inference").And.Contain("decode").And.Contain("cores busy").And.Contain("CPU by stage"));
    }

    [Test]
    public void TheLibraryResultIsConsistent()
    {
        using XrayDetector d = XrayDetector.Open(TestData.BundledModel);
        var scans = XrayAnalysis.Loading.ScanDiscovery.Discover([Path.Combine(TestData.SampleImages, "express", "raw")], out _);
        ThroughputResult t = PipelineBenchmark.Throughput(d, scans, 5);
        Assert.That((t.Scans, t.NotOk), Is.EqualTo((5, 0)));
        Assert.That(t.WallSeconds, Is.GreaterThan(0));
        Assert.That(t.CpuSeconds, Is.GreaterThan(0));
        Assert.That(t.StageSeconds.Keys, Is.SupersetOf(new[] { "decode", "render", "inference" }));
        Assert.That(t.ScansPerSecond, Is.EqualTo(t.Scans / t.WallSeconds).Within(1e-9));

        // Thread CPU per stage (Linux): decoding and rendering took some, they are part of the process CPU, and the rest
        // (inference above all) is what remains.
        Assert.That(t.DecodeCpuSeconds, Is.GreaterThan(0).And.LessThanOrEqualTo(t.CpuSeconds));
        Assert.That(t.RenderCpuSeconds, Is.GreaterThan(0).And.LessThanOrEqualTo(t.CpuSeconds));
        Assert.That(t.OtherCpuSeconds, Is.GreaterThan(0));
        Assert.That(t.DecodeCpuSeconds, Is.LessThanOrEqualTo(t.StageSeconds["decode"] * 1.05 + 0.01), "a thread's CPU time is at most its wall time");
        Assert.That(() => PipelineBenchmark.Throughput(d, [], 3), Throws.ArgumentException);
    }
}
