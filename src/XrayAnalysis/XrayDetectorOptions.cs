using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Tiling;

namespace XrayAnalysis;

/// <summary>Everything that decides how <see cref="XrayDetector"/> reads, renders, tiles and detects.</summary>
public sealed record XrayDetectorOptions
{
    /// <summary>Model options: confidence, NMS IoU, preprocessing contract, layout, batch size, threads. Unset values come from the model's profile.</summary>
    public DetectorOptions Detector { get; init; } = new();

    /// <summary>How 16-bit, float and dual-energy scans are rendered to the 8-bit picture the model sees.</summary>
    public RenderOptions Render { get; init; } = RenderOptions.Default;

    /// <summary>When and how large scans are tiled (default: automatic, as <c>xray detect</c>).</summary>
    public TileOptions Tiles { get; init; } = TileOptions.Default;

    /// <summary>Limits applied when reading files.</summary>
    public ScanLoaderOptions Loader { get; init; } = new();

    /// <summary>The shield alarm: regions too dense for the beam make a scan "unable to clear".</summary>
    public ShieldOptions Shield { get; init; } = ShieldOptions.Default;

    /// <summary>The screening route these options come from (recorded in every result); null when none.</summary>
    public string? Route { get; init; }

    /// <summary>Alarm (operating) threshold overriding the model profile's, recorded in the results' parameters; null keeps the profile's.</summary>
    public float? OperatingThreshold
    {
        get;
        init => field = value is null or (>= 0 and <= 1) ? value : throw new ArgumentOutOfRangeException(nameof(OperatingThreshold), value, "must be in [0, 1]");
    }

    /// <summary>
    /// Scans read, decoded and rendered ahead of inference, each on its own worker (null: twice the model's batch size,
    /// at least 2). More hides more decoding behind inference and holds more rendered scans in memory; see
    /// docs/BENCHMARKS.md for the measured effect and how it shares the cores with ONNX Runtime's threads.
    /// </summary>
    public int? PrefetchDepth
    {
        get;
        init => field = value is null or (>= 1 and <= 256) ? value : throw new ArgumentOutOfRangeException(nameof(PrefetchDepth), value, "must be in [1, 256]");
    }

    /// <summary>Longest time one input may take to be read and rendered; a slower one is <c>failed</c>.</summary>
    public TimeSpan InputTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
