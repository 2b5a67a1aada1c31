namespace XrayAnalysis.Dicos;

/// <summary>One potential threat object (PTO) of a DICOS Threat Detection Report, in the source image's pixels.</summary>
/// <param name="Id">Potential Threat Object ID (4010,1010).</param>
/// <param name="Category">Threat Category (4010,1012), e.g. CONTRABAND, ANOMALY.</param>
/// <param name="Description">Threat Category Description (4010,1013): the detector's class name.</param>
/// <param name="Probability">ATD Assessment Probability (4010,1016), when given.</param>
/// <param name="AssessmentFlag">ATD Assessment Flag (4010,1015): THREAT, NO_THREAT or UNKNOWN.</param>
/// <param name="AbilityAssessment">ATD Ability Assessment (4010,1014): NO_INTERFERENCE, or SHIELD for a region too dense to clear.</param>
/// <param name="X">Left edge: Threat ROI Base x (4010,1004).</param>
/// <param name="Y">Top edge: Threat ROI Base y.</param>
/// <param name="Width">Threat ROI Extents x (4010,1005).</param>
/// <param name="Height">Threat ROI Extents y.</param>
public sealed record TdrObject(int Id, string Category, string? Description, double? Probability, string? AssessmentFlag, string? AbilityAssessment, double X, double Y, double Width, double Height);
