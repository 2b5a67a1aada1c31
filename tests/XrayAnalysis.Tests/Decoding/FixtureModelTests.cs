using XrayAnalysis.Decoding;
using XrayAnalysis.Inference;

namespace XrayAnalysis.Tests.Decoding;

/// <summary>Runs the fixture models from tests/fixtures/models/make_fixtures.py, whose outputs are known.</summary>
public sealed class FixtureModelTests
{
    // After class-aware NMS at 0.7: box 1 is suppressed by box 0 (same class, IoU 0.82); box 4 is below conf.
    private static readonly Detection[] ClassAware =
    [
        new(1, 0.9f, 15, 15, 25, 25),
        new(2, 0.7f, 16, 15, 26, 25),
        new(0, 0.6f, 46, 34, 54, 46),
    ];

    [TestCase("v8", OutputLayout.UltralyticsV8)]
    [TestCase("v5", OutputLayout.YoloV5)]
    [TestCase("yolox", OutputLayout.Yolox)]
    [TestCase("v8_static", OutputLayout.UltralyticsV8)]
    public void Each_nms_layout_decodes_to_the_known_boxes(string name, OutputLayout layout)
    {
        using OnnxDetector d = OnnxDetector.Open(TestData.FixtureModel(name));
        Assert.That(d.Model.Layout, Is.EqualTo(layout));
        List<Detection>[] r = d.Run(new float[d.InputFloatsPerImage], 1, out _, out _);
        AssertBoxes(r[0], ClassAware);
    }

    [TestCase("end2end", OutputLayout.EndToEnd)]
    [TestCase("rtdetr", OutputLayout.RtDetr)]
    public void End_to_end_layouts_are_thresholded_without_nms(string name, OutputLayout layout)
    {
        using OnnxDetector d = OnnxDetector.Open(TestData.FixtureModel(name));
        Assert.That(d.Model.Layout, Is.EqualTo(layout));
        Assert.That(d.Model.ResizeMode, Is.EqualTo(layout == OutputLayout.RtDetr ? XrayAnalysis.Preprocessing.ResizeMode.Stretch : XrayAnalysis.Preprocessing.ResizeMode.Letterbox));
        List<Detection>[] r = d.Run(new float[d.InputFloatsPerImage], 1, out _, out _);
        AssertBoxes(r[0], [ClassAware[0], new(1, 0.8f, 16, 15, 26, 25), ClassAware[1], ClassAware[2]]);
    }

    [Test]
    public void Agnostic_nms_also_suppresses_the_overlapping_box_of_another_class()
    {
        using OnnxDetector d = OnnxDetector.Open(TestData.FixtureModel("v8"), new DetectorOptions { AgnosticNms = true });
        List<Detection>[] r = d.Run(new float[d.InputFloatsPerImage], 1, out _, out _);
        AssertBoxes(r[0], [ClassAware[0], ClassAware[2]]);
    }

    [Test]
    public void Class_filter_max_det_and_confidence_apply()
    {
        using OnnxDetector d = OnnxDetector.Open(TestData.FixtureModel("v8"), new DetectorOptions { Classes = new HashSet<int> { 0, 2 }, Confidence = 0.1f, MaxDetections = 2 });
        List<Detection>[] r = d.Run(new float[d.InputFloatsPerImage], 1, out _, out _);
        AssertBoxes(r[0], [ClassAware[1], ClassAware[2]]);
    }

    [Test]
    public void A_dynamic_batch_runs_several_images_in_one_call_with_identical_results()
    {
        using OnnxDetector d = OnnxDetector.Open(TestData.FixtureModel("v8"), new DetectorOptions { BatchSize = 3 });
        Assert.That(d.MaxBatch, Is.EqualTo(3));
        List<Detection>[] r = d.Run(new float[3 * d.InputFloatsPerImage], 3, out _, out _);
        Assert.That(r, Has.Length.EqualTo(3));
        foreach (List<Detection> one in r)
        {
            AssertBoxes(one, ClassAware);
        }
    }

    [Test]
    public void A_static_batch_model_runs_one_image_per_call()
    {
        using OnnxDetector d = OnnxDetector.Open(TestData.FixtureModel("v8_static"), new DetectorOptions { BatchSize = 8 });
        Assert.That(d.MaxBatch, Is.EqualTo(1));
    }

    [Test]
    public void Class_names_come_from_metadata_then_sidecar_then_defaults()
    {
        using OnnxDetector v8 = OnnxDetector.Open(TestData.FixtureModel("v8"));
        using OnnxDetector v5 = OnnxDetector.Open(TestData.FixtureModel("v5"));
        using OnnxDetector x = OnnxDetector.Open(TestData.FixtureModel("yolox"));
        Assert.That((v8.Model.ClassNamesSource, v5.Model.ClassNamesSource, x.Model.ClassNamesSource), Is.EqualTo((ClassNamesSource.Metadata, ClassNamesSource.Profile, ClassNamesSource.Default)));
        Assert.That(v5.Model.ClassNames, Is.EqualTo(new[] { "narcotics_brick", "narcotics_packet", "tablet_cluster" }));
        Assert.That(x.Model.ClassNames, Is.EqualTo(new[] { "class_0", "class_1", "class_2" }));
    }

    [Test]
    public void An_unknown_layout_refuses_to_start_naming_tensor_and_shape()
    {
        var ex = Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(TestData.FixtureModel("unknown_layout")));
        Assert.That(ex!.Message, Does.Contain("cannot decode output 'output0' with shape [1, 7, 3]"));
    }

    [Test]
    public void A_forced_layout_that_does_not_fit_is_refused()
    {
        var ex = Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(TestData.FixtureModel("v8"), new DetectorOptions { Layout = OutputLayout.EndToEnd }));
        Assert.That(ex!.Message, Does.Contain("the requested layout end2end [1, K, 6] does not fit"));
    }

    [Test]
    public void A_hash_mismatch_refuses_to_start()
    {
        var ex = Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(TestData.FixtureModel("v8"), new DetectorOptions { ExpectedSha256 = new string('0', 64) }));
        Assert.That(ex!.Message, Does.Contain("differs from the pinned"));
    }

    [Test]
    public void A_file_that_is_not_onnx_is_refused()
    {
        var ex = Assert.Throws<ModelLoadException>(() => OnnxDetector.Open(TestData.FixtureModel("not_a_model")));
        Assert.That(ex!.Message, Does.Contain("ONNX Runtime cannot load the model"));
    }

    private static void AssertBoxes(List<Detection> actual, Detection[] expected)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Length), string.Join("; ", actual));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i].ClassId, Is.EqualTo(expected[i].ClassId), $"box {i}");
            Assert.That(actual[i].Score, Is.EqualTo(expected[i].Score).Within(1e-5), $"box {i}");
            Assert.That(new[] { actual[i].X1, actual[i].Y1, actual[i].X2, actual[i].Y2 },
                Is.EqualTo(new[] { expected[i].X1, expected[i].Y1, expected[i].X2, expected[i].Y2 }).Within(1e-3), $"box {i}");
        }
    }
}
