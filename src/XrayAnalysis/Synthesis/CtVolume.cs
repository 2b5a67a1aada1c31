namespace XrayAnalysis.Synthesis;

/// <summary>A synthetic CT volume: μ (1/cm) per voxel, x fastest, then y, then z; spacing in millimetres.</summary>
internal sealed class CtVolume
{
    public CtVolume(int nx, int ny, int nz, double sx, double sy, double sz)
    {
        Nx = nx;
        Ny = ny;
        Nz = nz;
        Spacing = (sx, sy, sz);
        Mu = new float[checked(nx * ny * nz)];
    }

    public int Nx { get; }

    public int Ny { get; }

    public int Nz { get; }

    public (double X, double Y, double Z) Spacing { get; }

    public float[] Mu { get; }

    public List<ThreatBox3D> Threats { get; } = [];

    /// <summary>Benign look-alike blocks (clutter above 1): where they are, so false alarms on them can be counted.</summary>
    public List<LookAlikeBox3D> LookAlikes { get; } = [];

    public int Index(int x, int y, int z) => (((z * Ny) + y) * Nx) + x;
}

/// <summary>A threat's voxel extent: inclusive minimum and maximum index per axis.</summary>
internal sealed record ThreatBox3D(ThreatClass Class, int MinX, int MinY, int MinZ, int MaxX, int MaxY, int MaxZ);

/// <summary>A benign look-alike block's voxel extent (inclusive), its material and whether it is wrapped in plastic.</summary>
internal sealed record LookAlikeBox3D(string Material, bool Wrapped, int MinX, int MinY, int MinZ, int MaxX, int MaxY, int MaxZ);
