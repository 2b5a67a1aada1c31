using System.Text.Json.Serialization;

namespace XrayAnalysis.Volumes;

/// <summary>What a volume result was produced with: the fusion settings and the detector's thresholds with their sources.</summary>
/// <param name="Axes">Slice directions.</param>
/// <param name="SliceStep">Every k-th slice processed.</param>
/// <param name="WindowLevel">Window level in the file's units.</param>
/// <param name="WindowWidth">Window width in the file's units.</param>
/// <param name="LinkIou">2D IoU linking boxes on consecutive slices.</param>
/// <param name="MinRun">Fewest processed slices a region spans.</param>
/// <param name="GapTolerance">Processed slices a region may skip.</param>
/// <param name="MergeIou3D">3D IoU merging candidates from different axes.</param>
/// <param name="Confidence">Confidence threshold of the slice detector.</param>
/// <param name="NmsIou">NMS IoU of the slice detector.</param>
/// <param name="ConfidenceSource">Where the confidence came from (option, profile, default).</param>
/// <param name="NmsIouSource">Where the NMS IoU came from.</param>
public sealed record VolumeParameters(
    VolumeAxes Axes,
    int SliceStep,
    double WindowLevel,
    double WindowWidth,
    float LinkIou,
    int MinRun,
    int GapTolerance,
    [property: JsonPropertyName("merge_iou_3d")] float MergeIou3D,
    float Confidence,
    float NmsIou,
    string ConfidenceSource,
    string NmsIouSource);
