namespace XrayAnalysis.Merging;

/// <summary>
/// Greedy non-maximum suppression with Ultralytics' conventions: candidates sorted by score (stable: on ties the earlier
/// candidate wins), at most <see cref="MaxCandidates"/> considered, a box suppressed when its IoU with a kept box of the
/// same class (or any class when agnostic) is strictly greater than the threshold, at most maxDet kept.
/// </summary>
internal static class NonMaxSuppression
{
    /// <summary>Ultralytics' max_nms: candidates beyond the top 30,000 by score are dropped before NMS.</summary>
    public const int MaxCandidates = 30_000;

    /// <summary>Returns the kept detections, highest score first.</summary>
    public static List<Detection> Apply(List<Detection> candidates, float iouThreshold, bool agnostic, int maxDet)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var order = new int[candidates.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Stable by construction: ties broken by original index.
        Array.Sort(order, (x, y) =>
        {
            int c = candidates[y].Score.CompareTo(candidates[x].Score);
            return c != 0 ? c : x.CompareTo(y);
        });

        int n = Math.Min(order.Length, MaxCandidates);
        var kept = new List<Detection>(Math.Min(n, maxDet));
        for (int oi = 0; oi < n && kept.Count < maxDet; oi++)
        {
            Detection d = candidates[order[oi]];
            bool suppressed = false;
            foreach (Detection k in kept)
            {
                if ((agnostic || k.ClassId == d.ClassId) && Detection.IoU(k, d) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }

            if (!suppressed)
            {
                kept.Add(d);
            }
        }

        return kept;
    }
}
