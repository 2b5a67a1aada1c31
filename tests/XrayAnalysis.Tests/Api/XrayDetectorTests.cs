using System.Diagnostics;
using System.Runtime.InteropServices;
using OpenCvSharp;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Pipeline;

namespace XrayAnalysis.Tests.Api;

/// <summary>The public entry point: in-memory pixels give what files give, bad pixels are refused, streams stop cleanly.</summary>
public sealed class XrayDetectorTests : TempDirTest
{
    private static readonly string PairHigh = Path.Combine(TestData.SampleImages, "express", "raw", "express_00000_high.png");
    private static readonly string PairLow = Path.Combine(TestData.SampleImages, "express", "raw", "express_00000_low.png");

    private static XrayDetector OpenBundled(float confidence = 0.25f) =>
        XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Detector = new() { Confidence = confidence } });

    private static ushort[] Samples(string path, out int w, out int h)
    {
        using Mat m = Cv2.ImRead(path, ImreadModes.Unchanged);
        (w, h) = (m.Cols, m.Rows);
        m.GetArray(out ushort[] data);
        return data;
    }

    private static void AssertSameBoxes(ScanResult a, ScanResult b)
    {
        Assert.That(a.Status, Is.EqualTo(ScanStatus.Ok), a.Reason);
        Assert.That(b.Status, Is.EqualTo(ScanStatus.Ok), b.Reason);
        Assert.That(a.Detections, Has.Count.EqualTo(b.Detections.Count));
        Assert.That(a.Detections, Is.Not.Empty, "a comparison of two empty lists proves nothing");
        for (int i = 0; i < a.Detections.Count; i++)
        {
            DetectionRecord x = a.Detections[i], y = b.Detections[i];
            Assert.That(x.ClassId, Is.EqualTo(y.ClassId));
            Assert.That(x.Score, Is.EqualTo(y.Score).Within(1e-5));
            Assert.That(new[] { x.X1, x.Y1, x.X2, x.Y2 }, Is.EqualTo(new[] { y.X1, y.Y1, y.X2, y.Y2 }).Within(1e-3));
        }
    }

    [Test]
    public void An_in_memory_dual_energy_pair_gives_the_boxes_of_the_same_pair_read_from_files()
    {
        using XrayDetector detector = OpenBundled(0.05f); // low enough that any bundled weights give boxes to compare
        ushort[] high = Samples(PairHigh, out int w, out int h);
        ushort[] low = Samples(PairLow, out _, out _);
        using ScanImage memory = ScanImage.FromDualEnergy(high, low, w, h, "bag");
        using ScanImage files = ScanImage.FromDualEnergyFiles(PairHigh, PairLow);

        ScanResult fromMemory = detector.Detect(memory);
        ScanResult fromFiles = detector.Detect(files);
        AssertSameBoxes(fromMemory, fromFiles);
        Assert.That(fromMemory.Name, Is.EqualTo("bag"));
        Assert.That(fromMemory.Input.Path, Is.EqualTo("memory:bag"));
        Assert.That(fromMemory.DualEnergy, Is.True);
        Assert.That(files.Name, Is.EqualTo("express_00000"));

        // The caller's image survives detection: it can be detected on again and drawn.
        AssertSameBoxes(detector.Detect(memory), fromMemory);
        byte[] png = detector.DrawOverlay(memory, fromMemory);
        using Mat overlay = Cv2.ImDecode(png, ImreadModes.Color);
        Assert.That(overlay.Cols, Is.EqualTo(w));
        Assert.That(overlay.Rows, Is.GreaterThan(h), "the legend strip goes below the scan");
        using Mat bare = Cv2.ImDecode(detector.DrawOverlay(memory, fromMemory, OverlayStyle.Default with { Legend = false }), ImreadModes.Color);
        Assert.That((bare.Cols, bare.Rows), Is.EqualTo((w, h)));
        using Mat layer = Cv2.ImDecode(XrayDetector.DrawOverlayLayer(fromMemory), ImreadModes.Unchanged);
        Assert.That((layer.Cols, layer.Rows, layer.Channels()), Is.EqualTo((w, h, 4)));
    }

    [Test]
    public void Grey16_and_rgb_pixels_match_their_files_and_rgb_is_swapped_to_bgr()
    {
        using XrayDetector detector = OpenBundled(0.05f); // low enough that any bundled weights give boxes to compare
        ushort[] high = Samples(PairHigh, out int w, out int h);
        using ScanImage grey = ScanImage.FromGrey16(high, w, h, "grey");
        string greyFile = Path.Combine(Dir, "grey.png");
        File.Copy(PairHigh, greyFile);
        using ScanImage greyFromFile = ScanImage.FromFile(greyFile);
        ScanResult a = detector.Detect(grey), b = detector.Detect(greyFromFile);
        Assert.That(a.Status, Is.EqualTo(ScanStatus.Ok));
        Assert.That(a.Detections.Select(d => (d.ClassId, MathF.Round(d.X1))), Is.EqualTo(b.Detections.Select(d => (d.ClassId, MathF.Round(d.X1)))));

        string colourFile = Path.Combine(TestData.SampleImages, "baggage", "images", "baggage_00001.png");
        using Mat bgr = Cv2.ImRead(colourFile, ImreadModes.Color);
        using Mat rgb = new();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        var bytes = new byte[rgb.Cols * rgb.Rows * 3];
        Marshal.Copy(rgb.Data, bytes, 0, bytes.Length);
        using ScanImage fromRgb = ScanImage.FromPixels(bytes, rgb.Cols, rgb.Rows, PixelFormat.Rgb24, "rgb");
        using ScanImage fromFile = ScanImage.FromFile(colourFile);
        AssertSameBoxes(detector.Detect(fromRgb), detector.Detect(fromFile));
    }

    [Test]
    public void A_large_in_memory_scan_is_tiled_like_the_same_file()
    {
        using XrayDetector detector = OpenBundled();
        string cargo = Path.Combine(TestData.SampleImages, "cargo", "images", "cargo_00000.jpg");
        using Mat bgr = Cv2.ImRead(cargo, ImreadModes.Color);
        var bytes = new byte[bgr.Cols * bgr.Rows * 3];
        Marshal.Copy(bgr.Data, bytes, 0, bytes.Length);
        using ScanImage memory = ScanImage.FromPixels(bytes, bgr.Cols, bgr.Rows, PixelFormat.Bgr24, "cargo");
        using ScanImage file = ScanImage.FromFile(cargo);
        ScanResult a = detector.Detect(memory);
        Assert.That(a.Tiling, Is.Not.Null);
        AssertSameBoxes(a, detector.Detect(file));
    }

    [TestCase(0, 10, 0)]
    [TestCase(10, -1, 10)]
    [TestCase(10, 10, 99)]
    [TestCase(10, 10, 101)]
    public void Pixels_that_do_not_match_the_size_are_refused_with_the_expected_length(int w, int h, int length)
    {
        var ex = Assert.Catch<ArgumentException>(() => ScanImage.FromPixels(new byte[length], w, h, PixelFormat.Grey8));
        if (w > 0 && h > 0)
        {
            Assert.That(ex!.Message, Does.Contain($"expected {w * h} bytes"));
        }
    }

    [Test]
    public void A_tiny_or_mismatched_in_memory_image_is_a_non_ok_result_not_an_exception()
    {
        using XrayDetector detector = OpenBundled();
        using ScanImage tiny = ScanImage.FromPixels(new byte[8 * 8], 8, 8, PixelFormat.Grey8, "tiny");
        ScanResult r = detector.Detect(tiny);
        Assert.That(r.Status, Is.EqualTo(ScanStatus.Rejected));
        Assert.That(r.Reason, Does.Contain("too small"));
        Assert.Throws<ArgumentException>(() => ScanImage.FromDualEnergy(new ushort[100], new ushort[99], 10, 10));
    }

    [Test]
    public void A_damaged_file_raises_a_load_exception_with_status_and_reason()
    {
        string bad = Path.Combine(Dir, "bad.png");
        File.WriteAllBytes(bad, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]);
        var ex = Assert.Throws<ScanLoadException>(() => ScanImage.FromFile(bad));
        Assert.That(ex!.Status, Is.Not.EqualTo(ScanStatus.Ok));
        Assert.That(ex.Message, Does.Contain("bad.png"));
    }

    [Test]
    public async Task Files_stream_in_input_order_with_bad_ones_reported_and_stopping_early_is_clean()
    {
        using XrayDetector detector = OpenBundled((float)TestData.BundledOperatingThreshold);
        File.WriteAllBytes(Path.Combine(Dir, "b_broken.png"), [1, 2, 3]);
        foreach (string n in new[] { "a", "c", "d" })
        {
            File.Copy(Path.Combine(TestData.SampleImages, "baggage", "images", "baggage_00000.png"), Path.Combine(Dir, n + ".png"));
        }

        var names = new List<(string, ScanStatus)>();
        await foreach (ScanResult r in detector.DetectFilesAsync([Dir, Path.Combine(Dir, "missing.png")]))
        {
            names.Add((r.Name, r.Status));
        }

        Assert.That(names, Is.EqualTo(new[]
        {
            ("missing", ScanStatus.Failed), ("a", ScanStatus.Ok), ("b_broken", ScanStatus.Failed), ("c", ScanStatus.Ok), ("d", ScanStatus.Ok),
        }));

        // Stop after the first result: the detector is free again at once.
        await foreach (ScanResult r in detector.DetectFilesAsync([Dir]))
        {
            break;
        }

        var sw = Stopwatch.StartNew();
        using ScanImage again = ScanImage.FromFile(Path.Combine(Dir, "a.png"));
        Assert.That(detector.Detect(again).Status, Is.EqualTo(ScanStatus.Ok));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public void After_stopping_a_pipeline_enumeration_early_the_same_pipeline_runs_a_full_pass()
    {
        using XrayDetector detector = OpenBundled();
        string img = Path.Combine(TestData.SampleImages, "baggage", "images", "baggage_00000.png");
        ScanInput[] inputs = Enumerable.Range(0, 6).Select(_ => ScanInput.Single(img)).ToArray();
        using (IEnumerator<ScanOutcome> e = detector.Pipeline.Process(inputs, keepRendered: true).GetEnumerator())
        {
            Assert.That(e.MoveNext(), Is.True);
            e.Current.Dispose();
        }

        // The same pipeline runs a full pass afterwards: its shared buffers and loader are not left in use.
        int ok = detector.Pipeline.Process(inputs, keepRendered: false).Count(o => { using (o) { return o.Result.Status == ScanStatus.Ok; } });
        Assert.That(ok, Is.EqualTo(6));
    }
}
