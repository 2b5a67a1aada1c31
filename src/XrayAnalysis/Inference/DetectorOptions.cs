using XrayAnalysis.Decoding;

namespace XrayAnalysis.Inference;

/// <summary>
/// Detector settings. Defaults follow Ultralytics' predict defaults (conf 0.25, iou 0.7, max_det 300), so results match
/// what model engineers see in Python.
/// </summary>
public sealed record DetectorOptions
{
    private readonly float _confidence = 0.25f;
    private readonly float _iou = 0.7f;
    private readonly int _maxDetections = 300;
    private readonly int _batchSize = 4;

    /// <summary>Minimum score; boxes scoring at or below it are dropped (default 0.25).</summary>
    public float Confidence
    {
        get => _confidence;
        init => _confidence = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Confidence), value, "must be in [0, 1]");
    }

    /// <summary>NMS IoU threshold: a box overlapping a kept one by more is suppressed (default 0.7).</summary>
    public float Iou
    {
        get => _iou;
        init => _iou = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Iou), value, "must be in [0, 1]");
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

    /// <summary>Images per <c>Session.Run</c> when the model's batch dimension is dynamic (default 4).</summary>
    public int BatchSize
    {
        get => _batchSize;
        init => _batchSize = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "must be positive");
    }

    /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>ONNX Runtime inter-op threads; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>Input size when the model's spatial dimensions are dynamic and its metadata names none (default 640).</summary>
    public int FallbackInputSize { get; init; } = 640;

    /// <summary>When set, the model file's SHA-256 must equal this (lower-case hex) or the detector refuses to start.</summary>
    public string? ExpectedSha256 { get; init; }
}
