namespace XrayAnalysis.Viewing;

/// <summary>
/// A brightness window of a view, on the standard view's brightness scale (0 = opaque, 1 = air): the part
/// [<see cref="Low"/>, <see cref="High"/>] is stretched over the full 8-bit output. Computed from the 16-bit source (or
/// the exact attenuation of a dual-energy pair), so detail that the standard 8-bit view shows as one black or one white
/// is separated again.
/// </summary>
/// <param name="Low">Brightness shown black (0–1).</param>
/// <param name="High">Brightness shown white (0–1, above <paramref name="Low"/>).</param>
public readonly record struct ViewWindow(double Low, double High)
{
    /// <summary>The standard view: the whole range.</summary>
    public static ViewWindow Full { get; } = new(0, 1);

    /// <summary>High penetration: the darkest quarter stretched, to see into dense areas (thick organics, behind metal).</summary>
    public static ViewWindow HighPenetration { get; } = new(0, 0.25);

    /// <summary>Low penetration: the bright half stretched, to see thin materials (paper, blotters, thin layers).</summary>
    public static ViewWindow LowPenetration { get; } = new(0.5, 1);

    /// <summary>Variable density: a window 0.4 wide whose position the operator slides from thin (0) to dense (1).</summary>
    /// <param name="level">0 = thinnest materials (bright end), 1 = densest (dark end).</param>
    public static ViewWindow Density(double level)
    {
        if (!(level >= 0 && level <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "density level must be between 0 (thin) and 1 (dense)");
        }

        double centre = 0.8 - (0.6 * level);
        return new ViewWindow(centre - 0.2, centre + 0.2);
    }

    /// <summary>Maps a standard-view brightness (0–1) through the window to 0–1.</summary>
    internal double Apply(double v) => Math.Clamp((v - Low) / (High - Low), 0, 1);

    internal void Validate()
    {
        if (!(Low >= 0 && High <= 1 && High > Low))
        {
            throw new ArgumentException($"view window [{Low}, {High}] must satisfy 0 <= low < high <= 1");
        }
    }
}
