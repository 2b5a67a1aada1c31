using System.Globalization;
using OpenCvSharp;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Synthesis;

/// <summary>Settings of a TIP dataset build.</summary>
internal sealed record TipDatasetOptions
{
    /// <summary>Composites written per background.</summary>
    public int PerBackground { get; init; } = 2;

    /// <summary>Fewest and most threats projected into one composite.</summary>
    public int MinThreats { get; init; } = 1;

    public int MaxThreats { get; init; } = 2;

    /// <summary>Seed: composite k of background NAME depends only on (seed, NAME, k).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The backgrounds' pixel pitch: threats are drawn at their real size for it.</summary>
    public double MmPerPixel { get; init; } = 1.0;

    /// <summary>Share of a threat's visible pixels that must lie over the bag's contents, not air.</summary>
    public double MinCover { get; init; } = 0.8;

    /// <summary>Also write each background untouched, as a negative.</summary>
    public bool Negatives { get; init; } = true;

    /// <summary>
    /// The palette of the scanner's renders: dual-energy pairs are rendered with it to images/, and for 8-bit pseudo-colour
    /// backgrounds the threat is rendered with it before it multiplies the channels (a threat drawn in another palette
    /// would look like no threat that scanner shows).
    /// </summary>
    public ScanPalette Palette { get; init; } = ScanPalette.Standard;

    /// <summary>
    /// Write every 8-bit image (composites and negatives alike) as JPEG at this quality, 1–100, as a JPEG archive holds
    /// them: a projected threat then carries the same compression artefacts as the scan around it, and no model can
    /// learn "no artefacts here" as a threat cue. 0 (the default): PNG, lossless.
    /// </summary>
    public int JpegQuality { get; init; }
}

/// <summary>What a build wrote.</summary>
internal sealed record TipDatasetReport(int Backgrounds, int Composites, int Negatives, int Threats, int ThreatsNotPlaced, IReadOnlyList<string> Skipped);

/// <summary>
/// Threat image projection at dataset scale (<c>xray synth --backgrounds DIR</c>): takes a folder of the user's clean scans
/// and writes a training/evaluation set like <c>xray synth</c>'s (<c>images/</c>, <c>labels/</c>, <c>raw/</c> for pairs,
/// <c>annotations.coco.json</c>) with our synthetic threats projected into them and, optionally, the backgrounds untouched
/// as negatives.
/// <list type="bullet">
/// <item>Threats (wrapped bricks, powder packets, tablet clusters) are drawn on an empty canvas at the backgrounds' pixel
/// pitch and turned into noise-free transmissions per energy, T = exp(−μt).</item>
/// <item>Dual-energy 16-bit pairs: T_out = T_bg · T_threat per energy (exact: log-attenuations add); the render in
/// images/ is made from the composite pair. 16-bit and 8-bit grey: the high-energy transmission multiplies the grey value.
/// 8-bit pseudo-colour: the threat's own render multiplies each channel (TIP's usual approximation; see
/// <see cref="ThreatImageProjection"/>).</item>
/// <item>Placement: inside the bag, not in air — at least <see cref="TipDatasetOptions.MinCover"/> of the threat's visible
/// pixels over pixels darker than 95 % of the scan's air level (its 99.9th percentile); not over an earlier threat of the
/// same composite. A threat that finds no such place in 80 tries is not placed (counted).</item>
/// <item>Boxes are each threat object's visible extent, as <c>xray synth</c> gives them.</item>
/// </list>
/// Deterministic: the same backgrounds, options and seed give the same bytes.
/// </summary>
internal static class TipDataset
{
    private const double VisibleBelow = ThreatImageProjection.VisibleBelow;

    public static TipDatasetReport Build(string backgrounds, string outDir, TipDatasetOptions o, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (!Directory.Exists(backgrounds))
        {
            throw new DirectoryNotFoundException($"{backgrounds}: no such folder");
        }

        IReadOnlyList<ScanInput> inputs = ScanDiscovery.Discover([backgrounds], out _);
        if (inputs.Count == 0)
        {
            throw new ArgumentException($"{backgrounds}: {ScanDiscovery.MissingReason(backgrounds)}");
        }

        foreach (string sub in new[] { "images", "labels", "raw" })
        {
            Directory.CreateDirectory(Path.Combine(outDir, sub));
        }

        var loader = new ScanLoader();
        var scenes = new List<SynthWriter.SceneRecord>();
        var skipped = new List<string>();
        int composites = 0, negatives = 0, threats = 0, notPlaced = 0;
        foreach (ScanInput input in inputs)
        {
#pragma warning disable CA2000 // disposed in the finally below; the analyzer does not follow the null-returning helper
            Scan? scan = TryLoad(loader, input, skipped);
#pragma warning restore CA2000
            try
            {
                if (scan is null)
                {
                    continue;
                }

                string? kind = KindOf(scan);
                if (kind is null)
                {
                    skipped.Add($"{input.Path}: {scan.Image.Type()} scans cannot take a projected threat (8/16-bit grey, 8-bit colour or 16-bit dual-energy pairs)");
                    continue;
                }

                using Mat air = ObjectMask(scan);
                for (int k = 0; k < o.PerBackground; k++)
                {
                    string name = $"{Sanitise(input.Name)}_tip{k.ToString("D2", CultureInfo.InvariantCulture)}";
                    SplitMix r = SplitMix.For(o.Seed, "tip:" + input.Name, k);
                    (Mat high, Mat? low) = (scan.Image.Clone(), scan.LowEnergy?.Clone());
                    try
                    {
                        var boxes = new List<ThreatBox>();
                        int n = r.Int(o.MinThreats, o.MaxThreats + 1);
                        for (int t = 0; t < n; t++)
                        {
                            if (PlaceOne(high, low, air, o, r, boxes))
                            {
                                threats++;
                            }
                            else
                            {
                                notPlaced++;
                            }
                        }

                        scenes.Add(Write(outDir, name, high, low, boxes, o));
                        composites++;
                    }
                    finally
                    {
                        high.Dispose();
                        low?.Dispose();
                    }
                }

                if (o.Negatives)
                {
                    scenes.Add(Write(outDir, $"{Sanitise(input.Name)}_clean", scan.Image, scan.LowEnergy, [], o));
                    negatives++;
                }
            }
            finally
            {
                scan?.Dispose();
            }

            log?.WriteLine($"xray synth: {input.Name}: {o.PerBackground} composite(s){(o.Negatives ? " + negative" : "")}");
        }

        AtomicFile.WriteAllBytes(Path.Combine(outDir, "annotations.coco.json"), SynthWriter.Coco([.. scenes]));
        return new TipDatasetReport(inputs.Count - skipped.Count, composites, negatives, threats, notPlaced, skipped);
    }

    private static Scan? TryLoad(ScanLoader loader, ScanInput input, List<string> skipped)
    {
        try
        {
            return loader.Load(input);
        }
        catch (ScanLoadException ex)
        {
            skipped.Add(ex.Message);
            return null;
        }
    }

    private static string? KindOf(Scan s) => (s.Image.Type(), s.LowEnergy) switch
    {
        (var t, not null) when t == MatType.CV_16UC1 => "pair",
        (var t, null) when t == MatType.CV_16UC1 => "grey16",
        (var t, null) when t == MatType.CV_8UC1 => "grey8",
        (var t, null) when t == MatType.CV_8UC3 => "colour",
        _ => null,
    };

    /// <summary>255 where the scan holds something (darker than 95 % of its air level: a bag's fabric counts), 0 in air.</summary>
    private static Mat ObjectMask(Scan s)
    {
        using Mat grey = Preprocessing.Channels.Extreme(s.Image, max: true);
        using var f = new Mat();
        grey.ConvertTo(f, MatType.CV_32F);
        var values = new float[f.Total()];
        System.Runtime.InteropServices.Marshal.Copy(f.Data, values, 0, values.Length);
        Array.Sort(values);
        double airLevel = values[(int)Math.Min(values.Length - 1, values.Length * 0.999)];
        var mask = new Mat();
        Cv2.Compare(f, Scalar.All(0.95 * airLevel), mask, CmpTypes.LT);
        return mask;
    }

    /// <summary>Draws one threat, finds it a place inside the bag, multiplies it in; false when no place was found.</summary>
    private static bool PlaceOne(Mat high, Mat? low, Mat objectMask, TipDatasetOptions o, SplitMix r, List<ThreatBox> boxes)
    {
        // A canvas far larger than any threat, the threat drawn in its middle: nothing is cut by the canvas edge.
        int w = Math.Max(128, (int)Math.Round(800 / o.MmPerPixel)), h = Math.Max(96, (int)Math.Round(600 / o.MmPerPixel));
        using var canvas = new SceneCanvas(w, h, o.MmPerPixel);
        var k = new Clutter(canvas, r);
        var area = new Rect(w / 4, h / 4, w / 2, h / 2);
        switch (r.Int(0, 3))
        {
            case 0: k.Bricks(area); break;
            case 1: k.Packet(area); break;
            default: k.Tablets(area); break;
        }

        // Noise-free transmissions of the threat alone, cut to where it attenuates.
        using var th = new Mat();
        using var tl = new Mat();
        SceneCanvas.Transmission(canvas.AttHigh, th);
        SceneCanvas.Transmission(canvas.AttLow, tl);
        using var visible = new Mat();
        Cv2.Compare(th, Scalar.All(VisibleBelow), visible, CmpTypes.LT);
        Rect ext = Cv2.BoundingRect(visible);
        int rows = high.Rows, cols = high.Cols;
        if (ext.Width == 0 || ext.Width >= cols || ext.Height >= rows || ext.X == 0 || ext.Y == 0 || ext.Right >= w || ext.Bottom >= h)
        {
            return false;
        }

        using var tHigh = new Mat(th, ext);
        using var tLow = new Mat(tl, ext);
        using var vis = new Mat(visible, ext);
        int visibleCount = Math.Max(1, Cv2.CountNonZero(vis));
        for (int attempt = 0; attempt < 80; attempt++)
        {
            int x = r.Int(0, cols - ext.Width + 1), y = r.Int(0, rows - ext.Height + 1);
            var place = new Rect(x, y, ext.Width, ext.Height);
            if (boxes.Any(b => (new Rect(b.X, b.Y, b.Width, b.Height) & place).Width > 0))
            {
                continue;
            }

            using var under = new Mat(objectMask, place);
            using var both = new Mat();
            Cv2.BitwiseAnd(under, vis, both);
            if (Cv2.CountNonZero(both) < o.MinCover * visibleCount)
            {
                continue;
            }

            Multiply(high, low, place, tHigh, tLow, o.Palette);
            foreach (ThreatBox t in canvas.Threats)
            {
                var b = new Rect(t.X - ext.X + x, t.Y - ext.Y + y, t.Width, t.Height) & place;
                if (b.Width > 0 && b.Height > 0)
                {
                    boxes.Add(new ThreatBox(t.Class, b.X, b.Y, b.Width, b.Height, t.Material, "projected"));
                }
            }

            return true;
        }

        return false;
    }

    private static void Multiply(Mat high, Mat? low, Rect place, Mat tHigh, Mat tLow, ScanPalette palette)
    {
        if (high.Channels() == 3)
        {
            // 8-bit pseudo-colour: the threat's own render, each channel taken as a transmission.
            using var h16 = new Mat();
            using var l16 = new Mat();
            tHigh.ConvertTo(h16, MatType.CV_16U, 65535);
            tLow.ConvertTo(l16, MatType.CV_16U, 65535);
            using Mat bgr = ScannerLook.Render(h16, l16, palette);
            using var t3 = new Mat();
            bgr.ConvertTo(t3, MatType.CV_32FC3, 1 / 255.0);
            MultiplyInto(high, place, t3);
            return;
        }

        MultiplyInto(high, place, tHigh);
        if (low is not null)
        {
            MultiplyInto(low, place, tLow);
        }
    }

    private static void MultiplyInto(Mat image, Rect place, Mat transmission)
    {
        using var dst = new Mat(image, place);
        using var f = new Mat();
        dst.ConvertTo(f, transmission.Type());
        Cv2.Multiply(f, transmission, f);
        f.ConvertTo(dst, image.Type());
    }

    private static SynthWriter.SceneRecord Write(string outDir, string name, Mat image, Mat? low, List<ThreatBox> boxes, TipDatasetOptions o)
    {
        Mat shown = image;
        Mat? rendered = null;
        if (low is not null)
        {
            AtomicFile.WriteAllBytes(Path.Combine(outDir, "raw", name + "_high.png"), Png(image));
            AtomicFile.WriteAllBytes(Path.Combine(outDir, "raw", name + "_low.png"), Png(low));
            rendered = ScannerLook.Render(image, low, o.Palette);
            shown = rendered;
        }

        try
        {
            string file = name + ".png";
            if (o.JpegQuality > 0 && shown.Depth() == MatType.CV_8U)
            {
                file = name + ".jpg";
                Cv2.ImEncode(".jpg", shown, out byte[] jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, o.JpegQuality));
                AtomicFile.WriteAllBytes(Path.Combine(outDir, "images", file), jpeg);
            }
            else
            {
                AtomicFile.WriteAllBytes(Path.Combine(outDir, "images", file), Png(shown));
            }

            int width = shown.Cols, height = shown.Rows;
            AtomicFile.WriteAllText(Path.Combine(outDir, "labels", name + ".txt"), SynthWriter.Yolo(boxes, width, height));
            return new SynthWriter.SceneRecord(file, "tip", width, height, [.. boxes]);
        }
        finally
        {
            rendered?.Dispose();
        }
    }

    private static byte[] Png(Mat m)
    {
        Cv2.ImEncode(".png", m, out byte[] b);
        return b;
    }

    private static string Sanitise(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray());
}
