using System.Buffers.Binary;
using System.Text;

namespace XrayAnalysis.Dicos;

/// <summary>A DICOS/DICOM file that cannot be read: the status it earns (failed, rejected, incomplete) and why.</summary>
internal sealed class DicosException(ScanStatus status, string reason) : Exception(reason)
{
    public ScanStatus Status { get; } = status;
}

/// <summary>The parsed file: its transfer syntax, meta group and main data set.</summary>
internal sealed record DicomFile(string TransferSyntax, DicomDataset Meta, DicomDataset Dataset)
{
    public bool IsJpegLossless => TransferSyntax is DicomParser.JpegLosslessSv1 or DicomParser.JpegLossless;
}

/// <summary>
/// DICOM Part 10 reader for untrusted files: 128-byte preamble + <c>DICM</c>, the meta group (explicit VR little
/// endian), then the data set in Explicit or Implicit VR Little Endian (Big Endian, deflate and the lossy/other codecs are
/// refused by name). Defined and undefined lengths, sequences and items with delimiters, encapsulated pixel data (basic
/// offset table + fragments). Every length is checked against the bytes left before it is used; nesting depth, element
/// count and fragment count are capped; the only recursion is into sequences, bounded by the depth cap.
/// </summary>
internal static class DicomParser
{
    public const string ImplicitLittle = "1.2.840.10008.1.2";
    public const string ExplicitLittle = "1.2.840.10008.1.2.1";
    public const string ExplicitBig = "1.2.840.10008.1.2.2";
    public const string Deflated = "1.2.840.10008.1.2.1.99";
    public const string JpegLossless = "1.2.840.10008.1.2.4.57";
    public const string JpegLosslessSv1 = "1.2.840.10008.1.2.4.70";

    public const int MaxDepth = 8;
    public const int MaxElements = 200_000;
    public const int MaxFragments = 100_000;
    public const uint PixelDataTag = 0x7FE00010;
    private const uint ItemTag = 0xFFFEE000, ItemDelimiter = 0xFFFEE00D, SequenceDelimiter = 0xFFFEE0DD;
    private const uint Undefined = 0xFFFFFFFF;

    /// <summary>Whether the bytes start like a DICOM Part 10 file (preamble, then "DICM" at 128).</summary>
    public static bool IsDicom(ReadOnlySpan<byte> data) => data.Length >= 132 && data[128] == 'D' && data[129] == 'I' && data[130] == 'C' && data[131] == 'M';

    /// <summary>Parses the file. <paramref name="stopAtPixelData"/> ends at the pixel data element (its header still checked).</summary>
    public static DicomFile Parse(byte[] data, bool stopAtPixelData = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!IsDicom(data))
        {
            throw new DicosException(ScanStatus.Failed, "DICOS: no DICM marker at byte 128 (not a DICOM Part 10 file)");
        }

        var state = new State(data);
        int pos = 132;
        var meta = new DicomDataset(data);
        // The meta group is always explicit VR little endian; it ends where group 0002 does.
        while (pos + 8 <= data.Length && BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(pos)) == 0x0002)
        {
            ReadElement(state, meta, ref pos, data.Length, explicitVr: true, depth: 0);
        }

        string ts = meta.String(0x00020010)?.Trim() ?? "";
        if (ts.Length == 0)
        {
            throw new DicosException(ScanStatus.Failed, "DICOS: the meta group has no Transfer Syntax UID (0002,0010)");
        }

        bool explicitVr = ts switch
        {
            ExplicitLittle or JpegLossless or JpegLosslessSv1 => true,
            ImplicitLittle => false,
            ExplicitBig => throw new DicosException(ScanStatus.Rejected, $"DICOS: transfer syntax Explicit VR Big Endian ({ts}) is not supported (retired)"),
            Deflated => throw new DicosException(ScanStatus.Rejected, $"DICOS: transfer syntax Deflated Explicit VR Little Endian ({ts}) is not supported"),
            _ => throw new DicosException(ScanStatus.Rejected, $"DICOS: transfer syntax {TransferSyntaxName(ts)} is not supported (supported: Explicit and Implicit VR Little Endian, JPEG Lossless process 14)"),
        };
        var ds = new DicomDataset(data);
        state.StopAtPixelData = stopAtPixelData;
        while (pos < data.Length && !state.Stopped)
        {
            if (data.Length - pos < 8)
            {
                throw new DicosException(ScanStatus.Incomplete, $"DICOS: {data.Length - pos} stray bytes at the end of the data set (offset {pos})");
            }

            ReadElement(state, ds, ref pos, data.Length, explicitVr, depth: 0);
        }

        return new DicomFile(ts, meta, ds);
    }

    /// <summary>A transfer syntax UID with its name where known.</summary>
    public static string TransferSyntaxName(string uid) => uid switch
    {
        "1.2.840.10008.1.2.4.50" => $"JPEG Baseline ({uid})",
        "1.2.840.10008.1.2.4.51" => $"JPEG Extended ({uid})",
        "1.2.840.10008.1.2.4.80" or "1.2.840.10008.1.2.4.81" => $"JPEG-LS ({uid})",
        "1.2.840.10008.1.2.4.90" or "1.2.840.10008.1.2.4.91" => $"JPEG 2000 ({uid})",
        "1.2.840.10008.1.2.5" => $"RLE Lossless ({uid})",
        _ => uid.Length > 64 ? uid[..64] + "…" : uid,
    };

    private sealed class State(byte[] data)
    {
        public byte[] Data { get; } = data;

        public int Elements { get; set; }

        public bool StopAtPixelData { get; set; }

        public bool Stopped { get; set; }
    }

    private static string Tag(uint tag) => $"({tag >> 16:X4},{tag & 0xFFFF:X4})";

    private static void ReadElement(State s, DicomDataset into, ref int pos, int end, bool explicitVr, int depth)
    {
        byte[] d = s.Data;
        if (end - pos < 8)
        {
            throw new DicosException(ScanStatus.Incomplete, $"DICOS: element header at offset {pos} runs past the end ({end - pos} bytes left)");
        }

        if (++s.Elements > MaxElements)
        {
            throw new DicosException(ScanStatus.Rejected, $"DICOS: more than {MaxElements} elements");
        }

        uint tag = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos)) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos + 2));
        string vr;
        uint length;
        int start = pos;
        if (tag >> 16 == 0xFFFE)
        {
            throw new DicosException(ScanStatus.Failed, $"DICOS: item tag {Tag(tag)} outside a sequence at offset {pos}");
        }

        if (explicitVr)
        {
            byte v0 = d[pos + 4], v1 = d[pos + 5];
            if (v0 is < (byte)'A' or > (byte)'Z' || v1 is < (byte)'A' or > (byte)'Z')
            {
                throw new DicosException(ScanStatus.Failed, $"DICOS: element {Tag(tag)} at offset {pos} has no valid VR (bytes {v0:X2} {v1:X2})");
            }

            vr = Encoding.ASCII.GetString(d, pos + 4, 2);
            if (vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "UC" or "UN" or "UR" or "UT" or "SV" or "UV")
            {
                if (end - pos < 12)
                {
                    throw new DicosException(ScanStatus.Incomplete, $"DICOS: element {Tag(tag)} header runs past the end");
                }

                length = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(pos + 8));
                pos += 12;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos + 6));
                pos += 8;
            }
        }
        else
        {
            length = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(pos + 4));
            vr = ImplicitVr(tag, length);
            pos += 8;
        }

        if (tag == PixelDataTag && s.StopAtPixelData && depth == 0)
        {
            // Headers only: the pixel data's value is not read (it may lie past the bytes read).
            s.Stopped = true;
            return;
        }

        if (tag == PixelDataTag && length == Undefined)
        {
            into.Add(new DicomElement(tag, vr, start, 0) { Fragments = ReadFragments(s, ref pos, end) });
            return;
        }

        if (vr == "SQ" || (length == Undefined && vr == "UN"))
        {
            if (depth >= MaxDepth)
            {
                throw new DicosException(ScanStatus.Rejected, $"DICOS: sequences nested deeper than {MaxDepth} at {Tag(tag)}");
            }

            // A UN sequence of undefined length is encoded implicit VR little endian (PS3.5 6.2.2).
            bool itemsExplicit = explicitVr && vr != "UN";
            int seqEnd = length == Undefined ? end : CheckedEnd(pos, length, end, tag);
            var items = new List<DicomDataset>();
            while (pos < seqEnd)
            {
                if (seqEnd - pos < 8)
                {
                    throw new DicosException(ScanStatus.Incomplete, $"DICOS: sequence {Tag(tag)} ends inside an item header");
                }

                uint itemTag = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos)) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos + 2));
                uint itemLength = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(pos + 4));
                pos += 8;
                if (itemTag == SequenceDelimiter)
                {
                    if (length != Undefined)
                    {
                        throw new DicosException(ScanStatus.Failed, $"DICOS: sequence {Tag(tag)} of defined length holds a sequence delimiter");
                    }

                    into.Add(new DicomElement(tag, "SQ", start, pos - start) { Items = items });
                    return;
                }

                if (itemTag != ItemTag)
                {
                    throw new DicosException(ScanStatus.Failed, $"DICOS: sequence {Tag(tag)} holds {Tag(itemTag)} where an item was expected (offset {pos - 8})");
                }

                if (++s.Elements > MaxElements)
                {
                    throw new DicosException(ScanStatus.Rejected, $"DICOS: more than {MaxElements} elements");
                }

                var item = new DicomDataset(d);
                int itemEnd = itemLength == Undefined ? seqEnd : CheckedEnd(pos, itemLength, seqEnd, tag);
                while (true)
                {
                    if (itemLength != Undefined && pos >= itemEnd)
                    {
                        break;
                    }

                    if (itemEnd - pos < 8)
                    {
                        throw new DicosException(ScanStatus.Incomplete, $"DICOS: an item of {Tag(tag)} ends inside an element header (offset {pos})");
                    }

                    if (itemLength == Undefined && BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos)) == 0xFFFE
                        && BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos + 2)) == 0xE00D)
                    {
                        pos += 8;
                        break;
                    }

                    ReadElement(s, item, ref pos, itemEnd, itemsExplicit, depth + 1);
                }

                items.Add(item);
            }

            if (length == Undefined)
            {
                throw new DicosException(ScanStatus.Incomplete, $"DICOS: sequence {Tag(tag)} has no sequence delimiter before the end of the file");
            }

            into.Add(new DicomElement(tag, "SQ", start, pos - start) { Items = items });
            return;
        }

        if (length == Undefined)
        {
            throw new DicosException(ScanStatus.Failed, $"DICOS: element {Tag(tag)} ({vr}) has undefined length, allowed only for sequences and encapsulated pixel data");
        }

        int valueEnd = CheckedEnd(pos, length, end, tag);
        into.Add(new DicomElement(tag, vr, pos, (int)length));
        pos = valueEnd;
    }

    private static int CheckedEnd(int pos, uint length, int end, uint tag)
    {
        if (length > (uint)(end - pos))
        {
            throw new DicosException(ScanStatus.Incomplete, $"DICOS: element {Tag(tag)} declares {length} bytes but only {end - pos} remain (offset {pos}): truncated or damaged");
        }

        return pos + (int)length;
    }

    private static List<(int Offset, int Length)> ReadFragments(State s, ref int pos, int end)
    {
        byte[] d = s.Data;
        var fragments = new List<(int, int)>();
        while (true)
        {
            if (end - pos < 8)
            {
                throw new DicosException(ScanStatus.Incomplete, "DICOS: encapsulated pixel data ends without a sequence delimiter (truncated)");
            }

            uint tag = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos)) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos + 2));
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(pos + 4));
            pos += 8;
            if (tag == SequenceDelimiter)
            {
                if (fragments.Count == 0)
                {
                    throw new DicosException(ScanStatus.Failed, "DICOS: encapsulated pixel data has no basic offset table item");
                }

                return fragments;
            }

            if (tag != ItemTag)
            {
                throw new DicosException(ScanStatus.Failed, $"DICOS: encapsulated pixel data holds {Tag(tag)} where a fragment was expected (offset {pos - 8})");
            }

            if (len == Undefined)
            {
                throw new DicosException(ScanStatus.Failed, "DICOS: a pixel data fragment has undefined length");
            }

            int fragEnd = CheckedEnd(pos, len, end, PixelDataTag);
            if (fragments.Count >= MaxFragments)
            {
                throw new DicosException(ScanStatus.Rejected, $"DICOS: more than {MaxFragments} pixel data fragments");
            }

            fragments.Add((pos, (int)len));
            pos = fragEnd;
        }
    }

    /// <summary>The VR of an implicit-VR element, for the tags this reader interprets; OB/UN otherwise.</summary>
    private static string ImplicitVr(uint tag, uint length)
    {
        if ((tag & 0xFFFF) == 0x0000)
        {
            return "UL"; // group length
        }

        return tag switch
        {
            0x00280002 or 0x00280010 or 0x00280011 or 0x00280006 or 0x00280100 or 0x00280101 or 0x00280102 or 0x00280103
                or 0x00281101 or 0x00281102 or 0x00281103 or 0x40101010 or 0x40101033 or 0x40101034 => "US",
            0x00280008 or 0x00200013 => "IS",
            0x00281050 or 0x00281051 or 0x00281052 or 0x00281053 or 0x00280030 or 0x00200032 or 0x00200037 or 0x00180050 or 0x00180088 => "DS",
            0x00280004 or 0x00080060 or 0x00080008 or 0x40101012 or 0x40101014 or 0x40101015 or 0x40101027 or 0x40101031 or 0x00280301 => "CS",
            0x00080016 or 0x00080018 or 0x0020000D or 0x0020000E or 0x00081150 or 0x00081155 => "UI",
            0x40101004 or 0x40101005 or 0x40101016 or 0x40101017 or 0x40101018 or 0x4010101D or 0x40101069 => "FL",
            0x40101029 => "LO",
            0x00281201 or 0x00281202 or 0x00281203 or PixelDataTag => "OW",
            0x40101011 or 0x40101037 or 0x40101038 or 0x0008114A or 0x00081115 or 0x00081140 or 0x00081199 => "SQ",
            _ => length == Undefined ? "UN" : "OB",
        };
    }
}
