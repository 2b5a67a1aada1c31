using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Inference;

/// <summary>Profiles drive the defaults, one class identity across commands, small inputs, EXIF orientation, the tensor contract.</summary>
public sealed class ModelContractTests : TempDirTest
{
    private static string Thr => TestData.BundledOperatingThreshold.ToString("0.####", CultureInfo.InvariantCulture);

    private static JsonElement Result(string outDir, string stem) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "results", stem + ".json"))).RootElement;

    [Test]
    public void The_bundled_model_runs_at_its_profile_threshold_and_iou_and_an_explicit_option_wins()
    {
        string scan = Path.Combine(TestData.SampleImages, "mail", "images", "mail_00001.png");
        (int code, _, string e) = DetectCliTests.Run("detect", scan, "--model", TestData.BundledModel, "--out", Path.Combine(Dir, "a"));
        Assert.That(code, Is.EqualTo(0), e);
        JsonElement p = Result(Path.Combine(Dir, "a"), "mail_00001").GetProperty("parameters");
        Assert.That(p.GetProperty("confidence").GetDouble(), Is.EqualTo(TestData.BundledOperatingThreshold).Within(1e-6));
        Assert.That(p.GetProperty("confidence_source").GetString(), Is.EqualTo("profile"));
        Assert.That(p.GetProperty("iou").GetDouble(), Is.EqualTo(0.45).Within(1e-6));
        Assert.That(p.GetProperty("iou_source").GetString(), Is.EqualTo("profile"));
        Assert.That(p.GetProperty("operating_threshold").GetDouble(), Is.EqualTo(TestData.BundledOperatingThreshold).Within(1e-6));
        Assert.That(p.GetProperty("preprocessing").GetProperty("sources").GetProperty("channel_order").GetString(), Is.EqualTo("profile"));
        foreach (JsonElement d in Result(Path.Combine(Dir, "a"), "mail_00001").GetProperty("detections").EnumerateArray())
        {
            Assert.That(d.GetProperty("score").GetDouble(), Is.GreaterThan(TestData.BundledOperatingThreshold));
        }

        (code, _, e) = DetectCliTests.Run("detect", scan, "--model", TestData.BundledModel, "--out", Path.Combine(Dir, "b"), "--conf", "0.3", "--iou", "0.6");
        Assert.That(code, Is.EqualTo(0), e);
        p = Result(Path.Combine(Dir, "b"), "mail_00001").GetProperty("parameters");
        Assert.That((p.GetProperty("confidence_source").GetString(), p.GetProperty("iou_source").GetString()), Is.EqualTo(("option", "option")));
        Assert.That(p.GetProperty("confidence").GetDouble(), Is.EqualTo(0.3).Within(1e-6));
    }

    [Test]
    public void A_written_profile_is_picked_up_and_a_profile_for_another_model_is_refused()
    {
        string model = Path.Combine(Dir, "mine.onnx");
        File.Copy(TestData.FixtureModel("yolox"), model);
        (int code, string o, string e) = DetectCliTests.Run("model", "profile", model, "--operating-threshold", "0.65", "--nms-iou", "0.5");
        Assert.That(code, Is.EqualTo(0), e);
        string sidecar = Path.Combine(Dir, "mine.json");
        Assert.That(o, Does.Contain(sidecar));
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(sidecar)))
        {
            JsonElement r = doc.RootElement;
            Assert.That(r.GetProperty("layout").GetString(), Is.EqualTo("yolox"));
            Assert.That(r.GetProperty("preprocessing").GetProperty("channel_order").GetString(), Is.EqualTo("bgr"));
            Assert.That(r.GetProperty("preprocessing").GetProperty("resize").GetString(), Is.EqualTo("letterbox-topleft"));
        }

        // The user names the classes in the profile; every command then uses them and the profile's threshold.
        string text = File.ReadAllText(sidecar).Replace("\"class_0\"", "\"powder\"", StringComparison.Ordinal);
        File.WriteAllText(sidecar, text);
        (code, o, e) = DetectCliTests.Run("model", "inspect", model);
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain("profile:       " + sidecar));
        Assert.That(o, Does.Contain("confidence:    0.65 (profile); NMS IoU 0.5 (profile)"));
        Assert.That(o, Does.Contain("0=powder"));
        Assert.That(o, Does.Contain("channel_order  from profile"));

        Assert.That(DetectCliTests.Run("model", "profile", model).Code, Is.EqualTo(2), "an existing sidecar is not overwritten without --force");
        File.WriteAllText(sidecar, text.Replace(ShaOf(model), new string('0', 64), StringComparison.Ordinal));
        (code, _, e) = DetectCliTests.Run("model", "inspect", model);
        Assert.That(code, Is.EqualTo(3));
        Assert.That(e, Does.Contain("the profile is for a model with SHA-256 " + new string('0', 64)));
    }

    [Test]
    public void A_profiles_min_input_side_sets_the_smallest_picture_screened_and_an_option_overrides_it()
    {
        string model = Path.Combine(Dir, "m.onnx");
        File.Copy(TestData.FixtureModel("v8"), model);
        using (OnnxDetector none = OnnxDetector.Open(model))
        {
            Assert.That(none.Settings.MinInputSide, Is.EqualTo(32), "no profile: 32");
        }

        File.WriteAllText(Path.Combine(Dir, "m.json"), """{"min_input_side": 100}""");
        using (OnnxDetector d = OnnxDetector.Open(model))
        {
            Assert.That(d.Settings.MinInputSide, Is.EqualTo(100));
            Assert.That(d.Model.Profile!.MinInputSide, Is.EqualTo(100));
        }

        using (OnnxDetector o = OnnxDetector.Open(model, new DetectorOptions { MinInputSide = 48 }))
        {
            Assert.That(o.Settings.MinInputSide, Is.EqualTo(48), "an option wins over the profile");
        }

        File.WriteAllText(Path.Combine(Dir, "m.json"), """{"min_input_side": 0}""");
        Assert.That(Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(model))!.Message, Does.Contain("min_input_side must be at least 1"));
    }

    [Test]
    public void A_profiles_test_time_flip_is_the_default_an_option_overrides_it_and_inspect_and_results_say_so()
    {
        string model = Path.Combine(Dir, "m.onnx");
        File.Copy(TestData.FixtureModel("v8"), model);
        (int code, _, string e) = DetectCliTests.Run("model", "profile", model, "--tta", "flip");
        Assert.That(code, Is.EqualTo(0), e);
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "m.json"))))
        {
            Assert.That(doc.RootElement.GetProperty("test_time_flip").GetBoolean(), Is.True);
        }

        using (OnnxDetector d = OnnxDetector.Open(model))
        {
            Assert.That((d.Settings.TestTimeFlip, d.Settings.TestTimeFlipSource), Is.EqualTo((true, SettingSource.Profile)));
        }

        using (OnnxDetector o = OnnxDetector.Open(model, new DetectorOptions { TestTimeFlip = false }))
        {
            Assert.That((o.Settings.TestTimeFlip, o.Settings.TestTimeFlipSource), Is.EqualTo((false, SettingSource.Option)));
        }

        (code, string o2, e) = DetectCliTests.Run("model", "inspect", model);
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o2, Does.Contain("test-time:     flip: each picture also run mirrored, anchors averaged (profile)"));

        string png = Path.Combine(Dir, "a.png");
        using (var img = new Mat(80, 80, MatType.CV_8UC3, new Scalar(200, 200, 200)))
        {
            Cv2.ImWrite(png, img);
        }

        foreach ((string tta, bool on) in new[] { ("flip", true), ("off", false) })
        {
            (code, _, e) = DetectCliTests.Run("detect", png, "--model", model, "--tta", tta, "--min-side", "32", "--out", Path.Combine(Dir, tta));
            Assert.That(code, Is.EqualTo(0), e);
            Assert.That(Result(Path.Combine(Dir, tta), "a").GetProperty("parameters").GetProperty("test_time_flip").GetBoolean(), Is.EqualTo(on));
        }

        // A profile chosen with the flip may give the one-pass threshold too: turning the flip off then uses it.
        File.WriteAllText(Path.Combine(Dir, "m.json"), """{"test_time_flip": true, "operating_threshold": 0.6, "operating_threshold_without_flip": 0.8}""");
        using (OnnxDetector withFlip = OnnxDetector.Open(model), oneEach = OnnxDetector.Open(model, new DetectorOptions { TestTimeFlip = false }))
        {
            Assert.That((withFlip.Settings.Confidence, withFlip.Settings.OperatingThreshold), Is.EqualTo((0.6f, (float?)0.6f)));
            Assert.That((oneEach.Settings.Confidence, oneEach.Settings.OperatingThreshold), Is.EqualTo((0.8f, (float?)0.8f)));
            Assert.That(oneEach.Model.Profile!.OperatingThreshold, Is.EqualTo(0.8f), "everything reading the profile sees the one-pass threshold");
        }

        File.WriteAllText(Path.Combine(Dir, "m.json"), """{"test_time_flip": "yes"}""");
        Assert.That(Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(model))!.Message, Does.Contain("test_time_flip must be true or false"));
        string yolox = Path.Combine(Dir, "x.onnx");
        File.Copy(TestData.FixtureModel("yolox"), yolox);
        File.WriteAllText(Path.Combine(Dir, "x.json"), """{"test_time_flip": true}""");
        (code, _, e) = DetectCliTests.Run("detect", png, "--model", yolox, "--out", Path.Combine(Dir, "x"));
        Assert.That(code, Is.EqualTo(3), e);
        Assert.That(e, Does.Contain("the test-time flip (named by the profile) needs an anchor-free grid output").And.Contain("yolox"));
    }

    [Test]
    public void A_profile_naming_a_different_class_count_or_a_layout_that_does_not_fit_is_refused()
    {
        string model = Path.Combine(Dir, "m.onnx");
        File.Copy(TestData.FixtureModel("v8"), model);
        File.WriteAllText(Path.Combine(Dir, "m.json"), """{"classes": ["a", "b"]}""");
        Assert.That(Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(model))!.Message, Does.Contain("names 2 classes but the model outputs 3"));
        File.WriteAllText(Path.Combine(Dir, "m.json"), """{"layout": "yolox"}""");
        Assert.That(Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(model))!.Message, Does.Contain("profile's layout yolox"));
        File.WriteAllText(Path.Combine(Dir, "m.json"), """{"preprocessing": {"std": [0, 1, 1]}}""");
        Assert.That(Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(model))!.Message, Does.Contain("std must be three finite non-zero numbers"));
    }

    [Test]
    public void Synth_then_detect_then_eval_scores_what_eval_on_the_model_scores()
    {
        string data = Path.Combine(Dir, "data");
        Assert.That(DetectCliTests.Run("synth", "--kind", "mail", "--count", "6", "--seed", "7", "--threat-rate", "1", "--no-raw", "--out", data).Code, Is.EqualTo(0));
        string det = Path.Combine(Dir, "det");
        (int code, _, string e) = DetectCliTests.Run("detect", Path.Combine(data, "images"), "--model", TestData.BundledModel, "--conf", "0.001", "--out", det);
        Assert.That(code, Is.EqualTo(0), e);
        (code, string viaFiles, e) = DetectCliTests.Run("eval", "--gt", Path.Combine(data, "annotations.coco.json"), "--pred", Path.Combine(det, "detections.coco.json"),
            "--model", TestData.BundledModel, "--out", Path.Combine(Dir, "e1"));
        Assert.That(code, Is.EqualTo(0), e);
        (code, string viaModel, e) = DetectCliTests.Run("eval", "--model", TestData.BundledModel, "--data", data, "--out", Path.Combine(Dir, "e2"));
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(MapLine(viaFiles), Is.EqualTo(MapLine(viaModel)));
        Assert.That(double.Parse(MapLine(viaFiles).Split(' ')[^1].TrimEnd(';'), CultureInfo.InvariantCulture), Is.GreaterThan(0.1), "the classes line up");
        Assert.That(viaFiles, Does.Contain($"at threshold {Thr} (model profile's operating threshold)"));
        Assert.That(File.ReadAllText(Path.Combine(Dir, "e2", "report.md")), Does.Contain($"Screening at threshold {Thr} (model profile's operating threshold)"));
        Assert.That(viaModel, Does.Contain("objects found by concealment, worst first: "), "synth tags every box, so eval breaks object Pd down by it");
        Assert.That(File.ReadAllText(Path.Combine(Dir, "e2", "report.md")), Does.Contain("| concealment | object Pd IoU ≥ 0.1 |"));
        using JsonDocument coco = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(det, "detections.coco.json")));
        Assert.That(coco.RootElement.EnumerateArray().Select(d => d.GetProperty("category_id").GetInt32()).Distinct(), Is.SubsetOf(new[] { 1, 2, 3 }));

        static string MapLine(string o) => o.Split('\n')[0][..o.Split('\n')[0].IndexOf("; at", StringComparison.Ordinal)];
    }

    [Test]
    public void Results_that_cannot_be_reconciled_with_the_ground_truth_are_refused_with_both_category_lists()
    {
        string gt = Path.Combine(Dir, "gt.json");
        File.WriteAllText(gt, """
            {"images": [{"id": 1, "file_name": "a.png", "width": 100, "height": 100}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0}],
             "categories": [{"id": 1, "name": "narcotics_brick"}, {"id": 2, "name": "narcotics_packet"}]}
            """);
        string zeroBased = Path.Combine(Dir, "old.json");
        File.WriteAllText(zeroBased, """[{"image_id": 1, "category_id": 0, "bbox": [10, 10, 20, 20], "score": 0.9}]""");
        (int code, _, string e) = DetectCliTests.Run("eval", "--gt", gt, "--pred", zeroBased, "--out", Path.Combine(Dir, "o"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("category ids 0").And.Contain("1=narcotics_brick, 2=narcotics_packet"));

        string named = Path.Combine(Dir, "named.json");
        File.WriteAllText(named, """[{"image_id": 1, "category_id": 7, "category_name": "narcotics_brick", "bbox": [10, 10, 20, 20], "score": 0.9}]""");
        (code, string o, e) = DetectCliTests.Run("eval", "--gt", gt, "--pred", named, "--out", Path.Combine(Dir, "o2"));
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain("mAP@0.5 1.0000"), "matched by name whatever the id");
        File.WriteAllText(named, """[{"image_id": 1, "category_id": 1, "category_name": "cocaine", "bbox": [10, 10, 20, 20], "score": 0.9}]""");
        (code, _, e) = DetectCliTests.Run("eval", "--gt", gt, "--pred", named, "--out", Path.Combine(Dir, "o3"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("cocaine"));
    }

    [Test]
    public void Thumbnails_below_the_minimum_are_rejected_and_small_pictures_are_not_blown_up()
    {
        var rng = new Random(5);
        foreach ((string name, int side) in new[] { ("tiny", 20), ("small", 48) })
        {
            using var m = new Mat(side, side, MatType.CV_8UC3);
            var px = new byte[side * side * 3];
            rng.NextBytes(px);
            System.Runtime.InteropServices.Marshal.Copy(px, 0, m.Data, px.Length);
            Cv2.ImWrite(Path.Combine(Dir, name + ".png"), m);
        }

        // The bundled model's profile refuses pictures under 160 px a side (min_input_side: its thumbnails alarmed).
        (int code, string o, string e) = DetectCliTests.Run("detect", Path.Combine(Dir, "tiny.png"), Path.Combine(Dir, "small.png"), "--model", TestData.BundledModel, "--out", Path.Combine(Dir, "p"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(e, Does.Contain("rejected: " + Path.Combine(Dir, "small.png") + ": too small to screen: 48x48 px, a side is below the 160 px minimum"));
        Assert.That(o, Does.Contain("pictures under 160 px a side not screened"));

        string outDir = Path.Combine(Dir, "o");
        (code, _, e) = DetectCliTests.Run("detect", Path.Combine(Dir, "tiny.png"), Path.Combine(Dir, "small.png"), "--model", TestData.BundledModel, "--min-side", "32", "--out", outDir);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(e, Does.Contain("rejected: " + Path.Combine(Dir, "tiny.png") + ": too small to screen: 20x20 px"));
        JsonElement small = Result(outDir, "small");
        Assert.That(small.GetProperty("status").GetString(), Is.EqualTo("ok"));
        Assert.That(small.GetProperty("parameters").GetProperty("preprocessing").GetProperty("applied_scale").GetDouble(), Is.EqualTo(2.0).Within(1e-9));
    }

    [TestCase(1, 120, 80, 0, 0)]
    [TestCase(3, 120, 80, 119, 79)]
    [TestCase(6, 80, 120, 79, 0)]
    [TestCase(8, 80, 120, 0, 119)]
    [TestCase(2, 120, 80, 119, 0)]
    [TestCase(5, 80, 120, 0, 0)]
    public void Jpeg_exif_orientation_turns_the_pixels_into_the_displayed_frame(int orientation, int w, int h, int markX, int markY)
    {
        // A 120 x 80 picture, mid grey, with a white 6 x 6 mark at its stored top-left corner.
        using var m = new Mat(80, 120, MatType.CV_8UC3, new Scalar(90, 90, 90));
        m[new Rect(0, 0, 6, 6)].SetTo(new Scalar(255, 255, 255));
        Cv2.ImEncode(".jpg", m, out byte[] jpg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 95));
        byte[] file = [.. jpg[..2], .. ExifApp1(orientation), .. jpg[2..]];
        string path = TestData.Write(Dir, "o.jpg", file);
        using Scan scan = new ScanLoader().Load(ScanInput.Single(path));
        Assert.That((scan.Width, scan.Height, scan.ExifOrientation), Is.EqualTo((w, h, (int?)orientation)));
        (Mat bgr, _) = ScanRenderer.Render(scan, new RenderOptions());
        using (bgr)
        {
            int x = Math.Clamp(markX, 2, w - 3), y = Math.Clamp(markY, 2, h - 3);
            Assert.That(bgr.At<Vec3b>(y, x).Item0, Is.GreaterThan(200), "the mark is at the displayed corner");
            Assert.That(bgr.At<Vec3b>(h / 2, w / 2).Item0, Is.LessThan(120));
        }
    }

    [Test]
    public void The_tensor_follows_channel_order_scale_mean_std_and_top_left_alignment()
    {
        using var bgr = new Mat(2, 4, MatType.CV_8UC3, new Scalar(10, 20, 30)); // B 10, G 20, R 30
        var contract = new InputContract
        {
            ChannelOrder = ChannelOrder.Bgr, Scale = 1f, Mean = [1, 2, 3], Std = [2, 2, 2], Resize = ResizeMode.LetterboxTopLeft,
            PadValue = 114, Interpolation = Interpolation.Linear, Width = 4, Height = 4, Family = "test",
            Sources = new Dictionary<string, SettingSource>(),
        };
        var t = new float[3 * 16];
        LetterboxTransform map = InputTensorWriter.Write(bgr, contract, t);
        Assert.That((map.PadLeft, map.PadTop, map.ResizedWidth, map.ResizedHeight), Is.EqualTo((0, 0, 4, 2)));
        Assert.That(t[0], Is.EqualTo((10 - 1) / 2f).Within(1e-6), "channel 0 is B");
        Assert.That(t[16], Is.EqualTo((20 - 2) / 2f).Within(1e-6));
        Assert.That(t[32], Is.EqualTo((30 - 3) / 2f).Within(1e-6));
        Assert.That(t[12], Is.EqualTo((114 - 1) / 2f).Within(1e-6), "bottom rows are padding");

        var rgb = contract with { ChannelOrder = ChannelOrder.Rgb, Scale = 1f / 255f, Mean = null, Std = null, Resize = ResizeMode.Letterbox };
        map = InputTensorWriter.Write(bgr, rgb, t);
        Assert.That(map.PadTop, Is.EqualTo(1));
        Assert.That(t[4], Is.EqualTo(30 / 255f).Within(1e-6), "channel 0 is R; row 1 is the first image row");
        Assert.That(t[0], Is.EqualTo(114 / 255f).Within(1e-6));
    }

    private static string ShaOf(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>An APP1 Exif segment (big-endian TIFF) holding only the Orientation tag.</summary>
    private static byte[] ExifApp1(int orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, // header, IFD at 8
            0, 1,                                    // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, // Orientation SHORT 1
            0, 0, 0, 0,                              // no next IFD
        ];
        byte[] payload = [.. "Exif\0\0"u8.ToArray(), .. tiff];
        int len = payload.Length + 2;
        return [0xFF, 0xE1, (byte)(len >> 8), (byte)len, .. payload];
    }
}
