using System.Buffers.Binary;
using System.Text;

namespace XrayAnalysis.Dicos;

/// <summary>
/// A small DICOM Part 10 writer: Explicit VR Little Endian, defined lengths everywhere, elements sorted by tag at each
/// level, values padded to even length (space for text, NUL for UI and binary). Enough for the TDRs we write and for
/// test files; not a general toolkit.
/// </summary>
internal sealed class DicomWriter
{
    private readonly SortedDictionary<uint, byte[]> _elements = [];

    public DicomWriter Text(uint tag, string vr, string? value)
    {
        if (value is not null)
        {
            _elements[tag] = Encode(tag, vr, Pad(Encoding.UTF8.GetBytes(value), vr == "UI" ? (byte)0 : (byte)' '));
        }

        return this;
    }

    public DicomWriter Texts(uint tag, string vr, IEnumerable<string> values) => Text(tag, vr, string.Join('\\', values));

    public DicomWriter UShort(uint tag, params ushort[] values)
    {
        var b = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(i * 2), values[i]);
        }

        _elements[tag] = Encode(tag, "US", b);
        return this;
    }

    public DicomWriter Float(uint tag, params double[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), (float)values[i]);
        }

        _elements[tag] = Encode(tag, "FL", b);
        return this;
    }

    public DicomWriter Binary(uint tag, string vr, byte[] value)
    {
        _elements[tag] = Encode(tag, vr, Pad(value, 0));
        return this;
    }

    /// <summary>Raw pre-encoded element bytes (e.g. encapsulated pixel data).</summary>
    public DicomWriter Raw(uint tag, byte[] encoded)
    {
        _elements[tag] = encoded;
        return this;
    }

    public DicomWriter Sequence(uint tag, IEnumerable<DicomWriter> items)
    {
        using var ms = new MemoryStream();
        Span<byte> h = stackalloc byte[8];
        foreach (DicomWriter item in items)
        {
            byte[] body = item.Body();
            BinaryPrimitives.WriteUInt16LittleEndian(h, 0xFFFE);
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], 0xE000);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)body.Length);
            ms.Write(h);
            ms.Write(body);
        }

        _elements[tag] = Encode(tag, "SQ", ms.ToArray());
        return this;
    }

    /// <summary>The data set's elements, concatenated in tag order.</summary>
    public byte[] Body()
    {
        using var ms = new MemoryStream();
        foreach (byte[] e in _elements.Values)
        {
            ms.Write(e);
        }

        return ms.ToArray();
    }

    /// <summary>A Part 10 file: preamble, DICM, meta group (with its length), then this data set.</summary>
    public byte[] File(string sopClass, string sopInstance, string transferSyntax = DicomParser.ExplicitLittle)
    {
        var meta = new DicomWriter()
            .Binary(0x00020001, "OB", [0, 1])
            .Text(0x00020002, "UI", sopClass)
            .Text(0x00020003, "UI", sopInstance)
            .Text(0x00020010, "UI", transferSyntax)
            .Text(0x00020012, "UI", DicosUidRoot.ImplementationClass)
            .Text(0x00020013, "SH", "XRAYANALYSIS");
        byte[] metaBody = meta.Body();
        var groupLength = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(groupLength, (uint)metaBody.Length);
        using var ms = new MemoryStream();
        ms.Write(new byte[128]);
        ms.Write("DICM"u8);
        ms.Write(Encode(0x00020000, "UL", groupLength));
        ms.Write(metaBody);
        ms.Write(Body());
        return ms.ToArray();
    }

    private static byte[] Pad(byte[] b, byte with) => b.Length % 2 == 0 ? b : [.. b, with];

    internal static byte[] Encode(uint tag, string vr, byte[] value)
    {
        bool longForm = vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "UC" or "UN" or "UR" or "UT" or "SV" or "UV";
        if (!longForm && value.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"value of {vr} element ({tag >> 16:X4},{tag & 0xFFFF:X4}) is longer than 65,534 bytes");
        }

        var b = new byte[(longForm ? 12 : 8) + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(tag >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), (ushort)tag);
        b[4] = (byte)vr[0];
        b[5] = (byte)vr[1];
        if (longForm)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), (uint)value.Length);
            value.CopyTo(b, 12);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), (ushort)value.Length);
            value.CopyTo(b, 8);
        }

        return b;
    }
}

/// <summary>UIDs we make: under 2.25 (UUID-derived OIDs, PS3.5 B.2), deterministic from their inputs where given.</summary>
internal static class DicosUidRoot
{
    /// <summary>This implementation's class UID (a fixed UUID-derived OID).</summary>
    public const string ImplementationClass = "2.25.231908440128536118270436384137548376833";

    /// <summary>A 2.25 UID from the first 16 bytes of the SHA-256 of <paramref name="seed"/> (a version-4-style UUID value).</summary>
    public static string From(string seed)
    {
        byte[] h = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        h[6] = (byte)((h[6] & 0x0F) | 0x40);
        h[8] = (byte)((h[8] & 0x3F) | 0x80);
        var v = new System.Numerics.BigInteger(h.AsSpan(0, 16), isUnsigned: true, isBigEndian: true);
        return "2.25." + v.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
