namespace XrayAnalysis.Outputs;

/// <summary>
/// How an overlay carries a decision. Boxes at or above the alarm threshold are <em>alarms</em> (strong outline in the
/// class colour, a label); boxes between the display floor and the threshold are <em>suggestions</em> (thin dashed
/// outline, no label, hideable); boxes below the floor are not drawn.
/// </summary>
public sealed record OverlayStyle
{
    /// <summary>The defaults: the model profile's operating threshold, suggestions from 0.25, legend on.</summary>
    public static OverlayStyle Default { get; } = new();

    /// <summary>The alarm threshold; null takes the result's operating threshold (its model profile's), else 0.5.</summary>
    public double? AlarmThreshold
    {
        get;
        init => field = value is null or (>= 0 and <= 1) ? value : throw new ArgumentOutOfRangeException(nameof(AlarmThreshold), value, "must be in [0, 1]");
    }

    /// <summary>Boxes scored below this are not drawn (default 0.25).</summary>
    public double DisplayFloor
    {
        get;
        init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(DisplayFloor), value, "must be in [0, 1]");
    } = 0.25;

    /// <summary>Draw suggestions (default true); false shows alarms only.</summary>
    public bool Suggestions { get; init; } = true;

    /// <summary>Add a legend strip below the burned-in overlay: model, threshold, counts and the numbered labels (default true).</summary>
    public bool Legend { get; init; } = true;

    /// <summary>The threshold in force for <paramref name="result"/> and where it came from.</summary>
    internal (double Threshold, string Source) ThresholdFor(ScanResult result) =>
        AlarmThreshold is { } t ? (t, result.Route is { } route && result.Parameters.OperatingThreshold is { } op && Math.Abs(op - t) < 1e-6 ? $"route {route}" : "option")
        : result.Parameters.OperatingThreshold is { } p ? (p, "model profile")
        : (0.5, "default; no model profile");
}
