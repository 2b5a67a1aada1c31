using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Pipeline;

/// <summary>Builds the <see cref="ScanResult"/> records of one detector: model, parameters and contract filled in once.</summary>
internal sealed class ResultFactory(OnnxDetector detector)
{
    /// <summary>The route recorded in each result.</summary>
    public string? Route { get; set; }

    /// <summary>Alarm threshold recorded instead of the profile's.</summary>
    public float? OperatingThreshold { get; set; }

    /// <summary>A non-ok outcome (status and reason given), with what is known of the scan.</summary>
    public ScanOutcome Failure(ScanInput input, ScanStatus status, string reason, StageTimings timings, Scan? scan, int slot) =>
        new(Base(input, scan, timings, null) with { Status = status, Reason = reason }, null) { Slot = slot };

    /// <summary>A result for an input that was never detected on.</summary>
    public ScanResult FailureResult(ScanInput input, ScanStatus status, string reason) =>
        Base(input, null, new StageTimings(), null) with { Status = status, Reason = reason };

    /// <summary>The ok outcome of a prepared scan; frees the scan and, unless kept, the rendered picture.</summary>
    public ScanOutcome Success(PreparedScan p, List<Detection> boxes, TilingInfo? tiling, bool keepRendered)
    {
        var records = new List<DetectionRecord>(boxes.Count);
        foreach (Detection s in boxes)
        {
            records.Add(new DetectionRecord(s.ClassId, detector.Model.ClassName(s.ClassId), s.Score, s.X1, s.Y1, s.X2, s.Y2));
        }

        ScanResult result = Base(p.Input, p.Scan, p.Timings, p.Window, tiling is null ? p.Transform : null, tiling) with
        {
            Status = ScanStatus.Ok, Detections = records, Tiling = tiling,
            ShieldRegions = p.Shield,
            Warnings = p.ShieldNote is null ? null : [p.ShieldNote],
        };
        p.Scan.Dispose();
        Mat? keep = keepRendered ? p.Rendered : null;
        if (!keepRendered)
        {
            p.Rendered.Dispose();
        }

        return new ScanOutcome(result, keep) { Slot = p.Slot };
    }

    private static Dictionary<string, float>? ClassThresholds(ModelInfo m, DetectorSettings st) =>
        st.ClassConfidence.Count == 0 ? null : st.ClassConfidence.ToDictionary(kv => m.ClassName(kv.Key), kv => kv.Value, StringComparer.Ordinal);

    private ScanResult Base(ScanInput input, Scan? scan, StageTimings timings, IntensityWindow? window,
        LetterboxTransform? transform = null, TilingInfo? tiling = null)
    {
        ModelInfo m = detector.Model;
        DetectorOptions o = detector.Options;
        DetectorSettings st = detector.Settings;
        InputContract c = st.Contract;
        var pre = new PreprocessingRecord(Names.Of(c.ChannelOrder), c.Scale, c.Mean, c.Std, Names.Of(c.Resize), c.PadValue, Names.Of(c.Interpolation),
            [c.Width, c.Height], c.Family, st.MaxUpscale, c.Sources.ToDictionary(kv => kv.Key, kv => Names.Of(kv.Value), StringComparer.Ordinal),
            transform is { } t && tiling is null ? Math.Round(t.ScaleX, 6) : null, scan?.ExifOrientation, st.Fill, st.Fills.Count > 1 ? st.Fills : null);
        return new ScanResult
        {
            Name = input.Name,
            Input = new InputInfo(input.Path, scan?.Sha256, input.LowEnergyPath, scan?.LowEnergySha256),
            Width = scan?.Width,
            Height = scan?.Height,
            BitDepth = scan?.BitDepth,
            Channels = scan?.Channels,
            DualEnergy = scan?.IsDualEnergy ?? input.LowEnergyPath is not null,
            Model = ModelSummary.Of(m),
            Parameters = new DetectParameters(st.Confidence, st.Iou, o.MaxDetections, o.Classes?.Order().ToList(), o.AgnosticNms,
                Names.Of(c.Resize), window is { } w ? [w.Low, w.High] : null, Names.Of(st.ConfidenceSource), Names.Of(st.IouSource),
                OperatingThreshold ?? st.OperatingThreshold, ClassThresholds(m, st), pre, st.TestTimeFlip),
            Route = Route,
            TimingsMs = timings,
            NonFiniteSamples = scan?.NonFiniteSamples,
            Status = ScanStatus.Failed,
        };
    }
}
