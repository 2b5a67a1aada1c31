using System.Globalization;
using OpenCvSharp;

namespace XrayAnalysis.Outputs;

/// <summary>
/// Draws detections on a rendered scan: outlined boxes (interiors untouched, so the officer sees what is under them),
/// a filled label tab with class and confidence, line width and font scaled to the image, one colour per class chosen
/// to stand out on both white-background grey and orange/green/blue pseudo-colour scans.
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

    /// <summary>Draws onto <paramref name="bgr"/> (8-bit, 3 channels) in place.</summary>
    internal static void Draw(Mat bgr, IReadOnlyList<DetectionRecord> detections)
    {
        int shorter = Math.Min(bgr.Cols, bgr.Rows);
        int thickness = Math.Max(2, (int)Math.Round(shorter / 400.0));
        double fontScale = Math.Max(0.5, shorter / 1200.0);
        int fontThickness = Math.Max(1, thickness / 2);
        foreach (DetectionRecord d in detections)
        {
            Scalar colour = ColourOf(d.ClassId);
            var p1 = new Point((int)Math.Floor(d.X1), (int)Math.Floor(d.Y1));
            var p2 = new Point((int)Math.Ceiling(d.X2) - 1, (int)Math.Ceiling(d.Y2) - 1);
            Cv2.Rectangle(bgr, p1, p2, Scalar.Black, thickness + 2, LineTypes.Link8);
            Cv2.Rectangle(bgr, p1, p2, colour, thickness, LineTypes.Link8);
            string label = $"{d.ClassName} {d.Score.ToString("0.00", CultureInfo.InvariantCulture)}";
            Size ts = Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, fontScale, fontThickness, out int baseline);
            int top = p1.Y - ts.Height - baseline - 4;
            if (top < 0)
            {
                top = Math.Min(p1.Y + thickness, Math.Max(0, bgr.Rows - ts.Height - baseline - 4));
            }

            var tab = new Rect(p1.X, top, ts.Width + 6, ts.Height + baseline + 4);
            tab = tab.Intersect(new Rect(0, 0, bgr.Cols, bgr.Rows));
            Cv2.Rectangle(bgr, tab, colour, -1);
            Cv2.PutText(bgr, label, new Point(tab.X + 3, tab.Y + ts.Height + 2), HersheyFonts.HersheySimplex, fontScale, Scalar.Black, fontThickness, LineTypes.AntiAlias);
        }
    }
}
