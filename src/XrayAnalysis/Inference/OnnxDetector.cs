using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using XrayAnalysis.Decoding;
using XrayAnalysis.Merging;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Inference;

/// <summary>
/// An ONNX object detector: one <see cref="InferenceSession"/>, its layout decided from the output shape of a warm-up
/// run, and batched <c>Run</c> calls when the batch dimension is dynamic. <c>Session.Run</c> is thread-safe on CPU, so one
/// detector may serve several threads; dispose it only after every call has returned.
/// </summary>
public sealed class OnnxDetector : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _outputNames;
    private bool _disposed;

    private OnnxDetector(InferenceSession session, ModelInfo model, DetectorOptions options, int rows, int cols)
    {
        _session = session;
        Model = model;
        Options = options;
        OutputRows = rows;
        OutputCols = cols;
        _outputNames = [model.DecodedOutput.Name];
    }

    /// <summary>What was learnt about the model when it was opened.</summary>
    public ModelInfo Model { get; }

    /// <summary>The settings in force.</summary>
    public DetectorOptions Options { get; }

    /// <summary>Images per Run: the configured batch size for dynamic-batch models, else the model's fixed batch (1).</summary>
    public int MaxBatch => Model.DynamicBatch ? Options.BatchSize : 1;

    /// <summary>Floats per image in the input tensor (3 · H · W).</summary>
    public int InputFloatsPerImage => 3 * Model.InputWidth * Model.InputHeight;

    internal int OutputRows { get; }

    internal int OutputCols { get; }

    /// <summary>
    /// Opens a model. Throws <see cref="ModelLoadException"/> when the file is missing, not a usable ONNX model, its hash
    /// differs from <see cref="DetectorOptions.ExpectedSha256"/>, or its tensors do not fit a known detector layout.
    /// </summary>
    public static OnnxDetector Open(string path, DetectorOptions? options = null)
    {
        options ??= new DetectorOptions();
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"{path}: model file not found");
        }

        string sha;
        using (FileStream fs = File.OpenRead(path))
        {
            sha = Convert.ToHexStringLower(SHA256.HashData(fs));
        }

        if (options.ExpectedSha256 is { } expected && !string.Equals(expected, sha, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelLoadException($"{path}: SHA-256 {sha} differs from the pinned {expected.ToLowerInvariant()}; refusing to run a model that is not the one configured");
        }

        using var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, so);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"{path}: ONNX Runtime cannot load the model: {FirstLine(ex.Message)}", ex);
        }

        try
        {
            return Create(path, sha, session, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static OnnxDetector Create(string path, string sha, InferenceSession session, DetectorOptions options)
    {
        var metadata = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap, StringComparer.Ordinal);
        BundledModelPins.Verify(path, sha, metadata);
        if (session.InputMetadata.Count != 1)
        {
            throw new ModelLoadException($"{path}: expected one image input, found {session.InputMetadata.Count}: " +
                string.Join(", ", session.InputMetadata.Select(kv => Describe(kv.Key, kv.Value))));
        }

        (string inputName, NodeMetadata inMeta) = session.InputMetadata.First();
        TensorInfo input = Describe(inputName, inMeta);
        int[] d = inMeta.Dimensions;
        if (inMeta.ElementDataType != TensorElementType.Float || d.Length != 4 || (d[1] != 3 && d[1] > 0))
        {
            throw new ModelLoadException($"{path}: input {input} is not a float32 image tensor; expected float32[batch, 3, height, width]");
        }

        (int inH, int inW) = InputSize(d, metadata, options.FallbackInputSize);
        bool dynamicBatch = d[0] <= 0;
        var outputs = session.OutputMetadata.Select(kv => Describe(kv.Key, kv.Value)).ToList();
        if (outputs.Count == 0)
        {
            throw new ModelLoadException($"{path}: the model has no outputs");
        }

        TensorInfo decoded = outputs[0];

        // Warm-up run at batch 1: gives the concrete output shape (dynamic dims resolved) and primes ONNX Runtime.
        long[] observed;
        var zeros = new float[3 * inW * inH];
        try
        {
            using OrtValue x = OrtValue.CreateTensorValueFromMemory(zeros, [1, 3, inH, inW]);
            using var ro = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(ro, [inputName], [x], [decoded.Name]);
            observed = results[0].GetTensorTypeAndShape().Shape;
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"{path}: warm-up run on a zero image float32[1, 3, {inH}, {inW}] failed: {FirstLine(ex.Message)}", ex);
        }

        bool? e2eHint = metadata.TryGetValue("end2end", out string? e2e) ? e2e.Equals("True", StringComparison.OrdinalIgnoreCase) : null;
        OutputLayout layout;
        int rows, cols;
        try
        {
            (layout, rows, cols) = LayoutResolver.Resolve(decoded.Name, observed, inW, inH, options.Layout, e2eHint);
        }
        catch (XrayAnalysisException ex)
        {
            throw new ModelLoadException($"{path}: {ex.Message}", ex);
        }

        int classCount = layout switch
        {
            OutputLayout.UltralyticsV8 => rows - 4,
            OutputLayout.YoloV5 or OutputLayout.Yolox => cols - 5,
            OutputLayout.RtDetr => cols - 4,
            _ => 0,
        };
        (IReadOnlyList<string> names, string namesSource) = ClassNameSource.Resolve(path, metadata, classCount);
        var model = new ModelInfo
        {
            Path = path,
            Name = Path.GetFileNameWithoutExtension(path),
            Sha256 = sha,
            Input = input,
            Outputs = outputs,
            DecodedOutput = decoded,
            ObservedOutputShape = observed,
            Layout = layout,
            LayoutSource = options.Layout is not null ? "override" : e2eHint is not null && layout == OutputLayout.EndToEnd ? "shape+metadata" : "shape",
            InputWidth = inW,
            InputHeight = inH,
            ResizeMode = layout == OutputLayout.RtDetr ? ResizeMode.Stretch : ResizeMode.Letterbox,
            DynamicBatch = dynamicBatch,
            ClassNames = names,
            ClassNamesSource = namesSource,
            Metadata = metadata,
        };
        return new OnnxDetector(session, model, options, rows, cols);
    }

    /// <summary>
    /// Runs the model on <paramref name="batch"/> images already written into <paramref name="input"/>
    /// (NCHW float32, <see cref="InputFloatsPerImage"/> floats each) and returns each image's detections in model-input
    /// pixels after NMS. Adds the time spent in <c>Session.Run</c> and in decoding + NMS to the given stopwatches' totals.
    /// </summary>
    public List<Detection>[] Run(float[] input, int batch, out TimeSpan inference, out TimeSpan decoding)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(input);
        if (batch < 1 || batch > MaxBatch || input.Length < batch * InputFloatsPerImage)
        {
            throw new ArgumentException($"batch {batch} must be in 1..{MaxBatch} and input must hold {batch * InputFloatsPerImage} floats (has {input.Length})");
        }

        var sw = Stopwatch.StartNew();
        using IDisposableReadOnlyCollection<OrtValue> results = RunSession(input, batch);
        inference = sw.Elapsed;
        sw.Restart();
        ReadOnlySpan<float> output = results[0].GetTensorDataAsSpan<float>();
        int per = OutputRows * OutputCols;
        if (output.Length != per * batch)
        {
            throw new XrayAnalysisException($"output '{Model.DecodedOutput.Name}' holds {output.Length} floats for a batch of {batch}; expected {batch} x {OutputRows} x {OutputCols}");
        }

        var all = new List<Detection>[batch];
        var candidates = new List<Detection>();
        for (int b = 0; b < batch; b++)
        {
            candidates.Clear();
            OutputDecoder.Decode(Model.Layout, output.Slice(b * per, per), OutputRows, OutputCols, Model.InputWidth, Model.InputHeight,
                Options.Confidence, Options.Classes, candidates);
            all[b] = Model.Layout is OutputLayout.EndToEnd or OutputLayout.RtDetr
                ? TopK(candidates, Options.MaxDetections)
                : NonMaxSuppression.Apply(candidates, Options.Iou, Options.AgnosticNms, Options.MaxDetections);
        }

        decoding = sw.Elapsed;
        return all;
    }

    /// <summary>The raw output tensor for a prepared input (a copy), for parity checks against the training framework.</summary>
    internal float[] RunRaw(float[] input, int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using IDisposableReadOnlyCollection<OrtValue> results = RunSession(input, batch);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Pure <c>Session.Run</c> on a prepared input, for measuring pipeline efficiency.</summary>
    public TimeSpan RunOnly(float[] input, int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var sw = Stopwatch.StartNew();
        using IDisposableReadOnlyCollection<OrtValue> results = RunSession(input, batch);
        return sw.Elapsed;
    }

    /// <summary>One Session.Run over the first <paramref name="batch"/> images of <paramref name="input"/>, wrapped without copying; the caller disposes the outputs.</summary>
    private IDisposableReadOnlyCollection<OrtValue> RunSession(float[] input, int batch)
    {
        var mem = new Memory<float>(input, 0, batch * InputFloatsPerImage);
        using OrtValue x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, mem, [batch, 3, Model.InputHeight, Model.InputWidth]);
        using var ro = new RunOptions();
        return _session.Run(ro, [Model.Input.Name], [x], _outputNames);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _session.Dispose();
        }
    }

    private static List<Detection> TopK(List<Detection> c, int k)
    {
        var sorted = c.Select((d, i) => (d, i)).OrderByDescending(t => t.d.Score).ThenBy(t => t.i).Take(k).Select(t => t.d).ToList();
        return sorted;
    }

    private static (int H, int W) InputSize(int[] dims, Dictionary<string, string> metadata, int fallback)
    {
        if (dims[2] > 0 && dims[3] > 0)
        {
            return (dims[2], dims[3]);
        }

        if (metadata.TryGetValue("imgsz", out string? imgsz))
        {
            try
            {
                IReadOnlyList<int> v = PythonLiteral.ParseIntList(imgsz);
                if (v.Count == 2 && v[0] > 0 && v[1] > 0)
                {
                    return (v[0], v[1]);
                }

                if (v.Count == 1 && v[0] > 0)
                {
                    return (v[0], v[0]);
                }
            }
            catch (FormatException)
            {
                // Fall through to the configured fallback; metadata is only a hint.
            }
        }

        return (dims[2] > 0 ? dims[2] : fallback, dims[3] > 0 ? dims[3] : fallback);
    }

    private static TensorInfo Describe(string name, NodeMetadata m) =>
        new(name, m.IsTensor ? m.ElementDataType.ToString().ToLowerInvariant() : m.OnnxValueType.ToString(),
            m.IsTensor ? m.Dimensions.Select(x => (long)x).ToArray() : []);

    private static string FirstLine(string s)
    {
        int nl = s.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? s : s[..nl];
    }
}
