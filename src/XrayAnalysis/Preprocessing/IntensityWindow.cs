namespace XrayAnalysis.Preprocessing;

/// <summary>A linear window mapping raw sample values [Low, High] onto 0–255.</summary>
public readonly record struct IntensityWindow(double Low, double High)
{
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
