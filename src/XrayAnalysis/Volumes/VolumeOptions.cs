
namespace XrayAnalysis.Volumes;

/// <summary>Slice-wise detection and 3D fusion settings; validated when set, recorded in every volume result.</summary>
public sealed record VolumeOptions
{
    private readonly int _sliceStep = 1;
    private readonly double _windowWidth = 7000;
    private readonly float _linkIou = 0.3f;
    private readonly int _minRun = 2;
    private readonly int _gapTolerance = 1;
    private readonly float _mergeIou3D = 0.3f;

    /// <summary>Slice directions (default <see cref="VolumeAxes.Z"/>).</summary>
    public VolumeAxes Axes { get; init; } = VolumeAxes.Z;

    /// <summary>Process every k-th slice (default 1; at least 1).</summary>
    public int SliceStep { get => _sliceStep; init => _sliceStep = value >= 1 ? value : throw Invalid(nameof(SliceStep), value, "must be at least 1"); }

    /// <summary>
    /// Window level in the file's units. Default 3500 with width 7000 = μ 0–0.7 /cm for volumes stored as μ·10⁴ (as
    /// <c>xray synth --kind ct</c> writes them, and as the reference model was trained).
    /// </summary>
    public double WindowLevel { get; init; } = 3500;

    /// <summary>Window width in the file's units (default 7000; positive).</summary>
    public double WindowWidth { get => _windowWidth; init => _windowWidth = value > 0 && double.IsFinite(value) ? value : throw Invalid(nameof(WindowWidth), value, "must be a positive number"); }

    /// <summary>Boxes on consecutive slices join a 3D region when their 2D IoU is at least this (default 0.3; in (0, 1]).</summary>
    public float LinkIou { get => _linkIou; init => _linkIou = Unit(nameof(LinkIou), value); }

    /// <summary>Regions found on fewer processed slices are dropped (default 2; at least 1).</summary>
    public int MinRun { get => _minRun; init => _minRun = value >= 1 ? value : throw Invalid(nameof(MinRun), value, "must be at least 1"); }

    /// <summary>Processed slices a region may skip and still continue (default 1; not negative).</summary>
    public int GapTolerance { get => _gapTolerance; init => _gapTolerance = value >= 0 ? value : throw Invalid(nameof(GapTolerance), value, "must not be negative"); }

    /// <summary>With <see cref="VolumeAxes.Xyz"/>, 3D candidates from different axes merge when their 3D IoU is at least this (default 0.3; in (0, 1]).</summary>
    public float MergeIou3D { get => _mergeIou3D; init => _mergeIou3D = Unit(nameof(MergeIou3D), value); }

    /// <summary>Keep every per-slice box in the result (large).</summary>
    public bool KeepSliceBoxes { get; init; }

    private static float Unit(string name, float value) =>
        value > 0 && value <= 1 ? value : throw Invalid(name, value, "must be in (0, 1]");

    private static ArgumentOutOfRangeException Invalid(string name, object value, string rule) =>
        new(name, value, $"volume option {name} {rule} (got {value})");
}
