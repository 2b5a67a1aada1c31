using XrayAnalysis.Outputs;

namespace XrayAnalysis.Volumes;

/// <summary>The per-volume result written as JSON by <c>xray volume</c> (snake_case).</summary>
public sealed record VolumeResult
{
    public int SchemaVersion { get; init; } = 1;

    public required string Name { get; init; }

    public required string Input { get; init; }

    public int[]? Dims { get; init; }

    public double[]? SpacingMm { get; init; }

    public double[]? OriginMm { get; init; }

    public string? ElementType { get; init; }

    public required ModelSummary Model { get; init; }

    public required object Parameters { get; init; }

    public IReadOnlyList<Region3D> Regions { get; init; } = [];

    public IReadOnlyList<SliceBoxes>? SliceBoxes { get; init; }

    public int SlicesProcessed { get; init; }

    public double SlicesPerSecond { get; init; }

    /// <summary>Share of the run spent outside Session.Run (reading, rendering, decoding, fusion, pictures).</summary>
    public double NonInferenceShare { get; init; }

    public long PeakWorkingSetBytes { get; init; }

    public required IReadOnlyDictionary<string, double> TimingsMs { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public VolumeEvaluation? Evaluation { get; init; }

    public required ScanStatus Status { get; init; }

    public string? Reason { get; init; }
}

/// <summary>A fused 3D region: voxel min/max (inclusive) and the same in millimetres (origin + index × spacing).</summary>
public sealed record Region3D(int ClassId, string ClassName, float Score, int[] VoxelMin, int[] VoxelMax, double[] MmMin, double[] MmMax, int Slices, string Axes);

/// <summary>Boxes found on one slice (axis "z": x/y pixels; "y": x/z; "x": y/z).</summary>
public sealed record SliceBoxes(string Axis, int Index, IReadOnlyList<DetectionRecord> Boxes);

/// <summary>Comparison with ground truth found beside the volume (NAME.boxes.json from xray synth).</summary>
public sealed record VolumeEvaluation(int GroundTruth, int Matched, int FalsePositives, double IouThreshold, double ScoreThreshold);
