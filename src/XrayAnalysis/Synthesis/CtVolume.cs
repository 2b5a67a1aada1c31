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

    public int Index(int x, int y, int z) => (((z * Ny) + y) * Nx) + x;
}

/// <summary>A threat's voxel extent: inclusive minimum and maximum index per axis.</summary>
internal sealed record ThreatBox3D(ThreatClass Class, int MinX, int MinY, int MinZ, int MaxX, int MaxY, int MaxZ);
