using XrayAnalysis.Decoding;

namespace XrayAnalysis.Tests.Decoding;

public sealed class LayoutResolverTests
{
    [TestCase(new long[] { 1, 84, 8400 }, OutputLayout.UltralyticsV8)]
    [TestCase(new long[] { 84, 8400 }, OutputLayout.UltralyticsV8)]
    [TestCase(new long[] { 1, 25200, 85 }, OutputLayout.YoloV5)]
    [TestCase(new long[] { 1, 25200, 6 }, OutputLayout.YoloV5)]
    [TestCase(new long[] { 1, 8400, 85 }, OutputLayout.Yolox)]
    [TestCase(new long[] { 1, 300, 6 }, OutputLayout.EndToEnd)]
    [TestCase(new long[] { 1, 300, 84 }, OutputLayout.RtDetr)]
    public void Common_exports_at_640_resolve_from_shape_alone(long[] shape, OutputLayout expected)
    {
        Assert.That(LayoutResolver.Resolve("out", shape, 640, 640, null, null).Layout, Is.EqualTo(expected));
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
