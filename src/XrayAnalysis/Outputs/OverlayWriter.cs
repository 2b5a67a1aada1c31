using OpenCvSharp;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace XrayAnalysis.Outputs;

/// <summary>
/// Writes overlay PNGs with provenance embedded as PNG text chunks (model SHA-256, parameters, the detection JSON), so an
/// overlay that travels alone still says what produced it. ImageSharp only encodes here, from pixels we rendered
/// ourselves; it never decodes untrusted scans (docs/decisions/0001-imagesharp-only-for-encoding.md).
/// </summary>
internal static class OverlayWriter
{
    /// <summary>Writes <paramref name="bgr"/> (8-bit BGR) to <paramref name="path"/> atomically with the given text chunks.</summary>
    internal static void WritePng(string path, Mat bgr, IReadOnlyDictionary<string, string> text)
    {
        byte[] png = EncodePng(bgr, text);
        AtomicFile.WriteAllBytes(path, png);
    }

    /// <summary>The overlay of <paramref name="result"/> burned into its rendered scan (legend strip below), as PNG bytes with provenance text chunks.</summary>
    internal static byte[] OverlayPng(Mat rendered, ScanResult result, OverlayStyle? style = null)
    {
        using Mat canvas = OverlayRenderer.Burned(rendered, result, style ?? OverlayStyle.Default);
        return EncodePng(canvas, Provenance(result));
    }

    /// <summary>The overlay of <paramref name="result"/> alone, as a scan-sized PNG with alpha (transparent where nothing is drawn).</summary>
    internal static byte[] LayerPng(int width, int height, ScanResult result, OverlayStyle? style = null)
    {
        using Mat layer = OverlayRenderer.Layer(width, height, result, style ?? OverlayStyle.Default);
        return EncodePng(layer, Provenance(result));
    }

    private static Dictionary<string, string> Provenance(ScanResult result) => new(StringComparer.Ordinal)
    {
        ["Software"] = "XrayAnalysis",
        ["xray:model_sha256"] = result.Model.Sha256,
        ["xray:result"] = System.Text.Encoding.UTF8.GetString(ResultJson.Serialize(result)),
    };

    /// <summary>Encodes <paramref name="bgr"/> (8-bit BGR, or BGRA for a layer) as PNG with the given text chunks.</summary>
    internal static byte[] EncodePng(Mat bgr, IReadOnlyDictionary<string, string> text)
    {
        bool alpha = bgr.Type() == MatType.CV_8UC4;
        if (bgr.Type() != MatType.CV_8UC3 && !alpha)
        {
            throw new ArgumentException($"overlay must be 8-bit BGR or BGRA, got {bgr.Type()}", nameof(bgr));
        }

        int w = bgr.Cols, h = bgr.Rows, channels = alpha ? 4 : 3;
        var pixels = new byte[w * h * channels];
        using (Mat contiguous = bgr.IsContinuous() ? new Mat(bgr, new Rect(0, 0, w, h)) : bgr.Clone())
        {
            System.Runtime.InteropServices.Marshal.Copy(contiguous.Data, pixels, 0, pixels.Length);
        }

        using Image image = alpha ? Image.LoadPixelData<Bgra32>(pixels, w, h) : Image.LoadPixelData<Bgr24>(pixels, w, h);
        PngMetadata png = image.Metadata.GetPngMetadata();
        foreach ((string key, string value) in text)
        {
            png.TextData.Add(new PngTextData(key, value, string.Empty, string.Empty));
        }

        var encoder = new PngEncoder { ColorType = alpha ? PngColorType.RgbWithAlpha : PngColorType.Rgb, BitDepth = PngBitDepth.Bit8, CompressionLevel = PngCompressionLevel.BestSpeed };
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, encoder);
        return stream.ToArray();
    }
}
