namespace XrayAnalysis.Synthesis;

/// <summary>Routes the generator can simulate.</summary>
public enum SceneKind
{
    /// <summary>Letters and small packets.</summary>
    Mail,
    /// <summary>Express cartons.</summary>
    Express,
    /// <summary>Travellers' bags.</summary>
    Baggage,
    /// <summary>Trucks and containers (tiled).</summary>
    Cargo,
}
