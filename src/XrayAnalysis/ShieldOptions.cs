namespace XrayAnalysis;

/// <summary>
/// The shield alarm: regions too dense for the beam (near-zero transmission, e.g. behind thick metal) hide whatever is
/// behind them, so a scan holding one larger than <see cref="MinAreaPixels"/> is reported "unable to clear"
/// (<see cref="ScanResult.ShieldRegions"/>), never clear.
/// </summary>
public sealed record ShieldOptions
{
    /// <summary>The defaults: on, transmission ≤ 1 % of air, 1,000 px.</summary>
    public static ShieldOptions Default { get; } = new();

    /// <summary>False to skip the check (results then carry no shield regions and say so in their warnings).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Raw scans (16-bit or 8-bit grey, the high-energy image of a pair): a pixel is shielded at or below this fraction
    /// of the air level (the 99.9th percentile of the scan). 0.01 is an attenuation ln(1/T) of 4.6: about 6 cm of steel
    /// at cabinet-scanner energies.
    /// </summary>
    public double MaxTransmission { get; init; } = 0.01;

    /// <summary>8-bit colour renders (vendor pseudo-colour): a pixel is shielded when its brightest channel is at or below this (0–255).</summary>
    public int MaxRenderedBrightness { get; init; } = 24;

    /// <summary>Smallest connected shielded area reported, in scan pixels (8-connected, after closing one-pixel noise gaps).</summary>
    public int MinAreaPixels { get; init; } = 1000;

    /// <summary>
    /// Thinnest dense band that can hide a threat, in scan pixels: the dense pixels are opened with a square of this side
    /// before areas are counted, so a dense band thinner than this — a container's roof or floor seen edge-on, a frame
    /// rail — is not reported however long it is. 1 (the default) keeps every dense pixel.
    /// </summary>
    public int MinThicknessPixels { get; init; } = 1;

    internal void Validate()
    {
        if (!(MaxTransmission > 0 && MaxTransmission < 1))
        {
            throw new ArgumentException($"shield transmission {MaxTransmission} must be between 0 and 1 (exclusive)");
        }

        if (MaxRenderedBrightness is < 0 or > 254)
        {
            throw new ArgumentException($"shield rendered brightness {MaxRenderedBrightness} must be 0–254");
        }

        if (MinAreaPixels < 1)
        {
            throw new ArgumentException($"shield minimum area {MinAreaPixels} must be at least 1 pixel");
        }

        if (MinThicknessPixels is < 1 or > 1000)
        {
            throw new ArgumentException($"shield minimum thickness {MinThicknessPixels} must be 1–1000 pixels");
        }
    }
}
