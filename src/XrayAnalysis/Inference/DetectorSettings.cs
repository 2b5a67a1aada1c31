using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Inference;

/// <summary>The detector settings in force after layering options, profile and defaults, with the source of each.</summary>
public sealed record DetectorSettings
{
    /// <summary>Score floor for every class.</summary>
    public required float Confidence { get; init; }

    /// <summary>Where <see cref="Confidence"/> came from.</summary>
    public required SettingSource ConfidenceSource { get; init; }

    /// <summary>Per-class score floors above <see cref="Confidence"/> (the profile's per-class operating thresholds), by class id.</summary>
    public IReadOnlyDictionary<int, float> ClassConfidence { get; init; } = new Dictionary<int, float>();

    /// <summary>NMS IoU threshold.</summary>
    public required float Iou { get; init; }

    /// <summary>Where <see cref="Iou"/> came from.</summary>
    public required SettingSource IouSource { get; init; }

    /// <summary>The profile's operating threshold (alarm threshold) for all classes, or null without a profile.</summary>
    public float? OperatingThreshold { get; init; }

    /// <summary>The preprocessing contract.</summary>
    public required InputContract Contract { get; init; }

    /// <summary>Largest whole-picture enlargement.</summary>
    public required double MaxUpscale { get; init; }

    /// <summary>Largest fraction of the input a whole picture fills in the first pass (<see cref="DetectorOptions.Fill"/>).</summary>
    public double Fill => Fills[0];

    /// <summary>Every fill a whole picture is run at, the passes fused when there are several (<see cref="DetectorOptions.Fills"/>).</summary>
    public IReadOnlyList<double> Fills { get; init; } = [1.0];

    /// <summary>Shortest accepted picture side.</summary>
    public required int MinInputSide { get; init; }

    /// <summary>
    /// Whether each picture is also run mirrored left to right and the two outputs averaged, each anchor with its mirror
    /// anchor, before decoding (test-time flip; <see cref="DetectorOptions.TestTimeFlip"/>).
    /// </summary>
    public bool TestTimeFlip { get; init; }

    /// <summary>Where <see cref="TestTimeFlip"/> came from.</summary>
    public SettingSource TestTimeFlipSource { get; init; }
}
