namespace XrayAnalysis.Synthesis;

/// <summary>What <see cref="ThreatImageProjection.ProjectFiles"/> wrote; serialised as the ground-truth JSON.</summary>
/// <param name="Bbox">Ground-truth box, COCO order [x, y, width, height]: the threat's visible extent (zero size when the threat is invisible).</param>
/// <param name="Threat">Threat file name.</param>
/// <param name="Scan">Scan file name.</param>
/// <param name="Outputs">Images written (one, or the _high and _low of a pair).</param>
/// <param name="GroundTruthPath">Where this record was written.</param>
public sealed record TipResult(
    int[] Bbox,
    string Threat,
    string Scan,
    [property: System.Text.Json.Serialization.JsonIgnore] IReadOnlyList<string> Outputs,
    [property: System.Text.Json.Serialization.JsonIgnore] string GroundTruthPath)
{
    /// <summary>The threat's class name (for example <c>powder</c>), as the ground truth's category.</summary>
    public string Class { get; init; } = "threat";
}
