using System.Globalization;

namespace XrayAnalysis.Preprocessing;

/// <summary>Order of the three colour planes a model expects.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (Ultralytics, YOLOv5, RT-DETR).</summary>
    Rgb,

    /// <summary>Blue, green, red: OpenCV's order (YOLOX).</summary>
    Bgr,
}

/// <summary>Resampling used when an image is resized to the model input.</summary>
public enum Interpolation
{
    /// <summary>Bilinear (OpenCV INTER_LINEAR; what every supported family uses).</summary>
    Linear,

    /// <summary>Nearest neighbour.</summary>
    Nearest,

    /// <summary>Pixel-area relation (OpenCV INTER_AREA).</summary>
    Area,

    /// <summary>Bicubic.</summary>
    Cubic,
}

/// <summary>Where one value of an <see cref="InputContract"/> or of the detector settings came from, strongest first.</summary>
public enum SettingSource
{
    /// <summary>Fixed by the model's own tensors (a static input size).</summary>
    Model,

    /// <summary>Given explicitly by the caller (a CLI option or a library option).</summary>
    Option,

    /// <summary>From the model's profile (models/models.json or a sidecar JSON beside the model).</summary>
    Profile,

    /// <summary>From metadata the model carries (Ultralytics export keys).</summary>
    Metadata,

    /// <summary>The published convention of a model family recognised with certainty from its tensors.</summary>
    Family,

    /// <summary>No source named it: the Ultralytics default, with a visible note.</summary>
    Default,

    /// <summary>
    /// A confidence floor lowered to the alarm threshold in force (a route's, or one given on the command line), so
    /// that every box that alarms is kept (<see cref="Inference.DetectorOptions.ConfidenceCeiling"/>).
    /// </summary>
    AlarmThreshold,
}

/// <summary>
/// The preprocessing contract of a model: how an 8-bit picture becomes its input tensor. Every model has one and every
/// result records it, with the source of each value (<see cref="Sources"/>).
/// </summary>
public sealed record InputContract
{
    /// <summary>Channel order of the tensor planes.</summary>
    public required ChannelOrder ChannelOrder { get; init; }

    /// <summary>Multiplier applied to 0–255 pixel values before mean/std (1/255 for Ultralytics, 1 for YOLOX).</summary>
    public required float Scale { get; init; }

    /// <summary>Per-channel mean subtracted after scaling, in tensor channel order; null for none.</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel standard deviation divided by after the mean, in tensor channel order; null for none.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>How the picture is fitted to the input.</summary>
    public required ResizeMode Resize { get; init; }

    /// <summary>Grey level (0–255, before scaling) of letterbox padding.</summary>
    public required byte PadValue { get; init; }

    /// <summary>Resampling used when resizing.</summary>
    public required Interpolation Interpolation { get; init; }

    /// <summary>Input width in pixels (the model's static size, or the size chosen for a dynamic model).</summary>
    public required int Width { get; init; }

    /// <summary>Input height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>The model family whose convention this is ("ultralytics", "yolox", "yolov5", or "unknown").</summary>
    public required string Family { get; init; }

    /// <summary>Where each value came from, by field name (channel_order, scale, mean_std, resize, pad_value, interpolation, input_size).</summary>
    public required IReadOnlyDictionary<string, SettingSource> Sources { get; init; }

    /// <summary>Field names of <see cref="Sources"/>.</summary>
    public static readonly IReadOnlyList<string> FieldNames = ["channel_order", "scale", "mean_std", "resize", "pad_value", "interpolation", "input_size"];

    /// <summary>True when any value fell back to the Ultralytics default because nothing named it.</summary>
    public bool Guessed => Sources.Values.Any(s => s == SettingSource.Default);

    /// <summary>One line, e.g. <c>rgb, x1/255, letterbox pad 114, linear, 640x640 (ultralytics)</c>.</summary>
    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        string scale = Math.Abs(Scale - (1f / 255f)) < 1e-9 ? "x1/255" : "x" + Scale.ToString("0.######", ci);
        string ms = Mean is null && Std is null ? "" :
            $", mean [{string.Join(", ", (Mean ?? [0, 0, 0]).Select(v => v.ToString("0.####", ci)))}] std [{string.Join(", ", (Std ?? [1, 1, 1]).Select(v => v.ToString("0.####", ci)))}]";
        return $"{Names.Of(ChannelOrder)}, {scale}{ms}, {Names.Of(Resize)}{(Resize == ResizeMode.Stretch ? "" : $" pad {PadValue}")}, " +
               $"{Names.Of(Interpolation)}, {Width}x{Height} ({Family})";
    }
}

/// <summary>The lower-case names used on the command line, in profiles and in result JSON for the preprocessing enums.</summary>
internal static class Names
{
    /// <summary>"rgb" or "bgr".</summary>
    public static string Of(ChannelOrder c) => c == ChannelOrder.Bgr ? "bgr" : "rgb";

    /// <summary>"letterbox", "letterbox-topleft" or "stretch".</summary>
    public static string Of(ResizeMode r) => r switch
    {
        ResizeMode.Letterbox => "letterbox",
        ResizeMode.LetterboxTopLeft => "letterbox-topleft",
        _ => "stretch",
    };

    /// <summary>"linear", "nearest", "area" or "cubic".</summary>
    public static string Of(Interpolation i) => i.ToString().ToLowerInvariant();

    /// <summary>"model", "option", "profile", "metadata", "family" or "default".</summary>
    public static string Of(SettingSource s) => s == SettingSource.AlarmThreshold ? "alarm_threshold" : s.ToString().ToLowerInvariant();

    /// <summary>Parses "rgb"/"bgr".</summary>
    public static ChannelOrder ParseChannelOrder(string s) => s.Trim().ToLowerInvariant() switch
    {
        "rgb" => ChannelOrder.Rgb,
        "bgr" => ChannelOrder.Bgr,
        _ => throw new FormatException($"channel order '{s}' is not rgb or bgr"),
    };

    /// <summary>Parses "letterbox", "letterbox-topleft" or "stretch".</summary>
    public static ResizeMode ParseResize(string s) => s.Trim().ToLowerInvariant() switch
    {
        "letterbox" or "letterbox-centre" or "letterbox-center" => ResizeMode.Letterbox,
        "letterbox-topleft" or "topleft" => ResizeMode.LetterboxTopLeft,
        "stretch" => ResizeMode.Stretch,
        _ => throw new FormatException($"resize mode '{s}' is not letterbox, letterbox-topleft or stretch"),
    };

    /// <summary>Parses "linear", "nearest", "area" or "cubic".</summary>
    public static Interpolation ParseInterpolation(string s) => s.Trim().ToLowerInvariant() switch
    {
        "linear" or "bilinear" => Interpolation.Linear,
        "nearest" => Interpolation.Nearest,
        "area" => Interpolation.Area,
        "cubic" or "bicubic" => Interpolation.Cubic,
        _ => throw new FormatException($"interpolation '{s}' is not linear, nearest, area or cubic"),
    };

    /// <summary>Parses a scale: "1/255", "0.00392", "1".</summary>
    public static float ParseScale(string s)
    {
        s = s.Trim();
        int slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 &&
            double.TryParse(s[..slash], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) &&
            double.TryParse(s[(slash + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d != 0)
        {
            return Positive((float)(n / d), s);
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? Positive((float)v, s)
            : throw new FormatException($"scale '{s}' is not a number or a fraction like 1/255");

        static float Positive(float v, string s) => v > 0 && float.IsFinite(v) ? v : throw new FormatException($"scale '{s}' must be positive");
    }
}
