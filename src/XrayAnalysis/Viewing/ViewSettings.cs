using System.Globalization;

namespace XrayAnalysis.Viewing;

/// <summary>
/// The operator image functions of a screening workstation, combined into one view: pseudo-colour or grey, material
/// stripping, a brightness window (high / low penetration, variable density), gamma, negative, edge enhancement and a
/// zoom crop. The default is the standard pseudo-colour view (the render the detector sees). Parse the text form
/// (<c>"grey,negative,density=0.7"</c>) with <see cref="Parse(string)"/>.
/// </summary>
public sealed record ViewSettings
{
    /// <summary>The standard view.</summary>
    public static ViewSettings Standard { get; } = new();

    /// <summary>Grey (brightness only) instead of dual-energy pseudo-colour.</summary>
    public bool Grey { get; init; }

    /// <summary>Material stripping (needs material information: a dual-energy pair or a pseudo-colour render).</summary>
    public MaterialFilter Materials { get; init; } = MaterialFilter.All;

    /// <summary>Brightness window (penetration / variable density).</summary>
    public ViewWindow Window { get; init; } = ViewWindow.Full;

    /// <summary>Gamma applied after the window: below 1 brightens dark areas, above 1 darkens thin ones (0.2–5).</summary>
    public double Gamma { get; init; } = 1;

    /// <summary>Inverts brightness (colour kept for pseudo-colour views: hue stays, light and dark swap).</summary>
    public bool Negative { get; init; }

    /// <summary>Edge enhancement (unsharp mask, radius about 2 px): sharpens wires, edges of packages, tape layers.</summary>
    public bool EdgeEnhance { get; init; }

    /// <summary>Shows only this part of the scan, scaled; null for the whole scan at 1:1.</summary>
    public ZoomRegion? Zoom { get; init; }

    /// <summary>The function names <see cref="Parse(string)"/> accepts, for help texts.</summary>
    public const string Syntax = "colour | grey | negative | edge | organic-only | inorganic-only | high-penetration | low-penetration | density=0..1 | gamma=0.2..5 | window=LOW:HIGH | zoom=X,Y,W,H[@SCALE]";

    /// <summary>Parses a comma- or space-separated list of function names (see <see cref="Syntax"/>); later ones override earlier ones of the same kind.</summary>
    /// <param name="functions">E.g. <c>"grey,high-penetration,edge"</c>; empty for the standard view.</param>
    /// <exception cref="ArgumentException">An unknown function or a value out of range, named in the message.</exception>
    public static ViewSettings Parse(string functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        return Parse([functions]);
    }

    /// <summary>Parses function names one per element (see <see cref="Syntax"/>); elements may themselves be comma-separated lists.</summary>
    /// <param name="functions">Function names.</param>
    public static ViewSettings Parse(IEnumerable<string> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ViewSettings s = Standard;
        foreach (string raw in functions.SelectMany(Tokens))
        {
            string f = raw.Trim().ToLowerInvariant();
            int eq = f.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? f : f[..eq];
            string value = eq < 0 ? "" : f[(eq + 1)..];
            s = name switch
            {
                "" => s,
                "colour" or "color" or "pseudo-colour" or "pseudo-color" or "standard" => s with { Grey = false },
                "grey" or "gray" => s with { Grey = true },
                "negative" => s with { Negative = true },
                "edge" or "edge-enhance" or "edge-enhancement" => s with { EdgeEnhance = true },
                "organic-only" or "organic" => s with { Materials = MaterialFilter.OrganicOnly },
                "inorganic-only" or "inorganic" => s with { Materials = MaterialFilter.InorganicOnly },
                "high-penetration" or "high" => s with { Window = ViewWindow.HighPenetration },
                "low-penetration" or "low" => s with { Window = ViewWindow.LowPenetration },
                "density" or "variable-density" => s with { Window = ViewWindow.Density(Number(raw, value, 0, 1)) },
                "gamma" => s with { Gamma = Number(raw, value, 0.2, 5) },
                "window" => s with { Window = ParseWindow(raw, value) },
                "zoom" => s with { Zoom = ParseZoom(raw, value) },
                _ => throw new ArgumentException($"unknown image function '{raw}' (known: {Syntax})"),
            };
        }

        s.Validate();
        return s;
    }

    /// <summary>The text form that <see cref="Parse(string)"/> reads back to an equal value.</summary>
    public override string ToString()
    {
        var parts = new List<string> { Grey ? "grey" : "colour" };
        if (Materials != MaterialFilter.All)
        {
            parts.Add(Materials == MaterialFilter.OrganicOnly ? "organic-only" : "inorganic-only");
        }

        if (Window != ViewWindow.Full)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"window={Window.Low:R}:{Window.High:R}"));
        }

        if (Gamma != 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"gamma={Gamma:R}"));
        }

        if (Negative)
        {
            parts.Add("negative");
        }

        if (EdgeEnhance)
        {
            parts.Add("edge");
        }

        if (Zoom is ZoomRegion z)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"zoom={z.X},{z.Y},{z.Width},{z.Height}@{z.Scale:R}"));
        }

        return string.Join(",", parts);
    }

    internal void Validate()
    {
        Window.Validate();
        if (!(Gamma >= 0.2 && Gamma <= 5))
        {
            throw new ArgumentException($"gamma {Gamma} is outside 0.2–5");
        }

        if (!Enum.IsDefined(Materials))
        {
            throw new ArgumentException($"material filter {(int)Materials} is not defined");
        }
    }

    /// <summary>Splits a list on commas, spaces and semicolons, keeping <c>zoom=X,Y,W,H[@S]</c> in one token.</summary>
    private static IEnumerable<string> Tokens(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        string[] parts = list.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i].StartsWith("zoom=", StringComparison.OrdinalIgnoreCase) && i + 3 < parts.Length)
            {
                yield return string.Join(",", parts[i..(i + 4)]);
                i += 3;
            }
            else
            {
                yield return parts[i];
            }
        }
    }

    private static double Number(string raw, string value, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= min && v <= max))
        {
            throw new ArgumentException($"image function '{raw}': the value must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        }

        return v;
    }

    private static ViewWindow ParseWindow(string raw, string value)
    {
        string[] p = value.Split(':');
        if (p.Length != 2)
        {
            throw new ArgumentException($"image function '{raw}': expected window=LOW:HIGH with 0 <= LOW < HIGH <= 1");
        }

        var w = new ViewWindow(Number(raw, p[0], 0, 1), Number(raw, p[1], 0, 1));
        if (!(w.High > w.Low))
        {
            throw new ArgumentException($"image function '{raw}': LOW must be below HIGH");
        }

        return w;
    }

    private static ZoomRegion ParseZoom(string raw, string value)
    {
        string[] at = value.Split('@');
        string[] p = at[0].Split(',');
        if (at.Length > 2 || p.Length != 4 || !p.All(x => int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
        {
            throw new ArgumentException($"image function '{raw}': expected zoom=X,Y,W,H or zoom=X,Y,W,H@SCALE (integers, scale 0.05–32)");
        }

        double scale = at.Length == 2 ? Number(raw, at[1], 0.05, 32) : 1;
        int[] n = p.Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        if (n[2] <= 0 || n[3] <= 0 || n[0] < 0 || n[1] < 0)
        {
            throw new ArgumentException($"image function '{raw}': X and Y must be >= 0 and W, H > 0");
        }

        return new ZoomRegion(n[0], n[1], n[2], n[3], scale);
    }
}
