namespace XrayAnalysis.Decoding;

/// <summary>
/// Decides a model's <see cref="OutputLayout"/> from the concrete output shape (read from a warm-up run), with
/// metadata only as a hint for the one ambiguous shape, and the user's override above both.
/// </summary>
public static class LayoutResolver
{
    /// <summary>
    /// Anchor-point count of a one-anchor detection head at strides 8/16/32 for an input of <paramref name="w"/> × <paramref name="h"/>
    /// (8400 at 640 × 640). Ultralytics v8 heads use ceil; YOLOX uses floor; for multiples of 32 they agree.
    /// </summary>
    public static int GridPoints(int w, int h)
    {
        int n = 0;
        foreach (int s in (ReadOnlySpan<int>)[8, 16, 32])
        {
            n += ((w + s - 1) / s) * ((h + s - 1) / s);
        }

        return n;
    }

    /// <summary>
    /// Resolves the layout. <paramref name="shape"/> is the output shape with its batch dimension (rank 3), or without (rank 2).
    /// Throws <see cref="XrayAnalysisException"/> naming the tensor and shape when the layout cannot be told.
    /// </summary>
    public static (OutputLayout Layout, int Rows, int Cols) Resolve(
        string outputName,
        IReadOnlyList<long> shape,
        int inputW,
        int inputH,
        OutputLayout? overrideLayout,
        bool? end2endHint)
    {
        ArgumentNullException.ThrowIfNull(shape);
        string shapeText = "[" + string.Join(", ", shape) + "]";
        if (shape.Count is not (2 or 3) || (shape.Count == 3 && shape[0] < 1))
        {
            throw Unknown($"expected rank 3 [batch, a, b] or rank 2 [a, b], found rank {shape.Count}");
        }

        int a = checked((int)shape[^2]);
        int b = checked((int)shape[^1]);
        int grid = GridPoints(inputW, inputH);
        if (overrideLayout is { } forced)
        {
            Check(forced, a, b);
            return (forced, a, b);
        }

        if (b == 6 && end2endHint != false && a != grid && a != 3 * grid)
        {
            return (OutputLayout.EndToEnd, a, b);
        }

        // Channels-first with one column per anchor point: few rows (4 + nc), many columns.
        if (a >= 5 && (b == grid || (b > a && b >= 1000)))
        {
            return (OutputLayout.UltralyticsV8, a, b);
        }

        if (b >= 6 && a == 3 * grid)
        {
            return (OutputLayout.YoloV5, a, b);
        }

        if (b >= 6 && a == grid)
        {
            return (OutputLayout.Yolox, a, b);
        }

        if (b >= 5 && a <= 1000)
        {
            return (OutputLayout.RtDetr, a, b);
        }

        throw Unknown($"no known layout has this shape for a {inputW}x{inputH} input (grid points {grid}); expected " +
            $"[1, 4+nc, {grid}] (Ultralytics v8), [1, {3 * grid}, 5+nc] (YOLOv5), [1, {grid}, 5+nc] (YOLOX), [1, K, 6] (end-to-end) " +
            "or [1, K, 4+nc] (RT-DETR); pass --layout to choose");

        void Check(OutputLayout l, int rows, int cols)
        {
            bool ok = l switch
            {
                OutputLayout.UltralyticsV8 => rows >= 5,
                OutputLayout.EndToEnd => cols == 6,
                OutputLayout.Yolox => cols >= 6 && rows == grid,
                OutputLayout.YoloV5 => cols >= 6,
                OutputLayout.RtDetr => cols >= 5,
                _ => false,
            };
            if (!ok)
            {
                throw Unknown($"the requested layout {l} does not fit this shape");
            }
        }

        XrayAnalysisException Unknown(string why) =>
            new($"cannot decode output '{outputName}' with shape {shapeText}: {why}");
    }
}
