using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace XrayAnalysis.Dicos;

/// <summary>One parsed element: where its value lies in the file's bytes, or its items (SQ) or fragments (encapsulated pixel data).</summary>
internal sealed record DicomElement(uint Tag, string Vr, int Offset, int Length)
{
    /// <summary>Sequence items (SQ, or UN of undefined length read as a sequence).</summary>
    public List<DicomDataset>? Items { get; init; }

    /// <summary>Encapsulated pixel data: the basic offset table's item first, then the fragments (offset, length).</summary>
    public List<(int Offset, int Length)>? Fragments { get; init; }
}

/// <summary>
/// A parsed DICOM data set over the file's bytes (values are not copied). Read accessors are lenient about what real
/// files do (trailing spaces and NULs, backslash-separated multiplicity, values of the wrong but readable VR) and return
/// null when an element is absent or unreadable; the callers decide what is required.
/// </summary>
internal sealed class DicomDataset
{
    private readonly Dictionary<uint, DicomElement> _elements = [];

    public DicomDataset(byte[] data)
    {
        Data = data;
    }

    /// <summary>The file's bytes that the elements point into.</summary>
    public byte[] Data { get; }

    public int Count => _elements.Count;

    public IEnumerable<DicomElement> Elements => _elements.Values;

    internal void Add(DicomElement e) => _elements[e.Tag] = e;

    public bool Contains(uint tag) => _elements.ContainsKey(tag);

    public DicomElement? this[uint tag] => _elements.GetValueOrDefault(tag);

    public ReadOnlySpan<byte> Bytes(uint tag) => _elements.TryGetValue(tag, out DicomElement? e) && e.Items is null && e.Fragments is null ? Data.AsSpan(e.Offset, e.Length) : [];

    /// <summary>A text value (trailing spaces and NULs removed), or null.</summary>
    public string? String(uint tag)
    {
        if (!_elements.TryGetValue(tag, out DicomElement? e) || e.Items is not null || e.Fragments is not null)
        {
            return null;
        }

        return Encoding.Latin1.GetString(Data, e.Offset, e.Length).TrimEnd(' ', '\0');
    }

    /// <summary>The values of a multi-valued text element.</summary>
    public string[] Strings(uint tag) => String(tag) is { } s ? s.Split('\\').Select(x => x.Trim(' ', '\0')).ToArray() : [];

    /// <summary>An integer: US/SS/UL/SL binary, or IS text (first value).</summary>
    public long? Integer(uint tag, int index = 0)
    {
        if (!_elements.TryGetValue(tag, out DicomElement? e) || e.Items is not null || e.Fragments is not null)
        {
            return null;
        }

        ReadOnlySpan<byte> v = Data.AsSpan(e.Offset, e.Length);
        switch (e.Vr)
        {
            case "US" when v.Length >= (index + 1) * 2: return BinaryPrimitives.ReadUInt16LittleEndian(v[(index * 2)..]);
            case "SS" when v.Length >= (index + 1) * 2: return BinaryPrimitives.ReadInt16LittleEndian(v[(index * 2)..]);
            case "UL" when v.Length >= (index + 1) * 4: return BinaryPrimitives.ReadUInt32LittleEndian(v[(index * 4)..]);
            case "SL" when v.Length >= (index + 1) * 4: return BinaryPrimitives.ReadInt32LittleEndian(v[(index * 4)..]);
            case "IS" or "DS":
                string[] parts = Strings(tag);
                return index < parts.Length && double.TryParse(parts[index], NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && Math.Abs(d) < 1e15 ? (long)Math.Round(d) : null;
            default: return null;
        }
    }

    /// <summary>A real number: DS/IS text, FL/FD binary, or an integer VR (value <paramref name="index"/>).</summary>
    public double? Real(uint tag, int index = 0)
    {
        if (!_elements.TryGetValue(tag, out DicomElement? e) || e.Items is not null || e.Fragments is not null)
        {
            return null;
        }

        ReadOnlySpan<byte> v = Data.AsSpan(e.Offset, e.Length);
        double? r = e.Vr switch
        {
            "FL" when v.Length >= (index + 1) * 4 => BinaryPrimitives.ReadSingleLittleEndian(v[(index * 4)..]),
            "FD" when v.Length >= (index + 1) * 8 => BinaryPrimitives.ReadDoubleLittleEndian(v[(index * 8)..]),
            "DS" or "IS" => Strings(tag) is var p && index < p.Length && double.TryParse(p[index], NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null,
            _ => Integer(tag, index),
        };
        return r is { } x && double.IsFinite(x) ? x : null;
    }

    /// <summary>All values of an FL/FD element.</summary>
    public double[] Reals(uint tag)
    {
        if (!_elements.TryGetValue(tag, out DicomElement? e) || e.Items is not null)
        {
            return [];
        }

        int size = e.Vr == "FD" ? 8 : e.Vr == "FL" ? 4 : 0;
        if (size == 0)
        {
            return Strings(tag).Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN).ToArray();
        }

        var r = new double[e.Length / size];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = size == 4 ? BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan(e.Offset + (i * 4))) : BinaryPrimitives.ReadDoubleLittleEndian(Data.AsSpan(e.Offset + (i * 8)));
        }

        return r;
    }

    /// <summary>The items of a sequence (empty when absent).</summary>
    public IReadOnlyList<DicomDataset> Sequence(uint tag) => _elements.TryGetValue(tag, out DicomElement? e) && e.Items is { } items ? items : [];
}
