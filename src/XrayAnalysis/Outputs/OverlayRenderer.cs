using System.Globalization;
using OpenCvSharp;

namespace XrayAnalysis.Outputs;

/// <summary>
/// Draws an <see cref="OverlayLayout"/>: alarms as a strong outline in the class colour over a black edge with a label
/// tab, suggestions as a thin dashed outline without a tab; interiors untouched, so the officer sees what is under a
/// box. Colours are chosen to stand out on white-background grey and on orange/green/blue pseudo-colour scans. The same
/// plan draws the burned-in overlay (with a legend strip below the scan) and the transparent layer (scan-sized, BGRA).
/// </summary>
internal static class OverlayRenderer
{
    // BGR. Magenta, cyan, yellow first: rare in pseudo-colour renders and visible on white.
    private static readonly Scalar[] Palette =
    [
        new(255, 0, 255), new(255, 255, 0), new(0, 230, 255), new(0, 0, 255), new(0, 255, 0),
        new(255, 128, 0), new(128, 0, 255), new(0, 128, 255),
    ];

    /// <summary>The colour used for a class (BGR).</summary>
    public static Scalar ColourOf(int classId) => Palette[((classId % Palette.Length) + Palette.Length) % Palette.Length];

    /// <summary>Draws every detection as an alarm onto <paramref name="bgr"/> in place, without a legend (volume montages).</summary>
    internal static void Draw(Mat bgr, IReadOnlyList<DetectionRecord> detections) =>
        Draw(bgr, OverlayLayout.Plan(bgr.Cols, bgr.Rows, detections, 0, "all", OverlayStyle.Default with { Legend = false }), [], opaque: false);

    /// <summary>The burned-in overlay: the scan with the plan drawn on it and, when asked for, the legend strip below.</summary>
    internal static Mat Burned(Mat rendered, ScanResult result, OverlayStyle style)
    {
        (double threshold, string source) = style.ThresholdFor(result);
        OverlayLayout layout = OverlayLayout.Plan(rendered.Cols, rendered.Rows, result.Detections, threshold, source, style);
        using Mat canvas = rendered.Clone();
        Draw(canvas, layout, result.ShieldRegions ?? [], opaque: false);
        if (!style.Legend)
        {
            return canvas.Clone();
        }

        List<string> lines = LegendLines(layout, result, style, out double scale);
        int lineHeight = Cv2.GetTextSize("Ag", HersheyFonts.HersheySimplex, scale, layout.FontThickness, out int baseline).Height + baseline + 6;
        var full = new Mat(rendered.Rows + (lines.Count * lineHeight) + 6, rendered.Cols, MatType.CV_8UC3, new Scalar(32, 32, 32));
        using (var top = new Mat(full, new Rect(0, 0, rendered.Cols, rendered.Rows)))
        {
            canvas.CopyTo(top);
        }

        for (int i = 0; i < lines.Count; i++)
        {
            Cv2.PutText(full, lines[i], new Point(4, rendered.Rows + 4 + ((i + 1) * lineHeight) - 6), HersheyFonts.HersheySimplex, scale,
                Scalar.White, layout.FontThickness, LineTypes.AntiAlias);
        }

        return full;
    }

    /// <summary>The transparent layer: scan-sized BGRA, only the outlines and tabs opaque, for a workstation to toggle over its own rendering.</summary>
    internal static Mat Layer(int width, int height, ScanResult result, OverlayStyle style)
    {
        (double threshold, string source) = style.ThresholdFor(result);
        OverlayLayout layout = OverlayLayout.Plan(width, height, result.Detections, threshold, source, style);
        var layer = new Mat(height, width, MatType.CV_8UC4, Scalar.All(0));
        Draw(layer, layout, result.ShieldRegions ?? [], opaque: true);
        return layer;
    }

    /// <summary>
    /// The legend text, wrapped to the picture's width at <paramref name="scale"/>: the label font, made smaller on a
    /// narrow scan until its longest word fits (a word still too wide is shortened).
    /// </summary>
    internal static List<string> LegendLines(OverlayLayout layout, ScanResult result, OverlayStyle style, out double scale)
    {
        int alarms = layout.Boxes.Count(b => b.Tier == OverlayTier.Alarm), suggestions = layout.Boxes.Count - alarms;
        var text = new List<string>();
        if (result.ShieldRegions is { Count: > 0 })
        {
            long area = result.ShieldRegions.Sum(r => r.AreaPixels);
            text.Add($"UNABLE TO CLEAR: {result.ShieldRegions.Count} region{(result.ShieldRegions.Count == 1 ? "" : "s")} too dense for the beam ({area.ToString(CultureInfo.InvariantCulture)} px, hatched);");
        }

        text.AddRange(
        [
            $"{result.Model.Name}: alarm >= {layout.Threshold.ToString("0.####", CultureInfo.InvariantCulture)} ({layout.ThresholdSource});",
            $"{alarms} alarm{(alarms == 1 ? "" : "s")},",
            style.Suggestions ? $"{suggestions} suggestion{(suggestions == 1 ? "" : "s")} >= {style.DisplayFloor.ToString("0.##", CultureInfo.InvariantCulture)} (dashed)" : "suggestions hidden",
        ]);
        var labelled = layout.Labels.Where(l => !l.NumberOnly).Select(l => l.Box.Number).ToHashSet();
        text.AddRange(layout.Boxes.Where(b => b.Tier == OverlayTier.Alarm && !labelled.Contains(b.Number))
            .Select(b => $"| #{b.Number} {b.Detection.ClassName} {b.Detection.Score.ToString("0.00", CultureInfo.InvariantCulture)}"));
        List<string> words = text.SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

        int room = layout.Width - 8;
        double s = layout.FontScale;
        int Width(string t, double sc) => Cv2.GetTextSize(t, HersheyFonts.HersheySimplex, sc, layout.FontThickness, out _).Width;
        while (s > 0.3 && words.Any(w => Width(w, s) > room))
        {
            s -= 0.05;
        }

        scale = s;
        var lines = new List<string>();
        string current = "";
        foreach (string word in words)
        {
            string w = word;
            while (w.Length > 2 && Width(w, s) > room)
            {
                w = w[..^3] + "..";
            }

            string next = current.Length == 0 ? w : current + " " + w;
            if (current.Length > 0 && Width(next, s) > room)
            {
                lines.Add(current);
                current = w;
            }
            else
            {
                current = next;
            }
        }

        if (current.Length > 0)
        {
            lines.Add(current);
        }

        return lines;
    }

    /// <summary>Colour of shield ("unable to clear") regions: magenta, used by no class.</summary>
    internal static readonly Scalar ShieldColour = new(255, 0, 255);

    private static void Draw(Mat canvas, OverlayLayout layout, IReadOnlyList<ShieldRegion> shields, bool opaque)
    {
        Scalar Opaque(Scalar c) => opaque ? new Scalar(c.Val0, c.Val1, c.Val2, 255) : c;
        int thin = Math.Max(1, layout.Thickness / 2);

        // Shield regions under everything: their outline (the box when none was traced) and diagonal hatching inside it
        // (nothing can be seen there anyway).
        foreach (ShieldRegion r in shields)
        {
            var box = new Rect(r.X, r.Y, Math.Max(1, r.Width), Math.Max(1, r.Height)).Intersect(new Rect(0, 0, canvas.Cols, canvas.Rows));
            if (box.Width <= 0 || box.Height <= 0)
            {
                continue;
            }

            Point[] poly = r.Outline.Count >= 3
                ? r.Outline.Select(p => new Point(p[0] - box.X, p[1] - box.Y)).ToArray()
                : [new Point(0, 0), new Point(box.Width - 1, 0), new Point(box.Width - 1, box.Height - 1), new Point(0, box.Height - 1)];
            using var inside = new Mat(canvas, box);
            using var hatch = inside.Clone();
            int step = (6 * thin) + 8;
            for (int k = step; k < box.Width + box.Height; k += step)
            {
                Cv2.Line(hatch, new Point(k, 0), new Point(k - box.Height, box.Height), Opaque(ShieldColour), thin, LineTypes.Link8);
            }

            using (var mask = new Mat(box.Height, box.Width, MatType.CV_8UC1, Scalar.All(0)))
            {
                Cv2.FillPoly(mask, [poly], Scalar.All(255));
                Point[][] holes = r.Holes.Where(h => h.Count >= 3).Select(h => h.Select(p => new Point(p[0] - box.X, p[1] - box.Y)).ToArray()).ToArray();
                if (holes.Length > 0)
                {
                    Cv2.FillPoly(mask, holes, Scalar.All(0));
                }
                hatch.CopyTo(inside, mask);
            }

            Cv2.Polylines(inside, [poly], true, Opaque(Scalar.Black), layout.Thickness + 2, LineTypes.Link8);
            Cv2.Polylines(inside, [poly], true, Opaque(ShieldColour), layout.Thickness, LineTypes.Link8);
        }

        // Suggestions first, so that alarms are drawn over them.
        foreach (OverlayBox b in layout.Boxes.AsEnumerable().Reverse())
        {
            DetectionRecord d = b.Detection;
            var p1 = new Point((int)Math.Floor(d.X1), (int)Math.Floor(d.Y1));
            var p2 = new Point((int)Math.Ceiling(d.X2) - 1, (int)Math.Ceiling(d.Y2) - 1);
            Scalar colour = Opaque(ColourOf(d.ClassId));
            if (b.Tier == OverlayTier.Alarm)
            {
                Cv2.Rectangle(canvas, p1, p2, Opaque(Scalar.Black), layout.Thickness + 2, LineTypes.Link8);
                Cv2.Rectangle(canvas, p1, p2, colour, layout.Thickness, LineTypes.Link8);
            }
            else
            {
                DashedRectangle(canvas, p1, p2, colour, thin, dash: (4 * thin) + 4);
            }
        }

        foreach (OverlayLabel l in layout.Labels)
        {
            Scalar colour = Opaque(ColourOf(l.Box.Detection.ClassId));
            layout.TabSize(l.Text, out int baseline);
            Cv2.Rectangle(canvas, l.Tab, colour, -1);
            Cv2.Rectangle(canvas, l.Tab, Opaque(Scalar.Black), 1);
            Cv2.PutText(canvas, l.Text, new Point(l.Tab.X + 3, l.Tab.Bottom - baseline - 2), HersheyFonts.HersheySimplex, layout.FontScale,
                Opaque(Scalar.Black), layout.FontThickness, LineTypes.AntiAlias);
        }
    }

    private static void DashedRectangle(Mat canvas, Point p1, Point p2, Scalar colour, int thickness, int dash)
    {
        void Line(Point a, Point b)
        {
            double length = Math.Sqrt(((b.X - a.X) * (b.X - a.X)) + ((b.Y - a.Y) * (b.Y - a.Y)));
            for (double s = 0; s < length; s += 2 * dash)
            {
                double e = Math.Min(length, s + dash);
                var from = new Point(a.X + ((b.X - a.X) * s / length), a.Y + ((b.Y - a.Y) * s / length));
                var to = new Point(a.X + ((b.X - a.X) * e / length), a.Y + ((b.Y - a.Y) * e / length));
                Cv2.Line(canvas, from, to, colour, thickness, LineTypes.Link8);
            }
        }

        Line(p1, new Point(p2.X, p1.Y));
        Line(new Point(p2.X, p1.Y), p2);
        Line(p2, new Point(p1.X, p2.Y));
        Line(new Point(p1.X, p2.Y), p1);
    }
}
