using System.Runtime.CompilerServices;
using System.Threading.Channels;
using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Pipeline;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis;

/// <summary>
/// The entry point of the library: an ONNX detector with its profile, its preprocessing contract and the whole 2D
/// pipeline behind it (render → tile when large → letterbox → ONNX Runtime → decode → NMS → merge). One instance holds
/// one model session; calls on one instance are serialised, so share it freely between threads. Dispose it when done.
/// </summary>
/// <example>
/// <code>
/// using var detector = XrayDetector.Open("models/xray-concealment-s.onnx");
/// using var scan = ScanImage.FromDualEnergy(high, low, width, height, "bag-0001");
/// ScanResult result = detector.Detect(scan);
/// foreach (DetectionRecord d in result.Detections) Console.WriteLine($"{d.ClassName} {d.Score:0.00}");
/// File.WriteAllBytes("bag-0001.png", detector.DrawOverlay(scan, result));
/// </code>
/// </example>
public sealed class XrayDetector : IDisposable
{
    private readonly OnnxDetector _detector;
    private readonly DetectionPipeline _pipeline;
    private readonly XrayDetectorOptions _options;
    // Never disposed: a caller may still be waiting on it when another thread disposes the detector, and without
    // AvailableWaitHandle a SemaphoreSlim holds no native handle.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "See above.")]
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    private XrayDetector(OnnxDetector detector, XrayDetectorOptions options)
    {
        _detector = detector;
        _options = options;
        _pipeline = new DetectionPipeline(detector, new ScanLoader(options.Loader), options.Render, options.Tiles) { InputTimeout = options.InputTimeout, Shield = options.Shield, Route = options.Route, OperatingThreshold = options.OperatingThreshold, PrefetchDepth = options.PrefetchDepth ?? Math.Max(2, 2 * detector.MaxBatch) };
    }

    /// <summary>Wraps a detector opened elsewhere (the CLI's model-opening path); the result owns and disposes it.</summary>
    internal static XrayDetector Over(OnnxDetector engine, XrayDetectorOptions options) =>
        new(engine, options with { Detector = engine.Options });

    /// <summary>What the model is: name, SHA-256, layout and where it came from, input size, classes, profile.</summary>
    public ModelInfo Model => _detector.Model;

    /// <summary>The settings in force (confidence, IoU, operating threshold, preprocessing contract), each with its source.</summary>
    public DetectorSettings Settings => _detector.Settings;

    /// <summary>The options this detector was opened with.</summary>
    public XrayDetectorOptions Options => _options;

    /// <summary>The ONNX Runtime session and decoder behind this detector.</summary>
    internal OnnxDetector Engine => _detector;

    /// <summary>The pipeline behind this detector, for the batch writer.</summary>
    internal DetectionPipeline Pipeline => _pipeline;

    /// <summary>
    /// Opens an ONNX model: reads its profile (sidecar, <c>models.json</c>, or the bundled manifest), resolves its output
    /// layout and preprocessing contract, and runs a warm-up. Throws <see cref="ModelLoadException"/> with a one-line
    /// reason when the model cannot be used, and <see cref="ArgumentException"/> when the shield options are out of range.
    /// </summary>
    /// <param name="modelPath">The <c>.onnx</c> file.</param>
    /// <param name="options">Options; the defaults of <c>xray detect</c> when null.</param>
    public static XrayDetector Open(string modelPath, XrayDetectorOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= new XrayDetectorOptions();
        options.Shield.Validate();
        return new XrayDetector(OnnxDetector.Open(modelPath, options.Detector), options);
    }

    /// <summary>
    /// Detects on one scan. Never throws for a bad scan: the result's <see cref="ScanResult.Status"/> and
    /// <see cref="ScanResult.Reason"/> say what went wrong. The caller keeps ownership of <paramref name="image"/>.
    /// </summary>
    /// <param name="image">The scan.</param>
    public ScanResult Detect(ScanImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        _gate.Wait();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            #pragma warning disable CA2000 // the view is owned by the pipeline, which disposes every scan it is given
            using ScanOutcome outcome = _pipeline.Process([new ScanJob(image.Scan.Input, image.Scan.View())], keepRendered: false).Single();
            #pragma warning restore CA2000
            return outcome.Result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> on the pipeline while holding this detector (calls stay serialised).</summary>
    internal T Exclusive<T>(Func<DetectionPipeline, T> work)
    {
        _gate.Wait();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return work(_pipeline);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Detects on one scan on the thread pool; see <see cref="Detect(ScanImage)"/>.</summary>
    /// <param name="image">The scan; keep it alive until the task completes.</param>
    /// <param name="cancellationToken">Cancels before the scan starts.</param>
    public Task<ScanResult> DetectAsync(ScanImage image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Task.Run(() => Detect(image), cancellationToken);
    }

    /// <summary>
    /// Detects on files, folders or globs (dual-energy <c>NAME_high</c>/<c>NAME_low</c> pairs joined, as in <c>xray
    /// detect</c>), in input order, reading ahead while the model runs. A damaged file gives a non-ok result and the
    /// stream goes on; a path that matches nothing gives a <c>failed</c> result naming it.
    /// </summary>
    /// <param name="paths">Files, folders or globs.</param>
    /// <param name="cancellationToken">Stops after the scan in hand.</param>
    public async IAsyncEnumerable<ScanResult> DetectFilesAsync(IEnumerable<string> paths, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        IReadOnlyList<ScanInput> inputs = ScanDiscovery.Discover(paths, out IReadOnlyList<string> missing);
        foreach (string m in missing)
        {
            yield return _pipeline.FailureResult(ScanInput.Single(m), ScanStatus.Failed, ScanDiscovery.MissingReason(m));
        }

        var channel = Channel.CreateBounded<ScanResult>(new BoundedChannelOptions(Math.Max(1, _detector.MaxBatch)) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task producer = Task.Run(async () =>
        {
            await _gate.WaitAsync(stop.Token).ConfigureAwait(false);
            try
            {
                foreach (ScanOutcome outcome in _pipeline.Process(inputs, keepRendered: false))
                {
                    using (outcome)
                    {
                        await channel.Writer.WriteAsync(outcome.Result, stop.Token).ConfigureAwait(false);
                    }

                    if (stop.IsCancellationRequested)
                    {
                        break;
                    }
                }
            }
            finally
            {
                _gate.Release();
            }
        }, stop.Token);
        _ = producer.ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        try
        {
            await foreach (ScanResult r in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return r;
            }
        }
        finally
        {
            // A consumer that stops early stops the producer; the pipeline frees what it still holds.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected when the consumer stopped early.
            }
        }
    }

    /// <summary>
    /// The 8-bit picture the model sees (grey, colour, or dual-energy pseudo-colour), as PNG bytes, with the detections of
    /// <paramref name="result"/> drawn on it and the result embedded as PNG text chunks.
    /// </summary>
    /// <param name="image">The scan the result is for.</param>
    /// <param name="result">A result from this detector for <paramref name="image"/>.</param>
    /// <param name="style">Alarm threshold, display floor, suggestions and legend; <see cref="OverlayStyle.Default"/> when null.</param>
    public byte[] DrawOverlay(ScanImage image, ScanResult result, OverlayStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(result);
        (Mat rendered, _) = ScanRenderer.Render(image.Scan, _options.Render);
        using (rendered)
        {
            return OverlayWriter.OverlayPng(rendered, result, style);
        }
    }

    /// <summary>
    /// The overlay of <paramref name="result"/> alone as a PNG with alpha, the size of the scan, transparent where nothing
    /// is drawn: for a workstation to toggle over its own rendering.
    /// </summary>
    /// <param name="result">An ok result (its width and height size the layer).</param>
    /// <param name="style">As for <see cref="DrawOverlay"/>.</param>
    public static byte[] DrawOverlayLayer(ScanResult result, OverlayStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Width is not > 0 || result.Height is not > 0)
        {
            throw new ArgumentException($"result for {result.Input.Path} has no size (status {result.Status}): nothing to draw over", nameof(result));
        }

        return OverlayWriter.LayerPng(result.Width.Value, result.Height.Value, result, style);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _gate.Wait();
        try
        {
            if (!_disposed)
            {
                _disposed = true;
                _detector.Dispose();
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
