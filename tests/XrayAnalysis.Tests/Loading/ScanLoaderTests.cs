using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Tests.Loading;

public sealed class ScanLoaderTests : TempDirTest
{
    [TestCase(".png")]
    [TestCase(".tif")]
    public void Sixteen_bit_grey_keeps_its_depth_and_values(string ext)
    {
        using Mat m = TestData.Grey16(50, 40);
        string p = TestData.Write(Dir, "scan" + ext, TestData.Encode(ext, m));
        using Scan s = new ScanLoader().Load(ScanInput.Single(p));
        Assert.That((s.Width, s.Height, s.BitDepth, s.Channels), Is.EqualTo((50, 40, 16, 1)));
        Assert.That(s.Image.At<ushort>(15, 15), Is.EqualTo((ushort)9000));
        Assert.That(s.Sha256, Has.Length.EqualTo(64));
    }

    [Test]
    public void A_dual_energy_pair_loads_both_images()
    {
        using Mat hi = TestData.Grey16(30, 20);
        using Mat lo = TestData.Grey16(30, 20);
        string h = TestData.Write(Dir, "bag_high.png", TestData.Encode(".png", hi));
        string l = TestData.Write(Dir, "bag_low.png", TestData.Encode(".png", lo));
        IReadOnlyList<ScanInput> inputs = ScanDiscovery.Discover([Dir], out _);
        Assert.That(inputs, Has.Count.EqualTo(1));
        Assert.That((inputs[0].Path, inputs[0].LowEnergyPath, inputs[0].Name), Is.EqualTo((h, l, "bag")));
        using Scan s = new ScanLoader().Load(inputs[0]);
        Assert.That(s.IsDualEnergy, Is.True);
    }

    [Test]
    public void A_two_page_tiff_is_a_dual_energy_scan()
    {
        using Mat hi = TestData.Grey16(30, 20);
        using Mat lo = TestData.Grey16(30, 20);
        string p = Path.Combine(Dir, "pair.tif");
        Cv2.ImWrite(p, [hi, lo]);
        using Scan s = new ScanLoader().Load(ScanInput.Single(p));
        Assert.That((s.IsDualEnergy, s.Header.PageCount), Is.EqualTo((true, 2)));
    }

    [Test]
    public void An_image_above_the_pixel_cap_is_rejected_before_decoding()
    {
        string p = TestData.Write(Dir, "bomb.png", ImageHeaderProbeTests.TinyPngHeader(30000, 30000));
        long before = GC.GetTotalAllocatedBytes(true);
        var ex = Assert.Throws<ScanLoadException>(() => new ScanLoader().Load(ScanInput.Single(p)));
        long allocated = GC.GetTotalAllocatedBytes(true) - before;
        Assert.That(ex!.Status, Is.EqualTo(ScanStatus.Rejected));
        Assert.That(ex.Reason, Does.Contain("900000000 pixels is above the 400000000-pixel cap"));
        Assert.That(allocated, Is.LessThan(1_000_000), "no pixel buffer may be allocated for a rejected image");
    }

    [Test]
    public void A_truncated_png_is_incomplete_never_clear()
    {
        using Mat m = TestData.Grey16(64, 64);
        byte[] bytes = TestData.Encode(".png", m);
        string p = TestData.Write(Dir, "cut.png", bytes[..(bytes.Length * 2 / 3)]);
        var ex = Assert.Throws<ScanLoadException>(() => new ScanLoader().Load(ScanInput.Single(p)));
        Assert.That(ex!.Status, Is.EqualTo(ScanStatus.Incomplete));
    }

    [Test]
    public void A_png_named_jpg_is_read_by_its_content()
    {
        using Mat m = TestData.Grey16(20, 20);
        string p = TestData.Write(Dir, "wrong.jpg", TestData.Encode(".png", m));
        using Scan s = new ScanLoader().Load(ScanInput.Single(p));
        Assert.That((s.Header.Format, s.BitDepth), Is.EqualTo((ImageFormat.Png, 16)));
    }

    [Test]
    public void A_pair_of_different_sizes_fails_naming_both_sizes()
    {
        using Mat hi = TestData.Grey16(30, 20);
        using Mat lo = TestData.Grey16(31, 20);
        string h = TestData.Write(Dir, "a_high.png", TestData.Encode(".png", hi));
        string l = TestData.Write(Dir, "a_low.png", TestData.Encode(".png", lo));
        var ex = Assert.Throws<ScanLoadException>(() => new ScanLoader().Load(ScanInput.Pair(h, l, "a")));
        Assert.That(ex!.Reason, Is.EqualTo("dual-energy pair sizes differ: high 30x20, low 31x20"));
    }

    [Test]
    public void A_float_tiff_keeps_its_values()
    {
        using var m = new Mat(10, 12, MatType.CV_32FC1, new Scalar(0.25));
        string p = Path.Combine(Dir, "f.tif");
        Cv2.ImWrite(p, m);
        using Scan s = new ScanLoader().Load(ScanInput.Single(p));
        Assert.That((s.BitDepth, s.Image.At<float>(3, 3)), Is.EqualTo((32, 0.25f)));
    }

    [Test]
    public void Natural_sort_puts_slice2_before_slice10()
    {
        var list = new List<string> { "s10.png", "s2.png", "s1.png" };
        list.Sort(NaturalStringComparer.Instance);
        Assert.That(list, Is.EqualTo(new[] { "s1.png", "s2.png", "s10.png" }));
    }
}
