using OpenCvSharp;
using XrayAnalysis.Evaluation;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Synthesis;

/// <summary><c>xray synth --backgrounds</c>: a TIP dataset from clean scans of every kind, exact and deterministic.</summary>
public sealed class TipDatasetTests : TempDirTest
{
    private string Backgrounds()
    {
        string bg = Directory.CreateDirectory(Path.Combine(Dir, "bg")).FullName;
        File.Copy(Path.Combine(TestData.SampleImages, "baggage", "images", "baggage_00000.png"), Path.Combine(bg, "colour.png"));
        File.Copy(Path.Combine(TestData.SampleImages, "express", "raw", "express_00002_high.png"), Path.Combine(bg, "pair_high.png"));
        File.Copy(Path.Combine(TestData.SampleImages, "express", "raw", "express_00002_low.png"), Path.Combine(bg, "pair_low.png"));
        using (Mat c = Cv2.ImRead(Path.Combine(TestData.SampleImages, "mail", "images", "mail_00002.png")))
        using (var g = new Mat())
        {
            Cv2.CvtColor(c, g, ColorConversionCodes.BGR2GRAY);
            Cv2.ImWrite(Path.Combine(bg, "grey8.png"), g);
        }

        File.Copy(Path.Combine(TestData.SampleImages, "mail", "raw", "mail_00002_high.png"), Path.Combine(bg, "grey16.png"));
        File.WriteAllBytes(Path.Combine(bg, "broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        return bg;
    }

    private static (int Code, string Out, string Err) Tip(string bg, string outDir, params string[] more) =>
        DetectCliTests.Run(["synth", "--backgrounds", bg, "--out", outDir, "--per-background", "3", "--threats", "1-3", .. (more.Contains("--seed") ? more : ["--seed", "11", .. more])]);

    [Test]
    public void ThreatsGoIntoTheBagWithExactBoxesAndNegativesStayUntouched()
    {
        string bg = Backgrounds();
        string outDir = Path.Combine(Dir, "tip");
        (int code, string o, string e) = Tip(bg, outDir);
        Assert.That(code, Is.EqualTo(1), o + e); // the broken background is skipped and named
        Assert.That(e, Does.Contain("broken.png"));
        CocoDataset gt = CocoDataset.Load(Path.Combine(outDir, "annotations.coco.json"));
        Assert.That(gt.Images, Has.Count.EqualTo((4 * 3) + 4), "3 composites and one negative per readable background");
        Assert.That(gt.Annotations, Has.Count.GreaterThanOrEqualTo(12), "at least one threat placed per composite on average");
        Assert.That(gt.Annotations.Select(a => a.CategoryId).Distinct().Count(), Is.GreaterThan(1), "more than one threat class");
        Assert.That(gt.Annotations.Select(a => a.Concealment).Distinct(), Is.EqualTo(new[] { "projected" }), "TIP threats are tagged as projected");

        foreach (CocoImage img in gt.Images)
        {
            using Mat im = Cv2.ImRead(Path.Combine(outDir, "images", img.FileName), ImreadModes.Unchanged);
            Assert.That((im.Cols, im.Rows), Is.EqualTo((img.Width, img.Height)));
            var anns = gt.Annotations.Where(a => a.ImageId == img.Id).ToList();
            Assert.That(File.ReadAllLines(Path.Combine(outDir, "labels", Path.ChangeExtension(img.FileName, ".txt"))), Has.Length.EqualTo(anns.Count));
            string stem = Path.GetFileNameWithoutExtension(img.FileName);
            string source = stem[..stem.LastIndexOf('_')];
            if (stem.EndsWith("_clean", StringComparison.Ordinal))
            {
                Assert.That(anns, Is.Empty);
                continue;
            }

            // The clean background rendered the same way, to compare against.
            using Mat clean = Cv2.ImRead(Path.Combine(outDir, "images", source + "_clean.png"), ImreadModes.Unchanged);
            using var diff = new Mat();
            Cv2.Absdiff(im, clean, diff);
            foreach (CocoAnnotation a in anns)
            {
                var box = new Rect((int)a.Bbox[0], (int)a.Bbox[1], (int)a.Bbox[2], (int)a.Bbox[3]);
                Assert.That(box.X >= 0 && box.Y >= 0 && box.Right <= im.Cols && box.Bottom <= im.Rows, Is.True, $"{img.FileName}: box {box} inside the image");
                using var inBox = new Mat(diff, box);
                Assert.That(Cv2.Mean(inBox).Val0 + Cv2.Mean(inBox).Val1 + Cv2.Mean(inBox).Val2, Is.GreaterThan(1.0), $"{img.FileName}: the threat is really there");
                using var bgBox = new Mat(clean, box);
                Scalar bgMean = Cv2.Mean(bgBox);
                double full = clean.Depth() == MatType.CV_16U ? 65535 : 255;
                Assert.That(Math.Min(bgMean.Val0, clean.Channels() == 3 ? Math.Min(bgMean.Val1, bgMean.Val2) : bgMean.Val0), Is.LessThan(0.985 * full), $"{img.FileName}: placed over the bag's contents, not air");
            }

            if (clean.Channels() == 1)
            {
                // Transmissions only multiply: nothing gets brighter.
                using var brighter = new Mat();
                Cv2.Compare(im, clean, brighter, CmpTypes.GT);
                Assert.That(Cv2.CountNonZero(brighter), Is.Zero, img.FileName);
            }
        }

        Assert.That(File.Exists(Path.Combine(outDir, "raw", "pair_tip00_high.png")) && File.Exists(Path.Combine(outDir, "raw", "pair_tip00_low.png")), "pairs keep their 16-bit energies");
    }

    [Test]
    public void TheSameSeedGivesTheSameBytes()
    {
        string bg = Backgrounds();
        Tip(bg, Path.Combine(Dir, "a"));
        Tip(bg, Path.Combine(Dir, "b"));
        foreach (string f in Directory.GetFiles(Path.Combine(Dir, "a"), "*", SearchOption.AllDirectories))
        {
            string other = Path.Combine(Dir, "b", Path.GetRelativePath(Path.Combine(Dir, "a"), f));
            Assert.That(File.ReadAllBytes(other), Is.EqualTo(File.ReadAllBytes(f)), f);
        }

        (int code, _, string e) = Tip(bg, Path.Combine(Dir, "c"), "--seed", "12");
        Assert.That(code, Is.EqualTo(1), e);
        Assert.That(File.ReadAllBytes(Path.Combine(Dir, "c", "annotations.coco.json")), Is.Not.EqualTo(File.ReadAllBytes(Path.Combine(Dir, "a", "annotations.coco.json"))));
    }

    [Test]
    public void TheScannersPaletteRendersPairsAndTheThreatsProjectedIntoPseudoColour()
    {
        string bg = Backgrounds();
        string std = Path.Combine(Dir, "std"), cyan = Path.Combine(Dir, "cyan");
        Tip(bg, std);
        (int code, string o, string e) = Tip(bg, cyan, "--palette", "cyan");
        Assert.That(code, Is.EqualTo(1), o + e); // the broken background, as ever
        CocoDataset a = CocoDataset.Load(Path.Combine(std, "annotations.coco.json"));
        CocoDataset b = CocoDataset.Load(Path.Combine(cyan, "annotations.coco.json"));
        Assert.That(b.Annotations.Select(x => (x.ImageId, x.CategoryId, string.Join(",", x.Bbox))), Is.EqualTo(a.Annotations.Select(x => (x.ImageId, x.CategoryId, string.Join(",", x.Bbox)))), "the palette moves no threat");

        // Pairs: the render in images/ is the composite pair through the scanner's palette, not the standard one.
        using (Mat high = Cv2.ImRead(Path.Combine(cyan, "raw", "pair_tip00_high.png"), ImreadModes.Unchanged))
        using (Mat low = Cv2.ImRead(Path.Combine(cyan, "raw", "pair_tip00_low.png"), ImreadModes.Unchanged))
        using (Mat expected = XrayAnalysis.Synthesis.ScannerLook.Render(high, low, XrayAnalysis.Synthesis.ScanPalette.Cyan))
        using (Mat shown = Cv2.ImRead(Path.Combine(cyan, "images", "pair_tip00.png"), ImreadModes.Unchanged))
        using (Mat standard = Cv2.ImRead(Path.Combine(std, "images", "pair_tip00.png"), ImreadModes.Unchanged))
        {
            Assert.That(Cv2.Norm(shown, expected, NormTypes.INF), Is.Zero);
            Assert.That(Cv2.Norm(shown, standard, NormTypes.INF), Is.GreaterThan(20), "the standard render differs");
        }

        // 8-bit pseudo-colour: only the threats' pixels depend on the palette they were drawn in.
        CocoImage composite = b.Images.First(i => i.FileName == "colour_tip00.png");
        using Mat c = Cv2.ImRead(Path.Combine(cyan, "images", composite.FileName), ImreadModes.Unchanged);
        using Mat s = Cv2.ImRead(Path.Combine(std, "images", composite.FileName), ImreadModes.Unchanged);
        using var differs = new Mat();
        using var grey = new Mat();
        Cv2.Absdiff(c, s, differs);
        Cv2.CvtColor(differs, grey, ColorConversionCodes.BGR2GRAY);
        using var inBoxes = new Mat(grey.Size(), MatType.CV_8U, Scalar.All(0));
        foreach (CocoAnnotation x in b.Annotations.Where(x => x.ImageId == composite.Id))
        {
            inBoxes.Rectangle(new Rect((int)x.Bbox[0], (int)x.Bbox[1], (int)x.Bbox[2], (int)x.Bbox[3]), Scalar.All(255), -1);
        }

        Assert.That(Cv2.CountNonZero(grey), Is.GreaterThan(100), "the threats themselves are drawn in the scanner's palette");
        grey.SetTo(Scalar.All(0), inBoxes);
        Cv2.MinMaxLoc(grey, out _, out double outside);
        Assert.That(outside, Is.LessThanOrEqualTo(4), "outside the threats' boxes only their faint edges (below the visible level) change, by a few grey levels");
    }

    [Test]
    public void WithJpegQualityEveryEightBitImageIsCompressedTheSameWaySoArtefactsGiveNoThreatAway()
    {
        string bg = Backgrounds();
        string outDir = Path.Combine(Dir, "jpeg");
        (int code, string o, string e) = Tip(bg, outDir, "--jpeg-quality", "60");
        Assert.That(code, Is.EqualTo(1), o + e); // the broken background, as ever
        CocoDataset gt = CocoDataset.Load(Path.Combine(outDir, "annotations.coco.json"));
        foreach (CocoImage img in gt.Images)
        {
            string stem = Path.GetFileNameWithoutExtension(img.FileName);
            bool sixteenBit = stem.StartsWith("grey16", StringComparison.Ordinal);
            Assert.That(Path.GetExtension(img.FileName), Is.EqualTo(sixteenBit ? ".png" : ".jpg"), "8-bit images as JPEG, 16-bit ones lossless: " + img.FileName);
            Assert.That(File.Exists(Path.Combine(outDir, "images", img.FileName)), img.FileName);
        }

        // A negative is its background through one JPEG round trip at the quality asked, exactly as a composite is.
        using Mat colour = Cv2.ImRead(Path.Combine(bg, "colour.png"), ImreadModes.Unchanged);
        Cv2.ImEncode(".jpg", colour, out byte[] expected, new ImageEncodingParam(ImwriteFlags.JpegQuality, 60));
        Assert.That(File.ReadAllBytes(Path.Combine(outDir, "images", "colour_clean.jpg")), Is.EqualTo(expected));
        (int evalCode, string eo, string ee) = DetectCliTests.Run("eval", "--model", TestData.BundledModel, "--data", outDir, "--out", Path.Combine(Dir, "eval"), "--no-plots");
        Assert.That(evalCode, Is.Zero, eo + ee);
    }

    [Test]
    public void TheDatasetEvaluatesLikeASynthSet()
    {
        string outDir = Path.Combine(Dir, "tip");
        Tip(Backgrounds(), outDir);
        (int code, string o, string e) = DetectCliTests.Run("eval", "--model", TestData.BundledModel, "--data", outDir, "--out", Path.Combine(Dir, "eval"));
        Assert.That(code, Is.Zero, o + e);
        Assert.That(o, Does.Contain("mAP@0.5"));
    }

    [TestCase("--threats", "3-1")]
    [TestCase("--per-background", "0")]
    [TestCase("--mm-per-pixel", "0")]
    public void BadSettingsAreUsageErrors(string option, string value)
    {
        (int code, _, string e) = Tip(Backgrounds(), Path.Combine(Dir, "x"), option, value);
        Assert.That(code, Is.EqualTo(2), e);
    }

    [TestCase("1.5")]
    [TestCase("-0.1")]
    [TestCase("NaN")]
    public void A_concealed_share_outside_zero_to_one_is_a_usage_error(string share)
    {
        (int code, _, string e) = DetectCliTests.Run("synth", "--kind", "baggage", "--count", "1", "--concealed-share", share, "--out", Path.Combine(Dir, "x"));
        Assert.That(code, Is.EqualTo(2), e);
        Assert.That(e, Does.Contain("--concealed-share in [0, 1]"));
        Assert.That(Directory.Exists(Path.Combine(Dir, "x")), Is.False, "nothing is written");
    }

    [TestCase("teddy", "unknown hiding place 'teddy'")]
    [TestCase("electronics,,shoe-sole,bottle", "unknown hiding place 'bottle'")]
    [TestCase(",", "at least one hiding place")]
    public void An_unknown_hiding_place_is_a_usage_error(string list, string message)
    {
        (int code, _, string e) = DetectCliTests.Run("synth", "--kind", "baggage", "--count", "1", "--concealments", list, "--out", Path.Combine(Dir, "x"));
        Assert.That(code, Is.EqualTo(2), e);
        Assert.That(e, Does.Contain(message));
        Assert.That(Directory.Exists(Path.Combine(Dir, "x")), Is.False, "nothing is written");
    }

    [Test]
    public void WithoutBackgroundsKindIsRequired()
    {
        (int code, _, string e) = DetectCliTests.Run("synth", "--out", Path.Combine(Dir, "x"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("--kind"));
    }
}
