using OpenCvSharp;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Synthesis;

/// <summary>
/// One scene's scanner: palette, dose, detector blur, downscaling and JPEG compression. With
/// <see cref="SynthOptions.Varied"/> each scene draws its own from a fixed stream (deterministic per scene); otherwise
/// the options' values apply to every scene.
/// </summary>
internal sealed record ScannerLook(ScanPalette Palette, double Dose, double BlurSigma, double Downscale, int JpegQuality)
{
    private static readonly byte[][] Tables = BuildTables();

    /// <summary>The palettes <see cref="SynthOptions.Varied"/> draws from; <see cref="ScanPalette.Cyan"/> is kept out for robustness tests.</summary>
    private static readonly (ScanPalette Palette, double Weight)[] TrainingPalettes =
        [(ScanPalette.Standard, 0.5), (ScanPalette.Amber, 0.2), (ScanPalette.Grey, 0.3)];

    public static ScannerLook For(SynthOptions o, string kind, long index)
    {
        if (!o.Varied)
        {
            return new ScannerLook(o.Palette, o.Dose, 0.6, o.Downscale, o.JpegQuality);
        }

        SplitMix r = SplitMix.For(o.Seed ^ 0x100C, kind, index);
        double u = r.Next(), acc = 0;
        ScanPalette palette = ScanPalette.Standard;
        foreach ((ScanPalette p, double w) in TrainingPalettes)
        {
            acc += w;
            if (u < acc)
            {
                palette = p;
                break;
            }
        }

        double dose = Math.Exp(r.Range(Math.Log(4000), Math.Log(40000)));
        double blur = r.Range(0.4, 1.3);
        double down = r.Chance(0.25) ? r.Range(0.5, 0.9) : 1.0;
        int q = r.Chance(0.4) ? r.Int(50, 96) : 0;
        return new ScannerLook(palette, dose, blur, down, q);
    }

    /// <summary>Renders a 16-bit high/low pair (65535 = air) to BGR with this look's palette.</summary>
    public Mat Render(Mat high, Mat low) => Render(high, low, Palette);

    /// <summary>Renders a 16-bit high/low pair (65535 = air) to BGR with <paramref name="palette"/>.</summary>
    internal static Mat Render(Mat high, Mat low, ScanPalette palette) => Render(high, low, Tables[(int)palette]);

    /// <summary>Renders a 16-bit pair row by row through a (high code, low code) → BGR table.</summary>
    internal static Mat Render(Mat high, Mat low, byte[] colour)
    {
        var bgr = new Mat(high.Rows, high.Cols, MatType.CV_8UC3);
        int w = high.Cols, rows = high.Rows;
        for (int y = 0; y < rows; y++)
        {
            unsafe
            {
                DualEnergyRenderer.Render(new ReadOnlySpan<ushort>((void*)high.Ptr(y), w), new ReadOnlySpan<ushort>((void*)low.Ptr(y), w), new Span<byte>((void*)bgr.Ptr(y), w * 3), colour);
            }
        }

        return bgr;
    }

    /// <summary>Downscales (area interpolation) when <see cref="Downscale"/> is below 1; returns the input otherwise.</summary>
    public Mat Resize(Mat m)
    {
        if (Downscale >= 1)
        {
            return m;
        }

        var small = new Mat();
        Cv2.Resize(m, small, new Size(Math.Max(1, (int)Math.Round(m.Cols * Downscale)), Math.Max(1, (int)Math.Round(m.Rows * Downscale))), 0, 0, InterpolationFlags.Area);
        m.Dispose();
        return small;
    }

    /// <summary>JPEG round trip at <see cref="JpegQuality"/> (the artefacts of a compressed archive); the input when 0.</summary>
    public Mat Compress(Mat bgr)
    {
        if (JpegQuality <= 0)
        {
            return bgr;
        }

        Cv2.ImEncode(".jpg", bgr, out byte[] bytes, new ImageEncodingParam(ImwriteFlags.JpegQuality, JpegQuality));
        bgr.Dispose();
        return Cv2.ImDecode(bytes, ImreadModes.Color);
    }

    private static byte[][] BuildTables()
    {
        var tables = new byte[4][];
        tables[(int)ScanPalette.Standard] = DualEnergyRenderer.StandardTable;
        tables[(int)ScanPalette.Amber] = DualEnergyRenderer.BuildColourTable(new((0.98, 0.70, 0.30), (0.55, 0.85, 0.25), (0.30, 0.35, 0.75), 3.0, 0.38));
        tables[(int)ScanPalette.Cyan] = DualEnergyRenderer.BuildColourTable(new((1.0, 0.40, 0.05), (0.05, 0.65, 0.55), (0.0, 0.65, 0.95), 5.0, 0.55));
        tables[(int)ScanPalette.Grey] = Grey();
        return tables;
    }

    private static byte[] Grey()
    {
        var t = new byte[256 * 256 * 3];
        for (int h = 0; h < 256; h++)
        {
            byte g = ToByte(Math.Exp(-DualEnergyRenderer.AttenuationOfCode(h) * 0.5));
            for (int l = 0; l < 256; l++)
            {
                int o = ((h << 8) | l) * 3;
                t[o] = t[o + 1] = t[o + 2] = g;
            }
        }

        return t;
    }

    private static byte ToByte(double v) => (byte)Math.Clamp(Math.Round(v * 255.0), 0, 255);
}
