using System.Diagnostics;
using OpenCvSharp;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Inference;

/// <summary>
/// The one batch runner: pictures are letterboxed into consecutive slots of a pooled input tensor, run together through
/// <c>Session.Run</c>, and each picture's boxes come back mapped to its own pixels (boxes with no area dropped), with the
/// item it was added with. Used for whole 2D scans across inputs and for CT slices.
/// </summary>
/// <typeparam name="T">What each picture stands for (a prepared scan, a slice index).</typeparam>
internal sealed class TensorBatch<T>(OnnxDetector detector)
{
    private readonly float[] _tensor = new float[detector.MaxBatch * detector.InputFloatsPerImage];
    private readonly List<(T Item, LetterboxTransform Transform)> _items = new(detector.MaxBatch);

    /// <summary>Called with the input tensor and image count just before <c>Session.Run</c> (for the benchmark).</summary>
    public Action<float[], int>? BeforeRun { get; set; }

    /// <summary>Pictures waiting.</summary>
    public int Count => _items.Count;

    /// <summary>True when the next <see cref="Add"/> must wait for a <see cref="Run"/>.</summary>
    public bool Full => _items.Count == detector.MaxBatch;

    /// <summary>The items waiting, in the order added.</summary>
    public IEnumerable<T> Items => _items.Select(x => x.Item);

    /// <summary>
    /// Letterboxes <paramref name="picture"/> into the next slot. When it throws, nothing is added.
    /// </summary>
    /// <param name="picture">8-bit BGR.</param>
    /// <param name="item">What the picture stands for.</param>
    /// <param name="maxUpscale">Largest enlargement (a thumbnail is not blown up past it); none by default.</param>
    /// <param name="fill">Largest fraction of the input the picture fills; 1 to fit it.</param>
    /// <returns>The letterbox used.</returns>
    public LetterboxTransform Add(Mat picture, T item, double maxUpscale = double.PositiveInfinity, double fill = 1.0)
    {
        if (Full)
        {
            throw new InvalidOperationException("the batch is full: run it first");
        }

        int per = detector.InputFloatsPerImage;
        Span<float> slot = _tensor.AsSpan(_items.Count * per, per);
        LetterboxTransform t = InputTensorWriter.Write(picture, detector.Contract, slot, maxUpscale, fill);
        _items.Add((item, t));
        return t;
    }

    /// <summary>Takes back the last <paramref name="count"/> pictures added (their slots are reused).</summary>
    public void RemoveLast(int count) => _items.RemoveRange(_items.Count - count, count);

    /// <summary>Empties the batch without running it (the caller frees the items).</summary>
    public void Clear() => _items.Clear();

    /// <summary>
    /// Runs the pictures waiting and empties the batch (also when the run throws). Batch-wide times are in milliseconds:
    /// <c>DecodeMs</c> covers decoding the output, NMS and mapping boxes back. <paramref name="forFusion"/>: the pictures
    /// are passes whose boxes will be fused (<see cref="OnnxDetector.Run"/>).
    /// </summary>
    public (List<(T Item, List<Detection> Boxes)> Results, double InferenceMs, double DecodeMs) Run(bool forFusion = false)
    {
        if (_items.Count == 0)
        {
            return ([], 0, 0);
        }

        try
        {
            BeforeRun?.Invoke(_tensor, _items.Count);
            List<Detection>[] dets = detector.Run(_tensor, _items.Count, out TimeSpan inf, out TimeSpan dec, forFusion);
            var map = Stopwatch.StartNew();
            var results = new List<(T, List<Detection>)>(_items.Count);
            for (int i = 0; i < _items.Count; i++)
            {
                var boxes = new List<Detection>(dets[i].Count);
                foreach (Detection d in dets[i])
                {
                    Detection s = _items[i].Transform.ToSource(d);
                    if (s.X2 > s.X1 && s.Y2 > s.Y1)
                    {
                        boxes.Add(s);
                    }
                }

                results.Add((_items[i].Item, boxes));
            }

            return (results, inf.TotalMilliseconds, dec.TotalMilliseconds + map.Elapsed.TotalMilliseconds);
        }
        finally
        {
            _items.Clear();
        }
    }
}
