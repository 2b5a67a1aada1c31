using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using OpenCvSharp;

namespace XrayAnalysis.Loading;

/// <summary>
/// Decodes the PNGs scanners and renderers write (8- or 16-bit grey, RGB or RGBA, not interlaced, no tRNS) in one
/// pass: the image data are inflated once, row by row, each row's filter byte checked and the row unfiltered straight
/// into the output. Before, the data were inflated twice — once by <see cref="PngDataValidator"/> (because libpng fills
/// a short stream with grey and says so only on stderr) and once by OpenCV's libpng. The same defects are found, with
/// the same messages; the output equals OpenCV's <c>IMREAD_UNCHANGED</c> decode (BGR order, native-endian 16-bit),
/// except that RGBA comes back as BGR (the loader drops alpha anyway). Every other PNG goes the old way.
/// </summary>
internal static class PngDecoder
{
    /// <summary>
    /// Images whose inflated data exceed this are not deferred by the probe: they are checked first and then decoded by
    /// OpenCV, so that a hostile header cannot make us allocate before the data prove to be there.
    /// </summary>
    private const long MaxInflatedBytes = 256L << 20;

    /// <summary>Whether this decoder takes a PNG with these IHDR fields (and a tRNS chunk or not).</summary>
    public static bool Handles(int bitDepth, int colourType, bool interlaced, bool transparency) =>
        !interlaced && !transparency && bitDepth is 8 or 16 && colourType is 0 or 2 or 6;

    /// <summary>Whether a PNG of this size may be decoded here (see <see cref="MaxInflatedBytes"/>).</summary>
    public static bool SizeAllowed(int width, int height, int bitDepth, int colourType) =>
        (((long)width * Samples(colourType) * (bitDepth / 8)) + 1) * height <= MaxInflatedBytes;

    /// <summary>
    /// Decodes the image data at <paramref name="layout"/> in <paramref name="file"/>. Throws
    /// <see cref="ScanLoadException"/> (incomplete) when they are short, damaged or longer than IHDR declares.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static unsafe Mat Decode(string path, ReadOnlySpan<byte> file, PngLayout layout, int width, int height)
    {
        int samples = Samples(layout.ColourType);
        int bytesPerSample = layout.BitDepth / 8;
        int bpp = samples * bytesPerSample;
        int rowBytes = checked(width * bpp);
        long expected = (rowBytes + 1L) * height;
        MatType type = MatType.MakeType(bytesPerSample == 1 ? MatType.CV_8U : MatType.CV_16U, samples);
        var image = new Mat(height, width, type);
        byte[] current = ArrayPool<byte>.Shared.Rent(rowBytes + 1);
        byte[] previous = ArrayPool<byte>.Shared.Rent(rowBytes);
        try
        {
            Array.Clear(previous, 0, rowBytes);
            long total = 0;
            fixed (byte* src = file)
            {
                using var parts = new PngDataValidator.PartsStream(src, file.Length, layout.Idat);
                using var z = new ZLibStream(parts, CompressionMode.Decompress);
                for (int y = 0; y < height; y++)
                {
                    int got = ReadRow(z, current.AsSpan(0, rowBytes + 1), total, expected, path);
                    total += got;
                    if (got < rowBytes + 1)
                    {
                        throw Truncated(path, total, expected);
                    }

                    byte filter = current[0];
                    if (filter > 4)
                    {
                        throw new ScanLoadException(ScanStatus.Incomplete, path, $"damaged PNG: row {y} has filter type {filter}");
                    }

                    Span<byte> row = current.AsSpan(1, rowBytes);
                    Unfilter(filter, row, previous.AsSpan(0, rowBytes), bpp);
                    var target = new Span<byte>((byte*)image.Ptr(y), rowBytes);
                    row.CopyTo(target);
                    row.CopyTo(previous);
                    if (bytesPerSample == 2)
                    {
                        Span<ushort> words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(target);
                        if (BitConverter.IsLittleEndian)
                        {
                            BinaryPrimitives.ReverseEndianness(words, words);
                        }
                    }
                }

                // The stream must end here: one more byte is data IHDR does not declare; reading to the end checks Adler-32.
                Span<byte> one = stackalloc byte[1];
                int more;
                try
                {
                    more = z.Read(one);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException)
                {
                    throw Damaged(path, ex, total, expected);
                }

                if (more != 0)
                {
                    throw new ScanLoadException(ScanStatus.Incomplete, path, $"damaged PNG: image data inflate to more than the {expected} bytes IHDR declares");
                }
            }

            switch (layout.ColourType)
            {
                case 2:
                    Cv2.CvtColor(image, image, ColorConversionCodes.RGB2BGR);
                    return image;
                case 6:
                    using (image)
                    {
                        var bgr = new Mat();
                        Cv2.CvtColor(image, bgr, ColorConversionCodes.RGBA2BGR);
                        return bgr;
                    }

                default:
                    return image;
            }
        }
        catch
        {
            image.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(previous);
        }
    }

    /// <summary>|v| without a branch (v is far from int.MinValue here).</summary>
    private static int Abs(int v)
    {
        int m = v >> 31;
        return (v ^ m) - m;
    }

    private static int Samples(int colourType) => colourType switch { 0 => 1, 2 => 3, 6 => 4, _ => throw new ArgumentOutOfRangeException(nameof(colourType)) };

    /// <summary>Fills <paramref name="into"/> from the stream; returns how many bytes it got (fewer only at the end of the data).</summary>
    private static int ReadRow(ZLibStream z, Span<byte> into, long total, long expected, string path)
    {
        int got = 0;
        while (got < into.Length)
        {
            int n;
            try
            {
                n = z.Read(into[got..]);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException)
            {
                throw Damaged(path, ex, total + got, expected);
            }

            if (n == 0)
            {
                break;
            }

            got += n;
        }

        return got;
    }

    private static ScanLoadException Truncated(string path, long total, long expected) =>
        new(ScanStatus.Incomplete, path, $"truncated PNG: image data inflate to {total} of {expected} bytes ({100.0 * total / expected:0.#}% of the rows)");

    private static ScanLoadException Damaged(string path, Exception ex, long total, long expected) =>
        new(ScanStatus.Incomplete, path, $"damaged PNG: image data do not inflate ({ex.Message.TrimEnd('.')}) after {total} of {expected} bytes");

    /// <summary>Undoes one row's filter in place (PNG spec section 9: None, Sub, Up, Average, Paeth).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        int n = row.Length;
        switch (filter)
        {
            case 0:
                return;
            case 1:
                for (int i = bpp; i < n; i++)
                {
                    row[i] += row[i - bpp];
                }

                return;
            case 2:
                {
                    int i = 0;
                    if (Vector.IsHardwareAccelerated)
                    {
                        for (; i + Vector<byte>.Count <= n; i += Vector<byte>.Count)
                        {
                            (new Vector<byte>(row[i..]) + new Vector<byte>(previous[i..])).CopyTo(row[i..]);
                        }
                    }

                    for (; i < n; i++)
                    {
                        row[i] += previous[i];
                    }

                    return;
                }

            case 3:
                for (int i = 0; i < bpp && i < n; i++)
                {
                    row[i] += (byte)(previous[i] >> 1);
                }

                for (int i = bpp; i < n; i++)
                {
                    row[i] += (byte)((row[i - bpp] + previous[i]) >> 1);
                }

                return;
            default:
                for (int i = 0; i < bpp && i < n; i++)
                {
                    row[i] += previous[i]; // Paeth with a = c = 0 predicts b
                }

                // Branch-free Paeth over raw pointers: the predictor's three-way choice made with sign masks (the
                // branches mispredict on textured scans), no bounds checks. 1024 x 768 RGB of noise: 23.4 ms with
                // branches and spans, 5.2 ms now (UnfilterBenchmarks). p - a = b - c, p - b = a - c, p - c = a + b - 2c.
                unsafe
                {
                    fixed (byte* r = row)
                    fixed (byte* up = previous)
                    {
                        for (int i = bpp; i < n; i++)
                        {
                            int a = r[i - bpp], b = up[i], c = up[i - bpp];
                            int pa = Abs(b - c), pb = Abs(a - c), pc = Abs(a + b - c - c);
                            int notA = ((pb - pa) | (pc - pa)) >> 31; // -1 unless pa <= pb and pa <= pc
                            int notB = (pc - pb) >> 31;                // -1 when c is nearer than b
                            int bc = (b & ~notB) | (c & notB);
                            r[i] = (byte)(r[i] + ((a & ~notA) | (bc & notA)));
                        }
                    }
                }

                return;
        }
    }
}
