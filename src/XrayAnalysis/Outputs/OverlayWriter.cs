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

    /// <summary>The overlay of <paramref name="result"/> on its rendered scan, as PNG bytes with provenance text chunks.</summary>
    internal static byte[] OverlayPng(Mat rendered, ScanResult result)
    {
        using Mat canvas = rendered.Clone();
        OverlayRenderer.Draw(canvas, result.Detections);
        var text = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Software"] = "XrayAnalysis",
            ["xray:model_sha256"] = result.Model.Sha256,
            ["xray:result"] = System.Text.Encoding.UTF8.GetString(ResultJson.Serialize(result)),
        };
        return EncodePng(canvas, text);
    }

    /// <summary>Encodes <paramref name="bgr"/> (8-bit BGR) as PNG with the given text chunks.</summary>
    internal static byte[] EncodePng(Mat bgr, IReadOnlyDictionary<string, string> text)
    {
        if (bgr.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"overlay must be 8-bit BGR, got {bgr.Type()}", nameof(bgr));
        }

        int w = bgr.Cols, h = bgr.Rows;
        var pixels = new byte[w * h * 3];
        using (Mat contiguous = bgr.IsContinuous() ? new Mat(bgr, new Rect(0, 0, w, h)) : bgr.Clone())
        {
            System.Runtime.InteropServices.Marshal.Copy(contiguous.Data, pixels, 0, pixels.Length);
        }

        using var image = Image.LoadPixelData<Bgr24>(pixels, w, h);
        PngMetadata png = image.Metadata.GetPngMetadata();
        foreach ((string key, string value) in text)
        {
            png.TextData.Add(new PngTextData(key, value, string.Empty, string.Empty));
        }

        var encoder = new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8, CompressionLevel = PngCompressionLevel.BestSpeed };
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, encoder);
        return stream.ToArray();
    }
}
