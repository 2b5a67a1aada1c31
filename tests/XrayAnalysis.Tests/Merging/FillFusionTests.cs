using XrayAnalysis.Merging;

namespace XrayAnalysis.Tests.Merging;

/// <summary>Weighted boxes fusion of the passes of several fills (<see cref="FillFusion"/>).</summary>
public sealed class FillFusionTests
{
    private static readonly Dictionary<int, float> NoClassThresholds = [];

    private static List<Detection> Fuse(bool agnostic = false, float conf = 0, int maxDet = 300, params List<Detection>[] passes) =>
        FillFusion.Fuse(passes, agnostic, conf, NoClassThresholds, maxDet);

    [Test]
    public void A_box_every_pass_agrees_on_keeps_its_score_and_corners()
    {
        var d = new Detection(1, 0.8f, 10, 20, 110, 70);
        List<Detection> f = Fuse(passes: [[d], [d]]);
        Assert.That(f, Has.Count.EqualTo(1));
        Assert.That(f[0].Score, Is.EqualTo(0.8f).Within(1e-6));
        Assert.That(new[] { f[0].X1, f[0].Y1, f[0].X2, f[0].Y2 }, Is.EqualTo(new[] { 10f, 20f, 110f, 70f }).Within(1e-4));
        Assert.That(f[0].ClassId, Is.EqualTo(1));
    }

    [Test]
    public void A_box_one_pass_of_two_sees_keeps_half_its_score()
    {
        List<Detection> f = Fuse(passes: [[new(0, 0.9f, 0, 0, 10, 10)], []]);
        Assert.That(f.Single().Score, Is.EqualTo(0.45f).Within(1e-6));
        f = Fuse(passes: [[], [new(0, 0.9f, 0, 0, 10, 10)], []]);
        Assert.That(f.Single().Score, Is.EqualTo(0.3f).Within(1e-6));
    }

    [Test]
    public void Matching_boxes_fuse_into_the_score_weighted_mean_of_their_corners_and_the_mean_score()
    {
        // IoU of the two = 80 / 120 = 0.67, above 0.55.
        List<Detection> f = Fuse(passes: [[new(0, 0.8f, 0, 0, 10, 10)], [new(0, 0.4f, 2, 0, 12, 10)]]);
        Assert.That(f, Has.Count.EqualTo(1));
        Assert.That(f[0].Score, Is.EqualTo(0.6f).Within(1e-6));
        Assert.That(f[0].X1, Is.EqualTo(0.8f / 1.2f).Within(1e-4));
        Assert.That(f[0].X2, Is.EqualTo(10 + (0.8f / 1.2f)).Within(1e-4));

        // IoU 50 / 150 = 0.33: two boxes, each at half its score.
        f = Fuse(passes: [[new(0, 0.8f, 0, 0, 10, 10)], [new(0, 0.4f, 5, 0, 15, 10)]]);
        Assert.That(f.Select(d => d.Score), Is.EqualTo(new[] { 0.4f, 0.2f }).Within(1e-6));
    }

    [Test]
    public void The_result_does_not_depend_on_the_order_of_the_passes()
    {
        var a = new List<Detection> { new(0, 0.8f, 0, 0, 10, 10), new(1, 0.6f, 50, 50, 80, 90), new(0, 0.3f, 100, 0, 120, 30) };
        var b = new List<Detection> { new(0, 0.7f, 1, 1, 11, 10), new(1, 0.5f, 52, 49, 80, 92), new(2, 0.2f, 200, 200, 220, 230) };
        List<Detection> ab = Fuse(passes: [a, b]), ba = Fuse(passes: [b, a]);
        Assert.That(ab, Has.Count.EqualTo(ba.Count));
        for (int i = 0; i < ab.Count; i++)
        {
            Assert.That(ab[i].ClassId, Is.EqualTo(ba[i].ClassId));
            Assert.That(ab[i].Score, Is.EqualTo(ba[i].Score).Within(1e-6));
            Assert.That(new[] { ab[i].X1, ab[i].Y1, ab[i].X2, ab[i].Y2 }, Is.EqualTo(new[] { ba[i].X1, ba[i].Y1, ba[i].X2, ba[i].Y2 }).Within(1e-4));
        }
    }

    [Test]
    public void A_passs_lower_duplicate_in_a_cluster_it_voted_in_is_dropped_so_adding_a_box_never_lowers_a_score()
    {
        var hit = new Detection(0, 0.8f, 0, 0, 10, 10);
        float alone = Fuse(passes: [[hit], [hit]]).Single().Score;
        List<Detection> f = Fuse(passes: [[hit, new(0, 0.1f, 0.5f, 0, 10.5f, 10)], [hit]]);
        Assert.That(f.Single().Score, Is.EqualTo(alone).Within(1e-6));
        Assert.That(f.Single().X1, Is.EqualTo(0).Within(1e-6), "the duplicate does not move the corners either");
    }

    [Test]
    public void Classes_fuse_separately_unless_agnostic_where_the_best_box_gives_the_class()
    {
        List<Detection>[] passes = [[new(0, 0.9f, 0, 0, 10, 10)], [new(2, 0.5f, 0, 0, 10, 10)]];
        Assert.That(Fuse(passes: passes), Has.Count.EqualTo(2));
        List<Detection> agnostic = Fuse(agnostic: true, passes: passes);
        Assert.That(agnostic.Single().ClassId, Is.Zero);
        Assert.That(agnostic.Single().Score, Is.EqualTo(0.7f).Within(1e-6));
    }

    [Test]
    public void The_confidence_and_class_thresholds_apply_to_the_fused_scores_and_max_det_keeps_the_best()
    {
        List<Detection>[] passes = [[new(0, 0.9f, 0, 0, 10, 10), new(1, 0.9f, 50, 50, 60, 60), new(0, 0.6f, 100, 100, 110, 110)], [new(0, 0.8f, 0, 0, 10, 10), new(0, 0.6f, 100, 100, 110, 110)]];
        Assert.That(Fuse(conf: 0.5f, passes: passes).Select(d => d.Score), Is.EqualTo(new[] { 0.85f, 0.6f }).Within(1e-6),
            "the box one pass saw at 0.9 scores 0.45: under 0.5");
        Assert.That(Fuse(conf: 0.6f, passes: passes).Select(d => d.Score), Is.EqualTo(new[] { 0.85f }).Within(1e-6), "at or below the confidence: dropped");
        List<Detection> perClass = FillFusion.Fuse(passes, false, 0, new Dictionary<int, float> { [0] = 0.7f }, 300);
        Assert.That(perClass.Select(d => d.ClassId), Is.EqualTo(new[] { 0, 1 }), "class 0's fused 0.6 is under its 0.7");
        Assert.That(perClass.Select(d => d.Score), Is.EqualTo(new[] { 0.85f, 0.45f }).Within(1e-6));
        Assert.That(Fuse(maxDet: 1, passes: passes).Select(d => d.Score), Is.EqualTo(new[] { 0.85f }).Within(1e-6));
    }

    [Test]
    public void One_pass_comes_back_as_it_was_and_no_pass_gives_nothing()
    {
        var one = new List<Detection> { new(0, 0.9f, 0, 0, 10, 10), new(1, 0.3f, 20, 20, 40, 40) };
        Assert.That(Fuse(passes: [one]), Is.EqualTo(one));
        Assert.That(Fuse(passes: [[], []]), Is.Empty);
        Assert.That(Fuse(passes: []), Is.Empty);
    }
}
