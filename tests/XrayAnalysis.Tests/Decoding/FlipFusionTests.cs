using OpenCvSharp;
using XrayAnalysis.Decoding;
using XrayAnalysis.Inference;
using XrayAnalysis.Tests.Models;

namespace XrayAnalysis.Tests.Decoding;

/// <summary>The test-time flip: mirror anchors, the averaging of the two passes, and the detector running it.</summary>
public sealed class FlipFusionTests
{
    [TestCase(384, 384, 3024)]
    [TestCase(640, 640, 8400)]
    [TestCase(640, 384, 5040)]
    [TestCase(640, 640, 8500, 64)]
    [TestCase(320, 320, 8500, 4)]
    public void Boxes_centred_on_their_anchors_fuse_onto_themselves_so_each_anchor_meets_its_mirror(int w, int h, int n, int extra = 0)
    {
        // A pass whose every anchor predicts a box centred on itself, with a score that depends on where the anchor is.
        // The mirrored pass of the same picture predicts the same at the mirror anchor, so averaging each anchor with
        // its true mirror changes nothing, and any other pairing moves centres and mixes scores.
        int[]? mirror = FlipFusion.MirrorIndex(n, w, h);
        Assert.That(mirror, Is.Not.Null);
        const int rows = 5;
        int[] strides = extra switch { 64 => [8, 16, 32, 64], 4 => [4, 8, 16, 32], _ => [8, 16, 32] };
        float[] plain = AnchorCentred(w, h, n, rows, strides, mirrored: false), flipped = AnchorCentred(w, h, n, rows, strides, mirrored: true);
        var fused = new float[rows * n];
        FlipFusion.AverageV8(plain, flipped, rows, n, mirror!, w, fused);
        Assert.That(fused, Is.EqualTo(plain).Within(1e-3f));
        Assert.That(mirror!.Select((m, i) => mirror[m] == i).All(x => x), Is.True, "mirroring twice is the identity");
    }

    [TestCase(3025, 384, 384)]
    [TestCase(3024, 380, 384)]
    [TestCase(25200, 640, 640)]
    public void Outputs_that_are_not_anchor_grids_tiling_the_input_have_no_mirror(int n, int w, int h)
    {
        Assert.That(FlipFusion.MirrorIndex(n, w, h), Is.Null);
    }

    [Test]
    public void Mirroring_the_input_reverses_every_row_of_every_channel()
    {
        float[] x = Enumerable.Range(0, 2 * 3 * 2 * 4).Select(i => (float)i).ToArray();
        var y = new float[x.Length];
        FlipFusion.MirrorInputs(x, 2, 4, 2, y);
        Assert.That(y.Take(8), Is.EqualTo(new float[] { 3, 2, 1, 0, 7, 6, 5, 4 }));
        Assert.That(y.Skip(40), Is.EqualTo(new float[] { 43, 42, 41, 40, 47, 46, 45, 44 }));
    }

    [Test]
    public void The_bundled_model_with_the_flip_finds_what_it_finds_without_it_where_it_is_sure_and_mirrors_with_the_scan()
    {
        using XrayDetector plain = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Detector = new() { Confidence = 0.3f, TestTimeFlip = false } });
        using XrayDetector flip = XrayDetector.Open(TestData.BundledModel, new XrayDetectorOptions { Detector = new() { Confidence = 0.3f, TestTimeFlip = true } });
        int sure = 0;
        foreach (string route in new[] { "express", "baggage" })
        {
            foreach (string file in Directory.GetFiles(Path.Combine(TestData.SampleImages, route, "images"), "*.png").Order(StringComparer.Ordinal))
            {
                using Mat bgr = Cv2.ImRead(file, ImreadModes.Color);
                using ScanImage scan = ScanImage.FromFile(file);
                ScanResult a = plain.Detect(scan), b = flip.Detect(scan);
                Assert.That((a.Parameters!.TestTimeFlip, b.Parameters!.TestTimeFlip), Is.EqualTo((false, true)));
                foreach (DetectionRecord d in a.Detections.Where(d => d.Score > 0.6f))
                {
                    sure++;
                    Assert.That(b.Detections.Any(f => f.ClassId == d.ClassId && Iou(f, d) > 0.7 && Math.Abs(f.Score - d.Score) < 0.25), Is.True,
                        $"{file}: {d} has a counterpart with the flip: {string.Join("; ", b.Detections)}");
                }

                // The mirrored scan gives the mirrored result: the two passes only swap.
                using Mat mirrored = new();
                Cv2.Flip(bgr, mirrored, FlipMode.Y);
                mirrored.GetArray(out Vec3b[] px);
                using ScanImage m = ScanImage.FromPixels(System.Runtime.InteropServices.MemoryMarshal.AsBytes(px.AsSpan()), bgr.Cols, bgr.Rows, PixelFormat.Bgr24);
                ScanResult c = flip.Detect(m);
                Assert.That(c.Detections, Has.Count.EqualTo(b.Detections.Count), file);
                foreach (DetectionRecord d in b.Detections)
                {
                    Assert.That(c.Detections.Any(x => x.ClassId == d.ClassId && Math.Abs(x.Score - d.Score) < 1e-4 &&
                        Math.Abs(bgr.Cols - x.X2 - d.X1) < 0.2 && Math.Abs(bgr.Cols - x.X1 - d.X2) < 0.2 && Math.Abs(x.Y1 - d.Y1) < 0.2), Is.True, $"{file}: {d}");
                }
            }
        }

        Assume.That(sure, Is.GreaterThan(0), "the sample scans hold threats the model is sure of");
    }

    [Test]
    public void Several_pictures_in_one_call_fuse_as_each_one_alone_does()
    {
        using OnnxDetector d = OnnxDetector.Open(TestData.BundledModel, new DetectorOptions { TestTimeFlip = true, BatchSize = 3, Confidence = 0.2f });
        float[] input = BundledModelTests.ReadNpy(Path.Combine(TestData.RepoRoot, "models", "training", "parity", "input.npy"));
        var three = new float[3 * input.Length];
        for (int k = 0; k < 3; k++)
        {
            input.CopyTo(three, k * input.Length);
        }

        List<Detection>[] r = d.Run(three, 3, out _, out _);
        List<Detection> one = d.Run(input, 1, out _, out _)[0];
        Assert.That(r.Select(x => x.Count), Is.All.EqualTo(one.Count));
        Assert.That(r[2].Select(x => x.Score), Is.EqualTo(one.Select(x => x.Score)).Within(1e-4f));
    }

    [Test]
    public void A_static_batch_model_runs_the_two_passes_one_after_the_other_and_fuses_like_a_dynamic_one()
    {
        using OnnxDetector dynamic = OnnxDetector.Open(TestData.FixtureModel("v8"), new DetectorOptions { TestTimeFlip = true, Confidence = 0.1f });
        using OnnxDetector single = OnnxDetector.Open(TestData.FixtureModel("v8_static"), new DetectorOptions { TestTimeFlip = true, Confidence = 0.1f });
        Assert.That((dynamic.Model.DynamicBatch, single.Model.DynamicBatch), Is.EqualTo((true, false)));
        List<Detection> a = dynamic.Run(new float[dynamic.InputFloatsPerImage], 1, out _, out _)[0];
        List<Detection> b = single.Run(new float[single.InputFloatsPerImage], 1, out _, out _)[0];
        Assert.That(a, Is.Not.Empty);
        Assert.That(b, Is.EqualTo(a), "the fixtures' constant outputs fuse to the same boxes whichever way the passes ran");

        // The fixture's first box (anchor 0: cx 20, cy 20, 10 x 10, class 1, 0.9) meets an empty mirror anchor (7) on
        // the 64-wide input. Anchor 0 fuses to half its score at cx (20 + 64 - 0) / 2 = 42, size 5 x 5 at cy 10; anchor
        // 7 to the same score at cx (0 + 64 - 20) / 2 = 22.
        Assert.That(a.Any(d => d.ClassId == 1 && Math.Abs(d.Score - 0.45f) < 1e-5 && Math.Abs(d.X1 - 39.5f) < 1e-3 && Math.Abs(d.Y1 - 7.5f) < 1e-3 && Math.Abs(d.X2 - 44.5f) < 1e-3), Is.True, string.Join("; ", a));
        Assert.That(a.Any(d => d.ClassId == 1 && Math.Abs(d.Score - 0.45f) < 1e-5 && Math.Abs(d.X1 - 19.5f) < 1e-3 && Math.Abs(d.X2 - 24.5f) < 1e-3), Is.True, string.Join("; ", a));
    }

    [TestCase("v5")]
    [TestCase("yolox")]
    [TestCase("end2end")]
    [TestCase("rtdetr")]
    public void The_flip_is_refused_for_outputs_without_an_anchor_grid_naming_the_layout(string fixture)
    {
        var ex = Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(TestData.FixtureModel(fixture), new DetectorOptions { TestTimeFlip = true }).Dispose());
        Assert.That(ex!.Message, Does.Contain("test-time flip (asked for) needs an anchor-free grid output").And.Contain("this model's output is"));

        // The v8 fixture's 84 anchors are the 8/16/32 grids of its 64 x 64 input: accepted.
        using OnnxDetector v8 = OnnxDetector.Open(TestData.FixtureModel("v8"), new DetectorOptions { TestTimeFlip = true });
        Assert.That(v8.Settings.TestTimeFlip, Is.True);
    }

    private static float[] AnchorCentred(int w, int h, int n, int rows, int[] strides, bool mirrored)
    {
        var o = new float[rows * n];
        int i = 0;
        foreach (int s in strides)
        {
            for (int y = 0; y < h / s; y++)
            {
                for (int x = 0; x < w / s; x++, i++)
                {
                    float cx = (x + 0.5f) * s, cy = (y + 0.5f) * s;
                    float sceneX = mirrored ? w - cx : cx; // where this anchor looks in the unmirrored picture
                    o[i] = cx;
                    o[n + i] = cy;
                    o[(2 * n) + i] = s * 2;
                    o[(3 * n) + i] = s * 3;
                    o[(4 * n) + i] = (sceneX * 0.001f) + (cy * 0.0001f) + s;
                }
            }
        }

        return o;
    }

    private static double Iou(DetectionRecord a, DetectionRecord b)
    {
        double ix = Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1)), iy = Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
        double i = ix * iy;
        return i / (((a.X2 - a.X1) * (a.Y2 - a.Y1)) + ((b.X2 - b.X1) * (b.Y2 - b.Y1)) - i);
    }
}
