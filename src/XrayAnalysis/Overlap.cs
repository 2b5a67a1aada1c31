using System.Numerics;
using XrayAnalysis.Merging;

namespace XrayAnalysis;

/// <summary>
/// The one box-overlap rule of the library (no +1 pixel convention, as in pycocotools and Ultralytics), for float
/// boxes (NMS, tile merging, slice linking) and double boxes (screening). COCO evaluation keeps its own loop only
/// because pycocotools' crowd rule divides by the detection's area; its non-crowd case is this rule.
/// </summary>
internal static class Overlap
{
    /// <summary>Intersection area of two corner boxes (x1, y1, x2, y2); 0 when they do not overlap or an edge is NaN.</summary>
    public static T Intersection<T>(T ax1, T ay1, T ax2, T ay2, T bx1, T by1, T bx2, T by2)
        where T : IFloatingPoint<T>
    {
        T iw = T.Min(ax2, bx2) - T.Max(ax1, bx1);
        T ih = T.Min(ay2, by2) - T.Max(ay1, by1);
        return iw > T.Zero && ih > T.Zero ? iw * ih : T.Zero; // a NaN edge overlaps nothing
    }

    /// <summary>Intersection over union, or over the smaller area, from the intersection and the two areas; 0 when undefined.</summary>
    public static T Ratio<T>(T intersection, T areaA, T areaB, MatchMetric metric)
        where T : IFloatingPoint<T>
    {
        if (!(intersection > T.Zero))
        {
            return T.Zero;
        }

        T denominator = metric == MatchMetric.Ios ? T.Min(areaA, areaB) : areaA + areaB - intersection;
        return denominator > T.Zero ? intersection / denominator : T.Zero;
    }

    /// <summary>IoU or IoS of two detections.</summary>
    public static float Of(in Detection a, in Detection b, MatchMetric metric = MatchMetric.Iou) =>
        Ratio(Intersection(a.X1, a.Y1, a.X2, a.Y2, b.X1, b.Y1, b.X2, b.Y2), a.Area, b.Area, metric);

    /// <summary>IoU of two COCO boxes [x, y, width, height].</summary>
    public static double IoUXywh(double[] a, double[] b) =>
        Ratio(Intersection(a[0], a[1], a[0] + a[2], a[1] + a[3], b[0], b[1], b[0] + b[2], b[1] + b[3]), a[2] * a[3], b[2] * b[3], MatchMetric.Iou);
}
