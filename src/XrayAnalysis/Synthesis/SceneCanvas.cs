using OpenCvSharp;

namespace XrayAnalysis.Synthesis;

/// <summary>
/// Accumulates a scene as two attenuation maps, ln(I0/I) at the low and the high energy. Because attenuations add in
/// the log domain (Beer–Lambert), each object adds μ·t into both maps over its footprint; overlapping objects
/// multiply in transmission. Objects are thickness patches (cm per pixel) drawn with OpenCV.
/// </summary>
internal sealed class SceneCanvas : IDisposable
{
    private readonly List<ThreatBox> _threats = [];
    private readonly SortedSet<string> _materials = new(StringComparer.Ordinal);

    public SceneCanvas(int width, int height, double mmPerPixel)
    {
        Width = width;
        Height = height;
        MmPerPixel = mmPerPixel;
        AttLow = new Mat(height, width, MatType.CV_32FC1, Scalar.All(0));
        AttHigh = new Mat(height, width, MatType.CV_32FC1, Scalar.All(0));
    }

    public int Width { get; }

    public int Height { get; }

    public double MmPerPixel { get; }

    public IReadOnlyList<ThreatBox> Threats => _threats;

    /// <summary>
    /// The carrier or wrapping of the threat being drawn (none, envelope, electronics, food-tin, book, ...), recorded with
    /// its box so that an evaluation can say which concealments a model misses. Set by each threat-drawing method.
    /// </summary>
    public string Concealment { get; set; } = "none";

    public IReadOnlyCollection<string> Materials => _materials;

    internal Mat AttLow { get; }

    internal Mat AttHigh { get; }

    /// <summary>Pixels for a length in centimetres.</summary>
    public int Px(double cm) => Math.Max(1, (int)Math.Round(cm * 10 / MmPerPixel));

    /// <summary>
    /// Adds <paramref name="thickness"/> (CV_32F, cm) of <paramref name="m"/> with its top-left at (x, y). For a threat, the
    /// visible extent (bounding box of non-zero thickness inside the image) becomes a ground-truth box.
    /// </summary>
    public void Add(Material m, Mat thickness, int x, int y, ThreatClass? threat = null)
    {
        var full = new Rect(x, y, thickness.Cols, thickness.Rows);
        Rect clip = full.Intersect(new Rect(0, 0, Width, Height));
        if (clip.Width <= 0 || clip.Height <= 0)
        {
            return;
        }

        _materials.Add(m.Name);
        using var src = new Mat(thickness, new Rect(clip.X - x, clip.Y - y, clip.Width, clip.Height));
        using (var lo = new Mat(AttLow, clip))
        {
            Cv2.ScaleAdd(src, m.MuLow, lo, lo);
        }

        using (var hi = new Mat(AttHigh, clip))
        {
            Cv2.ScaleAdd(src, m.MuHigh, hi, hi);
        }

        if (threat is { } t)
        {
            using var mask = new Mat();
            Cv2.Compare(src, Scalar.All(1e-4), mask, CmpTypes.GT);
            Rect b = Cv2.BoundingRect(mask);
            if (b.Width > 0 && b.Height > 0)
            {
                _threats.Add(new ThreatBox(t, clip.X + b.X, clip.Y + b.Y, b.Width, b.Height, m.Name, Concealment));
            }
        }
    }

    /// <summary>
    /// Simulates the detector: T = exp(−A), Poisson photon noise at <paramref name="dose"/> counts per unattenuated
    /// pixel (Gaussian approximation, exact mean and variance), detector blur, per-row gain stripes along the belt,
    /// and a floor of one count that saturates transmission behind thick metal. Returns 16-bit transmissions (65535 = air).
    /// </summary>
    public (Mat High, Mat Low) Expose(double dose, SplitMix rng, double blurSigma = 0.6)
    {
        Mat high = ExposeOne(AttHigh, dose, rng.SubSeed(), rng, blurSigma);
        Mat low = ExposeOne(AttLow, dose * 0.6, rng.SubSeed(), rng, blurSigma);
        return (high, low);
    }

    /// <summary>
    /// T = exp(−A) into <paramref name="transmission"/>. The negation is a Mat of its own, held until Exp returns: a
    /// temporary matrix expression (<c>-att</c>) passed straight in can be finalised while OpenCV still reads it, and
    /// parallel synthesis then failed now and then with OpenCV's "depth == CV_32F || depth == CV_64F" assertion.
    /// </summary>
    internal static void Transmission(Mat attenuation, Mat transmission)
    {
        using var negative = new Mat();
        Cv2.Multiply(attenuation, Scalar.All(-1), negative);
        Cv2.Exp(negative, transmission);
    }

    private Mat ExposeOne(Mat att, double dose, ulong seed, SplitMix rng, double blurSigma)
    {
        using var t = new Mat();
        Transmission(att, t);
        using var counts = new Mat();
        t.ConvertTo(counts, MatType.CV_32F, dose);
        using var sigma = new Mat();
        Cv2.Sqrt(counts, sigma);
        using var noise = new Mat(Height, Width, MatType.CV_32FC1);
        var cvRng = new RNG(seed);
        cvRng.Fill(noise, DistributionType.Normal, Scalar.All(0), Scalar.All(1));
        using var noisy = new Mat();
        Cv2.Multiply(noise, sigma, noise);
        Cv2.Add(counts, noise, noisy);
        Cv2.Max(noisy, Scalar.All(1.0), noisy);
        Cv2.GaussianBlur(noisy, noisy, new Size(0, 0), blurSigma);

        // Line-scan detector: each detector element is a row; small per-row gain errors give stripes along the belt.
        var gains = new float[Height];
        for (int r = 0; r < Height; r++)
        {
            gains[r] = (float)(1 + (0.004 * rng.Gaussian()));
        }

        using var gainCol = Mat.FromPixelData(Height, 1, MatType.CV_32FC1, gains);
        using var gainMap = new Mat();
        Cv2.Repeat(gainCol, 1, Width, gainMap);
        Cv2.Multiply(noisy, gainMap, noisy);
        var out16 = new Mat();
        noisy.ConvertTo(out16, MatType.CV_16U, 65535.0 / dose);
        return out16;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        AttLow.Dispose();
        AttHigh.Dispose();
    }
}

/// <summary>A threat's visible extent in pixels, its material and its concealment (<see cref="SceneCanvas.Concealment"/>).</summary>
internal sealed record ThreatBox(ThreatClass Class, int X, int Y, int Width, int Height, string Material, string Concealment);
