using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Tests.Loading;

/// <summary>
/// A file whose pixel data are not all there is never "ok": the probe checks the coded data themselves (JPEG entropy
/// segments, PNG zlib stream, TIFF strips), not only the container.
/// </summary>
public sealed class DecoderTruthTests
{
    private static Mat Textured(int w, int h, int channels, int seed)
    {
        var bytes = new byte[w * h * channels];
        new Random(seed).NextBytes(bytes);
        using var flat = new Mat(h, w * channels, MatType.CV_8UC1);
        flat.SetArray(bytes);
        Mat m = flat.Reshape(channels, h).Clone();
        Cv2.GaussianBlur(m, m, new Size(5, 5), 1.5);
        return m;
    }

    public static IEnumerable<TestCaseData> JpegVariants()
    {
        foreach (int ch in new[] { 1, 3 })
        {
            foreach (bool progressive in new[] { false, true })
            {
                foreach (int rst in new[] { 0, 3 })
                {
                    foreach (int sampling in new[] { 0x411111, 0x221111, 0x111111 })
                    {
                        if (ch == 1 && sampling != 0x411111)
                        {
                            continue;
                        }

                        yield return new TestCaseData(ch, progressive, rst, sampling).SetArgDisplayNames($"ch{ch}", progressive ? "progressive" : "baseline", $"rst{rst}", $"s{sampling:X}");
                    }
                }
            }
        }
    }

    private static byte[] Jpeg(int ch, bool progressive, int rst, int sampling, int w = 203, int h = 117)
    {
        using Mat m = Textured(w, h, ch, 7);
        var prms = new List<int> { (int)ImwriteFlags.JpegQuality, 90, (int)ImwriteFlags.JpegProgressive, progressive ? 1 : 0, (int)ImwriteFlags.JpegRstInterval, rst };
        if (ch == 3)
        {
            prms.AddRange([7 /* IMWRITE_JPEG_SAMPLING_FACTOR */, sampling]);
        }

        Cv2.ImEncode(".jpg", m, out byte[] bytes, prms.ToArray());
        return bytes;
    }

    [TestCaseSource(nameof(JpegVariants))]
    public void Every_kind_of_valid_jpeg_passes_the_entropy_check(int ch, bool progressive, int rst, int sampling)
    {
        ImageHeader h = ImageHeaderProbe.Probe("x.jpg", Jpeg(ch, progressive, rst, sampling));
        Assert.That(h.Defect, Is.Null);
        Assert.That((h.Width, h.Height), Is.EqualTo((203, 117)));
    }

    [TestCaseSource(nameof(JpegVariants))]
    public void A_jpeg_cut_short_with_an_eoi_appended_is_incomplete(int ch, bool progressive, int rst, int sampling)
    {
        byte[] full = Jpeg(ch, progressive, rst, sampling);
        foreach (double share in new[] { 0.3, 0.45, 0.8, 0.97 })
        {
            int cut = (int)(full.Length * share);
            byte[] bytes = [.. full.AsSpan(0, cut), 0xFF, 0xD9];
            string? defect;
            try
            {
                defect = ImageHeaderProbe.Probe("x.jpg", bytes).Defect;
            }
            catch (ScanLoadException ex)
            {
                defect = ex.Reason;
            }

            Assert.That(defect, Is.Not.Null, $"cut at {share:P0} ({cut} of {full.Length} bytes) was reported complete");
        }
    }

    [Test]
    public void A_marker_inside_the_entropy_data_is_a_premature_end()
    {
        byte[] b = Jpeg(3, false, 0, 0x221111, 320, 240);
        int sos = b.AsSpan().IndexOf(new byte[] { 0xFF, 0xDA });
        int stuffed = b.AsSpan(sos + 20).IndexOf(new byte[] { 0xFF, 0x00 }) + sos + 20;
        b[stuffed + 1] = 0x7F;
        Assert.That(ImageHeaderProbe.Probe("x.jpg", b).Defect, Does.Contain("premature end").Or.Contain("Huffman"));
    }

    [Test]
    public void Restart_markers_out_of_order_or_bytes_before_them_are_corruption()
    {
        byte[] b = Jpeg(1, false, 2, 0, 320, 240);
        int sos = b.AsSpan().IndexOf(new byte[] { 0xFF, 0xDA });
        int rst = b.AsSpan(sos).IndexOf(new byte[] { 0xFF, 0xD1 }) + sos;
        byte[] renumbered = (byte[])b.Clone();
        renumbered[rst + 1] = 0xD5;
        Assert.That(ImageHeaderProbe.Probe("x.jpg", renumbered).Defect, Does.Contain("instead of restart marker RST1"));

        byte[] padded = [.. b.AsSpan(0, rst), 0x12, 0x34, .. b.AsSpan(rst)];
        Assert.That(ImageHeaderProbe.Probe("x.jpg", padded).Defect, Does.Contain("2 extraneous bytes"));
    }

    [Test]
    public void A_progressive_jpeg_whose_last_scans_are_missing_is_incomplete()
    {
        // Cut exactly before a later scan and close with EOI: libjpeg shows a blurry picture without any warning.
        byte[] b = Jpeg(3, true, 0, 0x221111, 160, 120);
        int lastSos = b.AsSpan().LastIndexOf(new byte[] { 0xFF, 0xDA });
        byte[] cut = [.. b.AsSpan(0, lastSos), 0xFF, 0xD9];
        Assert.That(ImageHeaderProbe.Probe("x.jpg", cut).Defect, Does.StartWith("incomplete JPEG"));
    }

    [Test]
    public void A_small_jpeg_declaring_a_huge_frame_is_incomplete()
    {
        byte[] b = Jpeg(1, false, 0, 0, 96, 96);
        // SOF0 height field: find FF C0, height at +5.
        int sof = b.AsSpan().IndexOf(new byte[] { 0xFF, 0xC0 });
        b[sof + 5] = 0xFF;
        b[sof + 6] = 0x48; // 65352 rows
        ImageHeader h = ImageHeaderProbe.Probe("x.jpg", b);
        Assert.That(h.Defect, Does.Contain("end at MCU").Or.Contain("premature"));
    }
}
