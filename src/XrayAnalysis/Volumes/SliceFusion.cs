namespace XrayAnalysis.Volumes;

/// <summary>
/// Fuses per-slice 2D boxes into 3D regions: slices are visited in order; each box continues the same-class track whose
/// last box overlaps it most (2D IoU ≥ LinkIou) if that track was seen within the gap tolerance, else starts a track. A
/// track's 3D box is the union of its 2D boxes across its first to last slice; its score is the mean of its three best
/// slice scores; tracks shorter than MinRun slices are dropped.
/// </summary>
internal static class SliceFusion
{
    /// <summary>
    /// <paramref name="slices"/>: (slice index along the axis, boxes in that slice's pixels), in increasing index order.
    /// Returns regions as (class, score, u0, v0, u1, v1, s0, s1, count) in slice-plane pixels (u, v) and slice indices (s).
    /// </summary>
    public static List<(int Class, float Score, float U0, float V0, float U1, float V1, int S0, int S1, int Count)> Fuse(
        IReadOnlyList<(int Index, IReadOnlyList<Detection> Boxes)> slices, int step, VolumeOptions o)
    {
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(o);
        var open = new List<Track>();
        var closed = new List<Track>();
        int reach = step * (o.GapTolerance + 1);
        foreach ((int z, IReadOnlyList<Detection> boxes) in slices)
        {
            for (int t = open.Count - 1; t >= 0; t--)
            {
                if (z - open[t].LastZ > reach)
                {
                    closed.Add(open[t]);
                    open.RemoveAt(t);
                }
            }

            var taken = new HashSet<Track>();
            foreach (Detection d in boxes.OrderByDescending(b => b.Score))
            {
                Track? best = null;
                float bestIou = o.LinkIou;
                foreach (Track t in open)
                {
                    if (t.Class != d.ClassId || taken.Contains(t) || t.LastZ == z)
                    {
                        continue;
                    }

                    float iou = Detection.IoU(t.Last, d);
                    if (iou >= bestIou)
                    {
                        bestIou = iou;
                        best = t;
                    }
                }

                if (best is null)
                {
                    best = new Track(d.ClassId);
                    open.Add(best);
                }

                best.Add(z, d);
                taken.Add(best);
            }
        }

        closed.AddRange(open);
        var result = new List<(int, float, float, float, float, float, int, int, int)>();
        foreach (Track t in closed)
        {
            if (t.Scores.Count < o.MinRun)
            {
                continue;
            }

            float score = t.Scores.OrderDescending().Take(3).Average();
            result.Add((t.Class, score, t.U0, t.V0, t.U1, t.V1, t.FirstZ, t.LastZ + step - 1, t.Scores.Count));
        }

        return result.OrderByDescending(r => r.Item2).ToList();
    }

    private sealed class Track(int cls)
    {
        public int Class { get; } = cls;

        public Detection Last { get; private set; }

        public int FirstZ { get; private set; } = -1;

        public int LastZ { get; private set; } = int.MinValue;

        public List<float> Scores { get; } = [];

        public float U0 { get; private set; } = float.MaxValue;

        public float V0 { get; private set; } = float.MaxValue;

        public float U1 { get; private set; } = float.MinValue;

        public float V1 { get; private set; } = float.MinValue;

        public void Add(int z, Detection d)
        {
            if (FirstZ < 0)
            {
                FirstZ = z;
            }

            LastZ = z;
            Last = d;
            Scores.Add(d.Score);
            U0 = MathF.Min(U0, d.X1);
            V0 = MathF.Min(V0, d.Y1);
            U1 = MathF.Max(U1, d.X2);
            V1 = MathF.Max(V1, d.Y2);
        }
    }
}
