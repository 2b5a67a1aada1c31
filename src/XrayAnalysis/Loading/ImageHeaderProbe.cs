using System.Buffers.Binary;

namespace XrayAnalysis.Loading;

/// <summary>
/// Reads image dimensions and checks container structure from the raw bytes, before any decoder runs.
/// </summary>
/// <remarks>
/// Exists because OpenCV decodes a truncated PNG/JPEG "successfully" (grey fill, a warning on stderr) and allocates
/// whatever a header declares. The probe walks the container: PNG chunks with CRCs up to IEND, JPEG markers and entropy
/// data up to EOI, TIFF IFD chains (cycle-safe, page-capped) with strip/tile extents, BMP pixel-array extent.
/// </remarks>
internal static class ImageHeaderProbe
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Identifies the format and reads the header. Throws <see cref="ScanLoadException"/> (Failed) when the bytes are not a supported image.</summary>
    /// <param name="path">Used in messages only.</param>
    /// <param name="data">The whole file.</param>
    /// <param name="maxPages">TIFF page cap: the IFD chain is not followed past it.</param>
    /// <param name="deferPngData">
    /// For a PNG that <see cref="PngDecoder"/> decodes, leave the image-data check to it (it inflates once, checking as it
    /// goes) and say so in <see cref="ImageHeader.DeferredPng"/>; the caller must then decode with it.
    /// </param>
    public static ImageHeader Probe(string path, ReadOnlySpan<byte> data, int maxPages = 16, bool deferPngData = false)
    {
        if (data.Length == 0)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, "empty file (0 bytes)");
        }

        if (data.Length >= 8 && data[..8].SequenceEqual(PngSignature))
        {
            return ProbePng(path, data, deferPngData);
        }

        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ProbeJpeg(path, data);
        }

        if (data.Length >= 4 && ((data[0] == 'I' && data[1] == 'I' && data[2] == 42 && data[3] == 0) ||
                                 (data[0] == 'M' && data[1] == 'M' && data[2] == 0 && data[3] == 42)))
        {
            return ProbeTiff(path, data, maxPages);
        }

        if (data.Length >= 2 && data[0] == 'B' && data[1] == 'M')
        {
            return ProbeBmp(path, data);
        }

        string head = Convert.ToHexString(data[..Math.Min(8, data.Length)]);
        throw new ScanLoadException(ScanStatus.Failed, path, $"unrecognised image format (first bytes {head}); expected PNG, JPEG, TIFF, BMP or DICOS (DICM at byte 128)");
    }

    private static ImageHeader ProbePng(string path, ReadOnlySpan<byte> d, bool deferData)
    {
        int pos = 8;
        int width = 0, height = 0, bits = 0, channels = 0, colourType = 0, rawBits = 0;
        bool sawIhdr = false, interlaced = false, idatDone = false, transparency = false;
        var idat = new List<(int Start, int Length)>();
        while (true)
        {
            if (pos + 8 > d.Length)
            {
                return Png(sawIhdr ? $"truncated PNG: file ends at byte {d.Length} before the IEND chunk" : "truncated PNG: no IHDR chunk");
            }

            uint len = BinaryPrimitives.ReadUInt32BigEndian(d[pos..]);
            ReadOnlySpan<byte> type = d.Slice(pos + 4, 4);
            string typeName = System.Text.Encoding.ASCII.GetString(type);
            if (len > int.MaxValue || pos + 12L + len > d.Length)
            {
                if (!sawIhdr)
                {
                    throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt PNG: chunk {typeName} at byte {pos} declares {len} bytes past the end of the {d.Length}-byte file");
                }

                return Png($"truncated PNG: chunk {typeName} at byte {pos} declares {len} bytes but the file ends at byte {d.Length}");
            }

            ReadOnlySpan<byte> body = d.Slice(pos + 8, (int)len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(d[(pos + 8 + (int)len)..]);
            bool crcOk = Crc32.Compute(type, body) == crc;
            if (!sawIhdr)
            {
                if (typeName != "IHDR" || len < 13)
                {
                    throw new ScanLoadException(ScanStatus.Failed, path, "corrupt PNG: first chunk is not a valid IHDR");
                }

                if (!crcOk)
                {
                    throw new ScanLoadException(ScanStatus.Failed, path, "corrupt PNG: IHDR CRC mismatch");
                }

                uint w = BinaryPrimitives.ReadUInt32BigEndian(body);
                uint h = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                if (w == 0 || h == 0 || w > int.MaxValue || h > int.MaxValue)
                {
                    throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt PNG: invalid dimensions {w}x{h}");
                }

                width = (int)w;
                height = (int)h;
                bits = body[8];
                channels = body[9] switch
                {
                    0 => 1,
                    2 => 3,
                    3 => 3,
                    4 => 2,
                    6 => 4,
                    _ => throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt PNG: colour type {body[9]} is not defined"),
                };
                colourType = body[9];
                rawBits = bits;
                interlaced = body[12] == 1;
                if (body[9] == 3)
                {
                    bits = 8;
                }

                sawIhdr = true;
            }
            else if (!crcOk)
            {
                return Png($"damaged PNG: CRC mismatch in chunk {typeName} at byte {pos}");
            }

            if (typeName == "IDAT")
            {
                if (idatDone)
                {
                    return Png($"damaged PNG: IDAT chunks are not consecutive (another at byte {pos})");
                }

                idat.Add((pos + 8, (int)len));
            }
            else if (idat.Count > 0)
            {
                idatDone = true;
            }

            transparency |= typeName == "tRNS";
            if (typeName == "IEND")
            {
                // IEND ends a PNG. Bytes after it are not part of the image (pngcheck reports them as an error): a file
                // overwritten in place by a shorter one, two files run together, or something appended on purpose.
                long after = d.Length - (pos + 12L + len);
                if (after > 0)
                {
                    return Png($"damaged PNG: {after} bytes after the IEND chunk (the file holds more than the image; overwritten, joined or appended to)");
                }

                if (idat.Count > 0 && deferData && PngDecoder.Handles(rawBits, colourType, interlaced, transparency) &&
                    PngDecoder.SizeAllowed(width, height, rawBits, colourType))
                {
                    return Png(null) with { DeferredPng = new PngLayout(idat, rawBits, colourType) };
                }

                return Png(idat.Count == 0 ? "damaged PNG: no IDAT chunk" : PngDataValidator.Check(d, idat, width, height, rawBits, colourType, interlaced));
            }

            pos += 12 + (int)len;
        }

        ImageHeader Png(string? defect)
        {
            if (width == 0)
            {
                throw new ScanLoadException(ScanStatus.Failed, path, defect ?? "corrupt PNG");
            }

            return new ImageHeader(ImageFormat.Png, width, height, bits, channels, 1, defect);
        }
    }

    private static ImageHeader ProbeJpeg(string path, ReadOnlySpan<byte> d)
    {
        int pos = 2;
        int width = 0, height = 0, bits = 8, channels = 0;
        var entropy = new JpegEntropyValidator();
        while (true)
        {
            // Skip fill bytes before a marker.
            while (pos < d.Length && d[pos] == 0xFF && pos + 1 < d.Length && d[pos + 1] == 0xFF)
            {
                pos++;
            }

            if (pos + 2 > d.Length)
            {
                return Jpeg($"truncated JPEG: file ends at byte {d.Length} without an EOI marker");
            }

            if (d[pos] != 0xFF)
            {
                return Jpeg($"damaged JPEG: expected a marker at byte {pos}, found 0x{d[pos]:X2}");
            }

            byte marker = d[pos + 1];
            pos += 2;
            if (marker == 0xD9)
            {
                return Jpeg(entropy.Finish());
            }

            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
            {
                continue;
            }

            if (marker < 0xC0)
            {
                // FF 00 and the reserved codes are not markers: libjpeg skips to the next marker and reports the bytes skipped.
                return Jpeg($"damaged JPEG: FF {marker:X2} at byte {pos - 2} is not a marker");
            }

            if (pos + 2 > d.Length)
            {
                return Jpeg($"truncated JPEG: segment 0x{marker:X2} cut at byte {d.Length}");
            }

            int len = BinaryPrimitives.ReadUInt16BigEndian(d[pos..]);
            if (len < 2 || pos + len > d.Length)
            {
                return Jpeg($"truncated JPEG: segment 0x{marker:X2} at byte {pos - 2} declares {len} bytes past the end of the file");
            }

            ReadOnlySpan<byte> body = d.Slice(pos + 2, len - 2);
            bool isSof = marker is >= 0xC0 and <= 0xCF && marker is not (0xC4 or 0xC8 or 0xCC);
            string? defect = null;
            if (isSof && len >= 8)
            {
                bits = d[pos + 2];
                height = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 3)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 5)..]);
                channels = d[pos + 7];
                if (width == 0 || height == 0)
                {
                    throw new ScanLoadException(ScanStatus.Failed, path, $"unsupported JPEG: frame header declares {width}x{height} (DNL-defined height is not supported)");
                }

                defect = entropy.StartFrame(marker, body);
            }
            else if (marker == 0xC4)
            {
                defect = entropy.DefineHuffmanTables(body);
            }
            else if (marker == 0xE0 && body.Length >= 7 && body[..5].SequenceEqual("JFIF\0"u8) && body[5] != 1)
            {
                // libjpeg warns "unknown JFIF revision number": no encoder writes another major version.
                defect = $"damaged JPEG: JFIF version {body[5]}.{body[6]:D2} is not 1.x";
            }
            else if (marker == 0xDB)
            {
                defect = entropy.DefineQuantisationTables(body);
            }
            else if (marker == 0xDD)
            {
                entropy.DefineRestartInterval(body);
            }

            if (defect is not null)
            {
                return Jpeg(defect);
            }

            pos += len;
            if (marker == 0xDA)
            {
                defect = entropy.Scan(d, body, pos, out pos);
                if (defect is not null)
                {
                    return Jpeg(defect);
                }

                if (pos + 1 >= d.Length)
                {
                    return Jpeg($"truncated JPEG: entropy-coded data runs to the end of the file (byte {d.Length}) without an EOI marker");
                }
            }
        }

        ImageHeader Jpeg(string? defect)
        {
            if (width == 0)
            {
                throw new ScanLoadException(ScanStatus.Failed, path, defect ?? "corrupt JPEG: no frame header");
            }

            return new ImageHeader(ImageFormat.Jpeg, width, height, bits, channels, 1, defect);
        }
    }

    private static ImageHeader ProbeTiff(string path, ReadOnlySpan<byte> d, int maxPages)
    {
        bool le = d[0] == 'I';
        if (d.Length < 8)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, "truncated TIFF header");
        }

        uint ifd = U32(d, 4, le);
        int pages = 0;
        int width = 0, height = 0, bits = 1, channels = 1;
        string? defect = null;
        var seen = new HashSet<uint>();
        while (ifd != 0)
        {
            if (!seen.Add(ifd))
            {
                throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt TIFF: circular IFD chain (IFD at byte {ifd} visited twice)");
            }

            if (pages >= maxPages)
            {
                throw new ScanLoadException(ScanStatus.Rejected, path, $"TIFF has more than {maxPages} pages (page cap)");
            }

            if (ifd + 2L > d.Length)
            {
                if (pages == 0)
                {
                    throw new ScanLoadException(ScanStatus.Incomplete, path, $"truncated TIFF: first IFD at byte {ifd} lies past the end of the {d.Length}-byte file");
                }

                defect ??= $"truncated TIFF: IFD of page {pages + 1} at byte {ifd} is past the end of the file";
                break;
            }

            int n = U16(d, (int)ifd, le);
            long entriesEnd = ifd + 2L + (12L * n);
            if (entriesEnd + 4 > d.Length)
            {
                if (pages == 0)
                {
                    throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt TIFF: IFD with {n} entries at byte {ifd} runs past the end of the file");
                }

                defect ??= $"truncated TIFF: IFD of page {pages + 1} is cut";
                break;
            }

            int w = 0, h = 0, bps = 1, spp = 1, compression = 1, planar = 1;
            long rowsPerStrip = uint.MaxValue, tileW = 0, tileH = 0;
            long offTag = -1, cntTag = -1;
            int offType = 0, cntType = 0, offCount = 0, cntCount = 0, previousTag = -1;
            for (int i = 0; i < n; i++)
            {
                int e = (int)ifd + 2 + (12 * i);
                int tag = U16(d, e, le);
                int type = U16(d, e + 2, le);
                uint count = U32(d, e + 4, le);
                uint value = type == 3 && count == 1 ? (uint)U16(d, e + 8, le) : U32(d, e + 8, le);
                defect ??= TiffEntryRules.Check(d, tag, type, count, type == 3 && count == 1 ? value : U32(d, e + 8, le), previousTag, le) is { } bad
                    ? $"{bad} (page {pages + 1})" : null;
                previousTag = tag;
                switch (tag)
                {
                    case 256: w = (int)Math.Min(value, int.MaxValue); break;
                    case 257: h = (int)Math.Min(value, int.MaxValue); break;
                    case 258:
                        bps = count == 1 ? (int)value : ReadFirstShort(d, e, count, le);
                        defect ??= count == 1 || SameShorts(d, e, count, le) ? null : $"damaged TIFF: BitsPerSample differs between samples (page {pages + 1})";
                        break;
                    case 339:
                        defect ??= count == 1 || SameShorts(d, e, count, le) ? null : $"damaged TIFF: SampleFormat differs between samples (page {pages + 1})";
                        defect ??= ReadFirstShort(d, e, count, le) is >= 1 and <= 6 ? null : $"damaged TIFF: SampleFormat {ReadFirstShort(d, e, count, le)} is not valid (page {pages + 1})";
                        break;
                    case 277: spp = (int)Math.Min(value, 65535); break;
                    case 259: compression = (int)Math.Min(value, int.MaxValue); break;
                    case 278: rowsPerStrip = value; break;
                    case 284: planar = (int)Math.Min(value, 2); break;
                    case 322: tileW = value; break;
                    case 323: tileH = value; break;
                    case 273 or 324: offTag = e; offType = type; offCount = (int)Math.Min(count, int.MaxValue); break;
                    case 279 or 325: cntTag = e; cntType = type; cntCount = (int)Math.Min(count, int.MaxValue); break;
                    default: break;
                }
            }

            if (w <= 0 || h <= 0)
            {
                throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt TIFF: page {pages + 1} declares {w}x{h}");
            }

            if (compression is not (1 or 2 or 3 or 4 or 5 or 7 or 8 or 32946 or 32773))
            {
                // OpenCV's libtiff reports "strip decoding is not implemented" on stderr and hands back a blank picture.
                throw new ScanLoadException(ScanStatus.Rejected, path, $"TIFF compression {compression} on page {pages + 1} is not supported (none, LZW, Deflate, PackBits, JPEG, CCITT)");
            }

            if (bps <= 0 || spp <= 0)
            {
                throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt TIFF: page {pages + 1} declares {bps} bits per sample and {spp} samples per pixel");
            }

            if (pages == 0)
            {
                width = w;
                height = h;
                bits = bps;
                channels = spp;
            }

            if (offTag >= 0 && cntTag >= 0 && offCount == cntCount)
            {
                bool tiled = tileW > 0 && tileH > 0;
                long chunkSamples = planar == 2 ? 1 : spp;
                long rowBytes = ((((tiled ? tileW : w) * chunkSamples * Math.Max(bps, 1)) + 7) / 8);
                long perPlane = tiled ? ((w + tileW - 1) / tileW) * ((h + tileH - 1) / tileH) : (h + Math.Max(rowsPerStrip, 1) - 1) / Math.Max(rowsPerStrip, 1);
                long needed = perPlane * (planar == 2 ? spp : 1);
                if (offCount < needed)
                {
                    defect = $"damaged TIFF: page {pages + 1} has {offCount} {(tiled ? "tiles" : "strips")}, its geometry needs {needed}";
                }

                for (int s = 0; s < offCount && defect is null; s++)
                {
                    long off = ArrayValue(d, (int)offTag, offType, offCount, s, le);
                    long cnt = ArrayValue(d, (int)cntTag, cntType, cntCount, s, le);
                    if (off < 0 || cnt < 0)
                    {
                        defect = $"damaged TIFF: strip table of page {pages + 1} lies outside the file";
                    }
                    else if (off + cnt > d.Length)
                    {
                        defect = $"truncated TIFF: page {pages + 1} strip {s} needs bytes {off}..{off + cnt} but the file ends at byte {d.Length}";
                    }
                    else if (s < needed)
                    {
                        long rows = tiled ? tileH : Math.Min(rowsPerStrip, h - ((s % perPlane) * rowsPerStrip));
                        defect = TiffStripValidator.Check(d.Slice((int)off, (int)cnt), compression, rowBytes * rows,
                            $"page {pages + 1} {(tiled ? "tile" : "strip")} {s}", rowBytes);
                    }
                }
            }
            else if (pages == 0)
            {
                throw new ScanLoadException(ScanStatus.Failed, path, "corrupt TIFF: missing or inconsistent strip/tile offset tables");
            }

            pages++;
            ifd = U32(d, (int)entriesEnd, le);
        }

        return new ImageHeader(ImageFormat.Tiff, width, height, bits, channels, pages, defect);
    }

    /// <summary>Byte offsets of the IFDs of a TIFF that <see cref="Probe"/> accepted, in page order (at most <paramref name="maxPages"/>).</summary>
    internal static long[] TiffPageOffsets(ReadOnlySpan<byte> d, int maxPages)
    {
        bool le = d[0] == 'I';
        var list = new List<long>();
        long ifd = U32(d, 4, le);
        while (ifd != 0 && list.Count < maxPages && ifd + 2 <= d.Length && !list.Contains(ifd))
        {
            long end = ifd + 2 + (12L * U16(d, (int)ifd, le));
            if (end + 4 > d.Length)
            {
                break;
            }

            list.Add(ifd);
            ifd = U32(d, (int)end, le);
        }

        return [.. list];
    }

    private static ImageHeader ProbeBmp(string path, ReadOnlySpan<byte> d)
    {
        if (d.Length < 30)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt BMP: {d.Length}-byte file is shorter than a BMP header");
        }

        uint dataOffset = BinaryPrimitives.ReadUInt32LittleEndian(d[10..]);
        uint dibSize = BinaryPrimitives.ReadUInt32LittleEndian(d[14..]);
        int width, height, bpp;
        uint compression = 0;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(d[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(d[20..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(d[24..]);
        }
        else if (dibSize >= 40 && d.Length >= 54)
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(d[18..]);
            height = BinaryPrimitives.ReadInt32LittleEndian(d[22..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(d[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(d[30..]);
        }
        else
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt BMP: DIB header size {dibSize} is not supported");
        }

        if (height == int.MinValue || width <= 0 || height == 0)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt BMP: invalid dimensions {width}x{height}");
        }

        height = Math.Abs(height);
        if (bpp is not (1 or 4 or 8 or 16 or 24 or 32))
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"corrupt BMP: {bpp} bits per pixel is not valid");
        }

        string? defect = null;
        if (compression is 0 or 3)
        {
            long stride = (((long)width * bpp) + 31) / 32 * 4;
            long needed = dataOffset + (stride * height);
            if (needed > d.Length)
            {
                defect = $"truncated BMP: pixel array needs {needed} bytes but the file has {d.Length}";
            }
        }

        int channels = bpp <= 8 ? 3 : bpp == 32 ? 4 : 3;
        return new ImageHeader(ImageFormat.Bmp, width, height, 8, channels, 1, defect);
    }

    private static bool SameShorts(ReadOnlySpan<byte> d, int entry, uint count, bool le)
    {
        long start = count * 2L <= 4 ? entry + 8 : U32(d, entry + 8, le);
        if (start + (count * 2L) > d.Length)
        {
            return false;
        }

        int first = U16(d, (int)start, le);
        for (long i = 1; i < count; i++)
        {
            if (U16(d, (int)(start + (2 * i)), le) != first)
            {
                return false;
            }
        }

        return true;
    }

    private static int ReadFirstShort(ReadOnlySpan<byte> d, int entry, uint count, bool le)
    {
        if (count * 2 <= 4)
        {
            return U16(d, entry + 8, le);
        }

        long off = U32(d, entry + 8, le);
        return off + 2 <= d.Length ? U16(d, (int)off, le) : 0;
    }

    private static long ArrayValue(ReadOnlySpan<byte> d, int entry, int type, int count, int index, bool le)
    {
        int size = type == 3 ? 2 : 4;
        long start = (long)count * size <= 4 ? entry + 8 : U32(d, entry + 8, le);
        long at = start + ((long)index * size);
        if (at + size > d.Length)
        {
            return -1;
        }

        return size == 2 ? U16(d, (int)at, le) : U32(d, (int)at, le);
    }

    private static int U16(ReadOnlySpan<byte> d, int at, bool le) =>
        le ? BinaryPrimitives.ReadUInt16LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt16BigEndian(d[at..]);

    private static uint U32(ReadOnlySpan<byte> d, int at, bool le) =>
        le ? BinaryPrimitives.ReadUInt32LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt32BigEndian(d[at..]);
}
