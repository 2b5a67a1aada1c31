using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace XrayAnalysis.Loading;

/// <summary>
/// A whole file read into native memory in one sequential pass, hashed (SHA-256) chunk by chunk as it arrives, and
/// freed as soon as the caller has decoded it — not left on the managed large-object heap until a full collection,
/// which held two 100-MB PNGs of a 20,000 × 4,000 pair through the whole of that scan's inference.
/// </summary>
internal sealed unsafe class FileBytes : IDisposable
{
    private const int Chunk = 1 << 20;
    private byte* _data;
    private byte[]? _array;

    private FileBytes(byte* data, int length, string sha256)
    {
        _data = data;
        Length = length;
        Sha256 = sha256;
    }

    /// <summary>Number of bytes.</summary>
    public int Length { get; }

    /// <summary>Lower-case hex SHA-256 of the bytes, computed while they were read.</summary>
    public string Sha256 { get; }

    /// <summary>The bytes; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_data == null, this);
            return new ReadOnlySpan<byte>(_data, Length);
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/>, which must hold at most <paramref name="maxBytes"/> bytes (and under 2 GiB). A file
    /// that grows or shrinks while it is read is an <see cref="IOException"/>, as a read error is.
    /// </summary>
    public static FileBytes Read(string path, long maxBytes, Func<long, Exception> tooLarge)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
        long length = stream.Length;
        if (length > maxBytes || length > Array.MaxLength)
        {
            throw tooLarge(length);
        }

        byte* data = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, length));
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            int total = 0;
            while (total < length)
            {
                var into = new Span<byte>(data + total, (int)Math.Min(Chunk, length - total));
                int n = stream.Read(into);
                if (n == 0)
                {
                    throw new IOException($"the file shrank while it was read ({total} of {length} bytes)");
                }

                hash.AppendData(into[..n]);
                total += n;
            }

            Span<byte> probe = stackalloc byte[1];
            if (stream.Read(probe) != 0)
            {
                throw new IOException($"the file grew while it was read (past {length} bytes)");
            }

            return new FileBytes(data, (int)length, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        catch
        {
            NativeMemory.Free(data);
            throw;
        }
    }

    /// <summary>A managed copy, made once (for the DICOS parser, which works on arrays).</summary>
    public byte[] ToArray() => _array ??= Span.ToArray();

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_data != null)
        {
            NativeMemory.Free(_data);
            _data = null;
        }

        _array = null;
    }
}
