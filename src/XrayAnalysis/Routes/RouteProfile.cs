using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Tiling;
using XrayAnalysis.Viewing;

namespace XrayAnalysis.Routes;

/// <summary>
/// The settings of one screening route (mail, express, air-traveller baggage, cargo, CT): which model, its thresholds,
/// tiling, rendering window, the operator's default view, overlay and shield settings. Loaded from a route file by
/// <see cref="RouteConfig"/>; applied to detector options with <see cref="Apply(XrayDetectorOptions)"/>.
/// </summary>
public sealed record RouteProfile
{
    /// <summary>The route's name (the key in the route file, lower case).</summary>
    public required string Name { get; init; }

    /// <summary>One line saying what goes through this route.</summary>
    public string Description { get; init; } = "";

    /// <summary>The model file (absolute, resolved against the route file's folder); null to leave the choice to the caller.</summary>
    public string? Model { get; init; }

    /// <summary>Confidence threshold (null: the model profile's).</summary>
    public float? Confidence { get; init; }

    /// <summary>NMS IoU (null: the model profile's).</summary>
    public float? Iou { get; init; }

    /// <summary>Alarm (operating) threshold for this route, overriding the model profile's (null: the profile's).</summary>
    public float? AlarmThreshold { get; init; }

    /// <summary>Tiling.</summary>
    public TileOptions Tiles { get; init; } = TileOptions.Default;

    /// <summary>
    /// Largest fraction of the model input a scan screened whole may fill (null: the caller's, by default 1). Below 1 for
    /// a scanner whose field is smaller than the model's training scans': the mail route's 38 × 29 cm field in 640 × 480
    /// pixels would otherwise show the model objects two to three times the size it learned on the other routes
    /// (docs/ROUTES.md, "Field of view"). With several <see cref="Fills"/>, the first.
    /// </summary>
    public double? Fill
    {
        get => Fills?[0];
        init => Fills = value is { } f ? [f] : null;
    }

    /// <summary>
    /// Every fill a scan screened whole is run at, the passes' boxes fused (null: the caller's;
    /// <see cref="Inference.DetectorOptions.Fills"/>). The mail route runs <c>[0.5, 1]</c> (docs/ROUTES.md, "Field of view").
    /// </summary>
    public IReadOnlyList<double>? Fills { get; init; }

    /// <summary>
    /// The fills in force over a caller's: a caller's list of several wins; else each of this route's fills, capped by the
    /// caller's one fill (the smaller applies); the caller's when the route gives none.
    /// </summary>
    /// <param name="caller">The caller's <see cref="Inference.DetectorOptions.Fills"/>.</param>
    public IReadOnlyList<double> FillsOver(IReadOnlyList<double> caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Count > 1 || Fills is null ? caller : Fills.Select(f => Math.Min(f, caller[0])).Distinct().ToArray();
    }

    /// <summary>Rendering of 16-bit scans for the model.</summary>
    public RenderOptions Render { get; init; } = RenderOptions.Default;

    /// <summary>The operator's default image functions on this route (<c>xray render --route</c>).</summary>
    public ViewSettings View { get; init; } = ViewSettings.Standard;

    /// <summary>Overlay tiers and legend (its alarm threshold is <see cref="AlarmThreshold"/>).</summary>
    public OverlayStyle Overlay { get; init; } = OverlayStyle.Default;

    /// <summary>The shield ("unable to clear") check.</summary>
    public ShieldOptions Shield { get; init; } = ShieldOptions.Default;

    /// <summary>
    /// <paramref name="options"/> with this route's tiling, rendering, shield, alarm threshold and name, and its
    /// confidence and IoU where the options leave them unset (options given explicitly win). The route's <see cref="Fills"/>
    /// apply as <see cref="FillsOver"/> says: each capped by the options' one <see cref="Inference.DetectorOptions.Fill"/>. The alarm threshold in
    /// force is also the detector's <see cref="Inference.DetectorOptions.ConfidenceCeiling"/>: a route that alarms below
    /// the model's operating threshold keeps every box that alarms.
    /// </summary>
    /// <param name="options">The caller's options (e.g. from command-line flags).</param>
    public XrayDetectorOptions Apply(XrayDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with
        {
            Detector = options.Detector with
            {
                Confidence = options.Detector.Confidence ?? Confidence,
                Iou = options.Detector.Iou ?? Iou,
                ConfidenceCeiling = options.Detector.ConfidenceCeiling ?? options.OperatingThreshold ?? AlarmThreshold,
                Fills = FillsOver(options.Detector.Fills),
            },
            Tiles = Tiles,
            Render = Render,
            Shield = Shield,
            Route = Name,
            OperatingThreshold = options.OperatingThreshold ?? AlarmThreshold,
        };
    }
}
