using OpenCvSharp;
using XrayAnalysis.Cli.Archive;
using XrayAnalysis.Outputs;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Screening;

/// <summary>The shield alarm: regions too dense for the beam are "unable to clear", on every output, never clear.</summary>
[TestFixture]
public sealed class ShieldTests : TempDirTest
{
    private static XrayDetector? _detector;

    private static XrayDetector Detector => _detector ??= XrayDetector.Open(TestData.BundledModel);

    [OneTimeTearDown]
    public void CloseDetector()
    {
        _detector?.Dispose();
        _detector = null;
    }

    /// <summary>A 16-bit transmission scan: air 60,000 with a bag (30,000) and, inside it, a block of the given transmission.</summary>
    private static ScanImage Grey16(int w, int h, Rect block, ushort blockValue, string name = "bag", Action<Mat>? edit = null)
    {
        using var m = new Mat(h, w, MatType.CV_16UC1, Scalar.All(60000));
        Cv2.Rectangle(m, new Rect(w / 8, h / 8, w * 3 / 4, h * 3 / 4), Scalar.All(30000), -1);
        m[block].SetTo(Scalar.All(blockValue));
        edit?.Invoke(m);
        m.GetArray(out ushort[] px);
        return ScanImage.FromGrey16(px, w, h, name);
    }

    [Test]
    public void A_block_the_beam_does_not_get_through_is_reported_with_its_box_and_area_and_the_scan_is_unable_to_clear()
    {
        using ScanImage scan = Grey16(320, 240, new Rect(100, 80, 40, 40), 100);
        ScanResult r = Detector.Detect(scan);
        Assert.That(r.Status, Is.EqualTo(ScanStatus.Ok));
        Assert.That(r.ShieldRegions, Has.Count.EqualTo(1));
        Assert.That(Box(r.ShieldRegions![0]), Is.EqualTo((100, 80, 40, 40, 1600L)));
        Assert.That(r.ShieldRegions![0].Outline.Select(p => (p[0], p[1])), Is.EquivalentTo(new[] { (100, 80), (100, 119), (139, 119), (139, 80) }), "a square's outline is its four corners");
        Assert.That(r.ShieldRegions![0].Holes, Is.Empty);
        Assert.That(r.UnableToClear, Is.True);
        Assert.That(r.Warnings, Is.Null);
        Assert.That(Encoding(r), Does.Contain("\"unable_to_clear\": true").And.Contain("\"area_pixels\": 1600"));
    }

    [Test]
    public void Dense_but_visible_material_and_areas_below_the_minimum_do_not_raise_it_and_the_minimum_is_configurable()
    {
        using (ScanImage visible = Grey16(320, 240, new Rect(100, 80, 60, 60), 2000))
        {
            ScanResult r = Detector.Detect(visible);
            Assert.That(r.ShieldRegions, Is.Empty, "3 % transmission: dense, but the beam gets through");
            Assert.That(r.UnableToClear, Is.False);
        }

        using ScanImage small = Grey16(320, 240, new Rect(100, 80, 20, 20), 0);
        Assert.That(Detector.Detect(small).ShieldRegions, Is.Empty, "400 px is below the 1,000 px default");
        using XrayDetector strict = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Shield = ShieldOptions.Default with { MinAreaPixels = 300 } });
        Assert.That(strict.Detect(small).ShieldRegions!.Single().AreaPixels, Is.EqualTo(400));
        using XrayDetector lax = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Shield = ShieldOptions.Default with { MaxTransmission = 0.05 } });
        using ScanImage visible2 = Grey16(320, 240, new Rect(100, 80, 60, 60), 2000);
        Assert.That(lax.Detect(visible2).ShieldRegions, Has.Count.EqualTo(1), "2,000 / 60,000 = 3.3 % is shielded at a 5 % limit");
    }

    [Test]
    public void A_dense_band_thinner_than_the_minimum_thickness_is_not_reported_however_long_but_a_thick_block_beside_it_is()
    {
        // A container's roof seen edge-on: a 6-px dense band across the bag (3,360 px), and a 40 x 40 block under it.
        using ScanImage scan = Grey16(320, 240, new Rect(120, 150, 40, 40), 0, edit: m => m[new Rect(40, 60, 240, 6)].SetTo(Scalar.All(0)));
        Assert.That(Detector.Detect(scan).ShieldRegions!.Select(Box), Is.EquivalentTo(new[] { (120, 150, 40, 40, 1600L), (40, 60, 240, 6, 1440L) }),
            "by default every dense pixel counts");
        using XrayDetector thick = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Shield = ShieldOptions.Default with { MinThicknessPixels = 10 } });
        Assert.That(thick.Detect(scan).ShieldRegions!.Select(Box), Is.EqualTo(new[] { (120, 150, 40, 40, 1600L) }), "the band goes, the block keeps its box and area");

        using ScanImage band = Grey16(320, 240, new Rect(40, 60, 240, 9), 0);
        Assert.That(thick.Detect(band).ShieldRegions, Is.Empty, "a 9-px band cannot hold a 10-px threat");
        Assert.That(thick.Detect(band).UnableToClear, Is.False);
        Assert.Throws<ArgumentException>(() => XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Shield = ShieldOptions.Default with { MinThicknessPixels = 0 } }));
        Assert.Throws<ArgumentException>(() => XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Shield = ShieldOptions.Default with { MaxTransmission = 2 } }), "the library checks its shield options");
    }

    [Test]
    public void Photon_noise_inside_the_block_does_not_break_it_into_pieces_below_the_minimum()
    {
        using ScanImage scan = Grey16(320, 240, new Rect(100, 80, 36, 36), 50, edit: m =>
        {
            // Every 5th pixel of the block reads 3 % (noise spikes): without closing the region falls apart into 1-px-wide pieces.
            for (int y = 80; y < 116; y++)
            {
                for (int x = 100 + (y % 5); x < 136; x += 5)
                {
                    m.Set(y, x, (ushort)1800);
                }
            }
        });
        ScanResult r = Detector.Detect(scan);
        Assert.That(r.ShieldRegions, Has.Count.EqualTo(1));
        Assert.That(r.ShieldRegions![0].AreaPixels, Is.GreaterThanOrEqualTo(36 * 36 * 95 / 100));
    }

    [Test]
    public void A_picture_with_a_dark_border_is_not_a_transmission_image_so_the_check_says_it_does_not_apply()
    {
        // A CT slice: air is black all round, the object bright.
        using var m = new Mat(240, 320, MatType.CV_16UC1, Scalar.All(0));
        Cv2.Circle(m, new Point(160, 120), 90, Scalar.All(40000), -1);
        m.GetArray(out ushort[] px);
        using ScanImage slice = ScanImage.FromGrey16(px, 320, 240, "slice");
        ScanResult r = Detector.Detect(slice);
        Assert.That(r.ShieldRegions, Is.Null);
        Assert.That(r.Warnings!.Single(), Does.Contain("not applicable").And.Contain("CT slice"));
    }

    [Test]
    public void A_near_black_area_of_a_vendor_colour_render_and_a_dual_energy_pair_are_both_checked()
    {
        using var colour = new Mat(240, 320, MatType.CV_8UC3, Scalar.All(255));
        Cv2.Rectangle(colour, new Rect(40, 40, 240, 160), new Scalar(60, 140, 230), -1);
        Cv2.Rectangle(colour, new Rect(150, 100, 50, 40), new Scalar(20, 8, 4), -1);
        string colourPath = TestData.Write(Dir, "vendor.jpg", TestData.Encode(".png", colour));
        ScanResult rc = Detector.DetectFilesAsync([colourPath]).ToBlockingEnumerable().Single();
        Assert.That(Box(rc.ShieldRegions!.Single()), Is.EqualTo((150, 100, 50, 40, 2000L)));

        using var high = new Mat(240, 320, MatType.CV_16UC1, Scalar.All(65535));
        using var low = new Mat(240, 320, MatType.CV_16UC1, Scalar.All(65535));
        high[new Rect(60, 60, 50, 50)].SetTo(Scalar.All(200));
        low[new Rect(60, 60, 50, 50)].SetTo(Scalar.All(20));
        string h = TestData.Write(Dir, "pair_high.png", TestData.Encode(".png", high));
        string l = TestData.Write(Dir, "pair_low.png", TestData.Encode(".png", low));
        using ScanImage pair = ScanImage.FromDualEnergyFiles(h, l);
        Assert.That(Box(Detector.Detect(pair).ShieldRegions!.Single()), Is.EqualTo((60, 60, 50, 50, 2500L)), "judged on the high-energy image");
    }

    [Test]
    public void A_scan_over_16_megapixels_is_checked_on_a_reduced_copy_with_boxes_in_full_scan_pixels()
    {
        using ScanImage scan = Grey16(6000, 3000, new Rect(3000, 1000, 400, 300), 10);
        using XrayDetector d = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Tiles = XrayAnalysis.Tiling.TileOptions.Default with { Mode = XrayAnalysis.Tiling.TileMode.Off } });
        ShieldRegion r = d.Detect(scan).ShieldRegions!.Single();
        Assert.That(r.X, Is.EqualTo(3000).Within(2));
        Assert.That(r.Y, Is.EqualTo(1000).Within(2));
        Assert.That(r.Width, Is.EqualTo(400).Within(4));
        Assert.That(r.Height, Is.EqualTo(300).Within(4));
        Assert.That(r.AreaPixels, Is.EqualTo(120_000).Within(2_500));
    }

    [Test]
    public void Switched_off_the_result_says_so()
    {
        using XrayDetector off = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Shield = ShieldOptions.Default with { Enabled = false } });
        using ScanImage scan = Grey16(320, 240, new Rect(100, 80, 40, 40), 0);
        ScanResult r = off.Detect(scan);
        Assert.That(r.ShieldRegions, Is.Null, "null: not checked (an empty list would say checked, none found)");
        Assert.That(r.UnableToClear, Is.False);
        Assert.That(r.Warnings, Is.Null, "switched off on purpose: not a warning");
    }

    [Test]
    public void The_overlay_hatches_the_region_and_its_legend_and_the_batch_verdict_say_unable_to_clear()
    {
        using ScanImage scan = Grey16(320, 240, new Rect(100, 80, 40, 40), 0);
        ScanResult r = Detector.Detect(scan) with { Detections = [] };
        using Mat burned = Cv2.ImDecode(Detector.DrawOverlay(scan, r), ImreadModes.Color);
        Vec3b outline = burned.At<Vec3b>(80, 120);
        Assert.That((outline.Item0, outline.Item1, outline.Item2), Is.EqualTo(((byte)255, (byte)0, (byte)255)), "magenta outline on the region's top edge");
        using Mat layer = Cv2.ImDecode(XrayDetector.DrawOverlayLayer(r), ImreadModes.Unchanged);
        Assert.That(layer.At<Vec4b>(80, 120).Item3, Is.EqualTo(255), "opaque in the transparent layer");
        Assert.That(layer.At<Vec4b>(10, 10).Item3, Is.Zero);
        var layout = OverlayLayout.Plan(320, 240, r.Detections, 0.65, "profile", OverlayStyle.Default);
        Assert.That(string.Join(" ", OverlayRenderer.LegendLines(layout, r, OverlayStyle.Default, out _)), Does.Contain("UNABLE TO CLEAR: 1 region"));

        Assert.That(BatchWorker.Judge(r, 0.65).Verdict, Is.EqualTo(Verdict.UnableToClear));
        ScanResult alarming = r with { Detections = [new DetectionRecord(0, "narcotics_brick", 0.9f, 10, 10, 50, 50)] };
        Assert.That(BatchWorker.Judge(alarming, 0.65).Verdict, Is.EqualTo(Verdict.Alarm), "an alarm stays an alarm");
        Assert.That(BatchWorker.Judge(r with { ShieldRegions = [] }, 0.65).Verdict, Is.EqualTo(Verdict.Clear));
    }

    [Test]
    public void Cli_detect_names_the_scans_it_cannot_clear_and_the_summary_csv_marks_them()
    {
        using var m = new Mat(240, 320, MatType.CV_16UC1, Scalar.All(60000));
        Cv2.Rectangle(m, new Rect(100, 80, 50, 50), Scalar.All(0), -1);
        string input = Path.Combine(Dir, "in");
        Directory.CreateDirectory(input);
        TestData.Write(input, "dense.png", TestData.Encode(".png", m));
        m.SetTo(Scalar.All(60000));
        TestData.Write(input, "light.png", TestData.Encode(".png", m));
        string output = Path.Combine(Dir, "out");
        (int code, string stdout, string stderr) = DetectCliTests.Run("detect", input, "--model", TestData.BundledModel, "--out", output);
        Assert.That(code, Is.Zero, stdout + stderr);
        Assert.That(stdout, Does.Contain("UNABLE TO CLEAR (regions too dense for the beam): 1: dense"));
        string[] csv = File.ReadAllLines(Path.Combine(output, "summary.csv"));
        Assert.That(csv[0], Does.EndWith(",unable_to_clear,shield_regions"));
        Assert.That(csv.Single(l => l.StartsWith("dense,", StringComparison.Ordinal)), Does.EndWith(",true,1"));
        Assert.That(csv.Single(l => l.StartsWith("light,", StringComparison.Ordinal)), Does.EndWith(",false,0"));
    }

    [Test]
    public void A_dense_frame_is_a_ring_with_a_hole_and_the_overlay_leaves_the_visible_inside_unhatched()
    {
        // A container wall: a 12-px dense frame around a visible interior.
        using ScanImage scan = Grey16(400, 300, new Rect(100, 60, 200, 160), 0, edit: m => m[new Rect(112, 72, 176, 136)].SetTo(Scalar.All(30000)));
        ScanResult r = Detector.Detect(scan) with { Detections = [] };
        ShieldRegion ring = r.ShieldRegions!.Single();
        Assert.That(ring.AreaPixels, Is.EqualTo((200 * 160) - (176 * 136)));
        Assert.That(ring.Holes, Has.Count.EqualTo(1));
        using Mat layer = Cv2.ImDecode(XrayDetector.DrawOverlayLayer(r), ImreadModes.Unchanged);
        using Mat alpha = layer.ExtractChannel(3);
        Assert.That(Cv2.CountNonZero(alpha[new Rect(130, 90, 140, 100)]), Is.Zero, "the visible inside is not hatched");
        Assert.That(Cv2.CountNonZero(alpha[new Rect(100, 60, 200, 12)]), Is.GreaterThan(200 * 12 / 10), "the wall is");
        Assert.That(Encoding(r), Does.Contain("\"holes\"").And.Contain("\"outline\""));
    }

    private static (int, int, int, int, long) Box(ShieldRegion r) => (r.X, r.Y, r.Width, r.Height, r.AreaPixels);

    private static string Encoding(ScanResult r) => System.Text.Encoding.UTF8.GetString(ResultJson.Serialize(r));
}
