namespace XrayAnalysis;

/// <summary>
/// The per-scan result written as JSON by <c>xray detect</c> (schema in README "Output schema").
/// Property names are written in snake_case.
/// </summary>
public sealed record ScanResult
{
    /// <summary>Bumped on any incompatible change to this record.</summary>
    public const int CurrentSchemaVersion = 3;

    /// <summary>Version of this JSON schema (2).</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Scan name: file stem, pair stem, or the name given to in-memory pixels.</summary>
    public required string Name { get; init; }

    /// <summary>The file(s) and their SHA-256.</summary>
    public required InputInfo Input { get; init; }

    /// <summary>Width in pixels; null when the scan could not be read.</summary>
    public int? Width { get; init; }

    /// <summary>Height in pixels; null when the scan could not be read.</summary>
    public int? Height { get; init; }

    /// <summary>Bits per sample as decoded.</summary>
    public int? BitDepth { get; init; }

    /// <summary>Channels of the (high-energy) image.</summary>
    public int? Channels { get; init; }

    /// <summary>True for a dual-energy pair.</summary>
    public bool DualEnergy { get; init; }

    /// <summary>The screening route (route file profile) the scan was run under; omitted when none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Route { get; init; }

    /// <summary>The model that produced the result.</summary>
    public required ModelSummary Model { get; init; }

    /// <summary>Thresholds, preprocessing and window, with their sources.</summary>
    public required DetectParameters Parameters { get; init; }

    /// <summary>How the scan was tiled; null when it was run whole.</summary>
    public TilingInfo? Tiling { get; init; }

    /// <summary>Boxes in original pixel coordinates, best first.</summary>
    public IReadOnlyList<DetectionRecord> Detections { get; init; } = [];

    /// <summary>
    /// "Unable to clear" regions: connected areas too dense for the beam (<see cref="ShieldOptions"/>), largest first;
    /// empty when the check ran and found none; null when it did not run (switched off, not a transmission image, or
    /// the scan was not screened).
    /// </summary>
    public IReadOnlyList<ShieldRegion>? ShieldRegions { get; init; }

    /// <summary>
    /// True when the scan was screened and holds a shield region: whatever the detections say, it must not be reported
    /// clear (an operator has to look, or the item is searched).
    /// </summary>
    public bool UnableToClear => Status == ScanStatus.Ok && ShieldRegions is { Count: > 0 };

    /// <summary>Milliseconds per stage (decode, render, preprocess, inference, postprocess, merge, write).</summary>
    public required StageTimings TimingsMs { get; init; }

    /// <summary>Ok, or why not: failed, incomplete, rejected, not processed.</summary>
    public required ScanStatus Status { get; init; }

    /// <summary>One line saying why the status is not ok; null when ok.</summary>
    public string? Reason { get; init; }

    /// <summary>Problems that did not change the status (an overlay that could not be written); omitted when none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Warnings { get; init; }

    /// <summary>NaN or infinite samples in a float scan, left out of windowing; omitted for integer scans.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? NonFiniteSamples { get; init; }
}

/// <summary>Which file(s) a result belongs to.</summary>
public sealed record InputInfo(string Path, string? Sha256, string? LowEnergyPath, string? LowEnergySha256);

/// <summary>Which model produced a result: layout and where it was decided, family, profile and the notes shown to the user.</summary>
public sealed record ModelSummary(
    string Name,
    string Sha256,
    string Layout,
    int InputWidth,
    int InputHeight,
    Decoding.LayoutSource? LayoutSource = null,
    string? Profile = null,
    IReadOnlyList<string>? Notes = null)
{
    /// <summary>The summary of an opened model as results record it.</summary>
    internal static ModelSummary Of(Inference.ModelInfo m) =>
        new(m.Name, m.Sha256, m.Layout.ToString(), m.InputWidth, m.InputHeight, m.LayoutSource, m.Profile?.Origin, m.Notes.Count > 0 ? m.Notes : null);
}

/// <summary>
/// The settings that produced a result, recorded so that results can be reproduced, with where the confidence and IoU came
/// from ("option", "profile" or "default") and the model's operating (alarm) threshold when its profile gives one.
/// <c>TestTimeFlip</c> says whether each picture was also run mirrored and the outputs averaged.
/// </summary>
public sealed record DetectParameters(
    float Confidence,
    float Iou,
    int MaxDetections,
    IReadOnlyList<int>? Classes,
    bool AgnosticNms,
    string Resize,
    double[]? Window,
    string? ConfidenceSource = null,
    string? IouSource = null,
    float? OperatingThreshold = null,
    IReadOnlyDictionary<string, float>? ClassThresholds = null,
    PreprocessingRecord? Preprocessing = null,
    bool TestTimeFlip = false);

/// <summary>
/// The preprocessing contract a result was made with, the source of each value, and the scale actually applied to this
/// picture. <c>Fill</c> is the largest fraction of the input a whole picture filled (its first pass); <c>Fills</c>, written
/// only when there were several, every fill it was run at, the passes' boxes fused (<see cref="Inference.DetectorOptions.Fills"/>).
/// </summary>
public sealed record PreprocessingRecord(
    string ChannelOrder,
    float Scale,
    IReadOnlyList<float>? Mean,
    IReadOnlyList<float>? Std,
    string Resize,
    int PadValue,
    string Interpolation,
    int[] InputSize,
    string Family,
    double MaxUpscale,
    IReadOnlyDictionary<string, string> Sources,
    double? AppliedScale = null,
    int? ExifOrientation = null,
    double Fill = 1.0,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<double>? Fills = null);

/// <summary>One detection as written to JSON: box corners in original-image pixels.</summary>
public sealed record DetectionRecord(int ClassId, string ClassName, float Score, float X1, float Y1, float X2, float Y2);

/// <summary>The tiling that ran: tile side (scaled pixels), overlap, tile count, full-image pass, scale, and the merge.</summary>
public sealed record TilingInfo(
    int TileSize,
    double Overlap,
    int Tiles,
    bool FullImagePass,
    double Scale,
    Merging.MergeMethod MergeMethod,
    Merging.MatchMetric MatchMetric,
    float MatchThreshold,
    bool ClassAgnostic,
    float GrowScoreRatio,
    int Candidates);
