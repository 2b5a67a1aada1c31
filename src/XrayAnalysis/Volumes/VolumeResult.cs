using XrayAnalysis.Outputs;

namespace XrayAnalysis.Volumes;

/// <summary>The per-volume result written as JSON by <c>xray volume</c> (snake_case).</summary>
public sealed record VolumeResult
{
    /// <summary>Version of this JSON schema.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>Volume name (file or folder stem).</summary>
    public required string Name { get; init; }

    /// <summary>The volume file or slice folder.</summary>
    public required string Input { get; init; }

    /// <summary>Voxels along x, y, z.</summary>
    public int[]? Dims { get; init; }

    /// <summary>Voxel spacing in millimetres along x, y, z.</summary>
    public double[]? SpacingMm { get; init; }

    /// <summary>Position of the first voxel in millimetres.</summary>
    public double[]? OriginMm { get; init; }

    /// <summary>Sample type in the file.</summary>
    public string? ElementType { get; init; }

    /// <summary>The slice detector's model.</summary>
    public required ModelSummary Model { get; init; }

    /// <summary>The fusion settings and thresholds used (the same schema for ok and failed volumes).</summary>
    public required VolumeParameters Parameters { get; init; }

    /// <summary>Fused 3D regions, best first.</summary>
    public IReadOnlyList<Region3D> Regions { get; init; } = [];

    /// <summary>Every per-slice box, when asked for.</summary>
    public IReadOnlyList<SliceBoxes>? SliceBoxes { get; init; }

    /// <summary>Slices run through the detector (all axes).</summary>
    public int SlicesProcessed { get; init; }

    /// <summary>Slices processed per second of wall time.</summary>
    public double SlicesPerSecond { get; init; }

    /// <summary>Share of the detection run spent outside Session.Run (reading, rendering, decoding, fusion), pictures left out.</summary>
    public double NonInferenceShare { get; init; }

    /// <summary>The same share over the whole run, projections and montages included (equal to <see cref="NonInferenceShare"/> without pictures).</summary>
    public double NonInferenceShareWithPictures { get; init; }

    /// <summary>Peak resident memory of the process during the volume.</summary>
    public long PeakWorkingSetBytes { get; init; }

    /// <summary>Milliseconds per stage.</summary>
    public required VolumeTimings TimingsMs { get; init; }

    /// <summary>Problems that did not stop the volume (for example missing slices).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Comparison with ground truth found beside the volume.</summary>
    public VolumeEvaluation? Evaluation { get; init; }

    /// <summary>Ok, or why not.</summary>
    public required ScanStatus Status { get; init; }

    /// <summary>One line saying why the status is not ok.</summary>
    public string? Reason { get; init; }
}

/// <summary>A fused 3D region: voxel min/max (inclusive) and the same in millimetres (origin + index × spacing).</summary>
public sealed record Region3D(int ClassId, string ClassName, float Score, int[] VoxelMin, int[] VoxelMax, double[] MmMin, double[] MmMax, int Slices, string Axes);

/// <summary>Boxes found on one slice (axis "z": x/y pixels; "y": x/z; "x": y/z).</summary>
public sealed record SliceBoxes(string Axis, int Index, IReadOnlyList<DetectionRecord> Boxes);

/// <summary>Comparison with ground truth found beside the volume (NAME.boxes.json from xray synth).</summary>
public sealed record VolumeEvaluation(int GroundTruth, int Matched, int FalsePositives, double IouThreshold, double ScoreThreshold)
{
    /// <summary>
    /// Of <see cref="FalsePositives"/>, those lying on a benign look-alike block that the ground truth lists (at least
    /// half the region inside it), by the block's material (e.g. chocolate, cheese, soap); empty when none or none listed.
    /// </summary>
    public IReadOnlyDictionary<string, int> FalsePositivesOnLookAlikes { get; init; } = new Dictionary<string, int>();
}
