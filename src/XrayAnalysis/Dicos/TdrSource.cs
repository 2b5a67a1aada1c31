namespace XrayAnalysis.Dicos;

/// <summary>UIDs of the scanned DICOS image a TDR refers to.</summary>
/// <param name="SopClassUid">Its SOP Class UID (DX, CT, ...).</param>
/// <param name="SopInstanceUid">Its SOP Instance UID.</param>
/// <param name="StudyInstanceUid">Its Study Instance UID, when given (the TDR joins the study).</param>
public sealed record TdrSource(string SopClassUid, string SopInstanceUid, string? StudyInstanceUid);
