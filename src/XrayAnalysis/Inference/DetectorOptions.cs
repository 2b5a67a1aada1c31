using XrayAnalysis.Decoding;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Inference;

/// <summary>
/// Detector settings as the caller gives them. Values left null come from the model's profile (operating threshold,
/// recommended NMS IoU, preprocessing), else from the model's metadata or family, else from Ultralytics' predict defaults
/// (conf 0.25, iou 0.7, max_det 300). <see cref="OnnxDetector.Settings"/> holds the values in force and where each came from.
/// </summary>
public sealed record DetectorOptions
{
    /// <summary>Confidence used when neither the caller nor the profile gives one (Ultralytics' default).</summary>
    public const float DefaultConfidence = 0.25f;

    /// <summary>NMS IoU used when neither the caller nor the profile gives one (Ultralytics' default).</summary>
    public const float DefaultIou = 0.7f;

    private readonly float? _confidence;
    private readonly float? _iou;
    private readonly float? _confidenceCeiling;
    private readonly double _maxUpscale = 2.0;
    private readonly IReadOnlyList<double> _fills = [1.0];
    private readonly int? _minInputSide;
    private readonly int _maxDetections = 300;
    private readonly int? _batchSize;
    private readonly string _device = "cpu";

    /// <summary>The batch size on the CPU when none is given.</summary>
    internal const int DefaultCpuBatch = 4;

    /// <summary>The batch size on a CUDA device when none is given.</summary>
    internal const int DefaultCudaBatch = 16;

    /// <summary>Whether <see cref="BatchSize"/> was given (else it follows the device).</summary>
    internal bool BatchSizeGiven => _batchSize is not null;

    /// <summary>
    /// Minimum score; boxes scoring at or below it are dropped. Null: the profile's operating threshold (per class where
    /// the profile gives per-class thresholds), else 0.25.
    /// </summary>
    public float? Confidence
    {
        get => _confidence;
        init => _confidence = value is null or (>= 0 and <= 1) ? value : throw new ArgumentOutOfRangeException(nameof(Confidence), value, "must be in [0, 1]");
    }

    /// <summary>
    /// The alarm threshold the results will be judged at, when it may lie below the model's: a confidence that comes
    /// from the profile or the default (not <see cref="Confidence"/>) is lowered to it, per class too, so that no box
    /// at or above the alarm threshold is dropped before it can alarm. Null: no ceiling. <c>RouteProfile.Apply</c> and
    /// <c>xray detect --route / --alarm-threshold</c> set it; the source is then
    /// <see cref="Preprocessing.SettingSource.AlarmThreshold"/>.
    /// </summary>
    public float? ConfidenceCeiling
    {
        get => _confidenceCeiling;
        init => _confidenceCeiling = value is null or (>= 0 and <= 1) ? value : throw new ArgumentOutOfRangeException(nameof(ConfidenceCeiling), value, "must be in [0, 1]");
    }

    /// <summary>NMS IoU threshold: a box overlapping a kept one by more is suppressed. Null: the profile's recommended IoU, else 0.7.</summary>
    public float? Iou
    {
        get => _iou;
        init => _iou = value is null or (>= 0 and <= 1) ? value : throw new ArgumentOutOfRangeException(nameof(Iou), value, "must be in [0, 1]");
    }

    /// <summary>Preprocessing values that override the profile, metadata and family convention; null or empty for none.</summary>
    public PreprocessSettings? Preprocessing { get; init; }

    /// <summary>
    /// Largest factor by which a whole picture is enlarged to fit the input (default 2). A small picture is placed at
    /// this scale with more padding instead of being blown up: enlarged thumbnails show smooth blobs at object sizes the
    /// model never saw, and the bundled model alarmed on 70% of 32 × 32 noise images enlarged 12×. Letterbox modes only.
    /// </summary>
    public double MaxUpscale
    {
        get => _maxUpscale;
        init => _maxUpscale = value >= 1 && !double.IsNaN(value) ? value : throw new ArgumentOutOfRangeException(nameof(MaxUpscale), value, "must be at least 1");
    }

    /// <summary>
    /// Largest fraction of the model input a whole picture may fill (letterbox modes; default 1: fit the input). At 0.625
    /// a picture is letterboxed as if the input were 0.625 of its size and padded around: the size of an object in model
    /// pixels then follows the scan's field of view, not its pixel count, so a scanner whose small field would show
    /// objects larger than the model learned (the mail route: 38 cm across in 640 px) shows them at a size it knows,
    /// and a downscaled archive of the same scanner is treated the same (a route's <c>fill</c>; docs/ROUTES.md). Tiles
    /// are not affected: they have <see cref="Tiling.TileOptions.Scale"/>.
    /// </summary>
    public double Fill
    {
        get => _fills[0];
        init => _fills = [value is > 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Fill), value, "must be in (0, 1]")];
    }

    /// <summary>Most fills <see cref="Fills"/> takes (each one is a pass of the model over every whole picture).</summary>
    public const int MaxFills = 4;

    /// <summary>
    /// Every fill a whole picture is run at (default: the one <see cref="Fill"/>, 1). With two or more, each whole
    /// picture goes through the model once per fill and the passes' boxes are fused (weighted boxes fusion: a box
    /// scores the mean over the passes of each pass's best matching box, 0 for a pass that does not see it; docs/ROUTES.md,
    /// "Field of view"). The mail route runs <c>[0.5, 1]</c>: a thin layer or packet is found best at 1, a large brick at
    /// 0.5, and a box both passes agree on outscores clutter that only one of them takes for a threat. The first fill
    /// is <see cref="Fill"/>, the one whose scale a result records. Setting <see cref="Fill"/> sets a list of one.
    /// Each in (0, 1], no repeats, at most <see cref="MaxFills"/>. Tiles are not affected.
    /// </summary>
    public IReadOnlyList<double> Fills
    {
        get => _fills;
        init => _fills = CheckFills(value);
    }

    private static double[] CheckFills(IReadOnlyList<double> value)
    {
        ArgumentNullException.ThrowIfNull(value, nameof(Fills));
        if (value.Count is 0 or > MaxFills)
        {
            throw new ArgumentOutOfRangeException(nameof(Fills), value.Count, $"give 1 to {MaxFills} fills");
        }

        foreach (double f in value)
        {
            if (f is not (> 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(Fills), f, "each fill must be in (0, 1]");
            }
        }

        return value.Distinct().Count() == value.Count ? [.. value] : throw new ArgumentException("a fill is repeated", nameof(Fills));
    }

    /// <summary>
    /// Pictures with a side shorter than this many pixels are rejected as too small to screen. Null: the model profile's
    /// <c>min_input_side</c>, else 32.
    /// </summary>
    public int? MinInputSide
    {
        get => _minInputSide;
        init => _minInputSide = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MinInputSide), value, "must be positive");
    }

    /// <summary>Most detections kept per image (default 300).</summary>
    public int MaxDetections
    {
        get => _maxDetections;
        init => _maxDetections = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDetections), value, "must be positive");
    }

    /// <summary>Only these class ids are kept; null keeps all.</summary>
    public IReadOnlySet<int>? Classes { get; init; }

    /// <summary>Class-agnostic NMS (a box suppresses overlapping boxes of any class). Default false: per class.</summary>
    public bool AgnosticNms { get; init; }

    /// <summary>Forces an output layout instead of deciding it from the output shape.</summary>
    public OutputLayout? Layout { get; init; }

    /// <summary>
    /// Images per <c>Session.Run</c> when the model's batch dimension is dynamic (default 4 on the CPU, 16 when the
    /// model runs on a CUDA device).
    /// </summary>
    public int BatchSize
    {
        get => _batchSize ?? DefaultCpuBatch;
        init => _batchSize = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "must be positive");
    }

    /// <summary>
    /// Where the model runs: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c> (CUDA device N). CUDA needs the CUDA
    /// build of the library (<c>-p:XrayCuda=true</c>, docs/GPU.md) and a working CUDA installation; when either is
    /// missing the detector runs on the CPU and says why in <see cref="ModelInfo.Notes"/>.
    /// </summary>
    public string Device
    {
        get => _device;
        init => _device = InferenceDevice.Parse(value).ToString();
    }

    /// <summary>
    /// Runs each picture also mirrored left to right and averages the two outputs, each anchor's scores and box with its
    /// mirror anchor's, before decoding: about twice the inference time for steadier scores. Needs an anchor-free grid
    /// output (layout v8, strides 8-32, 8-64 or 4-32); the detector refuses to open otherwise. Null: the model profile's
    /// <c>test_time_flip</c>, else off. Scores change with it, so an operating threshold holds only in the mode it was
    /// chosen in.
    /// </summary>
    public bool? TestTimeFlip { get; init; }

    /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Let ONNX Runtime's intra-op threads spin while waiting for work (ONNX Runtime's own default). Off by default here:
    /// the pipeline decodes and renders scans on the same cores, and spinning threads take their CPU. Turn it on when
    /// nothing else runs beside inference and latency matters more than throughput.
    /// </summary>
    public bool SpinWait { get; init; }

    /// <summary>ONNX Runtime inter-op threads; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>Input size when the model's spatial dimensions are dynamic and no option, profile or metadata names one (default 640).</summary>
    public int FallbackInputSize { get; init; } = 640;

    /// <summary>When set, the model file's SHA-256 must equal this (lower-case hex) or the detector refuses to start.</summary>
    public string? ExpectedSha256 { get; init; }
}
