using XrayAnalysis.Loading;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace XrayAnalysis.Volumes;

/// <summary>Streams slices from raw voxel data (uncompressed, gzip or zlib), checking that the data hold exactly what the header declares.</summary>
internal sealed class RawVolumeSource : IVolumeSource
{
    private readonly Stream _file;
    private readonly Stream _data;
    private readonly bool _bigEndian;
    private readonly byte[] _buffer;
    private readonly string _dataPath;
    private int _z;

    public RawVolumeSource(VolumeInfo info, string dataPath, long offset, string encoding, bool bigEndian)
    {
        Info = info;
        _dataPath = dataPath;
        _bigEndian = bigEndian;
        _buffer = new byte[info.SliceBytes];
        _file = new FileStream(dataPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            long total = info.SliceBytes * info.Nz;
            if (encoding == "raw")
            {
                long available = _file.Length - offset;
                if (available < total)
                {
                    throw new ScanLoadException(ScanStatus.Incomplete, info.Path, $"data file {Path.GetFileName(dataPath)} holds {available} bytes, the header declares {total} ({info.Nx}x{info.Ny}x{info.Nz} {info.Type})");
                }

                if (available > total)
                {
                    throw new ScanLoadException(ScanStatus.Failed, info.Path, $"data file {Path.GetFileName(dataPath)} holds {available} bytes, more than the {total} the header declares");
                }
            }

            _file.Seek(offset, SeekOrigin.Begin);
            _data = encoding switch
            {
                "raw" => _file,
                "gzip" => new GZipStream(_file, CompressionMode.Decompress, leaveOpen: true),
                "zlib" => new ZLibStream(_file, CompressionMode.Decompress, leaveOpen: true),
                _ => throw new ScanLoadException(ScanStatus.Rejected, info.Path, $"encoding '{encoding}' is not supported (raw, gzip, zlib)"),
            };
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    public VolumeInfo Info { get; }

    public IReadOnlyList<string> Warnings { get; } = [];

    public void ReadNext(Span<float> slice)
    {
        if (_z >= Info.Nz)
        {
            throw new InvalidOperationException($"all {Info.Nz} slices were read");
        }

        try
        {
            _data.ReadExactly(_buffer);
        }
        catch (EndOfStreamException)
        {
            throw new ScanLoadException(ScanStatus.Incomplete, Info.Path, $"data of {Path.GetFileName(_dataPath)} end inside slice {_z} of {Info.Nz}");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // ZLibException (an IOException) as well: zlib's own error codes for streams it cannot continue.
            throw new ScanLoadException(ScanStatus.Failed, Info.Path, $"corrupt compressed data in {Path.GetFileName(_dataPath)} at slice {_z}: {ex.Message}");
        }

        _z++;
        bool more;
        try
        {
            more = _z == Info.Nz && !ReferenceEquals(_data, _file) && _data.ReadByte() >= 0;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // All voxels were read, but the stream is damaged after them (a flipped byte in the checksum, say): not trusted.
            throw new ScanLoadException(ScanStatus.Failed, Info.Path, $"corrupt compressed data in {Path.GetFileName(_dataPath)} after the last slice: {ex.Message}");
        }

        if (more)
        {
            // A compression bomb or a wrong header: more data than declared. Stop here rather than inflate it.
            throw new ScanLoadException(ScanStatus.Failed, Info.Path, $"compressed data of {Path.GetFileName(_dataPath)} hold more than the {Info.SliceBytes * Info.Nz} bytes the header declares");
        }

        Convert(_buffer, slice);
    }

    private void Convert(ReadOnlySpan<byte> b, Span<float> dst)
    {
        int n = Info.Nx * Info.Ny;
        bool swap = _bigEndian != !BitConverter.IsLittleEndian;
        switch (Info.Type)
        {
            case VoxelType.UInt8:
                for (int i = 0; i < n; i++)
                {
                    dst[i] = b[i];
                }

                break;
            case VoxelType.Int8:
                for (int i = 0; i < n; i++)
                {
                    dst[i] = (sbyte)b[i];
                }

                break;
            case VoxelType.UInt16:
                {
                    ReadOnlySpan<ushort> s = MemoryMarshal.Cast<byte, ushort>(b);
                    for (int i = 0; i < n; i++)
                    {
                        dst[i] = swap ? BinaryPrimitives.ReverseEndianness(s[i]) : s[i];
                    }

                    break;
                }

            case VoxelType.Int16:
                {
                    ReadOnlySpan<short> s = MemoryMarshal.Cast<byte, short>(b);
                    for (int i = 0; i < n; i++)
                    {
                        dst[i] = swap ? BinaryPrimitives.ReverseEndianness(s[i]) : s[i];
                    }

                    break;
                }

            case VoxelType.UInt32:
                {
                    ReadOnlySpan<uint> s = MemoryMarshal.Cast<byte, uint>(b);
                    for (int i = 0; i < n; i++)
                    {
                        dst[i] = swap ? BinaryPrimitives.ReverseEndianness(s[i]) : s[i];
                    }

                    break;
                }

            case VoxelType.Int32:
                {
                    ReadOnlySpan<int> s = MemoryMarshal.Cast<byte, int>(b);
                    for (int i = 0; i < n; i++)
                    {
                        dst[i] = swap ? BinaryPrimitives.ReverseEndianness(s[i]) : s[i];
                    }

                    break;
                }

            case VoxelType.Float32:
                for (int i = 0; i < n; i++)
                {
                    dst[i] = swap ? BinaryPrimitives.ReadSingleBigEndian(b.Slice(i * 4)) : BinaryPrimitives.ReadSingleLittleEndian(b.Slice(i * 4));
                }

                break;
            default:
                for (int i = 0; i < n; i++)
                {
                    dst[i] = (float)(swap ? BinaryPrimitives.ReadDoubleBigEndian(b.Slice(i * 8)) : BinaryPrimitives.ReadDoubleLittleEndian(b.Slice(i * 8)));
                }

                break;
        }
    }

    public void Dispose()
    {
        if (!ReferenceEquals(_data, _file))
        {
            _data.Dispose();
        }

        _file.Dispose();
    }
}
