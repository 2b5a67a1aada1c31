namespace XrayAnalysis.Volumes;

/// <summary>Sample types found in volume files.</summary>
public enum VoxelType
{
    UInt8,
    Int8,
    UInt16,
    Int16,
    UInt32,
    Int32,
    Float32,
    Float64,
}

/// <summary>What a volume header says: dimensions (x fastest), spacing and origin in millimetres, sample type.</summary>
public sealed record VolumeInfo(string Path, int Nx, int Ny, int Nz, double Sx, double Sy, double Sz, double Ox, double Oy, double Oz, VoxelType Type)
{
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
