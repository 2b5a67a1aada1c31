using OpenCvSharp;

namespace XrayAnalysis.Preprocessing;

/// <summary>
/// Renders a CT slice of linear attenuation for a 2D detector: window [Level − Width/2, Level + Width/2] (stored units) to
/// 8-bit grey, replicated to three channels. The reference model is trained on slices rendered by this code, which uses
/// the same <see cref="IntensityWindow.ToBgr8"/> as the volume pipeline at inference.
/// </summary>
internal static class CtSliceRenderer
{
    /// <summary>Stored voxel value = μ (1/cm) × this; 16-bit holds μ up to 6.55/cm (steel ≈ 4.7 at 80 keV).</summary>
    public const double ValueScale = 10_000;

    /// <summary>Default window level in stored units (μ 0.35/cm): centred between clothes (≈0.05) and dense organics (≈0.25–0.3).</summary>
    public const double DefaultLevel = 3500;

    /// <summary>Default window width in stored units (μ 0 to 0.7/cm): organics in the lower half, metals saturate white.</summary>
    public const double DefaultWidth = 7000;

    /// <summary>
    /// Renders a slice in stored units (μ × <see cref="ValueScale"/>; any depth) to 8-bit BGR through the shared
    /// <see cref="IntensityWindow.ToBgr8"/>, exactly as <c>xray volume</c> renders slices with the same level and width.
    /// The caller disposes the result.
    /// </summary>
    public static Mat Render(Mat slice, double level = DefaultLevel, double width = DefaultWidth) =>
        IntensityWindow.FromLevelWidth(level, width).ToBgr8(slice);
}
