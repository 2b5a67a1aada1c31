using System.Buffers;
using System.IO.Compression;

namespace XrayAnalysis.Loading;

/// <summary>
/// Inflates a PNG's IDAT stream without unfiltering it and checks that it holds exactly the image: the zlib stream ends
/// properly with a matching Adler-32, every row starts with a valid filter type, and the byte count equals what IHDR
/// declares (per Adam7 pass when interlaced). OpenCV's libpng would otherwise fill a short or damaged stream with grey
/// and say so only on stderr. Output is streamed through one pooled 64 KiB buffer; nothing the size of the image is
/// allocated.
/// </summary>
internal static class PngDataValidator
{
    /// <summary>
    /// Returns a defect or null. The IDAT data are the <paramref name="parts"/> (start, length) of <paramref name="file"/>,
    /// in order; they are inflated where they lie, never joined into a copy.
    /// </summary>
    public static unsafe string? Check(ReadOnlySpan<byte> file, IReadOnlyList<(int Start, int Length)> parts, int width, int height, int bitDepth, int colourType, bool interlaced)
    {
        int samples = colourType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (samples == 0 || bitDepth is not (1 or 2 or 4 or 8 or 16))
        {
            return $"damaged PNG: bit depth {bitDepth} with colour type {colourType} is not valid";
        }

        long bitsPerPixel = (long)samples * bitDepth;

        // Row lengths (filter byte + data) of every pass, in order.
        var passes = new List<(long RowBytes, long Rows)>(7);
        if (!interlaced)
        {
            passes.Add((1 + (((width * bitsPerPixel) + 7) / 8), height));
        }
        else
        {
            ReadOnlySpan<int> x0 = [0, 4, 0, 2, 0, 1, 0], y0 = [0, 0, 4, 0, 2, 0, 1], dx = [8, 8, 4, 4, 2, 2, 1], dy = [8, 8, 8, 4, 4, 2, 2];
            for (int p = 0; p < 7; p++)
            {
                long w = (width - x0[p] + dx[p] - 1) / dx[p], h = (height - y0[p] + dy[p] - 1) / dy[p];
                if (w > 0 && h > 0)
                {
                    passes.Add((1 + (((w * bitsPerPixel) + 7) / 8), h));
                }
            }
        }

        long expected = passes.Sum(p => p.RowBytes * p.Rows);
        if (parts.All(p => p.Length == 0))
        {
            return $"truncated PNG: the IDAT chunks hold no data ({expected} bytes expected)";
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            fixed (byte* src = file)
            {
                using var ms = new PartsStream(src, file.Length, parts);
                using var z = new ZLibStream(ms, CompressionMode.Decompress);
                long total = 0, nextRowStart = 0;
                int pass = 0;
                long rowInPass = 0;
                while (true)
                {
                    int n;
                    try
                    {
                        n = z.Read(buffer, 0, buffer.Length);
                    }
                    catch (Exception ex) when (ex is InvalidDataException or IOException)
                    {
                        return $"damaged PNG: image data do not inflate ({ex.Message.TrimEnd('.')}) after {total} of {expected} bytes";
                    }

                    if (n == 0)
                    {
                        break;
                    }

                    // Check the filter byte at the start of every row that begins in this block.
                    while (pass < passes.Count && nextRowStart < total + n)
                    {
                        byte filter = buffer[nextRowStart - total];
                        if (filter > 4)
                        {
                            return $"damaged PNG: row {rowInPass}{(interlaced ? $" of pass {pass + 1}" : "")} has filter type {filter}";
                        }

                        nextRowStart += passes[pass].RowBytes;
                        if (++rowInPass == passes[pass].Rows)
                        {
                            pass++;
                            rowInPass = 0;
                        }
                    }

                    total += n;
                    if (total > expected)
                    {
                        return $"damaged PNG: image data inflate to more than the {expected} bytes IHDR declares";
                    }
                }

                if (total < expected)
                {
                    return $"truncated PNG: image data inflate to {total} of {expected} bytes ({100.0 * total / expected:0.#}% of the rows)";
                }

                return null;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A read-only stream over several (start, length) ranges of pinned memory, read one after the other.</summary>
    internal sealed unsafe class PartsStream(byte* data, int size, IReadOnlyList<(int Start, int Length)> parts) : Stream
    {
        private int _part;
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            while (_part < parts.Count)
            {
                (int start, int length) = parts[_part];
                if (start < 0 || length < 0 || (long)start + length > size)
                {
                    throw new IOException("an IDAT chunk lies outside the file");
                }

                int left = length - _offset;
                if (left > 0)
                {
                    int n = Math.Min(left, buffer.Length);
                    new ReadOnlySpan<byte>(data + start + _offset, n).CopyTo(buffer);
                    _offset += n;
                    return n;
                }

                _part++;
                _offset = 0;
            }

            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
