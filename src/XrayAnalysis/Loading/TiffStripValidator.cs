using System.Buffers;
using System.IO.Compression;

namespace XrayAnalysis.Loading;

/// <summary>
/// Checks that each TIFF strip or tile decompresses to exactly the bytes its geometry needs: uncompressed data must be
/// long enough, LZW must reach its end code with enough output, Deflate must inflate completely with a valid Adler-32,
/// PackBits must not run short. libtiff reports these as warnings or per-strip errors that OpenCV may turn into grey rows.
/// Other compressions (JPEG-in-TIFF and the like) are checked only for their strip extents.
/// </summary>
internal static class TiffStripValidator
{
    /// <summary>Returns a defect for one strip/tile, or null. <paramref name="expected"/> is the decoded size it must have.</summary>
    public static string? Check(ReadOnlySpan<byte> data, int compression, long expected, string what, long rowBytes = 0)
    {
        long got = compression switch
        {
            1 => data.Length,
            5 => LzwLength(data, expected),
            8 or 32946 => InflateLength(data, expected),
            32773 => PackBitsLength(data, expected, rowBytes),
            _ => expected,
        };
        if (got == -3)
        {
            return $"damaged TIFF: {what} has a PackBits run that crosses a row boundary (the TIFF specification packs each row separately)";
        }

        if (got == -2)
        {
            return $"damaged TIFF: {what} does not decompress (corrupt {Name(compression)} data)";
        }

        return got < expected ? $"truncated TIFF: {what} decompresses to {got} of {expected} bytes"
            : got > expected && compression == 32773 ? $"damaged TIFF: {what} PackBits runs overrun the strip ({got} bytes for {expected})"
            : got > expected && compression is 8 or 32946 ? $"damaged TIFF: {what} inflates to more than the strip holds ({got} bytes for {expected})"
            : null;
    }

    private static string Name(int compression) => compression switch { 5 => "LZW", 8 or 32946 => "Deflate", 32773 => "PackBits", _ => $"compression {compression}" };

    /// <summary>Decoded length of TIFF LZW data (MSB-first codes, 9–12 bits, early change), stopping at <paramref name="limit"/>; -2 when invalid.</summary>
    internal static long LzwLength(ReadOnlySpan<byte> d, long limit)
    {
        if (d.Length >= 2 && d[0] == 0 && (d[1] & 1) != 0)
        {
            // Old-style (LSB-first) LZW from pre-6.0 writers: not checked.
            return limit;
        }

        int[] prefixLen = ArrayPool<int>.Shared.Rent(4096);
        try
        {
            int next = 258, width = 9, prevLen = -1, pos = 0;
            ulong acc = 0;
            int held = 0;
            long total = 0;
            while (total < limit)
            {
                while (held <= 56 && pos < d.Length)
                {
                    acc |= (ulong)d[pos++] << (56 - held);
                    held += 8;
                }

                if (held < width)
                {
                    return total;
                }

                int code = (int)(acc >> (64 - width));
                acc <<= width;
                held -= width;
                if (code == 257)
                {
                    return total;
                }

                if (code == 256)
                {
                    next = 258;
                    width = 9;
                    prevLen = -1;
                    continue;
                }

                int len;
                if (code < 256)
                {
                    len = 1;
                }
                else if (code < next)
                {
                    len = prefixLen[code];
                }
                else if (code == next && prevLen > 0)
                {
                    len = prevLen + 1;
                }
                else
                {
                    return -2;
                }

                if (prevLen > 0 && next < 4096)
                {
                    prefixLen[next++] = prevLen + 1;
                }

                total += len;
                prevLen = len;
                if (next + 1 >= (1 << width) && width < 12)
                {
                    width++;
                }
            }

            return total;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(prefixLen);
        }
    }

    private static unsafe long InflateLength(ReadOnlySpan<byte> d, long limit)
    {
        if (d.IsEmpty)
        {
            // An empty strip inflates to nothing (and pinning an empty span gives a null pointer).
            return 0;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            fixed (byte* p = d)
            {
                using var ms = new UnmanagedMemoryStream(p, d.Length);
                using var z = new ZLibStream(ms, CompressionMode.Decompress);
                long total = 0;
                int n;
                while (total < limit && (n = z.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += n;
                }

                // Read on to the end of the stream (bounded): damage in its last block or checksum shows only there, and
                // a stream that inflates to more than the strip holds was not written for this strip.
                while (total < limit + (1 << 16) && (n = z.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += n;
                }

                return total;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return -2;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Decoded length of PackBits data; -3 when a run crosses a row boundary (libtiff, reading by rows, discards bytes).</summary>
    private static long PackBitsLength(ReadOnlySpan<byte> d, long limit, long rowBytes)
    {
        long total = 0;
        int i = 0;
        while (i < d.Length && total < limit)
        {
            // A run that crosses the strip's end makes libtiff discard bytes: the total then exceeds the limit.
            sbyte n = (sbyte)d[i++];
            long count;
            if (n >= 0)
            {
                count = n + 1;
                if (i + count > d.Length)
                {
                    // A literal run that declares more bytes than the strip holds: cut or corrupt.
                    return -2;
                }

                i += (int)count;
            }
            else if (n != -128)
            {
                if (i >= d.Length)
                {
                    return total;
                }

                count = 1 - n;
                i++;
            }
            else
            {
                continue;
            }

            if (rowBytes > 0 && (total % rowBytes) + count > rowBytes)
            {
                return -3;
            }

            total += count;
        }

        return total;
    }
}
