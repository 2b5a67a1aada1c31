namespace XrayAnalysis.Volumes;

/// <summary>A 3D region in voxel indices (inclusive min and max per axis) with class, score and support.</summary>
public sealed record Box3D(int ClassId, float Score, int MinX, int MinY, int MinZ, int MaxX, int MaxY, int MaxZ, int Slices, string Axes)
{
    /// <summary>Voxel count of the box.</summary>
    public long Volume => (long)(MaxX - MinX + 1) * (MaxY - MinY + 1) * (MaxZ - MinZ + 1);

    /// <summary>3D intersection over union of voxel boxes.</summary>
    public static double IoU(Box3D a, Box3D b) => IoU(a.MinX, a.MinY, a.MinZ, a.MaxX, a.MaxY, a.MaxZ, b.MinX, b.MinY, b.MinZ, b.MaxX, b.MaxY, b.MaxZ);

    /// <summary>3D intersection over union of two inclusive voxel boxes given by their corners.</summary>
    public static double IoU(int ax0, int ay0, int az0, int ax1, int ay1, int az1, int bx0, int by0, int bz0, int bx1, int by1, int bz1)
    {
        long inter = Intersection(ax0, ay0, az0, ax1, ay1, az1, bx0, by0, bz0, bx1, by1, bz1);
        if (inter == 0)
        {
            return 0;
        }

        long va = (long)(ax1 - ax0 + 1) * (ay1 - ay0 + 1) * (az1 - az0 + 1), vb = (long)(bx1 - bx0 + 1) * (by1 - by0 + 1) * (bz1 - bz0 + 1);
        return (double)inter / (va + vb - inter);
    }

    /// <summary>Voxels two inclusive voxel boxes share.</summary>
    internal static long Intersection(int ax0, int ay0, int az0, int ax1, int ay1, int az1, int bx0, int by0, int bz0, int bx1, int by1, int bz1)
    {
        long ix = Math.Min(ax1, bx1) - Math.Max(ax0, bx0) + 1, iy = Math.Min(ay1, by1) - Math.Max(ay0, by0) + 1, iz = Math.Min(az1, bz1) - Math.Max(az0, bz0) + 1;
        return ix <= 0 || iy <= 0 || iz <= 0 ? 0 : ix * iy * iz;
    }
}
