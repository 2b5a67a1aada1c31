namespace XrayAnalysis.Dicos;

/// <summary>UIDs of the scanned DICOS image a TDR refers to.</summary>
/// <param name="SopClassUid">Its SOP Class UID (DX, CT, ...).</param>
/// <param name="SopInstanceUid">Its SOP Instance UID.</param>
/// <param name="StudyInstanceUid">Its Study Instance UID, when given (the TDR joins the study).</param>
public sealed record TdrSource(string SopClassUid, string SopInstanceUid, string? StudyInstanceUid)
{
    /// <summary>The object of inspection's ID (DICOS reuses Patient ID, 0010,0020); the TDR carries it (else the scan's name).</summary>
    public string? ObjectOfInspectionId { get; init; }

    /// <summary>The study's date (DA), kept in the TDR so that it joins the study as it is.</summary>
    public string? StudyDate { get; init; }

    /// <summary>The study's time (TM).</summary>
    public string? StudyTime { get; init; }
}
