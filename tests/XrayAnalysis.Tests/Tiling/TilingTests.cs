using XrayAnalysis.Merging;
using XrayAnalysis.Tiling;

namespace XrayAnalysis.Tests.Tiling;

public sealed class TilingTests
{
    [Test]
    public void Tiles_cover_the_image_stay_inside_and_overlap_by_at_least_the_ratio()
    {
        var rng = new Random(42);
        for (int trial = 0; trial < 300; trial++)
        {
            int w = rng.Next(1, 6000), h = rng.Next(1, 3000), size = rng.Next(32, 1024);
            double overlap = rng.NextDouble() * 0.5;
            List<Tile> tiles = TilePlanner.Plan(w, h, size, overlap);
            var covered = new bool[Math.Min(w, 200)];
            foreach (Tile t in tiles)
            {
                Assert.That(t.X >= 0 && t.Y >= 0 && t.X + t.Width <= w && t.Y + t.Height <= h, Is.True, $"{t} in {w}x{h}");
                Assert.That((t.Width, t.Height), Is.EqualTo((Math.Min(size, w), Math.Min(size, h))));
            }

            int[] xs = TilePlanner.Starts(w, size, overlap);
            Assert.That(xs[0], Is.EqualTo(0));
            Assert.That(xs[^1] + Math.Min(size, w), Is.EqualTo(w), "last column ends at the border");
            for (int i = 1; i < xs.Length; i++)
            {
                Assert.That(xs[i] - xs[i - 1], Is.LessThanOrEqualTo(size - (int)(overlap * size)), "gaps never exceed the step");
                Assert.That(xs[i], Is.GreaterThan(xs[i - 1]));
            }

            Assert.That(tiles, Has.Count.EqualTo(xs.Length * TilePlanner.Starts(h, size, overlap).Length));
        }
    }

    [Test]
    public void Sahi_example_1000_px_with_512_tiles_and_ratio_0_2()
    {
        // overlap = int(0.2·512) = 102, step 410: 0, 410, then the last shifts back to 1000 − 512 = 488.
        Assert.That(TilePlanner.Starts(1000, 512, 0.2), Is.EqualTo(new[] { 0, 410, 488 }));
    }

    [Test]
    public void Inner_edges_are_flagged_and_image_borders_are_not()
    {
        List<Tile> t = TilePlanner.Plan(1000, 400, 400, 0.2);
        Assert.That(t[0], Is.EqualTo(new Tile(0, 0, 400, 400, false, false, true, false)));
        Assert.That(t[^1].InnerLeft && !t[^1].InnerRight, Is.True);
    }

    [Test]
    public void A_threat_across_a_seam_becomes_one_box_the_size_of_the_object()
    {
        // Object (300..420) x (50..110). Tile A (0..400) sees a fragment cut at its right edge; tile B (320..720) sees
        // another cut at its left edge; the full object also lies inside tile C in the overlap pass.
        var candidates = new List<MergeCandidate>
        {
            new(new Detection(0, 0.70f, 300, 50, 399, 110), true, 0),
            new(new Detection(0, 0.60f, 320, 50, 420, 110), true, 1),
        };
        List<Detection> merged = BoxMerger.Merge(candidates, new MergeOptions());
        Assert.That(merged, Has.Count.EqualTo(1));
        Assert.That(merged[0], Is.EqualTo(new Detection(0, 0.70f, 300, 50, 420, 110)));

        candidates.Add(new(new Detection(0, 0.75f, 301, 51, 419, 109), false, 2));
        merged = BoxMerger.Merge(candidates, new MergeOptions());
        Assert.That(merged, Is.EqualTo(new[] { new Detection(0, 0.75f, 301, 51, 419, 109) }), "fragments are absorbed by the complete box");
    }

    [Test]
    public void A_fragment_never_enlarges_a_complete_box()
    {
        var c = new List<MergeCandidate>
        {
            new(new Detection(0, 0.9f, 100, 100, 200, 160), false, 0),
            new(new Detection(0, 0.5f, 150, 100, 260, 160), true, 1),
        };
        Assert.That(BoxMerger.Merge(c, new MergeOptions { Threshold = 0.4f }), Is.EqualTo(new[] { new Detection(0, 0.9f, 100, 100, 200, 160) }));
    }

    [Test]
    public void A_fragment_grows_only_by_other_tiles_boxes_scoring_at_least_half_as_high()
    {
        // A fragment cut at tile 0's right edge (x = 200); three matching boxes around it.
        var fragment = new MergeCandidate(new Detection(0, 0.8f, 120, 100, 200, 160), true, 0);
        var sameTile = new MergeCandidate(new Detection(0, 0.7f, 100, 100, 180, 190), false, 0);
        var weakOther = new MergeCandidate(new Detection(0, 0.39f, 150, 100, 300, 160), true, 1);
        var strongOther = new MergeCandidate(new Detection(0, 0.4f, 160, 100, 240, 160), true, 1);
        var opts = new MergeOptions();

        Assert.That(BoxMerger.Merge([fragment, sameTile], opts), Is.EqualTo(new[] { fragment.Box }), "its own tile's box is another prediction");
        Assert.That(BoxMerger.Merge([fragment, weakOther], opts), Is.EqualTo(new[] { fragment.Box }), "0.39 < half of 0.8");
        Assert.That(BoxMerger.Merge([fragment, strongOther], opts), Is.EqualTo(new[] { new Detection(0, 0.8f, 120, 100, 240, 160) }));
        Assert.That(BoxMerger.Merge([fragment, weakOther], opts with { GrowScoreRatio = 0 }), Is.EqualTo(new[] { new Detection(0, 0.8f, 120, 100, 300, 160) }),
            "ratio 0: any other tile's match");
        Assert.That(() => new MergeOptions { GrowScoreRatio = 1.01f }, Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void A_complete_box_keeps_its_extent_however_many_low_scored_boxes_lie_around_it()
    {
        // What mAP's confidence floor of 0.001 lets through next to a confident box: it must come out as it does at 0.5.
        var keep = new MergeCandidate(new Detection(0, 0.9f, 100, 100, 200, 160), false, 0);
        var c = new List<MergeCandidate> { keep };
        var rng = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            float x = 60 + ((float)rng.NextDouble() * 100), y = 60 + ((float)rng.NextDouble() * 80);
            c.Add(new(new Detection(0, 0.001f + ((float)rng.NextDouble() * 0.3f), x, y, x + 40 + ((float)rng.NextDouble() * 80), y + 30 + ((float)rng.NextDouble() * 60)), rng.Next(2) == 0, rng.Next(4)));
        }

        Assert.That(BoxMerger.Merge(c, new MergeOptions())[0], Is.EqualTo(keep.Box));
        Assert.That(BoxMerger.Merge(c, new MergeOptions { Metric = MatchMetric.Iou, Threshold = 0.3f })[0], Is.EqualTo(keep.Box));
    }

    [Test]
    public void Nms_keeps_the_best_box_and_nmm_grows_only_fragments_and_classes_stay_apart_unless_agnostic()
    {
        var c = new List<MergeCandidate>
        {
            new(new Detection(1, 0.9f, 0, 0, 100, 100), false, 0),
            new(new Detection(1, 0.8f, 10, 0, 110, 100), false, 1),
            new(new Detection(2, 0.7f, 0, 0, 100, 100), false, 1),
        };
        Assert.That(BoxMerger.Merge(c, new MergeOptions { Method = MergeMethod.Nms, Metric = MatchMetric.Iou }),
            Is.EqualTo(new[] { c[0].Box, c[2].Box }));
        Assert.That(BoxMerger.Merge(c, new MergeOptions { Method = MergeMethod.GreedyNmm, Metric = MatchMetric.Iou }),
            Is.EqualTo(new[] { c[0].Box, c[2].Box }), "complete boxes keep their extent");
        c[0] = c[0] with { Truncated = true };
        Assert.That(BoxMerger.Merge(c, new MergeOptions { Method = MergeMethod.GreedyNmm, Metric = MatchMetric.Iou }),
            Is.EqualTo(new[] { new Detection(1, 0.9f, 0, 0, 110, 100), c[2].Box }), "a fragment encloses the other tile's box");
        Assert.That(BoxMerger.Merge(c, new MergeOptions { Method = MergeMethod.Nms, ClassAgnostic = true }), Has.Count.EqualTo(1));
    }

    [TestCase(MergeMethod.Nms, MatchMetric.Iou, 0.3f, false, 0.5f)]
    [TestCase(MergeMethod.GreedyNmm, MatchMetric.Ios, 0.5f, false, 0.5f)]
    [TestCase(MergeMethod.GreedyNmm, MatchMetric.Iou, 0.4f, true, 0f)]
    public void Merging_with_the_grid_index_equals_brute_force(MergeMethod method, MatchMetric metric, float threshold, bool agnostic, float grow)
    {
        var rng = new Random(5);
        var c = new List<MergeCandidate>();
        for (int i = 0; i < 3000; i++)
        {
            float x = (float)rng.NextDouble() * 3000, y = (float)rng.NextDouble() * 800, w = 10 + ((float)rng.NextDouble() * 120), h = 10 + ((float)rng.NextDouble() * 80);

            // Tied scores (rounded to 0.05), some huge boxes, some degenerate or hostile ones.
            float score = MathF.Round((float)rng.NextDouble() * 20) / 20;
            (x, w) = (i % 97) switch
            {
                0 => (x, 2500f),
                1 => (x, 0f),
                2 => (float.NaN, w),
                3 => (-1e30f, 2e30f),
                _ => (x, w),
            };
            c.Add(new MergeCandidate(new Detection(rng.Next(3), i % 89 == 0 ? -0f : score, x, y, x + w, y + h), rng.Next(4) == 0, rng.Next(6)));
        }

        var opts = new MergeOptions { Method = method, Metric = metric, Threshold = threshold, ClassAgnostic = agnostic, GrowScoreRatio = grow };
        List<Detection> fast = BoxMerger.Merge(c, opts);

        // Brute force with the same order: every pair compared.
        var order = Enumerable.Range(0, c.Count).OrderByDescending(i => c[i].Box.Score).ThenBy(i => c[i].Truncated).ThenBy(i => i).ToList();
        var done = new bool[c.Count];
        var slow = new List<Detection>();
        foreach (int i in order)
        {
            if (done[i])
            {
                continue;
            }

            done[i] = true;
            Detection keep = c[i].Box;
            float x1 = keep.X1, y1 = keep.Y1, x2 = keep.X2, y2 = keep.Y2;
            foreach (int j in order)
            {
                if (!done[j] && (agnostic || c[j].Box.ClassId == keep.ClassId) && BoxMerger.Match(keep, c[j].Box, metric) >= threshold)
                {
                    done[j] = true;
                    if (method == MergeMethod.GreedyNmm && c[i].Truncated && c[j].Source != c[i].Source && c[j].Box.Score >= opts.GrowScoreRatio * keep.Score)
                    {
                        x1 = MathF.Min(x1, c[j].Box.X1);
                        y1 = MathF.Min(y1, c[j].Box.Y1);
                        x2 = MathF.Max(x2, c[j].Box.X2);
                        y2 = MathF.Max(y2, c[j].Box.Y2);
                    }
                }
            }

            slow.Add(keep with { X1 = x1, Y1 = y1, X2 = x2, Y2 = y2 });
        }

        Assert.That(fast, Has.Count.LessThan(c.Count), "the data has something to merge");
        Assert.That(fast, Is.EqualTo(slow));
    }
}
