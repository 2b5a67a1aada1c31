using OpenCvSharp;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Viewing;

/// <summary>An 8-bit view of a scan made by <see cref="ScanViewer"/>: packed BGR rows, ready to show or save.</summary>
public sealed class ViewImage
{
    internal ViewImage(int width, int height, byte[] bgr)
    {
        Width = width;
        Height = height;
        _bgr = bgr;
    }

    private readonly byte[] _bgr;

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Pixels: <see cref="Width"/> × <see cref="Height"/> × 3 bytes, blue-green-red, rows packed.</summary>
    public ReadOnlyMemory<byte> Bgr => _bgr;

    /// <summary>The pixels as a Mat header over the same bytes (no copy); dispose it before this view goes away.</summary>
    internal Mat AsMat() => Mat.FromPixelData(Height, Width, MatType.CV_8UC3, _bgr);

    /// <summary>The view as PNG bytes.</summary>
    public byte[] EncodePng()
    {
        using Mat m = Mat.FromPixelData(Height, Width, MatType.CV_8UC3, _bgr);
        return m.ImEncode(".png");
    }

    /// <summary>Writes the view as PNG (atomically: a reader never sees a half-written file).</summary>
    /// <param name="path">The .png file.</param>
    public void SavePng(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllBytes(path, EncodePng());
    }
}
