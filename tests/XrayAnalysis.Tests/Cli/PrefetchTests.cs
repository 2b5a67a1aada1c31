namespace XrayAnalysis.Tests.Cli;

/// <summary>Prefetch depth: any depth gives the same results in the same order; bad values are usage errors.</summary>
public sealed class PrefetchTests : TempDirTest
{
    [Test]
    public void DepthChangesNothingButSpeed()
    {
        string input = Path.Combine(TestData.SampleImages, "baggage", "raw");
        string express = Path.Combine(TestData.SampleImages, "express", "raw");
        string[] outs = ["1", "3", "16"];
        foreach (string d in outs)
        {
            (int code, string o, string e) = DetectCliTests.Run("detect", input, express, "--model", TestData.BundledModel, "--conf", "0.1", "--out", Path.Combine(Dir, d), "--prefetch", d);
            Assert.That(code, Is.Zero, o + e);
        }

        string Coco(string d) => File.ReadAllText(Path.Combine(Dir, d, "detections.coco.json"));
        Assert.That(Coco("3"), Is.EqualTo(Coco("1")));
        Assert.That(Coco("16"), Is.EqualTo(Coco("1")));
        Assert.That(File.ReadAllLines(Path.Combine(Dir, "16", "summary.csv")).Select(l => l.Split(',')[0]),
            Is.EqualTo(File.ReadAllLines(Path.Combine(Dir, "1", "summary.csv")).Select(l => l.Split(',')[0])), "same order");
    }

    [TestCase("0")]
    [TestCase("257")]
    public void OutOfRangeIsAUsageError(string depth)
    {
        (int code, _, string e) = DetectCliTests.Run("detect", Path.Combine(TestData.SampleImages, "mail", "raw"), "--model", TestData.BundledModel, "--out", Dir, "--prefetch", depth);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("--prefetch"));
        Assert.That(() => new XrayDetectorOptions { PrefetchDepth = int.Parse(depth, System.Globalization.CultureInfo.InvariantCulture) }, Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
