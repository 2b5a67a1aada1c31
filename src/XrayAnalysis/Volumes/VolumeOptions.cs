namespace XrayAnalysis.Volumes;

/// <summary>Slice-wise detection and 3D fusion settings; recorded in every volume result.</summary>
public sealed record VolumeOptions
{
    /// <summary>"z" (axial slices, default, streamed) or "xyz" (also sagittal and coronal reslices; holds the volume once).</summary>
    public string Axes { get; init; } = "z";

    /// <summary>Process every k-th slice (default 1).</summary>
    public int SliceStep { get; init; } = 1;

    /// <summary>
    /// Window level in the file's units. Default 3500 with width 7000 = μ 0–0.7 /cm for volumes stored as μ·10⁴ (as
    /// <c>xray synth --kind ct</c> writes them, and as the reference model was trained).
    /// </summary>
    public double WindowLevel { get; init; } = 3500;

    public double WindowWidth { get; init; } = 7000;

    /// <summary>Boxes on consecutive slices join a 3D region when their 2D IoU is at least this (default 0.3).</summary>
    public float LinkIou { get; init; } = 0.3f;

    /// <summary>Regions found on fewer processed slices are dropped (default 2).</summary>
    public int MinRun { get; init; } = 2;

    /// <summary>Processed slices a region may skip and still continue (default 1).</summary>
    public int GapTolerance { get; init; } = 1;

    /// <summary>With xyz, 3D candidates from different axes merge when their 3D IoU is at least this (default 0.3).</summary>
    public float MergeIou3D { get; init; } = 0.3f;

    /// <summary>Keep every per-slice box in the result (large).</summary>
    public bool KeepSliceBoxes { get; init; }
}
