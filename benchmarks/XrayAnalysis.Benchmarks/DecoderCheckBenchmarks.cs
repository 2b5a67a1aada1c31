using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Benchmarks;

/// <summary>
/// What the decoder-truth checks cost: the header probe with its data checks (JPEG entropy walk, PNG inflate + Adler-32,
/// TIFF strip decode) against OpenCV's decode of the same bytes, for a 1024×768 colour JPEG (q 90), a 1024×768 16-bit
/// PNG and a 1024×768 16-bit LZW TIFF.
/// </summary>
[MemoryDiagnoser]
public class DecoderCheckBenchmarks
{
    private byte[] _jpg = null!, _png = null!, _tif = null!;

    [Params("jpeg", "png16", "tiff16-lzw")]
    public string Format { get; set; } = "jpeg";

    [GlobalSetup]
    public void Setup()
    {
        using var colour = new Mat(768, 1024, MatType.CV_8UC3);
        Cv2.Randu(colour, Scalar.All(0), Scalar.All(255));
        Cv2.GaussianBlur(colour, colour, new Size(7, 7), 2);
        Cv2.ImEncode(".jpg", colour, out _jpg, [(int)ImwriteFlags.JpegQuality, 90]);
        using var grey = new Mat(768, 1024, MatType.CV_16UC1);
        Cv2.Randu(grey, Scalar.All(0), Scalar.All(65535));
        Cv2.GaussianBlur(grey, grey, new Size(9, 9), 3);
        Cv2.ImEncode(".png", grey, out _png);
        Cv2.ImEncode(".tif", grey, out _tif, [259, 5]);
    }

    private byte[] Bytes => Format switch { "jpeg" => _jpg, "png16" => _png, _ => _tif };

    [Benchmark(Baseline = true, Description = "Cv2.ImDecode (OpenCV decode)")]
    public int Decode()
    {
        using Mat m = Cv2.ImDecode(Bytes, ImreadModes.Unchanged);
        return m.Rows;
    }

    [Benchmark(Description = "ImageHeaderProbe.Probe (container + coded-data checks)")]
    public int Probe() => ImageHeaderProbe.Probe("bench", Bytes).Width;
}
