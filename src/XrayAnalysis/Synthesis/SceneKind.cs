namespace XrayAnalysis.Synthesis;

/// <summary>Routes the generator can simulate.</summary>
public enum SceneKind
{
    Mail,
    Express,
    Baggage,
    Cargo,
}
