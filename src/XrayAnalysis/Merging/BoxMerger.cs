namespace XrayAnalysis.Merging;

/// <summary>
/// A candidate box for merging: whether it touches an inner tile edge (so it may be a cut-off fragment), and which tile
/// (or whole-image pass) it came from.
/// </summary>
internal readonly record struct MergeCandidate(Detection Box, bool Truncated, int Source);

/// <summary>
/// Merges boxes from overlapping tiles: greedy by score; each kept box absorbs the still-unassigned boxes that match it
/// (IoU or IoS ≥ threshold, same class unless agnostic). With greedy NMM only a kept fragment (a box cut by an inner
/// tile edge) grows, to enclose what it absorbs from other tiles scoring at least <see cref="MergeOptions.GrowScoreRatio"/>
/// times its score (default half): that reassembles an object cut by a seam. A complete box never grows, since the tile
/// that saw the whole object decided its extent; and boxes from the keeper's own tile never enlarge it, since they
/// already passed that tile's NMS as other predictions. SAHI's rule (every kept box encloses all it absorbs) let
/// low-scored neighbours stretch boxes, so the same detection came out larger at a lower confidence floor: on tiled
/// cargo at mAP's floor of 0.001, true bricks' IoU with the truth was 0.35–0.75, against 0.85–0.97 at 0.05.
/// A uniform grid over the boxes' extent, stored as flat arrays (cell offsets and members, no per-cell lists, no
/// hashing), keeps the neighbour search local: 100,000 boxes merge in tens of milliseconds (docs/BENCHMARKS.md).
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

        var boxes = new Detection[n];
        var truncated = new bool[n];
        var sources = new int[n];
        var keys = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            MergeCandidate c = candidates[i];
            boxes[i] = c.Box;
            truncated[i] = c.Truncated;
            sources[i] = c.Source;

            // Highest score first, complete boxes before fragments of equal score, then input order: one sort of
            // unique 64-bit keys, deterministic, with no comparison delegate.
            keys[i] = ((ulong)DescendingKey(c.Box.Score) << 32) | ((c.Truncated ? 1UL : 0UL) << 31) | (uint)i;
        }

        Array.Sort(keys);

        // One grid per class unless merging is class-agnostic: a query then only meets boxes it may absorb.
        var grids = new Dictionary<int, GridIndex>();
        if (options.ClassAgnostic)
        {
            grids[0] = new GridIndex(boxes, Enumerable.Range(0, n).ToArray());
        }
        else
        {
            foreach (IGrouping<int, int> g in Enumerable.Range(0, n).GroupBy(i => boxes[i].ClassId))
            {
                grids[g.Key] = new GridIndex(boxes, g.ToArray());
            }
        }

        var assigned = new bool[n];
        var stamp = new int[n];
        var near = new List<int>();
        int query = 0;
        bool agnostic = options.ClassAgnostic, nmm = options.Method == MergeMethod.GreedyNmm;
        MatchMetric metric = options.Metric;
        float threshold = options.Threshold, growRatio = options.GrowScoreRatio;
        foreach (ulong key in keys)
        {
            int i = (int)(key & 0x7FFF_FFFF);
            if (assigned[i])
            {
                continue;
            }

            assigned[i] = true;
            Detection keep = boxes[i];
            bool keepTruncated = truncated[i];
            int keepSource = sources[i];
            float x1 = keep.X1, y1 = keep.Y1, x2 = keep.X2, y2 = keep.Y2;
            query++;
            stamp[i] = query;
            grids[agnostic ? 0 : keep.ClassId].Near(keep, assigned, stamp, query, near);
            foreach (int j in near)
            {
                ref readonly Detection other = ref boxes[j];
                if (Match(keep, other, metric) < threshold)
                {
                    continue;
                }

                assigned[j] = true;
                if (nmm && keepTruncated && sources[j] != keepSource && other.Score >= growRatio * keep.Score)
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

    /// <summary>A 32-bit key that sorts scores from highest to lowest (−0 as +0; NaN last, as float.CompareTo ranks it lowest).</summary>
    private static uint DescendingKey(float score)
    {
        if (float.IsNaN(score))
        {
            return uint.MaxValue;
        }

        uint bits = BitConverter.SingleToUInt32Bits(score == 0f ? 0f : score);
        uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ~ascending;
    }

    /// <summary>
    /// Boxes bucketed into square cells sized to the median box over the boxes' own extent, in compressed rows
    /// (per-cell offsets into one member array). A box that would span more than <see cref="MaxCellsPerBox"/> cells is
    /// kept on a short list that every query visits, so a few huge or non-finite boxes cannot blow up the index.
    /// </summary>
    private sealed class GridIndex
    {
        private const int MaxCellsPerBox = 16;

        private readonly double _minX, _minY, _cell;
        private readonly int _cols, _rows;
        private readonly int[] _start;
        private readonly int[] _members;
        private readonly int[] _large;

        public GridIndex(Detection[] boxes, int[] members)
        {
            int n = members.Length;
            var sizes = new float[n];
            double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
            for (int k = 0; k < n; k++)
            {
                Detection d = boxes[members[k]];
                sizes[k] = MathF.Max(d.Width, d.Height);
                if (float.IsFinite(d.X1) && float.IsFinite(d.Y1) && float.IsFinite(d.X2) && float.IsFinite(d.Y2))
                {
                    minX = Math.Min(minX, d.X1);
                    minY = Math.Min(minY, d.Y1);
                    maxX = Math.Max(maxX, d.X2);
                    maxY = Math.Max(maxY, d.Y2);
                }
            }

            if (minX > maxX)
            {
                minX = minY = maxX = maxY = 0;
            }

            Array.Sort(sizes);
            float median = sizes[n / 2];
            double cell = float.IsFinite(median) ? Math.Max(8.0, median) : 8.0;

            // At most about four cells per box over the extent, however spread out the boxes are.
            double limit = Math.Max(1024.0, 4.0 * n);
            while (((Math.Floor((maxX - minX) / cell) + 1) * (Math.Floor((maxY - minY) / cell) + 1)) > limit)
            {
                cell *= 2;
            }

            _minX = minX;
            _minY = minY;
            _cell = cell;
            _cols = (int)Math.Floor((maxX - minX) / cell) + 1;
            _rows = (int)Math.Floor((maxY - minY) / cell) + 1;

            var count = new int[(_cols * _rows) + 1];
            var large = new List<int>();
            foreach (int i in members)
            {
                (int cx1, int cy1, int cx2, int cy2) = Cells(boxes[i]);
                if ((long)(cx2 - cx1 + 1) * (cy2 - cy1 + 1) > MaxCellsPerBox || !float.IsFinite(boxes[i].X1 + boxes[i].Y1 + boxes[i].X2 + boxes[i].Y2))
                {
                    large.Add(i);
                    continue;
                }

                for (int y = cy1; y <= cy2; y++)
                {
                    for (int x = cx1; x <= cx2; x++)
                    {
                        count[(y * _cols) + x + 1]++;
                    }
                }
            }

            for (int k = 1; k < count.Length; k++)
            {
                count[k] += count[k - 1];
            }

            _start = count;
            _members = new int[count[^1]];
            var fill = (int[])count.Clone();
            foreach (int i in members)
            {
                (int cx1, int cy1, int cx2, int cy2) = Cells(boxes[i]);
                if ((long)(cx2 - cx1 + 1) * (cy2 - cy1 + 1) > MaxCellsPerBox || !float.IsFinite(boxes[i].X1 + boxes[i].Y1 + boxes[i].X2 + boxes[i].Y2))
                {
                    continue;
                }

                for (int y = cy1; y <= cy2; y++)
                {
                    for (int x = cx1; x <= cx2; x++)
                    {
                        _members[fill[(y * _cols) + x]++] = i;
                    }
                }
            }

            _large = [.. large];
        }

        /// <summary>
        /// Collects, once each, the boxes not yet assigned that share a cell with <paramref name="d"/>, plus the large
        /// ones; <paramref name="stamp"/> marks what this query has seen.
        /// </summary>
        public void Near(in Detection d, bool[] assigned, int[] stamp, int query, List<int> into)
        {
            into.Clear();
            (int cx1, int cy1, int cx2, int cy2) = Cells(d);
            for (int y = cy1; y <= cy2; y++)
            {
                int rowStart = y * _cols;
                int end = _start[rowStart + cx2 + 1];
                for (int k = _start[rowStart + cx1]; k < end; k++)
                {
                    Add(_members[k], assigned, stamp, query, into);
                }
            }

            foreach (int j in _large)
            {
                Add(j, assigned, stamp, query, into);
            }
        }

        private static void Add(int j, bool[] assigned, int[] stamp, int query, List<int> into)
        {
            if (!assigned[j] && stamp[j] != query)
            {
                stamp[j] = query;
                into.Add(j);
            }
        }

        private (int X1, int Y1, int X2, int Y2) Cells(in Detection d) =>
            (Clamp((d.X1 - _minX) / _cell, _cols), Clamp((d.Y1 - _minY) / _cell, _rows),
             Clamp((d.X2 - _minX) / _cell, _cols), Clamp((d.Y2 - _minY) / _cell, _rows));

        private static int Clamp(double v, int count) =>
            double.IsNaN(v) ? 0 : v <= 0 ? 0 : v >= count - 1 ? count - 1 : (int)v;
    }
}
