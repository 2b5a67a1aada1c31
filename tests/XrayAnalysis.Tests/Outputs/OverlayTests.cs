using OpenCvSharp;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Tests.Outputs;

/// <summary>Overlays that carry a decision: tiers, labels that never overlap or leave the image, legend, transparent layer.</summary>
public sealed class OverlayTests
{
    private static ScanResult ResultWith(IReadOnlyList<DetectionRecord> dets, int w, int h, float? operating) => new()
    {
        Name = "scan",
        Input = new InputInfo("scan.png", null, null, null),
        Width = w,
        Height = h,
        Model = new ModelSummary("model", new string('0', 64), "UltralyticsV8", 384, 384),
        Parameters = new DetectParameters(0.25f, 0.7f, 300, null, false, "letterbox", null, "default", "default", operating, null, null!),
        Detections = dets,
        TimingsMs = new StageTimings(),
        Status = ScanStatus.Ok,
    };

    /// <summary>Many boxes, clustered so that their natural label positions collide, some touching the borders.</summary>
    private static List<DetectionRecord> Crowd(int n, int w, int h, int seed)
    {
        var rng = new Random(seed);
        var list = new List<DetectionRecord>();
        string[] names = ["narcotics_brick", "narcotics_packet", "tablet_cluster"];
        for (int i = 0; i < n; i++)
        {
            float x = rng.Next(-20, w - 10), y = rng.Next(-20, h - 10);
            float bw = rng.Next(8, Math.Max(9, w / 4)), bh = rng.Next(8, Math.Max(9, h / 4));
            int c = rng.Next(3);
            list.Add(new DetectionRecord(c, names[c], (float)rng.NextDouble(), Math.Max(0, x), Math.Max(0, y), Math.Min(w, x + bw), Math.Min(h, y + bh)));
        }

        return list;
    }

    private static void AssertLabelsClean(OverlayLayout layout)
    {
        var rects = layout.Labels.Select(l => l.Tab).ToList();
        var image = new Rect(0, 0, layout.Width, layout.Height);
        foreach (Rect r in rects)
        {
            Assert.That(image.Contains(r.TopLeft) && r.Right <= layout.Width && r.Bottom <= layout.Height, Is.True, $"label {r} leaves {layout.Width}x{layout.Height}");
        }

        for (int i = 0; i < rects.Count; i++)
        {
            for (int j = i + 1; j < rects.Count; j++)
            {
                Assert.That(rects[i].IntersectsWith(rects[j]), Is.False, $"labels {rects[i]} and {rects[j]} overlap");
            }
        }
    }

    [TestCase(354, 312, 40, 1)]
    [TestCase(1024, 768, 120, 2)]
    [TestCase(8192, 1536, 300, 3)]
    [TestCase(120, 90, 30, 4)]
    public void On_crowded_scans_no_two_labels_overlap_and_none_leaves_the_image(int w, int h, int n, int seed)
    {
        List<DetectionRecord> dets = Crowd(n, w, h, seed);
        OverlayLayout layout = OverlayLayout.Plan(w, h, dets, 0.5, "test", OverlayStyle.Default);
        AssertLabelsClean(layout);
        int alarms = dets.Count(d => d.Score >= 0.5);
        Assert.That(layout.Boxes.Count(b => b.Tier == OverlayTier.Alarm), Is.EqualTo(alarms));
        Assert.That(layout.Labels, Has.Count.GreaterThan(0));

        // Every alarm is named somewhere: on a full label, or by number with its entry in the legend.
        var full = layout.Labels.Where(l => !l.NumberOnly).Select(l => l.Box.Number).ToHashSet();
        List<string> legend = OverlayRenderer.LegendLines(layout, ResultWith(dets, w, h, 0.5f), OverlayStyle.Default, out double scale);
        foreach (OverlayBox b in layout.Boxes.Where(b => b.Tier == OverlayTier.Alarm && !full.Contains(b.Number)))
        {
            Assert.That(string.Join(" ", legend), Does.Contain($"#{b.Number}"));
        }

        // Every legend line fits the picture's width at the legend's font.
        Assert.That(legend.Select(l => Cv2.GetTextSize(l, HersheyFonts.HersheySimplex, scale, layout.FontThickness, out _).Width), Has.All.LessThanOrEqualTo(w - 8));
    }

    [Test]
    public async Task On_the_sample_set_no_two_labels_overlap_and_none_leaves_the_image()
    {
        using XrayDetector detector = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Detector = new() { Confidence = 0.05f } });
        string[] files = Directory.GetFiles(TestData.SampleImages, "*.png", SearchOption.AllDirectories).Where(f => !f.Contains("_low", StringComparison.Ordinal)).Take(12).ToArray();
        int labels = 0;
        await foreach (ScanResult r in detector.DetectFilesAsync(files))
        {
            Assert.That(r.Status, Is.EqualTo(ScanStatus.Ok), r.Reason);

            // A low alarm threshold, so that most boxes are labelled alarms: the hardest case for placement.
            OverlayLayout layout = OverlayLayout.Plan(r.Width!.Value, r.Height!.Value, r.Detections, 0.1, "test", OverlayStyle.Default);
            AssertLabelsClean(layout);
            labels += layout.Labels.Count;
        }

        Assert.That(labels, Is.GreaterThan(10), "the sample set must give labels to place");
    }

    [Test]
    public void Alarms_and_suggestions_are_split_at_the_threshold_and_boxes_below_the_floor_are_not_drawn()
    {
        var dets = new List<DetectionRecord>
        {
            new(0, "narcotics_brick", 0.95f, 10, 10, 60, 60),
            new(1, "narcotics_packet", 0.6f, 100, 10, 150, 60),
            new(2, "tablet_cluster", 0.3f, 10, 100, 60, 150),
            new(2, "tablet_cluster", 0.1f, 100, 100, 150, 150),
        };
        OverlayLayout layout = OverlayLayout.Plan(300, 200, dets, 0.84, "profile", OverlayStyle.Default);
        Assert.That(layout.Boxes.Select(b => (b.Detection.Score, b.Tier)),
            Is.EqualTo(new[] { (0.95f, OverlayTier.Alarm), (0.6f, OverlayTier.Suggestion), (0.3f, OverlayTier.Suggestion) }));
        Assert.That(layout.Labels.Select(l => l.Box.Number), Is.EqualTo(new[] { 1 }), "only alarms get a label");
        Assert.That(OverlayLayout.Plan(300, 200, dets, 0.84, "profile", OverlayStyle.Default with { Suggestions = false }).Boxes, Has.Count.EqualTo(1));
    }

    [Test]
    public void The_threshold_comes_from_the_option_else_the_profile_else_half()
    {
        ScanResult withProfile = ResultWith([], 100, 100, 0.84f);
        Assert.That(OverlayStyle.Default.ThresholdFor(withProfile), Is.EqualTo((0.84, "model profile")).Using<(double, string)>((a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-6 && a.Item2 == b.Item2));
        Assert.That(new OverlayStyle { AlarmThreshold = 0.3 }.ThresholdFor(withProfile).Threshold, Is.EqualTo(0.3));
        Assert.That(OverlayStyle.Default.ThresholdFor(ResultWith([], 100, 100, null)).Threshold, Is.EqualTo(0.5));

        // A route's alarm threshold (recorded in the result with the route) is named as the route's, not an option.
        ScanResult routed = ResultWith([], 100, 100, 0.776f) with { Route = "express" };
        Assert.That(new OverlayStyle { AlarmThreshold = 0.776f }.ThresholdFor(routed).Source, Is.EqualTo("route express"));
        Assert.That(new OverlayStyle { AlarmThreshold = 0.5 }.ThresholdFor(routed).Source, Is.EqualTo("option"));
        Assert.That(() => new OverlayStyle { DisplayFloor = 1.5 }, Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void The_burned_in_overlay_has_a_legend_below_and_the_layer_is_transparent_except_where_drawn()
    {
        var dets = new List<DetectionRecord> { new(0, "narcotics_brick", 0.95f, 40, 40, 120, 120), new(1, "narcotics_packet", 0.4f, 200, 60, 260, 140) };
        ScanResult result = ResultWith(dets, 320, 240, 0.84f);
        using var rendered = new Mat(240, 320, MatType.CV_8UC3, Scalar.All(255));
        using Mat burned = OverlayRenderer.Burned(rendered, result, OverlayStyle.Default);
        Assert.That(burned.Cols, Is.EqualTo(320));
        Assert.That(burned.Rows, Is.GreaterThan(240), "legend strip below the scan");
        Assert.That(burned.At<Vec3b>(80, 80), Is.EqualTo(new Vec3b(255, 255, 255)), "box interiors are left untouched");

        using Mat layer = OverlayRenderer.Layer(320, 240, result, OverlayStyle.Default);
        Assert.That((layer.Cols, layer.Rows, layer.Channels()), Is.EqualTo((320, 240, 4)));
        using Mat alpha = layer.ExtractChannel(3);
        int drawn = Cv2.CountNonZero(alpha);
        Assert.That(drawn, Is.GreaterThan(0).And.LessThan(320 * 240 / 4));
        Assert.That(alpha.At<byte>(80, 80), Is.EqualTo(0), "inside a box the layer is transparent");
        Assert.That(alpha.At<byte>(40, 80), Is.EqualTo(255), "the alarm outline is opaque");

        // A suggestion is dashed: along its top edge some pixels are drawn and some are not.
        byte[] top = Enumerable.Range(200, 60).Select(x => alpha.At<byte>(60, x)).ToArray();
        Assert.That(top, Has.Some.EqualTo((byte)255).And.Some.EqualTo((byte)0));

        byte[] png = OverlayWriter.LayerPng(320, 240, result);
        using Mat decoded = Cv2.ImDecode(png, ImreadModes.Unchanged);
        Assert.That(decoded.Channels(), Is.EqualTo(4));
    }
}
