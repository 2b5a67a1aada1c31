using System.Diagnostics;
using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Pipeline;

/// <summary>
/// The 2D pipeline: load → render → letterbox into a pooled batch tensor → Session.Run → decode + NMS → map boxes back
/// to original pixels. One bad file yields a non-ok result for that file and the batch goes on.
/// </summary>
public sealed class DetectionPipeline
{
    private readonly OnnxDetector _detector;
    private readonly ScanLoader _loader;
    private readonly RenderOptions _render;

    /// <summary>Creates a pipeline over an opened detector; the caller keeps ownership of the detector.</summary>
    public DetectionPipeline(OnnxDetector detector, ScanLoader? loader = null, RenderOptions? render = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _loader = loader ?? new ScanLoader();
        _render = render ?? RenderOptions.Default;
    }

    /// <summary>The detector in use.</summary>
    public OnnxDetector Detector => _detector;

    /// <summary>
    /// Processes <paramref name="inputs"/> in order, batching up to <see cref="OnnxDetector.MaxBatch"/> scans per Run.
    /// Outcomes come back in input order; each must be disposed by the caller.
    /// </summary>
    /// <param name="keepRendered">Keep each rendered picture (for overlays).</param>
    public IEnumerable<ScanOutcome> Process(IEnumerable<ScanInput> inputs, bool keepRendered)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        int maxBatch = _detector.MaxBatch;
        int per = _detector.InputFloatsPerImage;
        float[] tensor = new float[maxBatch * per];
        var pending = new List<Prepared>(maxBatch);
        var failed = new List<ScanOutcome>();
        foreach (ScanInput input in inputs)
        {
            Prepared? p = Prepare(input, tensor.AsSpan(pending.Count * per, per), out ScanOutcome? failure);
            if (failure is not null)
            {
                failed.Add(failure);
            }
            else
            {
                pending.Add(p!);
            }

            // Keep input order: failures are emitted together with the batch they arrived during.
            if (pending.Count == maxBatch || (pending.Count == 0 && failed.Count > 0))
            {
                foreach (ScanOutcome o in Flush(tensor, pending, failed, keepRendered))
                {
                    yield return o;
                }
            }
        }

        foreach (ScanOutcome o in Flush(tensor, pending, failed, keepRendered))
        {
            yield return o;
        }
    }

    private List<ScanOutcome> Flush(float[] tensor, List<Prepared> pending, List<ScanOutcome> failed, bool keepRendered)
    {
        var outcomes = new List<(int Order, ScanOutcome Outcome)>();
        foreach (ScanOutcome f in failed)
        {
            outcomes.Add((FailureOrder(f), f));
        }

        failed.Clear();
        if (pending.Count > 0)
        {
            List<Detection>[] dets;
            TimeSpan inf, dec;
            try
            {
                dets = _detector.Run(tensor, pending.Count, out inf, out dec);
            }
            catch (Exception ex) when (ex is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or XrayAnalysisException)
            {
                foreach (Prepared p in pending)
                {
                    outcomes.Add((p.Order, Failure(p.Input, ScanStatus.Failed, $"inference failed: {ex.Message}", p.Timings, p.Scan)));
                    p.Rendered.Dispose();
                    p.Scan.Dispose();
                }

                pending.Clear();
                return Sorted(outcomes);
            }

            // Batch-wide stage times are shared equally between the scans of the batch.
            double infMs = inf.TotalMilliseconds / pending.Count;
            double decMs = dec.TotalMilliseconds / pending.Count;
            for (int i = 0; i < pending.Count; i++)
            {
                Prepared p = pending[i];
                var sw = Stopwatch.StartNew();
                var records = new List<DetectionRecord>(dets[i].Count);
                foreach (Detection d in dets[i])
                {
                    Detection s = p.Transform.ToSource(d);
                    records.Add(new DetectionRecord(s.ClassId, _detector.Model.ClassName(s.ClassId), s.Score, s.X1, s.Y1, s.X2, s.Y2));
                }

                p.Timings["inference"] = infMs;
                p.Timings["postprocess"] = decMs + sw.Elapsed.TotalMilliseconds;
                ScanResult result = BaseResult(p.Input, p.Scan, p.Timings, p.Window) with
                {
                    Status = ScanStatus.Ok,
                    Detections = records,
                };
                p.Scan.Dispose();
                Mat? keep = keepRendered ? p.Rendered : null;
                if (!keepRendered)
                {
                    p.Rendered.Dispose();
                }

                outcomes.Add((p.Order, new ScanOutcome(result, keep)));
            }

            pending.Clear();
        }

        return Sorted(outcomes);
    }

    private static List<ScanOutcome> Sorted(List<(int Order, ScanOutcome Outcome)> o) =>
        o.OrderBy(x => x.Order).Select(x => x.Outcome).ToList();

    private int _order;
    private readonly Dictionary<ScanOutcome, int> _failureOrder = new(ReferenceEqualityComparer.Instance);

    private int FailureOrder(ScanOutcome f)
    {
        int order = _failureOrder[f];
        _failureOrder.Remove(f);
        return order;
    }

    private Prepared? Prepare(ScanInput input, Span<float> slot, out ScanOutcome? failure)
    {
        int order = _order++;
        var timings = new Dictionary<string, double>(StringComparer.Ordinal);
        var sw = Stopwatch.StartNew();
        Scan scan;
        try
        {
            scan = _loader.Load(input);
        }
        catch (ScanLoadException ex)
        {
            timings["decode"] = sw.Elapsed.TotalMilliseconds;
            failure = Failure(input, ex.Status, ex.Reason, timings, null);
            _failureOrder[failure] = order;
            return null;
        }

        timings["decode"] = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        Mat? rendered = null;
        try
        {
            (rendered, IntensityWindow? window) = ScanRenderer.Render(scan, _render);
            timings["render"] = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            LetterboxTransform t = InputTensorWriter.Write(rendered, _detector.Model.InputWidth, _detector.Model.InputHeight, _detector.Model.ResizeMode, slot);
            timings["preprocess"] = sw.Elapsed.TotalMilliseconds;
            failure = null;
            return new Prepared(order, input, scan, rendered, t, window, timings);
        }
        catch (OpenCVException ex)
        {
            rendered?.Dispose();
            failure = Failure(input, ScanStatus.Failed, $"rendering failed: {ex.Message}", timings, scan);
            scan.Dispose();
            _failureOrder[failure] = order;
            return null;
        }
    }

    private ScanOutcome Failure(ScanInput input, ScanStatus status, string reason, Dictionary<string, double> timings, Scan? scan) =>
        new(BaseResult(input, scan, timings, null) with { Status = status, Reason = reason }, null);

    private ScanResult BaseResult(ScanInput input, Scan? scan, Dictionary<string, double> timings, IntensityWindow? window)
    {
        ModelInfo m = _detector.Model;
        DetectorOptions o = _detector.Options;
        return new ScanResult
        {
            Name = input.Name,
            Input = new InputInfo(input.Path, scan?.Sha256, input.LowEnergyPath, scan?.LowEnergySha256),
            Width = scan?.Width,
            Height = scan?.Height,
            BitDepth = scan?.BitDepth,
            Channels = scan?.Channels,
            DualEnergy = scan?.IsDualEnergy ?? input.LowEnergyPath is not null,
            Model = new ModelSummary(m.Name, m.Sha256, m.Layout.ToString(), m.InputWidth, m.InputHeight),
            Parameters = new DetectParameters(o.Confidence, o.Iou, o.MaxDetections, o.Classes?.Order().ToList(), o.AgnosticNms,
                m.ResizeMode.ToString().ToLowerInvariant(), window is { } w ? [w.Low, w.High] : null),
            TimingsMs = timings,
            Status = ScanStatus.Failed,
        };
    }

    private sealed record Prepared(
        int Order, ScanInput Input, Scan Scan, Mat Rendered, LetterboxTransform Transform, IntensityWindow? Window, Dictionary<string, double> Timings);
}
