using System.Buffers.Binary;
using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Tests.Loading;

/// <summary>
/// The one-pass PNG decoder: pixel-exact against OpenCV's decode for every colour type and depth it takes, every
/// filter type undone exactly, and a damaged stream never "ok" — with the messages the separate check gave.
/// </summary>
public sealed class PngDecoderTests : TempDirTest
{
    private static Mat Smooth(int w, int h, MatType type, int seed)
    {
        var rng = new Random(seed);
        int n = w * h * type.Channels;
        using var flat = new Mat(h, w * type.Channels, MatType.MakeType(type.Depth, 1));
        if (type.Depth == MatType.CV_16U)
        {
            flat.SetArray(Enumerable.Range(0, n).Select(_ => (ushort)rng.Next(65536)).ToArray());
        }
        else
        {
            var b = new byte[n];
            rng.NextBytes(b);
            flat.SetArray(b);
        }

        Mat m = flat.Reshape(type.Channels, h).Clone();
        Cv2.GaussianBlur(m, m, new Size(7, 7), 2);
        return m;
    }

    public static IEnumerable<TestCaseData> OpenCvFiles()
    {
        foreach (MatType t in new[] { MatType.CV_8UC1, MatType.CV_8UC3, MatType.CV_8UC4, MatType.CV_16UC1, MatType.CV_16UC3, MatType.CV_16UC4 })
        {
            foreach (int level in new[] { 0, 1, 6, 9 })
            {
                yield return new TestCaseData(t, level).SetArgDisplayNames(t.ToString(), $"level{level}");
            }
        }
    }

    [TestCaseSource(nameof(OpenCvFiles))]
    public void Equals_opencvs_decode_pixel_for_pixel(MatType type, int level)
    {
        using Mat src = Smooth(203, 77, type, level + 1);
        Cv2.ImEncode(".png", src, out byte[] png, [(int)ImwriteFlags.PngCompression, level]);
        ImageHeader h = ImageHeaderProbe.Probe("x.png", png, deferPngData: true);
        Assert.That(h.DeferredPng, Is.Not.Null, "the one-pass path is taken");
        using Mat ours = PngDecoder.Decode("x.png", png, h.DeferredPng!, h.Width, h.Height);
        using Mat cv = Cv2.ImDecode(png, ImreadModes.Unchanged);
        using Mat expected = cv.Channels() == 4 ? cv.CvtColor(ColorConversionCodes.BGRA2BGR) : cv.Clone();
        AssertSame(ours, expected);

        // And through the loader, as the pipeline reads it.
        string path = TestData.Write(Dir, $"x{level}.png", png);
        using Scan scan = new ScanLoader().Load(ScanInput.Single(path));
        AssertSame(scan.Image, expected);
    }

    [TestCase(1, 8, 0)]
    [TestCase(3, 8, 2)]
    [TestCase(4, 8, 6)]
    [TestCase(1, 16, 0)]
    [TestCase(3, 16, 2)]
    [TestCase(4, 16, 6)]
    public void Every_filter_type_is_undone_exactly(int samples, int bits, int colourType)
    {
        // Rows cycle through None, Sub, Up, Average and Paeth; random bytes make every predictor branch matter.
        int w = 37, h = 25, bpp = samples * bits / 8, rowBytes = w * bpp;
        var raw = new byte[h * rowBytes];
        new Random(bits * 10 + samples).NextBytes(raw);
        var filtered = new List<byte>();
        for (int y = 0; y < h; y++)
        {
            byte f = (byte)(y % 5);
            filtered.Add(f);
            for (int i = 0; i < rowBytes; i++)
            {
                int x = raw[(y * rowBytes) + i];
                int a = i >= bpp ? raw[(y * rowBytes) + i - bpp] : 0;
                int b = y > 0 ? raw[((y - 1) * rowBytes) + i] : 0;
                int c = y > 0 && i >= bpp ? raw[((y - 1) * rowBytes) + i - bpp] : 0;
                int pred = f switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) >> 1, _ => Paeth(a, b, c) };
                filtered.Add((byte)(x - pred));
            }
        }

        byte[] png = HandMade(w, h, bits, colourType, Zlib([.. filtered]), 5);
        string path = TestData.Write(Dir, "filters.png", png);
        using Scan scan = new ScanLoader().Load(ScanInput.Single(path));
        Mat m = scan.Image;
        int outCh = samples == 4 ? 3 : samples;
        Assert.That(m.Channels(), Is.EqualTo(outCh));
        using Mat flat = m.Reshape(1);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int ch = 0; ch < outCh; ch++)
                {
                    int source = samples == 1 ? 0 : 2 - ch; // BGR out of RGB(A)
                    int at = (y * rowBytes) + (x * bpp) + (source * bits / 8);
                    int want = bits == 8 ? raw[at] : BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(at));
                    int got = bits == 8 ? flat.At<byte>(y, (x * outCh) + ch) : flat.At<ushort>(y, (x * outCh) + ch);
                    Assert.That(got, Is.EqualTo(want), $"pixel ({x}, {y}) channel {ch}");
                }
            }
        }

        // OpenCV agrees with the hand-made file (so the file is a valid PNG, not one only we read).
        using Mat cv = Cv2.ImDecode(png, ImreadModes.Unchanged);
        using Mat expected = cv.Channels() == 4 ? cv.CvtColor(ColorConversionCodes.BGRA2BGR) : cv.Clone();
        AssertSame(m, expected);
    }

    [Test]
    public void A_damaged_stream_is_incomplete_with_the_checks_own_words()
    {
        int w = 64, h = 40, rowBytes = w * 3;
        var rows = new byte[h * (rowBytes + 1)];
        new Random(3).NextBytes(rows);
        for (int y = 0; y < h; y++)
        {
            rows[y * (rowBytes + 1)] = (byte)(y % 5);
        }

        byte[] z = Zlib(rows);
        (string Name, byte[] Png, string Reason)[] cases =
        [
            ("short", HandMade(w, h, 8, 2, z[..(z.Length / 2)], 3), "truncated PNG: image data inflate to"),
            ("filter", HandMade(w, h, 8, 2, Zlib(Set(rows, 17 * (rowBytes + 1), 7)), 3), "damaged PNG: row 17 has filter type 7"),
            ("long", HandMade(w, h - 1, 8, 2, z, 3), "damaged PNG: image data inflate to more than"),
            ("garbage", HandMade(w, h, 8, 2, Set(z, z.Length / 3, (byte)~z[z.Length / 3]), 3), "damaged PNG"),
        ];
        foreach ((string name, byte[] png, string reason) in cases)
        {
            Assert.That(ImageHeaderProbe.Probe("x.png", png, deferPngData: true).DeferredPng, Is.Not.Null, name);
            string path = TestData.Write(Dir, name + ".png", png);
            ScanLoadException? ex = Assert.Throws<ScanLoadException>(() => new ScanLoader().Load(ScanInput.Single(path)).Dispose(), name);
            Assert.That(ex!.Status, Is.EqualTo(ScanStatus.Incomplete), name);
            Assert.That(ex.Reason, Does.StartWith(reason), name);

            // The separate check (used where nothing is decoded) says the same.
            Assert.That(ImageHeaderProbe.Probe("x.png", png).Defect, Does.StartWith(reason.Split(':')[0]), name);
        }
    }

    [Test]
    public void Interlaced_palette_and_transparent_pngs_go_the_old_way_and_still_decode()
    {
        using Mat grey = Smooth(50, 30, MatType.CV_8UC1, 9);
        Cv2.ImEncode(".png", grey, out byte[] plain);

        // tRNS before IDAT: not deferred (OpenCV would give alpha); still decodes as OpenCV does.
        int idat = plain.AsSpan().IndexOf("IDAT"u8) - 4;
        byte[] trns = [.. plain[..idat], .. Chunk("tRNS", [0, 7]), .. plain[idat..]];
        Assert.That(ImageHeaderProbe.Probe("x.png", trns, deferPngData: true).DeferredPng, Is.Null);
        Assert.That(ImageHeaderProbe.Probe("x.png", trns, deferPngData: true).Defect, Is.Null);
        string path = TestData.Write(Dir, "trns.png", trns);
        using Scan scan = new ScanLoader().Load(ScanInput.Single(path));
        Assert.That(scan.Width, Is.EqualTo(50));

        byte[] interlaced = HandMade(4, 4, 8, 0, Zlib(new byte[40]), 0, interlace: true);
        Assert.That(ImageHeaderProbe.Probe("x.png", interlaced, deferPngData: true).DeferredPng, Is.Null);
        Assert.That(PngDecoder.Handles(8, 3, false, false), Is.False, "palette");
        Assert.That(PngDecoder.Handles(4, 0, false, false), Is.False, "4-bit grey");
    }

    private static void AssertSame(Mat a, Mat b)
    {
        Assert.That((a.Rows, a.Cols, a.Type()), Is.EqualTo((b.Rows, b.Cols, b.Type())));
        using Mat diff = new();
        Cv2.Absdiff(a, b, diff);
        Assert.That(Cv2.CountNonZero(diff.Reshape(1)), Is.EqualTo(0), "pixel-exact");
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static byte[] Set(byte[] a, int at, byte v)
    {
        byte[] c = (byte[])a.Clone();
        c[at] = v;
        return c;
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

    /// <summary>Signature, IHDR, the zlib data cut into <paramref name="chunks"/> IDAT chunks (one if 0), IEND.</summary>
    private static byte[] HandMade(int w, int h, int bits, int colourType, byte[] zlib, int chunks, bool interlace = false)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = (byte)bits;
        ihdr[9] = (byte)colourType;
        ihdr[12] = (byte)(interlace ? 1 : 0);
        var file = new List<byte>([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        file.AddRange(Chunk("IHDR", ihdr));
        int n = Math.Max(1, chunks), step = (zlib.Length + n - 1) / n;
        for (int i = 0; i < zlib.Length; i += step)
        {
            file.AddRange(Chunk("IDAT", zlib[i..Math.Min(zlib.Length, i + step)]));
        }

        file.AddRange(Chunk("IEND", []));
        return [.. file];
    }

    private static byte[] Chunk(string type, byte[] body)
    {
        byte[] t = System.Text.Encoding.ASCII.GetBytes(type);
        var crc = new System.IO.Hashing.Crc32();
        crc.Append(t);
        crc.Append(body);
        var o = new byte[12 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(o, body.Length);
        t.CopyTo(o, 4);
        body.CopyTo(o, 8);
        BinaryPrimitives.WriteUInt32BigEndian(o.AsSpan(8 + body.Length), crc.GetCurrentHashAsUInt32());
        return o;
    }
}
