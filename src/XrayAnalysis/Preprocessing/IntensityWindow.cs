namespace XrayAnalysis.Preprocessing;

/// <summary>A linear window mapping raw sample values [Low, High] onto 0–255.</summary>
public readonly record struct IntensityWindow(double Low, double High)
{
    /// <summary>The window centred on <paramref name="level"/> with the given <paramref name="width"/> (CT convention).</summary>
    /// <param name="level">Centre of the window, in the samples' units.</param>
    /// <param name="width">Width of the window, in the samples' units; positive.</param>
    public static IntensityWindow FromLevelWidth(double level, double width) =>
        width > 0 ? new IntensityWindow(level - (width / 2), level + (width / 2)) : throw new ArgumentOutOfRangeException(nameof(width), width, "window width must be positive");

    /// <summary>
    /// The one window/level renderer: maps <paramref name="src"/> (any depth, 1 or 3 channels) linearly from [Low, High]
    /// onto 0–255 with saturation, as 8-bit BGR. 2D scans, CT slices at inference and CT training slices all go through
    /// here, so training and inference see the same pixels. The caller disposes the result.
    /// </summary>
    internal OpenCvSharp.Mat ToBgr8(OpenCvSharp.Mat src)
    {
        ArgumentNullException.ThrowIfNull(src);
        double alpha = 255.0 / (High - Low);
        using var eight = new OpenCvSharp.Mat();
        src.ConvertTo(eight, OpenCvSharp.MatType.CV_8U, alpha, -Low * alpha);
        var bgr = new OpenCvSharp.Mat();
        if (eight.Channels() == 1)
        {
            OpenCvSharp.Cv2.CvtColor(eight, bgr, OpenCvSharp.ColorConversionCodes.GRAY2BGR);
        }
        else
        {
            eight.CopyTo(bgr);
        }

        return bgr;
    }

    /// <summary>Parses <c>LOW,HIGH</c> (invariant culture); HIGH must exceed LOW.</summary>
    public static IntensityWindow Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',');
        if (parts.Length != 2 ||
            !double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double lo) ||
            !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double hi))
        {
            throw new FormatException($"window '{text}' is not LOW,HIGH");
        }

        if (!(hi > lo))
        {
            throw new FormatException($"window '{text}': HIGH ({hi}) must be greater than LOW ({lo})");
        }

        return new IntensityWindow(lo, hi);
    }
}
