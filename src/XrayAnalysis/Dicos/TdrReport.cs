namespace XrayAnalysis.Dicos;

/// <summary>A DICOS Threat Detection Report as read back: the decision, the algorithm, the image it refers to, its PTOs.</summary>
/// <param name="SopInstanceUid">The report's SOP Instance UID.</param>
/// <param name="ReferencedSopInstanceUid">The image the PTOs refer to (first PTO's Referenced SOP Instance UID), when given.</param>
/// <param name="AlarmDecision">Alarm Decision (4010,1031): ALARM or CLEAR (UNKNOWN when absent).</param>
/// <param name="TdrType">TDR Type (4010,1027): MACHINE or OPERATOR.</param>
/// <param name="AbortFlag">Abort Flag (4010,1024): SUCCESS or ABORT.</param>
/// <param name="Algorithm">Threat Detection Algorithm and Version (4010,1029) values.</param>
/// <param name="Objects">The PTOs of the Threat Sequence (4010,1011).</param>
public sealed record TdrReport(string SopInstanceUid, string? ReferencedSopInstanceUid, string AlarmDecision, string TdrType, string AbortFlag, IReadOnlyList<string> Algorithm, IReadOnlyList<TdrObject> Objects);
