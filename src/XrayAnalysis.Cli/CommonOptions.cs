using System.CommandLine;
using System.Globalization;
using XrayAnalysis.Decoding;
using XrayAnalysis.Inference;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Cli;

/// <summary>Options shared by the commands that run a detector, and their mapping into <see cref="DetectorOptions"/>.</summary>
internal sealed class DetectorCliOptions
{
    public Option<FileInfo> Model { get; } = new("--model", "-m")
    {
        Description = "ONNX detection model (Ultralytics v5u/v8/v11, YOLOv5, end-to-end, RT-DETR or YOLOX output layout).",
        Required = true,
    };

    /// <summary>Options whose <c>--model</c> may be left out because something else (a route) can name it.</summary>
    public static DetectorCliOptions WithOptionalModel()
    {
        var d = new DetectorCliOptions();
        d.Model.Required = false;
        d.Model.Description += " Optional with --route when the route names one.";
        return d;
    }

    public Option<float?> Conf { get; } = new("--conf")
    {
        Description = "Confidence threshold: boxes scoring at or below it are dropped (default: the model profile's operating threshold, else 0.25).",
    };

    public Option<float?> Iou { get; } = new("--iou")
    {
        Description = "NMS IoU threshold: a box overlapping a higher-scored one by more is suppressed (default: the profile's recommended IoU, else 0.7).",
    };

    public Option<string?> ChannelOrder { get; } = new("--channel-order")
    {
        Description = "Preprocessing: tensor channel order, rgb or bgr (default: profile, metadata, recognised family, else rgb with a note).",
    };

    public Option<string?> Scale { get; } = new("--pixel-scale")
    {
        Description = "Preprocessing: multiplier on 0-255 pixel values, e.g. 1/255 or 1.",
    };

    public Option<string?> Mean { get; } = new("--mean")
    {
        Description = "Preprocessing: per-channel mean subtracted after scaling, three comma-separated values in tensor channel order.",
    };

    public Option<string?> Std { get; } = new("--std")
    {
        Description = "Preprocessing: per-channel standard deviation divided by after the mean, three comma-separated values.",
    };

    public Option<string?> Resize { get; } = new("--resize")
    {
        Description = "Preprocessing: letterbox (centred), letterbox-topleft (YOLOX) or stretch (RT-DETR).",
    };

    public Option<int?> Pad { get; } = new("--pad")
    {
        Description = "Preprocessing: letterbox pad grey level 0-255.",
    };

    public Option<string?> Interp { get; } = new("--interp")
    {
        Description = "Preprocessing: resize interpolation, linear, nearest, area or cubic.",
    };

    public Option<string?> ImgSize { get; } = new("--imgsz")
    {
        Description = "Input size for models with dynamic spatial dimensions: N or W,H.",
    };

    public Option<double> MaxUpscale { get; } = new("--max-upscale")
    {
        Description = "Largest factor by which a whole picture is enlarged to fit the model input; smaller pictures are padded instead.",
        DefaultValueFactory = _ => 2.0,
    };

    public Option<string?> Fill { get; } = new("--fill")
    {
        Description = "Largest fraction of the model input a whole picture fills, in (0, 1] (default: the route's fill, else 1); below 1 the picture is letterboxed smaller and padded, for a scanner whose field is smaller than the model learned on. Several, comma-separated (e.g. 0.625,1; at most 4): each whole picture is run at each and the boxes fused, one more model pass per fill (docs/ROUTES.md, \"Field of view\").",
    };

    public Option<int?> MinSide { get; } = new("--min-side")
    {
        Description = "Pictures with a side shorter than this (pixels) are rejected as too small to screen (default: the model profile's min_input_side, else 32).",
    };

    public Option<int> MaxDet { get; } = new("--max-det")
    {
        Description = "Most detections kept per image.",
        DefaultValueFactory = _ => 300,
    };

    public Option<string?> Classes { get; } = new("--classes")
    {
        Description = "Keep only these classes: comma-separated ids or names (default: all).",
    };

    public Option<bool> AgnosticNms { get; } = new("--agnostic-nms")
    {
        Description = "Class-agnostic NMS: a box suppresses overlapping boxes of any class (default: per class).",
    };

    public Option<string?> Layout { get; } = new("--layout")
    {
        Description = "Force the output layout instead of deciding it from tensor shapes.",
    };

    public Option<int?> Batch { get; } = new("--batch")
    {
        Description = "Images per inference call when the model's batch dimension is dynamic (default 4 on the CPU, 16 on CUDA).",
    };

    public Option<bool> SpinWait { get; } = new("--spin-wait")
    {
        Description = "Let ONNX Runtime's threads spin while waiting for work (its own default; off here because decoding shares the cores). For machines that do nothing but inference.",
    };

    public Option<string?> Tta { get; } = NewTta();

    /// <summary>A <c>--tta flip|off</c> option (test-time flip; <see cref="DetectorOptions.TestTimeFlip"/>).</summary>
    public static Option<string?> NewTta()
    {
        var o = new Option<string?>("--tta")
        {
            Description = "Test-time augmentation: flip (each scan also run mirrored and the two outputs averaged anchor by anchor; about twice the inference time) or off. Default: the model profile's test_time_flip.",
        };
        o.AcceptOnlyFromAmong("flip", "off");
        return o;
    }

    /// <summary>The value of a <see cref="NewTta"/> option: true for flip, false for off, null when not given.</summary>
    public static bool? TtaValue(ParseResult r, Option<string?> o) => r.GetValue(o) is { } v ? v == "flip" : null;

    public Option<string> Device { get; } = new("--device")
    {
        Description = "Where the model runs: cpu, cuda or cuda:N. Without CUDA (a CPU build, no driver or libraries) it runs on the CPU and says why in one line.",
        DefaultValueFactory = _ => "cpu",
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "ONNX Runtime intra-op threads (0: one per physical core).",
        DefaultValueFactory = _ => 0,
    };

    public DetectorCliOptions()
    {
        Layout.AcceptOnlyFromAmong([.. LayoutNames.All]);
        ChannelOrder.AcceptOnlyFromAmong("rgb", "bgr");
        Resize.AcceptOnlyFromAmong("letterbox", "letterbox-topleft", "stretch");
        Interp.AcceptOnlyFromAmong("linear", "nearest", "area", "cubic");
    }

    /// <summary>The preprocessing options only (for <c>xray model inspect</c> and <c>check</c>).</summary>
    public void AddContractTo(Command c)
    {
        foreach (Option o in new Option[] { Layout, ChannelOrder, Scale, Mean, Std, Resize, Pad, Interp, ImgSize })
        {
            c.Add(o);
        }
    }

    public void AddTo(Command c)
    {
        c.Add(Model);
        c.Add(Conf);
        c.Add(Iou);
        c.Add(MaxDet);
        c.Add(Classes);
        c.Add(AgnosticNms);
        AddContractTo(c);
        c.Add(MaxUpscale);
        c.Add(Fill);
        c.Add(MinSide);
        c.Add(Batch);
        c.Add(Threads);
        c.Add(SpinWait);
        c.Add(Tta);
        c.Add(Device);
    }

    public static OutputLayout? ParseLayout(string? s) => s is null ? null : LayoutNames.Parse(s);

    /// <summary>The preprocessing values given on the command line (throws <see cref="FormatException"/> on a bad value).</summary>
    public PreprocessSettings Contract(ParseResult r)
    {
        var p = new PreprocessSettings
        {
            ChannelOrder = r.GetValue(ChannelOrder) is { } co ? Names.ParseChannelOrder(co) : null,
            Scale = r.GetValue(Scale) is { } sc ? Names.ParseScale(sc) : null,
            Mean = r.GetValue(Mean) is { } m ? Floats(m, "--mean") : null,
            Std = r.GetValue(Std) is { } sd ? Floats(sd, "--std") : null,
            Resize = r.GetValue(Resize) is { } rz ? Names.ParseResize(rz) : null,
            PadValue = r.GetValue(Pad) is { } pad ? pad is >= 0 and <= 255 ? (byte)pad : throw new FormatException("--pad must be 0-255") : null,
            Interpolation = r.GetValue(Interp) is { } ip ? Names.ParseInterpolation(ip) : null,
            InputSize = r.GetValue(ImgSize) is { } z ? Size(z) : null,
        };
        p.Validate("options");
        return p;
    }

    /// <summary>Options without the class filter, which needs the model's names (see <see cref="ResolveClasses"/>).</summary>
    public DetectorOptions Build(ParseResult r)
    {
        DetectorOptions o = BuildWithoutBatch(r);
        return r.GetValue(Batch) is int b ? o with { BatchSize = b } : o;
    }

    private DetectorOptions BuildWithoutBatch(ParseResult r) => new()
    {
        Confidence = r.GetValue(Conf),
        Iou = r.GetValue(Iou),
        MaxDetections = r.GetValue(MaxDet),
        AgnosticNms = r.GetValue(AgnosticNms),
        Layout = ParseLayout(r.GetValue(Layout)),
        Preprocessing = Contract(r),
        MaxUpscale = r.GetValue(MaxUpscale),
        Fills = r.GetValue(Fill) is { } fill ? Floats(fill, "--fill").Select(f => (double)f).ToArray() : [1.0],
        MinInputSide = r.GetValue(MinSide),
        IntraOpThreads = r.GetValue(Threads),
        SpinWait = r.GetValue(SpinWait),
        TestTimeFlip = TtaValue(r, Tta),
        Device = r.GetValue(Device) ?? "cpu",
    };

    /// <summary>
    /// Opens the model given by <c>--model</c> with these options (and <c>--classes</c>), printing its notes. Returns
    /// <see cref="ExitCodes.Ok"/>, <see cref="ExitCodes.UsageError"/> or <see cref="ExitCodes.ModelUnusable"/> with a one-line message.
    /// </summary>
    public int TryOpen(ParseResult r, TextWriter stderr, out OnnxDetector? detector, Func<DetectorOptions, DetectorOptions>? adjust = null, string? fallbackModel = null)
    {
        detector = null;
        string? path = r.GetValue(Model)?.FullName ?? fallbackModel;
        if (path is null)
        {
            stderr.WriteLine("xray: no model: give --model FILE, or a --route whose profile names one");
            return ExitCodes.UsageError;
        }

        DetectorOptions options;
        try
        {
            options = Build(r);
            options = adjust?.Invoke(options) ?? options;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            stderr.WriteLine($"xray: {UsageErrors.Describe(ex)}");
            return ExitCodes.UsageError;
        }

        return OpenModel(path, options, stderr, out detector, d => ResolveClasses(r.GetValue(Classes), d.Model));
    }

    /// <summary>
    /// ONNX Runtime's own log goes to stdout in colour; every failure it reports also reaches xray as an exception and
    /// is printed once, as one line naming the file (a missing CUDA library, for one). Keep only its fatal messages.
    /// Done here, when a model is first opened, so that commands without a model never load ONNX Runtime.
    /// </summary>
    private static void QuietNativeLog()
    {
        if (!_quiet)
        {
            Microsoft.ML.OnnxRuntime.OrtEnv.Instance().EnvLogLevel = Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            _quiet = true;
        }
    }

    private static bool _quiet;

    /// <summary>Opens a model, printing its notes; the one place where "model unusable" becomes exit 3.</summary>
    public static int OpenModel(string path, DetectorOptions options, TextWriter stderr, out OnnxDetector? detector,
        Func<OnnxDetector, IReadOnlySet<int>?>? classes = null, bool printNotes = true)
    {
        detector = null;
        try
        {
            QuietNativeLog();
            detector = OnnxDetector.Open(path, options);
            if (classes?.Invoke(detector) is { } set)
            {
                detector.Dispose();
                detector = OnnxDetector.Open(path, options with { Classes = set });
            }

            foreach (string note in printNotes ? detector.Model.Notes : [])
            {
                stderr.WriteLine($"xray: note: {detector.Model.Name}: {note}");
            }

            return ExitCodes.Ok;
        }
        catch (ModelLoadException ex)
        {
            detector?.Dispose();
            detector = null;
            stderr.WriteLine($"xray: model unusable: {ex.Message}");
            return ExitCodes.ModelUnusable;
        }
        catch (ArgumentException ex)
        {
            detector?.Dispose();
            detector = null;
            stderr.WriteLine($"xray: {UsageErrors.Describe(ex)}");
            return ExitCodes.UsageError;
        }
    }

    private static float[] Floats(string text, string what)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var v = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]))
            {
                throw new FormatException($"{what}: '{parts[i]}' is not a number");
            }
        }

        return v;
    }

    private static (int, int) Size(string text)
    {
        string[] parts = text.Split(',', 'x');
        return parts.Length switch
        {
            1 when int.TryParse(parts[0], CultureInfo.InvariantCulture, out int n) => (n, n),
            2 when int.TryParse(parts[0], CultureInfo.InvariantCulture, out int w) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int h) => (w, h),
            _ => throw new FormatException($"--imgsz: '{text}' is not N or W,H"),
        };
    }

    /// <summary>Maps <c>--classes</c> (ids or names) onto class ids of the opened model.</summary>
    public static IReadOnlySet<int>? ResolveClasses(string? text, ModelInfo model)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var set = new HashSet<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id))
            {
                set.Add(id);
                continue;
            }

            int found = -1;
            for (int i = 0; i < model.ClassNames.Count; i++)
            {
                if (string.Equals(model.ClassNames[i], part, StringComparison.OrdinalIgnoreCase))
                {
                    found = i;
                }
            }

            if (found < 0)
            {
                throw new ArgumentException($"--classes: '{part}' is neither a class id nor one of the model's classes ({string.Join(", ", model.ClassNames)})");
            }

            set.Add(found);
        }

        return set;
    }
}
