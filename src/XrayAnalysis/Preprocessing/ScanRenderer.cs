using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Preprocessing;

/// <summary>
/// Turns a decoded <see cref="Scan"/> into the 8-bit BGR picture a detector sees: 8-bit colour as is, grey replicated
/// to three channels, 16-bit and float windowed (robust percentile window unless a fixed window is given), dual-energy
/// pairs rendered to standard pseudo-colour by <see cref="DualEnergyRenderer"/>.
/// </summary>
internal static class ScanRenderer
{
    /// <summary>Renders <paramref name="scan"/>; the caller owns (and disposes) the returned image.</summary>
    /// <returns>The rendered image and the window applied (null when none was needed).</returns>
    internal static (Mat Bgr, IntensityWindow? Window) Render(Scan scan, RenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(options);
        if (scan.LowEnergy is not null)
        {
            return (RenderDualEnergy(scan.Image, scan.LowEnergy), null);
        }

        Mat src = scan.Image;
        if (src.Depth() == MatType.CV_8U)
        {
            if (src.Channels() == 3)
            {
                // A new header over the same (reference-counted) pixels: no copy, independently disposable.
                return (new Mat(src, new Rect(0, 0, src.Cols, src.Rows)), null);
            }

            var grey = new Mat();
            Cv2.CvtColor(src, grey, ColorConversionCodes.GRAY2BGR);
            return (grey, null);
        }

        IntensityWindow window = options.Window ?? PercentileWindow(src, options.PercentileLow, options.PercentileHigh);
        Mat bgr = window.ToBgr8(src);
        return (bgr, window);
    }

    /// <summary>The robust window: the given lower and upper percentiles of all samples (all channels pooled).</summary>
    internal static IntensityWindow PercentileWindow(Mat src, double pLow, double pHigh)
    {
        if (src.Depth() != MatType.CV_8U && src.Depth() != MatType.CV_16U && src.Depth() != MatType.CV_32F)
        {
            // calcHist takes 8U, 16U and 32F: signed 16-bit (and any other integer type) is windowed on exact float copies.
            using var asFloat = new Mat();
            src.ConvertTo(asFloat, MatType.CV_32F);
            return PercentileWindow(asFloat, pLow, pHigh);
        }

        using Mat flat = src.Reshape(1, 0);
        double min, max;
        Cv2.MinMaxLoc(flat, out min, out max);
        if (!(max > min))
        {
            return new IntensityWindow(min, min + 1);
        }

        bool exact16 = src.Depth() == MatType.CV_16U;
        int bins = exact16 ? 65536 : 4096;
        float lo = exact16 ? 0f : (float)min;
        float hi = exact16 ? 65536f : (float)max + (float)((max - min) * 1e-6);
        using var hist = new Mat();
        Cv2.CalcHist([flat], [0], null, hist, 1, [bins], [new Rangef(lo, hi)]);
        double total = (double)flat.Rows * flat.Cols;
        double low = ValueAtPercentile(hist, pLow / 100.0 * total, lo, hi, bins, fromTop: false);
        double high = ValueAtPercentile(hist, (1 - (pHigh / 100.0)) * total, lo, hi, bins, fromTop: true);
        if (!(high > low))
        {
            high = low + (exact16 ? 1 : (max - min) / bins);
        }

        return new IntensityWindow(low, high);
    }

    private static double ValueAtPercentile(Mat hist, double count, float lo, float hi, int bins, bool fromTop)
    {
        double binWidth = (hi - lo) / bins;
        double acc = 0;
        for (int k = 0; k < bins; k++)
        {
            int b = fromTop ? bins - 1 - k : k;
            acc += hist.At<float>(b);
            if (acc > count)
            {
                return lo + ((fromTop ? b + 1 : b) * binWidth);
            }
        }

        return fromTop ? lo : hi;
    }

    private static Mat RenderDualEnergy(Mat high, Mat low)
    {
        using Mat h16 = To16(high);
        using Mat l16 = To16(low);
        var bgr = new Mat(high.Rows, high.Cols, MatType.CV_8UC3);
        int w = high.Cols;
        Parallel.For(0, high.Rows, y =>
        {
            unsafe
            {
                var hr = new ReadOnlySpan<ushort>((void*)h16.Ptr(y), w);
                var lr = new ReadOnlySpan<ushort>((void*)l16.Ptr(y), w);
                var orow = new Span<byte>((void*)bgr.Ptr(y), w * 3);
                DualEnergyRenderer.Render(hr, lr, orow);
            }
        });
        return bgr;
    }

    /// <summary>Transmission images as 16-bit (65535 = air): 8-bit scaled by 257, 16-bit as is, others windowed to full range.</summary>
    private static Mat To16(Mat m)
    {
        var o = new Mat();
        if (m.Depth() == MatType.CV_8U)
        {
            m.ConvertTo(o, MatType.CV_16U, 257.0);
        }
        else if (m.Depth() == MatType.CV_16U)
        {
            // Already transmissions: a header over the same pixels, no copy (a 20,000 × 4,000 pair would cost 320 MB).
            o.Dispose();
            return new Mat(m, new Rect(0, 0, m.Cols, m.Rows));
        }
        else
        {
            Cv2.MinMaxLoc(m, out double min, out double max);
            double scale = max > min ? 65535.0 / (max - min) : 1;
            m.ConvertTo(o, MatType.CV_16U, scale, -min * scale);
        }

        return o;
    }
}
