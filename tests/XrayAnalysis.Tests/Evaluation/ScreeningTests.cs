using XrayAnalysis.Evaluation;

namespace XrayAnalysis.Tests.Evaluation;

public sealed class ScreeningTests
{
    private static readonly CocoDataset Gt = new()
    {
        Images = [new(1, "t1.png", 100, 100, "mail"), new(2, "t2.png", 100, 100, "mail"), new(3, "c1.png", 100, 100, "mail"), new(4, "c2.png", 100, 100, "baggage")],
        Annotations = [new(1, 1, 1, [10, 10, 20, 20], 400, false), new(2, 2, 1, [50, 50, 20, 20], 400, false)],
        Categories = [new(1, "narcotics_brick")],
    };

    [Test]
    public void Pd_far_and_object_pd_count_scans_and_objects()
    {
        CocoDetection[] d = [new(1, 1, [10, 10, 20, 20], 0.9), new(2, 1, [0, 0, 5, 5], 0.8), new(3, 1, [0, 0, 5, 5], 0.6), new(4, 1, [0, 0, 5, 5], 0.2)];
        ScreeningResult r = ScreeningEvaluator.Evaluate(Gt, d, 0.5);
        Assert.That((r.Scans.Pd.Count, r.Scans.Pd.N, r.Scans.Far.Count, r.Scans.Far.N), Is.EqualTo((2, 2, 1, 2)));
        Assert.That((r.ObjectPdIou50.Count, r.ObjectPdIou50.N), Is.EqualTo((1, 2)));
        Assert.That(r.PerRoute["baggage"].Far.Value, Is.EqualTo(0));
    }

    [Test]
    public void A_scan_that_was_not_read_completely_counts_as_an_alarm()
    {
        ScreeningResult r = ScreeningEvaluator.Evaluate(Gt, [], 0.5, new HashSet<long> { 3 });
        Assert.That((r.Scans.Far.Count, r.NotOkImages), Is.EqualTo((1, new long[] { 3 })));
    }

    [Test]
    public void Wilson_interval_matches_the_textbook_value()
    {
        // 8 of 10: Wilson 95% = [0.4902, 0.9433].
        (double lo, double hi) = Wilson.Interval(8, 10);
        Assert.That(lo, Is.EqualTo(0.4902).Within(1e-4));
        Assert.That(hi, Is.EqualTo(0.9433).Within(1e-4));
    }

    [Test]
    public void The_chosen_threshold_reaches_the_target_pd()
    {
        CocoDetection[] d = [new(1, 1, [10, 10, 20, 20], 0.9), new(2, 1, [50, 50, 20, 20], 0.4), new(3, 1, [0, 0, 5, 5], 0.6)];
        Assert.That(ScreeningEvaluator.ChooseThreshold(Gt, d, 1.0, null), Is.EqualTo(0.4));
        Assert.That(ScreeningEvaluator.ChooseThreshold(Gt, d, null, 0.0), Is.EqualTo(0.9));
    }
}
