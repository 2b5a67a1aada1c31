using System.Text.Json.Serialization;

namespace XrayAnalysis.Volumes;

/// <summary>Milliseconds spent on one volume in each stage; null (left out of the JSON) for a stage that did not run.</summary>
public sealed record VolumeTimings
{
    /// <summary>Reading slices from the source.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Read { get; init; }

    /// <summary>Rendering slices to 8-bit pictures and letterboxing them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Render { get; init; }

    /// <summary>ONNX Runtime <c>Session.Run</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Inference { get; init; }

    /// <summary>Decoding the output tensors and NMS.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Postprocess { get; init; }

    /// <summary>Fusing slice boxes into 3D regions.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Fusion { get; init; }

    /// <summary>Projections and montages written for the operator.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Pictures { get; init; }

    /// <summary>Wall time of the whole volume, pictures included.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Total { get; init; }
}
