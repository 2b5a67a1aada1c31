using OpenCvSharp;

namespace XrayAnalysis.Loading;

/// <summary>
/// The EXIF/TIFF Orientation tag (274): which way the stored pixels must be turned to appear as every viewer shows them.
/// Read from a JPEG's APP1 Exif segment or a TIFF's first IFD, bounded and never trusted beyond the buffer; applied to the
/// decoded pixels so that boxes are in the displayed frame.
/// </summary>
internal static class ExifOrientation
{
    private const ushort Tag = 0x0112;

    /// <summary>The orientation (1–8) stored in <paramref name="bytes"/>, or null when there is none or it is not valid.</summary>
    public static int? Read(ReadOnlySpan<byte> bytes, ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => FromJpeg(bytes),
        ImageFormat.Tiff => FromTiff(bytes),
        _ => null,
    };

    /// <summary>Turns <paramref name="m"/> into the displayed frame for <paramref name="orientation"/>; returns a new Mat, or <paramref name="m"/> itself for 1/null.</summary>
    public static Mat Apply(Mat m, int? orientation)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (orientation is null or 1 or < 1 or > 8)
        {
            return m;
        }

        var o = new Mat();
        switch (orientation)
        {
            case 2: Cv2.Flip(m, o, FlipMode.Y); break;
            case 3: Cv2.Rotate(m, o, RotateFlags.Rotate180); break;
            case 4: Cv2.Flip(m, o, FlipMode.X); break;
            case 5: Cv2.Transpose(m, o); break;
            case 6: Cv2.Rotate(m, o, RotateFlags.Rotate90Clockwise); break;
            case 7:
                using (var t = new Mat())
                {
                    Cv2.Transpose(m, t);
                    Cv2.Rotate(t, o, RotateFlags.Rotate180);
                }

                break;
            default: Cv2.Rotate(m, o, RotateFlags.Rotate90Counterclockwise); break;
        }

        return o;
    }

    private static int? FromJpeg(ReadOnlySpan<byte> b)
    {
        int p = 2;
        while (p + 4 <= b.Length && b[0] == 0xFF && b[1] == 0xD8)
        {
            if (b[p] != 0xFF)
            {
                return null;
            }

            byte marker = b[p + 1];
            if (marker is 0xDA or 0xD9)
            {
                return null;
            }

            int len = (b[p + 2] << 8) | b[p + 3];
            if (len < 2 || p + 2 + len > b.Length)
            {
                return null;
            }

            ReadOnlySpan<byte> seg = b.Slice(p + 4, len - 2);
            if (marker == 0xE1 && seg.Length > 6 && seg[..6].SequenceEqual("Exif\0\0"u8))
            {
                return FromTiff(seg[6..]);
            }

            p += 2 + len;
        }

        return null;
    }

    private static int? FromTiff(ReadOnlySpan<byte> t)
    {
        if (t.Length < 8)
        {
            return null;
        }

        bool le = t[0] == 'I' && t[1] == 'I';
        if (!le && !(t[0] == 'M' && t[1] == 'M'))
        {
            return null;
        }

        ushort U16(ReadOnlySpan<byte> s, int o) => le ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(s[o..]) : System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(s[o..]);
        uint U32(ReadOnlySpan<byte> s, int o) => le ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(s[o..]) : System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(s[o..]);
        if (U16(t, 2) != 42)
        {
            return null; // BigTIFF and others: no orientation read.
        }

        uint ifd = U32(t, 4);
        if (ifd < 8 || ifd + 2 > t.Length)
        {
            return null;
        }

        int n = U16(t, (int)ifd);
        for (int i = 0; i < n; i++)
        {
            int e = (int)ifd + 2 + (12 * i);
            if (e + 12 > t.Length)
            {
                return null;
            }

            if (U16(t, e) == Tag && U16(t, e + 2) == 3 && U32(t, e + 4) == 1)
            {
                int v = U16(t, e + 8);
                return v is >= 1 and <= 8 ? v : null;
            }
        }

        return null;
    }
}
