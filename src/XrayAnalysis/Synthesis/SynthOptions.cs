namespace XrayAnalysis.Synthesis;

/// <summary>What <see cref="SceneGenerator"/> makes. Scene i depends only on (Seed, Kind, i) and the size/dose/rate settings.</summary>
public sealed record SynthOptions
{
    /// <summary>Route: mail, express, baggage or cargo.</summary>
    public SceneKind Kind { get; init; } = SceneKind.Baggage;

    /// <summary>Seed; equal seeds give byte-identical scenes.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Share of scenes holding at least one threat (default 0.5, so false alarms can be measured).</summary>
    public double ThreatRate { get; init; } = 0.5;

    /// <summary>Image width in pixels; 0 selects the route's default.</summary>
    public int Width { get; init; }

    /// <summary>Image height in pixels; 0 selects the route's default.</summary>
    public int Height { get; init; }

    /// <summary>Unattenuated photon counts per pixel at the high energy (default 20,000).</summary>
    public double Dose { get; init; } = 20_000;

    /// <summary>Pseudo-colour render format: "png" (default, lossless) or "jpg" (quality 92, as many archives hold them).</summary>
    public string RenderFormat { get; init; } = "png";

    /// <summary>Write the 16-bit high/low transmission pair beside the render (default true).</summary>
    public bool WriteRaw { get; init; } = true;

    /// <summary>Palette of the 8-bit render (default: the pipeline's own). Ignored when <see cref="Varied"/> is set.</summary>
    public ScanPalette Palette { get; init; } = ScanPalette.Standard;

    /// <summary>JPEG round trip of the render at this quality (1–100; 0, the default, for none). Ignored when <see cref="Varied"/> is set.</summary>
    public int JpegQuality { get; init; }

    /// <summary>Scale factor in (0, 1] for the written scan (0.5: half resolution, boxes scaled with it). Ignored when <see cref="Varied"/> is set.</summary>
    public double Downscale { get; init; } = 1.0;

    /// <summary>Multiplies the number of benign items per scene (default 1; 2 for heavier clutter).</summary>
    public double ClutterScale { get; init; } = 1.0;

    /// <summary>
    /// Share of the threats of the mail, express and baggage routes hidden inside an ordinary item, one of
    /// <see cref="Concealments"/> in equal parts (by default electronics, a food tin, a shoe sole or a false bottom;
    /// default share 0.2). Raise it to train on those concealments; at the default every scene is what it was before
    /// the option existed. Mail's thin layers in letters are drawn before it and are not counted. Ignored with
    /// <see cref="UnseenConcealment"/>.
    /// </summary>
    public double ConcealedShare { get; init; } = 0.2;

    /// <summary>
    /// The hiding places a <see cref="ConcealedShare"/> threat is drawn into, in equal parts, from
    /// <see cref="KnownConcealments"/>. The default, <see cref="DefaultConcealments"/>, is the four every set so far was
    /// made with (electronics, a food tin, a shoe sole, a false bottom), and gives the same scenes as before the option
    /// existed; add <c>suitcase-frame</c> (powder packed into a frame rail or handle tube) to train on it. A name may
    /// be listed twice to draw it twice as often.
    /// </summary>
    /// <exception cref="ArgumentException">On init: the list is empty or names a hiding place not in <see cref="KnownConcealments"/>.</exception>
    public IReadOnlyList<string> Concealments
    {
        get => concealments;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Count == 0)
            {
                throw new ArgumentException("at least one hiding place is needed", nameof(value));
            }

            foreach (string name in value)
            {
                if (!KnownConcealments.Contains(name, StringComparer.Ordinal))
                {
                    throw new ArgumentException($"unknown hiding place '{name}' (known: {string.Join(", ", KnownConcealments)})", nameof(value));
                }
            }

            concealments = [.. value];
        }
    }

    /// <summary>The four hiding places of <see cref="Concealments"/> by default.</summary>
    public static IReadOnlyList<string> DefaultConcealments { get; } = ["electronics", "food-tin", "shoe-sole", "false-bottom"];

    /// <summary>Every hiding place <see cref="Concealments"/> may name: the defaults and <c>suitcase-frame</c>.</summary>
    public static IReadOnlyList<string> KnownConcealments { get; } = ["electronics", "food-tin", "shoe-sole", "false-bottom", "suitcase-frame"];

    /// <summary>
    /// Hide every threat of the mail, express and baggage routes in a carrier no training set has (a hollowed book, a
    /// shampoo bottle, a coffee bag, a stuffed toy, swallowed-style pellets): a held-out concealment for robustness
    /// tests. Cargo is unchanged. Off by default; when off, every scene is what it was before the option existed.
    /// </summary>
    public bool UnseenConcealment { get; init; }

    /// <summary>
    /// Each scene draws its own scanner: palette (standard, amber or grey — never cyan, kept for robustness tests), dose
    /// 4,000–40,000, detector blur, a downscale in a quarter of scenes and JPEG quality 50–95 in 40 %. For training sets.
    /// </summary>
    public bool Varied { get; init; }

    /// <summary>Image size and pixel pitch for <see cref="Kind"/>, with the route defaults where width or height is 0.</summary>
    public (int W, int H, double MmPerPx) Geometry() => Kind switch
    {
        SceneKind.Mail => (Or(Width, 640), Or(Height, 480), 0.6),
        SceneKind.Express => (Or(Width, 800), Or(Height, 600), 1.0),
        SceneKind.Baggage => (Or(Width, 1024), Or(Height, 768), 1.0),
        SceneKind.Cargo => (Or(Width, 8192), Or(Height, 1536), 2.0),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };

    private readonly IReadOnlyList<string> concealments = DefaultConcealments;

    private static int Or(int v, int d) => v > 0 ? v : d;
}
