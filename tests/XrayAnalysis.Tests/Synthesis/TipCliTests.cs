using System.Text.Json;
using OpenCvSharp;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Synthesis;

/// <summary><c>xray tip</c> on 8-bit grey scans, a threat outside the scan, and the class in the ground truth.</summary>
[TestFixture]
public sealed class TipCliTests : TempDirTest
{
    private (string Scan, string Threat) Grey8(int threatValue = 128)
    {
        using var scan = new Mat(60, 80, MatType.CV_8UC1, Scalar.All(200));
        using var threat = new Mat(10, 20, MatType.CV_8UC1, Scalar.All(255));
        // Air around a 12x6 object of transmission 128/255 in the threat image.
        threat[new Rect(4, 2, 12, 6)].SetTo(Scalar.All(threatValue));
        return (TestData.Write(Dir, "bag.png", TestData.Encode(".png", scan)), TestData.Write(Dir, "brick.png", TestData.Encode(".png", threat)));
    }

    [Test]
    public void An_8_bit_grey_scan_takes_a_grey_threat_by_multiplying_transmissions_and_the_ground_truth_names_its_class()
    {
        (string scan, string threat) = Grey8();
        string output = Path.Combine(Dir, "tip.png");
        (int code, string stdout, string stderr) = DetectCliTests.Run("tip", "--threat", threat, "--into", scan, "--at", "30,20", "--out", output, "--class", "powder");
        Assert.That(code, Is.Zero, stdout + stderr);

        using Mat m = Cv2.ImRead(output, ImreadModes.Unchanged);
        Assert.That(m.Type(), Is.EqualTo(MatType.CV_8UC1), "stays 8-bit grey");
        Assert.That(m.At<byte>(24, 40), Is.EqualTo(100).Within(1), "200 × 128/255 inside the object");
        Assert.That(m.At<byte>(21, 31), Is.EqualTo(200), "air in the threat image leaves the scan as it was");
        Assert.That(m.At<byte>(5, 5), Is.EqualTo(200));

        using JsonDocument gt = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "tip.json")));
        Assert.That(gt.RootElement.GetProperty("class").GetString(), Is.EqualTo("powder"));
        Assert.That(gt.RootElement.GetProperty("bbox").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 34, 22, 12, 6 }), "the object's visible extent");
        Assert.That(stdout, Does.Contain("powder box x=34 y=22 w=12 h=6"));
    }

    [TestCase("70,20")]
    [TestCase("-1,0")]
    [TestCase("30,55")]
    public void A_threat_not_wholly_inside_the_scan_is_refused(string at)
    {
        (string scan, string threat) = Grey8();
        string output = Path.Combine(Dir, "tip.png");
        (int code, _, string stderr) = DetectCliTests.Run("tip", "--threat", threat, "--into", scan, "--at", at, "--out", output);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("does not lie inside the 80x60 scan").And.Contain("x 0..60, y 0..50"));
        Assert.That(File.Exists(output), Is.False, "nothing written");
        Assert.That(File.Exists(Path.Combine(Dir, "tip.json")), Is.False);
    }

    [Test]
    public void Kinds_that_do_not_match_are_refused_with_both_named()
    {
        (string scan, _) = Grey8();
        using var colour = new Mat(10, 20, MatType.CV_8UC3, Scalar.All(255));
        string threat = TestData.Write(Dir, "colour.png", TestData.Encode(".png", colour));
        (int code, _, string stderr) = DetectCliTests.Run("tip", "--threat", threat, "--into", scan, "--at", "0,0", "--out", Path.Combine(Dir, "tip.png"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("8-bit, 1 channel").And.Contain("8-bit, 3 channels"));
    }
}
