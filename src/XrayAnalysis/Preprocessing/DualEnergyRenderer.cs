namespace XrayAnalysis.Preprocessing;

/// <summary>
/// The standard pseudo-colour render of a dual-energy scan: hue from the dual-energy ratio
/// R = ln(1/T_low) / ln(1/T_high) (orange organic, green mixed/inorganic, blue metal), saturation and darkness from
/// attenuation, white where the beam passed through air. The synthetic-scan generator and the detection pipeline
/// both use this renderer, so models trained on synthetic renders see the same colours at inference.
/// </summary>
/// <remarks>
/// Implemented as two lookups per pixel: each 16-bit transmission value maps to a quantised attenuation code
/// (square-root spacing: fine steps at low attenuation where colour matters), and a 256 × 256 table maps the
/// (high, low) code pair to BGR. Tables are built once; the hot loop is a row operation over spans.
/// </remarks>
internal static class DualEnergyRenderer
{
    /// <summary>Largest attenuation ln(1/T) represented (T = 1/65535 gives 11.09).</summary>
    public const double MaxAttenuation = 11.1;

    /// <summary>Ratio at or below which a material renders pure organic orange (water at 60/100 keV ≈ 1.20).</summary>
    public const double OrganicRatio = 1.25;

    /// <summary>Ratio rendered pure green (aluminium at 60/100 keV ≈ 1.64).</summary>
    public const double MixedRatio = 1.65;

    /// <summary>Ratio at or above which a material renders pure blue (iron ≈ 3.25, copper ≈ 3.47).</summary>
    public const double MetalRatio = 2.6;

    /// <summary>Quantised attenuation code (0–255, square-root spacing) of each 16-bit transmission value.</summary>
    internal static readonly byte[] CodeOf16 = BuildCodeTable();
    /// <summary>The pipeline's palette: orange organic, green mixed, blue metal.</summary>
    internal static readonly DualEnergyPalette Standard = new((1.0, 0.55, 0.10), (0.15, 0.75, 0.20), (0.15, 0.35, 1.0), 4.0, 0.45);

    private static readonly byte[] Colour = BuildColourTable(Standard);

    /// <summary>The standard palette's (high code, low code) → BGR table.</summary>
    internal static byte[] StandardTable => Colour;

    /// <summary>Renders one row (or a whole image) of 16-bit high/low transmissions (65535 = air) to BGR bytes.</summary>
    public static void Render(ReadOnlySpan<ushort> high, ReadOnlySpan<ushort> low, Span<byte> bgr) => Render(high, low, bgr, Colour);

    /// <summary>As <see cref="Render(ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{byte})"/> with another (code, code) → BGR table.</summary>
    internal static void Render(ReadOnlySpan<ushort> high, ReadOnlySpan<ushort> low, Span<byte> bgr, byte[] colour)
    {
        if (high.Length != low.Length || bgr.Length < high.Length * 3)
        {
            throw new ArgumentException($"high ({high.Length}), low ({low.Length}) and bgr ({bgr.Length}, needs {high.Length * 3}) lengths do not match");
        }

        byte[] code = CodeOf16;
        for (int i = 0; i < high.Length; i++)
        {
            int idx = ((code[high[i]] << 8) | code[low[i]]) * 3;
            int o = i * 3;
            bgr[o] = colour[idx];
            bgr[o + 1] = colour[idx + 1];
            bgr[o + 2] = colour[idx + 2];
        }
    }

    /// <summary>The BGR colour for given high/low attenuations (ln(1/T)); the exact function the tables sample.</summary>
    public static (byte B, byte G, byte R) ColourOf(double attHigh, double attLow) => ColourOf(attHigh, attLow, Standard);

    /// <summary>The BGR colour of a pair of attenuations in <paramref name="p"/>.</summary>
    internal static (byte B, byte G, byte R) ColourOf(double attHigh, double attLow, DualEnergyPalette p)
    {
        // Mean attenuation drives darkness; the ratio drives hue. Thin objects stay pale, thick ones saturate and darken.
        double a = Math.Max(0, attHigh);
        double ratio = a < 1e-4 ? OrganicRatio : Math.Max(0, attLow) / a;
        (double r, double g, double b) hue = HueOf(ratio, p);
        double saturation = 1 - Math.Exp(-a * p.SaturationK);
        double value = Math.Exp(-a * p.ValueK);
        double rr = (1 - saturation + (saturation * hue.r)) * value;
        double gg = (1 - saturation + (saturation * hue.g)) * value;
        double bb = (1 - saturation + (saturation * hue.b)) * value;
        return (ToByte(bb), ToByte(gg), ToByte(rr));
    }

    /// <summary>The 256 × 256 (high code, low code) → BGR table of a palette.</summary>
    internal static byte[] BuildColourTable(DualEnergyPalette p)
    {
        var t = new byte[256 * 256 * 3];
        for (int h = 0; h < 256; h++)
        {
            for (int l = 0; l < 256; l++)
            {
                (byte b, byte g, byte r) = ColourOf(AttenuationOfCode(h), AttenuationOfCode(l), p);
                int o = ((h << 8) | l) * 3;
                t[o] = b;
                t[o + 1] = g;
                t[o + 2] = r;
            }
        }

        return t;
    }

    /// <summary>Pure hue (RGB in 0–1) for a dual-energy ratio: organic → mixed → metal.</summary>
    internal static (double R, double G, double B) HueOf(double ratio, DualEnergyPalette p)
    {
        if (ratio <= OrganicRatio)
        {
            return p.Organic;
        }

        if (ratio <= MixedRatio)
        {
            return Lerp(p.Organic, p.Mixed, (ratio - OrganicRatio) / (MixedRatio - OrganicRatio));
        }

        if (ratio <= MetalRatio)
        {
            return Lerp(p.Mixed, p.Metal, (ratio - MixedRatio) / (MetalRatio - MixedRatio));
        }

        return p.Metal;
    }

    private static (double, double, double) Lerp((double A, double B, double C) x, (double A, double B, double C) y, double t) =>
        (x.A + ((y.A - x.A) * t), x.B + ((y.B - x.B) * t), x.C + ((y.C - x.C) * t));

    private static byte ToByte(double v) => (byte)Math.Clamp(Math.Round(v * 255.0), 0, 255);

    /// <summary>The attenuation ln(1/T) a code stands for.</summary>
    internal static double AttenuationOfCode(int code) => MaxAttenuation * (code / 255.0) * (code / 255.0);

    private static byte[] BuildCodeTable()
    {
        var t = new byte[65536];
        for (int v = 0; v < 65536; v++)
        {
            double att = -Math.Log(Math.Max(v, 1) / 65535.0);
            t[v] = (byte)Math.Clamp(Math.Round(Math.Sqrt(att / MaxAttenuation) * 255.0), 0, 255);
        }

        return t;
    }
}
