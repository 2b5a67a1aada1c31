using OpenCvSharp;

namespace XrayAnalysis.Loading;

/// <summary>
/// A decoded 2D scan: one image (grey or colour, 8 or 16 bit, or signed/float grey), or a dual-energy pair.
/// Owns its pixel buffers; dispose it when done.
/// </summary>
internal sealed class Scan : IDisposable
{
    internal Scan(ScanInput input, Mat image, Mat? lowEnergy, ImageHeader header, string sha256, string? lowSha256)
    {
        Input = input;
        Image = image;
        LowEnergy = lowEnergy;
        Header = header;
        Sha256 = sha256;
        LowEnergySha256 = lowSha256;
        Width = image.Cols;
        Height = image.Rows;
        Channels = image.Channels();
        BitDepth = image.Depth() switch
        {
            MatType.CV_8U or MatType.CV_8S => 8,
            MatType.CV_16U or MatType.CV_16S => 16,
            _ => 32,
        };
        IsDualEnergy = lowEnergy is not null;
    }

    /// <summary>Where the scan came from.</summary>
    public ScanInput Input { get; }

    /// <summary>The header of the (high-energy) file.</summary>
    public ImageHeader Header { get; }

    /// <summary>SHA-256 (lower-case hex) of the (high-energy) file's bytes.</summary>
    public string Sha256 { get; }

    /// <summary>SHA-256 of the low-energy file of a pair; null otherwise (a two-page TIFF has one file).</summary>
    public string? LowEnergySha256 { get; }

    /// <summary>NaN/Inf samples found (and left out of windowing) in a float scan; null for integer scans.</summary>
    public long? NonFiniteSamples { get; init; }

    /// <summary>The EXIF/TIFF orientation applied to the pixels (2–8), 1 when stored upright, null when the file has none.</summary>
    public int? ExifOrientation { get; init; }

    /// <summary>Width in pixels (in the displayed frame, after any EXIF orientation).</summary>
    public int Width { get; }

    /// <summary>Height in pixels (in the displayed frame).</summary>
    public int Height { get; }

    /// <summary>Bits per sample as decoded (8, 16 or 32).</summary>
    public int BitDepth { get; }

    /// <summary>Channels of the (high-energy) image after alpha removal: 1 or 3.</summary>
    public int Channels { get; }

    /// <summary>True for a dual-energy pair (two files, or a two-page TIFF).</summary>
    public bool IsDualEnergy { get; }

    /// <summary>The decoded (high-energy) pixels, BGR order for colour.</summary>
    internal Mat Image { get; }

    /// <summary>The low-energy pixels of a dual-energy scan.</summary>
    internal Mat? LowEnergy { get; }

    /// <summary>
    /// A second scan over the same pixel buffers (OpenCV reference-counted headers): disposing the view never frees the
    /// caller's pixels. Used when a caller's in-memory image goes through the pipeline, which disposes what it is given.
    /// </summary>
    internal Scan View() =>
        new(Input, new Mat(Image, new Rect(0, 0, Image.Cols, Image.Rows)),
            LowEnergy is null ? null : new Mat(LowEnergy, new Rect(0, 0, LowEnergy.Cols, LowEnergy.Rows)), Header, Sha256, LowEnergySha256)
        {
            NonFiniteSamples = NonFiniteSamples,
            ExifOrientation = ExifOrientation,
        };

    /// <summary>Frees the pixel buffers once the scan is rendered; the metadata stays readable.</summary>
    internal void ReleasePixels() => Dispose();

    /// <inheritdoc/>
    public void Dispose()
    {
        Image.Dispose();
        LowEnergy?.Dispose();
    }
}
