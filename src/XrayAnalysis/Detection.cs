namespace XrayAnalysis;

/// <summary>
/// One detected region: an axis-aligned box in original-image pixels (float, x2/y2 exclusive edges as in COCO/Ultralytics),
/// the class index into the model's class list, and the confidence score.
/// </summary>
internal readonly record struct Detection(int ClassId, float Score, float X1, float Y1, float X2, float Y2)
{
    /// <summary>Box width in pixels (never negative).</summary>
    public float Width => MathF.Max(0, X2 - X1);

    /// <summary>Box height in pixels (never negative).</summary>
    public float Height => MathF.Max(0, Y2 - Y1);

    /// <summary>Box area in square pixels.</summary>
    public float Area => Width * Height;

    /// <summary>Intersection over union of two boxes (no +1 pixel convention, as in pycocotools and Ultralytics).</summary>
    public static float IoU(in Detection a, in Detection b) => Overlap.Of(a, b);
}
