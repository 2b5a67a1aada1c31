namespace XrayAnalysis.Merging;

/// <summary>
/// Fuses the boxes of several passes of the model over one picture (one pass per <see cref="Inference.DetectorOptions.Fills"/>
/// entry) by weighted boxes fusion (Solovyev et al., 2021) in the form that keeps a score monotone: boxes are taken
/// highest score first, and each joins the cluster of its class (any class when agnostic) whose fused box it overlaps
/// most, above <see cref="MatchIou"/>, else starts one. Each pass votes once per cluster, with its best box there; a
/// pass's lower boxes in a cluster it has voted in are duplicates and are dropped. A cluster's score is the mean over
/// all passes of their votes (0 for a pass that does not see it), so a box that one pass alone finds keeps half its
/// score with two passes, and adding a low box never lowers a score. Its corners are the votes' score-weighted means.
/// </summary>
internal static class FillFusion
{
    /// <summary>IoU above which a box joins a cluster (the value of the WBF paper and its reference code).</summary>
    public const float MatchIou = 0.55f;

    /// <summary>
    /// Score floor each pass is decoded at when passes are fused: the floor <c>xray eval</c> runs a model at, so a fused
    /// score does not depend on the confidence threshold the caller asked for (that threshold applies to the fused boxes).
    /// </summary>
    public const float PassFloor = 0.001f;

    /// <summary>
    /// The fused boxes scoring above <paramref name="confidence"/> (and at least their class's threshold in
    /// <paramref name="classConfidence"/>), highest first (stable), at most <paramref name="maxDet"/>.
    /// </summary>
    /// <param name="passes">Each pass's boxes, in the same (source) pixels.</param>
    /// <param name="agnostic">Boxes of different classes may fuse (the cluster takes the class of its best box).</param>
    /// <param name="confidence">Fused boxes at or below this are dropped.</param>
    /// <param name="classConfidence">Per-class thresholds a fused box must reach (may be empty).</param>
    /// <param name="maxDet">Most boxes kept.</param>
    public static List<Detection> Fuse(IReadOnlyList<IReadOnlyList<Detection>> passes, bool agnostic, float confidence,
        IReadOnlyDictionary<int, float> classConfidence, int maxDet)
    {
        ArgumentNullException.ThrowIfNull(passes);
        ArgumentNullException.ThrowIfNull(classConfidence);
        int n = passes.Count;
        var all = new List<(Detection D, int Pass, int Index)>();
        for (int k = 0; k < n; k++)
        {
            for (int i = 0; i < passes[k].Count; i++)
            {
                all.Add((passes[k][i], k, i));
            }
        }

        // Highest score first; ties in pass order, then in each pass's order, so the result does not depend on the sort.
        all.Sort((a, b) =>
        {
            int c = b.D.Score.CompareTo(a.D.Score);
            return c != 0 ? c : a.Pass != b.Pass ? a.Pass.CompareTo(b.Pass) : a.Index.CompareTo(b.Index);
        });

        var clusters = new List<Cluster>();
        foreach ((Detection d, int pass, _) in all)
        {
            Cluster? best = null;
            float bestIou = MatchIou;
            foreach (Cluster c in clusters)
            {
                if (agnostic || c.ClassId == d.ClassId)
                {
                    float iou = Detection.IoU(c.Box, d);
                    if (iou > bestIou)
                    {
                        bestIou = iou;
                        best = c;
                    }
                }
            }

            if (best is null)
            {
                best = new Cluster(d.ClassId, n);
                clusters.Add(best);
            }

            best.Vote(pass, d);
        }

        var fused = new List<Detection>(clusters.Count);
        foreach (Cluster c in clusters)
        {
            Detection f = c.Fused();
            if (f.Score > confidence && !(classConfidence.TryGetValue(f.ClassId, out float t) && f.Score < t))
            {
                fused.Add(f);
            }
        }

        // Clusters were made in score order of their first box; the fused order is by fused score, stable on that.
        return fused.Select((d, i) => (d, i)).OrderByDescending(x => x.d.Score).ThenBy(x => x.i).Take(maxDet).Select(x => x.d).ToList();
    }

    private sealed class Cluster(int classId, int passes)
    {
        private readonly float[] _votes = new float[passes];
        private double _w, _x1, _y1, _x2, _y2;

        public int ClassId { get; } = classId;

        public Detection Box { get; private set; }

        public void Vote(int pass, in Detection d)
        {
            if (_votes[pass] > 0)
            {
                return;
            }

            // A zero score would not count as a vote; such boxes do not pass any decode floor, but keep the rule total.
            float s = MathF.Max(d.Score, float.Epsilon);
            _votes[pass] = s;
            _w += s;
            _x1 += s * d.X1;
            _y1 += s * d.Y1;
            _x2 += s * d.X2;
            _y2 += s * d.Y2;
            Box = new Detection(ClassId, s, (float)(_x1 / _w), (float)(_y1 / _w), (float)(_x2 / _w), (float)(_y2 / _w));
        }

        public Detection Fused() => Box with { Score = _votes.Sum() / _votes.Length };
    }
}
