using OpenCvSharp;
using XrayAnalysis.Loading;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Screening;

/// <summary>
/// Finds shield regions (<see cref="ShieldOptions"/>) in a decoded scan, before its raw pixels are released: threshold
/// the transmission (or, for 8-bit colour renders, the brightest channel), close one-pixel gaps that photon noise opens,
/// drop bands thinner than the minimum thickness (an opening), and keep 8-connected components of at least the minimum
/// area. Scans over 16 megapixels are checked on an area-averaged copy reduced by a whole factor (a saturated block
/// stays saturated on average), boxes scaled back.
/// </summary>
internal static class ShieldDetector
{
    private const long FullResolutionLimit = 16_000_000;

    /// <summary>
    /// The shield regions of <paramref name="scan"/>, largest first; or, with no regions, why the check does not apply:
    /// a projection has air (bright) around the object, so when most of the scan's border reads as shielded the picture
    /// is not a transmission image (a CT slice, where air is dark, or an inverted display).
    /// </summary>
    public static (List<ShieldRegion>? Regions, string? NotApplicable) Find(Scan scan, ShieldOptions options)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(options);
        Mat src = scan.Image;
        int cols = src.Cols, rows = src.Rows;
        int factor = 1;
        while ((long)(cols / factor) * (rows / factor) > FullResolutionLimit)
        {
            factor++;
        }

        using var small = new Mat();
        Mat work = src;
        if (factor > 1)
        {
            Cv2.Resize(src, small, new Size(cols / factor, rows / factor), 0, 0, InterpolationFlags.Area);
            work = small;
        }

        using var mask = new Mat();
        if (work.Channels() == 3 && work.Depth() == MatType.CV_8U)
        {
            int t = options.MaxRenderedBrightness;
            Cv2.InRange(work, new Scalar(0, 0, 0), new Scalar(t, t, t), mask);
        }
        else
        {
            using Mat grey = work.Channels() == 1 ? new Mat(work, new Rect(0, 0, work.Cols, work.Rows)) : Preprocessing.Channels.Extreme(work, max: true); // the darkest reading is the brightest channel's
            double air = ScanRenderer.PercentileWindow(grey, 0.5, 99.9).High;
            double limit = options.MaxTransmission * air;
            double lowest = grey.Depth() == MatType.CV_32F || grey.Depth() == MatType.CV_64F ? double.MinValue : 0;
            Cv2.InRange(grey, new Scalar(lowest), new Scalar(limit), mask);
        }

        double border = BorderShare(mask);
        if (border > 0.5)
        {
            return (null, $"shield check not applicable: {border:P0} of the scan's border is as dark as a shield (a CT slice or an inverted image, not a transmission projection), so dense regions were not looked for");
        }

        using (Mat kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3)))
        {
            Cv2.MorphologyEx(mask, mask, MorphTypes.Close, kernel);
        }

        // A band thinner than the thinnest threat hides nothing: open with a square of that side (in working pixels).
        int side = (int)Math.Round(options.MinThicknessPixels / (double)factor);
        if (side > 1)
        {
            // Erode onto the square's top-left corner, dilate back from its bottom-right: an exact opening for even sides
            // too (a centred anchor shifts an even square by one pixel).
            using Mat square = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(side, side));
            Cv2.Erode(mask, mask, square, new Point(0, 0), 1, BorderTypes.Constant, Scalar.All(0));
            Cv2.Dilate(mask, mask, square, new Point(side - 1, side - 1), 1, BorderTypes.Constant, Scalar.All(0));
        }

        var regions = new List<ShieldRegion>();
        long scale2 = (long)factor * factor;

        // No component can reach the minimum area when all the dense pixels together do not: the labelling (the costly
        // part, ~2 ms on a 1024 x 768 scan) is then skipped. Most bags hold a few hundred such pixels at most.
        if (Cv2.CountNonZero(mask) * scale2 < options.MinAreaPixels)
        {
            return (regions, null);
        }

        using var labels = new Mat();
        using var stats = new Mat();
        using var centroids = new Mat();
        int n = Cv2.ConnectedComponentsWithStats(mask, labels, stats, centroids, PixelConnectivity.Connectivity8);
        for (int i = 1; i < n; i++)
        {
            long area = stats.At<int>(i, (int)ConnectedComponentsTypes.Area) * scale2;
            if (area < options.MinAreaPixels)
            {
                continue;
            }

            int x = stats.At<int>(i, (int)ConnectedComponentsTypes.Left) * factor;
            int y = stats.At<int>(i, (int)ConnectedComponentsTypes.Top) * factor;
            int w = Math.Min(cols - x, stats.At<int>(i, (int)ConnectedComponentsTypes.Width) * factor);
            int h = Math.Min(rows - y, stats.At<int>(i, (int)ConnectedComponentsTypes.Height) * factor);
            (int[][] outline, int[][][] holes) = Trace(labels, i, stats, factor, cols, rows);
            regions.Add(new ShieldRegion(x, y, w, h, area) { Outline = outline, Holes = holes });
        }

        regions.Sort((a, b) => b.AreaPixels.CompareTo(a.AreaPixels));
        return (regions, null);
    }

    /// <summary>The outer boundary and holes of component <paramref name="label"/>, simplified, in full-scan pixels.</summary>
    private static (int[][] Outline, int[][][] Holes) Trace(Mat labels, int label, Mat stats, int factor, int cols, int rows)
    {
        var box = new Rect(stats.At<int>(label, (int)ConnectedComponentsTypes.Left), stats.At<int>(label, (int)ConnectedComponentsTypes.Top),
            stats.At<int>(label, (int)ConnectedComponentsTypes.Width), stats.At<int>(label, (int)ConnectedComponentsTypes.Height));
        using var roi = new Mat(labels, box);
        using var mine = new Mat();
        Cv2.Compare(roi, new Scalar(label), mine, CmpTypes.EQ);
        Cv2.FindContours(mine, out Point[][] contours, out HierarchyIndex[] tree, RetrievalModes.CComp, ContourApproximationModes.ApproxSimple);
        if (contours.Length == 0)
        {
            return ([], []);
        }

        int outer = Enumerable.Range(0, contours.Length).Where(k => tree[k].Parent < 0).MaxBy(k => Cv2.ContourArea(contours[k]));
        var holes = new List<Point[]>();
        for (int c = tree[outer].Child; c >= 0; c = tree[c].Next)
        {
            holes.Add(contours[c]);
        }

        int[][] Scale(Point[] poly) => poly.Select(p => new[] { Math.Min(cols - 1, (p.X + box.X) * factor), Math.Min(rows - 1, (p.Y + box.Y) * factor) }).ToArray();
        return (Scale(Simplify(contours[outer])), holes.OrderByDescending(h => Cv2.ContourArea(h)).Take(50).Select(h => Scale(Simplify(h))).Where(h => h.Length >= 3).ToArray());
    }

    /// <summary>A closed contour within about 0.2 % of its perimeter, with at most 200 points.</summary>
    private static Point[] Simplify(Point[] contour)
    {
        double eps = Math.Max(0.5, Cv2.ArcLength(contour, true) * 0.002);
        Point[] poly = Cv2.ApproxPolyDP(contour, eps, true);
        while (poly.Length > 200)
        {
            eps *= 1.5;
            poly = Cv2.ApproxPolyDP(contour, eps, true);
        }

        return poly;
    }

    /// <summary>Share of the outermost frame (2 % of each side, at least one pixel) that is set in <paramref name="mask"/>.</summary>
    private static double BorderShare(Mat mask)
    {
        int w = mask.Cols, h = mask.Rows;
        int bx = Math.Max(1, w / 50), by = Math.Max(1, h / 50);
        if (2 * bx >= w || 2 * by >= h)
        {
            return Cv2.CountNonZero(mask) / (double)((long)w * h);
        }

        long set = 0, all = 0;
        foreach (Rect r in new[] { new Rect(0, 0, w, by), new Rect(0, h - by, w, by), new Rect(0, by, bx, h - (2 * by)), new Rect(w - bx, by, bx, h - (2 * by)) })
        {
            using var part = new Mat(mask, r);
            set += Cv2.CountNonZero(part);
            all += (long)r.Width * r.Height;
        }

        return set / (double)all;
    }
}
