using XrayAnalysis.Preprocessing;
using System.Globalization;
using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Volumes;

/// <summary>
/// Pictures an officer can read: maximum-intensity projections along z, y and x (z stretched to isotropic pixels) with
/// the 3D regions drawn, and per region a montage of up to eight slices through it, cropped around the region.
/// </summary>
internal static class VolumePictures
{
    public static void WriteProjections(string dir, string name, VolumeInfo v, float[] mipZ, float[] mipY, float[] mipX, List<Box3D> regions, VolumeOptions o, ModelInfo model)
    {
        Directory.CreateDirectory(dir);
        double zy = v.Sz / v.Sx, zx = v.Sz / v.Sy;
        // Three independent pictures: drawn, encoded and written in parallel.
        Parallel.Invoke(
            () => Write(Path.Combine(dir, $"{name}_mip_z.png"), mipZ, v.Nx, v.Ny, 1, regions.Select(b => (b, b.MinX, b.MinY, b.MaxX, b.MaxY)), o, model),
            () => Write(Path.Combine(dir, $"{name}_mip_y.png"), mipY, v.Nx, v.Nz, zy, regions.Select(b => (b, b.MinX, b.MinZ, b.MaxX, b.MaxZ)), o, model),
            () => Write(Path.Combine(dir, $"{name}_mip_x.png"), mipX, v.Ny, v.Nz, zx, regions.Select(b => (b, b.MinY, b.MinZ, b.MaxY, b.MaxZ)), o, model));
    }

    /// <summary>Per-region montages from a re-opened volume: every slice up to the last one wanted is read again.</summary>
    public static void WriteMontages(string dir, string name, IVolumeSource src, List<Box3D> regions, VolumeOptions o, ModelInfo model)
    {
        VolumeInfo v = src.Info;
        Dictionary<int, List<int>> wanted = Wanted(regions, z => z);
        var slice = new float[v.Nx * v.Ny];
        int last = wanted.Count == 0 ? -1 : wanted.Keys.Max();
        int next = 0;
        WriteMontages(dir, name, v, regions, wanted, model, z =>
        {
            for (; next <= z; next++)
            {
                src.ReadNext(slice);
            }

            return Grey(slice, v.Nx, v.Ny, o);
        });
    }

    /// <summary>
    /// Per-region montages from the rendered slices kept while detecting (8-bit grey, keyed by slice index): no second
    /// read. A wanted slice that was not kept (a slice step above 1) is replaced by the nearest kept one.
    /// </summary>
    public static void WriteMontages(string dir, string name, VolumeInfo v, IReadOnlyDictionary<int, Mat> kept, List<Box3D> regions, VolumeOptions o, ModelInfo model)
    {
        int[] have = [.. kept.Keys.Order()];
        if (have.Length == 0)
        {
            return;
        }

        int Nearest(int z)
        {
            int i = Array.BinarySearch(have, z);
            if (i >= 0)
            {
                return have[i];
            }

            i = ~i;
            return i == 0 ? have[0] : i == have.Length ? have[^1] : z - have[i - 1] <= have[i] - z ? have[i - 1] : have[i];
        }

        WriteMontages(dir, name, v, regions, Wanted(regions, Nearest), model, z =>
        {
            var bgr = new Mat();
            Cv2.CvtColor(kept[z], bgr, ColorConversionCodes.GRAY2BGR);
            return bgr;
        });
    }

    /// <summary>Up to 8 slices spread over each region's z extent (mapped through <paramref name="map"/>): slice → regions.</summary>
    private static Dictionary<int, List<int>> Wanted(List<Box3D> regions, Func<int, int> map)
    {
        var wanted = new Dictionary<int, List<int>>();
        for (int r = 0; r < regions.Count; r++)
        {
            Box3D b = regions[r];
            int n = Math.Min(8, b.MaxZ - b.MinZ + 1);
            for (int k = 0; k < n; k++)
            {
                int z = map(b.MinZ + (int)Math.Round(k * (b.MaxZ - b.MinZ) / Math.Max(1.0, n - 1)));
                if (!wanted.TryGetValue(z, out List<int>? l))
                {
                    wanted[z] = l = [];
                }

                if (!l.Contains(r))
                {
                    l.Add(r);
                }
            }
        }

        return wanted;
    }

    /// <summary>Builds and saves one montage per region; <paramref name="slice"/> gives slice z as 8-bit BGR (called in increasing z).</summary>
    private static void WriteMontages(string dir, string name, VolumeInfo v, List<Box3D> regions, Dictionary<int, List<int>> wanted, ModelInfo model, Func<int, Mat> slice)
    {
        var tiles = regions.Select(_ => new List<(int Z, Mat Tile)>()).ToList();
        try
        {
            foreach (int z in wanted.Keys.Order())
            {
                using Mat bgr = slice(z);
                foreach (int r in wanted[z])
                {
                    Box3D b = regions[r];
                    int mx = Math.Max(8, (b.MaxX - b.MinX) / 3), my = Math.Max(8, (b.MaxY - b.MinY) / 3);
                    var roi = new Rect(b.MinX - mx, b.MinY - my, b.MaxX - b.MinX + 1 + (2 * mx), b.MaxY - b.MinY + 1 + (2 * my)).Intersect(new Rect(0, 0, v.Nx, v.Ny));
                    using var crop = new Mat(bgr, roi);
                    var tile = new Mat();
                    double s = 160.0 / roi.Height;
                    Cv2.Resize(crop, tile, new Size((int)Math.Round(roi.Width * s), 160), 0, 0, InterpolationFlags.Nearest);
                    Cv2.Rectangle(tile, new Point((b.MinX - roi.X) * s, (b.MinY - roi.Y) * s), new Point((b.MaxX + 1 - roi.X) * s, (b.MaxY + 1 - roi.Y) * s), OverlayRenderer.ColourOf(b.ClassId), 2);
                    Cv2.PutText(tile, $"z={z}", new Point(4, 14), HersheyFonts.HersheySimplex, 0.45, Scalar.Yellow, 1, LineTypes.AntiAlias);
                    tiles[r].Add((z, tile));
                }
            }

            // Each region's montage is assembled, encoded and written on its own worker.
            Parallel.For(0, regions.Count, r =>
            {
                if (tiles[r].Count == 0)
                {
                    return;
                }

                using var row = new Mat();
                Cv2.HConcat(tiles[r].Select(t => t.Tile).ToArray(), row);
                using var canvas = new Mat(row.Rows + 24, row.Cols, MatType.CV_8UC3, Scalar.All(30));
                using (var dst = new Mat(canvas, new Rect(0, 24, row.Cols, row.Rows)))
                {
                    row.CopyTo(dst);
                }

                Box3D b = regions[r];
                Cv2.PutText(canvas, string.Create(CultureInfo.InvariantCulture, $"{model.ClassName(b.ClassId)} {b.Score:0.00}  x {b.MinX}-{b.MaxX}  y {b.MinY}-{b.MaxY}  z {b.MinZ}-{b.MaxZ}  ({b.Axes})"),
                    new Point(4, 17), HersheyFonts.HersheySimplex, 0.5, Scalar.White, 1, LineTypes.AntiAlias);
                Save(Path.Combine(dir, $"{name}_region{r + 1}.png"), canvas);
            });
        }
        finally
        {
            foreach (var list in tiles)
            {
                foreach ((_, Mat t) in list)
                {
                    t.Dispose();
                }
            }
        }
    }

    private static void Write(string path, float[] data, int w, int h, double rowScale, IEnumerable<(Box3D B, int U0, int V0, int U1, int V1)> boxes, VolumeOptions o, ModelInfo model)
    {
        using Mat grey = Grey(data, w, h, o);
        using var img = new Mat();
        int H = Math.Max(1, (int)Math.Round(h * rowScale));
        Cv2.Resize(grey, img, new Size(w, H), 0, 0, InterpolationFlags.Linear);
        var records = boxes.Select(x => new DetectionRecord(x.B.ClassId, model.ClassName(x.B.ClassId), x.B.Score, x.U0, (float)(x.V0 * rowScale), x.U1 + 1, (float)((x.V1 + 1) * rowScale))).ToList();
        using var big = new Mat();
        double up = Math.Max(1, 512.0 / Math.Max(w, H));
        Cv2.Resize(img, big, new Size(0, 0), up, up, InterpolationFlags.Linear);
        OverlayRenderer.Draw(big, records.Select(r => r with { X1 = (float)(r.X1 * up), Y1 = (float)(r.Y1 * up), X2 = (float)(r.X2 * up), Y2 = (float)(r.Y2 * up) }).ToList());
        Save(path, big);
    }

    /// <summary>Window/level a slice (file units) to 8-bit grey BGR: the rendering the detector sees. The caller disposes it.</summary>
    internal static Mat Grey(float[] data, int w, int h, VolumeOptions o)
    {
        using Mat f = Mat.FromPixelData(h, w, MatType.CV_32FC1, data);
        return IntensityWindow.FromLevelWidth(o.WindowLevel, o.WindowWidth).ToBgr8(f);
    }

    private static void Save(string path, Mat m)
    {
        Cv2.ImEncode(".png", m, out byte[] png);
        AtomicFile.WriteAllBytes(path, png);
    }
}
