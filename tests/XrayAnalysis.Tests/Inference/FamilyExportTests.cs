using System.Text.Json;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Inference;

/// <summary>
/// Detectors exported in other projects' conventions with torch.onnx.export (tests/fixtures/models/make_family_models.py)
/// give, with no option, the boxes of their family's own preprocessing and decoding run in Python on the sample scans.
/// </summary>
public sealed class FamilyExportTests : TempDirTest
{
    private static readonly JsonElement Expected =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.Fixtures, "models", "expected_family_boxes.json"))).RootElement;

    private static string[] Samples => Expected.GetProperty("samples").EnumerateArray().Select(s => Path.Combine(TestData.SampleImages, s.GetString()!)).ToArray();

    [TestCase("family_yolox", "yolox", "bgr")]
    [TestCase("family_v8", "v8", "rgb")]
    [TestCase("family_end2end", "end2end", "rgb")]
    [TestCase("family_rtdetr", "rtdetr", "rgb")]
    [TestCase("family_v5", "v5", "rgb")]
    public void Each_family_export_gives_its_reference_boxes_with_no_option(string model, string layout, string channelOrder)
    {
        string outDir = Path.Combine(Dir, "out");
        (int code, string o, string e) = DetectCliTests.Run(["detect", .. Samples, "--model", TestData.FixtureModel(model), "--out", outDir]);
        Assert.That(code, Is.EqualTo(0), e + o);
        Assert.That(e, Does.Not.Contain("preprocessing ("), "the family was recognised: no guessed-contract note");
        int compared = 0;
        foreach (JsonProperty sample in Expected.GetProperty("boxes").GetProperty(model).EnumerateObject())
        {
            using JsonDocument result = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "results", Path.GetFileNameWithoutExtension(sample.Name) + ".json")));
            JsonElement root = result.RootElement;
            Assert.That(root.GetProperty("status").GetString(), Is.EqualTo("ok"));
            Assert.That(root.GetProperty("parameters").GetProperty("preprocessing").GetProperty("channel_order").GetString(), Is.EqualTo(channelOrder));
            var got = root.GetProperty("detections").EnumerateArray()
                .Select(d => (Class: d.GetProperty("class_id").GetInt32(), Score: d.GetProperty("score").GetDouble(),
                    Box: new[] { d.GetProperty("x1").GetDouble(), d.GetProperty("y1").GetDouble(), d.GetProperty("x2").GetDouble(), d.GetProperty("y2").GetDouble() }))
                .ToList();
            var want = sample.Value.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToList();
            Assert.That(got, Has.Count.EqualTo(want.Count), $"{model} on {sample.Name}: box count");
            var used = new bool[got.Count];
            foreach (double[] w in want)
            {
                int best = -1;
                double bestIou = 0;
                for (int i = 0; i < got.Count; i++)
                {
                    double iou = IoU(got[i].Box, w[2..]);
                    if (!used[i] && got[i].Class == (int)w[0] && Math.Abs(got[i].Score - w[1]) <= 1e-4 && iou > bestIou)
                    {
                        (best, bestIou) = (i, iou);
                    }
                }

                Assert.That(bestIou, Is.GreaterThanOrEqualTo(0.999), $"{model} on {sample.Name}: reference box [{string.Join(", ", w)}] has no match");
                used[best] = true;
                compared++;
            }
        }

        Assert.That(compared, Is.GreaterThan(100), "the samples give enough boxes to compare");
        (int ic, string io, _) = DetectCliTests.Run("model", "inspect", TestData.FixtureModel(model));
        Assert.That(ic, Is.EqualTo(0));
        Assert.That(io, Does.Contain($"layout:        {layout} "));
    }

    [Test]
    public void Model_check_passes_the_yolox_export_and_names_its_contract_when_given_the_ultralytics_one()
    {
        string[] images = ["--images", .. Samples];
        (int ok, string o, string e) = DetectCliTests.Run(["model", "check", TestData.FixtureModel("family_yolox"), .. images]);
        Assert.That(ok, Is.EqualTo(0), o + e);
        Assert.That(o, Does.Contain("verdict:  ok"));

        (int bad, string o2, string e2) = DetectCliTests.Run(["model", "check", TestData.FixtureModel("family_yolox"), .. images,
            "--channel-order", "rgb", "--pixel-scale", "1/255", "--resize", "letterbox", "--json", Path.Combine(Dir, "check.json")]);
        Assert.That(bad, Is.EqualTo(1), o2 + e2);
        Assert.That(e2, Does.Contain("the preprocessing contract is probably wrong"));
        Assert.That(e2, Does.Contain("try --channel-order bgr --pixel-scale 1 --resize letterbox-topleft"));
        using JsonDocument j = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "check.json")));
        Assert.That(j.RootElement.GetProperty("looks_broken").GetBoolean(), Is.True);
    }

    [TestCase("family_yolox", "rgb", "1/255", "letterbox")]
    [TestCase("family_yolox", "bgr", "1", "letterbox")]
    [TestCase("family_yolox", "rgb", "1", "letterbox-topleft")]
    public void Every_wrong_contract_on_the_gated_yolox_export_gives_no_confident_box(string model, string order, string scale, string resize)
    {
        (int code, string o, string e) = DetectCliTests.Run(["detect", .. Samples, "--model", TestData.FixtureModel(model), "--out", Path.Combine(Dir, "o"),
            "--channel-order", order, "--pixel-scale", scale, "--resize", resize]);
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain("detections: none"));
    }

    [TestCase("family_fastestv2", "raw per-cell anchor head")]
    [TestCase("family_v7raw", "YOLOv7 export.py --grid")]
    public void Anchor_heads_that_no_decoder_reads_are_refused_by_name(string model, string words)
    {
        (int code, _, string e) = DetectCliTests.Run("detect", Samples[0], "--model", TestData.FixtureModel(model), "--out", Path.Combine(Dir, "o"));
        Assert.That(code, Is.EqualTo(3), e);
        Assert.That(e, Does.Contain(words));
        foreach (string layout in new[] { "v8", "v5", "yolox", "end2end", "rtdetr" })
        {
            (int forced, _, string fe) = DetectCliTests.Run("detect", Samples[0], "--model", TestData.FixtureModel(model), "--out", Path.Combine(Dir, "o"), "--layout", layout);
            Assert.That(forced, Is.EqualTo(3), $"--layout {layout} on {model}: {fe}");
        }
    }

    private static double IoU(double[] a, double[] b)
    {
        double ix = Math.Max(0, Math.Min(a[2], b[2]) - Math.Max(a[0], b[0])), iy = Math.Max(0, Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]));
        double inter = ix * iy, u = ((a[2] - a[0]) * (a[3] - a[1])) + ((b[2] - b[0]) * (b[3] - b[1])) - inter;
        return u <= 0 ? 0 : inter / u;
    }
}
