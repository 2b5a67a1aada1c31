using System.Globalization;
using Microsoft.Playwright;
using OpenCvSharp;
using XrayAnalysis.Outputs;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Review;

/// <summary>
/// <c>xray review</c> end to end in a real browser: the real CLI detects on sample scans (with a damaged file, a
/// 20,000-pixel cargo scan and hostile result files beside them), writes the page, and Debian's Chromium opens it from
/// file:// — load, filters, sorting, overlay toggle and zoom, checked on the DOM and on screenshots.
/// The suite's slowest fixture (about 15 s: detection over the 20,000 × 4,000 scan's 800 tiles dominates).
/// </summary>
[NonParallelizable]
public sealed class ReviewPageTests
{
    private const string Evil = "<img src=x onerror=\"window.pwned=1\">";
    private string _root = null!;
    private string _out = null!;
    private string _index = null!;
    private IPlaywright _pw = null!;
    private IBrowser _browser = null!;
    private readonly Dictionary<string, ScanResult> _results = new(StringComparer.Ordinal);
    private readonly List<string> _requests = [];
    private readonly List<string> _errors = [];

    [OneTimeSetUp]
    public async Task BuildAsync()
    {
        Browser.Executable();
        _root = TestData.TempDir();
        string routes = Path.Combine(TestData.RepoRoot, "config", "routes.json");
        string bag = Directory.CreateDirectory(Path.Combine(_root, "in", "baggage")).FullName;
        foreach (string f in Directory.GetFiles(Path.Combine(TestData.SampleImages, "baggage", "raw")))
        {
            File.Copy(f, Path.Combine(bag, Path.GetFileName(f)));
        }

        // A damaged file: PNG magic, then garbage.
        File.WriteAllBytes(Path.Combine(bag, "broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 1, 2, 3, 4, 5, 6, 7]);

        // A 20,000 × 4,000 cargo scan (issue 14's size): the sample truck repeated three times across and down, cut.
        string cargo = Directory.CreateDirectory(Path.Combine(_root, "in", "cargo")).FullName;
        using (Mat truck = Cv2.ImRead(Path.Combine(TestData.SampleImages, "cargo", "images", "cargo_00000.jpg"), ImreadModes.Color))
        using (var wide = new Mat())
        using (var tall = new Mat())
        {
            Cv2.HConcat([truck, truck, truck], wide);
            Cv2.VConcat([wide, wide, wide], tall);
            using var cut = new Mat(tall, new Rect(0, 0, 20000, 4000));
            Cv2.ImWrite(Path.Combine(cargo, "long_truck.jpg"), cut, [(int)ImwriteFlags.JpegQuality, 92]);
        }

        _out = Path.Combine(_root, "out");
        (int code, _, string err) = Detect(bag, "baggage");
        Assert.That(code, Is.EqualTo(1), err); // the broken file is not ok; the others are
        (code, _, err) = Detect(cargo, "cargo");
        Assert.That(code, Is.Zero, err);

        // Hostile result files: markup in a name (source missing), and one that is not JSON at all.
        string hostile = Directory.CreateDirectory(Path.Combine(_out, "hostile", "results")).FullName;
        ScanResult template = ResultJson.Deserialize<ScanResult>(File.ReadAllBytes(Path.Combine(_out, "baggage", "results", "baggage_00001.json")))!;
        File.WriteAllBytes(Path.Combine(hostile, "evil.json"), ResultJson.Serialize(template with { Name = Evil, Input = template.Input with { Path = "/nonexistent/evil.png", LowEnergyPath = null } }));
        File.WriteAllText(Path.Combine(hostile, "garbage.json"), "{ this is not json </script>");

        foreach (string f in Directory.GetFiles(_out, "*.json", SearchOption.AllDirectories).Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "results"))
        {
            try
            {
                ScanResult r = ResultJson.Deserialize<ScanResult>(File.ReadAllBytes(f))!;
                _results[r.Name] = r;
            }
            catch (System.Text.Json.JsonException)
            {
                // garbage.json: shown as unreadable.
            }
        }

        (code, string stdout, err) = DetectCliTests.Run("review", _out, "--ground-truth", Path.Combine(TestData.SampleImages, "baggage", "annotations.coco.json"));
        Assert.That(code, Is.Zero, err);
        TestContext.Out.WriteLine(stdout + err);
        _index = Path.Combine(_out, "review", "index.html");
        _pw = await Playwright.CreateAsync();
        _browser = await Browser.LaunchAsync(_pw);

        (int, string, string) Detect(string input, string route) =>
            DetectCliTests.Run("detect", input, "--route", route, "--routes", routes, "--out", Path.Combine(_out, route), "--overlay");
    }

    [OneTimeTearDown]
    public async Task TearDownAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _pw?.Dispose();
        if (_root is not null)
        {
            Directory.Delete(_root, true);
        }
    }

    private async Task<IPage> OpenAsync()
    {
        IPage page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        page.Request += (_, r) => _requests.Add(r.Url);
        page.PageError += (_, e) => _errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                _errors.Add(m.Text);
            }
        };
        await page.GotoAsync(new Uri(_index).AbsoluteUri);
        await WaitUntilAsync(page, "document.documentElement.dataset.ready === '1'");
        return page;
    }

        private static async Task<string[]> CardNamesAsync(IPage page) => await CardNamesAsync(page.Locator(".card"));

    private static async Task<string[]> CardNamesAsync(ILocator cards) => [.. await cards.Locator(".name").AllTextContentsAsync()];

    /// <summary>Polls a page expression (WaitForFunction compiles it in the page, which the page's CSP forbids).</summary>
    private static async Task WaitUntilAsync(IPage page, string expression)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!await page.EvaluateAsync<bool>(expression))
        {
            Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(20), $"timed out waiting for {expression}");
            await Task.Delay(25);
        }
    }

    private static async Task SaveAsync(IPage page, string name, IElementHandle? element = null)
    {
        // XRAY_REVIEW_SCREENSHOTS=DIR keeps the screenshots (the README's come from here).
        if (Environment.GetEnvironmentVariable("XRAY_REVIEW_SCREENSHOTS") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, name + ".png");
            await (element is null ? page.ScreenshotAsync(new() { Path = path }) : element.ScreenshotAsync(new() { Path = path }));
        }
    }

    private string Verdict(ScanResult r)
    {
        double t = r.Parameters.OperatingThreshold ?? 0.5;
        return r.Status != ScanStatus.Ok ? "not ok" : r.UnableToClear ? "unable to clear" : r.Detections.Any(d => d.Score >= t) ? "alarm" : "clear";
    }

    [Test]
    public async Task LoadsFromFileShowsEveryScanAndMakesNoNetworkRequestsAsync()
    {
        _requests.Clear();
        _errors.Clear();
        IPage page = await OpenAsync();
        await WaitUntilAsync(page, "[...document.querySelectorAll('.thumb img')].every(i => i.complete && i.naturalWidth > 0)");
        string[] names = await CardNamesAsync(page);
        Assert.That(names, Is.EquivalentTo(_results.Keys.Append("garbage")), "one card per result file, the unreadable one included");
        Assert.That(_requests, Is.Not.Empty.And.All.StartsWith("file://"), "nothing but local files is requested");
        Assert.That(_errors, Is.Empty, "no script errors");
        Assert.That(await page.EvaluateAsync<bool>("window.pwned === undefined"), Is.True, "markup in a scan name is shown as text, never run");
        Assert.That(await CardNamesAsync(page.Locator(".card[data-verdict='not ok']")), Is.EquivalentTo(new[] { "broken", "garbage" }), "the damaged scan and the unreadable result are never clear");
        Assert.That(await page.Locator(".card:has(.name:text-is('" + Evil.Replace("'", "\\'", StringComparison.Ordinal) + "')) .thumb .none").TextContentAsync(), Does.Contain("not found"), "a result whose scan is gone says so");

        // The screenshot holds real thumbnails: every card with an image has texture, the page is not blank.
        byte[] shot = await page.ScreenshotAsync(new() { FullPage = true });
        await SaveAsync(page, "review-grid");
        using Mat full = Browser.Decode(shot);
        foreach (ILocator thumb in await page.Locator(".card .thumb:has(img)").AllAsync())
        {
            LocatorBoundingBoxResult b = (await thumb.BoundingBoxAsync())!;
            using var crop = new Mat(full, new Rect((int)b.X, (int)b.Y, (int)b.Width, (int)b.Height));
            Assert.That(Browser.Texture(crop), Is.GreaterThan(8), "a thumbnail shows the scan");
        }

        await page.CloseAsync();
    }

    [Test]
    public async Task FiltersAndSortingSelectTheRightScansAsync()
    {
        IPage page = await OpenAsync();
        var all = _results.Values.ToList();

        await page.SelectOptionAsync("#f-verdict", "alarm");
        Assert.That(await CardNamesAsync(page), Is.EquivalentTo(all.Where(r => Verdict(r) == "alarm").Select(r => r.Name)));
        await page.SelectOptionAsync("#f-verdict", "");

        await page.SelectOptionAsync("#f-status", "failed");
        Assert.That(await CardNamesAsync(page), Is.EquivalentTo(all.Where(r => r.Status == ScanStatus.Failed).Select(r => r.Name)).And.Contains("broken"));
        await page.SelectOptionAsync("#f-status", "");

        await page.SelectOptionAsync("#f-route", "cargo");
        Assert.That(await CardNamesAsync(page), Is.EqualTo(new[] { "long_truck" }));
        await page.SelectOptionAsync("#f-route", "");

        await page.CheckAsync("#f-alarms");
        Assert.That(await CardNamesAsync(page), Is.EquivalentTo(all.Where(r => Verdict(r) is "alarm" or "unable to clear").Select(r => r.Name)));
        await page.UncheckAsync("#f-alarms");

        await page.FillAsync("#f-min", "0.5");
        Assert.That(await CardNamesAsync(page), Is.EquivalentTo(all.Where(r => r.Detections.Count > 0 && r.Detections.Max(d => d.Score) >= 0.5).Select(r => r.Name)));
        await page.FillAsync("#f-min", "0");

        string cls = all.SelectMany(r => r.Detections).Where(d => d.Score >= 0.25).Select(d => d.ClassName).First();
        await page.SelectOptionAsync("#f-class", cls);
        Assert.That(await CardNamesAsync(page), Is.EquivalentTo(all.Where(r => r.Detections.Any(d => d.ClassName == cls && d.Score >= 0.25)).Select(r => r.Name)));
        await page.SelectOptionAsync("#f-class", "");

        await page.SelectOptionAsync("#f-sort", "score-desc");
        string[] byScore = await CardNamesAsync(page);
        double Top(string n) => _results.TryGetValue(n, out ScanResult? r) && r.Detections.Count > 0 ? r.Detections.Max(d => d.Score) : 0;
        Assert.That(byScore.Select(Top), Is.Ordered.Descending);

        await page.FillAsync("#f-name", "truck");
        Assert.That(await page.TextContentAsync("#count"), Does.StartWith("1 of "));
        await page.CloseAsync();
    }

    [Test]
    public async Task DetailListsDetectionsWithScoresAndGroundTruthMarksAsync()
    {
        ScanResult r = _results["baggage_00001"];
        IPage page = await OpenAsync();
        await page.ClickAsync($".card[data-id^='baggage_00001']");
        await page.WaitForSelectorAsync("#detail-view:not([hidden])");
        string[] scores = await page.EvalOnSelectorAllAsync<string[]>("#dets tr.det td:nth-child(3)", "tds => tds.map(t => t.textContent)");
        Assert.That(scores, Is.EqualTo(r.Detections.Select(d => d.Score).OrderByDescending(s => s).Select(s => s.ToString("F3", CultureInfo.InvariantCulture))));
        int gtCount = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.SampleImages, "baggage", "annotations.coco.json"))).RootElement
            .GetProperty("annotations").EnumerateArray().Count(a => a.GetProperty("image_id").GetInt64() == 2);
        string[] truth = await page.EvalOnSelectorAllAsync<string[]>("#truth tr.det td:last-child", "tds => tds.map(t => t.textContent)");
        Assert.That(truth, Has.Length.EqualTo(gtCount).And.All.Matches<string>(m => m is "TP" or "FN"));
        string[] dets = await page.EvalOnSelectorAllAsync<string[]>("#dets tr.det.alarm td:last-child", "tds => tds.map(t => t.textContent)");
        Assert.That(dets, Has.All.Matches<string>(m => m is "TP" or "FP"), "every alarm is judged against the ground truth");
        Assert.That(dets.Count(m => m == "TP"), Is.EqualTo(truth.Count(m => m == "TP")), "one TP per found object");
        await page.CloseAsync();
    }

    [Test]
    public async Task OverlayTogglesOnAndOffOverTheScanAsync()
    {
        ScanResult r = _results["baggage_00001"];
        DetectionRecord d = r.Detections.OrderByDescending(x => x.Score).First(x => x.Score >= 0.25);
        IPage page = await OpenAsync();
        await page.ClickAsync($".card[data-id^='baggage_00001']");
        await WaitUntilAsync(page, "document.getElementById('viewport').dataset.loaded === '1'");
        // The overlay palette's colour for the class (OverlayRenderer: magenta, cyan, yellow, ...), as RGB.
        int[][] palette = [[255, 0, 255], [0, 255, 255], [255, 230, 0], [255, 0, 0], [0, 255, 0], [0, 128, 255], [255, 0, 128], [255, 128, 0]];
        int[] c = palette[d.ClassId % palette.Length];
        IElementHandle vp = (await page.QuerySelectorAsync("#viewport"))!;
        double[] t = await page.EvaluateAsync<double[]>("[review.viewer.s, review.viewer.tx, review.viewer.ty]");
        var ring = new Rect((int)((d.X1 * t[0]) + t[1]) - 4, (int)((d.Y1 * t[0]) + t[2]) - 4, (int)((d.X2 - d.X1) * t[0]) + 9, (int)((d.Y2 - d.Y1) * t[0]) + 9);

        using Mat on = Browser.Decode(await vp.ScreenshotAsync());
        await SaveAsync(page, "review-detail");
        await page.Keyboard.PressAsync("o");
        Assert.That(await page.IsCheckedAsync("#t-overlay"), Is.False);
        using Mat off = Browser.Decode(await vp.ScreenshotAsync());
        ring = ring.Intersect(new Rect(0, 0, on.Cols, on.Rows));
        using var ringOn = new Mat(on, ring);
        using var ringOff = new Mat(off, ring);
        int withOverlay = Browser.CountColour(ringOn, c[0], c[1], c[2]), without = Browser.CountColour(ringOff, c[0], c[1], c[2]);
        Assert.That(withOverlay, Is.GreaterThan(2 * (ring.Width + ring.Height)), "the box outline is drawn in its class colour");
        Assert.That(without, Is.LessThan(withOverlay / 4), "toggled off, the outline is gone");
        Assert.That(Browser.Texture(off), Is.GreaterThan(8), "the scan itself stays");
        await page.Keyboard.PressAsync("o");
        using Mat again = Browser.Decode(await vp.ScreenshotAsync());
        using var ringAgain = new Mat(again, ring);
        Assert.That(Browser.CountColour(ringAgain, c[0], c[1], c[2]), Is.EqualTo(withOverlay).Within(withOverlay / 10 + 5));
        await page.CloseAsync();
    }

    [Test]
    public async Task ZoomOnA20000By4000ScanLoadsFewTilesAndStaysSharpAsync()
    {
        IPage page = await OpenAsync();
        await page.ClickAsync(".card[data-id^='long_truck']");
        await WaitUntilAsync(page, "document.getElementById('viewport').dataset.loaded === '1'");
        double loadMs = await page.EvaluateAsync<double>("review.stats.detailLoadMs");
        int level = int.Parse(await page.GetAttributeAsync("#viewport", "data-level") ?? "-1", CultureInfo.InvariantCulture);
        int levels = await page.EvaluateAsync<int>("review.viewer.item.image.levels");
        TestContext.Out.WriteLine($"20000 x 4000 scan: first view complete in {loadMs} ms at level {level} of {levels - 1}");
        Assert.That(level, Is.GreaterThanOrEqualTo(4), "the whole truck is shown from a reduced level");
        Assert.That(loadMs, Is.GreaterThan(0).And.LessThan(10_000));
        Assert.That(await page.EvaluateAsync<int>("review.stats.tileRequests"), Is.LessThan(40), "only the tiles on screen are loaded, not the 1,264 of full resolution");

        // Wheel zoom over the viewport: scale up, level down.
        double s0 = await page.EvaluateAsync<double>("review.viewer.s");
        await page.Mouse.MoveAsync(500, 500);
        await page.Mouse.WheelAsync(0, -600);
        Assert.That(await page.EvaluateAsync<double>("review.viewer.s"), Is.GreaterThan(s0 * 1.5));

        // 1:1 at a spot with structure: the screen shows the scan's own pixels (level 0), not an enlarged reduction.
        await page.EvaluateAsync("review.viewer.zoomTo([9800, 2100, 10200, 2400]); review.viewer.oneToOne()");
        await WaitUntilAsync(page, "document.getElementById('viewport').dataset.loaded === '1'");
        Assert.That(await page.GetAttributeAsync("#viewport", "data-level"), Is.EqualTo("0"));
        await page.UncheckAsync("#t-overlay");
        double[] t = await page.EvaluateAsync<double[]>("[review.viewer.s, review.viewer.tx, review.viewer.ty]");
        Assert.That(t[0], Is.EqualTo(1.0));
        IElementHandle vp = (await page.QuerySelectorAsync("#viewport"))!;
        using Mat shot = Browser.Decode(await vp.ScreenshotAsync());
        await SaveAsync(page, "review-zoom", vp);

        using Mat source = Cv2.ImRead(Path.Combine(_root, "in", "cargo", "long_truck.jpg"), ImreadModes.Color);
        var onScreen = new Rect(-(int)t[1], -(int)t[2], shot.Cols, shot.Rows).Intersect(new Rect(0, 0, source.Cols, source.Rows));
        using var expected = new Mat(source, onScreen);
        using var got = new Mat(shot, new Rect(onScreen.X + (int)t[1], onScreen.Y + (int)t[2], onScreen.Width, onScreen.Height));
        // What the coarsest level would give: the crop reduced by 2^(levels-1) and enlarged again.
        using var small = new Mat();
        using var blurred = new Mat();
        double f = Math.Pow(2, levels - 1);
        Cv2.Resize(expected, small, new Size(Math.Max(1, (int)(expected.Cols / f)), Math.Max(1, (int)(expected.Rows / f))), 0, 0, InterpolationFlags.Area);
        Cv2.Resize(small, blurred, expected.Size(), 0, 0, InterpolationFlags.Linear);
        double sharpError = MeanAbsDiff(got, expected), coarseError = MeanAbsDiff(blurred, expected);
        TestContext.Out.WriteLine($"1:1 view vs source: mean abs diff {sharpError:F2}; coarse level would be {coarseError:F2}");
        Assert.That(sharpError, Is.LessThan(6), "1:1 shows the full-resolution pixels (JPEG tiles at quality 90)");
        Assert.That(sharpError, Is.LessThan(coarseError / 3));

        // A link straight to the scan: from navigation to the first complete view (page, data, tiles).
        string id = await page.EvaluateAsync<string>("review.viewer.item.id");
        IPage direct = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await direct.GotoAsync(new Uri(_index).AbsoluteUri + "#scan=" + id);
        await WaitUntilAsync(direct, "review.stats.sinceNavigationMs !== null");
        TestContext.Out.WriteLine($"20000 x 4000 scan opened by link: complete view {await direct.EvaluateAsync<double>("review.stats.sinceNavigationMs")} ms after navigation");
        await direct.CloseAsync();
        await page.CloseAsync();
    }

    /// <summary>
    /// The README's pictures, from the demo's page: <c>bash scripts/demo.sh</c>, then
    /// <c>dotnet test tests/XrayAnalysis.Tests -c Release --filter ReadmeScreenshots</c> (writes docs/images/review-*.jpg).
    /// </summary>
    [Test, Explicit("writes docs/images from out/demo/review")]
    public async Task ReadmeScreenshotsAsync()
    {
        string demo = Path.Combine(TestData.RepoRoot, "out", "demo", "review", "index.html");
        Assume.That(File.Exists(demo), "run scripts/demo.sh first");
        string images = Path.Combine(TestData.RepoRoot, "docs", "images");
        IPage page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 760 } });
        await page.GotoAsync(new Uri(demo).AbsoluteUri);
        await WaitUntilAsync(page, "[...document.querySelectorAll('.thumb img')].every(i => i.complete)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(images, "review-grid.jpg"), Type = ScreenshotType.Jpeg, Quality = 85 });
        await page.ClickAsync(".card[data-verdict='alarm'] >> nth=0");
        await WaitUntilAsync(page, "document.getElementById('viewport').dataset.loaded === '1'");
        await page.ScreenshotAsync(new() { Path = Path.Combine(images, "review-detail.jpg"), Type = ScreenshotType.Jpeg, Quality = 85 });
        await page.CloseAsync();
    }

    private static double MeanAbsDiff(Mat a, Mat b)
    {
        using var d = new Mat();
        Cv2.Absdiff(a, b, d);
        Scalar m = Cv2.Mean(d);
        return (m.Val0 + m.Val1 + m.Val2) / 3;
    }
}
