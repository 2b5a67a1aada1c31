using System.Text.Json.Serialization;

namespace XrayAnalysis.Decoding;

/// <summary>How a model's output layout was decided. JSON and messages use the names in brackets.</summary>
public enum LayoutSource
{
    /// <summary>Only one layout fits the output shape ("shape").</summary>
    [JsonStringEnumMemberName("shape")]
    Shape,

    /// <summary>Several fit; the model's metadata decided ("shape+metadata").</summary>
    [JsonStringEnumMemberName("shape+metadata")]
    ShapeAndMetadata,

    /// <summary>The warm-up output's values showed boxes already decoded in the graph ("shape+values").</summary>
    [JsonStringEnumMemberName("shape+values")]
    ShapeAndValues,

    /// <summary>The model's profile names it ("profile").</summary>
    [JsonStringEnumMemberName("profile")]
    Profile,

    /// <summary>The caller named it (<c>--layout</c>; "override").</summary>
    [JsonStringEnumMemberName("override")]
    Override,
}

/// <summary>The names of <see cref="LayoutSource"/> as JSON and messages write them.</summary>
internal static class LayoutSourceNames
{
    /// <summary>"shape", "shape+metadata", "shape+values", "profile" or "override".</summary>
    public static string Of(LayoutSource s) => s switch
    {
        LayoutSource.ShapeAndMetadata => "shape+metadata",
        LayoutSource.ShapeAndValues => "shape+values",
        _ => s.ToString().ToLowerInvariant(),
    };
}
