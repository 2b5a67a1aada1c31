using OpenCvSharp;
using XrayAnalysis.Synthesis;

namespace XrayAnalysis.Tests.Synthesis;

public sealed class SynthesisTests : TempDirTest
{
    [Test]
    public void Equal_arguments_give_identical_bytes_and_a_longer_set_keeps_the_earlier_scenes()
    {
        var o = new SynthOptions { Kind = SceneKind.Mail, Seed = 7, Width = 320, Height = 240 };
        string a = Path.Combine(Dir, "a"), b = Path.Combine(Dir, "b"), c = Path.Combine(Dir, "c");
        SynthWriter.Write(o, 3, a);
        SynthWriter.Write(o, 3, b);
        SynthWriter.Write(o, 5, c);
        foreach (string f in Directory.GetFiles(a, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(a, f);
            Assert.That(File.ReadAllBytes(Path.Combine(b, rel)), Is.EqualTo(File.ReadAllBytes(f)), rel);
            if (!rel.StartsWith("annotations", StringComparison.Ordinal))
            {
                Assert.That(File.ReadAllBytes(Path.Combine(c, rel)), Is.EqualTo(File.ReadAllBytes(f)), "extended set: " + rel);
            }
        }
    }

    [TestCase(0.0, 20, 30)]
    [TestCase(33.0, 20, 30)]
    [TestCase(70.0, -15, 50)]
    [TestCase(10.0, 180, 90)]
    public void A_threat_box_is_the_tight_visible_extent_clipped_to_the_image(double angle, int x, int y)
    {
        // Alone on the canvas, the threat's attenuation is the only non-zero signal: its bounding box must equal the box.
        using var c = new SceneCanvas(200, 120, 1.0);
        using Mat brick = Shapes.Box(60, 25, angle, 4, 3);
        c.Add(Material.Narcotic, brick, x, y, ThreatClass.NarcoticsBrick);
        using var mask = new Mat();
        Cv2.Compare(c.AttLow, Scalar.All(0), mask, CmpTypes.GT);
        Rect expected = Cv2.BoundingRect(mask);
        ThreatBox t = c.Threats.Single();
        Assert.That(new Rect(t.X, t.Y, t.Width, t.Height), Is.EqualTo(expected));
    }

    [TestCase(SceneKind.Mail)]
    [TestCase(SceneKind.Express)]
    [TestCase(SceneKind.Baggage)]
    public void Threat_scenes_hold_threats_inside_the_image(SceneKind kind)
    {
        int threats = 0;
        for (int i = 0; i < 12; i++)
        {
            using SceneCanvas c = SceneGenerator.Generate(new SynthOptions { Kind = kind, Seed = 3, ThreatRate = 1 }, i, out bool present);
            Assert.That(present, Is.True);
            foreach (ThreatBox t in c.Threats)
            {
                threats++;
                Assert.That(t.X >= 0 && t.Y >= 0 && t.X + t.Width <= c.Width && t.Y + t.Height <= c.Height, Is.True, t.ToString());
                Assert.That(t.Width * t.Height, Is.GreaterThan(100), t.ToString());
            }
        }

        Assert.That(threats, Is.GreaterThanOrEqualTo(12));
    }

    [TestCase(SceneKind.Mail)]
    [TestCase(SceneKind.Express)]
    [TestCase(SceneKind.Baggage)]
    public void Unseen_concealment_changes_only_the_threats_and_hides_them_all_as_packets(SceneKind kind)
    {
        int threats = 0, changed = 0;
        for (int i = 0; i < 12; i++)
        {
            var o = new SynthOptions { Kind = kind, Seed = 5, ThreatRate = 0.5 };
            using SceneCanvas plain = SceneGenerator.Generate(o, i, out bool present);
            using SceneCanvas unseen = SceneGenerator.Generate(o with { UnseenConcealment = true }, i, out bool presentToo);
            Assert.That(presentToo, Is.EqualTo(present), "the same scenes hold threats");
            if (!present)
            {
                Assert.That(Cv2.Norm(unseen.AttHigh, plain.AttHigh, NormTypes.INF), Is.Zero, "a clean scene is the same scene");
                continue;
            }

            changed += Cv2.Norm(unseen.AttHigh, plain.AttHigh, NormTypes.INF) > 0 ? 1 : 0;
            foreach (ThreatBox t in unseen.Threats)
            {
                threats++;
                Assert.That(t.Class, Is.EqualTo(ThreatClass.NarcoticsPacket), "every unseen carrier holds a packet or pellets");
                Assert.That(t.Concealment, Is.AnyOf(UnseenCarriers), "the box names its unseen carrier");
                Assert.That(t.X >= 0 && t.Y >= 0 && t.X + t.Width <= unseen.Width && t.Y + t.Height <= unseen.Height, Is.True, t.ToString());
                Assert.That(t.Width * t.Height, Is.GreaterThan(100), t.ToString());
            }
        }

        Assert.That(threats, Is.GreaterThanOrEqualTo(4));
        Assert.That(changed, Is.GreaterThanOrEqualTo(4), "threat scenes differ");
    }

    /// <summary>
    /// <see cref="SynthOptions.ConcealedShare"/>: at 1 every threat that is not a letter's thin layer hides inside
    /// electronics, a food tin, a shoe sole or a false bottom; at 0 none does; leaving it out is 0.2, the share before
    /// the option existed; and clean scenes never change.
    /// </summary>
    [TestCase(SceneKind.Mail)]
    [TestCase(SceneKind.Express)]
    [TestCase(SceneKind.Baggage)]
    public void Concealed_share_sets_how_many_threats_hide_inside_ordinary_items(SceneKind kind)
    {
        string[] inside = ["electronics", "food-tin", "shoe-sole", "false-bottom"];
        int concealed = 0, loose = 0;
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 24; i++)
        {
            var o = new SynthOptions { Kind = kind, Seed = 23, ThreatRate = 0.75 };
            using SceneCanvas byDefault = SceneGenerator.Generate(o, i, out bool present);
            using SceneCanvas explicitDefault = SceneGenerator.Generate(o with { ConcealedShare = 0.2 }, i, out _);
            using SceneCanvas every = SceneGenerator.Generate(o with { ConcealedShare = 1 }, i, out bool presentEvery);
            using SceneCanvas never = SceneGenerator.Generate(o with { ConcealedShare = 0 }, i, out bool presentNever);
            Assert.That(Cv2.Norm(explicitDefault.AttHigh, byDefault.AttHigh, NormTypes.INF), Is.Zero, "the default share is 0.2");
            Assert.That((presentEvery, presentNever), Is.EqualTo((present, present)), "the same scenes hold threats");
            if (!present)
            {
                Assert.That(Cv2.Norm(every.AttHigh, byDefault.AttHigh, NormTypes.INF), Is.Zero, "a clean scene is the same scene");
                Assert.That(Cv2.Norm(never.AttHigh, byDefault.AttHigh, NormTypes.INF), Is.Zero, "a clean scene is the same scene");
                continue;
            }

            foreach (ThreatBox t in every.Threats.Where(t => t.Concealment != "letter"))
            {
                Assert.That(t.Concealment, Is.AnyOf(inside), $"scene {i}: share 1 hides every threat inside an item");
                kinds.Add(t.Concealment);
                concealed++;
            }

            foreach (ThreatBox t in never.Threats)
            {
                Assert.That(inside, Does.Not.Contain(t.Concealment), $"scene {i}: share 0 hides none inside an item");
                loose++;
            }
        }

        Assert.That(concealed, Is.GreaterThanOrEqualTo(8));
        Assert.That(loose, Is.GreaterThanOrEqualTo(8));
        Assert.That(kinds, Has.Count.GreaterThanOrEqualTo(3), "the four kinds are drawn in equal parts");
    }

    /// <summary>
    /// <see cref="SynthOptions.Concealments"/>: the default list and the same four names given explicitly make the same
    /// scenes; listing only <c>suitcase-frame</c> puts every concealed threat in a frame rail or handle tube, as a long
    /// thin box inside the scan; the same scenes hold threats either way.
    /// </summary>
    [TestCase(SceneKind.Express)]
    [TestCase(SceneKind.Baggage)]
    public void Concealments_choose_the_hiding_places_and_a_suitcase_frame_hides_a_long_thin_packet(SceneKind kind)
    {
        int frames = 0;
        for (int i = 0; i < 16; i++)
        {
            var o = new SynthOptions { Kind = kind, Seed = 31, ThreatRate = 0.75, ConcealedShare = 1 };
            using SceneCanvas byDefault = SceneGenerator.Generate(o, i, out bool present);
            using SceneCanvas listed = SceneGenerator.Generate(o with { Concealments = ["electronics", "food-tin", "shoe-sole", "false-bottom"] }, i, out _);
            using SceneCanvas frame = SceneGenerator.Generate(o with { Concealments = ["suitcase-frame"] }, i, out bool presentFrame);
            Assert.That(Cv2.Norm(listed.AttHigh, byDefault.AttHigh, NormTypes.INF), Is.Zero, "the four listed are the default");
            Assert.That(presentFrame, Is.EqualTo(present), "the same scenes hold threats");
            foreach (ThreatBox t in frame.Threats)
            {
                Assert.That(t.Concealment, Is.EqualTo("suitcase-frame"), $"scene {i}");
                Assert.That(Math.Max(t.Width, t.Height), Is.GreaterThanOrEqualTo(2 * Math.Min(t.Width, t.Height)), $"scene {i}: a tube's fill is long and thin ({t.Width} x {t.Height})");
                Assert.That(t.X >= 0 && t.Y >= 0 && t.X + t.Width <= frame.Width && t.Y + t.Height <= frame.Height, $"scene {i}: the box is inside the scan");
                frames++;
            }
        }

        Assert.That(frames, Is.GreaterThanOrEqualTo(6));
    }

    [Test]
    public void Concealments_must_be_known_and_not_empty()
    {
        Assert.Throws<ArgumentException>(() => _ = new SynthOptions { Concealments = ["suitcase-frame", "teddy"] });
        Assert.Throws<ArgumentException>(() => _ = new SynthOptions { Concealments = [] });
        Assert.That(SynthOptions.KnownConcealments, Is.SupersetOf(SynthOptions.DefaultConcealments).And.Contains("suitcase-frame"));
    }

    private static readonly string[] UnseenCarriers = ["book", "shampoo", "pellets", "coffee", "stuffed-toy"];

    [TestCase(SceneKind.Mail)]
    [TestCase(SceneKind.Express)]
    [TestCase(SceneKind.Baggage)]
    public void Every_threat_box_names_its_concealment_and_training_scenes_never_use_an_unseen_carrier(SceneKind kind)
    {
        string[] known = ["none", "envelope", "rubber", "foil", "carbon-paper", "pill-bottle", "plastic-bag", "letter", "electronics", "food-tin", "shoe-sole", "false-bottom"];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 60; i++)
        {
            using SceneCanvas c = SceneGenerator.Generate(new SynthOptions { Kind = kind, Seed = 17, ThreatRate = 1, Varied = true }, i, out _);
            foreach (ThreatBox t in c.Threats)
            {
                Assert.That(t.Concealment, Is.AnyOf(known), t.ToString());
                seen.Add(t.Concealment);
            }
        }

        Assert.That(seen, Has.Count.GreaterThanOrEqualTo(5), string.Join(", ", seen));
        Assert.That(seen, Does.Contain("electronics").Or.Contain("food-tin").Or.Contain("shoe-sole").Or.Contain("false-bottom"), "a fifth of threats hide in items");
    }

    [Test]
    public void About_half_of_the_scenes_hold_threats_by_default()
    {
        int with = 0;
        for (int i = 0; i < 200; i++)
        {
            SplitMix r = SplitMix.For(11, "baggage", i);
            with += r.Chance(0.5) ? 1 : 0;
        }

        Assert.That(with, Is.InRange(80, 120));
    }

    [Test]
    public void Projecting_a_threat_into_air_reproduces_the_threat()
    {
        using var air = new Mat(100, 120, MatType.CV_16UC1, Scalar.All(65535));
        using var threat = new Mat(30, 40, MatType.CV_16UC1, Scalar.All(65535));
        Cv2.Rectangle(threat, new Rect(5, 6, 20, 15), Scalar.All(21000), -1);
        (Mat result, Rect box) = ThreatImageProjection.Project(air, threat, 50, 40);
        using (result)
        {
            using var placed = new Mat(result, new Rect(50, 40, 40, 30));
            using var diff = new Mat();
            Cv2.Absdiff(placed, threat, diff);
            Assert.That(Cv2.CountNonZero(diff), Is.EqualTo(0));
            Assert.That(box, Is.EqualTo(new Rect(55, 46, 20, 15)));
        }
    }

    [Test]
    public void Projection_multiplies_transmissions()
    {
        using var scan = new Mat(10, 10, MatType.CV_16UC1, Scalar.All(32768));
        using var threat = new Mat(4, 4, MatType.CV_16UC1, Scalar.All(32768));
        (Mat result, _) = ThreatImageProjection.Project(scan, threat, 2, 2);
        using (result)
        {
            Assert.That(result.At<ushort>(3, 3), Is.EqualTo((ushort)16384));
            Assert.That(result.At<ushort>(0, 0), Is.EqualTo((ushort)32768));
        }
    }

    [Test]
    public void Ct_clutter_adds_look_alike_blocks_and_leaves_the_default_volume_unchanged()
    {
        float chocolate = (float)((Material.Chocolate.MuLow + Material.Chocolate.MuHigh) / 2);
        float drug = (float)((Material.Narcotic.MuLow + Material.Narcotic.MuHigh) / 2);
        Assert.That(Math.Abs(chocolate - drug), Is.LessThan(0.002), "the hardest look-alike: within 0.002 /cm of the drug");
        int lookAlikeVoxels = 0;
        for (int i = 0; i < 4; i++)
        {
            CtVolume plain = CtGenerator.Generate(7, i, 96, 96, 48, 0.5);
            Assert.That(CtGenerator.Generate(7, i, 96, 96, 48, 0.5, clutter: 1.0).Mu, Is.EqualTo(plain.Mu), "clutter 1 is the volume as before");
            CtVolume busy = CtGenerator.Generate(7, i, 96, 96, 48, 0.5, clutter: 2.0);
            Assert.That(busy.Mu, Is.Not.EqualTo(plain.Mu));
            // Voxels near the look-alikes' μ outside every threat box (noise σ 0.008, so a band of ± 0.004 around cheese, soap, chocolate).
            float[] targets = [.. new[] { Material.Cheese, Material.Soap }.Select(m => (float)((m.MuLow + m.MuHigh) / 2))];
            lookAlikeVoxels += Count(busy, targets) - Count(plain, targets);
        }

        Assert.That(lookAlikeVoxels, Is.GreaterThan(1000), "clutter 2 adds blocks of cheese or soap");

        static int Count(CtVolume v, float[] targets)
        {
            int n = 0;
            for (int k = 0; k < v.Mu.Length; k++)
            {
                n += targets.Any(t => Math.Abs(v.Mu[k] - t) < 0.004) ? 1 : 0;
            }

            return n;
        }
    }

    [Test]
    public void Ct_ground_truth_matches_the_threat_voxels()
    {
        for (int i = 0; i < 6; i++)
        {
            CtVolume v = CtGenerator.Generate(5, i, 96, 96, 48, 1.0);
            foreach (ThreatBox3D b in v.Threats)
            {
                float mu = b.Class == ThreatClass.TabletCluster ? (float)((Material.Tablet.MuLow + Material.Tablet.MuHigh) / 2) : (float)((Material.Narcotic.MuLow + Material.Narcotic.MuHigh) / 2);
                Assert.That(b.MinX, Is.LessThanOrEqualTo(b.MaxX));
                Assert.That(b.MaxZ, Is.LessThan(v.Nz));

                // The voxel at the box centre (bricks, packets) or some voxel inside (tablets) carries the threat's μ (± noise).
                int hits = 0;
                for (int z = b.MinZ; z <= b.MaxZ; z++)
                {
                    for (int y = b.MinY; y <= b.MaxY; y++)
                    {
                        for (int x = b.MinX; x <= b.MaxX; x++)
                        {
                            hits += Math.Abs(v.Mu[v.Index(x, y, z)] - mu) < 0.06 ? 1 : 0;
                        }
                    }
                }

                Assert.That(hits, Is.GreaterThan(0), $"volume {i}: {b}");
            }
        }
    }
}
