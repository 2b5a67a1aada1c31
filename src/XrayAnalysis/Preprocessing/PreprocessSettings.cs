namespace XrayAnalysis.Preprocessing;

/// <summary>
/// Some or all of an <see cref="InputContract"/>'s values, as given by one source (options, a profile, model metadata, a
/// family's convention). Null fields say nothing; <see cref="InputContractResolver"/> layers the sources.
/// </summary>
public sealed record PreprocessSettings
{
    /// <summary>Channel order, or null.</summary>
    public ChannelOrder? ChannelOrder { get; init; }

    /// <summary>Value scale, or null.</summary>
    public float? Scale { get; init; }

    /// <summary>Per-channel mean in tensor channel order (three values), or null.</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel standard deviation in tensor channel order (three values, non-zero), or null.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>Resize mode, or null.</summary>
    public ResizeMode? Resize { get; init; }

    /// <summary>Pad grey level, or null.</summary>
    public byte? PadValue { get; init; }

    /// <summary>Interpolation, or null.</summary>
    public Interpolation? Interpolation { get; init; }

    /// <summary>Input width and height for a model with dynamic spatial dimensions, or null.</summary>
    public (int Width, int Height)? InputSize { get; init; }

    /// <summary>True when no field is set.</summary>
    public bool IsEmpty => ChannelOrder is null && Scale is null && Mean is null && Std is null && Resize is null && PadValue is null &&
                           Interpolation is null && InputSize is null;

    /// <summary>The Ultralytics convention (YOLOv5u/v8/v11, end-to-end, RT-DETR with <see cref="ResizeMode.Stretch"/>): RGB, ÷255, centred letterbox pad 114, bilinear.</summary>
    public static PreprocessSettings Ultralytics(ResizeMode resize = ResizeMode.Letterbox) => new()
    {
        ChannelOrder = Preprocessing.ChannelOrder.Rgb,
        Scale = 1f / 255f,
        Resize = resize,
        PadValue = 114,
        Interpolation = Preprocessing.Interpolation.Linear,
    };

    /// <summary>YOLOX's own demo (<c>preproc</c> in yolox/data/data_augment.py): BGR, 0–255, top-left letterbox pad 114, bilinear.</summary>
    public static PreprocessSettings Yolox { get; } = new()
    {
        ChannelOrder = Preprocessing.ChannelOrder.Bgr,
        Scale = 1f,
        Resize = ResizeMode.LetterboxTopLeft,
        PadValue = 114,
        Interpolation = Preprocessing.Interpolation.Linear,
    };

    /// <summary>Checks the values that can be wrong (three-value mean/std, non-zero finite std, positive size).</summary>
    public void Validate(string source)
    {
        if (Mean is { } m && (m.Count != 3 || m.Any(v => !float.IsFinite(v))))
        {
            throw new FormatException($"{source}: mean must be three finite numbers");
        }

        if (Std is { } s && (s.Count != 3 || s.Any(v => !float.IsFinite(v) || v == 0)))
        {
            throw new FormatException($"{source}: std must be three finite non-zero numbers");
        }

        if (Scale is { } sc && !(sc > 0 && float.IsFinite(sc)))
        {
            throw new FormatException($"{source}: scale must be positive");
        }

        if (InputSize is { } z && (z.Width < 8 || z.Height < 8 || z.Width > 8192 || z.Height > 8192))
        {
            throw new FormatException($"{source}: input size {z.Width}x{z.Height} must be within 8..8192 on each side");
        }
    }
}

/// <summary>Layers the sources of a preprocessing contract: options, profile, metadata, family convention, default.</summary>
internal static class InputContractResolver
{
    /// <summary>
    /// Resolves a contract. <paramref name="staticSize"/> is the model's fixed input size (null when dynamic);
    /// <paramref name="fallbackSize"/> is used for a dynamic model when no source names a size.
    /// </summary>
    public static InputContract Resolve(
        PreprocessSettings? options,
        PreprocessSettings? profile,
        PreprocessSettings? metadata,
        PreprocessSettings? family,
        string familyName,
        (int Width, int Height)? staticSize,
        int fallbackSize)
    {
        (PreprocessSettings? S, SettingSource Src)[] layers =
        [
            (options, SettingSource.Option), (profile, SettingSource.Profile), (metadata, SettingSource.Metadata), (family, SettingSource.Family),
            (PreprocessSettings.Ultralytics(), SettingSource.Default),
        ];
        var sources = new Dictionary<string, SettingSource>(StringComparer.Ordinal);

        T Pick<T>(string field, Func<PreprocessSettings, T?> get)
            where T : struct
        {
            foreach ((PreprocessSettings? s, SettingSource src) in layers)
            {
                if (s is not null && get(s) is { } v)
                {
                    sources[field] = src;
                    return v;
                }
            }

            throw new InvalidOperationException($"no default for {field}");
        }

        ChannelOrder order = Pick("channel_order", s => s.ChannelOrder);
        float scale = Pick("scale", s => s.Scale);
        ResizeMode resize = Pick("resize", s => s.Resize);
        byte pad = Pick("pad_value", s => s.PadValue);
        Interpolation interp = Pick("interpolation", s => s.Interpolation);

        IReadOnlyList<float>? mean = null, std = null;
        sources["mean_std"] = SettingSource.Default;
        foreach ((PreprocessSettings? s, SettingSource src) in layers)
        {
            if (s is not null && (s.Mean is not null || s.Std is not null))
            {
                (mean, std) = (s.Mean, s.Std);
                sources["mean_std"] = src;
                break;
            }

            if (s is not null && s.Scale is not null)
            {
                // A source that sets the scale without mean/std means "no normalisation" (Ultralytics, YOLOX).
                sources["mean_std"] = src;
                break;
            }
        }

        (int w, int h) size;
        if (staticSize is { } fixedSize)
        {
            size = fixedSize;
            sources["input_size"] = SettingSource.Model;
        }
        else
        {
            size = (fallbackSize, fallbackSize);
            sources["input_size"] = SettingSource.Default;
            foreach ((PreprocessSettings? s, SettingSource src) in layers)
            {
                if (s?.InputSize is { } z)
                {
                    size = z;
                    sources["input_size"] = src;
                    break;
                }
            }
        }

        return new InputContract
        {
            ChannelOrder = order,
            Scale = scale,
            Mean = mean,
            Std = std,
            Resize = resize,
            PadValue = pad,
            Interpolation = interp,
            Width = size.w,
            Height = size.h,
            Family = familyName,
            Sources = sources,
        };
    }
}
