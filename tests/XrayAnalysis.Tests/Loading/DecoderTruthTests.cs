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

    [Test]
    public void A_png_whose_image_data_span_many_chunks_is_checked_across_them()
    {
        // 64 rows of 301 grey bytes, each with filter type 0; the zlib stream is cut into five IDAT chunks, one empty.
        var raw = new byte[64 * 302];
        new Random(11).NextBytes(raw);
        for (int r = 0; r < 64; r++)
        {
            raw[r * 302] = 0;
        }

        byte[] z = Zlib(raw);
        int third = z.Length / 3;
        byte[] whole = Png(301, 64, 8, 0, false, z, 7, third, third, 2 * third);
        Assert.That(ImageHeaderProbe.Probe("x.png", whole).Defect, Is.Null);
        using (Mat decoded = Cv2.ImDecode(whole, ImreadModes.Unchanged))
        {
            Assert.That(decoded.Get<byte>(5, 10), Is.EqualTo(raw[(5 * 302) + 1 + 10]), "the hand-made file is a real PNG");
        }

        // The same stream with its last chunk's data cut short (the chunk's CRC still correct): truncated, not ok.
        byte[] cut = Png(301, 64, 8, 0, false, z[..(z.Length - 40)], 7, third, third, 2 * third);
        Assert.That(ImageHeaderProbe.Probe("x.png", cut).Defect, Does.StartWith("truncated PNG").Or.StartWith("damaged PNG"));

        // A bad filter byte in a row whose data lie in the third chunk.
        raw[40 * 302] = 9;
        byte[] bad = Png(301, 64, 8, 0, false, Zlib(raw), 3, 5, 11);
        Assert.That(ImageHeaderProbe.Probe("x.png", bad).Defect, Does.Contain("row 40 has filter type 9"));
    }

    /// <summary>
    /// A PNG built by hand: IHDR, IDAT holding <paramref name="zlib"/> (split into chunks at <paramref name="splits"/>,
    /// empty chunks allowed), IEND, all with correct CRCs.
    /// </summary>
    private static byte[] Png(int w, int h, int bitDepth, int colourType, bool interlaced, byte[] zlib, params int[] splits)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = (byte)colourType;
        ihdr[12] = (byte)(interlaced ? 1 : 0);
        Chunk(ms, "IHDR", ihdr);
        int from = 0;
        foreach (int at in splits.Append(zlib.Length))
        {
            Chunk(ms, "IDAT", zlib[from..at]);
            from = at;
        }

        Chunk(ms, "IEND", []);
        return ms.ToArray();

        static void Chunk(Stream s, string type, byte[] body)
        {
            byte[] t = System.Text.Encoding.ASCII.GetBytes(type);
            var len = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, body.Length);
            s.Write(len);
            s.Write(t);
            s.Write(body);
            var crc = new System.IO.Hashing.Crc32();
            crc.Append(t);
            crc.Append(body);
            var c = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(c, crc.GetCurrentHashAsUInt32());
            s.Write(c);
        }
    }

    private static byte[] Zlib(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(ms, System.IO.Compression.CompressionLevel.Optimal))
        {
            z.Write(raw);
        }

        return ms.ToArray();
    }

    /// <summary>Filter-0 rows of an 8-bit grey image whose pixel (x, y) is (x * 7 + y * 13) mod 256, Adam7-ordered when interlaced.</summary>
    private static byte[] GreyRows(int w, int h, bool interlaced)
    {
        var raw = new List<byte>();
        int[] x0 = interlaced ? [0, 4, 0, 2, 0, 1, 0] : [0], y0 = interlaced ? [0, 0, 4, 0, 2, 0, 1] : [0];
        int[] dx = interlaced ? [8, 8, 4, 4, 2, 2, 1] : [1], dy = interlaced ? [8, 8, 8, 4, 4, 2, 2] : [1];
        for (int p = 0; p < x0.Length; p++)
        {
            for (int y = y0[p]; y < h; y += dy[p])
            {
                if (x0[p] >= w)
                {
                    continue;
                }

                raw.Add(0);
                for (int x = x0[p]; x < w; x += dx[p])
                {
                    raw.Add((byte)((x * 7) + (y * 13)));
                }
            }
        }

        return [.. raw];
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_complete_png_passes_the_data_check_and_decodes_to_its_pixels(bool interlaced)
    {
        byte[] png = Png(37, 23, 8, 0, interlaced, Zlib(GreyRows(37, 23, interlaced)));
        Assert.That(ImageHeaderProbe.Probe("x.png", png).Defect, Is.Null);
        using Mat m = Cv2.ImDecode(png, ImreadModes.Unchanged);
        Assert.That(m.At<byte>(22, 36), Is.EqualTo(unchecked((byte)((36 * 7) + (22 * 13)))));
    }

    [Test]
    public void A_png_with_valid_crcs_but_a_cut_zlib_stream_is_truncated()
    {
        byte[] z = Zlib(GreyRows(64, 64, false));
        ImageHeader h = ImageHeaderProbe.Probe("x.png", Png(64, 64, 8, 0, false, z[..(z.Length / 2)]));
        Assert.That(h.Defect, Does.StartWith("truncated PNG: image data inflate to").Or.StartWith("damaged PNG: image data do not inflate"));
    }

    [Test]
    public void A_png_with_valid_crcs_but_a_wrong_adler32_is_damaged()
    {
        byte[] z = Zlib(GreyRows(64, 64, false));
        z[^1] ^= 0x5A;
        Assert.That(ImageHeaderProbe.Probe("x.png", Png(64, 64, 8, 0, false, z)).Defect, Does.StartWith("damaged PNG: image data do not inflate"));
    }

    [Test]
    public void A_png_with_too_few_rows_or_a_bad_filter_byte_is_not_complete()
    {
        byte[] rows = GreyRows(64, 64, false);
        Assert.That(ImageHeaderProbe.Probe("x.png", Png(64, 64, 8, 0, false, Zlib(rows[..(65 * 40)]))).Defect, Does.StartWith("truncated PNG"));
        rows[65 * 10] = 9;
        Assert.That(ImageHeaderProbe.Probe("x.png", Png(64, 64, 8, 0, false, Zlib(rows))).Defect, Does.Contain("filter type 9"));
    }

    /// <summary>A 16-bit grey TIFF from OpenCV with the given compression, and the byte positions of its IFD entries by tag.</summary>
    private static (byte[] Bytes, Dictionary<int, int> Entries) Tiff(int compression, int w = 64, int h = 48)
    {
        using Mat m = TestData.Grey16(w, h);
        Cv2.ImEncode(".tif", m, out byte[] bytes, [259, compression]);
        int ifd = BitConverter.ToInt32(bytes, 4);
        int n = BitConverter.ToUInt16(bytes, ifd);
        var entries = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            entries[BitConverter.ToUInt16(bytes, ifd + 2 + (12 * i))] = ifd + 2 + (12 * i);
        }

        return (bytes, entries);
    }

    [TestCase(1)]
    [TestCase(5)]
    [TestCase(8)]
    [TestCase(32773)]
    public void A_tiff_strip_that_decodes_short_is_truncated(int compression)
    {
        (byte[] b, Dictionary<int, int> e) = Tiff(compression, 64, 8);
        Assert.That(ImageHeaderProbe.Probe("x.tif", b).Defect, Is.Null, "the untouched file is complete");
        Assert.That(BitConverter.ToUInt32(b, e[279] + 4), Is.EqualTo(1u), "one strip");
        uint count = BitConverter.ToUInt32(b, e[279] + 8);
        BitConverter.GetBytes(count / 3).CopyTo(b, e[279] + 8);
        string? defect = ImageHeaderProbe.Probe("x.tif", b).Defect;
        Assert.That(defect, Does.StartWith("truncated TIFF").Or.StartWith("damaged TIFF"));
    }

    [Test]
    public void A_tiff_whose_bits_per_sample_points_past_the_end_is_damaged_not_a_crash()
    {
        (byte[] b, Dictionary<int, int> e) = Tiff(1);
        // BitsPerSample with count 3 and its value offset at 0xFFFFFFFF (once an unchecked uint overflow in the probe).
        BitConverter.GetBytes(3u).CopyTo(b, e[258] + 4);
        BitConverter.GetBytes(0xFFFFFFFFu).CopyTo(b, e[258] + 8);
        ScanLoadException? ex = Assert.Throws<ScanLoadException>(() => ImageHeaderProbe.Probe("x.tif", b));
        Assert.That(ex!.Status, Is.EqualTo(ScanStatus.Failed));
        Assert.That(ex.Reason, Does.Contain("0 bits per sample"));
    }

    [Test]
    public void A_tiff_directory_out_of_order_or_with_a_bad_planar_value_is_damaged()
    {
        (byte[] b, Dictionary<int, int> e) = Tiff(5);
        byte[] swapped = (byte[])b.Clone();
        b.AsSpan(e[256], 12).CopyTo(swapped.AsSpan(e[257]));
        b.AsSpan(e[257], 12).CopyTo(swapped.AsSpan(e[256]));
        Assert.That(ImageHeaderProbe.Probe("x.tif", swapped).Defect, Does.Contain("not sorted"));
    }

    public static IEnumerable<string> DamagedFixtures() =>
        Directory.GetFiles(Path.Combine(TestData.Fixtures, "damaged")).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Select(Path.GetFileName)!;

    [TestCaseSource(nameof(DamagedFixtures))]
    public void Files_an_independent_decoder_calls_corrupt_are_never_complete(string name)
    {
        string path = Path.Combine(TestData.Fixtures, "damaged", name);
        string? defect;
        try
        {
            defect = ImageHeaderProbe.Probe(path, File.ReadAllBytes(path)).Defect;
        }
        catch (ScanLoadException ex)
        {
            defect = ex.Reason;
        }

        Assert.That(defect, Is.Not.Null);
    }
}
