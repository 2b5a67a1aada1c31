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
    public void Object_pd_is_broken_down_by_concealment_when_the_ground_truth_names_it()
    {
        CocoDataset tagged = new()
        {
            Images = Gt.Images,
            Annotations =
            [
                new(1, 1, 1, [10, 10, 20, 20], 400, false) { Concealment = "book" },
                new(2, 2, 1, [50, 50, 20, 20], 400, false) { Concealment = "book" },
                new(3, 2, 1, [10, 60, 20, 20], 400, false) { Concealment = "none" },
                new(4, 1, 1, [60, 10, 20, 20], 400, false),
            ],
            Categories = Gt.Categories,
        };
        CocoDetection[] d = [new(1, 1, [10, 10, 20, 20], 0.9), new(2, 1, [12, 62, 20, 20], 0.8), new(2, 1, [50, 50, 20, 20], 0.3)];
        ScreeningResult r = ScreeningEvaluator.Evaluate(tagged, d, 0.5);
        Assert.That(r.PerConcealment.Keys, Is.EqualTo(new[] { "book", "none" }), "untagged boxes count in the totals only");
        Assert.That((r.PerConcealment["book"].Iou50.Count, r.PerConcealment["book"].Iou50.N), Is.EqualTo((1, 2)), "the second book is below the threshold");
        Assert.That((r.PerConcealment["none"].Iou50.Count, r.PerConcealment["none"].Iou50.N), Is.EqualTo((1, 1)));
        Assert.That((r.ObjectPdIou50.Count, r.ObjectPdIou50.N), Is.EqualTo((2, 4)));
        string md = EvalReport.Markdown(tagged, CocoEvaluator.Evaluate(tagged, d), r, []);
        Assert.That(md, Does.Contain("| concealment | object Pd IoU ≥ 0.1 | object Pd IoU ≥ 0.5 |").And.Contain("| book | 0.5000 (1/2) | 0.5000 (1/2) |"));
        Assert.That(ScreeningEvaluator.Evaluate(Gt, d, 0.5).PerConcealment, Is.Empty, "nothing tagged, no table");
        Assert.That(EvalReport.Markdown(Gt, CocoEvaluator.Evaluate(Gt, d), ScreeningEvaluator.Evaluate(Gt, d, 0.5), []), Does.Not.Contain("concealment"));
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

    /// <summary>A seeded random screening set: some threat scans, some with no detections, tied and quantised scores, not-ok scans.</summary>
    private static (CocoDataset Gt, List<CocoDetection> Dets, HashSet<long> NotOk) RandomSet(int seed, int images)
    {
        var rng = new Random(seed);
        var imgs = new List<CocoImage>();
        var anns = new List<CocoAnnotation>();
        var dets = new List<CocoDetection>();
        var notOk = new HashSet<long>();
        for (int i = 1; i <= images; i++)
        {
            imgs.Add(new CocoImage(i, $"s{i}.png", 100, 100, i % 3 == 0 ? "mail" : "baggage"));
            bool threat = rng.NextDouble() < 0.3;
            if (threat)
            {
                anns.Add(new CocoAnnotation(i, i, 1, [10, 10, 20, 20], 400, rng.NextDouble() < 0.05));
            }

            if (rng.NextDouble() < 0.03)
            {
                notOk.Add(i);
            }

            int n = rng.Next(0, 6);
            for (int k = 0; k < n; k++)
            {
                // Scores on a 0.01 grid (ties across scans), threat scans scoring higher on average.
                double score = Math.Round(Math.Clamp((rng.NextDouble() * 0.8) + (threat ? 0.2 : 0), 0, 1), 2);
                dets.Add(new CocoDetection(i, 1, [10, 10, 20, 20], score));
            }
        }

        return (new CocoDataset { Images = imgs, Annotations = anns, Categories = [new(1, "narcotics_brick")] }, dets, notOk);
    }

    [Test]
    public void The_one_sort_threshold_sweep_chooses_what_a_full_evaluation_per_candidate_chooses()
    {
        int compared = 0;
        for (int seed = 1; seed <= 12; seed++)
        {
            (CocoDataset gt, List<CocoDetection> dets, HashSet<long> notOk) = RandomSet(seed, 40 + (seed * 7));
            foreach (HashSet<long>? bad in new[] { null, notOk })
            {
                foreach (double pd in new[] { 0.0, 0.5, 0.8, 0.95, 1.0 })
                {
                    Assert.That(ScreeningEvaluator.ChooseThreshold(gt, dets, pd, null, bad),
                        Is.EqualTo(ScreeningEvaluator.ChooseThresholdByEvaluation(gt, dets, pd, null, bad)), $"seed {seed}, Pd {pd}");
                    compared++;
                }

                foreach (double far in new[] { 0.0, 0.01, 0.05, 0.2, 0.5, 1.0 })
                {
                    Assert.That(ScreeningEvaluator.ChooseThreshold(gt, dets, null, far, bad),
                        Is.EqualTo(ScreeningEvaluator.ChooseThresholdByEvaluation(gt, dets, null, far, bad)), $"seed {seed}, FAR {far}");
                    compared++;
                }
            }
        }

        Assert.That(compared, Is.EqualTo(12 * 2 * 11));
    }

    [Test]
    public void The_threshold_for_a_target_meets_it_on_a_full_evaluation()
    {
        (CocoDataset gt, List<CocoDetection> dets, _) = RandomSet(99, 300);
        double t = ScreeningEvaluator.ChooseThreshold(gt, dets, null, 0.1);
        Assert.That(ScreeningEvaluator.Evaluate(gt, dets, t).Scans.Far.Value, Is.LessThanOrEqualTo(0.1));
        double lower = dets.Select(d => d.Score).Where(s => s < t).DefaultIfEmpty(double.NaN).Max();
        if (!double.IsNaN(lower))
        {
            Assert.That(ScreeningEvaluator.Evaluate(gt, dets, lower).Scans.Far.Value, Is.GreaterThan(0.1), "the next lower score breaks the target");
        }

        // Threat scans without any detection cap the reachable Pd; ask for one below the cap.
        double reachable = ScreeningEvaluator.Evaluate(gt, dets, dets.Min(d => d.Score)).Scans.Pd.Value;
        double want = Math.Round(reachable * 0.9, 3);
        double tp = ScreeningEvaluator.ChooseThreshold(gt, dets, want, null);
        Assert.That(ScreeningEvaluator.Evaluate(gt, dets, tp).Scans.Pd.Value, Is.GreaterThanOrEqualTo(want));
        Assert.Throws<ArgumentException>(() => ScreeningEvaluator.ChooseThreshold(gt, dets, null, null));
    }
}
