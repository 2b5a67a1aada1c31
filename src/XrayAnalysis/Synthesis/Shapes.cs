using OpenCvSharp;

namespace XrayAnalysis.Synthesis;

/// <summary>Thickness patches (CV_32F, cm per pixel) for scene objects. The caller disposes each patch.</summary>
internal static class Shapes
{
    /// <summary>A rotated slab of uniform thickness, optionally with softened edges (taped or rounded blocks).</summary>
    public static Mat Box(int w, int h, double angleDeg, double thickCm, double edgePx = 0)
    {
        var rr = new RotatedRect(new Point2f(0, 0), new Size2f(w, h), (float)angleDeg);
        Rect br = rr.BoundingRect();
        var patch = new Mat(br.Height + 2, br.Width + 2, MatType.CV_32FC1, Scalar.All(0));
        Point2f[] pts = rr.Points();
        Point[] poly = pts.Select(p => new Point((int)Math.Round(p.X - br.X + 1), (int)Math.Round(p.Y - br.Y + 1))).ToArray();
        Cv2.FillConvexPoly(patch, poly, Scalar.All(thickCm), LineTypes.Link8);
        return edgePx > 0 ? Soften(patch, thickCm, edgePx) : patch;
    }

    /// <summary>Side of the square patch <see cref="Ellipse"/> returns for a w × h ellipse (the ellipse sits at its centre).</summary>
    public static int EllipseSide(int w, int h) => (int)Math.Ceiling(Math.Sqrt((w * w) + (h * h))) + 2;

    /// <summary>A rotated ellipse; rounded ones thin towards the rim like a soft packet or a bottle.</summary>
    public static Mat Ellipse(int w, int h, double angleDeg, double thickCm, bool rounded)
    {
        int s = EllipseSide(w, h);
        var patch = new Mat(s, s, MatType.CV_32FC1, Scalar.All(0));
        Cv2.Ellipse(patch, new RotatedRect(new Point2f(s / 2f, s / 2f), new Size2f(w, h), (float)angleDeg), Scalar.All(thickCm), -1, LineTypes.Link8);
        return rounded ? Soften(patch, thickCm, Math.Min(w, h) * 0.45) : patch;
    }

    /// <summary>A hollow rectangle: walls of a carton, suitcase shell or container.</summary>
    public static Mat Frame(int w, int h, int wallPx, double thickCm)
    {
        var patch = new Mat(h, w, MatType.CV_32FC1, Scalar.All(thickCm));
        using var inner = new Mat(patch, new Rect(wallPx, wallPx, Math.Max(1, w - (2 * wallPx)), Math.Max(1, h - (2 * wallPx))));
        inner.SetTo(Scalar.All(thickCm * 0.08));
        return patch;
    }

    /// <summary>A polyline (cable, wire, rail) of the given width in pixels.</summary>
    public static Mat Line(Point[] pts, int widthPx, double thickCm, out Point origin)
    {
        Rect b = Cv2.BoundingRect(pts);
        int pad = widthPx + 2;
        var o = new Point(b.X - pad, b.Y - pad);
        origin = o;
        var patch = new Mat(b.Height + (2 * pad), b.Width + (2 * pad), MatType.CV_32FC1, Scalar.All(0));
        Point[] local = pts.Select(p => new Point(p.X - o.X, p.Y - o.Y)).ToArray();
        Cv2.Polylines(patch, [local], false, Scalar.All(thickCm), widthPx, LineTypes.Link8);
        return patch;
    }

    /// <summary>Many small discs inside an ellipse: a bag of tablets or a jar of pills.</summary>
    public static Mat Tablets(int w, int h, int count, int radiusPx, double thickCm, SplitMix rng)
    {
        var patch = new Mat(h, w, MatType.CV_32FC1, Scalar.All(0));
        for (int i = 0; i < count; i++)
        {
            double a = rng.Range(0, 2 * Math.PI);
            double r = Math.Sqrt(rng.Next());
            int x = (int)((w / 2.0) + (Math.Cos(a) * r * ((w / 2.0) - radiusPx)));
            int y = (int)((h / 2.0) + (Math.Sin(a) * r * ((h / 2.0) - radiusPx)));
            using var disc = new Mat(patch, new Rect(Math.Clamp(x - radiusPx, 0, w - (2 * radiusPx) - 1), Math.Clamp(y - radiusPx, 0, h - (2 * radiusPx) - 1), (2 * radiusPx) + 1, (2 * radiusPx) + 1));
            using var one = new Mat(disc.Size(), MatType.CV_32FC1, Scalar.All(0));
            Cv2.Circle(one, new Point(radiusPx, radiusPx), radiusPx, Scalar.All(thickCm), -1, LineTypes.Link8);
            Cv2.Add(disc, one, disc);
        }

        return patch;
    }

    /// <summary>
    /// An irregular rounded outline (a soft packet, a pellet, a lump of resin): a polygon whose radius wanders by up to
    /// <paramref name="irregularity"/> of the mean with a smooth random profile, thinning towards the rim.
    /// </summary>
    public static Mat Blob(int w, int h, double angleDeg, double thickCm, double irregularity, SplitMix rng)
    {
        int s = (int)Math.Ceiling(Math.Sqrt((w * w) + (h * h)) * (1 + irregularity)) + 4;
        var patch = new Mat(s, s, MatType.CV_32FC1, Scalar.All(0));
        const int n = 28;
        double p1 = rng.Range(0, 2 * Math.PI), p2 = rng.Range(0, 2 * Math.PI), p3 = rng.Range(0, 2 * Math.PI);
        double a1 = rng.Range(0.3, 1), a2 = rng.Range(0.2, 0.7), a3 = rng.Range(0.1, 0.4);
        double norm = a1 + a2 + a3;
        double rot = angleDeg * Math.PI / 180;
        var pts = new Point[n];
        for (int i = 0; i < n; i++)
        {
            double t = 2 * Math.PI * i / n;
            double wobble = 1 + (irregularity * ((a1 * Math.Sin((2 * t) + p1)) + (a2 * Math.Sin((3 * t) + p2)) + (a3 * Math.Sin((5 * t) + p3))) / norm);
            double ex = Math.Cos(t) * w / 2.0 * wobble, ey = Math.Sin(t) * h / 2.0 * wobble;
            pts[i] = new Point((int)Math.Round((s / 2.0) + (ex * Math.Cos(rot)) - (ey * Math.Sin(rot))), (int)Math.Round((s / 2.0) + (ex * Math.Sin(rot)) + (ey * Math.Cos(rot))));
        }

        Cv2.FillPoly(patch, [pts], Scalar.All(thickCm), LineTypes.Link8);
        return Soften(patch, thickCm, Math.Max(1, Math.Min(w, h) * 0.3));
    }

    /// <summary>
    /// Powder grain and uneven compression: multiplies the thickness inside the patch by 1 + <paramref name="amplitude"/>·n,
    /// where n is Gaussian noise smoothed over <paramref name="scalePx"/> pixels plus a fine grain. Thickness stays ≥ 0.
    /// </summary>
    public static void Texture(Mat patch, double amplitude, double scalePx, SplitMix rng)
    {
        using var noise = new Mat(patch.Rows, patch.Cols, MatType.CV_32FC1);
        new RNG(rng.SubSeed()).Fill(noise, DistributionType.Normal, Scalar.All(0), Scalar.All(1));
        using var coarse = new Mat();
        Cv2.GaussianBlur(noise, coarse, new Size(0, 0), Math.Max(0.8, scalePx));
        Cv2.Normalize(coarse, coarse, 1, 0, NormTypes.INF);
        using var fine = new Mat();
        Cv2.GaussianBlur(noise, fine, new Size(0, 0), 0.7);
        Cv2.AddWeighted(coarse, amplitude, fine, amplitude * 0.25, 1.0, coarse);
        Cv2.Max(coarse, Scalar.All(0.05), coarse);
        Cv2.Multiply(patch, coarse, patch);
    }

    /// <summary>Air gaps and voids: a few ellipses inside the patch where the material is thinner by 30–80 %.</summary>
    public static void Gaps(Mat patch, int count, double sizePx, SplitMix rng)
    {
        using var factor = new Mat(patch.Rows, patch.Cols, MatType.CV_32FC1, Scalar.All(1));
        for (int i = 0; i < count; i++)
        {
            var centre = new Point2f((float)rng.Range(0, patch.Cols), (float)rng.Range(0, patch.Rows));
            var size = new Size2f((float)(sizePx * rng.Range(0.4, 1.6)), (float)(sizePx * rng.Range(0.3, 1.0)));
            Cv2.Ellipse(factor, new RotatedRect(centre, size, (float)rng.Range(0, 180)), Scalar.All(rng.Range(0.2, 0.7)), -1, LineTypes.Link8);
        }

        Cv2.GaussianBlur(factor, factor, new Size(0, 0), 1.0);
        Cv2.Multiply(patch, factor, patch);
    }

    /// <summary>Parallel folds or layers (clothing, book pages, chocolate segments): thickness × (1 + a·sin) across the patch.</summary>
    public static void Stripes(Mat patch, double periodPx, double amplitude, double angleDeg, SplitMix rng)
    {
        double phase = rng.Range(0, 2 * Math.PI), rot = angleDeg * Math.PI / 180, c = Math.Cos(rot), s = Math.Sin(rot);
        int w = patch.Cols, rows = patch.Rows;
        var values = new float[rows * w];
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < w; x++)
            {
                values[(y * w) + x] = (float)(1 + (amplitude * Math.Sin((((x * c) + (y * s)) * 2 * Math.PI / Math.Max(2, periodPx)) + phase)));
            }
        }

        using var factor = Mat.FromPixelData(rows, w, MatType.CV_32FC1, values);
        Cv2.Multiply(patch, factor, patch);
    }

    /// <summary>Multiplies thickness by a ramp that rises from 0 at the edge to 1 at <paramref name="edgePx"/> inside.</summary>
    private static Mat Soften(Mat patch, double thickCm, double edgePx)
    {
        using var mask = new Mat();
        Cv2.Compare(patch, Scalar.All(0), mask, CmpTypes.GT);
        using var dist = new Mat();
        Cv2.DistanceTransform(mask, dist, DistanceTypes.L2, DistanceTransformMasks.Mask3);
        using var ramp = new Mat();
        dist.ConvertTo(ramp, MatType.CV_32F, 1.0 / Math.Max(1, edgePx));
        Cv2.Min(ramp, Scalar.All(1.0), ramp);
        Cv2.Sqrt(ramp, ramp);
        var result = new Mat();
        Cv2.Multiply(ramp, Scalar.All(thickCm), result);
        using (mask)
        using (var outside = new Mat())
        {
            // An explicit Mat, not the expression ~mask: a temporary expression can be finalised while OpenCV reads it.
            Cv2.BitwiseNot(mask, outside);
            result.SetTo(Scalar.All(0), outside);
        }

        patch.Dispose();
        return result;
    }
}
