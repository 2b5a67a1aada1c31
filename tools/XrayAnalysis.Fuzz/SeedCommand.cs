using System.IO.Compression;
using System.Text;
using OpenCvSharp;

namespace XrayAnalysis.Fuzz;

/// <summary>
/// Writes a small seed corpus with one file per format variant the loaders accept: PNG 8/16-bit grey and colour, JPEG
/// baseline / progressive / restart intervals, TIFF uncompressed / LZW / Deflate / PackBits, two-page TIFF, BMP, and
/// volumes as MetaImage (raw, zlib), NRRD (raw, gzip) and multi-page TIFF. Deterministic.
/// </summary>
internal static class SeedCommand
{
    public static int Run(string images, string volumes)
    {
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(volumes);
        using Mat grey16 = Scene(96, 64, MatType.CV_16UC1, 1);
        using Mat grey8 = Scene(96, 64, MatType.CV_8UC1, 2);
        using Mat colour = Scene(96, 64, MatType.CV_8UC3, 3);
        Write(images, "grey16.png", grey16);
        Write(images, "grey8.png", grey8);
        Write(images, "colour.png", colour);
        Write(images, "baseline.jpg", colour, (int)ImwriteFlags.JpegQuality, 85);
        Write(images, "grey.jpg", grey8, (int)ImwriteFlags.JpegQuality, 85);
        Write(images, "progressive.jpg", colour, (int)ImwriteFlags.JpegProgressive, 1);
        Write(images, "restart.jpg", colour, (int)ImwriteFlags.JpegRstInterval, 2);
        foreach ((string name, int c) in new[] { ("none", 1), ("lzw", 5), ("deflate", 8), ("packbits", 32773) })
        {
            Write(images, $"grey16_{name}.tif", grey16, 259, c);
        }

        Write(images, "colour_lzw.tif", colour, 259, 5);
        Write(images, "colour.bmp", colour);
        using (Mat low = Scene(96, 64, MatType.CV_16UC1, 4))
        {
            Cv2.ImWrite(Path.Combine(images, "pair.tif"), [grey16, low]);
        }

        // Volumes: 24 x 20 x 12, 16-bit, little-endian.
        const int nx = 24, ny = 20, nz = 12;
        var raw = new byte[nx * ny * nz * 2];
        var rng = new Random(5);
        for (int i = 0; i < raw.Length / 2; i++)
        {
            int v = 1000 + ((i % nx) * 40) + rng.Next(200);
            raw[2 * i] = (byte)v;
            raw[(2 * i) + 1] = (byte)(v >> 8);
        }

        File.WriteAllBytes(Path.Combine(volumes, "vol.raw"), raw);
        File.WriteAllText(Path.Combine(volumes, "vol.mhd"), MetaHeader(nx, ny, nz, false, "vol.raw", raw.Length));
        byte[] z = Compress(raw, gzip: false);
        File.WriteAllBytes(Path.Combine(volumes, "volz.zraw"), z);
        File.WriteAllText(Path.Combine(volumes, "volz.mhd"), MetaHeader(nx, ny, nz, true, "volz.zraw", z.Length));
        File.WriteAllBytes(Path.Combine(volumes, "local.mha"), [.. Encoding.ASCII.GetBytes(MetaHeader(nx, ny, nz, false, "LOCAL", raw.Length)), .. raw]);
        File.WriteAllBytes(Path.Combine(volumes, "localz.mha"), [.. Encoding.ASCII.GetBytes(MetaHeader(nx, ny, nz, true, "LOCAL", z.Length)), .. z]);
        File.WriteAllBytes(Path.Combine(volumes, "attached.nrrd"), [.. Encoding.ASCII.GetBytes(NrrdHeader(nx, ny, nz, "raw", null)), .. raw]);
        File.WriteAllBytes(Path.Combine(volumes, "attached_gz.nrrd"), [.. Encoding.ASCII.GetBytes(NrrdHeader(nx, ny, nz, "gzip", null)), .. Compress(raw, gzip: true)]);
        var pages = new List<Mat>();
        for (int k = 0; k < nz; k++)
        {
            var m = new Mat(ny, nx, MatType.CV_16UC1);
            m.SetArray(MemoryMarshalCast(raw.AsSpan(k * nx * ny * 2, nx * ny * 2)));
            pages.Add(m);
        }

        Cv2.ImWrite(Path.Combine(volumes, "stack.tif"), pages);
        pages.ForEach(p => p.Dispose());
        return 0;
    }

    private static ushort[] MemoryMarshalCast(ReadOnlySpan<byte> b) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(b).ToArray();

    private static Mat Scene(int w, int h, MatType type, int seed)
    {
        var m = new Mat(h, w, type, Scalar.All(type == MatType.CV_16UC1 ? 50000 : 200));
        var rng = new Random(seed);
        for (int i = 0; i < 6; i++)
        {
            double v = type == MatType.CV_16UC1 ? rng.Next(2000, 40000) : rng.Next(10, 180);
            Cv2.Rectangle(m, new Rect(rng.Next(w - 20), rng.Next(h - 20), 8 + rng.Next(30), 8 + rng.Next(30)), new Scalar(v, v * 0.7, v * 0.4), -1);
        }

        Cv2.GaussianBlur(m, m, new Size(3, 3), 0.8);
        return m;
    }

    private static void Write(string dir, string name, Mat m, params int[] prms) =>
        Cv2.ImWrite(Path.Combine(dir, name), m, prms);

    private static string MetaHeader(int nx, int ny, int nz, bool compressed, string data, long compressedSize) =>
        $"ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = {(compressed ? "True" : "False")}\n" +
        (compressed ? $"CompressedDataSize = {compressedSize}\n" : "") +
        $"ElementSpacing = 0.8 0.8 1.5\nDimSize = {nx} {ny} {nz}\nElementType = MET_USHORT\nElementDataFile = {data}\n";

    private static string NrrdHeader(int nx, int ny, int nz, string encoding, string? dataFile) =>
        $"NRRD0004\ntype: uint16\ndimension: 3\nsizes: {nx} {ny} {nz}\nspace: left-posterior-superior\nspace directions: (0.8,0,0) (0,0.8,0) (0,0,1.5)\n" +
        $"space origin: (0,0,0)\nendian: little\nencoding: {encoding}\n" + (dataFile is null ? "\n" : $"data file: {dataFile}\n");

    private static byte[] Compress(byte[] raw, bool gzip)
    {
        using var ms = new MemoryStream();
        using (Stream z = gzip ? new GZipStream(ms, CompressionLevel.Optimal) : new ZLibStream(ms, CompressionLevel.Optimal))
        {
            z.Write(raw);
        }

        return ms.ToArray();
    }
}
