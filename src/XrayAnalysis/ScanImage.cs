using System.Runtime.InteropServices;
using System.Security.Cryptography;
using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis;

/// <summary>
/// A 2D scan ready for <see cref="XrayDetector"/>: one image (grey or colour, 8 or 16 bit) or a dual-energy pair. Made
/// from a file (read through the same hardened probe as <c>xray detect</c>) or from pixels already in memory (copied,
/// so the caller's buffer may be reused at once). Owns native pixel memory: dispose it.
/// </summary>
public sealed class ScanImage : IDisposable
{
    private readonly Scan _scan;

    private ScanImage(Scan scan)
    {
        _scan = scan;
    }

    /// <summary>Name used in results (the file stem, or the name given for in-memory pixels).</summary>
    public string Name => _scan.Input.Name;

    /// <summary>Width in pixels.</summary>
    public int Width => _scan.Width;

    /// <summary>Height in pixels.</summary>
    public int Height => _scan.Height;

    /// <summary>Bits per sample: 8, 16 or 32 (float).</summary>
    public int BitDepth => _scan.BitDepth;

    /// <summary>Channels of the (high-energy) image: 1 or 3.</summary>
    public int Channels => _scan.Channels;

    /// <summary>True for a dual-energy pair.</summary>
    public bool IsDualEnergy => _scan.IsDualEnergy;

    /// <summary>SHA-256 (lower-case hex) of the file's bytes, or of the pixel bytes for an in-memory image.</summary>
    public string Sha256 => _scan.Sha256;

    /// <summary>The decoded scan (the pipeline's own type).</summary>
    internal Scan Scan => _scan;

    /// <summary>
    /// Reads a scan file (PNG, TIFF incl. two-page dual-energy TIFF, JPEG, BMP). Throws <see cref="ScanLoadException"/>
    /// with a status and a one-line reason for a damaged, hostile or unsupported file.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="options">Limits (pixel cap, file size, pages); the defaults of <c>xray detect</c> when null.</param>
    public static ScanImage FromFile(string path, ScanLoaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new ScanImage(new ScanLoader(options).Load(ScanInput.Single(path)));
    }

    /// <summary>Reads a dual-energy pair stored as two single-channel files of the same size and sample type.</summary>
    /// <param name="highEnergyPath">The high-energy image.</param>
    /// <param name="lowEnergyPath">The low-energy image.</param>
    /// <param name="options">Limits; the defaults of <c>xray detect</c> when null.</param>
    public static ScanImage FromDualEnergyFiles(string highEnergyPath, string lowEnergyPath, ScanLoaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(highEnergyPath);
        ArgumentException.ThrowIfNullOrEmpty(lowEnergyPath);
        string name = ScanDiscovery.PairStem(highEnergyPath) ?? Path.GetFileNameWithoutExtension(highEnergyPath);
        return new ScanImage(new ScanLoader(options).Load(ScanInput.Pair(highEnergyPath, lowEnergyPath, name)));
    }

    /// <summary>Copies pixels from memory. Rows are packed (no padding between rows).</summary>
    /// <param name="pixels">Width × height pixels in <paramref name="format"/>.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="format">How the bytes are laid out.</param>
    /// <param name="name">Name used in results.</param>
    /// <exception cref="ArgumentException">The buffer length does not match the size and format, or a side is not positive.</exception>
    public static ScanImage FromPixels(ReadOnlySpan<byte> pixels, int width, int height, PixelFormat format, string name = "memory")
    {
        (MatType type, int bytesPerPixel) = format switch
        {
            PixelFormat.Grey8 => (MatType.CV_8UC1, 1),
            PixelFormat.Grey16 => (MatType.CV_16UC1, 2),
            PixelFormat.Bgr24 or PixelFormat.Rgb24 => (MatType.CV_8UC3, 3),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
        };
        Mat image = Copy(pixels, width, height, type, bytesPerPixel, nameof(pixels));
        if (format == PixelFormat.Rgb24)
        {
            Cv2.CvtColor(image, image, ColorConversionCodes.RGB2BGR);
        }

        return Create(name, image, null, Hash(pixels, []));
    }

    /// <summary>Copies 16-bit grey pixels (transmission counts) from memory.</summary>
    /// <param name="pixels">Width × height samples, rows packed.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="name">Name used in results.</param>
    public static ScanImage FromGrey16(ReadOnlySpan<ushort> pixels, int width, int height, string name = "memory") =>
        FromPixels(MemoryMarshal.AsBytes(pixels), width, height, PixelFormat.Grey16, name);

    /// <summary>
    /// Copies a 16-bit dual-energy pair (high- and low-energy transmission images of the same size) from memory; it is
    /// rendered in the standard pseudo-colour, as a pair read from files is.
    /// </summary>
    /// <param name="highEnergy">High-energy samples, width × height, rows packed.</param>
    /// <param name="lowEnergy">Low-energy samples, width × height, rows packed.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="name">Name used in results.</param>
    public static ScanImage FromDualEnergy(ReadOnlySpan<ushort> highEnergy, ReadOnlySpan<ushort> lowEnergy, int width, int height, string name = "memory")
    {
        ReadOnlySpan<byte> hi = MemoryMarshal.AsBytes(highEnergy), lo = MemoryMarshal.AsBytes(lowEnergy);
        Mat high = Copy(hi, width, height, MatType.CV_16UC1, 2, nameof(highEnergy));
        try
        {
            Mat low = Copy(lo, width, height, MatType.CV_16UC1, 2, nameof(lowEnergy));
            return Create(name, high, low, Hash(hi, lo));
        }
        catch
        {
            high.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _scan.Dispose();

    private static ScanImage Create(string name, Mat image, Mat? low, string sha)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var header = new ImageHeader(ImageFormat.Pixels, image.Cols, image.Rows, image.Depth() == MatType.CV_16U ? 16 : 8, image.Channels(), low is null ? 1 : 2, null);
        return new ScanImage(new Scan(ScanInput.InMemory(name), image, low, header, sha, null));
    }

    private static Mat Copy(ReadOnlySpan<byte> pixels, int width, int height, MatType type, int bytesPerPixel, string argument)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long expected = (long)width * height * bytesPerPixel;
        if (pixels.Length != expected)
        {
            throw new ArgumentException($"expected {expected} bytes for {width}x{height} at {bytesPerPixel} byte(s) per pixel, got {pixels.Length}", argument);
        }

        var mat = new Mat(height, width, type);
        unsafe
        {
            pixels.CopyTo(new Span<byte>((void*)mat.Data, pixels.Length));
        }

        return mat;
    }

    private static string Hash(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(a);
        sha.AppendData(b);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
