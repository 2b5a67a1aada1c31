using OpenCvSharp;

namespace XrayAnalysis.Preprocessing;

/// <summary>
/// Renders a CT slice of linear attenuation for a 2D detector: window [Level − Width/2, Level + Width/2] (in 1/cm) to
/// 8-bit grey, replicated to three channels. The reference model is trained on slices rendered by exactly this code,
/// and the volume pipeline feeds slices through it.
/// </summary>
internal static class CtSliceRenderer
{
    /// <summary>Stored voxel value = μ (1/cm) × this; 16-bit holds μ up to 6.55/cm (steel ≈ 4.7 at 80 keV).</summary>
    public const double ValueScale = 10_000;

    /// <summary>Default window level, 1/cm: centred between clothes (≈0.05) and dense organics (≈0.25–0.3).</summary>
    public const double DefaultLevel = 0.35;

    /// <summary>Default window width, 1/cm: 0 to 0.7 — organics in the lower half, metals saturate white.</summary>
    public const double DefaultWidth = 0.7;

    /// <summary>Renders a 16-bit slice (μ × <see cref="ValueScale"/>) to 8-bit BGR. The caller disposes the result.</summary>
    public static Mat Render(Mat slice16, double level = DefaultLevel, double width = DefaultWidth)
    {
        ArgumentNullException.ThrowIfNull(slice16);
        double lo = (level - (width / 2)) * ValueScale, hi = (level + (width / 2)) * ValueScale;
        double alpha = 255.0 / (hi - lo);
        using var eight = new Mat();
        slice16.ConvertTo(eight, MatType.CV_8U, alpha, -lo * alpha);
        var bgr = new Mat();
        Cv2.CvtColor(eight, bgr, ColorConversionCodes.GRAY2BGR);
        return bgr;
    }
}
