namespace XrayAnalysis.Preprocessing;

/// <summary>How a scan is turned into the 8-bit colour picture the model sees.</summary>
public sealed record RenderOptions
{
    /// <summary>Fixed window for 16-bit / float grey scans; null selects the robust percentile window.</summary>
    public IntensityWindow? Window { get; init; }

    /// <summary>
    /// Lower percentile of the robust window (default 0.5). Robust to a few dead or hot pixels, unlike min/max,
    /// and to the large share of near-white air that transmission scans hold.
    /// </summary>
    public double PercentileLow { get; init; } = 0.5;

    /// <summary>Upper percentile of the robust window (default 99.5).</summary>
    public double PercentileHigh { get; init; } = 99.5;

    /// <summary>The defaults (immutable, safe to share).</summary>
    public static RenderOptions Default { get; } = new();
}
