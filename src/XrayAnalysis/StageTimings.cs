using System.Text.Json.Serialization;

namespace XrayAnalysis;

/// <summary>
/// Milliseconds spent on one scan in each stage of the 2D pipeline. A stage that did not run (a scan that failed to
/// decode has no inference) is null and left out of the JSON. Batch-wide stages (inference, decode of the output) are
/// shared equally between the scans of a batch.
/// </summary>
public sealed record StageTimings
{
    /// <summary>Reading, checking and decoding the file (CRC, SHA-256, pixel decode).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Decode { get; init; }

    /// <summary>Rendering to the 8-bit picture the model sees (window/level, dual-energy colour).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Render { get; init; }

    /// <summary>Letterboxing into the input tensor (all tiles of a tiled scan).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Preprocess { get; init; }

    /// <summary>ONNX Runtime <c>Session.Run</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Inference { get; init; }

    /// <summary>Decoding the output tensor, NMS and mapping boxes back to scan pixels.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Postprocess { get; init; }

    /// <summary>Merging the boxes of a tiled scan.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Merge { get; init; }

    /// <summary>Writing the result files (batch runs only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Write { get; init; }

    /// <summary>The sum of the stages that ran.</summary>
    [JsonIgnore]
    public double Total => (Decode ?? 0) + (Render ?? 0) + (Preprocess ?? 0) + (Inference ?? 0) + (Postprocess ?? 0) + (Merge ?? 0) + (Write ?? 0);

    /// <summary>The stages in pipeline order with their names as written in JSON; stages that did not run are left out.</summary>
    public IEnumerable<(string Stage, double Milliseconds)> Stages()
    {
        foreach ((string name, double? v) in new[] { ("decode", Decode), ("render", Render), ("preprocess", Preprocess), ("inference", Inference),
                     ("postprocess", Postprocess), ("merge", Merge), ("write", Write) })
        {
            if (v is { } ms)
            {
                yield return (name, ms);
            }
        }
    }
}
