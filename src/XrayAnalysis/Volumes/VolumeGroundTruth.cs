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

    public static List<(string Class, int[] Min, int[] Max)> Load(string path)
    {
        using JsonDocument d = JsonDocument.Parse(File.ReadAllBytes(path));
        var list = new List<(string, int[], int[])>();
        foreach (JsonElement t in d.RootElement.GetProperty("threats").EnumerateArray())
        {
            list.Add((t.GetProperty("class").GetString() ?? "", t.GetProperty("min").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                t.GetProperty("max").EnumerateArray().Select(x => x.GetInt32()).ToArray()));
        }

        return list;
    }

    /// <summary>Greedy matching by score (any class finds an object, as for screening): recall and false positives at 3D IoU ≥ threshold.</summary>
    public static VolumeEvaluation Evaluate(IReadOnlyList<Region3D> regions, List<(string Class, int[] Min, int[] Max)> gt, double iou, double scoreThreshold)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(gt);
        var used = new bool[gt.Count];
        int fp = 0, matched = 0;
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
            }
        }

        return new VolumeEvaluation(gt.Count, matched, fp, iou, scoreThreshold);
    }
}
