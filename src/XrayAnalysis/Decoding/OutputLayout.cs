namespace XrayAnalysis.Decoding;

/// <summary>The detector output layouts found in the wild (see docs/ARCHITECTURE.md for the tensor shapes).</summary>
public enum OutputLayout
{
    /// <summary>Ultralytics YOLOv5u/v8/v9/v11/v12: [1, 4+nc, N], cx cy w h in input pixels, class scores, no objectness.</summary>
    UltralyticsV8,

    /// <summary>Original YOLOv5: [1, N, 5+nc], cx cy w h, objectness, class scores; score = obj × cls.</summary>
    YoloV5,

    /// <summary>End-to-end (YOLOv10, YOLO26, nms=True exports): [1, K, 6] x1 y1 x2 y2 score class; threshold only.</summary>
    EndToEnd,

    /// <summary>RT-DETR: [1, K, 4+nc] normalised cx cy w h and sigmoid scores; stretched input, no NMS.</summary>
    RtDetr,

    /// <summary>YOLOX: [1, N, 5+nc] raw grid regressions at strides 8/16/32; obj and cls already in 0–1.</summary>
    Yolox,
}

/// <summary>The short names of <see cref="OutputLayout"/> used by <c>--layout</c>, profiles and result JSON.</summary>
internal static class LayoutNames
{
    /// <summary>All short names, in <see cref="OutputLayout"/> order.</summary>
    public static IReadOnlyList<string> All { get; } = ["v8", "v5", "end2end", "rtdetr", "yolox"];

    /// <summary>The short name of a layout.</summary>
    public static string Of(OutputLayout l) => l switch
    {
        OutputLayout.UltralyticsV8 => "v8",
        OutputLayout.YoloV5 => "v5",
        OutputLayout.EndToEnd => "end2end",
        OutputLayout.RtDetr => "rtdetr",
        OutputLayout.Yolox => "yolox",
        _ => l.ToString(),
    };

    /// <summary>The tensor shape a layout accepts, for messages.</summary>
    public static string Shape(OutputLayout l) => l switch
    {
        OutputLayout.UltralyticsV8 => "[1, 4+nc, N]",
        OutputLayout.YoloV5 => "[1, 3N, 5+nc]",
        OutputLayout.EndToEnd => "[1, K, 6]",
        OutputLayout.RtDetr => "[1, K, 4+nc]",
        OutputLayout.Yolox => "[1, N, 5+nc]",
        _ => "?",
    };

    /// <summary>Parses a short name (also "ultralytics-v8", "yolov5", "e2e").</summary>
    public static OutputLayout Parse(string s) => s.Trim().ToLowerInvariant() switch
    {
        "v8" or "ultralytics-v8" or "ultralytics" => OutputLayout.UltralyticsV8,
        "v5" or "yolov5" => OutputLayout.YoloV5,
        "end2end" or "e2e" => OutputLayout.EndToEnd,
        "rtdetr" or "rt-detr" => OutputLayout.RtDetr,
        "yolox" => OutputLayout.Yolox,
        _ => throw new FormatException($"layout '{s}' is not one of {string.Join(", ", All)}"),
    };
}
