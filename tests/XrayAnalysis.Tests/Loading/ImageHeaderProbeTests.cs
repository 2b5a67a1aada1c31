using System.Buffers.Binary;
using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Tests.Loading;

public sealed class ImageHeaderProbeTests
{
    [Test]
    public void A_complete_png_reports_its_size_depth_and_no_defect()
    {
        using Mat m = TestData.Grey16(40, 30);
        ImageHeader h = ImageHeaderProbe.Probe("x.png", TestData.Encode(".png", m));
        Assert.That(h, Is.EqualTo(new ImageHeader(ImageFormat.Png, 40, 30, 16, 1, 1, null)));
    }

    [TestCase(".png")]
    [TestCase(".jpg")]
    [TestCase(".tif")]
    [TestCase(".bmp")]
    public void A_file_cut_in_half_is_reported_as_a_defect(string ext)
    {
        using var m = new Mat(64, 64, MatType.CV_8UC3, new Scalar(10, 200, 30));
        Cv2.Randu(m, new Scalar(0, 0, 0), new Scalar(255, 255, 255));
        byte[] bytes = TestData.Encode(ext, m);
        string? defect;
        try
        {
            // Formats whose directory sits at the end (TIFF from libtiff) lose it when cut: incomplete at once.
            defect = ImageHeaderProbe.Probe("x" + ext, bytes.AsSpan(0, bytes.Length / 2)).Defect;
        }
        catch (ScanLoadException ex) when (ex.Status == ScanStatus.Incomplete)
        {
            defect = ex.Reason;
        }

        Assert.That(defect, Does.StartWith("truncated"));
    }

    [Test]
    public void A_png_with_a_flipped_byte_fails_its_crc()
    {
        using Mat m = TestData.Grey16(32, 32);
        byte[] bytes = TestData.Encode(".png", m);
        bytes[^20] ^= 0xFF;
        ImageHeader h = ImageHeaderProbe.Probe("x.png", bytes);
        Assert.That(h.Defect, Does.Contain("CRC mismatch"));
    }

    [Test]
    public void A_png_header_declaring_30000_by_30000_is_read_from_66_bytes_without_decoding()
    {
        byte[] png = TinyPngHeader(30000, 30000);
        ImageHeader h = ImageHeaderProbe.Probe("bomb.png", png);
        Assert.That((h.Width, h.Height, h.Pixels), Is.EqualTo((30000, 30000, 900_000_000L)));
    }

    [Test]
    public void Random_bytes_are_not_an_image()
    {
        var rng = new Random(1);
        var bytes = new byte[1000];
        rng.NextBytes(bytes);
        bytes[0] = 0x12;
        var ex = Assert.Throws<ScanLoadException>(() => ImageHeaderProbe.Probe("noise.png", bytes));
        Assert.That(ex!.Status, Is.EqualTo(ScanStatus.Failed));
        Assert.That(ex.Reason, Does.StartWith("unrecognised image format"));
    }

    [Test]
    public void An_empty_file_fails_with_a_reason()
    {
        var ex = Assert.Throws<ScanLoadException>(() => ImageHeaderProbe.Probe("empty.png", []));
        Assert.That(ex!.Reason, Is.EqualTo("empty file (0 bytes)"));
    }

    [Test]
    public void A_tiff_whose_ifd_points_to_itself_is_rejected_as_circular()
    {
        using Mat m = TestData.Grey16(16, 16);
        byte[] tif = TestData.Encode(".tif", m);
        uint ifd = BinaryPrimitives.ReadUInt32LittleEndian(tif.AsSpan(4));
        int n = BinaryPrimitives.ReadUInt16LittleEndian(tif.AsSpan((int)ifd));
        BinaryPrimitives.WriteUInt32LittleEndian(tif.AsSpan((int)ifd + 2 + (12 * n)), ifd);
        var ex = Assert.Throws<ScanLoadException>(() => ImageHeaderProbe.Probe("loop.tif", tif));
        Assert.That(ex!.Reason, Does.Contain("circular IFD chain"));
    }

    [Test]
    public void A_bmp_with_zero_bits_per_pixel_fails_instead_of_dividing_by_zero()
    {
        using var m = new Mat(8, 8, MatType.CV_8UC3, Scalar.All(9));
        byte[] bmp = TestData.Encode(".bmp", m);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(28), 0);
        var ex = Assert.Throws<ScanLoadException>(() => ImageHeaderProbe.Probe("zero.bmp", bmp));
        Assert.That(ex!.Reason, Does.Contain("0 bits per pixel"));
    }

    /// <summary>Signature + IHDR (with a valid CRC) + an empty IDAT + IEND: 57 bytes declaring any size.</summary>
    internal static byte[] TinyPngHeader(int w, int h)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8;
        ihdr[9] = 2;
        Chunk(ms, "IHDR", ihdr);
        Chunk(ms, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(MemoryStream ms, string type, byte[] body)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, body.Length);
        ms.Write(len);
        byte[] t = System.Text.Encoding.ASCII.GetBytes(type);
        ms.Write(t);
        ms.Write(body);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.Compute(t, body));
        ms.Write(crc);
    }
}
