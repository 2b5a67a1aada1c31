namespace XrayAnalysis.Volumes;

/// <summary>Sample types found in volume files.</summary>
public enum VoxelType
{
    /// <summary>Unsigned 8-bit.</summary>
    UInt8,
    /// <summary>Signed 8-bit.</summary>
    Int8,
    /// <summary>Unsigned 16-bit.</summary>
    UInt16,
    /// <summary>Signed 16-bit.</summary>
    Int16,
    /// <summary>Unsigned 32-bit.</summary>
    UInt32,
    /// <summary>Signed 32-bit.</summary>
    Int32,
    /// <summary>32-bit float.</summary>
    Float32,
    /// <summary>64-bit float.</summary>
    Float64,
}

/// <summary>What a volume header says: dimensions (x fastest), spacing and origin in millimetres, sample type.</summary>
public sealed record VolumeInfo(string Path, int Nx, int Ny, int Nz, double Sx, double Sy, double Sz, double Ox, double Oy, double Oz, VoxelType Type)
{
    /// <summary>Bytes per sample of <paramref name="t"/>.</summary>
    public static int BytesOf(VoxelType t) => t switch
    {
        VoxelType.UInt8 or VoxelType.Int8 => 1,
        VoxelType.UInt16 or VoxelType.Int16 => 2,
        VoxelType.Float64 => 8,
        _ => 4,
    };

    /// <summary>Bytes in one z-slice.</summary>
    public long SliceBytes => (long)Nx * Ny * BytesOf(Type);
}
