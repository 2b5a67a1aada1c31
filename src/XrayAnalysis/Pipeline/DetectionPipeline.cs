using System.Diagnostics;
using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Merging;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Tiling;

namespace XrayAnalysis.Pipeline;

/// <summary>
/// The 2D pipeline: load → render → (tile) → letterbox into pooled batch tensors → Session.Run → decode + NMS → map
/// boxes back to original pixels → (merge tiles). Whole scans are batched across inputs; a tiled scan's tiles are batched
/// together, and the next batch is prepared on another thread while the current one runs. One bad file yields a
/// non-ok result for that file and the batch goes on. Outcomes come back in input order.
/// </summary>
internal sealed class DetectionPipeline
{
    private readonly OnnxDetector _detector;
    private readonly ScanLoader _loader;
    private readonly RenderOptions _render;
    private readonly TileOptions _tiles;
    private readonly float[][] _buffers;

    /// <summary>Creates a pipeline over an opened detector; the caller keeps ownership of the detector.</summary>
    public DetectionPipeline(OnnxDetector detector, ScanLoader? loader = null, RenderOptions? render = null, TileOptions? tiles = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _loader = loader ?? new ScanLoader();
        _render = render ?? RenderOptions.Default;
        _tiles = tiles ?? TileOptions.Default;
        _buffers = [new float[detector.MaxBatch * detector.InputFloatsPerImage], new float[detector.MaxBatch * detector.InputFloatsPerImage]];
    }

    /// <summary>
    /// Longest time one input may take to be read, checked, decoded and rendered (default 2 minutes); a slower one is
    /// abandoned as <c>failed</c> so that no single file can stall a batch. <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan InputTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The detector in use.</summary>
    public OnnxDetector Detector => _detector;

    /// <summary>The tiling settings in use.</summary>
    public TileOptions Tiles => _tiles;

    /// <summary>
    /// Called with each batch's input tensor and image count just before <c>Session.Run</c>; used by <c>xray bench</c> to
    /// replay exactly the same tensors through bare <c>Session.Run</c>. The buffer is reused after the call returns.
    /// </summary>
    public Action<float[], int>? BeforeRun { get; set; }

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
        int per = _detector.InputFloatsPerImage;
        var pending = new List<Prepared>(_detector.MaxBatch);
        var outbox = new SortedDictionary<int, ScanOutcome>();
        int next = 0, order = 0;

        // Load and render one scan ahead on a worker while the current one is prepared and inferred.
        using IEnumerator<ScanJob> e = jobs.GetEnumerator();
        LoadAhead? ahead = null;
        try
        {
            ahead = StartLoad(e, ref order);
            while (ahead is not null)
            {
                (Prepared? p, ScanOutcome? failure) = AwaitLoad(ahead);
                ahead = StartLoad(e, ref order);
                if (failure is not null)
                {
                    outbox[failure.Slot] = failure;
                }
                else if (NeedsTiling(p!.Rendered))
                {
                    RunBatch(pending, outbox, keepRendered);
                    outbox[p.Slot] = RunTiled(p, keepRendered);
                }
                #pragma warning disable CA2000 // the failure outcome goes to the outbox, which hands it to the caller or disposes it
                else if (TryPrepare(p, _buffers[0].AsSpan(pending.Count * per, per), out ScanOutcome? prepFailure))
                #pragma warning restore CA2000
                {
                    pending.Add(p);
                    if (pending.Count == _detector.MaxBatch)
                    {
                        RunBatch(pending, outbox, keepRendered);
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

            RunBatch(pending, outbox, keepRendered);
            while (outbox.ContainsKey(next))
            {
                yield return Take(outbox, next++);
            }
        }
        finally
        {
            // Reached with work left only when the caller stopped early or something outside one input failed.
            // The load in flight may be stuck in a decoder: never wait for it here, free what it makes when it ends.
            ahead?.Task.ContinueWith(t => t.Result.P?.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

            foreach (Prepared p in pending)
            {
                p.Dispose();
            }

            foreach (ScanOutcome o in outbox.Values)
            {
                o.Dispose();
            }
        }
    }

    /// <summary>A load running on a worker, with what is needed to fail it on time.</summary>
    private sealed record LoadAhead(Task<(Prepared? P, ScanOutcome? Failure)> Task, ScanInput Input, int Slot, Stopwatch Started);

    private LoadAhead? StartLoad(IEnumerator<ScanJob> e, ref int order)
    {
        if (!e.MoveNext())
        {
            return null;
        }

        ScanJob job = e.Current;
        ScanInput input = job.Input;
        int slot = order++;
        var started = Stopwatch.StartNew();
        Task<(Prepared? P, ScanOutcome? Failure)> task = Task.Run(() =>
        {
            Prepared? p = Load(job, slot, out ScanOutcome? failure);
            return (p, failure);
        });
        return new LoadAhead(task, input, slot, started);
    }

    /// <summary>
    /// Waits for a load no longer than <see cref="InputTimeout"/> from its start. A load that overruns (a decoder stuck on a
    /// hostile file) is abandoned: its scan is <c>failed</c> with a timeout reason, and whatever it produces later is disposed.
    /// </summary>
    private (Prepared? P, ScanOutcome? Failure) AwaitLoad(LoadAhead load)
    {
        (Task<(Prepared? P, ScanOutcome? Failure)> task, ScanInput input, int slot, Stopwatch started) = load;
        TimeSpan left = InputTimeout - started.Elapsed;
        if (InputTimeout == Timeout.InfiniteTimeSpan || task.Wait(left > TimeSpan.Zero ? left : TimeSpan.Zero))
        {
            return task.Result;
        }

        task.ContinueWith(t => t.Result.P?.Dispose(), TaskScheduler.Default);
        var timings = new Dictionary<string, double>(StringComparer.Ordinal) { ["decode"] = started.Elapsed.TotalMilliseconds };
        return (null, Failure(input, ScanStatus.Failed,
            $"timed out: reading and rendering took longer than the {InputTimeout.TotalSeconds:0.#} s per-input limit", timings, null, slot));
    }

    /// <summary>Letterboxes one scan into its slot of the batch tensor; any failure becomes that scan's outcome.</summary>
    private bool TryPrepare(Prepared p, Span<float> slot, out ScanOutcome? failure)
    {
        var prep = Stopwatch.StartNew();
        try
        {
            p.Transform = InputTensorWriter.Write(p.Rendered, _detector.Contract, slot, _detector.Settings.MaxUpscale);
            p.Timings["preprocess"] = prep.Elapsed.TotalMilliseconds;
            failure = null;
            return true;
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            p.Timings["preprocess"] = prep.Elapsed.TotalMilliseconds;
            failure = Failure(p.Input, ScanStatus.Failed, $"preprocessing failed: {Reasons.Of(ex)}", p.Timings, p.Scan, p.Slot);
            p.Dispose();
            return false;
        }
    }

    /// <summary>
    /// Every exception raised while one input is handled belongs to that input, except the ones that mean the process itself
    /// can no longer be trusted (stack overflow cannot be caught; these two can).
    /// </summary>
    internal static bool IsPerInput(Exception ex) => ex is not (ThreadAbortException or AccessViolationException);

    /// <summary>True when this rendered scan will be tiled under the current options.</summary>
    public bool NeedsTiling(int width, int height) => _tiles.Mode switch
    {
        TileMode.Off => false,
        TileMode.Always => true,
        _ => Math.Max(width, height) * _tiles.Scale > _tiles.AutoFactor * Math.Max(_detector.Model.InputWidth, _detector.Model.InputHeight),
    };

    private bool NeedsTiling(Mat rendered) => NeedsTiling(rendered.Cols, rendered.Rows);

    private static ScanOutcome Take(SortedDictionary<int, ScanOutcome> outbox, int key)
    {
        ScanOutcome o = outbox[key];
        outbox.Remove(key);
        return o;
    }

    private void RunBatch(List<Prepared> pending, SortedDictionary<int, ScanOutcome> outbox, bool keepRendered)
    {
        if (pending.Count == 0)
        {
            return;
        }

        List<Detection>[] dets;
        TimeSpan inf, dec;
        try
        {
            BeforeRun?.Invoke(_buffers[0], pending.Count);
            dets = _detector.Run(_buffers[0], pending.Count, out inf, out dec);
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            foreach (Prepared p in pending)
            {
                outbox[p.Slot] = Failure(p.Input, ScanStatus.Failed, $"inference failed: {Reasons.Of(ex)}", p.Timings, p.Scan, p.Slot);
                p.Dispose();
            }

            pending.Clear();
            return;
        }

        // Batch-wide stage times are shared equally between the scans of the batch.
        double infMs = inf.TotalMilliseconds / pending.Count, decMs = dec.TotalMilliseconds / pending.Count;
        for (int i = 0; i < pending.Count; i++)
        {
            Prepared p = pending[i];
            try
            {
                var sw = Stopwatch.StartNew();
                var boxes = new List<Detection>(dets[i].Count);
                foreach (Detection d in dets[i])
                {
                    Detection s = p.Transform.ToSource(d);
                    if (s.X2 > s.X1 && s.Y2 > s.Y1)
                    {
                        boxes.Add(s);
                    }
                }

                p.Timings["inference"] = infMs;
                p.Timings["postprocess"] = decMs + sw.Elapsed.TotalMilliseconds;
                outbox[p.Slot] = Success(p, boxes, null, keepRendered);
            }
            catch (Exception ex) when (IsPerInput(ex))
            {
                outbox[p.Slot] = Failure(p.Input, ScanStatus.Failed, $"postprocessing failed: {Reasons.Of(ex)}", p.Timings, p.Scan, p.Slot);
                p.Dispose();
            }
        }

        pending.Clear();
    }

    /// <summary>Tiles one scan; batches of tiles are prepared on a worker while the previous batch runs.</summary>
    private ScanOutcome RunTiled(Prepared p, bool keepRendered)
    {
        Mat source = p.Rendered;
        Mat? scaled = null;
        Task<LetterboxTransform[]>? ahead = null;
        try
        {
            if (_tiles.Scale < 1)
            {
                scaled = new Mat();
                Cv2.Resize(source, scaled, new Size(0, 0), _tiles.Scale, _tiles.Scale, InterpolationFlags.Area);
                source = scaled;
            }

            int size = _tiles.Size > 0 ? _tiles.Size : Math.Max(_detector.Model.InputWidth, _detector.Model.InputHeight);
            var jobs = TilePlanner.Plan(source.Cols, source.Rows, size, _tiles.Overlap)
                .Select(t => (Tile: t, Whole: false)).ToList();
            if (_tiles.FullImagePass)
            {
                jobs.Add((new Tile(0, 0, source.Cols, source.Rows, false, false, false, false), true));
            }

            int maxBatch = _detector.MaxBatch, per = _detector.InputFloatsPerImage;
            int batches = (jobs.Count + maxBatch - 1) / maxBatch;
            double preprocessMs = 0, inferenceMs = 0, postMs = 0;
            var candidates = new List<MergeCandidate>();

            LetterboxTransform[] Prepare(int b)
            {
                int start = b * maxBatch, count = Math.Min(maxBatch, jobs.Count - start);
                var transforms = new LetterboxTransform[count];
                float[] buffer = _buffers[b % 2];
                for (int k = 0; k < count; k++)
                {
                    Tile t = jobs[start + k].Tile;
                    using var roi = new Mat(source, new Rect(t.X, t.Y, t.Width, t.Height));
                    transforms[k] = InputTensorWriter.Write(roi, _detector.Contract, buffer.AsSpan(k * per, per));
                }

                return transforms;
            }

            var prepClock = Stopwatch.StartNew();
            LetterboxTransform[] current = Prepare(0);
            preprocessMs += prepClock.Elapsed.TotalMilliseconds;
            for (int b = 0; b < batches; b++)
            {
                int nextBatch = b + 1;
                ahead = nextBatch < batches ? Task.Run(() => Prepare(nextBatch)) : null;
                BeforeRun?.Invoke(_buffers[b % 2], current.Length);
                List<Detection>[] dets = _detector.Run(_buffers[b % 2], current.Length, out TimeSpan inf, out TimeSpan dec);
                inferenceMs += inf.TotalMilliseconds;
                var post = Stopwatch.StartNew();
                for (int k = 0; k < current.Length; k++)
                {
                    (Tile t, bool whole) = jobs[(b * maxBatch) + k];
                    foreach (Detection d in dets[k])
                    {
                        Detection local = current[k].ToSource(d);
                        if (local.X2 <= local.X1 || local.Y2 <= local.Y1)
                        {
                            continue;
                        }

                        bool truncated = !whole && ((t.InnerLeft && local.X1 <= 1) || (t.InnerTop && local.Y1 <= 1) ||
                                                    (t.InnerRight && local.X2 >= t.Width - 1) || (t.InnerBottom && local.Y2 >= t.Height - 1));
                        float inv = (float)(1 / _tiles.Scale);
                        candidates.Add(new MergeCandidate(
                            local with { X1 = (local.X1 + t.X) * inv, Y1 = (local.Y1 + t.Y) * inv, X2 = (local.X2 + t.X) * inv, Y2 = (local.Y2 + t.Y) * inv },
                            truncated));
                    }
                }

                postMs += dec.TotalMilliseconds + post.Elapsed.TotalMilliseconds;
                if (ahead is not null)
                {
                    // Only the part of the next batch's preparation that outlasted this inference is on the critical path.
                    var wait = Stopwatch.StartNew();
                    current = ahead.GetAwaiter().GetResult();
                    ahead = null;
                    preprocessMs += wait.Elapsed.TotalMilliseconds;
                }
            }

            var mergeClock = Stopwatch.StartNew();
            List<Detection> merged = BoxMerger.Merge(candidates, _tiles.Merge);
            if (merged.Count > _detector.Options.MaxDetections)
            {
                merged.RemoveRange(_detector.Options.MaxDetections, merged.Count - _detector.Options.MaxDetections);
            }

            p.Timings["preprocess"] = p.Timings.GetValueOrDefault("preprocess") + preprocessMs;
            p.Timings["inference"] = inferenceMs;
            p.Timings["postprocess"] = postMs;
            p.Timings["merge"] = mergeClock.Elapsed.TotalMilliseconds;
            MergeOptions m = _tiles.Merge;
            var info = new TilingInfo(size, _tiles.Overlap, jobs.Count - (_tiles.FullImagePass ? 1 : 0), _tiles.FullImagePass, _tiles.Scale,
                m.Method == MergeMethod.Nms ? "nms" : "greedy_nmm", m.Metric == MatchMetric.Ios ? "ios" : "iou", m.Threshold, m.ClassAgnostic, candidates.Count);
            return Success(p, merged, info, keepRendered);
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            // The next batch may still be reading the picture on a worker: let it finish before anything is freed.
            WaitQuietly(ahead);
            ahead = null;
            ScanOutcome f = Failure(p.Input, ScanStatus.Failed, $"tiled inference failed: {Reasons.Of(ex)}", p.Timings, p.Scan, p.Slot);
            p.Dispose();
            return f;
        }
        finally
        {
            WaitQuietly(ahead);
            scaled?.Dispose();
        }
    }

    private static void WaitQuietly(Task? task)
    {
        try
        {
            task?.Wait();
        }
        catch (AggregateException)
        {
            // Its failure is already the scan's failure, or the scan is done without it.
        }
    }

    private ScanOutcome Success(Prepared p, List<Detection> boxes, TilingInfo? tiling, bool keepRendered)
    {
        var records = new List<DetectionRecord>(boxes.Count);
        foreach (Detection s in boxes)
        {
            records.Add(new DetectionRecord(s.ClassId, _detector.Model.ClassName(s.ClassId), s.Score, s.X1, s.Y1, s.X2, s.Y2));
        }

        ScanResult result = BaseResult(p.Input, p.Scan, p.Timings, p.Window, tiling is null ? p.Transform : null, tiling) with { Status = ScanStatus.Ok, Detections = records, Tiling = tiling };
        p.Scan.Dispose();
        Mat? keep = keepRendered ? p.Rendered : null;
        if (!keepRendered)
        {
            p.Rendered.Dispose();
        }

        return new ScanOutcome(result, keep);
    }

    private Prepared? Load(ScanJob job, int slot, out ScanOutcome? failure)
    {
        ScanInput input = job.Input;
        var timings = new Dictionary<string, double>(StringComparer.Ordinal);
        var sw = Stopwatch.StartNew();
        Scan scan;
        try
        {
            #pragma warning disable CA2000 // ownership passes to Prepared (or is disposed on each failure path below)
            scan = job.Decoded ?? _loader.Load(input);
            #pragma warning restore CA2000
        }
        catch (ScanLoadException ex)
        {
            timings["decode"] = sw.Elapsed.TotalMilliseconds;
            failure = Failure(input, ex.Status, Reasons.OneLine(ex.Reason, "unreadable input"), timings, null, slot);
            return null;
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            timings["decode"] = sw.Elapsed.TotalMilliseconds;
            failure = Failure(input, ScanStatus.Failed, $"decoder error: {Reasons.Of(ex)}", timings, null, slot);
            return null;
        }

        timings["decode"] = sw.Elapsed.TotalMilliseconds;
        int minSide = _detector.Settings.MinInputSide;
        if (scan.Width < minSide || scan.Height < minSide)
        {
            failure = Failure(input, ScanStatus.Rejected,
                $"too small to screen: {scan.Width}x{scan.Height} px, a side is below the {minSide} px minimum (thumbnails and slivers are not screened)", timings, scan, slot);
            scan.Dispose();
            return null;
        }

        sw.Restart();
        try
        {
            (Mat rendered, IntensityWindow? window) = ScanRenderer.Render(scan, _render);
            timings["render"] = sw.Elapsed.TotalMilliseconds;

            // Only the 8-bit render goes on; the raw (often 16-bit, dual-energy) pixels are freed now, not after inference.
            scan.ReleasePixels();
            failure = null;
            return new Prepared(slot, input, scan, rendered, window, timings);
        }
        catch (Exception ex) when (IsPerInput(ex))
        {
            failure = Failure(input, ex is ScanLoadException sle ? sle.Status : ScanStatus.Failed, $"rendering failed: {Reasons.Of(ex)}", timings, scan, slot);
            scan.Dispose();
            return null;
        }
    }

    /// <summary>A result for <paramref name="input"/> that was not detected on (status and reason given), with this pipeline's model and parameters.</summary>
    internal ScanResult FailureResult(ScanInput input, ScanStatus status, string reason) =>
        BaseResult(input, null, new Dictionary<string, double>(StringComparer.Ordinal), null) with { Status = status, Reason = reason };

    private ScanOutcome Failure(ScanInput input, ScanStatus status, string reason, Dictionary<string, double> timings, Scan? scan, int slot) =>
        new(BaseResult(input, scan, timings, null) with { Status = status, Reason = reason }, null) { Slot = slot };

    private static Dictionary<string, float>? ClassThresholds(ModelInfo m, DetectorSettings st) =>
        st.ClassConfidence.Count == 0 ? null : st.ClassConfidence.ToDictionary(kv => m.ClassName(kv.Key), kv => kv.Value, StringComparer.Ordinal);

    private ScanResult BaseResult(ScanInput input, Scan? scan, Dictionary<string, double> timings, IntensityWindow? window,
        LetterboxTransform? transform = null, TilingInfo? tiling = null)
    {
        ModelInfo m = _detector.Model;
        DetectorOptions o = _detector.Options;
        DetectorSettings st = _detector.Settings;
        InputContract c = st.Contract;
        var pre = new PreprocessingRecord(Names.Of(c.ChannelOrder), c.Scale, c.Mean, c.Std, Names.Of(c.Resize), c.PadValue, Names.Of(c.Interpolation),
            [c.Width, c.Height], c.Family, st.MaxUpscale, c.Sources.ToDictionary(kv => kv.Key, kv => Names.Of(kv.Value), StringComparer.Ordinal),
            transform is { } t && tiling is null ? Math.Round(t.ScaleX, 6) : null, scan?.ExifOrientation);
        return new ScanResult
        {
            Name = input.Name,
            Input = new InputInfo(input.Path, scan?.Sha256, input.LowEnergyPath, scan?.LowEnergySha256),
            Width = scan?.Width,
            Height = scan?.Height,
            BitDepth = scan?.BitDepth,
            Channels = scan?.Channels,
            DualEnergy = scan?.IsDualEnergy ?? input.LowEnergyPath is not null,
            Model = new ModelSummary(m.Name, m.Sha256, m.Layout.ToString(), m.InputWidth, m.InputHeight, m.LayoutSource, m.Profile?.Origin,
                m.Notes.Count > 0 ? m.Notes : null),
            Parameters = new DetectParameters(st.Confidence, st.Iou, o.MaxDetections, o.Classes?.Order().ToList(), o.AgnosticNms,
                Names.Of(c.Resize), window is { } w ? [w.Low, w.High] : null, Names.Of(st.ConfidenceSource), Names.Of(st.IouSource),
                st.OperatingThreshold, ClassThresholds(m, st), pre),
            TimingsMs = timings,
            NonFiniteSamples = scan?.NonFiniteSamples,
            Status = ScanStatus.Failed,
        };
    }

    private sealed class Prepared(int slot, ScanInput input, Scan scan, Mat rendered, IntensityWindow? window, Dictionary<string, double> timings) : IDisposable
    {
        public int Slot { get; } = slot;

        public ScanInput Input { get; } = input;

        public Scan Scan { get; } = scan;

        public Mat Rendered { get; } = rendered;

        public IntensityWindow? Window { get; } = window;

        public Dictionary<string, double> Timings { get; } = timings;

        public LetterboxTransform Transform { get; set; }

        public void Dispose()
        {
            Rendered.Dispose();
            Scan.Dispose();
        }
    }
}

/// <summary>One input of the pipeline: a file to read, or a scan already decoded (which the pipeline then owns).</summary>
internal sealed record ScanJob(ScanInput Input, Scan? Decoded);
