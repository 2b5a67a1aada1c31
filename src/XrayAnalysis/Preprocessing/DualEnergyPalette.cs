namespace XrayAnalysis.Preprocessing;

/// <summary>A dual-energy palette: pure hues for organic, mixed and metal, and how fast attenuation saturates and darkens.</summary>
internal sealed record DualEnergyPalette((double R, double G, double B) Organic, (double R, double G, double B) Mixed, (double R, double G, double B) Metal, double SaturationK, double ValueK);
