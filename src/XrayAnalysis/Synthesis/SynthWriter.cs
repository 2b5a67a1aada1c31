using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Synthesis;

/// <summary>
/// Writes a synthetic set: <c>images/NAME.png</c> (8-bit pseudo-colour render), <c>raw/NAME_high.png</c> +
/// <c>raw/NAME_low.png</c> (16-bit transmissions), <c>labels/NAME.txt</c> (YOLO), <c>meta/NAME.json</c> and
/// <c>annotations.coco.json</c> (COCO; category ids 1–3 = narcotics_brick, narcotics_packet, tablet_cluster).
/// Scenes are generated in parallel and written in a fixed order, so equal arguments give identical bytes.
/// </summary>
public static class SynthWriter
{
    /// <summary>Generates scenes [0, count) into <paramref name="outDir"/>; reports each finished scene to <paramref name="progress"/>.</summary>
    public static void Write(SynthOptions o, int count, string outDir, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(o);
        string kind = o.Kind.ToString().ToLowerInvariant();
        foreach (string sub in o.WriteRaw ? (string[])["images", "raw", "labels", "meta"] : ["images", "labels", "meta"])
        {
            Directory.CreateDirectory(Path.Combine(outDir, sub));
        }

        var scenes = new SceneRecord[count];
        int done = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            scenes[i] = WriteScene(o, kind, i, outDir);
            progress?.Report(Interlocked.Increment(ref done));
        });

        AtomicFile.WriteAllBytes(Path.Combine(outDir, "annotations.coco.json"), Coco(scenes));
    }

    /// <summary>Scene file stem: route and zero-padded index.</summary>
    public static string NameOf(string kind, long i) => $"{kind}_{i.ToString("D5", CultureInfo.InvariantCulture)}";

    private static SceneRecord WriteScene(SynthOptions o, string kind, int i, string outDir)
    {
        string name = NameOf(kind, i);
        using SceneCanvas c = SceneGenerator.Generate(o, i, out _);
        SplitMix noiseRng = SplitMix.For(o.Seed ^ 0x5EED, kind, i);
        ScannerLook look = ScannerLook.For(o, kind, i);
        (Mat high, Mat low) = c.Expose(look.Dose, noiseRng, look.BlurSigma);
        int width = c.Width, height = c.Height;
        using (high)
        using (low)
        {
            Mat bgr = look.Render(high, low);
            bgr = look.Compress(look.Resize(bgr));
            using (bgr)
            {
                width = bgr.Cols;
                height = bgr.Rows;
                AtomicFile.WriteAllBytes(Path.Combine(outDir, "images", name + "." + o.RenderFormat), Encode(bgr, o.RenderFormat));
            }

            if (o.WriteRaw)
            {
                WriteRawPair(look, high, low, Path.Combine(outDir, "raw", name));
            }
        }

        double sx = (double)width / c.Width, sy = (double)height / c.Height;
        ThreatBox[] threats = c.Threats.Select(t => Scale(t, sx, sy, width, height)).ToArray();
        AtomicFile.WriteAllText(Path.Combine(outDir, "labels", name + ".txt"), Yolo(threats, width, height));
        var meta = new SceneMeta(name, kind, o.Seed, i, threats.Length > 0, width, height, c.MmPerPixel / sx, look.Dose, c.Materials.ToArray(),
            threats.Select(t => new SceneThreat(ThreatClasses.NameOf(t.Class), [t.X, t.Y, t.Width, t.Height], t.Material) { Concealment = t.Concealment }).ToArray())
        {
            Palette = look.Palette.ToString().ToLowerInvariant(),
            JpegQuality = look.JpegQuality,
        };
        AtomicFile.WriteAllBytes(Path.Combine(outDir, "meta", name + ".json"), ResultJson.Serialize(meta));
        return new SceneRecord(name + "." + o.RenderFormat, kind, width, height, threats);
    }

    /// <summary>The 16-bit pair at the written scale (copies made only when the look downscales).</summary>
    private static void WriteRawPair(ScannerLook look, Mat high, Mat low, string stem)
    {
        if (look.Downscale >= 1)
        {
            AtomicFile.WriteAllBytes(stem + "_high.png", Encode(high, "png"));
            AtomicFile.WriteAllBytes(stem + "_low.png", Encode(low, "png"));
            return;
        }

        using Mat h = look.Resize(high.Clone()), l = look.Resize(low.Clone());
        AtomicFile.WriteAllBytes(stem + "_high.png", Encode(h, "png"));
        AtomicFile.WriteAllBytes(stem + "_low.png", Encode(l, "png"));
    }

    /// <summary>A box in the written (possibly downscaled) image: edges scaled and rounded outwards, clipped to the image.</summary>
    private static ThreatBox Scale(ThreatBox t, double sx, double sy, int width, int height)
    {
        if (sx == 1 && sy == 1)
        {
            return t;
        }

        int x0 = (int)Math.Floor(t.X * sx), y0 = (int)Math.Floor(t.Y * sy);
        int x1 = Math.Min(width, (int)Math.Ceiling((t.X + t.Width) * sx)), y1 = Math.Min(height, (int)Math.Ceiling((t.Y + t.Height) * sy));
        return t with { X = x0, Y = y0, Width = Math.Max(1, x1 - x0), Height = Math.Max(1, y1 - y0) };
    }

    private static byte[] Encode(Mat m, string format)
    {
        ImageEncodingParam p = format == "jpg" ? new ImageEncodingParam(ImwriteFlags.JpegQuality, 92) : new ImageEncodingParam(ImwriteFlags.PngCompression, 3);
        Cv2.ImEncode("." + format, m, out byte[] bytes, p);
        return bytes;
    }

    private static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>YOLO label lines (class cx cy w h, normalised) for <paramref name="threats"/>.</summary>
    internal static string Yolo(IEnumerable<ThreatBox> threats, int width, int height)
    {
        var yolo = new System.Text.StringBuilder();
        foreach (ThreatBox t in threats)
        {
            yolo.Append((int)t.Class).Append(' ')
                .Append(F((t.X + (t.Width / 2.0)) / width)).Append(' ').Append(F((t.Y + (t.Height / 2.0)) / height)).Append(' ')
                .Append(F((double)t.Width / width)).Append(' ').Append(F((double)t.Height / height)).Append('\n');
        }

        return yolo.ToString();
    }

    internal static byte[] Coco(SceneRecord[] scenes)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("info");
            w.WriteString("description", "XrayAnalysis synthetic scans (xray synth)");
            w.WriteEndObject();
            w.WriteStartArray("images");
            for (int i = 0; i < scenes.Length; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("id", i + 1);
                w.WriteString("file_name", scenes[i].FileName);
                w.WriteNumber("width", scenes[i].Width);
                w.WriteNumber("height", scenes[i].Height);
                w.WriteString("route", scenes[i].Kind);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("annotations");
            int id = 1;
            for (int i = 0; i < scenes.Length; i++)
            {
                foreach (ThreatBox t in scenes[i].Threats)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", id++);
                    w.WriteNumber("image_id", i + 1);
                    w.WriteNumber("category_id", ThreatClasses.CocoId(t.Class));
                    w.WriteStartArray("bbox");
                    w.WriteNumberValue(t.X);
                    w.WriteNumberValue(t.Y);
                    w.WriteNumberValue(t.Width);
                    w.WriteNumberValue(t.Height);
                    w.WriteEndArray();
                    w.WriteNumber("area", t.Width * t.Height);
                    w.WriteNumber("iscrowd", 0);
                    w.WriteString("concealment", t.Concealment);
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
            w.WriteStartArray("categories");
            for (int k = 0; k < ThreatClasses.Names.Count; k++)
            {
                w.WriteStartObject();
                w.WriteNumber("id", k + 1);
                w.WriteString("name", ThreatClasses.Names[k]);
                w.WriteString("supercategory", "narcotics");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    internal sealed record SceneRecord(string FileName, string Kind, int Width, int Height, ThreatBox[] Threats);
}

/// <summary>Per-scene metadata written to <c>meta/NAME.json</c>.</summary>
public sealed record SceneMeta(string Name, string Route, long Seed, long Index, bool ThreatPresent, int Width, int Height, double MmPerPixel, double Dose, string[] Materials, SceneThreat[] Threats)
{
    /// <summary>Palette of the 8-bit render: standard, amber, cyan or grey.</summary>
    public string Palette { get; init; } = "standard";

    /// <summary>JPEG quality of the render's round trip; 0 for none.</summary>
    public int JpegQuality { get; init; }
}

/// <summary>One threat in <see cref="SceneMeta"/>: class name, [x, y, w, h] in pixels, material.</summary>
public sealed record SceneThreat(string Class, int[] Bbox, string Material)
{
    /// <summary>
    /// Its carrier or wrapping: none, envelope, rubber, foil, carbon-paper, pill-bottle, plastic-bag, letter, electronics,
    /// food-tin, shoe-sole, false-bottom; with --unseen-concealment book, shampoo, pellets, coffee, stuffed-toy; projected
    /// for a TIP threat. Also written to each COCO annotation, where <c>xray eval</c> breaks object Pd down by it.
    /// </summary>
    public string Concealment { get; init; } = "none";
}
