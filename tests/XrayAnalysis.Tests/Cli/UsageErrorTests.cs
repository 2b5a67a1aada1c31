using System.Text.Json;
using OpenCvSharp;

namespace XrayAnalysis.Tests.Cli;

/// <summary>Bad options and awkward inputs give one line naming the option or file, the usage exit code, and never a stack trace.</summary>
public sealed class UsageErrorTests : TempDirTest
{
    private static (int Code, string Out, string Err) Run(params string[] args) => DetectCliTests.Run(args);

    private static void AssertOneLine(string err, string expected)
    {
        string[] lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Has.Length.EqualTo(1), err);
        Assert.That(lines[0], Does.Contain(expected));
        Assert.That(err, Does.Not.Contain(" at XrayAnalysis").And.Not.Contain("Actual value was").And.Not.Contain("(Parameter '"));
    }

    [TestCase("volume", "--conf", "2", "--conf must be in [0, 1] (got 2)")]
    [TestCase("volume", "--iou", "-1", "--iou must be in [0, 1] (got -1)")]
    [TestCase("volume", "--slice-step", "0", "--slice-step must be at least 1 (got 0)")]
    [TestCase("volume", "--link-iou", "1.5", "--link-iou must be in (0, 1] (got 1.5)")]
    [TestCase("volume", "--window-width", "0", "--window-width must be a positive number (got 0)")]
    [TestCase("detect", "--overlap", "3", "--overlap must be in [0, 1) (got 3)")]
    [TestCase("detect", "--merge-grow-ratio", "1.5", "--merge-grow-ratio must be in [0, 1] (got 1.5)")]
    [TestCase("detect", "--conf", "1.01", "--conf must be in [0, 1] (got 1.01)")]
    [TestCase("detect", "--scale", "0", "--scale must be in (0, 1] (got 0)")]
    public void An_out_of_range_option_is_one_line_naming_the_option(string command, string option, string value, string expected)
    {
        string input = command == "volume" ? Path.Combine(TestData.SampleImages, "ct", "volumes") : Path.Combine(TestData.SampleImages, "mail");
        (int code, _, string err) = Run(command, input, "--model", TestData.BundledModel, option, value, "--out", Path.Combine(Dir, "o"));
        Assert.That(code, Is.EqualTo(2), err);
        AssertOneLine(err, expected);
    }

    [Test]
    public void Bench_checks_its_tiling_options_before_opening_the_model()
    {
        (int code, _, string err) = Run("bench", "--model", TestData.BundledModel, "--scale", "0");
        Assert.That(code, Is.EqualTo(2));
        AssertOneLine(err, "--scale must be in (0, 1] (got 0)");
    }

    private (string High, string Low) Pair(string stem, int w, int h, ushort hi, ushort lo)
    {
        string high = Path.Combine(Dir, stem + "_high.png"), low = Path.Combine(Dir, stem + "_low.png");
        using var a = new Mat(h, w, MatType.CV_16UC1, new Scalar(hi));
        using var b = new Mat(h, w, MatType.CV_16UC1, new Scalar(lo));
        Cv2.ImWrite(high, a);
        Cv2.ImWrite(low, b);
        return (high, low);
    }

    [Test]
    public void Tip_on_a_pair_projects_both_energies_and_writes_ground_truth_json_with_awkward_names()
    {
        (string threatHigh, _) = Pair("thr\"eat", 20, 10, 30000, 20000);
        (string scanHigh, _) = Pair("bag", 100, 80, 60000, 50000);
        string outHigh = Path.Combine(Dir, "out_high.png");
        (int code, string stdout, string err) = Run("tip", "--threat", threatHigh, "--into", scanHigh, "--at", "30,40", "--out", outHigh);
        Assert.That(code, Is.Zero, err);
        Assert.That(stdout, Does.Contain("out_low.png"));
        using (Mat high = Cv2.ImRead(outHigh, ImreadModes.Unchanged), low = Cv2.ImRead(Path.Combine(Dir, "out_low.png"), ImreadModes.Unchanged))
        {
            // Transmissions multiply: 60000/65535 * 30000/65535 and 50000/65535 * 20000/65535, in counts.
            Assert.That(high.At<ushort>(45, 35), Is.EqualTo(60000.0 * 30000 / 65535).Within(2));
            Assert.That(low.At<ushort>(45, 35), Is.EqualTo(50000.0 * 20000 / 65535).Within(2));
            Assert.That(high.At<ushort>(5, 5), Is.EqualTo(60000));
        }

        using JsonDocument gt = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "out_high.json")));
        Assert.That(gt.RootElement.GetProperty("bbox").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 30, 40, 20, 10 }));
        Assert.That(gt.RootElement.GetProperty("threat").GetString(), Is.EqualTo("thr\"eat_high.png"));
    }

    [Test]
    public void Tip_on_a_pair_into_an_output_without_high_suffix_is_a_usage_error_not_a_stack_trace()
    {
        (string threatHigh, _) = Pair("t", 20, 10, 30000, 20000);
        (string scanHigh, _) = Pair("s", 100, 80, 60000, 50000);
        (int code, _, string err) = Run("tip", "--threat", threatHigh, "--into", scanHigh, "--at", "1,1", "--out", Path.Combine(Dir, "composite.png"));
        Assert.That(code, Is.EqualTo(2));
        AssertOneLine(err, "composite.png: a dual-energy projection needs an output named NAME_high.EXT");
        Assert.That(File.Exists(Path.Combine(Dir, "composite.png")), Is.False, "nothing is written before the pair is known to fit");
    }
}
