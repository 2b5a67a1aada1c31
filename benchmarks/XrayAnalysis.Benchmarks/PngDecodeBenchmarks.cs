using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Benchmarks;

/// <summary>
/// A checked PNG decode, the old way (probe with the inflate check, then OpenCV's decode: two inflates) against the
/// one-pass <see cref="PngDecoder"/> (probe without the data check, then inflate + check + unfilter once), on a
/// 1024×768 8-bit colour render as <c>xray synth</c> writes it and on a 1024×768 16-bit grey transmission image.
/// </summary>
[MemoryDiagnoser]
public class PngDecodeBenchmarks
{
    private byte[] _png = null!;
    private string _path = null!;

    [Params("colour8", "grey16")]
    public string Image { get; set; } = "colour8";

    [GlobalSetup]
    public void Setup()
    {
        using Mat m = Image == "colour8" ? new Mat(768, 1024, MatType.CV_8UC3) : new Mat(768, 1024, MatType.CV_16UC1);
        Cv2.Randu(m, Scalar.All(0), Scalar.All(Image == "colour8" ? 255 : 65535));
        Cv2.GaussianBlur(m, m, new Size(9, 9), 3);
        Cv2.ImEncode(".png", m, out _png);
        _path = Path.Combine(Path.GetTempPath(), $"xray-bench-{Image}.png");
        File.WriteAllBytes(_path, _png);
    }

    [Benchmark(Description = "ScanLoader.Load (read + SHA-256 + probe + decode, from the page cache)")]
    public int Load()
    {
        using Scan s = new ScanLoader().Load(ScanInput.Single(_path));
        return s.Width;
    }

    [Benchmark(Baseline = true, Description = "probe + inflate check, then Cv2.ImDecode (before)")]
    public int TwoPasses()
    {
        ImageHeader h = ImageHeaderProbe.Probe("bench", _png);
        using Mat m = Cv2.ImDecode(_png, ImreadModes.Unchanged);
        return h.Width + m.Rows;
    }

    [Benchmark(Description = "probe, then PngDecoder (one inflate)")]
    public int OnePass()
    {
        ImageHeader h = ImageHeaderProbe.Probe("bench", _png, deferPngData: true);
        using Mat m = PngDecoder.Decode("bench", _png, h.DeferredPng!, h.Width, h.Height);
        return m.Rows;
    }

    [Benchmark(Description = "Cv2.ImDecode alone (no check)")]
    public int OpenCvOnly()
    {
        using Mat m = Cv2.ImDecode(_png, ImreadModes.Unchanged);
        return m.Rows;
    }
}
