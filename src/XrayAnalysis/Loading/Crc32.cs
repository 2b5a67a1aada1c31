namespace XrayAnalysis.Loading;

/// <summary>CRC-32 (ISO 3309, the polynomial PNG uses), through System.IO.Hashing's vectorised implementation.</summary>
internal static class Crc32
{
    /// <summary>CRC of <paramref name="a"/> followed by <paramref name="b"/> (a PNG chunk's type and data).</summary>
    public static uint Compute(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var crc = new System.IO.Hashing.Crc32();
        crc.Append(a);
        crc.Append(b);
        return crc.GetCurrentHashAsUInt32();
    }
}
