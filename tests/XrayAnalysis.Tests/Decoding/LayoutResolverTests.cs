using XrayAnalysis.Decoding;

namespace XrayAnalysis.Tests.Decoding;

public sealed class LayoutResolverTests
{
    [TestCase(new long[] { 1, 84, 8400 }, OutputLayout.UltralyticsV8)]
    [TestCase(new long[] { 84, 8400 }, OutputLayout.UltralyticsV8)]
    [TestCase(new long[] { 1, 25200, 85 }, OutputLayout.YoloV5)]
    [TestCase(new long[] { 1, 25200, 6 }, OutputLayout.YoloV5)]
    [TestCase(new long[] { 1, 8400, 85 }, OutputLayout.Yolox)]
    [TestCase(new long[] { 1, 300, 84 }, OutputLayout.RtDetr)]
    public void Common_exports_at_640_resolve_from_shape_alone(long[] shape, OutputLayout expected)
    {
        Assert.That(LayoutResolver.Resolve("out", shape, 640, 640, null, null).Layout, Is.EqualTo(expected));
    }

    [Test]
    public void Three_hundred_rows_of_six_need_a_hint_to_tell_end_to_end_from_a_two_class_rt_detr()
    {
        var ex = Assert.Throws<XrayAnalysisException>(() => LayoutResolver.Resolve("out", [1, 300, 6], 640, 640, new LayoutHints()));
        Assert.That(ex!.Message, Does.Contain("--layout end2end, --layout rtdetr"));
        Assert.That(LayoutResolver.Resolve("out", [1, 300, 6], 640, 640, new LayoutHints { EndToEnd = true }).Layout, Is.EqualTo(OutputLayout.EndToEnd));
        Assert.That(LayoutResolver.Resolve("out", [1, 300, 6], 640, 640, new LayoutHints { RtDetr = true }).Layout, Is.EqualTo(OutputLayout.RtDetr));
        Assert.That(LayoutResolver.Resolve("out", [1, 300, 6], 640, 640, new LayoutHints { Override = OutputLayout.EndToEnd }).Source, Is.EqualTo(LayoutSource.Override));
    }

    [Test]
    public void An_anchor_based_yolo_fastest_v2_head_is_refused_naming_it_and_no_forced_layout_fits_it()
    {
        // Yolo-FastestV2 at 352 x 352: 22*22 + 11*11 = 605 cells, 3 anchors x (4 box + 1 obj) + 80 classes = 95 columns.
        var ex = Assert.Throws<XrayAnalysisException>(() => LayoutResolver.Resolve("output", [605, 95], 352, 352, new LayoutHints()));
        Assert.That(ex!.Message, Does.Contain("raw per-cell anchor head"));
        foreach (OutputLayout forced in new[] { OutputLayout.UltralyticsV8, OutputLayout.YoloV5, OutputLayout.RtDetr, OutputLayout.Yolox, OutputLayout.EndToEnd })
        {
            var f = Assert.Throws<XrayAnalysisException>(() => LayoutResolver.Resolve("output", [605, 95], 352, 352, new LayoutHints { Override = forced }));
            Assert.That(f!.Message, Does.Contain("does not fit").And.Contain("layouts that fit: none"));
        }
    }

    [Test]
    public void A_raw_rank_5_anchor_head_is_refused_with_the_export_that_would_work()
    {
        var ex = Assert.Throws<XrayAnalysisException>(() => LayoutResolver.Resolve("output", [1, 3, 80, 80, 85], 640, 640, new LayoutHints()));
        Assert.That(ex!.Message, Does.Contain("YOLOv7 export.py --grid"));
    }

    [Test]
    public void A_decoded_grid_head_is_read_with_the_v5_decoder_and_raw_yolox_regressions_with_the_yolox_decoder()
    {
        const int n = 8400, cols = 85;
        var decoded = new float[n * cols];
        var raw = new float[n * cols];
        for (int i = 0; i < n; i++)
        {
            decoded[i * cols] = (i % 80) * 8 + 4; // centres in pixels across the input
            raw[i * cols] = 0.5f;                 // per-cell offsets
        }

        Assert.That(LayoutResolver.Resolve("o", [1, n, cols], 640, 640, new LayoutHints { WarmupOutput = decoded }),
            Is.EqualTo(new LayoutDecision(OutputLayout.YoloV5, n, cols, LayoutSource.ShapeAndValues)));
        Assert.That(LayoutResolver.Resolve("o", [1, n, cols], 640, 640, new LayoutHints { WarmupOutput = raw }).Layout, Is.EqualTo(OutputLayout.Yolox));
    }

    [Test]
    public void An_rt_detr_shape_without_300_queries_or_metadata_is_refused()
    {
        var ex = Assert.Throws<XrayAnalysisException>(() => LayoutResolver.Resolve("o", [1, 120, 84], 640, 640, new LayoutHints()));
        Assert.That(ex!.Message, Does.Contain("--layout rtdetr"));
        Assert.That(LayoutResolver.Resolve("o", [1, 120, 84], 640, 640, new LayoutHints { RtDetr = true }).Layout, Is.EqualTo(OutputLayout.RtDetr));
    }

    [Test]
    public void Grid_points_at_640_are_8400()
    {
        Assert.That(LayoutResolver.GridPoints(640, 640), Is.EqualTo(8400));
        Assert.That(LayoutResolver.GridPoints(416, 416), Is.EqualTo(3549));
    }

    [Test]
    public void A_rank_4_output_is_refused_with_its_shape()
    {
        var ex = Assert.Throws<XrayAnalysisException>(() => LayoutResolver.Resolve("bbox_pred0", [1, 2, 3, 4], 640, 640, null, null));
        Assert.That(ex!.Message, Does.StartWith("cannot decode output 'bbox_pred0' with shape [1, 2, 3, 4]"));
    }
}
