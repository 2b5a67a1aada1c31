namespace XrayAnalysis.Synthesis;

/// <summary>
/// Generates a 3D baggage CT volume: a suitcase shell, clothes, bottles, a laptop, metal rods, food blocks and, for
/// threat volumes, bricks, packets and tablet clusters. Values are linear attenuation at an effective 80 keV (the mean of
/// the 60 and 100 keV coefficients), with Gaussian noise and streaks radiating from metal in the slices it crosses.
/// A clutter factor above 1 adds that many times more benign items after the usual ones, half of them
/// look-alikes: brick-sized blocks of cheese, soap or chocolate, some wrapped in plastic like a taped brick (chocolate's
/// attenuation is within 0.002 /cm of the drug's). At 1 the volume is exactly what it was before the option existed.
/// </summary>
internal static class CtGenerator
{
    private static readonly Material[] LookAlikes = [Material.Cheese, Material.Soap, Material.Chocolate];

    public static CtVolume Generate(long seed, long index, int nx, int ny, int nz, double threatRate, double clutter = 1.0)
    {
        SplitMix r = SplitMix.For(seed, "ct", index);
        var v = new CtVolume(nx, ny, nz, 1.5, 1.5, 2.0);
        bool threat = r.Chance(threatRate);
        int mx = nx / 12, my = ny / 8, mz = nz / 10;
        int x0 = r.Int(2, mx), y0 = r.Int(2, my), z0 = r.Int(2, mz);
        int x1 = nx - r.Int(2, mx), y1 = ny - r.Int(2, my), z1 = nz - r.Int(2, mz);
        Shell(v, x0, y0, z0, x1, y1, z1, 3, Mu(Material.Plastic));
        var metals = new List<(int X, int Y, int Z0, int Z1)>();
        int n = r.Int(16, 30);
        for (int i = 0; i < n; i++)
        {
            int cx = r.Int(x0 + 10, x1 - 10), cy = r.Int(y0 + 10, y1 - 10), cz = r.Int(z0 + 8, z1 - 8);
            switch (r.Int(0, 6))
            {
                case 0 or 1:
                    Ellipsoid(v, cx, cy, cz, r.Range(20, 60), r.Range(15, 40), r.Range(8, 25), Mu(Material.Clothes), null);
                    break;
                case 2:
                    Cylinder(v, cx, cy, cz, r.Range(10, 18), r.Int(20, 50), Mu(Material.Water));
                    break;
                case 3:
                    Box(v, cx, cy, cz, r.Int(60, 100), r.Int(40, 70), r.Int(2, 4), Mu(Material.Aluminium), null);
                    break;
                case 4:
                    Box(v, cx, cy, cz, r.Int(15, 40), r.Int(10, 25), r.Int(6, 14), Mu(Material.Food), null);
                    break;
                default:
                    int len = r.Int(10, 30);
                    Box(v, cx, cy, cz, 2, 2, len, Mu(Material.Steel), null);
                    metals.Add((cx, cy, cz - (len / 2), cz + (len / 2)));
                    break;
            }
        }

        // Extra items only after the usual draws, so that clutter 1 keeps every earlier seed's volume.
        int extra = clutter > 1 ? (int)Math.Round(n * (clutter - 1)) : 0;
        for (int i = 0; i < extra; i++)
        {
            int cx = r.Int(x0 + 30, x1 - 30), cy = r.Int(y0 + 20, y1 - 20), cz = r.Int(z0 + 10, z1 - 10);
            if (r.Chance(0.5))
            {
                int bx = r.Int(20, 45), by = r.Int(12, 25), bz = r.Int(6, 14);
                bool wrapped = r.Chance(0.5);
                if (wrapped)
                {
                    Box(v, cx, cy, cz, bx + 2, by + 2, bz + 2, Mu(Material.Plastic), null);
                }

                Material m = LookAlikes[r.Int(0, LookAlikes.Length)];
                (int ax, int ay, int az, int ex, int ey, int ez) = Box(v, cx, cy, cz, bx, by, bz, Mu(m), null);
                v.LookAlikes.Add(new LookAlikeBox3D(m.Name, wrapped, ax, ay, az, ex, ey, ez));
            }
            else
            {
                Ellipsoid(v, cx, cy, cz, r.Range(20, 60), r.Range(15, 40), r.Range(8, 25), Mu(Material.Clothes), null);
            }
        }

        if (threat)
        {
            int t = r.Chance(0.7) ? 1 : 2;
            for (int i = 0; i < t; i++)
            {
                int cx = r.Int(x0 + 50, x1 - 50), cy = r.Int(y0 + 30, y1 - 30), cz = r.Int(z0 + 16, z1 - 16);
                double u = r.Next();
                if (u < 0.45)
                {
                    int bx = r.Int(25, 45), by = r.Int(15, 25), bz = r.Int(8, 14);
                    Box(v, cx, cy, cz, bx + 2, by + 2, bz + 2, Mu(Material.Plastic), null);
                    Box(v, cx, cy, cz, bx, by, bz, Mu(Material.Narcotic), ThreatClass.NarcoticsBrick);
                }
                else if (u < 0.8)
                {
                    Ellipsoid(v, cx, cy, cz, r.Range(10, 20), r.Range(7, 13), r.Range(3, 6), Mu(Material.Narcotic), ThreatClass.NarcoticsPacket);
                }
                else
                {
                    Tablets(v, cx, cy, cz, r.Int(10, 18), r.Int(8, 14), r.Int(4, 7), r);
                }
            }
        }

        Noise(v, r, metals);
        return v;
    }

    /// <summary>μ at an effective 80 keV (mean of the 60 and 100 keV coefficients), 1/cm.</summary>
    private static float Mu(Material m) => (float)((m.MuLow + m.MuHigh) / 2);

    private static void Shell(CtVolume v, int x0, int y0, int z0, int x1, int y1, int z1, int wall, float mu)
    {
        for (int z = z0; z < z1; z++)
        {
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    bool inner = x >= x0 + wall && x < x1 - wall && y >= y0 + wall && y < y1 - wall && z >= z0 + wall && z < z1 - wall;
                    if (!inner)
                    {
                        v.Mu[v.Index(x, y, z)] = mu;
                    }
                }
            }
        }
    }

    /// <summary>Sets voxels (objects displace what was there: CT sees one material per voxel, unlike projections).</summary>
    /// <summary>Fills a box of half sizes (hx, hy, hz) around (cx, cy, cz), clipped to the volume; returns its inclusive extent.</summary>
    private static (int X0, int Y0, int Z0, int X1, int Y1, int Z1) Box(CtVolume v, int cx, int cy, int cz, int hx, int hy, int hz, float mu, ThreatClass? t)
    {
        int ax = Math.Max(0, cx - hx), bx = Math.Min(v.Nx - 1, cx + hx);
        int ay = Math.Max(0, cy - hy), by = Math.Min(v.Ny - 1, cy + hy);
        int az = Math.Max(0, cz - hz), bz = Math.Min(v.Nz - 1, cz + hz);
        for (int z = az; z <= bz; z++)
        {
            for (int y = ay; y <= by; y++)
            {
                Array.Fill(v.Mu, mu, v.Index(ax, y, z), bx - ax + 1);
            }
        }

        if (t is { } c)
        {
            v.Threats.Add(new ThreatBox3D(c, ax, ay, az, bx, by, bz));
        }

        return (ax, ay, az, bx, by, bz);
    }

    private static void Ellipsoid(CtVolume v, int cx, int cy, int cz, double rx, double ry, double rz, float mu, ThreatClass? t)
    {
        int minX = int.MaxValue, minY = int.MaxValue, minZ = int.MaxValue, maxX = -1, maxY = -1, maxZ = -1;
        for (int z = Math.Max(0, (int)(cz - rz)); z <= Math.Min(v.Nz - 1, (int)(cz + rz)); z++)
        {
            for (int y = Math.Max(0, (int)(cy - ry)); y <= Math.Min(v.Ny - 1, (int)(cy + ry)); y++)
            {
                for (int x = Math.Max(0, (int)(cx - rx)); x <= Math.Min(v.Nx - 1, (int)(cx + rx)); x++)
                {
                    double dx = (x - cx) / rx, dy = (y - cy) / ry, dz = (z - cz) / rz;
                    if ((dx * dx) + (dy * dy) + (dz * dz) <= 1)
                    {
                        v.Mu[v.Index(x, y, z)] = mu;
                        (minX, minY, minZ) = (Math.Min(minX, x), Math.Min(minY, y), Math.Min(minZ, z));
                        (maxX, maxY, maxZ) = (Math.Max(maxX, x), Math.Max(maxY, y), Math.Max(maxZ, z));
                    }
                }
            }
        }

        if (t is { } c && maxX >= 0)
        {
            v.Threats.Add(new ThreatBox3D(c, minX, minY, minZ, maxX, maxY, maxZ));
        }
    }

    private static void Cylinder(CtVolume v, int cx, int cy, int cz, double radius, int halfLength, float mu)
    {
        for (int z = Math.Max(0, cz - halfLength); z <= Math.Min(v.Nz - 1, cz + halfLength); z++)
        {
            for (int y = Math.Max(0, (int)(cy - radius)); y <= Math.Min(v.Ny - 1, (int)(cy + radius)); y++)
            {
                for (int x = Math.Max(0, (int)(cx - radius)); x <= Math.Min(v.Nx - 1, (int)(cx + radius)); x++)
                {
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= radius * radius)
                    {
                        v.Mu[v.Index(x, y, z)] = mu;
                    }
                }
            }
        }
    }

    private static void Tablets(CtVolume v, int cx, int cy, int cz, int hx, int hy, int hz, SplitMix r)
    {
        float mu = Mu(Material.Tablet);
        int before = v.Threats.Count;
        for (int i = 0; i < hx * hy * hz / 2; i++)
        {
            Ellipsoid(v, cx + r.Int(-hx, hx + 1), cy + r.Int(-hy, hy + 1), cz + r.Int(-hz, hz + 1), 1.2, 1.2, 0.8, mu, ThreatClass.TabletCluster);
        }

        // One box for the whole cluster: the union of the tablets' extents.
        List<ThreatBox3D> parts = v.Threats.GetRange(before, v.Threats.Count - before);
        v.Threats.RemoveRange(before, parts.Count);
        if (parts.Count > 0)
        {
            v.Threats.Add(new ThreatBox3D(ThreatClass.TabletCluster, parts.Min(p => p.MinX), parts.Min(p => p.MinY), parts.Min(p => p.MinZ),
                parts.Max(p => p.MaxX), parts.Max(p => p.MaxY), parts.Max(p => p.MaxZ)));
        }
    }

    private static void Noise(CtVolume v, SplitMix r, List<(int X, int Y, int Z0, int Z1)> metals)
    {
        for (int i = 0; i < v.Mu.Length; i++)
        {
            v.Mu[i] = Math.Max(0, v.Mu[i] + (float)(0.008 * r.Gaussian()));
        }

        // Streaks: bright and dark lines through each metal object in the slices it crosses.
        foreach ((int mx, int my, int z0, int z1) in metals)
        {
            double a0 = r.Range(0, Math.PI);
            for (int z = Math.Max(0, z0); z <= Math.Min(v.Nz - 1, z1); z++)
            {
                for (int k = 0; k < 3; k++)
                {
                    double a = a0 + (k * Math.PI / 3);
                    float amp = (k % 2 == 0 ? 0.06f : -0.05f);
                    for (int s = -v.Nx; s < v.Nx; s++)
                    {
                        int x = mx + (int)Math.Round(s * Math.Cos(a)), y = my + (int)Math.Round(s * Math.Sin(a));
                        if (x >= 0 && x < v.Nx && y >= 0 && y < v.Ny)
                        {
                            int idx = v.Index(x, y, z);
                            v.Mu[idx] = Math.Max(0, v.Mu[idx] + (amp * (float)Math.Exp(-Math.Abs(s) / 60.0)));
                        }
                    }
                }
            }
        }
    }
}
