using XrayAnalysis.Loading;
using System.Diagnostics;
using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Volumes;

/// <summary>
/// 3D pipeline: stream slices → window to 8-bit → batched 2D detection → fuse consecutive-slice boxes into 3D regions
/// (along z, or along x, y and z with a 3D merge) → maximum-intensity projections and per-region montages.
/// With axes "z" the volume is streamed: one float slice at a time (plus the three projections, two input batches and,
/// when pictures are wanted and they fit 64 MB, the rendered 8-bit slices the montages are cut from); with "xyz" the
/// volume is held once to reslice it. Reading, projecting, rendering and letterboxing run on a producer thread beside
/// inference.
/// </summary>
public sealed class VolumePipeline
{
    private readonly OnnxDetector _detector;
    private readonly VolumeOptions _o;

    /// <summary>A volume pipeline over an opened detector (the caller keeps ownership).</summary>
    /// <param name="detector">The slice detector.</param>
    /// <param name="options">Slicing, fusion and picture options; defaults when null.</param>
    public VolumePipeline(XrayDetector detector, VolumeOptions? options = null)
        : this((detector ?? throw new ArgumentNullException(nameof(detector))).Engine, options)
    {
    }

    internal VolumePipeline(OnnxDetector detector, VolumeOptions? options = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _o = options ?? new VolumeOptions();
    }

    /// <summary>The settings recorded in every result of this pipeline.</summary>
    public VolumeParameters Parameters => new(_o.Axes, _o.SliceStep, _o.WindowLevel, _o.WindowWidth, _o.LinkIou, _o.MinRun, _o.GapTolerance, _o.MergeIou3D,
        _detector.Settings.Confidence, _detector.Settings.Iou, Preprocessing.Names.Of(_detector.Settings.ConfidenceSource), Preprocessing.Names.Of(_detector.Settings.IouSource));

    /// <summary>The model as recorded in results.</summary>
    internal ModelSummary ModelSummary => ModelSummary.Of(_detector.Model);

    /// <summary>The detector's model.</summary>
    internal ModelInfo Model => _detector.Model;

    /// <summary>The detector's settings.</summary>
    internal DetectorSettings Settings => _detector.Settings;

    /// <summary>Runs detection on an opened source; writes pictures into <paramref name="pictureDir"/> when given.</summary>
    public VolumeResult Process(IVolumeSource src, string name, string? pictureDir, Func<IVolumeSource>? reopen)
    {
        ArgumentNullException.ThrowIfNull(src);
        VolumeInfo v = src.Info;
        var wall = Stopwatch.StartNew();
        var read = new Stopwatch();
        var render = new Stopwatch();
        double inferenceMs = 0, decodeMs = 0;
        int plane = v.Nx * v.Ny;
        float[] slice = new float[plane];
        float[] mipZ = new float[plane];
        Array.Fill(mipZ, float.MinValue);
        float[] mipY = new float[v.Nz * v.Nx];
        float[] mipX = new float[v.Nz * v.Ny];
        float[]? whole = _o.Axes == VolumeAxes.Xyz ? new float[(long)plane * v.Nz] : null;
        var zBoxes = new List<(int Index, IReadOnlyList<Detection> Boxes)>();
        int processed = 0;

        // Montages are cut from the rendered slices kept here (8-bit grey) when they fit the budget, instead of reading
        // the volume a second time; a larger volume is re-read for its montages as before.
        Dictionary<int, Mat>? kept = pictureDir is not null && (long)plane * ((v.Nz + _o.SliceStep - 1) / _o.SliceStep) <= KeptSliceBudgetBytes ? [] : null;

        // Reading, projecting, rendering and letterboxing into the input tensor run on a producer thread that fills one
        // batch while the other is in Session.Run (two batches, handed back and forth), so inference is not idle while
        // the next slices are prepared (the share outside it is what `xray volume` reports).
        using var stop = new CancellationTokenSource();
        using var free = new System.Collections.Concurrent.BlockingCollection<TensorBatch<int>>();
        using var full = new System.Collections.Concurrent.BlockingCollection<TensorBatch<int>>();
        free.Add(new TensorBatch<int>(_detector));
        free.Add(new TensorBatch<int>(_detector));
        Task producer = Task.Run(() =>
        {
            TensorBatch<int> filling = free.Take(stop.Token);
            var pinY = System.Runtime.InteropServices.GCHandle.Alloc(mipY, System.Runtime.InteropServices.GCHandleType.Pinned);
            var pinX = System.Runtime.InteropServices.GCHandle.Alloc(mipX, System.Runtime.InteropServices.GCHandleType.Pinned);
            try
            {
                for (int z = 0; z < v.Nz; z++)
                {
                    read.Start();
                    src.ReadNext(slice);
                    read.Stop();
                    // Running maximum-intensity projections, vectorised by OpenCV: z (max with the slice), y (column
                    // maxima form row z of the y-projection) and x (row maxima form row z of the x-projection).
                    // The reductions write straight into row z of the projections (Mat headers over the pinned
                    // arrays): no array per slice.
                    using (Mat sm = Mat.FromPixelData(v.Ny, v.Nx, MatType.CV_32FC1, slice))
                    using (Mat mz = Mat.FromPixelData(v.Ny, v.Nx, MatType.CV_32FC1, mipZ))
                    using (Mat my = Mat.FromPixelData(1, v.Nx, MatType.CV_32FC1, pinY.AddrOfPinnedObject() + (z * v.Nx * sizeof(float))))
                    using (Mat mx = Mat.FromPixelData(v.Ny, 1, MatType.CV_32FC1, pinX.AddrOfPinnedObject() + (z * v.Ny * sizeof(float))))
                    {
                        Cv2.Max(mz, sm, mz);
                        Cv2.Reduce(sm, my, ReduceDimension.Row, ReduceTypes.Max, MatType.CV_32F);
                        Cv2.Reduce(sm, mx, ReduceDimension.Column, ReduceTypes.Max, MatType.CV_32F);
                    }

                    if (whole is not null)
                    {
                        slice.CopyTo(whole.AsSpan(z * plane, plane));
                    }

                    if (z % _o.SliceStep != 0)
                    {
                        continue;
                    }

                    render.Start();
                    Mat bgr = Render(slice, v.Nx, v.Ny);
                    if (kept is not null)
                    {
                        var grey = new Mat();
                        Cv2.ExtractChannel(bgr, grey, 0);
                        kept[z] = grey;
                    }

                    using (bgr)
                    {
                        // Slices are fitted without the whole-picture upscale cap: a CT slice is a full cross-section, not a thumbnail.
                        filling.Add(bgr, z);
                    }

                    render.Stop();
                    if (filling.Full)
                    {
                        full.Add(filling, stop.Token);
                        filling = free.Take(stop.Token);
                    }
                }

                if (filling.Count > 0)
                {
                    full.Add(filling, stop.Token);
                }
            }
            finally
            {
                pinY.Free();
                pinX.Free();
                full.CompleteAdding();
            }
        });

        try
        {
            try
            {
                foreach (TensorBatch<int> ready in full.GetConsumingEnumerable())
                {
                    processed += ready.Count;
                    (inferenceMs, decodeMs) = Add(Flush(ready, zBoxes), inferenceMs, decodeMs);
                    free.Add(ready);
                }
            }
            catch
            {
                // Inference failed: stop the producer (it holds no pictures: each is freed once letterboxed); its own
                // end is awaited below.
                stop.Cancel();
                throw;
            }
            finally
            {
                try
                {
                    producer.GetAwaiter().GetResult(); // a read failure surfaces here as itself
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Cancelled above: the consumer's own exception is on its way.
                }
            }
        }
        catch
        {
            DisposeAll(kept);
            throw;
        }

        var fuse = Stopwatch.StartNew();
        var regions = new List<Box3D>();
        foreach (var r in SliceFusion.Fuse(zBoxes, _o.SliceStep, _o))
        {
            regions.Add(new Box3D(r.Class, r.Score, Clamp(r.U0, v.Nx), Clamp(r.V0, v.Ny), r.S0, Clamp(r.U1 - 1, v.Nx), Clamp(r.V1 - 1, v.Ny), Math.Min(r.S1, v.Nz - 1), r.Count, "z"));
        }

        var sliceRecords = _o.KeepSliceBoxes ? zBoxes.Select(s => new SliceBoxes("z", s.Index, Records(s.Boxes))).ToList() : null;
        fuse.Stop();
        if (whole is not null)
        {
            // Reslice: plane at fixed y (rows z, cols x) and at fixed x (rows z, cols y), stretched to isotropic pixels.
            double zScaleY = v.Sz / v.Sx, zScaleX = v.Sz / v.Sy;
            var batch = new TensorBatch<int>(_detector);
            foreach ((string axis, int count) in new[] { ("y", v.Ny), ("x", v.Nx) })
            {
                var boxes = new List<(int Index, IReadOnlyList<Detection> Boxes)>();
                int w = axis == "y" ? v.Nx : v.Ny;
                double zs = axis == "y" ? zScaleY : zScaleX;
                var p = new float[v.Nz * w];
                for (int k = 0; k < count; k += _o.SliceStep)
                {
                    for (int z = 0; z < v.Nz; z++)
                    {
                        for (int u = 0; u < w; u++)
                        {
                            p[(z * w) + u] = axis == "y" ? whole[((long)z * plane) + (k * v.Nx) + u] : whole[((long)z * plane) + (u * v.Nx) + k];
                        }
                    }

                    render.Start();
                    using Mat raw = Render(p, w, v.Nz);
                    using var iso = new Mat();
                    Cv2.Resize(raw, iso, new Size(w, (int)Math.Round(v.Nz * zs)), 0, 0, InterpolationFlags.Linear);
                    render.Stop();
                    batch.Add(iso, k);
                    if (batch.Full)
                    {
                        (inferenceMs, decodeMs) = Add(Flush(batch, boxes), inferenceMs, decodeMs);
                    }
                }

                (inferenceMs, decodeMs) = Add(Flush(batch, boxes), inferenceMs, decodeMs);
                fuse.Start();
                foreach (var r in SliceFusion.Fuse(boxes, _o.SliceStep, _o))
                {
                    // (u, v) = (x or y, z in isotropic rows); s = the fixed y or x index.
                    int z0 = Clamp(r.V0 / (float)zs, v.Nz), z1 = Clamp((r.V1 / (float)zs) - 1, v.Nz);
                    regions.Add(axis == "y"
                        ? new Box3D(r.Class, r.Score, Clamp(r.U0, v.Nx), r.S0, z0, Clamp(r.U1 - 1, v.Nx), Math.Min(r.S1, v.Ny - 1), z1, r.Count, "y")
                        : new Box3D(r.Class, r.Score, r.S0, Clamp(r.U0, v.Ny), z0, Math.Min(r.S1, v.Nx - 1), Clamp(r.U1 - 1, v.Ny), z1, r.Count, "x"));
                }

                fuse.Stop();
            }

            fuse.Start();
            regions = Merge3D(regions);
            fuse.Stop();
        }

        var pictures = Stopwatch.StartNew();
        try
        {
            if (pictureDir is not null)
            {
                // Projections on a worker while the montages are cut; both finish (or fail) before the result is returned.
                Directory.CreateDirectory(pictureDir);
                Task projections = Task.Run(() => VolumePictures.WriteProjections(pictureDir, name, v, mipZ, mipY, mipX, regions, _o, _detector.Model));
                try
                {
                    if (kept is not null && regions.Count > 0)
                    {
                        VolumePictures.WriteMontages(pictureDir, name, v, kept, regions, _o, _detector.Model);
                    }
                    else if (reopen is not null && regions.Count > 0)
                    {
                        using IVolumeSource again = reopen();
                        VolumePictures.WriteMontages(pictureDir, name, again, regions, _o, _detector.Model);
                    }
                }
                finally
                {
                    projections.GetAwaiter().GetResult();
                }
            }
        }
        finally
        {
            DisposeAll(kept);
        }

        pictures.Stop();
        double total = wall.Elapsed.TotalMilliseconds;
        var timings = new VolumeTimings
        {
            Read = read.Elapsed.TotalMilliseconds,
            Render = render.Elapsed.TotalMilliseconds,
            Inference = inferenceMs,
            Postprocess = decodeMs,
            Fusion = fuse.Elapsed.TotalMilliseconds,
            Pictures = pictures.Elapsed.TotalMilliseconds,
            Total = total,
        };
        using Process me = System.Diagnostics.Process.GetCurrentProcess();
        return new VolumeResult
        {
            Name = name,
            Input = v.Path,
            Dims = [v.Nx, v.Ny, v.Nz],
            SpacingMm = [v.Sx, v.Sy, v.Sz],
            OriginMm = [v.Ox, v.Oy, v.Oz],
            ElementType = v.Type.ToString(),
            Model = ModelSummary,
            Parameters = Parameters,
            Regions = regions.Select(b => ToRegion(b, v)).ToList(),
            SliceBoxes = sliceRecords,
            SlicesProcessed = processed,
            SlicesPerSecond = processed / Math.Max(1e-9, (total - pictures.Elapsed.TotalMilliseconds) / 1000),
            NonInferenceShare = 1 - (inferenceMs / Math.Max(1e-9, total - pictures.Elapsed.TotalMilliseconds)),
            NonInferenceShareWithPictures = 1 - (inferenceMs / Math.Max(1e-9, total)),
            PeakWorkingSetBytes = me.PeakWorkingSet64,
            TimingsMs = timings,
            Warnings = src.Warnings,
            Status = ScanStatus.Ok,
        };
    }

    private static (double, double) Add((double Inf, double Dec) t, double inf, double dec) => (inf + t.Inf, dec + t.Dec);

    /// <summary>Most bytes of rendered 8-bit slices kept for the montages (else the volume is read again for them).</summary>
    private const long KeptSliceBudgetBytes = 64L << 20;

    private static void DisposeAll(Dictionary<int, Mat>? mats)
    {
        if (mats is null)
        {
            return;
        }

        foreach (Mat m in mats.Values)
        {
            m.Dispose();
        }

        mats.Clear();
    }

    private static int Clamp(float v, int n) => Math.Clamp((int)MathF.Floor(v), 0, n - 1);

    private Mat Render(float[] data, int w, int h) => VolumePictures.Grey(data, w, h, _o);

    private List<DetectionRecord> Records(IReadOnlyList<Detection> boxes) =>
        boxes.Select(d => new DetectionRecord(d.ClassId, _detector.Model.ClassName(d.ClassId), d.Score, d.X1, d.Y1, d.X2, d.Y2)).ToList();

    private Region3D ToRegion(Box3D b, VolumeInfo v) => new(
        b.ClassId, _detector.Model.ClassName(b.ClassId), b.Score, [b.MinX, b.MinY, b.MinZ], [b.MaxX, b.MaxY, b.MaxZ],
        [v.Ox + (b.MinX * v.Sx), v.Oy + (b.MinY * v.Sy), v.Oz + (b.MinZ * v.Sz)],
        [v.Ox + ((b.MaxX + 1) * v.Sx), v.Oy + ((b.MaxY + 1) * v.Sy), v.Oz + ((b.MaxZ + 1) * v.Sz)], b.Slices, b.Axes);

    /// <summary>Greedy 3D merge across axes: the best-scored candidate absorbs same-class ones with 3D IoU ≥ threshold.</summary>
    private List<Box3D> Merge3D(List<Box3D> c)
    {
        var sorted = c.OrderByDescending(b => b.Score).ToList();
        var used = new bool[sorted.Count];
        var result = new List<Box3D>();
        for (int i = 0; i < sorted.Count; i++)
        {
            if (used[i])
            {
                continue;
            }

            Box3D keep = sorted[i];
            var axes = new SortedSet<string>(StringComparer.Ordinal) { keep.Axes };
            for (int j = i + 1; j < sorted.Count; j++)
            {
                if (!used[j] && sorted[j].ClassId == keep.ClassId && Box3D.IoU(keep, sorted[j]) >= _o.MergeIou3D)
                {
                    used[j] = true;
                    axes.Add(sorted[j].Axes);
                }
            }

            result.Add(keep with { Axes = string.Concat(axes) });
        }

        return result;
    }

    /// <summary>Accumulates rendered slices into a batch tensor and runs it; maps boxes back to slice pixels.</summary>
    /// <summary>Runs the slices waiting and adds their boxes (in slice pixels) to <paramref name="into"/>.</summary>
    private static (double Inf, double Dec) Flush(TensorBatch<int> batch, List<(int Index, IReadOnlyList<Detection> Boxes)> into)
    {
        (List<(int Index, List<Detection> Boxes)> results, double inf, double dec) = batch.Run();
        foreach ((int index, List<Detection> boxes) in results)
        {
            into.Add((index, boxes));
        }

        return (inf, dec);
    }
}
