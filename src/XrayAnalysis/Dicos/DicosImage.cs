using System.Buffers.Binary;
using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Dicos;

/// <summary>The image attributes of a DICOS/DICOM data set, checked.</summary>
internal sealed record DicosPixelInfo(
    int Rows,
    int Columns,
    int Frames,
    int SamplesPerPixel,
    int BitsAllocated,
    int BitsStored,
    int HighBit,
    bool Signed,
    string Photometric,
    int PlanarConfiguration,
    double Slope,
    double Intercept,
    string? Modality,
    string? SopClass)
{
    /// <summary>Channels of the decoded picture: 3 for PALETTE COLOR and RGB.</summary>
    public int Channels => Photometric is "PALETTE COLOR" || SamplesPerPixel == 3 ? 3 : 1;
}

/// <summary>
/// Turns a parsed DICOS/DICOM file into pixels: native or JPEG-lossless encoded frames; BitsStored/HighBit masking and
/// sign extension; MONOCHROME1 inverted so that, as in MONOCHROME2, higher is brighter; PALETTE COLOR through its LUTs
/// (8- or 16-bit entries); RGB; rescale slope/intercept (the result is then 32-bit float, like a CT's HU).
/// </summary>
internal static class DicosImage
{
    /// <summary>Reads and checks the image attributes; everything wrong is a <see cref="DicosException"/> naming it.</summary>
    public static DicosPixelInfo Info(DicomFile f, long maxPixels)
    {
        DicomDataset d = f.Dataset;
        int rows = (int)(d.Integer(0x00280010) ?? 0), cols = (int)(d.Integer(0x00280011) ?? 0);
        if (!d.Contains(DicomParser.PixelDataTag))
        {
            throw new DicosException(ScanStatus.Failed, $"DICOS: no pixel data (7FE0,0010){(d.String(0x00080016) is { } sop ? $"; SOP class {sop}" + (sop == DicosUids.TdrStorage ? " is a Threat Detection Report, not an image" : "") : "")}");
        }

        if (rows <= 0 || cols <= 0)
        {
            throw new DicosException(ScanStatus.Failed, $"DICOS: image size {cols} x {rows} (Rows/Columns missing or zero)");
        }

        long frames = d.Integer(0x00280008) ?? 1;
        if (frames is < 1 or > 100_000)
        {
            throw new DicosException(ScanStatus.Rejected, $"DICOS: Number of Frames {frames}");
        }

        if ((long)rows * cols * frames > maxPixels)
        {
            throw new DicosException(ScanStatus.Rejected, $"DICOS: {cols} x {rows} x {frames} frame(s) = {(long)rows * cols * frames} pixels is above the {maxPixels}-pixel cap");
        }

        int spp = (int)(d.Integer(0x00280002) ?? 1);
        int ba = (int)(d.Integer(0x00280100) ?? 0), bs = (int)(d.Integer(0x00280101) ?? ba), hb = (int)(d.Integer(0x00280102) ?? (bs - 1));
        bool signed = (d.Integer(0x00280103) ?? 0) == 1;
        string photometric = (d.String(0x00280004) ?? "").Trim().ToUpperInvariant();
        if (ba is not (8 or 16))
        {
            throw new DicosException(ScanStatus.Rejected, $"DICOS: Bits Allocated {ba} (supported: 8 and 16)");
        }

        if (bs < 1 || bs > ba || hb < bs - 1 || hb >= ba)
        {
            throw new DicosException(ScanStatus.Failed, $"DICOS: Bits Stored {bs} / High Bit {hb} do not fit Bits Allocated {ba}");
        }

        bool ok = (photometric, spp) switch
        {
            ("MONOCHROME1" or "MONOCHROME2", 1) => true,
            ("PALETTE COLOR", 1) => true,
            ("RGB", 3) => ba == 8,
            _ => false,
        };
        if (!ok)
        {
            throw new DicosException(ScanStatus.Rejected, $"DICOS: photometric interpretation '{photometric}' with {spp} sample(s) of {ba} bits (supported: MONOCHROME1/2, PALETTE COLOR, 8-bit RGB)");
        }

        double slope = d.Real(0x00281053) ?? 1, intercept = d.Real(0x00281052) ?? 0;
        if (slope == 0)
        {
            throw new DicosException(ScanStatus.Failed, "DICOS: Rescale Slope 0");
        }

        return new DicosPixelInfo(rows, cols, (int)frames, spp, ba, bs, hb, signed, photometric, (int)(d.Integer(0x00280006) ?? 0), slope, intercept,
            d.String(0x00080060), d.String(0x00080016));
    }

    /// <summary>The picture of frame <paramref name="frame"/>: CV_16UC1, CV_32FC1 (signed or rescaled) or CV_8UC3 (BGR).</summary>
    public static Mat Frame(DicomFile f, DicosPixelInfo info, int frame)
    {
        ushort[] stored = StoredSamples(f, info, frame);
        int n = info.Rows * info.Columns;
        if (info.Photometric == "PALETTE COLOR")
        {
            return Palette(f.Dataset, info, stored);
        }

        if (info.SamplesPerPixel == 3)
        {
            var rgb = new Mat(info.Rows, info.Columns, MatType.CV_8UC3);
            var bgr = new byte[n * 3];
            for (int i = 0; i < n; i++)
            {
                (int r, int g, int b) = info.PlanarConfiguration == 1 ? (stored[i], stored[n + i], stored[(2 * n) + i]) : (stored[3 * i], stored[(3 * i) + 1], stored[(3 * i) + 2]);
                bgr[3 * i] = (byte)b;
                bgr[(3 * i) + 1] = (byte)g;
                bgr[(3 * i) + 2] = (byte)r;
            }

            System.Runtime.InteropServices.Marshal.Copy(bgr, 0, rgb.Data, bgr.Length);
            return rgb;
        }

        int bs = info.BitsStored;
        int max = (1 << bs) - 1;
        bool invert = info.Photometric == "MONOCHROME1";
        bool asFloat = info.Signed || info.Slope != 1 || info.Intercept != 0;
        if (!asFloat && info.BitsAllocated == 8)
        {
            var m8 = new Mat(info.Rows, info.Columns, MatType.CV_8UC1);
            var b8 = new byte[n];
            for (int i = 0; i < n; i++)
            {
                int v = stored[i] & max;
                b8[i] = (byte)(invert ? max - v : v);
            }

            System.Runtime.InteropServices.Marshal.Copy(b8, 0, m8.Data, n);
            return m8;
        }

        if (!asFloat)
        {
            var m = new Mat(info.Rows, info.Columns, MatType.CV_16UC1);
            var buf = new ushort[n];
            for (int i = 0; i < n; i++)
            {
                int v = stored[i] & max;
                buf[i] = (ushort)(invert ? max - v : v);
            }

            unsafe
            {
                fixed (ushort* p = buf)
                {
                    Buffer.MemoryCopy(p, (void*)m.Data, (long)n * 2, (long)n * 2);
                }
            }

            return m;
        }

        var fl = new Mat(info.Rows, info.Columns, MatType.CV_32FC1);
        var vals = new float[n];
        int signBit = 1 << (bs - 1);
        for (int i = 0; i < n; i++)
        {
            int v = stored[i] & max;
            if (info.Signed && (v & signBit) != 0)
            {
                v -= 1 << bs;
            }

            double x = (v * info.Slope) + info.Intercept;
            vals[i] = (float)(invert ? -x : x);
        }

        System.Runtime.InteropServices.Marshal.Copy(vals, 0, fl.Data, n);
        return fl;
    }

    /// <summary>The stored values of one frame (before masking), from native or JPEG-lossless pixel data.</summary>
    private static ushort[] StoredSamples(DicomFile f, DicosPixelInfo info, int frame)
    {
        DicomElement px = f.Dataset[DicomParser.PixelDataTag]!;
        int spp = info.SamplesPerPixel;
        long samples = (long)info.Rows * info.Columns * spp;
        if (px.Fragments is { } fragments)
        {
            if (!f.IsJpegLossless)
            {
                throw new DicosException(ScanStatus.Failed, "DICOS: encapsulated pixel data in an uncompressed transfer syntax");
            }

            byte[] jpeg = FrameBytes(f.Dataset.Data, fragments, info.Frames, frame);
            JpegLosslessDecoder.Frame j = JpegLosslessDecoder.Decode(jpeg, samples);
            if (j.Width != info.Columns || j.Height != info.Rows || j.Components != spp)
            {
                throw new DicosException(ScanStatus.Failed, $"DICOS: the JPEG frame is {j.Width} x {j.Height} x {j.Components}, the header says {info.Columns} x {info.Rows} x {spp}");
            }

            return j.Samples;
        }

        if (f.IsJpegLossless)
        {
            throw new DicosException(ScanStatus.Failed, "DICOS: JPEG lossless transfer syntax but the pixel data is not encapsulated");
        }

        int bytesPer = info.BitsAllocated / 8;
        long frameBytes = samples * bytesPer;
        long need = frameBytes * info.Frames;
        if (px.Length < need)
        {
            throw new DicosException(ScanStatus.Incomplete, $"DICOS: pixel data holds {px.Length} bytes, {info.Frames} frame(s) of {info.Columns} x {info.Rows} x {spp} x {info.BitsAllocated} bits need {need} (truncated)");
        }

        ReadOnlySpan<byte> src = f.Dataset.Data.AsSpan(px.Offset + (int)(frameBytes * frame), (int)frameBytes);
        var r = new ushort[samples];
        int shift = info.HighBit + 1 - info.BitsStored;
        if (bytesPer == 1)
        {
            for (int i = 0; i < r.Length; i++)
            {
                r[i] = (ushort)(src[i] >> shift);
            }
        }
        else
        {
            for (int i = 0; i < r.Length; i++)
            {
                r[i] = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(src[(i * 2)..]) >> shift);
            }
        }

        return r;
    }

    /// <summary>The JPEG stream of one frame: by the basic offset table, one fragment per frame, or all fragments for a single frame.</summary>
    private static byte[] FrameBytes(byte[] data, List<(int Offset, int Length)> fragments, int frames, int frame)
    {
        (int botOffset, int botLength) = fragments[0];
        var frags = fragments.Skip(1).ToList();
        if (frags.Count == 0)
        {
            throw new DicosException(ScanStatus.Incomplete, "DICOS: encapsulated pixel data has no fragments");
        }

        List<(int Offset, int Length)> mine;
        if (frames == 1)
        {
            mine = frags;
        }
        else if (botLength >= frames * 4)
        {
            // Offsets are from the first byte of the first fragment's item header.
            long first = frags[0].Offset - 8;
            long start = first + BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(botOffset + (frame * 4)));
            long stop = frame + 1 < frames ? first + BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(botOffset + ((frame + 1) * 4))) : long.MaxValue;
            mine = frags.Where(x => x.Offset - 8 >= start && x.Offset - 8 < stop).ToList();
            if (mine.Count == 0)
            {
                throw new DicosException(ScanStatus.Failed, $"DICOS: the basic offset table points frame {frame + 1} at no fragment");
            }
        }
        else if (frags.Count == frames)
        {
            mine = [frags[frame]];
        }
        else
        {
            // No table and not one fragment per frame: frames start where a fragment starts with SOI.
            var starts = frags.Select((x, i) => (x, i)).Where(t => t.x.Length >= 2 && data[t.x.Offset] == 0xFF && data[t.x.Offset + 1] == 0xD8).Select(t => t.i).ToList();
            if (starts.Count != frames)
            {
                throw new DicosException(ScanStatus.Failed, $"DICOS: cannot tell the {frames} frames apart in {frags.Count} fragments (no basic offset table)");
            }

            int end = frame + 1 < frames ? starts[frame + 1] : frags.Count;
            mine = frags.GetRange(starts[frame], end - starts[frame]);
        }

        long total = mine.Sum(x => (long)x.Length);
        var buf = new byte[total];
        int at = 0;
        foreach ((int o, int l) in mine)
        {
            Buffer.BlockCopy(data, o, buf, at, l);
            at += l;
        }

        return buf;
    }

    private static Mat Palette(DicomDataset d, DicosPixelInfo info, ushort[] stored)
    {
        var luts = new byte[3][];
        int first = 0, count = 0;
        for (int c = 0; c < 3; c++)
        {
            uint desc = 0x00281101u + (uint)c, dataTag = 0x00281201u + (uint)c;
            ReadOnlySpan<byte> raw = d.Bytes(desc);
            if (raw.Length < 6)
            {
                throw new DicosException(ScanStatus.Failed, $"DICOS: PALETTE COLOR without a {"RGB"[c]} LUT descriptor (0028,110{c + 1})");
            }

            int n = BinaryPrimitives.ReadUInt16LittleEndian(raw);
            n = n == 0 ? 65536 : n;
            int f0 = info.Signed ? BinaryPrimitives.ReadInt16LittleEndian(raw[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(raw[2..]);
            int bits = BinaryPrimitives.ReadUInt16LittleEndian(raw[4..]);
            if (bits is not (8 or 16))
            {
                throw new DicosException(ScanStatus.Failed, $"DICOS: PALETTE COLOR LUT entries of {bits} bits (8 or 16 expected)");
            }

            ReadOnlySpan<byte> lut = d.Bytes(dataTag);
            // 8-bit entries are still stored in 16-bit words in most files; accept both packings.
            bool packed8 = bits == 8 && lut.Length >= n && lut.Length < n * 2;
            if (lut.Length < (packed8 ? n : n * 2))
            {
                throw new DicosException(ScanStatus.Incomplete, $"DICOS: PALETTE COLOR {"RGB"[c]} LUT holds {lut.Length} bytes for {n} entries");
            }

            var table = new byte[n];
            for (int i = 0; i < n; i++)
            {
                int v = packed8 ? lut[i] : BinaryPrimitives.ReadUInt16LittleEndian(lut[(i * 2)..]);
                table[i] = (byte)(bits == 16 ? v >> 8 : v & 0xFF);
            }

            luts[c] = table;
            (first, count) = c == 0 ? (f0, n) : (first, Math.Min(count, n));
        }

        var m = new Mat(info.Rows, info.Columns, MatType.CV_8UC3);
        var bgr = new byte[stored.Length * 3];
        int max = (1 << info.BitsStored) - 1;
        for (int i = 0; i < stored.Length; i++)
        {
            int idx = Math.Clamp((stored[i] & max) - first, 0, count - 1);
            bgr[3 * i] = luts[2][idx];
            bgr[(3 * i) + 1] = luts[1][idx];
            bgr[(3 * i) + 2] = luts[0][idx];
        }

        System.Runtime.InteropServices.Marshal.Copy(bgr, 0, m.Data, bgr.Length);
        return m;
    }

    /// <summary>Probe for the loader: the parsed file and an image header (format Dicos) for its first frame.</summary>
    public static (DicomFile File, DicosPixelInfo Info, ImageHeader Header) Probe(byte[] bytes, long maxPixels)
    {
        DicomFile f = DicomParser.Parse(bytes);
        DicosPixelInfo info = Info(f, maxPixels);
        return (f, info, new ImageHeader(ImageFormat.Dicos, info.Columns, info.Rows, info.Channels == 3 ? 8 : info.BitsAllocated, info.Channels, info.Frames, null));
    }
}

/// <summary>UIDs of the DICOS storage classes (NEMA IIC 1).</summary>
internal static class DicosUids
{
    public const string CtStorage = "1.2.840.10008.5.1.4.1.1.501.1";
    public const string DxPresentationStorage = "1.2.840.10008.5.1.4.1.1.501.2.1";
    public const string DxProcessingStorage = "1.2.840.10008.5.1.4.1.1.501.2.2";
    public const string TdrStorage = "1.2.840.10008.5.1.4.1.1.501.3";
}
