namespace XrayAnalysis.Viewing;

/// <summary>Which materials a view shows in full; the others are "stripped" to a pale grey ghost so the bag's outline stays.</summary>
public enum MaterialFilter
{
    /// <summary>Every material (no stripping).</summary>
    All,

    /// <summary>Organic only (inorganic stripping): dual-energy ratio in the organic band, the colour of drugs and explosives.</summary>
    OrganicOnly,

    /// <summary>Inorganic only (organic stripping): mixed materials and metals.</summary>
    InorganicOnly,
}
