using XrayAnalysis.Evaluation;

namespace XrayAnalysis.Tests.Evaluation;

/// <summary>The COCO evaluation runs across categories and images in parallel and must equal the one-thread run bit for bit.</summary>
public sealed class CocoParallelTests
{
    [Test]
    public void ParallelEvaluationIsBitIdenticalToTheSequentialOne()
    {
        var rng = new Random(11);
        var images = new List<CocoImage>();
        var anns = new List<CocoAnnotation>();
        var dets = new List<CocoDetection>();
        for (int i = 1; i <= 1500; i++)
        {
            images.Add(new CocoImage(i, $"s{i}.png", 1024, 768, null));
            for (int k = rng.Next(0, 4); k > 0; k--)
            {
                double x = rng.Next(900), y = rng.Next(650), w = 8 + rng.Next(150), h = 8 + rng.Next(150);
                int cat = 1 + rng.Next(3);
                anns.Add(new CocoAnnotation(anns.Count + 1, i, cat, [x, y, w, h], w * h, rng.Next(40) == 0));
                dets.Add(new CocoDetection(i, cat, [x + rng.Next(-8, 8), y + rng.Next(-8, 8), w, h], Math.Round(rng.NextDouble(), 2)));
            }

            while (dets.Count < i * 12)
            {
                // Rounded scores: plenty of ties, where the order of equal scores decides the outcome.
                dets.Add(new CocoDetection(i, 1 + rng.Next(3), [rng.Next(900), rng.Next(650), 8 + rng.Next(150), 8 + rng.Next(150)], Math.Round(rng.NextDouble() * 0.6, 2)));
            }
        }

        var gt = new CocoDataset { Images = images, Annotations = anns, Categories = [new(1, "a"), new(2, "b"), new(3, "c")] };
        CocoEvalResult one = CocoEvaluator.Evaluate(gt, dets, parallel: false);
        for (int run = 0; run < 3; run++)
        {
            CocoEvalResult many = CocoEvaluator.Evaluate(gt, dets, parallel: true);
            Assert.That(many.Stats, Is.EqualTo(one.Stats), "the 12 stats, exactly");
            Assert.That(many.Precision.Cast<double>().SequenceEqual(one.Precision.Cast<double>()), Is.True, "every cell of the precision array");
            Assert.That(many.PerCategoryAp, Is.EqualTo(one.PerCategoryAp));
        }
    }
}
