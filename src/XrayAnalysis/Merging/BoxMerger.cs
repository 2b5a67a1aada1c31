namespace XrayAnalysis.Merging;

/// <summary>A candidate box for merging, with whether it touches an inner tile edge (so it may be a cut-off fragment).</summary>
internal readonly record struct MergeCandidate(Detection Box, bool Truncated);

/// <summary>
/// Merges boxes from overlapping tiles: greedy by score; each kept box absorbs the still-unassigned boxes that match it
/// (IoU or IoS ≥ threshold, same class unless agnostic). With greedy NMM the kept box grows to enclose what it absorbs —
/// except that a fragment cut by an inner tile edge never enlarges a complete box (it can only be absorbed), so a
/// seam never makes a box bigger than the object. A uniform grid index keeps the neighbour search local: 100,000
/// boxes merge in well under a second.
/// </summary>
internal static class BoxMerger
{
    /// <summary>Returns merged detections, highest score first.</summary>
    public static List<Detection> Merge(IReadOnlyList<MergeCandidate> candidates, MergeOptions options)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(options);
        int n = candidates.Count;
        var result = new List<Detection>();
        if (n == 0)
        {
            return result;
        }

        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            int c = candidates[b].Box.Score.CompareTo(candidates[a].Box.Score);
            if (c != 0)
            {
                return c;
            }

            // Complete boxes before fragments of equal score, then input order: deterministic.
            c = candidates[a].Truncated.CompareTo(candidates[b].Truncated);
            return c != 0 ? c : a.CompareTo(b);
        });

        var grid = new GridIndex(candidates);
        var assigned = new bool[n];
        var neighbours = new List<int>();
        foreach (int i in order)
        {
            if (assigned[i])
            {
                continue;
            }

            assigned[i] = true;
            Detection keep = candidates[i].Box;
            bool keepTruncated = candidates[i].Truncated;
            float x1 = keep.X1, y1 = keep.Y1, x2 = keep.X2, y2 = keep.Y2;
            grid.Query(keep, neighbours);
            foreach (int j in neighbours)
            {
                if (assigned[j])
                {
                    continue;
                }

                Detection other = candidates[j].Box;
                if (!options.ClassAgnostic && other.ClassId != keep.ClassId)
                {
                    continue;
                }

                if (Match(keep, other, options.Metric) < options.Threshold)
                {
                    continue;
                }

                assigned[j] = true;
                bool enlarge = options.Method == MergeMethod.GreedyNmm && (keepTruncated || !candidates[j].Truncated);
                if (enlarge)
                {
                    x1 = MathF.Min(x1, other.X1);
                    y1 = MathF.Min(y1, other.Y1);
                    x2 = MathF.Max(x2, other.X2);
                    y2 = MathF.Max(y2, other.Y2);
                }
            }

            result.Add(keep with { X1 = x1, Y1 = y1, X2 = x2, Y2 = y2 });
        }

        return result;
    }

    /// <summary>IoU, or intersection over the smaller box's area.</summary>
    public static float Match(in Detection a, in Detection b, MatchMetric metric) => Overlap.Of(a, b, metric);

    /// <summary>Buckets boxes into square cells sized to the median box, so a query touches only nearby boxes.</summary>
    private sealed class GridIndex
    {
        private readonly Dictionary<long, List<int>> _cells = new();
        private readonly float _cell;
        private readonly IReadOnlyList<MergeCandidate> _c;
        private readonly HashSet<int> _seen = new();

        public GridIndex(IReadOnlyList<MergeCandidate> c)
        {
            _c = c;
            var sizes = new float[c.Count];
            for (int i = 0; i < c.Count; i++)
            {
                sizes[i] = MathF.Max(c[i].Box.Width, c[i].Box.Height);
            }

            Array.Sort(sizes);
            _cell = MathF.Max(8f, sizes[sizes.Length / 2]);
            for (int i = 0; i < c.Count; i++)
            {
                ForCells(c[i].Box, key =>
                {
                    if (!_cells.TryGetValue(key, out List<int>? l))
                    {
                        _cells[key] = l = [];
                    }

                    l.Add(i);
                });
            }
        }

        public void Query(in Detection d, List<int> into)
        {
            into.Clear();
            _seen.Clear();
            ForCells(d, key =>
            {
                if (_cells.TryGetValue(key, out List<int>? l))
                {
                    foreach (int i in l)
                    {
                        if (_seen.Add(i))
                        {
                            into.Add(i);
                        }
                    }
                }
            });
            into.Sort();
        }

        private void ForCells(in Detection d, Action<long> visit)
        {
            int cx1 = (int)MathF.Floor(d.X1 / _cell), cy1 = (int)MathF.Floor(d.Y1 / _cell);
            int cx2 = (int)MathF.Floor(d.X2 / _cell), cy2 = (int)MathF.Floor(d.Y2 / _cell);
            for (int y = cy1; y <= cy2; y++)
            {
                for (int x = cx1; x <= cx2; x++)
                {
                    visit(((long)y << 32) ^ (uint)x);
                }
            }
        }
    }
}
