using OpenCvSharp;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Tests.Cli;
using XrayAnalysis.Viewing;

namespace XrayAnalysis.Tests.Viewing;

/// <summary>The operator image functions on known pixels: dual-energy pairs, 16- and 8-bit grey, 8-bit pseudo-colour.</summary>
[TestFixture]
public sealed class ScanViewerTests : TempDirTest
{
    // Columns of the 80 x 40 test pair: air, organic (ratio 1.2), metal (ratio 3), two dense organics, a thin organic.
    private static readonly (double AHigh, double ALow)[] Materials = [(0, 0), (1.0, 1.2), (1.0, 3.0), (5.0, 6.0), (5.4, 6.5), (0.2, 0.24)];

    private static ushort T(double a) => (ushort)Math.Round(65535 * Math.Exp(-a));

    private ScanImage Pair()
    {
        using var high = new Mat(40, 10 * Materials.Length, MatType.CV_16UC1);
        using var low = new Mat(40, 10 * Materials.Length, MatType.CV_16UC1);
        for (int k = 0; k < Materials.Length; k++)
        {
            high[new Rect(k * 10, 0, 10, 40)].SetTo(Scalar.All(T(Materials[k].AHigh)));
            low[new Rect(k * 10, 0, 10, 40)].SetTo(Scalar.All(T(Materials[k].ALow)));
        }

        string h = TestData.Write(Dir, "bag_high.png", TestData.Encode(".png", high));
        string l = TestData.Write(Dir, "bag_low.png", TestData.Encode(".png", low));
        return ScanImage.FromDualEnergyFiles(h, l);
    }

    private static (byte B, byte G, byte R) Px(ViewImage v, int x, int y)
    {
        ReadOnlySpan<byte> p = v.Bgr.Span.Slice(((y * v.Width) + x) * 3, 3);
        return (p[0], p[1], p[2]);
    }

    private static bool IsGrey((byte B, byte G, byte R) c) => Math.Abs(c.B - c.G) <= 1 && Math.Abs(c.G - c.R) <= 1;

    [Test]
    public void The_standard_view_of_a_pair_is_exactly_the_detectors_render()
    {
        using ScanImage scan = Pair();
        ViewImage v = ScanViewer.Render(scan);
        (Mat bgr, _) = ScanRenderer.Render(scan.Scan, RenderOptions.Default);
        using (bgr)
        {
            Assert.That(v.Width * v.Height * 3, Is.EqualTo(bgr.Total() * 3));
            bgr.GetArray(out Vec3b[] expected);
            byte[] flat = expected.SelectMany(p => new[] { p.Item0, p.Item1, p.Item2 }).ToArray();
            Assert.That(v.Bgr.ToArray(), Is.EqualTo(flat));
        }
    }

    [Test]
    public void Air_is_white_and_negative_makes_it_black_while_dense_material_turns_bright()
    {
        using ScanImage scan = Pair();
        ViewImage std = ScanViewer.Render(scan);
        ViewImage neg = ScanViewer.Render(scan, ViewSettings.Parse("negative"));
        Assert.That(Px(std, 5, 5), Is.EqualTo(((byte)255, (byte)255, (byte)255)));
        Assert.That(Px(neg, 5, 5), Is.EqualTo(((byte)0, (byte)0, (byte)0)));
        Assert.That(Px(neg, 35, 5).R, Is.GreaterThan(Px(std, 35, 5).R + 100), "a dense organic is dark in the standard view, bright in the negative");
        ViewImage greyNeg = ScanViewer.Render(scan, ViewSettings.Parse("grey,negative"));
        ViewImage grey = ScanViewer.Render(scan, ViewSettings.Parse("grey"));
        for (int x = 5; x < 60; x += 10)
        {
            Assert.That(IsGrey(Px(grey, x, 5)), Is.True, $"grey view at column {x}");
            Assert.That(Px(greyNeg, x, 5).G + Px(grey, x, 5).G, Is.EqualTo(255).Within(1), $"grey negative is 255 − grey at column {x}");
        }
    }

    [Test]
    public void Organic_only_keeps_organics_in_colour_and_strips_metal_to_pale_grey_and_inorganic_only_does_the_reverse()
    {
        using ScanImage scan = Pair();
        ViewImage std = ScanViewer.Render(scan);
        ViewImage organic = ScanViewer.Render(scan, new ViewSettings { Materials = MaterialFilter.OrganicOnly });
        ViewImage inorganic = ScanViewer.Render(scan, ViewSettings.Parse("inorganic-only"));
        (int organicX, int metalX) = (15, 25);
        Assert.That(Px(organic, organicX, 5), Is.EqualTo(Px(std, organicX, 5)), "organic kept as in the standard view");
        Assert.That(IsGrey(Px(organic, metalX, 5)) && Px(organic, metalX, 5).G >= 204, Is.True, $"metal stripped to a pale grey, got {Px(organic, metalX, 5)}");
        Assert.That(Px(inorganic, metalX, 5), Is.EqualTo(Px(std, metalX, 5)), "metal kept");
        Assert.That(IsGrey(Px(inorganic, organicX, 5)) && Px(inorganic, organicX, 5).G >= 204, Is.True, "organic stripped");
        Assert.That(Px(organic, 5, 5), Is.EqualTo(Px(std, 5, 5)), "air is not a material: unchanged");
        Assert.That(Px(std, organicX, 5).R, Is.GreaterThan(Px(std, organicX, 5).B + 50), "the organic column is orange in the standard view");
        Assert.That(Px(std, metalX, 5).B, Is.GreaterThan(Px(std, metalX, 5).R + 50), "the metal column is blue in the standard view");
    }

    [Test]
    public void High_penetration_separates_dense_materials_and_low_penetration_separates_thin_ones()
    {
        using ScanImage scan = Pair();
        ViewImage std = ScanViewer.Render(scan, ViewSettings.Parse("grey"));
        ViewImage high = ScanViewer.Render(scan, ViewSettings.Parse("grey,high-penetration"));
        ViewImage low = ScanViewer.Render(scan, ViewSettings.Parse("grey,low-penetration"));
        int dense1 = 35, dense2 = 45, thin = 55, air = 5;
        int stdGap = Px(std, dense1, 5).G - Px(std, dense2, 5).G;
        int highGap = Px(high, dense1, 5).G - Px(high, dense2, 5).G;
        Assert.That(stdGap, Is.GreaterThan(0));
        Assert.That(highGap, Is.GreaterThanOrEqualTo(3 * stdGap), $"standard gap {stdGap}, high-penetration gap {highGap}");
        int stdThin = Px(std, air, 5).G - Px(std, thin, 5).G;
        int lowThin = Px(low, air, 5).G - Px(low, thin, 5).G;
        Assert.That(lowThin, Is.GreaterThanOrEqualTo(2 * stdThin - 1), $"thin layer against air: standard {stdThin}, low penetration {lowThin}");
        Assert.That(Px(low, dense1, 5).G, Is.Zero, "low penetration leaves dense areas black");
        Assert.That(Px(high, thin, 5).G, Is.EqualTo(255), "high penetration leaves thin areas white");
    }

    [Test]
    public void Variable_density_slides_the_window_and_gamma_brightens_mid_tones()
    {
        using ScanImage scan = Pair();
        ViewImage thin = ScanViewer.Render(scan, ViewSettings.Parse("grey,density=0"));
        ViewImage dense = ScanViewer.Render(scan, ViewSettings.Parse("grey,density=1"));
        Assert.That(Px(thin, 35, 5).G, Is.LessThan(Px(dense, 35, 5).G), "a dense material is brighter (more visible) with the window slid to dense");
        ViewImage bright = ScanViewer.Render(scan, ViewSettings.Parse("grey,gamma=0.5"));
        ViewImage plain = ScanViewer.Render(scan, ViewSettings.Parse("grey"));
        Assert.That(Px(bright, 15, 5).G, Is.GreaterThan(Px(plain, 15, 5).G));
        Assert.That(Px(bright, 5, 5).G, Is.EqualTo(255), "air stays white");
    }

    [Test]
    public void A_16_bit_grey_scan_is_viewed_through_the_detectors_percentile_window_at_full_precision()
    {
        using var m = new Mat(40, 100, MatType.CV_16UC1, Scalar.All(60000));
        m[new Rect(0, 0, 30, 40)].SetTo(Scalar.All(1000));
        m[new Rect(40, 0, 10, 40)].SetTo(Scalar.All(30500));
        m[new Rect(60, 0, 10, 40)].SetTo(Scalar.All(2000));
        m[new Rect(70, 0, 10, 40)].SetTo(Scalar.All(3000));
        using ScanImage scan = ScanImage.FromFile(TestData.Write(Dir, "grey16.png", TestData.Encode(".png", m)));
        ViewImage std = ScanViewer.Render(scan);
        ViewImage low = ScanViewer.Render(scan, ViewSettings.Parse("low-penetration"));
        ViewImage high = ScanViewer.Render(scan, ViewSettings.Parse("high-penetration"));
        ViewImage neg = ScanViewer.Render(scan, ViewSettings.Parse("negative"));
        Assert.That(Px(std, 5, 5).G, Is.Zero);
        Assert.That(Px(std, 90, 5).G, Is.EqualTo(255));
        Assert.That(Px(std, 45, 5).G, Is.EqualTo(128).Within(1), "half-way up the window");
        Assert.That(Px(neg, 45, 5).G, Is.EqualTo(127).Within(1));
        Assert.That(Px(low, 45, 5).G, Is.EqualTo(0).Within(1), "brightness 0.5 is low penetration's black point");
        Assert.That(Px(high, 45, 5).G, Is.EqualTo(255));
        int stdGap = Px(std, 75, 5).G - Px(std, 65, 5).G, highGap = Px(high, 75, 5).G - Px(high, 65, 5).G;
        Assert.That(highGap, Is.GreaterThanOrEqualTo(3 * stdGap), $"1000 counts apart in dense areas: standard {stdGap}, high penetration {highGap}");
        Assert.That(IsGrey(Px(std, 45, 5)), Is.True);
        var ex = Assert.Catch<ArgumentException>(() => ScanViewer.Render(scan, ViewSettings.Parse("organic-only")));
        Assert.That(ex!.Message, Does.Contain("grey16").And.Contain("single-energy"));
    }

    [Test]
    public void An_8_bit_pseudo_colour_render_is_stripped_by_hue_and_windowed_by_value()
    {
        using var m = new Mat(20, 60, MatType.CV_8UC3, Scalar.All(255));
        m[new Rect(0, 0, 20, 20)].SetTo(new Scalar(40, 140, 255)); // orange organic (BGR)
        m[new Rect(20, 0, 20, 20)].SetTo(new Scalar(255, 90, 40)); // blue metal
        using ScanImage scan = ScanImage.FromFile(TestData.Write(Dir, "vendor.png", TestData.Encode(".png", m)));
        ViewImage organic = ScanViewer.Render(scan, ViewSettings.Parse("organic-only"));
        ViewImage inorganic = ScanViewer.Render(scan, ViewSettings.Parse("inorganic-only"));
        Assert.That(Px(organic, 5, 5).R, Is.GreaterThan(Px(organic, 5, 5).B + 100), "orange kept");
        Assert.That(IsGrey(Px(organic, 25, 5)), Is.True, "blue stripped");
        Assert.That(IsGrey(Px(inorganic, 5, 5)), Is.True, "orange stripped");
        Assert.That(Px(inorganic, 25, 5).B, Is.GreaterThan(Px(inorganic, 25, 5).R + 100), "blue kept");
        Assert.That(Px(organic, 50, 5), Is.EqualTo(((byte)255, (byte)255, (byte)255)), "white background untouched");
        ViewImage neg = ScanViewer.Render(scan, ViewSettings.Parse("negative"));
        Assert.That(Px(neg, 50, 5), Is.EqualTo(((byte)0, (byte)0, (byte)0)));
        Assert.That(Px(neg, 5, 5).R, Is.LessThan(10), "the bright orange's value inverted");
    }

    [Test]
    public void Edge_enhancement_overshoots_at_a_step_and_leaves_flat_areas_alone()
    {
        using var m = new Mat(40, 80, MatType.CV_8UC1, Scalar.All(200));
        m[new Rect(40, 0, 40, 40)].SetTo(Scalar.All(100));
        using ScanImage scan = ScanImage.FromFile(TestData.Write(Dir, "step.png", TestData.Encode(".png", m)));
        ViewImage edge = ScanViewer.Render(scan, ViewSettings.Parse("edge"));
        Assert.That(Px(edge, 10, 20).G, Is.EqualTo(200), "flat");
        Assert.That(Px(edge, 70, 20).G, Is.EqualTo(100), "flat");
        Assert.That(Px(edge, 38, 20).G, Is.GreaterThan(205), "bright side of the edge brighter");
        Assert.That(Px(edge, 41, 20).G, Is.LessThan(95), "dark side of the edge darker");
    }

    [Test]
    public void Zoom_crops_exactly_and_scales_and_a_region_outside_the_scan_is_refused_with_the_range()
    {
        using ScanImage scan = Pair();
        ViewImage full = ScanViewer.Render(scan);
        ViewImage crop = ScanViewer.Render(scan, ViewSettings.Parse("zoom=10,5,30,20"));
        Assert.That((crop.Width, crop.Height), Is.EqualTo((30, 20)));
        for (int x = 0; x < 30; x += 7)
        {
            Assert.That(Px(crop, x, 3), Is.EqualTo(Px(full, x + 10, 8)));
        }

        ViewImage big = ScanViewer.Render(scan, ViewSettings.Parse("zoom=10,5,30,20@4"));
        Assert.That((big.Width, big.Height), Is.EqualTo((120, 80)));
        Assert.That(Px(big, 20, 20), Is.EqualTo(Px(full, 15, 10)), "inside a flat column the scaled pixel keeps its colour");
        var ex = Assert.Catch<ArgumentException>(() => ScanViewer.Render(scan, ViewSettings.Parse("zoom=50,0,30,20")));
        Assert.That(ex!.Message, Does.Contain("bag").And.Contain("x + w <= 60"));
    }

    [TestCase("grey,negative,edge")]
    [TestCase("organic-only,density=0.3,gamma=0.7")]
    [TestCase("inorganic-only high-penetration zoom=1,2,3,4@2.5")]
    [TestCase("")]
    public void The_text_form_reads_back_to_the_same_settings(string text)
    {
        ViewSettings s = ViewSettings.Parse(text);
        Assert.That(ViewSettings.Parse(s.ToString()), Is.EqualTo(s));
    }

    [TestCase("sepia", "unknown image function 'sepia'")]
    [TestCase("density=2", "from 0 to 1")]
    [TestCase("gamma=0", "from 0.2 to 5")]
    [TestCase("zoom=1,2,3", "zoom=X,Y,W,H")]
    [TestCase("window=0.6:0.2", "LOW must be below HIGH")]
    public void Bad_functions_are_refused_by_name(string text, string reason)
    {
        var ex = Assert.Catch<ArgumentException>(() => ViewSettings.Parse(text));
        Assert.That(ex!.Message, Does.Contain(reason));
    }

    [Test]
    public void Cli_render_finds_the_low_energy_partner_and_writes_the_view()
    {
        using (Pair())
        {
        }

        string output = Path.Combine(Dir, "view.png");
        (int code, string stdout, string stderr) = DetectCliTests.Run("render", Path.Combine(Dir, "bag_low.png"), "-f", "organic-only", "-f", "zoom=0,0,40,20@2", "-o", output);
        Assert.That(code, Is.Zero, stdout + stderr);
        Assert.That(stdout, Does.Contain("dual-energy pair").And.Contain("organic-only"));
        using Mat m = Cv2.ImRead(output, ImreadModes.Unchanged);
        Assert.That((m.Cols, m.Rows, m.Type()), Is.EqualTo((80, 40, MatType.CV_8UC3)));

        (code, _, stderr) = DetectCliTests.Run("render", Path.Combine(Dir, "bag_high.png"), "-f", "sepia", "-o", output);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("unknown image function 'sepia'"));
    }
}
