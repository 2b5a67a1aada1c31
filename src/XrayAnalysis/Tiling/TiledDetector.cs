using System.Diagnostics;
using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Merging;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Tiling;

/// <summary>
/// SAHI's predict step for one large rendered scan: scale, plan tiles (the last row and column shifted inside), letterbox
/// each tile into the batch tensor, run, shift boxes back to scan pixels, flag boxes cut by an inner tile edge, merge.
/// Batches of tiles are prepared on a worker while the previous batch runs, in two buffers that alternate.
/// </summary>
internal sealed class TiledDetector(OnnxDetector detector, TileOptions tiles, float[][] buffers)
{
    /// <summary>Called with each batch's input tensor and image count just before <c>Session.Run</c> (for the benchmark).</summary>
    public Action<float[], int>? BeforeRun { get; set; }

    /// <summary>True when a rendered scan of this size is tiled under the options.</summary>
    public bool NeedsTiling(int width, int height) => tiles.Mode switch
    {
        TileMode.Off => false,
        TileMode.Always => true,
        _ => Math.Max(width, height) * tiles.Scale > tiles.AutoFactor * Math.Max(detector.Model.InputWidth, detector.Model.InputHeight),
    };

    /// <summary>Detects on <paramref name="rendered"/> tile by tile; boxes come back merged, in scan pixels, best first.</summary>
    /// <exception cref="Exception">Whatever a stage throws; the caller turns it into the scan's failure.</exception>
    public TiledRun Detect(Mat rendered)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        Mat source = rendered;
        Mat? scaled = null;
        Task<LetterboxTransform[]>? ahead = null;
        try
        {
            if (tiles.Scale < 1)
            {
                scaled = new Mat();
                Cv2.Resize(source, scaled, new Size(0, 0), tiles.Scale, tiles.Scale, InterpolationFlags.Area);
                source = scaled;
            }

            int size = tiles.Size > 0 ? tiles.Size : Math.Max(detector.Model.InputWidth, detector.Model.InputHeight);
            List<(Tile Tile, bool Whole)> jobs = TilePlanner.Plan(source.Cols, source.Rows, size, tiles.Overlap).Select(t => (t, false)).ToList();
            if (tiles.FullImagePass)
            {
                jobs.Add((new Tile(0, 0, source.Cols, source.Rows, false, false, false, false), true));
            }

            int maxBatch = detector.MaxBatch, per = detector.InputFloatsPerImage;
            int batches = (jobs.Count + maxBatch - 1) / maxBatch;
            double preprocessMs = 0, inferenceMs = 0, postMs = 0;
            var candidates = new List<MergeCandidate>();
            Mat picture = source;

            LetterboxTransform[] Prepare(int b)
            {
                int start = b * maxBatch, count = Math.Min(maxBatch, jobs.Count - start);
                var transforms = new LetterboxTransform[count];
                float[] buffer = buffers[b % 2];
                for (int k = 0; k < count; k++)
                {
                    Tile t = jobs[start + k].Tile;
                    using var roi = new Mat(picture, new Rect(t.X, t.Y, t.Width, t.Height));
                    transforms[k] = InputTensorWriter.Write(roi, detector.Contract, buffer.AsSpan(k * per, per));
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
                BeforeRun?.Invoke(buffers[b % 2], current.Length);
                List<Detection>[] dets = detector.Run(buffers[b % 2], current.Length, out TimeSpan inf, out TimeSpan dec);
                inferenceMs += inf.TotalMilliseconds;
                var post = Stopwatch.StartNew();
                for (int k = 0; k < current.Length; k++)
                {
                    int job = (b * maxBatch) + k;
                    (Tile t, bool whole) = jobs[job];
                    AddCandidates(candidates, dets[k], current[k], t, whole, job);
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
            List<Detection> merged = BoxMerger.Merge(candidates, tiles.Merge);
            if (merged.Count > detector.Options.MaxDetections)
            {
                merged.RemoveRange(detector.Options.MaxDetections, merged.Count - detector.Options.MaxDetections);
            }

            double mergeMs = mergeClock.Elapsed.TotalMilliseconds;
            MergeOptions m = tiles.Merge;
            var info = new TilingInfo(size, tiles.Overlap, jobs.Count - (tiles.FullImagePass ? 1 : 0), tiles.FullImagePass, tiles.Scale,
                m.Method, m.Metric, m.Threshold, m.ClassAgnostic, m.GrowScoreRatio, candidates.Count);
            return new TiledRun(merged, info, preprocessMs, inferenceMs, postMs, mergeMs);
        }
        finally
        {
            // The next batch may still be reading the picture on a worker: let it finish before anything is freed.
            WaitQuietly(ahead);
            scaled?.Dispose();
        }
    }

    /// <summary>Maps one tile's boxes back to scan pixels; a box touching an inner tile edge is marked truncated for the merge.</summary>
    private void AddCandidates(List<MergeCandidate> candidates, List<Detection> dets, LetterboxTransform transform, Tile t, bool whole, int source)
    {
        float inv = (float)(1 / tiles.Scale);
        foreach (Detection d in dets)
        {
            Detection local = transform.ToSource(d);
            if (local.X2 <= local.X1 || local.Y2 <= local.Y1)
            {
                continue;
            }

            bool truncated = !whole && ((t.InnerLeft && local.X1 <= 1) || (t.InnerTop && local.Y1 <= 1) ||
                                        (t.InnerRight && local.X2 >= t.Width - 1) || (t.InnerBottom && local.Y2 >= t.Height - 1));
            candidates.Add(new MergeCandidate(
                local with { X1 = (local.X1 + t.X) * inv, Y1 = (local.Y1 + t.Y) * inv, X2 = (local.X2 + t.X) * inv, Y2 = (local.Y2 + t.Y) * inv },
                truncated, source));
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
}

/// <summary>What a tiled run gives: merged boxes in scan pixels, how it was tiled, and its stage times in milliseconds.</summary>
internal sealed record TiledRun(List<Detection> Boxes, TilingInfo Info, double PreprocessMs, double InferenceMs, double PostprocessMs, double MergeMs);
