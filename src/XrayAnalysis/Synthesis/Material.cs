namespace XrayAnalysis.Synthesis;

/// <summary>
/// A material by its mass attenuation coefficients (cm²/g) at the simulator's two effective energies — 60 keV (low)
/// and 100 keV (high), NIST XCOM values (the project's domain notes) — and its density (g/cm³).
/// </summary>
internal sealed record Material(string Name, double MuRhoLow, double MuRhoHigh, double Density)
{
    /// <summary>Linear attenuation at the low energy (1/cm).</summary>
    public double MuLow => MuRhoLow * Density;

    /// <summary>Linear attenuation at the high energy (1/cm).</summary>
    public double MuHigh => MuRhoHigh * Density;

    public static readonly Material Water = new("water", 0.206, 0.171, 1.0);
    public static readonly Material Clothes = new("clothes", 0.200, 0.167, 0.25);
    public static readonly Material Paper = new("paper", 0.200, 0.166, 0.85);
    public static readonly Material Cardboard = new("cardboard", 0.200, 0.166, 0.45);
    public static readonly Material Plastic = new("plastic", 0.195, 0.164, 1.05);
    public static readonly Material Rubber = new("rubber", 0.200, 0.166, 1.15);
    public static readonly Material Food = new("food", 0.208, 0.171, 1.1);

    /// <summary>Compressed powder (cocaine/heroin hydrochloride; the chlorine raises Zeff a little above food).</summary>
    public static readonly Material Narcotic = new("narcotic", 0.222, 0.175, 1.2);

    /// <summary>Pressed tablets (with calcium-phosphate fillers: slightly more "mixed" than food).</summary>
    public static readonly Material Tablet = new("tablet", 0.232, 0.178, 1.3);
    public static readonly Material Aluminium = new("aluminium", 0.278, 0.170, 2.7);
    public static readonly Material Glass = new("glass", 0.290, 0.172, 2.5);
    public static readonly Material Steel = new("steel", 1.21, 0.372, 7.9);
    public static readonly Material Copper = new("copper", 1.59, 0.458, 8.96);
    public static readonly Material Battery = new("battery", 0.95, 0.31, 3.2);

    /// <summary>Glass-epoxy circuit board (FR-4).</summary>
    public static readonly Material CircuitBoard = new("circuit_board", 0.26, 0.170, 1.85);

    /// <summary>Carbon paper or graphite sheets, wrapped round a package in the hope of hiding it.</summary>
    public static readonly Material Carbon = new("carbon", 0.181, 0.151, 1.0);

    // Organic look-alikes: blocks and bags whose Zeff and density sit close to compressed powder.
    public static readonly Material Sugar = new("sugar", 0.192, 0.162, 0.85);
    public static readonly Material Flour = new("flour", 0.193, 0.163, 0.6);
    public static readonly Material Coffee = new("coffee", 0.195, 0.164, 0.6);
    public static readonly Material Chocolate = new("chocolate", 0.198, 0.166, 1.3);
    public static readonly Material Cheese = new("cheese", 0.206, 0.170, 1.1);
    public static readonly Material Soap = new("soap", 0.212, 0.172, 1.05);
}
