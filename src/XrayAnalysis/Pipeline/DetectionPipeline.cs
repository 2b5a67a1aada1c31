using System.Diagnostics;
using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Merging;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Screening;
using XrayAnalysis.Tiling;

namespace XrayAnalysis.Pipeline;

/// <summary>
/// The 2D pipeline: prefetch (read + render ahead, <see cref="ScanPrefetcher"/>) → letterbox into pooled batch tensors →
/// Session.Run → decode + NMS → map boxes back to original pixels; large scans go to <see cref="TiledDetector"/>. Whole
/// scans are batched across inputs. One bad file yields a non-ok result for that file and the batch goes on. Outcomes
/// come back in input order.
/// </summary>
internal sealed class DetectionPipeline
{
    private readonly OnnxDetector _detector;
    private readonly ScanLoader _loader;
    private readonly RenderOptions _render;
    private readonly TileOptions _tiles;
    private readonly TensorBatch<(PreparedScan Scan, int Pass)> _batch;
    private readonly TiledDetector _tiled;
    private readonly ResultFactory _results;

    /// <summary>Creates a pipeline over an opened detector; the caller keeps ownership of the detector.</summary>
    public DetectionPipeline(OnnxDetector detector, ScanLoader? loader = null, RenderOptions? render = null, TileOptions? tiles = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _loader = loader ?? new ScanLoader();
        _render = render ?? RenderOptions.Default;
        _tiles = tiles ?? TileOptions.Default;
        _batch = new TensorBatch<(PreparedScan Scan, int Pass)>(detector);
        _tiled = new TiledDetector(detector, _tiles, [new float[detector.MaxBatch * detector.InputFloatsPerImage], new float[detector.MaxBatch * detector.InputFloatsPerImage]]);
        _results = new ResultFactory(detector);
    }

    /// <summary>
    /// Longest time one input may take to be read, checked, decoded and rendered (default 2 minutes); a slower one is
    /// abandoned as <c>failed</c> so that no single file can stall a batch. <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan InputTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Scans read and rendered ahead of inference at most (default 1).</summary>
    public int PrefetchDepth { get; init; } = 1;

    /// <summary>When set, decode and render CPU time (thread CPU, on the prefetch workers) is added here (benchmarks).</summary>
    internal StageCpu? Cpu { get; set; }

    /// <summary>The detector in use.</summary>
    public OnnxDetector Detector => _detector;

    /// <summary>The tiling settings in use.</summary>
    public TileOptions Tiles => _tiles;

    /// <summary>The shield check run on each scan before its raw pixels are released.</summary>
    public ShieldOptions Shield { get; init; } = ShieldOptions.Default;

    /// <summary>The route recorded in each result; null when none.</summary>
    public string? Route { get => _results.Route; init => _results.Route = value; }

    /// <summary>Alarm threshold recorded in each result instead of the model profile's; null keeps the profile's.</summary>
    public float? OperatingThreshold { get => _results.OperatingThreshold; init => _results.OperatingThreshold = value; }

    /// <summary>
    /// Called with each batch's input tensor and image count just before <c>Session.Run</c>; used by the benchmark to
    /// replay exactly the same tensors through bare <c>Session.Run</c>. The buffer is reused after the call returns.
    /// </summary>
    internal Action<float[], int>? BeforeRun
    {
        get => _beforeRun;
        set
        {
            _beforeRun = value;
            _batch.BeforeRun = value;
            _tiled.BeforeRun = value;
        }
    }

    private Action<float[], int>? _beforeRun;

    /// <summary>Processes <paramref name="inputs"/>; each outcome must be disposed by the caller.</summary>
    /// <param name="inputs">Files to read, check, decode and detect on.</param>
    /// <param name="keepRendered">Keep each rendered picture (for overlays).</param>
    public IEnumerable<ScanOutcome> Process(IEnumerable<ScanInput> inputs, bool keepRendered)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return Process(inputs.Select(i => new ScanJob(i, null)), keepRendered);
    }

    /// <summary>
    /// Processes jobs in order: a job with a decoded scan skips reading (the pipeline disposes that scan). Stopping the
    /// enumeration early frees every picture not yet handed out; the load in flight is not waited for, its output is
    /// freed when it ends.
    /// </summary>
    internal IEnumerable<ScanOutcome> Process(IEnumerable<ScanJob> jobs, bool keepRendered)
    {
        var outbox = new SortedDictionary<int, ScanOutcome>();
        int next = 0;
        using var prefetch = new ScanPrefetcher(jobs, Load, TimedOut, InputTimeout, PrefetchDepth);
        try
        {
            while (prefetch.TryNext(out ScanPrefetcher.Loaded loaded))
            {
                (PreparedScan? p, ScanOutcome? failure) = loaded;
                if (failure is not null)
                {
                    outbox[failure.Slot] = failure;
                }
                else if (_tiled.NeedsTiling(p!.Rendered.Cols, p.Rendered.Rows))
                {
                    RunBatch(outbox, keepRendered);
                    outbox[p.Slot] = RunTiled(p, keepRendered);
                }
                #pragma warning disable CA2000 // the failure outcome goes to the outbox, which hands it to the caller or disposes it
                else if (TryPrepare(p, outbox, keepRendered, out ScanOutcome? prepFailure))
                #pragma warning restore CA2000
                {
                    if (_batch.Full)
                    {
                        RunBatch(outbox, keepRendered);
                    }
                }
                else
                {
                    outbox[p.Slot] = prepFailure!;
                }

                // Pending scans have no outcome yet, so this stops at the first scan still waiting for its batch.
                while (outbox.ContainsKey(next))
                {
                    yield return Take(outbox, next++);
                }
            }

            RunBatch(outbox, keepRendered);
            while (outbox.ContainsKey(next))
            {
                yield return Take(outbox, next++);
            }
        }
        finally
        {
            // Reached with work left only when the caller stopped early or something outside one input failed; the
            // prefetcher (disposed after this) frees the loads still in flight when they end.
            foreach (PreparedScan p in _batch.Items.Select(x => x.Scan).Distinct().Where(p => !p.Done).ToList())
            {
                p.Dispose();
            }

            _batch.Clear();

            foreach (ScanOutcome o in outbox.Values)
            {
                o.Dispose();
            }
        }
    }

    private ScanOutcome TimedOut(ScanJob job, int slot, TimeSpan elapsed) =>
        _results.Failure(job.Input, ScanStatus.Failed,
            $"timed out: reading and rendering took longer than the {InputTimeout.TotalSeconds:0.#} s per-input limit",
            new StageTimings { Decode = elapsed.TotalMilliseconds }, null, slot);

    /// <summary>
    /// Letterboxes one scan into the next slots of the batch, one per fill (running the batch when it fills up between
    /// passes); a failure here becomes that scan's outcome. True when the scan is in (or already has an outcome from a
    /// batch run in between).
    /// </summary>
    private bool TryPrepare(PreparedScan p, SortedDictionary<int, ScanOutcome> outbox, bool keepRendered, out ScanOutcome? failure)
    {
        IReadOnlyList<double> fills = _detector.Settings.Fills;
        p.Passes = new List<Detection>?[fills.Count];
        var prep = Stopwatch.StartNew();
        double prepMs = 0;
        int inBatch = 0;
        try
        {
            for (int k = 0; k < fills.Count; k++)
            {
                if (_batch.Full)
                {
                    prepMs += prep.Elapsed.TotalMilliseconds;
                    RunBatch(outbox, keepRendered);
                    inBatch = 0;
                    if (p.Done)
                    {
                        failure = null;
                        return true;
                    }

                    prep.Restart();
                }

                LetterboxTransform t = _batch.Add(p.Rendered, (p, k), _detector.Settings.MaxUpscale, fills[k]);
                inBatch++;
                if (k == 0)
                {
                    p.Transform = t;
                }
            }

            p.Timings = p.Timings with { Preprocess = prepMs + prep.Elapsed.TotalMilliseconds };
            failure = null;
            return true;
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            _batch.RemoveLast(inBatch);
            p.Timings = p.Timings with { Preprocess = prepMs + prep.Elapsed.TotalMilliseconds };
            failure = _results.Failure(p.Input, ScanStatus.Failed, $"preprocessing failed: {Reasons.Of(ex)}", p.Timings, p.Scan, p.Slot);
            p.Done = true;
            p.Dispose();
            return false;
        }
    }

    /// <summary>
    /// Every exception raised while one input is handled belongs to that input, except the ones that mean the process itself
    /// can no longer be trusted (stack overflow cannot be caught; these two can).
    /// </summary>
    internal static bool IsPerInput(Exception ex) => ex is not (ThreadAbortException or AccessViolationException);

    private static ScanOutcome Take(SortedDictionary<int, ScanOutcome> outbox, int key)
    {
        ScanOutcome o = outbox[key];
        outbox.Remove(key);
        return o;
    }

    private void RunBatch(SortedDictionary<int, ScanOutcome> outbox, bool keepRendered)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        IReadOnlyList<double> fills = _detector.Settings.Fills;
        List<PreparedScan> members = _batch.Items.Select(x => x.Scan).Distinct().ToList();
        List<((PreparedScan Scan, int Pass) Item, List<Detection> Boxes)> results;
        double infMs, decMs;
        try
        {
            (results, infMs, decMs) = _batch.Run(forFusion: fills.Count > 1);
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            foreach (PreparedScan p in members)
            {
                outbox[p.Slot] = _results.Failure(p.Input, ScanStatus.Failed, $"inference failed: {Reasons.Of(ex)}", p.Timings, p.Scan, p.Slot);
                p.Done = true;
                p.Dispose();
            }

            return;
        }

        // Batch-wide stage times are shared equally between the pictures of the batch (a scan's passes add up).
        foreach (((PreparedScan p, int pass), List<Detection> boxes) in results)
        {
            p.Timings = p.Timings with
            {
                Inference = (p.Timings.Inference ?? 0) + (infMs / results.Count),
                Postprocess = (p.Timings.Postprocess ?? 0) + (decMs / results.Count),
            };
            p.Passes[pass] = boxes;
            if (++p.PassesDone < fills.Count)
            {
                continue;
            }

            try
            {
                List<Detection> final = boxes;
                if (fills.Count > 1)
                {
                    var fuse = Stopwatch.StartNew();
                    DetectorSettings st = _detector.Settings;
                    final = FillFusion.Fuse(p.Passes.Select(x => (IReadOnlyList<Detection>)x!).ToList(), _detector.Options.AgnosticNms, st.Confidence, st.ClassConfidence, _detector.Options.MaxDetections);
                    p.Timings = p.Timings with { Postprocess = p.Timings.Postprocess + fuse.Elapsed.TotalMilliseconds };
                }

                outbox[p.Slot] = _results.Success(p, final, null, keepRendered);
            }
            catch (Exception ex) when (IsPerInput(ex))
            {
                outbox[p.Slot] = _results.Failure(p.Input, ScanStatus.Failed, $"postprocessing failed: {Reasons.Of(ex)}", p.Timings, p.Scan, p.Slot);
                p.Dispose();
            }

            p.Done = true;
        }
    }

    /// <summary>Runs one large scan through the tiled detector; any failure becomes that scan's outcome.</summary>
    private ScanOutcome RunTiled(PreparedScan p, bool keepRendered)
    {
        try
        {
            TiledRun run = _tiled.Detect(p.Rendered);
            p.Timings = p.Timings with
            {
                Preprocess = (p.Timings.Preprocess ?? 0) + run.PreprocessMs,
                Inference = run.InferenceMs,
                Postprocess = run.PostprocessMs,
                Merge = run.MergeMs,
            };
            return _results.Success(p, run.Boxes, run.Info, keepRendered);
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            ScanOutcome f = _results.Failure(p.Input, ScanStatus.Failed, $"tiled inference failed: {Reasons.Of(ex)}", p.Timings, p.Scan, p.Slot);
            p.Dispose();
            return f;
        }
    }

    /// <summary>Reads (unless already decoded), checks the size and renders one job; runs on a prefetch worker.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope",
        Justification = "Every outcome made here is returned inside Loaded; the prefetcher hands it on or disposes it.")]
    private ScanPrefetcher.Loaded Load(ScanJob job, int slot)
    {
        ScanInput input = job.Input;
        var sw = Stopwatch.StartNew();
        Scan scan;
        try
        {
            double cpu0 = Cpu is null ? 0 : ThreadCpu.Seconds();
            scan = job.Decoded ?? _loader.Load(input);
            Cpu?.AddDecode(ThreadCpu.Seconds() - cpu0);
        }
        catch (ScanLoadException ex)
        {
            return new(null, _results.Failure(input, ex.Status, Reasons.OneLine(ex.Reason, "unreadable input"), new StageTimings { Decode = sw.Elapsed.TotalMilliseconds }, null, slot));
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            return new(null, _results.Failure(input, ScanStatus.Failed, $"decoder error: {Reasons.Of(ex)}", new StageTimings { Decode = sw.Elapsed.TotalMilliseconds }, null, slot));
        }

        var timings = new StageTimings { Decode = sw.Elapsed.TotalMilliseconds };
        int minSide = _detector.Settings.MinInputSide;
        if (scan.Width < minSide || scan.Height < minSide)
        {
            ScanOutcome small = _results.Failure(input, ScanStatus.Rejected,
                $"too small to screen: {scan.Width}x{scan.Height} px, a side is below the {minSide} px minimum (thumbnails and slivers are not screened)", timings, scan, slot);
            scan.Dispose();
            return new(null, small);
        }

        sw.Restart();
        double renderCpu0 = Cpu is null ? 0 : ThreadCpu.Seconds();
        try
        {
            // The shield check needs the raw transmissions, so it runs here; its time counts as rendering.
            (IReadOnlyList<ShieldRegion>? shield, string? shieldNote) = Shield.Enabled ? ShieldDetector.Find(scan, Shield) : (null, null);
            (Mat rendered, IntensityWindow? window) = ScanRenderer.Render(scan, _render);
            timings = timings with { Render = sw.Elapsed.TotalMilliseconds };
            Cpu?.AddRender(ThreadCpu.Seconds() - renderCpu0);

            // Only the 8-bit render goes on; the raw (often 16-bit, dual-energy) pixels are freed now, not after inference.
            scan.ReleasePixels();
            return new(new PreparedScan(slot, input, scan, rendered, window, timings) { Shield = shield, ShieldNote = shieldNote }, null);
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            ScanOutcome failed = _results.Failure(input, ex is ScanLoadException sle ? sle.Status : ScanStatus.Failed, $"rendering failed: {Reasons.Of(ex)}", timings, scan, slot);
            scan.Dispose();
            return new(null, failed);
        }
    }

    /// <summary>A result for <paramref name="input"/> that was not detected on (status and reason given), with this pipeline's model and parameters.</summary>
    internal ScanResult FailureResult(ScanInput input, ScanStatus status, string reason) => _results.FailureResult(input, status, reason);
}
