namespace XrayAnalysis.Evaluation;

/// <summary>
/// Confusion matrix at an operating threshold with a background row and column (Ultralytics' convention): detections
/// at or above the threshold are matched to ground truth of any class at IoU ≥ 0.5, best IoU first; rows are predicted
/// classes, columns true classes; the last row holds missed objects, the last column false detections.
/// </summary>
public static class ConfusionMatrix
{
    /// <summary>Returns [K+1, K+1] counts in the order of <paramref name="gt"/>'s categories, background last.</summary>
    public static int[,] Compute(CocoDataset gt, IReadOnlyList<CocoDetection> dets, double threshold, double iou = 0.5)
    {
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(dets);
        var index = new Dictionary<long, int>();
        foreach (CocoCategory c in gt.Categories)
        {
            index.TryAdd(c.Id, index.Count);
        }

        int k = index.Count;
        var m = new int[k + 1, k + 1];
        var dByImage = dets.Where(d => d.Score >= threshold && index.ContainsKey(d.CategoryId)).GroupBy(d => d.ImageId).ToDictionary(g => g.Key, g => g.ToList());
        var gByImage = gt.Annotations.Where(a => !a.IsCrowd && index.ContainsKey(a.CategoryId)).GroupBy(a => a.ImageId).ToDictionary(g => g.Key, g => g.ToList());
        foreach (CocoImage im in gt.Images)
        {
            List<CocoDetection> d = dByImage.GetValueOrDefault(im.Id) ?? [];
            List<CocoAnnotation> g = gByImage.GetValueOrDefault(im.Id) ?? [];
            var pairs = new List<(double Iou, int D, int G)>();
            for (int i = 0; i < d.Count; i++)
            {
                for (int j = 0; j < g.Count; j++)
                {
                    double v = IoU(d[i].Bbox, g[j].Bbox);
                    if (v >= iou)
                    {
                        pairs.Add((v, i, j));
                    }
                }
            }

            var dUsed = new bool[d.Count];
            var gUsed = new bool[g.Count];
            foreach ((double _, int di, int gi) in pairs.OrderByDescending(p => p.Iou).ThenBy(p => p.D).ThenBy(p => p.G))
            {
                if (!dUsed[di] && !gUsed[gi])
                {
                    dUsed[di] = gUsed[gi] = true;
                    m[index[d[di].CategoryId], index[g[gi].CategoryId]]++;
                }
            }

            for (int i = 0; i < d.Count; i++)
            {
                if (!dUsed[i])
                {
                    m[index[d[i].CategoryId], k]++;
                }
            }

            for (int j = 0; j < g.Count; j++)
            {
                if (!gUsed[j])
                {
                    m[k, index[g[j].CategoryId]]++;
                }
            }
        }

        return m;
    }

    internal static double IoU(double[] a, double[] b) => Overlap.IoUXywh(a, b);
}
