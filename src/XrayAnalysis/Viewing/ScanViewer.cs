using System.Collections.Concurrent;
using OpenCvSharp;
using XrayAnalysis.Loading;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Viewing;

/// <summary>
/// Renders the operator image functions (<see cref="ViewSettings"/>) of a scan: 16-bit (or dual-energy) source in,
/// 8-bit BGR view out. Dual-energy pairs are rendered from their exact attenuation codes through one 256 × 256
/// (high, low) table that folds pseudo-colour or grey, material stripping, window, gamma and negative into one lookup
/// per pixel; 16-bit single-energy scans through one 65,536-entry table over the detector's percentile window; 8-bit
/// pseudo-colour renders in HSV (hue gives the material class, value the brightness). Edge enhancement and zoom are
/// native OpenCV operations after the lookup.
/// </summary>
public static class ScanViewer
{
    private static readonly ConcurrentDictionary<(bool, MaterialFilter, ViewWindow, double, bool), byte[]> PairTables = new();

    /// <summary>Ratio below which a material counts as organic for stripping: halfway between organic and mixed.</summary>
    internal const double OrganicLimit = (DualEnergyRenderer.OrganicRatio + DualEnergyRenderer.MixedRatio) / 2;

    /// <summary>High-energy attenuation below which a pixel is air or near air (no material to strip).</summary>
    internal const double AirAttenuation = 0.05;

    /// <summary>OpenCV hue (0–180) at or above which a pseudo-colour pixel counts as inorganic (the organic/mixed midpoint of the standard palette).</summary>
    internal const int InorganicHue = 35;

    /// <summary>Saturation (0–255) below which a pseudo-colour pixel carries no material colour (air, grey).</summary>
    internal const int MaterialSaturation = 40;

    /// <summary>Renders <paramref name="scan"/> with <paramref name="settings"/>.</summary>
    /// <param name="scan">The scan (any kind <see cref="ScanImage"/> reads).</param>
    /// <param name="settings">The image functions; <see cref="ViewSettings.Standard"/> when null.</param>
    /// <exception cref="ArgumentException">A function the scan cannot support (material stripping of a single-energy grey scan), or a zoom region outside the scan; the message names the scan.</exception>
    public static ViewImage Render(ScanImage scan, ViewSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(scan);
        using Mat view = Render(scan.Scan, settings ?? ViewSettings.Standard);
        int w = view.Cols, h = view.Rows;
        var bytes = new byte[w * h * 3];
        using (Mat dst = Mat.FromPixelData(h, w, MatType.CV_8UC3, bytes))
        {
            view.CopyTo(dst);
        }

        return new ViewImage(w, h, bytes);
    }

    /// <summary>The view as a new 8-bit BGR Mat (the caller disposes it).</summary>
    internal static Mat Render(Scan scan, ViewSettings s)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(s);
        s.Validate();
        string name = scan.Input.Name;
        Rect region = new(0, 0, scan.Width, scan.Height);
        if (s.Zoom is ZoomRegion z)
        {
            z.Validate(scan.Width, scan.Height, name);
            region = new Rect(z.X, z.Y, z.Width, z.Height);
        }

        Mat view;
        if (scan.LowEnergy is not null)
        {
            view = RenderPair(scan.Image, scan.LowEnergy, region, s);
        }
        else if (scan.Image.Channels() == 1)
        {
            if (s.Materials != MaterialFilter.All)
            {
                throw new ArgumentException($"{name}: {(s.Materials == MaterialFilter.OrganicOnly ? "organic-only" : "inorganic-only")} needs material information, and this is a single-energy grey scan (a dual-energy pair or a pseudo-colour render has it)");
            }

            view = RenderGrey(scan.Image, region, s);
        }
        else
        {
            view = RenderColour(scan.Image, region, s);
        }

        if (s.EdgeEnhance)
        {
            EnhanceEdges(view);
        }

        if (s.Zoom is ZoomRegion zoom && zoom.Scale != 1)
        {
            var scaled = new Mat();
            var size = new Size((int)Math.Round(region.Width * zoom.Scale), (int)Math.Round(region.Height * zoom.Scale));
            Cv2.Resize(view, scaled, size, 0, 0, zoom.Scale > 1 ? InterpolationFlags.Cubic : InterpolationFlags.Area);
            view.Dispose();
            view = scaled;
        }

        return view;
    }

    /// <summary>Unsharp mask in place: out = src + 0.8 × (src − Gaussian(σ = 1.5)).</summary>
    private static void EnhanceEdges(Mat bgr)
    {
        using var blur = new Mat();
        Cv2.GaussianBlur(bgr, blur, new Size(0, 0), 1.5);
        Cv2.AddWeighted(bgr, 1.8, blur, -0.8, 0, bgr);
    }

    // ------------------------------------------------------------------ dual-energy pairs
    private static Mat RenderPair(Mat high, Mat low, Rect region, ViewSettings s)
    {
        if (high.Depth() != MatType.CV_16U || low.Depth() != MatType.CV_16U)
        {
            // 8-bit or float pairs: the renderer's own conversion to 16-bit transmissions, then the same tables.
            using Mat h16 = To16(high);
            using Mat l16 = To16(low);
            return RenderPair(h16, l16, region, s);
        }

        byte[] table = PairTable(s);
        byte[] code = DualEnergyRenderer.CodeOf16;
        int w = region.Width, rows = region.Height;
        var bgr = new Mat(rows, w, MatType.CV_8UC3);
        using Mat hr = new(high, region);
        using Mat lr = new(low, region);
        Parallel.For(0, (rows + 63) / 64, chunk =>
        {
            int end = Math.Min(rows, (chunk + 1) * 64);
            for (int y = chunk * 64; y < end; y++)
            {
                unsafe
                {
                    var hs = new ReadOnlySpan<ushort>((void*)hr.Ptr(y), w);
                    var ls = new ReadOnlySpan<ushort>((void*)lr.Ptr(y), w);
                    var o = new Span<byte>((void*)bgr.Ptr(y), w * 3);
                    for (int i = 0; i < w; i++)
                    {
                        int idx = ((code[hs[i]] << 8) | code[ls[i]]) * 3;
                        o[i * 3] = table[idx];
                        o[(i * 3) + 1] = table[idx + 1];
                        o[(i * 3) + 2] = table[idx + 2];
                    }
                }
            }
        });
        return bgr;
    }

    private static Mat To16(Mat m)
    {
        var o = new Mat();
        if (m.Depth() == MatType.CV_8U)
        {
            m.ConvertTo(o, MatType.CV_16U, 257.0);
        }
        else
        {
            Cv2.MinMaxLoc(m, out double min, out double max);
            double scale = max > min ? 65535.0 / (max - min) : 1;
            m.ConvertTo(o, MatType.CV_16U, scale, -min * scale);
        }

        return o;
    }

    /// <summary>The (high code, low code) → BGR table of a view (cached; at most 64 kept).</summary>
    internal static byte[] PairTable(ViewSettings s)
    {
        var key = (s.Grey, s.Materials, s.Window, s.Gamma, s.Negative);
        if (PairTables.TryGetValue(key, out byte[]? t))
        {
            return t;
        }

        if (PairTables.Count >= 64)
        {
            PairTables.Clear();
        }

        return PairTables.GetOrAdd(key, _ => BuildPairTable(s));
    }

    private static byte[] BuildPairTable(ViewSettings s)
    {
        DualEnergyPalette p = DualEnergyRenderer.Standard;
        var t = new byte[256 * 256 * 3];
        Parallel.For(0, 256, h =>
        {
            double aH = DualEnergyRenderer.AttenuationOfCode(h);
            double v = Math.Exp(-aH * p.ValueK);
            double w = Shade(v, s);
            double sat = 1 - Math.Exp(-aH * p.SaturationK);
            for (int l = 0; l < 256; l++)
            {
                double aL = DualEnergyRenderer.AttenuationOfCode(l);
                double ratio = aH < 1e-4 ? DualEnergyRenderer.OrganicRatio : aL / aH;
                bool organic = ratio <= OrganicLimit;
                bool stripped = aH >= AirAttenuation && ((s.Materials == MaterialFilter.OrganicOnly && !organic) || (s.Materials == MaterialFilter.InorganicOnly && organic));
                double r, g, b;
                if (stripped)
                {
                    double ghost = Ghost(v, s);
                    r = g = b = ghost;
                }
                else if (s.Grey)
                {
                    r = g = b = w;
                }
                else
                {
                    (double hr, double hg, double hb) = DualEnergyRenderer.HueOf(ratio, p);
                    r = (1 - sat + (sat * hr)) * w;
                    g = (1 - sat + (sat * hg)) * w;
                    b = (1 - sat + (sat * hb)) * w;
                }

                int o = ((h << 8) | l) * 3;
                t[o] = ToByte(b);
                t[o + 1] = ToByte(g);
                t[o + 2] = ToByte(r);
            }
        });
        return t;
    }

    /// <summary>Brightness (0–1) of a standard-view brightness <paramref name="v"/> after window, gamma and negative.</summary>
    internal static double Shade(double v, ViewSettings s)
    {
        double w = s.Window.Apply(v);
        if (s.Gamma != 1)
        {
            w = Math.Pow(w, s.Gamma);
        }

        return s.Negative ? 1 - w : w;
    }

    /// <summary>A stripped material: a pale grey that keeps its outline (0.8–1 of full brightness, inverted for negative views).</summary>
    private static double Ghost(double v, ViewSettings s)
    {
        double g = 0.8 + (0.2 * s.Window.Apply(v));
        return s.Negative ? 1 - g : g;
    }

    private static byte ToByte(double v) => (byte)Math.Clamp(Math.Round(v * 255.0), 0, 255);

    // ------------------------------------------------------------------ single-energy grey
    private static Mat RenderGrey(Mat src, Rect region, ViewSettings s)
    {
        using Mat crop = new(src, region);
        using var grey = new Mat();
        if (src.Depth() == MatType.CV_8U)
        {
            var lut = new byte[256];
            for (int i = 0; i < 256; i++)
            {
                lut[i] = ToByte(Shade(i / 255.0, s));
            }

            using var lutMat = Mat.FromPixelData(1, 256, MatType.CV_8UC1, lut);
            Cv2.LUT(crop, lutMat, grey);
        }
        else
        {
            // The detector's percentile window over the whole scan (so a zoomed view keeps its brightness), at 16-bit precision.
            IntensityWindow win = ScanRenderer.PercentileWindow(src, RenderOptions.Default.PercentileLow, RenderOptions.Default.PercentileHigh);
            using Mat c16 = crop.Depth() == MatType.CV_16U ? new Mat(crop, new Rect(0, 0, crop.Cols, crop.Rows)) : WindowTo16(crop, win);
            double lo = crop.Depth() == MatType.CV_16U ? win.Low : 0, hi = crop.Depth() == MatType.CV_16U ? win.High : 65535;
            byte[] lut = GreyTable16(lo, hi, s);
            int w = c16.Cols, rows = c16.Rows;
            grey.Create(rows, w, MatType.CV_8UC1);
            Parallel.For(0, (rows + 63) / 64, chunk =>
            {
                int end = Math.Min(rows, (chunk + 1) * 64);
                for (int y = chunk * 64; y < end; y++)
                {
                    unsafe
                    {
                        var i16 = new ReadOnlySpan<ushort>((void*)c16.Ptr(y), w);
                        var o = new Span<byte>((void*)grey.Ptr(y), w);
                        for (int i = 0; i < w; i++)
                        {
                            o[i] = lut[i16[i]];
                        }
                    }
                }
            });
        }

        var bgr = new Mat();
        Cv2.CvtColor(grey, bgr, ColorConversionCodes.GRAY2BGR);
        return bgr;
    }

    private static Mat WindowTo16(Mat m, IntensityWindow win)
    {
        var o = new Mat();
        double scale = 65535.0 / (win.High - win.Low);
        m.ConvertTo(o, MatType.CV_16U, scale, -win.Low * scale);
        return o;
    }

    /// <summary>The 16-bit value → 8-bit view table over the window [lo, hi] (lo black, hi white in the standard view).</summary>
    internal static byte[] GreyTable16(double lo, double hi, ViewSettings s)
    {
        var lut = new byte[65536];
        double span = Math.Max(hi - lo, 1e-9);
        for (int i = 0; i < 65536; i++)
        {
            lut[i] = ToByte(Shade(Math.Clamp((i - lo) / span, 0, 1), s));
        }

        return lut;
    }

    // ------------------------------------------------------------------ 8-bit pseudo-colour renders
    private static Mat RenderColour(Mat src, Rect region, ViewSettings s)
    {
        using Mat crop = new(src, region);
        using var c8 = new Mat();
        if (crop.Depth() != MatType.CV_8U)
        {
            // 16-bit or float colour: the detector's window to 8 bits first.
            IntensityWindow win = ScanRenderer.PercentileWindow(src, RenderOptions.Default.PercentileLow, RenderOptions.Default.PercentileHigh);
            using Mat w8 = win.ToBgr8(crop);
            w8.CopyTo(c8);
        }
        else
        {
            crop.CopyTo(c8);
        }

        var lutV = new byte[256];
        var ghost = new byte[256];
        for (int i = 0; i < 256; i++)
        {
            lutV[i] = ToByte(Shade(i / 255.0, s));
            ghost[i] = ToByte(Ghost(i / 255.0, s));
        }

        var hsv = new Mat();
        Cv2.CvtColor(c8, hsv, ColorConversionCodes.BGR2HSV);
        int w = hsv.Cols, rows = hsv.Rows;
        bool grey = s.Grey;
        MaterialFilter filter = s.Materials;
        Parallel.For(0, (rows + 63) / 64, chunk =>
        {
            int end = Math.Min(rows, (chunk + 1) * 64);
            for (int y = chunk * 64; y < end; y++)
            {
                unsafe
                {
                    var px = new Span<byte>((void*)hsv.Ptr(y), w * 3);
                    for (int i = 0; i < px.Length; i += 3)
                    {
                        int hue = px[i], sat = px[i + 1];
                        bool coloured = sat >= MaterialSaturation;
                        bool organic = hue < InorganicHue || hue > 160;
                        bool stripped = coloured && ((filter == MaterialFilter.OrganicOnly && !organic) || (filter == MaterialFilter.InorganicOnly && organic));
                        if (stripped)
                        {
                            px[i + 1] = 0;
                            px[i + 2] = ghost[px[i + 2]];
                        }
                        else
                        {
                            if (grey)
                            {
                                px[i + 1] = 0;
                            }

                            px[i + 2] = lutV[px[i + 2]];
                        }
                    }
                }
            }
        });
        Cv2.CvtColor(hsv, hsv, ColorConversionCodes.HSV2BGR);
        return hsv;
    }
}
