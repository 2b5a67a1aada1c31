using XrayAnalysis.Merging;

namespace XrayAnalysis.Tests.Merging;

public sealed class NonMaxSuppressionTests
{
    [Test]
    public void On_tied_scores_the_earlier_candidate_wins()
    {
        var c = new List<Detection> { new(0, 0.5f, 0, 0, 10, 10), new(0, 0.5f, 1, 0, 11, 10) };
        List<Detection> kept = NonMaxSuppression.Apply(c, 0.5f, false, 10);
        Assert.That(kept, Is.EqualTo(new[] { c[0] }));
    }

    [Test]
    public void Iou_exactly_at_the_threshold_is_kept()
    {
        // IoU = 50 / 150 = 1/3.
        var c = new List<Detection> { new(0, 0.9f, 0, 0, 10, 10), new(0, 0.8f, 5, 0, 15, 10) };
        float iou = Detection.IoU(c[0], c[1]);
        Assert.That(NonMaxSuppression.Apply(c, iou, false, 10), Has.Count.EqualTo(2));
        Assert.That(NonMaxSuppression.Apply(c, iou - 1e-4f, false, 10), Has.Count.EqualTo(1));
    }

    [Test]
    public void Per_class_nms_keeps_overlapping_boxes_of_different_classes_and_agnostic_does_not()
    {
        var c = new List<Detection> { new(0, 0.9f, 0, 0, 10, 10), new(1, 0.8f, 0, 0, 10, 10) };
        Assert.That(NonMaxSuppression.Apply(c, 0.5f, agnostic: false, 10), Has.Count.EqualTo(2));
        Assert.That(NonMaxSuppression.Apply(c, 0.5f, agnostic: true, 10), Has.Count.EqualTo(1));
    }
}
