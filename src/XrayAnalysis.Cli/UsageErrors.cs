using System.Globalization;
using System.Text.RegularExpressions;

namespace XrayAnalysis.Cli;

/// <summary>
/// Turns the library's argument exceptions into the one-line messages users see, naming the option they typed
/// (<c>--conf must be in [0, 1] (got 2)</c>) rather than the property it set or a second line of .NET text.
/// </summary>
internal static partial class UsageErrors
{
    private static readonly Dictionary<string, string> OptionOf = new(StringComparer.Ordinal)
    {
        ["Confidence"] = "--conf",
        ["Iou"] = "--iou",
        ["MaxUpscale"] = "--max-upscale",
        ["Fill"] = "--fill",
        ["Fills"] = "--fill",
        ["MinInputSide"] = "--min-side",
        ["MaxDetections"] = "--max-det",
        ["BatchSize"] = "--batch",
        ["Device"] = "--device",
        ["SliceStep"] = "--slice-step",
        ["WindowWidth"] = "--window-width",
        ["LinkIou"] = "--link-iou",
        ["MinRun"] = "--min-run",
        ["GapTolerance"] = "--gap",
        ["Overlap"] = "--overlap",
        ["Scale"] = "--scale",
        ["Threshold"] = "--merge-threshold",
        ["GrowScoreRatio"] = "--merge-grow-ratio",
        ["AlarmThreshold"] = "--alarm-threshold",
        ["DisplayFloor"] = "--display-floor",
    };

    /// <summary>One line for a usage error: argument exceptions as below, others by their first message line.</summary>
    public static string Describe(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        if (ex is not ArgumentException arg)
        {
            return Loading.Reasons.OneLine(ex.Message, ex.GetType().Name);
        }

        return Describe(arg);
    }

    /// <summary>One line for <paramref name="ex"/>: the option, the rule, and the value given.</summary>
    public static string Describe(ArgumentException ex)
    {
        string text = Loading.Reasons.OneLine(ParameterSuffix().Replace(ex.Message, string.Empty), "invalid argument");
        string? option = ex.ParamName is { } p && OptionOf.TryGetValue(p, out string? o) ? o : null;
        if (option is not null && !text.Contains(option, StringComparison.Ordinal))
        {
            // The library names the property ("volume option SliceStep must ..."): say the option instead.
            text = ex.ParamName is { } name && text.Contains(name, StringComparison.Ordinal)
                ? text.Replace("volume option " + name, option, StringComparison.Ordinal).Replace(name, option, StringComparison.Ordinal)
                : $"{option} {text}";
        }

        if (ex is ArgumentOutOfRangeException { ActualValue: { } actual } && !text.Contains("(got ", StringComparison.Ordinal))
        {
            text += string.Create(CultureInfo.InvariantCulture, $" (got {actual})");
        }

        return text;
    }

    [GeneratedRegex(@" \(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();
}
