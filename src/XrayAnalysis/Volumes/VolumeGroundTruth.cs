using System.Text.Json;

namespace XrayAnalysis.Volumes;

/// <summary>3D ground truth as <c>xray synth --kind ct</c> writes it (NAME.boxes.json), and matching against it.</summary>
internal static class VolumeGroundTruth
{
    /// <summary>Finds NAME.boxes.json beside a .mhd/.mha/.nrrd volume, or null.</summary>
    public static string? FindBeside(string volumePath)
    {
        string p = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(volumePath)) ?? ".", Path.GetFileNameWithoutExtension(volumePath) + ".boxes.json");
        return File.Exists(p) ? p : null;
    }

    /// <summary>
    /// The threats of a NAME.boxes.json, and the benign look-alike blocks it lists under <c>look_alikes</c> (xray synth
    /// --kind ct --clutter above 1; empty when there are none), each with its inclusive voxel min and max.
    /// </summary>
    public static (List<(string Class, int[] Min, int[] Max)> Threats, List<(string Material, int[] Min, int[] Max)> LookAlikes) Load(string path)
    {
        using JsonDocument d = JsonDocument.Parse(File.ReadAllBytes(path));
        return (Entries(d.RootElement.GetProperty("threats"), "class"),
            d.RootElement.TryGetProperty("look_alikes", out JsonElement lookAlikes) ? Entries(lookAlikes, "material") : []);
    }

    private static List<(string, int[], int[])> Entries(JsonElement array, string label) =>
        [.. array.EnumerateArray().Select(t => (t.GetProperty(label).GetString() ?? "", Ints(t.GetProperty("min")), Ints(t.GetProperty("max"))))];

    private static int[] Ints(JsonElement a) => [.. a.EnumerateArray().Select(x => x.GetInt32())];

    /// <summary>Greedy matching by score (any class finds an object, as for screening): recall and false positives at 3D IoU ≥ threshold.</summary>
    /// <param name="regions">The volume's regions.</param>
    /// <param name="gt">Threats.</param>
    /// <param name="iou">3D IoU at which a region finds a threat.</param>
    /// <param name="scoreThreshold">Regions below this score are not counted.</param>
    /// <param name="lookAlikes">Benign look-alike blocks: a false positive with at least half its voxels inside one is
    /// counted against that block's material.</param>
    public static VolumeEvaluation Evaluate(IReadOnlyList<Region3D> regions, List<(string Class, int[] Min, int[] Max)> gt, double iou, double scoreThreshold,
        List<(string Material, int[] Min, int[] Max)>? lookAlikes = null)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(gt);
        var used = new bool[gt.Count];
        int fp = 0, matched = 0;
        var onLookAlikes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (Region3D r in regions.Where(r => r.Score >= scoreThreshold).OrderByDescending(r => r.Score))
        {
            int best = -1;
            double bestIou = iou;
            for (int g = 0; g < gt.Count; g++)
            {
                double v = Box3D.IoU(r.VoxelMin[0], r.VoxelMin[1], r.VoxelMin[2], r.VoxelMax[0], r.VoxelMax[1], r.VoxelMax[2],
                    gt[g].Min[0], gt[g].Min[1], gt[g].Min[2], gt[g].Max[0], gt[g].Max[1], gt[g].Max[2]);
                if (!used[g] && v >= bestIou)
                {
                    bestIou = v;
                    best = g;
                }
            }

            if (best >= 0)
            {
                used[best] = true;
                matched++;
            }
            else
            {
                fp++;
                if (OnLookAlike(r, lookAlikes) is { } material)
                {
                    onLookAlikes[material] = onLookAlikes.GetValueOrDefault(material) + 1;
                }
            }
        }

        return new VolumeEvaluation(gt.Count, matched, fp, iou, scoreThreshold) { FalsePositivesOnLookAlikes = onLookAlikes };
    }

    /// <summary>The material of the look-alike block holding the largest share of the region's voxels, when that share is at least half.</summary>
    private static string? OnLookAlike(Region3D r, List<(string Material, int[] Min, int[] Max)>? lookAlikes)
    {
        if (lookAlikes is null)
        {
            return null;
        }

        (int[] a0, int[] a1) = (r.VoxelMin, r.VoxelMax);
        double volume = (double)(a1[0] - a0[0] + 1) * (a1[1] - a0[1] + 1) * (a1[2] - a0[2] + 1);
        string? best = null;
        double bestShare = 0.5;
        foreach ((string material, int[] min, int[] max) in lookAlikes)
        {
            double share = Box3D.Intersection(a0[0], a0[1], a0[2], a1[0], a1[1], a1[2], min[0], min[1], min[2], max[0], max[1], max[2]) / volume;
            if (share >= bestShare)
            {
                bestShare = share;
                best = material;
            }
        }

        return best;
    }
}
