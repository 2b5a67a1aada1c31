namespace XrayAnalysis.Decoding;

/// <summary>What besides the output shape may decide a layout.</summary>
internal sealed record LayoutHints
{
    /// <summary>The layout the caller asked for (<c>--layout</c>); it must fit the shape.</summary>
    public OutputLayout? Override { get; init; }

    /// <summary>The layout the model's profile states; it must fit the shape.</summary>
    public OutputLayout? Profile { get; init; }

    /// <summary>Ultralytics' <c>end2end</c> metadata, when present.</summary>
    public bool? EndToEnd { get; init; }

    /// <summary>True when the model's metadata names an RT-DETR head.</summary>
    public bool RtDetr { get; init; }

    /// <summary>
    /// One image's output from the warm-up run, used only to tell raw YOLOX grid regressions from boxes already decoded in
    /// the graph (both are [1, N, 5+nc]).
    /// </summary>
    public float[]? WarmupOutput { get; init; }
}

/// <summary>The decided layout, the output's two inner dimensions, and what decided it.</summary>
internal readonly record struct LayoutDecision(OutputLayout Layout, int Rows, int Cols, LayoutSource Source);

/// <summary>
/// Decides a model's <see cref="OutputLayout"/> from the concrete output shape (read from a warm-up run). Each decoder
/// accepts exact shapes only (see <see cref="LayoutNames.Shape"/>); a shape that fits none, or fits several without a
/// deciding hint, is refused with the tensor, the shape and the <c>--layout</c> values that could apply — a detector never
/// runs on a guessed layout. A forced layout (option or profile) must fit the shape too.
/// </summary>
internal static class LayoutResolver
{
    private static readonly int[][] StrideSets = [[8, 16, 32], [8, 16, 32, 64], [4, 8, 16, 32]];

    /// <summary>Most queries an end-to-end or DETR head is taken to have.</summary>
    public const int MaxQueries = 1000;

    /// <summary>
    /// Anchor-point count of a one-anchor detection head at strides 8/16/32 for an input of <paramref name="w"/> × <paramref name="h"/>
    /// (8400 at 640 × 640). Ultralytics v8 heads use ceil; YOLOX uses floor; for multiples of 32 they agree.
    /// </summary>
    public static int GridPoints(int w, int h) => GridPoints(w, h, [8, 16, 32], ceil: true);

    private static int GridPoints(int w, int h, int[] strides, bool ceil)
    {
        int n = 0;
        foreach (int s in strides)
        {
            n += ceil ? ((w + s - 1) / s) * ((h + s - 1) / s) : (w / s) * (h / s);
        }

        return n;
    }

    /// <summary>Resolves with only an override and an end-to-end hint (shape-only decisions).</summary>
    public static LayoutDecision Resolve(string outputName, IReadOnlyList<long> shape, int inputW, int inputH, OutputLayout? overrideLayout, bool? end2endHint) =>
        Resolve(outputName, shape, inputW, inputH, new LayoutHints { Override = overrideLayout, EndToEnd = end2endHint });

    /// <summary>
    /// Resolves the layout. <paramref name="shape"/> is the output shape with its batch dimension (rank 3), or without (rank 2).
    /// Throws <see cref="XrayAnalysisException"/> naming the tensor and shape when the layout cannot be told.
    /// </summary>
    public static LayoutDecision Resolve(string outputName, IReadOnlyList<long> shape, int inputW, int inputH, LayoutHints hints)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(hints);
        string shapeText = "[" + string.Join(", ", shape) + "]";
        XrayAnalysisException Refuse(string why) => new($"cannot decode output '{outputName}' with shape {shapeText}: {why}");

        if (shape.Count == 5)
        {
            throw Refuse($"a raw anchor-based head ({shape[1]} anchors on a {shape[3]}x{shape[2]} grid; YOLOv5/YOLOv7 style) with the anchors not applied in the graph " +
                         "is not supported: export it with the detection layer decoding its boxes (YOLOv5 export.py; YOLOv7 export.py --grid), " +
                         "which gives one [1, 3N, 5+nc] output (--layout v5)");
        }

        if (shape.Count is not (2 or 3) || (shape.Count == 3 && shape[0] < 1) || shape.Any(d => d < 1 || d > int.MaxValue))
        {
            throw Refuse($"expected rank 3 [batch, a, b] or rank 2 [a, b], found rank {shape.Count}");
        }

        int a = (int)shape[^2];
        int b = (int)shape[^1];
        var grids = StrideSets.SelectMany(s => new[] { GridPoints(inputW, inputH, s, true), GridPoints(inputW, inputH, s, false) }).ToHashSet();
        int yoloxGrid = GridPoints(inputW, inputH, [8, 16, 32], ceil: false);
        var cellCounts = new HashSet<int>(grids) { GridPoints(inputW, inputH, [16, 32], true), GridPoints(inputW, inputH, [16, 32], false) };
        bool IsGridCount(int n) => cellCounts.Contains(n) || (n % 3 == 0 && cellCounts.Contains(n / 3));

        bool Fits(OutputLayout l) => l switch
        {
            OutputLayout.UltralyticsV8 => a >= 5 && a < b && grids.Contains(b),
            OutputLayout.YoloV5 => b >= 6 && a % 3 == 0 && grids.Contains(a / 3),
            OutputLayout.Yolox => b >= 6 && a == yoloxGrid,
            OutputLayout.EndToEnd => b == 6 && a <= MaxQueries && !IsGridCount(a),
            OutputLayout.RtDetr => b >= 5 && a <= MaxQueries && !IsGridCount(a) && !grids.Contains(b),
            _ => false,
        };

        var fitting = Enum.GetValues<OutputLayout>().Where(Fits).ToList();
        string Options() => fitting.Count == 0 ? "none" : string.Join(", ", fitting.Select(l => $"--layout {LayoutNames.Of(l)}"));

        foreach ((OutputLayout? forced, LayoutSource source) in new[] { (hints.Override, LayoutSource.Override), (hints.Profile, LayoutSource.Profile) })
        {
            if (forced is { } f)
            {
                if (!Fits(f))
                {
                    throw Refuse($"the {(source == LayoutSource.Override ? "requested" : "profile's")} layout {LayoutNames.Of(f)} {LayoutNames.Shape(f)} does not fit it " +
                                 $"for a {inputW}x{inputH} input; layouts that fit: {Options()}");
                }

                return new LayoutDecision(f, a, b, source);
            }
        }

        if (fitting.Count == 0)
        {
            string anchorHint = IsGridCount(a) && b > 6
                ? $"; its {a} rows match the grid cells of a {inputW}x{inputH} input, as in a raw per-cell anchor head (e.g. Yolo-FastestV2), which no decoder here supports"
                : "";
            int grid = GridPoints(inputW, inputH);
            throw Refuse($"no known layout has this shape for a {inputW}x{inputH} input{anchorHint}. Accepted: [1, 4+nc, {grid}] (v8: Ultralytics), " +
                         $"[1, {3 * grid}, 5+nc] (v5: YOLOv5/v7 decoded anchor heads), [1, {yoloxGrid}, 5+nc] (yolox), [1, K, 6] (end2end) and " +
                         $"[1, K, 4+nc] (rtdetr), K ≤ {MaxQueries}");
        }

        if (fitting.Contains(OutputLayout.EndToEnd) && fitting.Contains(OutputLayout.RtDetr))
        {
            if (hints.EndToEnd == true && !hints.RtDetr)
            {
                return new LayoutDecision(OutputLayout.EndToEnd, a, b, LayoutSource.ShapeAndMetadata);
            }

            if (hints.RtDetr)
            {
                return new LayoutDecision(OutputLayout.RtDetr, a, b, LayoutSource.ShapeAndMetadata);
            }

            throw Refuse($"it fits an end-to-end head (x1 y1 x2 y2 score class) and a two-class RT-DETR head alike, and no metadata decides; pass {Options()}");
        }

        if (fitting is [OutputLayout.RtDetr])
        {
            if (hints.RtDetr || (shape.Count == 3 && a == 300))
            {
                return new LayoutDecision(OutputLayout.RtDetr, a, b, hints.RtDetr ? LayoutSource.ShapeAndMetadata : LayoutSource.Shape);
            }

            throw Refuse($"only an RT-DETR/DETR head [1, K, 4+nc] could have this shape, but it is not the standard 300 queries with a batch dimension " +
                         "and no metadata names RT-DETR; pass --layout rtdetr if that is what it is");
        }

        if (fitting is [OutputLayout.Yolox] && hints.WarmupOutput is { } values && LooksDecoded(values, a, b, inputW, inputH))
        {
            // Boxes already decoded in the graph (YOLOv6, or YOLOX exported with decode_in_inference): cx cy w h in pixels,
            // objectness and class scores, which is what the v5 decoder reads.
            return new LayoutDecision(OutputLayout.YoloV5, a, b, LayoutSource.ShapeAndValues);
        }

        if (fitting.Count > 1)
        {
            throw Refuse($"it fits several layouts; pass one of {Options()}");
        }

        return new LayoutDecision(fitting[0], a, b, LayoutSource.Shape);
    }

    /// <summary>
    /// True when the first column of a [N, 5+nc] output reads as box centres in pixels rather than YOLOX's per-cell offsets:
    /// decoded centres follow the grid cell's position across the image (rank correlation with the cell x is high and they
    /// span much more than a few cells), raw offsets stay within a few units of zero.
    /// </summary>
    internal static bool LooksDecoded(float[] v, int rows, int cols, int inW, int inH)
    {
        if (v.Length < rows * cols || rows < 4)
        {
            return false;
        }

        double maxAbs = 0;
        for (int i = 0; i < rows; i++)
        {
            float cx = v[i * cols];
            if (float.IsFinite(cx))
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(cx));
            }
        }

        // A raw offset of more than 16 cells is not a regression any trained YOLOX head produces; decoded centres reach
        // across the input (at least half its width at stride 8's last column).
        return maxAbs > Math.Max(16, inW / 4.0);
    }
}
