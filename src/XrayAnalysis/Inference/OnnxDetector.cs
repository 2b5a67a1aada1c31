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
internal sealed class OnnxDetector : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _outputNames;
    private readonly int[]? _mirror;
    private bool _disposed;

    private OnnxDetector(InferenceSession session, ModelInfo model, DetectorOptions options, DetectorSettings settings, int rows, int cols, int[]? mirror)
    {
        _session = session;
        Model = model;
        Options = options;
        Settings = settings;
        OutputRows = rows;
        OutputCols = cols;
        _outputNames = [model.DecodedOutput.Name];
        _mirror = settings.TestTimeFlip ? mirror : null;
    }

    /// <summary>What was learnt about the model when it was opened.</summary>
    public ModelInfo Model { get; }

    /// <summary>The options as given.</summary>
    public DetectorOptions Options { get; }

    /// <summary>The settings in force (options layered over the profile and defaults), with their sources.</summary>
    public DetectorSettings Settings { get; }

    /// <summary>Where the model runs (after any fall-back to the CPU).</summary>
    public InferenceDevice Device { get; private init; }

    /// <summary>
    /// Images per Run: for dynamic-batch models the configured batch size, else the device's default (4 on the CPU, 16
    /// on CUDA); for fixed-batch models 1.
    /// </summary>
    public int MaxBatch => !Model.DynamicBatch ? 1
        : Options.BatchSizeGiven || !Device.Cuda ? Options.BatchSize : DetectorOptions.DefaultCudaBatch;

    /// <summary>The preprocessing contract in force (shortcut for <c>Settings.Contract</c>).</summary>
    public InputContract Contract => Settings.Contract;

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

        InferenceDevice wanted = InferenceDevice.Parse(options.Device);
        InferenceSession? session = null;
        string? deviceNote = null;
        if (wanted.Cuda)
        {
            (session, deviceNote) = TryOpenOnCuda(path, options, wanted.Index);
        }

        InferenceDevice used = session is null ? InferenceDevice.Cpu : wanted;
        try
        {
            #pragma warning disable CA2000 // owned by the detector from Create on; disposed in the catch below when Create fails
            session ??= OpenSession(path, options, null);
            #pragma warning restore CA2000
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"{path}: ONNX Runtime cannot load the model: {FirstLine(ex.Message)}", ex);
        }

        try
        {
            return Create(path, sha, session, options, used, deviceNote);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>One session; with <paramref name="cudaDevice"/> the CUDA execution provider goes first, the CPU after it.</summary>
    private static InferenceSession OpenSession(string path, DetectorOptions options, int? cudaDevice)
    {
        using var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // ONNX Runtime's intra-op threads spin while they wait for work; with scans decoded and rendered on the same cores
        // that spinning takes the decoders' CPU (measured: 47 -> 60 scans/s on 2 cores with it off, docs/BENCHMARKS.md).
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", options.SpinWait ? "1" : "0");

        if (cudaDevice is int d)
        {
            so.AppendExecutionProvider_CUDA(d);
        }

        return new InferenceSession(path, so);
    }

    /// <summary>
    /// A session on CUDA device <paramref name="index"/>, or null and the one-line reason why not (this build has no
    /// CUDA provider, the CUDA libraries or the device are missing, or the model does not load there).
    /// </summary>
    private static (InferenceSession? Session, string? Note) TryOpenOnCuda(string path, DetectorOptions options, int index)
    {
        if (!OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"))
        {
            return (null, $"CUDA device {index} was asked for, but this build of ONNX Runtime has no CUDA execution provider " +
                "(build with -p:XrayCuda=true, docs/GPU.md); running on the CPU");
        }

        try
        {
            return (OpenSession(path, options, index), null);
        }
        catch (OnnxRuntimeException ex)
        {
            string why = ex.Message.Contains("load shared library", StringComparison.OrdinalIgnoreCase) && CudaLibraryProblem() is { } lib
                ? lib
                : FirstLine(ex.Message);
            return (null, $"CUDA device {index} is unavailable ({why}); running on the CPU");
        }
    }

    /// <summary>
    /// ONNX Runtime says only "failed to load shared library" (the name of the missing CUDA library goes to its log);
    /// loading its CUDA provider ourselves gives the loader's own words, e.g. "libcublasLt.so.13: cannot open shared
    /// object file". Null when the provider is not found or loads.
    /// </summary>
    private static string? CudaLibraryProblem()
    {
        foreach (string dir in new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") })
        {
            string lib = Path.Combine(dir, "libonnxruntime_providers_cuda.so");
            if (!File.Exists(lib))
            {
                continue;
            }

            try
            {
                System.Runtime.InteropServices.NativeLibrary.Free(System.Runtime.InteropServices.NativeLibrary.Load(lib));
                return null;
            }
            catch (DllNotFoundException ex)
            {
                // The loader's own words (dlerror) are the message's last line.
                string[] lines = ex.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return lines.Length > 1 ? lines[^1] : FirstLine(ex.Message);
            }
        }

        return null;
    }

    private static OnnxDetector Create(string path, string sha, InferenceSession session, DetectorOptions options, InferenceDevice device, string? deviceNote)
    {
        var metadata = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap, StringComparer.Ordinal);
        BundledModelPins.Verify(path, sha, metadata);
        ModelProfile? profile = ModelProfile.Find(path, sha);
        profile = profile?.ForFlip(options.TestTimeFlip ?? profile.TestTimeFlip ?? false);
        if (session.InputMetadata.Count != 1)
        {
            throw new ModelLoadException($"{path}: expected one image input, found {session.InputMetadata.Count}: " +
                string.Join(", ", session.InputMetadata.Select(kv => Describe(kv.Key, kv.Value))) +
                " (models that also take the original image size, as RT-DETR's own export does, are not supported)");
        }

        (string inputName, NodeMetadata inMeta) = session.InputMetadata.First();
        TensorInfo input = Describe(inputName, inMeta);
        int[] d = inMeta.Dimensions;
        if (inMeta.ElementDataType != TensorElementType.Float || d.Length != 4 || (d[1] != 3 && d[1] > 0))
        {
            throw new ModelLoadException($"{path}: input {input} is not a float32 image tensor; expected float32[batch, 3, height, width]");
        }

        bool ultralytics = IsUltralytics(metadata);
        PreprocessSettings? fromMetadata = ultralytics ? MetadataSettings(metadata) : null;
        (int W, int H)? staticSize = d[2] > 0 && d[3] > 0 ? (d[3], d[2]) : null;
        if (staticSize is null && (d[2] > 0 || d[3] > 0))
        {
            throw new ModelLoadException($"{path}: input {input} has one fixed and one dynamic spatial dimension; not supported");
        }

        InputContract sized = InputContractResolver.Resolve(options.Preprocessing, profile?.Preprocessing, fromMetadata, null, "unknown", staticSize, options.FallbackInputSize);
        (int inW, int inH) = (sized.Width, sized.Height);
        bool dynamicBatch = d[0] <= 0;
        var outputs = session.OutputMetadata.Select(kv => Describe(kv.Key, kv.Value)).ToList();
        if (outputs.Count == 0)
        {
            throw new ModelLoadException($"{path}: the model has no outputs");
        }

        TensorInfo decoded = outputs[0];

        // Warm-up run at batch 1: gives the concrete output shape (dynamic dims resolved) and primes ONNX Runtime.
        long[] observed;
        float[] warm;
        var zeros = new float[3 * inW * inH];
        try
        {
            using OrtValue x = OrtValue.CreateTensorValueFromMemory(zeros, [1, 3, inH, inW]);
            using var ro = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(ro, [inputName], [x], [decoded.Name]);
            OrtTensorTypeAndShapeInfo info = results[0].GetTensorTypeAndShape();
            observed = info.Shape;
            warm = info.ElementDataType == TensorElementType.Float ? results[0].GetTensorDataAsSpan<float>().ToArray() : [];
            if (info.ElementDataType != TensorElementType.Float)
            {
                throw new ModelLoadException($"{path}: output {decoded} is {info.ElementDataType}, not float32");
            }
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"{path}: warm-up run on a zero image float32[1, 3, {inH}, {inW}] failed: {FirstLine(ex.Message)}", ex);
        }

        var hints = new LayoutHints
        {
            Override = options.Layout,
            Profile = profile?.Layout,
            EndToEnd = metadata.TryGetValue("end2end", out string? e2e) ? e2e.Equals("True", StringComparison.OrdinalIgnoreCase) : null,
            RtDetr = NamesRtDetr(metadata),
            WarmupOutput = warm,
        };
        LayoutDecision layout;
        try
        {
            layout = LayoutResolver.Resolve(decoded.Name, observed, inW, inH, hints);
        }
        catch (XrayAnalysisException ex)
        {
            throw new ModelLoadException($"{path}: {ex.Message}", ex);
        }

        (string family, PreprocessSettings? convention) = Family(layout, ultralytics, inW, inH);
        InputContract contract = InputContractResolver.Resolve(options.Preprocessing, profile?.Preprocessing, fromMetadata, convention, family, staticSize, options.FallbackInputSize);
        int classCount = layout.Layout switch
        {
            OutputLayout.UltralyticsV8 => layout.Rows - 4,
            OutputLayout.YoloV5 or OutputLayout.Yolox => layout.Cols - 5,
            OutputLayout.RtDetr => layout.Cols - 4,
            _ => 0,
        };
        (IReadOnlyList<string> names, ClassNamesSource namesSource) = ClassNameResolver.Resolve(path, profile, metadata, classCount);
        var notes = new List<string>();
        if (contract.Guessed)
        {
            string guessed = string.Join(", ", contract.Sources.Where(kv => kv.Value == SettingSource.Default && kv.Key != "input_size").Select(kv => kv.Key));
            if (guessed.Length > 0)
            {
                notes.Add($"preprocessing ({guessed}) is not stated by options, a profile or the model's metadata, and the model family is not recognised with certainty: " +
                          $"using the Ultralytics default ({contract}); run 'xray model check' to test it");
            }

            if (contract.Sources["input_size"] == SettingSource.Default)
            {
                notes.Add($"the input size is dynamic and nothing names one: using {inW}x{inH}");
            }
        }

        if (namesSource == ClassNamesSource.Default && names.Count > 0)
        {
            notes.Add($"no class names in a profile or the model's metadata: classes are called class_0..class_{names.Count - 1} (write a profile with 'xray model profile')");
        }

        var model = new ModelInfo
        {
            Path = path,
            Name = Path.GetFileNameWithoutExtension(path),
            Sha256 = sha,
            Input = input,
            Outputs = outputs,
            DecodedOutput = decoded,
            ObservedOutputShape = observed,
            Layout = layout.Layout,
            LayoutSource = layout.Source,
            Contract = contract,
            Profile = profile,
            Notes = deviceNote is null ? notes : [deviceNote, .. notes],
            DynamicBatch = dynamicBatch,
            Device = device.ToString(),
            ClassNames = names,
            ClassNamesSource = namesSource,
            Metadata = metadata,
        };
        // Anchor grids that tile the input have a mirror index (the test-time flip needs one; Settle refuses it without).
        int[]? mirror = model.Layout == OutputLayout.UltralyticsV8 ? FlipFusion.MirrorIndex(layout.Cols, inW, inH) : null;
        var detector = new OnnxDetector(session, model, options, Settle(model, options, mirror is not null), layout.Rows, layout.Cols, mirror) { Device = device };
        if (device.Cuda && detector.MaxBatch > 1 && detector.InputFloatsPerImage > 0)
        {
            // A full batch once, so the first scan's time is not CUDA's kernel selection for this shape.
            _ = detector.Run(new float[detector.MaxBatch * detector.InputFloatsPerImage], detector.MaxBatch, out _, out _);
        }

        return detector;
    }

    /// <summary>Layers the caller's options over the profile and the defaults.</summary>
    private static DetectorSettings Settle(ModelInfo model, DetectorOptions options, bool flipPossible)
    {
        ModelProfile? p = model.Profile;
        (bool flip, SettingSource flipSrc) = options.TestTimeFlip is { } f ? (f, SettingSource.Option)
            : p?.TestTimeFlip is { } pf ? (pf, SettingSource.Profile)
            : (false, SettingSource.Default);
        if (flip && !flipPossible)
        {
            throw new ModelLoadException($"{model.Path}: the test-time flip ({(flipSrc == SettingSource.Option ? "asked for" : "named by the profile")}) needs an anchor-free grid output " +
                $"(layout v8 with strides 8-32, 8-64 or 4-32 tiling the {model.InputWidth}x{model.InputHeight} input); this model's output is {LayoutNames.Of(model.Layout)} [{string.Join(", ", model.ObservedOutputShape)}]");
        }

        (float conf, SettingSource confSrc) = options.Confidence is { } c ? (c, SettingSource.Option)
            : p?.LowestThreshold is { } t ? (t, SettingSource.Profile)
            : (DetectorOptions.DefaultConfidence, SettingSource.Default);
        (float iou, SettingSource iouSrc) = options.Iou is { } i ? (i, SettingSource.Option)
            : p?.NmsIou is { } pi ? (pi, SettingSource.Profile)
            : (DetectorOptions.DefaultIou, SettingSource.Default);
        float ceiling = confSrc != SettingSource.Option && options.ConfidenceCeiling is { } cap ? cap : 1f;
        bool fromProfile = confSrc == SettingSource.Profile;
        if (conf > ceiling)
        {
            (conf, confSrc) = (ceiling, SettingSource.AlarmThreshold);
        }

        var perClass = new Dictionary<int, float>();
        if (fromProfile && p is not null)
        {
            for (int k = 0; k < model.ClassNames.Count; k++)
            {
                float thr = Math.Min(p.ClassThresholds.TryGetValue(model.ClassNames[k], out float v) ? v : p.OperatingThreshold ?? conf, ceiling);
                if (thr > conf)
                {
                    perClass[k] = thr;
                }
            }
        }

        return new DetectorSettings
        {
            Confidence = conf,
            ConfidenceSource = confSrc,
            ClassConfidence = perClass,
            Iou = iou,
            IouSource = iouSrc,
            OperatingThreshold = p?.OperatingThreshold,
            Contract = model.Contract,
            MaxUpscale = options.MaxUpscale,
            Fills = options.Fills,
            MinInputSide = options.MinInputSide ?? p?.MinInputSide ?? 32,
            TestTimeFlip = flip,
            TestTimeFlipSource = flipSrc,
        };
    }

    private static bool IsUltralytics(IReadOnlyDictionary<string, string> m) =>
        (m.TryGetValue("author", out string? a) && a.StartsWith("Ultralytics", StringComparison.Ordinal)) ||
        (m.ContainsKey("stride") && m.ContainsKey("task") && m.ContainsKey("names"));

    private static bool NamesRtDetr(IReadOnlyDictionary<string, string> m) =>
        (m.TryGetValue("head", out string? h) && h.Contains("RTDETR", StringComparison.OrdinalIgnoreCase)) ||
        (m.TryGetValue("description", out string? d) && (d.Contains("rtdetr", StringComparison.OrdinalIgnoreCase) || d.Contains("RT-DETR", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Ultralytics exports: RGB, ÷255, letterbox (stretch for RT-DETR), and <c>imgsz</c> for the input size.</summary>
    private static PreprocessSettings MetadataSettings(IReadOnlyDictionary<string, string> metadata)
    {
        (int, int)? size = null;
        if (metadata.TryGetValue("imgsz", out string? imgsz))
        {
            try
            {
                IReadOnlyList<int> v = PythonLiteral.ParseIntList(imgsz);
                size = v.Count switch
                {
                    2 when v[0] > 0 && v[1] > 0 => (v[1], v[0]),
                    1 when v[0] > 0 => (v[0], v[0]),
                    _ => null,
                };
            }
            catch (FormatException)
            {
                // Metadata is a hint: an unreadable imgsz leaves the size to other sources.
            }
        }

        return PreprocessSettings.Ultralytics(NamesRtDetr(metadata) ? ResizeMode.Stretch : ResizeMode.Letterbox) with { InputSize = size };
    }

    /// <summary>The family a layout belongs to with certainty, and its published preprocessing; ("unknown", null) otherwise.</summary>
    private static (string Family, PreprocessSettings? Convention) Family(LayoutDecision layout, bool ultralytics, int inW, int inH) => layout.Layout switch
    {
        _ when ultralytics => ("ultralytics", PreprocessSettings.Ultralytics(layout.Layout == OutputLayout.RtDetr ? ResizeMode.Stretch : ResizeMode.Letterbox)),
        OutputLayout.UltralyticsV8 or OutputLayout.EndToEnd => ("ultralytics", PreprocessSettings.Ultralytics()),
        OutputLayout.YoloV5 when layout.Rows == 3 * LayoutResolver.GridPoints(inW, inH) => ("yolov5", PreprocessSettings.Ultralytics()),
        OutputLayout.Yolox => ("yolox", PreprocessSettings.Yolox),
        _ => ("unknown", null),
    };

    /// <summary>
    /// Runs the model on <paramref name="batch"/> images already written into <paramref name="input"/>
    /// (NCHW float32, <see cref="InputFloatsPerImage"/> floats each) and returns each image's detections in model-input
    /// pixels after NMS. Adds the time spent in <c>Session.Run</c> and in decoding + NMS to the given stopwatches' totals.
    /// <paramref name="forFusion"/>: the images are passes to be fused (<see cref="Merging.FillFusion"/>), so they are
    /// decoded at <see cref="Merging.FillFusion.PassFloor"/> and per-class thresholds are left to the fusion.
    /// </summary>
    public List<Detection>[] Run(float[] input, int batch, out TimeSpan inference, out TimeSpan decoding, bool forFusion = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(input);
        if (batch < 1 || batch > MaxBatch || input.Length < batch * InputFloatsPerImage)
        {
            throw new ArgumentException($"batch {batch} must be in 1..{MaxBatch} and input must hold {batch * InputFloatsPerImage} floats (has {input.Length})");
        }

        if (Settings.TestTimeFlip)
        {
            return RunWithFlip(input, batch, out inference, out decoding, forFusion);
        }

        var sw = Stopwatch.StartNew();
        using IDisposableReadOnlyCollection<OrtValue> results = RunSession(input, batch);
        inference = sw.Elapsed;
        sw.Restart();
        ReadOnlySpan<float> output = CheckedOutput(results[0].GetTensorDataAsSpan<float>(), batch);
        int per = OutputRows * OutputCols;
        var all = new List<Detection>[batch];
        var candidates = new List<Detection>();
        for (int b = 0; b < batch; b++)
        {
            candidates.Clear();
            Decode(output.Slice(b * per, per), candidates, forFusion);
            all[b] = Suppress(candidates);
        }

        decoding = sw.Elapsed;
        return all;
    }

    /// <summary>
    /// <see cref="Run"/> with the test-time flip: each image and its mirror image go through the model (in one
    /// <c>Session.Run</c> where the batch is dynamic) and the outputs are fused (<see cref="FlipFusion"/>).
    /// </summary>
    private List<Detection>[] RunWithFlip(float[] input, int batch, out TimeSpan inference, out TimeSpan decoding, bool forFusion)
    {
        var sw = Stopwatch.StartNew();
        float[] outputs = FlippedOutputs(input, batch);
        inference = sw.Elapsed;
        sw.Restart();
        int per = OutputRows * OutputCols;
        var all = new List<Detection>[batch];
        var candidates = new List<Detection>();
        var fused = new float[per];
        for (int b = 0; b < batch; b++)
        {
            candidates.Clear();
            FlipFusion.AverageV8(outputs.AsSpan(b * per, per), outputs.AsSpan((batch + b) * per, per), OutputRows, OutputCols, _mirror!, Model.InputWidth, fused);
            Decode(fused, candidates, forFusion);
            all[b] = Suppress(candidates);
        }

        decoding = sw.Elapsed;
        return all;
    }

    /// <summary>The raw outputs of the images then of their mirror images (2 × batch outputs, in that order).</summary>
    private float[] FlippedOutputs(float[] input, int batch)
    {
        int floats = InputFloatsPerImage, per = OutputRows * OutputCols;
        float[] both = System.Buffers.ArrayPool<float>.Shared.Rent(2 * batch * floats);
        try
        {
            input.AsSpan(0, batch * floats).CopyTo(both);
            FlipFusion.MirrorInputs(input.AsSpan(0, batch * floats), batch, Model.InputWidth, Model.InputHeight, both.AsSpan(batch * floats));
            var outputs = new float[2 * batch * per];
            int step = Model.DynamicBatch ? 2 * batch : 1;
            for (int at = 0; at < 2 * batch; at += step)
            {
                int n = Math.Min(step, (2 * batch) - at);
                float[] chunk = at == 0 ? both : both.AsSpan(at * floats, n * floats).ToArray();
                using IDisposableReadOnlyCollection<OrtValue> results = RunSession(chunk, n);
                CheckedOutput(results[0].GetTensorDataAsSpan<float>(), n).CopyTo(outputs.AsSpan(at * per));
            }

            return outputs;
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(both);
        }
    }

    private ReadOnlySpan<float> CheckedOutput(ReadOnlySpan<float> output, int batch)
    {
        int per = OutputRows * OutputCols;
        if (output.Length != per * batch)
        {
            throw new XrayAnalysisException($"output '{Model.DecodedOutput.Name}' holds {output.Length} floats for a batch of {batch}; expected {batch} x {OutputRows} x {OutputCols}");
        }

        return output;
    }

    private void Decode(ReadOnlySpan<float> output, List<Detection> candidates, bool forFusion)
    {
        OutputDecoder.Decode(Model.Layout, output, OutputRows, OutputCols, Model.InputWidth, Model.InputHeight,
            forFusion ? MathF.Min(Settings.Confidence, Merging.FillFusion.PassFloor) : Settings.Confidence, Options.Classes, candidates);
        Clean(candidates, forFusion ? EmptyThresholds : Settings.ClassConfidence);
    }

    private static readonly IReadOnlyDictionary<int, float> EmptyThresholds = new Dictionary<int, float>();

    private List<Detection> Suppress(List<Detection> candidates) =>
        Model.Layout is OutputLayout.EndToEnd or OutputLayout.RtDetr
            ? TopK(candidates, Options.MaxDetections)
            : NonMaxSuppression.Apply(candidates, Settings.Iou, Options.AgnosticNms, Options.MaxDetections);

    /// <summary>The raw output tensor for a prepared input (a copy), for parity checks against the training framework.</summary>
    internal float[] RunRaw(float[] input, int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using IDisposableReadOnlyCollection<OrtValue> results = RunSession(input, batch);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>
    /// Pure <c>Session.Run</c> on a prepared input, for measuring pipeline efficiency; with the test-time flip, both
    /// passes (as <see cref="Run"/> makes them).
    /// </summary>
    public TimeSpan RunOnly(float[] input, int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var sw = Stopwatch.StartNew();
        if (Settings.TestTimeFlip)
        {
            _ = FlippedOutputs(input, batch);
            return sw.Elapsed;
        }

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

    /// <summary>Drops boxes that are not finite or have no area, and boxes under their class's operating threshold.</summary>
    private static void Clean(List<Detection> candidates, IReadOnlyDictionary<int, float> classConfidence)
    {
        candidates.RemoveAll(c =>
            !(float.IsFinite(c.Score) && float.IsFinite(c.X1) && float.IsFinite(c.Y1) && float.IsFinite(c.X2) && float.IsFinite(c.Y2)) ||
            c.X2 <= c.X1 || c.Y2 <= c.Y1 ||
            (classConfidence.Count > 0 && classConfidence.TryGetValue(c.ClassId, out float t) && c.Score < t));
    }

    private static List<Detection> TopK(List<Detection> c, int k)
    {
        var sorted = c.Select((d, i) => (d, i)).OrderByDescending(t => t.d.Score).ThenBy(t => t.i).Take(k).Select(t => t.d).ToList();
        return sorted;
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
