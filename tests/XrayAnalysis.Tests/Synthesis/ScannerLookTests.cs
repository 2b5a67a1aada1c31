using System.Text.Json;
using OpenCvSharp;
using XrayAnalysis.Evaluation;
using XrayAnalysis.Synthesis;

namespace XrayAnalysis.Tests.Synthesis;

/// <summary>The synthesiser's scanner effects: palettes, grey, JPEG, downscaling, varied sets, and the realism parts.</summary>
public sealed class ScannerLookTests : TempDirTest
{
    [Test]
    public void Grey_renders_have_equal_channels_and_palettes_differ_on_the_same_scene()
    {
        var baseOpts = new SynthOptions { Kind = SceneKind.Mail, Seed = 5, Width = 320, Height = 240, ThreatRate = 1, WriteRaw = false };
        var renders = new Dictionary<ScanPalette, Mat>();
        foreach (ScanPalette p in Enum.GetValues<ScanPalette>())
        {
            string d = Path.Combine(Dir, p.ToString());
            SynthWriter.Write(baseOpts with { Palette = p }, 1, d);
            renders[p] = Cv2.ImRead(Path.Combine(d, "images", "mail_00000.png"), ImreadModes.Color);
        }

        try
        {
            Mat[] ch = Cv2.Split(renders[ScanPalette.Grey]);
            Assert.That(Cv2.Norm(ch[0], ch[1], NormTypes.INF) + Cv2.Norm(ch[1], ch[2], NormTypes.INF), Is.Zero, "grey: B = G = R");
            foreach (Mat c in ch)
            {
                c.Dispose();
            }

            foreach (ScanPalette p in new[] { ScanPalette.Amber, ScanPalette.Cyan, ScanPalette.Grey })
            {
                Assert.That(Cv2.Norm(renders[ScanPalette.Standard], renders[p], NormTypes.L1) / (320.0 * 240 * 3), Is.GreaterThan(2), $"{p} differs from standard");
            }
        }
        finally
        {
            foreach (Mat m in renders.Values)
            {
                m.Dispose();
            }
        }
    }

    [Test]
    public void Downscaling_scales_the_image_and_every_box_with_it()
    {
        var o = new SynthOptions { Kind = SceneKind.Baggage, Seed = 9, ThreatRate = 1, WriteRaw = true };
        string full = Path.Combine(Dir, "full"), half = Path.Combine(Dir, "half");
        SynthWriter.Write(o, 4, full);
        SynthWriter.Write(o with { Downscale = 0.5 }, 4, half);
        CocoDataset a = CocoDataset.Load(Path.Combine(full, "annotations.coco.json"));
        CocoDataset b = CocoDataset.Load(Path.Combine(half, "annotations.coco.json"));
        Assert.That(b.Images.Select(i => (i.Width, i.Height)), Is.All.EqualTo((512, 384)));
        Assert.That(b.Annotations, Has.Count.EqualTo(a.Annotations.Count).And.Count.GreaterThan(0));
        for (int k = 0; k < a.Annotations.Count; k++)
        {
            double[] x = a.Annotations[k].Bbox, y = b.Annotations[k].Bbox;
            for (int j = 0; j < 4; j++)
            {
                Assert.That(y[j], Is.EqualTo(x[j] / 2).Within(1.0), $"box {k} coordinate {j}");
            }
        }

        using Mat img = Cv2.ImRead(Path.Combine(half, "images", "baggage_00000.png"));
        using Mat raw = Cv2.ImRead(Path.Combine(half, "raw", "baggage_00000_high.png"), ImreadModes.Unchanged);
        Assert.That((img.Cols, img.Rows, raw.Cols, raw.Rows), Is.EqualTo((512, 384, 512, 384)));
        var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(half, "meta", "baggage_00000.json"))).RootElement;
        Assert.That(meta.GetProperty("mm_per_pixel").GetDouble(), Is.EqualTo(2.0).Within(1e-9), "pixel pitch doubles at half resolution");
    }

    [Test]
    public void Jpeg_round_trip_leaves_block_artefacts_and_is_recorded()
    {
        var o = new SynthOptions { Kind = SceneKind.Mail, Seed = 2, Width = 320, Height = 240, WriteRaw = false };
        string clean = Path.Combine(Dir, "png"), lossy = Path.Combine(Dir, "q50");
        SynthWriter.Write(o, 1, clean);
        SynthWriter.Write(o with { JpegQuality = 50 }, 1, lossy);
        using Mat a = Cv2.ImRead(Path.Combine(clean, "images", "mail_00000.png"));
        using Mat b = Cv2.ImRead(Path.Combine(lossy, "images", "mail_00000.png"));
        double diff = Cv2.Norm(a, b, NormTypes.L1) / (320.0 * 240 * 3);
        Assert.That(diff, Is.GreaterThan(0.3).And.LessThan(15), "q50 changes pixels, but only by compression noise");
        Assert.That(File.ReadAllText(Path.Combine(lossy, "meta", "mail_00000.json")), Does.Contain("\"jpeg_quality\": 50"));
    }

    [Test]
    public void Varied_sets_are_deterministic_and_draw_several_looks_but_never_the_held_out_palette()
    {
        var o = new SynthOptions { Kind = SceneKind.Mail, Seed = 77, Width = 256, Height = 192, Varied = true, WriteRaw = false };
        string a = Path.Combine(Dir, "a"), b = Path.Combine(Dir, "b");
        SynthWriter.Write(o, 30, a);
        SynthWriter.Write(o, 30, b);
        var palettes = new HashSet<string>();
        int jpeg = 0, small = 0;
        foreach (string f in Directory.GetFiles(Path.Combine(a, "meta")))
        {
            Assert.That(File.ReadAllBytes(f), Is.EqualTo(File.ReadAllBytes(Path.Combine(b, "meta", Path.GetFileName(f)))));
            JsonElement m = JsonDocument.Parse(File.ReadAllText(f)).RootElement;
            palettes.Add(m.GetProperty("palette").GetString()!);
            jpeg += m.GetProperty("jpeg_quality").GetInt32() > 0 ? 1 : 0;
            small += m.GetProperty("width").GetInt32() < 256 ? 1 : 0;
        }

        Assert.That(palettes, Is.SupersetOf(new[] { "standard", "grey" }).And.Not.Contains("cyan"));
        Assert.That(jpeg, Is.InRange(3, 27), "some, not all, scenes JPEG-compressed");
        Assert.That(small, Is.InRange(1, 20), "some scenes downscaled");
    }

    [Test]
    public void Threats_are_textured_not_flat()
    {
        // A brick's powder varies in thickness (grain, compression, gaps): its attenuation inside the box is not constant.
        using var c = new SceneCanvas(400, 300, 1.0);
        var k = new Clutter(c, new SplitMix(11));
        k.Bricks(new Rect(50, 50, 300, 200));
        ThreatBox t = c.Threats.First();
        using var roi = new Mat(c.AttLow, new Rect(t.X + (t.Width / 4), t.Y + (t.Height / 4), t.Width / 2, t.Height / 2));
        Cv2.MeanStdDev(roi, out Scalar mean, out Scalar std);
        Assert.That(std.Val0 / mean.Val0, Is.GreaterThan(0.01), "relative variation of attenuation inside a brick");
    }

    [TestCase(SceneKind.Mail)]
    [TestCase(SceneKind.Baggage)]
    public void Heavier_clutter_adds_material(SceneKind kind)
    {
        double Mass(double scale)
        {
            double sum = 0;
            for (int i = 0; i < 6; i++)
            {
                using SceneCanvas c = SceneGenerator.Generate(new SynthOptions { Kind = kind, Seed = 4, ThreatRate = 0, ClutterScale = scale }, i, out _);
                sum += Cv2.Sum(c.AttHigh).Val0;
            }

            return sum;
        }

        Assert.That(Mass(2.0), Is.GreaterThan(Mass(1.0) * 1.15));
    }
}
