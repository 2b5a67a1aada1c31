using OpenCvSharp;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Synthesis;

/// <summary>
/// Threat image projection (TIP): inserts a threat image into a scan.
/// <list type="bullet">
/// <item>16-bit transmission images (65535 = air): physically correct — transmissions multiply (log-attenuations add),
/// T_out = T_scan · T_threat, per energy for dual-energy pairs.</item>
/// <item>8-bit pseudo-colour renders: an approximation — each channel is treated as a transmission (white background =
/// 255 = nothing in the beam) and multiplied. Darkening and overlap behave as in a real render; the hue of the overlap
/// is not recomputed from a dual-energy ratio, so mixed-material overlaps are only approximately coloured.</item>
/// </list>
/// </summary>
public static class ThreatImageProjection
{
    /// <summary>Transmission below which a threat pixel counts as part of the threat's visible extent (2% attenuation).</summary>
    public const double VisibleBelow = 0.98;

    /// <summary>
    /// Projects <paramref name="threat"/> into <paramref name="scan"/> with its top-left at (<paramref name="x"/>, <paramref name="y"/>);
    /// returns the new image and the ground-truth box (visible extent). Both images must have the same type: 16-bit grey
    /// (transmission), 8-bit grey, or 8-bit three-channel (pseudo-colour render). The threat must lie wholly inside the scan:
    /// a threat cut by the scan's edge would give a box that is not the threat's.
    /// </summary>
    internal static (Mat Result, Rect Box) Project(Mat scan, Mat threat, int x, int y)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(threat);
        if (scan.Type() != threat.Type() || (scan.Type() != MatType.CV_16UC1 && scan.Type() != MatType.CV_8UC1 && scan.Type() != MatType.CV_8UC3))
        {
            throw new ArgumentException($"scan ({Describe(scan)}) and threat ({Describe(threat)}) must be of one kind: both 16-bit grey transmissions, both 8-bit grey or both 8-bit colour renders");
        }

        if (x < 0 || y < 0 || x + threat.Cols > scan.Cols || y + threat.Rows > scan.Rows)
        {
            throw new ArgumentException($"the {threat.Cols}x{threat.Rows} threat at ({x}, {y}) does not lie inside the {scan.Cols}x{scan.Rows} scan; place it at x 0..{scan.Cols - threat.Cols}, y 0..{scan.Rows - threat.Rows}");
        }

        var place = new Rect(x, y, threat.Cols, threat.Rows);
        Mat result = scan.Clone();

        var threatPart = new Rect(place.X - x, place.Y - y, place.Width, place.Height);
        using var dst = new Mat(result, place);
        using var src = new Mat(threat, threatPart);
        double full = scan.Depth() == MatType.CV_16U ? 65535.0 : 255.0;
        using (var a = new Mat())
        using (var b = new Mat())
        {
            dst.ConvertTo(a, MatType.CV_32F, 1.0 / full);
            src.ConvertTo(b, MatType.CV_32F, 1.0 / full);
            Cv2.Multiply(a, b, a);
            a.ConvertTo(dst, scan.Type(), full);
        }

        // Visible extent: threat pixels attenuating more than 2% (any channel for colour renders).
        using Mat grey = Preprocessing.Channels.Extreme(src, max: false);

        using var mask = new Mat();
        Cv2.Compare(grey, Scalar.All(VisibleBelow * full), mask, CmpTypes.LT);
        Rect b2 = Cv2.BoundingRect(mask);
        Rect box = b2.Width > 0 ? new Rect(place.X + b2.X, place.Y + b2.Y, b2.Width, b2.Height) : default;
        return (result, box);
    }

    private static string Describe(Mat m) =>
        $"{(m.Depth() == MatType.CV_16U ? "16" : m.Depth() == MatType.CV_8U ? "8" : "other")}-bit, {m.Channels()} channel{(m.Channels() == 1 ? "" : "s")}";

    /// <summary>
    /// Loads a threat and a scan (through the checked loader), projects, writes <paramref name="output"/> atomically in the
    /// format its extension names, and returns the ground-truth box (x, y, width, height; zero size when the threat is not
    /// visible).
    /// </summary>
    internal static (int X, int Y, int Width, int Height) ProjectFile(string threatPath, string scanPath, int x, int y, string output)
    {
        var loader = new ScanLoader();
        using Scan threat = loader.Load(ScanInput.Single(threatPath));
        using Scan scan = loader.Load(ScanInput.Single(scanPath));
        (Mat result, Rect box) = Project(scan.Image, threat.Image, x, y);
        using (result)
        {
            Cv2.ImEncode(Path.GetExtension(output), result, out byte[] bytes);
            AtomicFile.WriteAllBytes(output, bytes);
        }

        return (box.X, box.Y, box.Width, box.Height);
    }

    /// <summary>
    /// Projects a threat into a scan file and writes the composite and its ground truth. When the threat and the scan are
    /// both the <c>_high</c> files of dual-energy pairs (their <c>_low</c> partners beside them), both energies are
    /// projected and <paramref name="output"/> must be a <c>_high</c> name too; its <c>_low</c> partner is written beside
    /// it. The ground truth goes to <c>OUTPUT.json</c> (box as COCO [x, y, width, height], threat and scan file names).
    /// Throws <see cref="ScanLoadException"/> for an unreadable input and <see cref="ArgumentException"/> for an output
    /// name that cannot hold a pair.
    /// </summary>
    /// <param name="threatPath">Threat image on an air background.</param>
    /// <param name="scanPath">Scan to project into, of the same kind.</param>
    /// <param name="x">Left edge of the threat in the scan, in pixels.</param>
    /// <param name="y">Top edge of the threat in the scan, in pixels.</param>
    /// <param name="output">Composite image to write (format from its extension).</param>
    /// <param name="className">The threat's class, written into the ground truth.</param>
    public static TipResult ProjectFiles(string threatPath, string scanPath, int x, int y, string output, string className = "threat")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(className);
        ArgumentException.ThrowIfNullOrEmpty(threatPath);
        ArgumentException.ThrowIfNullOrEmpty(scanPath);
        ArgumentException.ThrowIfNullOrEmpty(output);
        var jobs = new List<(string Threat, string Scan, string Out)> { (threatPath, scanPath, output) };
        if (ScanDiscovery.IsHighEnergy(threatPath) && ScanDiscovery.IsHighEnergy(scanPath) &&
            ScanDiscovery.PartnerOf(threatPath) is { } threatLow && File.Exists(threatLow) &&
            ScanDiscovery.PartnerOf(scanPath) is { } scanLow && File.Exists(scanLow))
        {
            string outLow = ScanDiscovery.IsHighEnergy(output) ? ScanDiscovery.PartnerOf(output)!
                : throw new ArgumentException($"{output}: a dual-energy projection needs an output named NAME_high.EXT (its _low partner is written beside it)", nameof(output));
            jobs.Add((threatLow, scanLow, outLow));
        }

        (int X, int Y, int Width, int Height) box = default;
        foreach ((string t, string s, string o) in jobs)
        {
            (int X, int Y, int Width, int Height) b = ProjectFile(t, s, x, y, o);
            if (box.Width == 0)
            {
                box = b;
            }
            else if (b.Width > 0)
            {
                int x1 = Math.Min(box.X, b.X), y1 = Math.Min(box.Y, b.Y);
                box = (x1, y1, Math.Max(box.X + box.Width, b.X + b.Width) - x1, Math.Max(box.Y + box.Height, b.Y + b.Height) - y1);
            }
        }

        var result = new TipResult([box.X, box.Y, box.Width, box.Height], Path.GetFileName(threatPath), Path.GetFileName(scanPath),
            jobs.Select(j => j.Out).ToList(), Path.ChangeExtension(output, ".json")) { Class = className };
        AtomicFile.WriteAllBytes(result.GroundTruthPath, ResultJson.Serialize(result));
        return result;
    }
}
