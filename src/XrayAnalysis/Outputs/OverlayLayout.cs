using System.Globalization;
using OpenCvSharp;

namespace XrayAnalysis.Outputs;

/// <summary>How a box is drawn.</summary>
internal enum OverlayTier
{
    /// <summary>At or above the alarm threshold.</summary>
    Alarm,

    /// <summary>Between the display floor and the alarm threshold.</summary>
    Suggestion,
}

/// <summary>A box to draw, with its tier and its number in the legend (1-based, alarms first, best first).</summary>
internal sealed record OverlayBox(DetectionRecord Detection, OverlayTier Tier, int Number);

/// <summary>A label tab: where it goes (always inside the image), its text, and the box it belongs to.</summary>
internal sealed record OverlayLabel(Rect Tab, string Text, OverlayBox Box, bool NumberOnly);

/// <summary>
/// Decides what an overlay shows before anything is drawn: tiers, sizes scaled to the image, and label tabs placed so
/// that no two overlap and none leaves the image. A label tries, in order: above the box, below it, inside its top,
/// the right-hand variants, then stacked further above or below; when the full label fits nowhere, a tab with only the
/// box's number is tried the same way; a box whose number fits nowhere either is listed in the legend only.
/// </summary>
internal sealed class OverlayLayout
{
    private OverlayLayout(int width, int height)
    {
        Width = width;
        Height = height;
        int shorter = Math.Min(width, height);
        Thickness = Math.Max(2, (int)Math.Round(shorter / 400.0));
        FontScale = Math.Clamp(shorter / 1100.0, 0.4, 1.6);
        FontThickness = Math.Max(1, (int)Math.Round(FontScale * 1.5));
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Alarm outline width in pixels (suggestions use half, at least 1).</summary>
    public int Thickness { get; }

    public double FontScale { get; }

    public int FontThickness { get; }

    public List<OverlayBox> Boxes { get; } = [];

    public List<OverlayLabel> Labels { get; } = [];

    public double Threshold { get; private set; }

    public string ThresholdSource { get; private set; } = "";

    /// <summary>Plans the overlay of <paramref name="detections"/> on a <paramref name="width"/> × <paramref name="height"/> picture.</summary>
    public static OverlayLayout Plan(int width, int height, IReadOnlyList<DetectionRecord> detections, double threshold, string thresholdSource, OverlayStyle style)
    {
        var layout = new OverlayLayout(width, height) { Threshold = threshold, ThresholdSource = thresholdSource };
        var alarms = detections.Where(d => d.Score >= threshold).OrderByDescending(d => d.Score).ToList();
        var suggestions = style.Suggestions
            ? detections.Where(d => d.Score < threshold && d.Score >= style.DisplayFloor).OrderByDescending(d => d.Score).ToList()
            : [];
        int n = 0;
        layout.Boxes.AddRange(alarms.Select(d => new OverlayBox(d, OverlayTier.Alarm, ++n)));
        layout.Boxes.AddRange(suggestions.Select(d => new OverlayBox(d, OverlayTier.Suggestion, ++n)));
        foreach (OverlayBox b in layout.Boxes.Where(b => b.Tier == OverlayTier.Alarm))
        {
            string full = $"{b.Number} {b.Detection.ClassName} {b.Detection.Score.ToString("0.00", CultureInfo.InvariantCulture)}";
            OverlayLabel? label = layout.TryPlace(b, full, numberOnly: false) ?? layout.TryPlace(b, b.Number.ToString(CultureInfo.InvariantCulture), numberOnly: true);
            if (label is not null)
            {
                layout.Labels.Add(label);
            }
        }

        return layout;
    }

    /// <summary>Tab size of <paramref name="text"/> at this layout's font.</summary>
    public Size TabSize(string text, out int baseline)
    {
        Size ts = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, FontScale, FontThickness, out baseline);
        return new Size(ts.Width + 6, ts.Height + baseline + 4);
    }

    private OverlayLabel? TryPlace(OverlayBox b, string text, bool numberOnly)
    {
        Size tab = TabSize(text, out _);
        if (tab.Width > Width || tab.Height > Height)
        {
            return null;
        }

        DetectionRecord d = b.Detection;
        int x1 = (int)Math.Floor(d.X1), y1 = (int)Math.Floor(d.Y1), x2 = (int)Math.Ceiling(d.X2), y2 = (int)Math.Ceiling(d.Y2);
        int w = tab.Width, h = tab.Height;
        var candidates = new List<Point>
        {
            new(x1, y1 - h), new(x1, y2), new(x1, y1), new(x2 - w, y1 - h), new(x2 - w, y2), new(x1, y2 - h),
        };
        for (int k = 1; k <= 4; k++)
        {
            candidates.Add(new Point(x1, y1 - ((k + 1) * h)));
            candidates.Add(new Point(x1, y2 + (k * h)));
            candidates.Add(new Point(x1 - (k * w), y1));
            candidates.Add(new Point(x2 + ((k - 1) * w), y1));
        }

        foreach (Point p in candidates)
        {
            var r = new Rect(Math.Clamp(p.X, 0, Width - w), Math.Clamp(p.Y, 0, Height - h), w, h);
            if (!Labels.Any(l => l.Tab.IntersectsWith(r)))
            {
                return new OverlayLabel(r, text, b, numberOnly);
            }
        }

        return null;
    }
}
