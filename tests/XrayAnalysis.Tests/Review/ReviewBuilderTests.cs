using System.Text.Json;
using XrayAnalysis.Cli.Review;
using XrayAnalysis.Outputs;
using XrayAnalysis.Tests.Cli;
using XrayAnalysis.Viewing;

namespace XrayAnalysis.Tests.Review;

/// <summary>The review page's data without a browser: TP/FP/FN matching, discovery, reuse, bad inputs, pyramid shape.</summary>
public sealed class ReviewBuilderTests : TempDirTest
{
    private static ScanResult Result(params DetectionRecord[] dets) => new()
    {
        Name = "s",
        Input = new InputInfo("s.png", null, null, null),
        Width = 100,
        Height = 100,
        Model = new ModelSummary("m", "0", "UltralyticsV8", 64, 64),
        Parameters = new DetectParameters(0.25f, 0.45f, 300, null, false, "letterbox", null, OperatingThreshold: 0.6f),
        Detections = dets,
        TimingsMs = new StageTimings(),
        Status = ScanStatus.Ok,
    };

    private static DetectionRecord Det(string cls, float score, float x1, float y1, float x2, float y2) => new(cls == "a" ? 0 : 1, cls, score, x1, y1, x2, y2);

    [Test]
    public void AlarmsAreMatchedOncePerObjectByClassAndIoU()
    {
        ScanResult r = Result(
            Det("a", 0.9f, 10, 10, 30, 30),   // TP
            Det("a", 0.8f, 11, 11, 31, 31),   // duplicate of the same object: FP
            Det("b", 0.7f, 50, 50, 70, 70),   // right place, wrong class: FP
            Det("a", 0.65f, 80, 80, 90, 90),  // nothing there: FP
            Det("a", 0.5f, 50, 50, 70, 70),   // suggestion on the object: not judged
            Det("a", 0.1f, 0, 0, 5, 5));      // below the floor
        List<TruthBox> truth = [new("a", 10, 10, 30, 30), new("a", 50, 50, 70, 70)];
        (List<ReviewDetection> dets, List<ReviewTruth>? marks) = ReviewBuilder.Match(r, 0.6, new ReviewOptions { OutDir = Dir }, truth);
        Assert.That(dets.Select(d => d.Tier), Is.EqualTo(new[] { "alarm", "alarm", "alarm", "alarm", "suggestion", "below" }));
        Assert.That(dets.Select(d => d.Mark), Is.EqualTo(new[] { "tp", "fp", "fp", "fp", null, null }));
        Assert.That(marks!.Select(m => m.Mark), Is.EqualTo(new[] { "tp", "fn" }));
    }

    [Test]
    public void WithoutGroundTruthNothingIsMarked()
    {
        (List<ReviewDetection> dets, List<ReviewTruth>? marks) = ReviewBuilder.Match(Result(Det("a", 0.9f, 0, 0, 9, 9)), 0.6, new ReviewOptions { OutDir = Dir }, null);
        Assert.That(marks, Is.Null);
        Assert.That(dets.Single().Mark, Is.Null);
    }

    [TestCase(256, 256, 1)]
    [TestCase(257, 10, 2)]
    [TestCase(20000, 1536, 8)]
    [TestCase(1, 1, 1)]
    public void PyramidHasLevelsUntilOneTile(int w, int h, int levels)
    {
        Assert.That(TilePyramid.LevelCount(w, h, 256), Is.EqualTo(levels));
        var info = new PyramidInfo(w, h, 256, levels, "jpg");
        Assert.That(info.TileGrid(levels - 1), Is.EqualTo((1, 1)));
    }

    [Test]
    public void PyramidTilesCoverEachLevelExactly()
    {
        using var m = new OpenCvSharp.Mat(300, 700, OpenCvSharp.MatType.CV_8UC3, new OpenCvSharp.Scalar(10, 200, 30));
        PyramidInfo info = TilePyramid.Write(m, Path.Combine(Dir, "t"), 128);
        Assert.That(info.Levels, Is.EqualTo(4));
        Assert.That(Directory.GetFiles(Path.Combine(Dir, "t"), "*.jpg", SearchOption.AllDirectories), Has.Length.EqualTo(info.TileCount));
        using OpenCvSharp.Mat edge = OpenCvSharp.Cv2.ImRead(Path.Combine(Dir, "t", "0", "5_2.jpg"));
        Assert.That((edge.Cols, edge.Rows), Is.EqualTo((700 - 640, 300 - 256)), "edge tiles are cut to the image");
    }

    [Test]
    public void ReviewCliWritesThePageReusesUnchangedScansAndRemovesStaleOnes()
    {
        string outDir = Path.Combine(Dir, "run");
        (int code, _, string err) = DetectCliTests.Run("detect", Path.Combine(TestData.SampleImages, "mail", "raw"), "--model", TestData.BundledModel, "--out", outDir);
        Assert.That(code, Is.Zero, err);
        (code, string o1, err) = DetectCliTests.Run("review", outDir);
        Assert.That(code, Is.Zero, err);
        Assert.That(o1, Does.Contain("3 scans (3 rendered, 0 reused, 0 without an image)"));
        string html = File.ReadAllText(Path.Combine(outDir, "review", "index.html"));
        // The SVG namespace is a name, not a request; nothing else may point off the page.
        string rest = html.Replace("'http://www.w3.org/2000/svg'", "", StringComparison.Ordinal);
        Assert.That(rest, Does.Contain("Content-Security-Policy").And.Not.Contain("http://").And.Not.Contain("https://").And.Not.Contain("//cdn"), "no reference leaves the page");

        (code, string o2, err) = DetectCliTests.Run("review", outDir);
        Assert.That(code, Is.Zero, err);
        Assert.That(o2, Does.Contain("3 scans (0 rendered, 3 reused, 0 without an image)"));

        File.Delete(Path.Combine(outDir, "results", "mail_00002.json"));
        (code, string o3, _) = DetectCliTests.Run("review", outDir, "-f", "grey");
        Assert.That(o3, Does.Contain("2 scans (2 rendered, 0 reused"), "another view re-renders");
        Assert.That(Directory.GetDirectories(Path.Combine(outDir, "review", "scans")).Select(Path.GetFileName), Has.None.StartsWith("mail_00002"), "a scan no longer in the results is removed");
        Assert.That(Directory.GetDirectories(Path.Combine(outDir, "review", "scans")).Concat(Directory.GetFiles(Path.Combine(outDir, "review", "scans"))).Select(Path.GetFileName), Has.None.StartsWith("."), "no temporary folder is left");
    }

    [Test]
    public void ACtVolumesResultBesideTheScansIsNamedAndLeftOffThePageNotCalledUnreadable()
    {
        string root = Path.Combine(Dir, "demo");
        (int code, _, string err) = DetectCliTests.Run("detect", Path.Combine(TestData.SampleImages, "mail", "raw"), "--model", TestData.BundledModel, "--out", Path.Combine(root, "mail"));
        Assert.That(code, Is.Zero, err);
        (code, _, err) = DetectCliTests.Run("volume", Path.Combine(TestData.SampleImages, "ct", "volumes", "ct_00000.mhd"), "--model", TestData.CtModel,
            "--slice-step", "8", "--no-pictures", "--out", Path.Combine(root, "ct-volume"));
        Assert.That(code, Is.Zero, err);
        (code, string o, string e) = DetectCliTests.Run("review", root);
        Assert.That(code, Is.Zero, e);
        Assert.That(o, Does.Contain("3 scans (3 rendered"));
        Assert.That(e, Does.Contain(Path.Combine("ct-volume", "results", "ct_00000.json") + ": a CT volume's result, not shown").And.Not.Contain("unreadable"));
        Assert.That(e, Does.Contain("its regions are in the JSON"), "run with --no-pictures: no pictures folder to point at");
        Assert.That(ReviewBuilder.IsVolumeResult("{\"input\": {}}"u8.ToArray()), Is.False);
        Assert.That(ReviewBuilder.IsVolumeResult("not json"u8.ToArray()), Is.False);
    }

    [Test]
    public void ReviewReadsXrayBatchOutput()
    {
        string outDir = Path.Combine(Dir, "batch");
        (int code, string o, string e) = DetectCliTests.Run("batch", "run", Path.Combine(TestData.SampleImages, "mail", "raw"), "--model", TestData.BundledModel, "--out", outDir);
        Assert.That(code, Is.Zero, o + e);
        Assert.That(Directory.GetFiles(Path.Combine(outDir, "results"), "*.json", SearchOption.AllDirectories), Has.Length.EqualTo(3), "results/gN/ab/SHA.json");
        (code, o, e) = DetectCliTests.Run("review", outDir);
        Assert.That(code, Is.Zero, e);
        Assert.That(o, Does.Contain("3 scans (3 rendered"));
        using JsonDocument page = PageData(Path.Combine(outDir, "review", "index.html"));
        Assert.That(page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()), Is.EquivalentTo(new[] { "mail_00000", "mail_00001", "mail_00002" }));
    }

    [Test]
    public void MissingSourcesAndBadResultsAreShownNotFatal()
    {
        string results = Directory.CreateDirectory(Path.Combine(Dir, "run", "results")).FullName;
        File.WriteAllBytes(Path.Combine(results, "gone.json"), ResultJson.Serialize(Result(Det("a", 0.9f, 1, 1, 9, 9)) with { Name = "gone", Input = new InputInfo("/no/such/scan.png", null, null, null) }));
        File.WriteAllText(Path.Combine(results, "torn.json"), "{\"schema_version\": 3, \"name\": ");
        (int code, string o, string err) = DetectCliTests.Run("review", Path.Combine(Dir, "run"));
        Assert.That(code, Is.Zero, err);
        Assert.That(o, Does.Contain("2 scans (0 rendered, 0 reused, 2 without an image)"));
        Assert.That(err, Does.Contain("gone: source scan /no/such/scan.png not found").And.Contain("torn.json: unreadable result"));
        using JsonDocument page = PageData(Path.Combine(Dir, "run", "review", "index.html"));
        var verdicts = page.RootElement.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!, i => i.GetProperty("verdict").GetString());
        Assert.That(verdicts, Is.EquivalentTo(new Dictionary<string, string?> { ["gone"] = "alarm", ["torn"] = "not ok" }));
    }

    [Test]
    public void ASecondBuildOfTheSameFolderIsRefusedWhileOneRuns()
    {
        string results = Directory.CreateDirectory(Path.Combine(Dir, "run", "results")).FullName;
        File.WriteAllBytes(Path.Combine(results, "a.json"), ResultJson.Serialize(Result()));
        string review = Directory.CreateDirectory(Path.Combine(Dir, "run", "review")).FullName;
        using (OutputLock.Acquire(review))
        {
            (int code, _, string err) = DetectCliTests.Run("review", Path.Combine(Dir, "run"));
            Assert.That(code, Is.EqualTo(4));
            Assert.That(err, Does.Contain(review));
        }

        Assert.That(DetectCliTests.Run("review", Path.Combine(Dir, "run")).Code, Is.Zero, "free again once the first is done");
    }

    [Test]
    public void BadArgumentsAreUsageErrors()
    {
        Directory.CreateDirectory(Path.Combine(Dir, "empty"));
        (int code, _, string err) = DetectCliTests.Run("review", Path.Combine(Dir, "empty"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("no results/*.json"));

        string results = Directory.CreateDirectory(Path.Combine(Dir, "run", "results")).FullName;
        File.WriteAllBytes(Path.Combine(results, "a.json"), ResultJson.Serialize(Result()));
        string badGt = TestData.Write(Dir, "gt.json", "[1, 2"u8.ToArray());
        (code, _, err) = DetectCliTests.Run("review", Path.Combine(Dir, "run"), "-g", badGt);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("gt.json"));
        (code, _, err) = DetectCliTests.Run("review", Path.Combine(Dir, "run"), "--display-floor", "2");
        Assert.That(code, Is.EqualTo(2), err);
    }

    [Test]
    public void AResultWithAbsurdlyManyDetectionsIsCappedOnThePage()
    {
        string results = Directory.CreateDirectory(Path.Combine(Dir, "run", "results")).FullName;
        var many = Enumerable.Range(0, 5000).Select(i => Det("a", i / 5000f, i % 90, i % 90, (i % 90) + 5, (i % 90) + 5)).ToArray();
        File.WriteAllBytes(Path.Combine(results, "x.json"), ResultJson.Serialize(Result(many)));
        (int code, _, string err) = DetectCliTests.Run("review", Path.Combine(Dir, "run"));
        Assert.That(code, Is.Zero, err);
        using JsonDocument page = PageData(Path.Combine(Dir, "run", "review", "index.html"));
        JsonElement item = page.RootElement.GetProperty("items")[0];
        Assert.That(item.GetProperty("detections").GetArrayLength(), Is.EqualTo(ReviewBuilder.MaxDetectionsShown));
        Assert.That(item.GetProperty("detections_not_shown").GetInt32(), Is.EqualTo(5000 - ReviewBuilder.MaxDetectionsShown));
        Assert.That(item.GetProperty("detections")[0].GetProperty("score").GetDouble(), Is.EqualTo(4999 / 5000.0).Within(1e-4), "the highest scores are kept");
        Assert.That(item.GetProperty("max_score").GetDouble(), Is.EqualTo(4999 / 5000.0).Within(1e-4));
    }

    [Test]
    public void PageDataCannotCloseTheScriptElement()
    {
        Assert.That(() => ReviewHtml.Page("{\"a\": \"</script>\"}"), Throws.ArgumentException);
        string results = Directory.CreateDirectory(Path.Combine(Dir, "run", "results")).FullName;
        File.WriteAllBytes(Path.Combine(results, "x.json"), ResultJson.Serialize(Result() with { Name = "</script><script>alert(1)</script>" }));
        (int code, _, string err) = DetectCliTests.Run("review", Path.Combine(Dir, "run"));
        Assert.That(code, Is.Zero, err);
        using JsonDocument page = PageData(Path.Combine(Dir, "run", "review", "index.html"));
        Assert.That(page.RootElement.GetProperty("items")[0].GetProperty("name").GetString(), Is.EqualTo("</script><script>alert(1)</script>"));
    }

    /// <summary>The JSON the page embeds.</summary>
    private static JsonDocument PageData(string index)
    {
        string html = File.ReadAllText(index);
        const string open = "<script type=\"application/json\" id=\"data\">";
        int a = html.IndexOf(open, StringComparison.Ordinal) + open.Length, b = html.IndexOf("</script>", a, StringComparison.Ordinal);
        return JsonDocument.Parse(html[a..b]);
    }
}
