using System.Text.Json;
using XrayAnalysis.Synthesis;
using XrayAnalysis.Tests.Cli;
using XrayAnalysis.Volumes;

namespace XrayAnalysis.Tests.Volumes;

/// <summary>
/// CT look-alikes (<c>xray synth --kind ct --clutter 2</c>) are listed beside the threats in NAME.boxes.json, so that
/// <c>xray volume</c> can say which false positives lie on cheese, soap or chocolate and which on anything else.
/// </summary>
public sealed class LookAlikeTests : TempDirTest
{
    [Test]
    public void Clutter_lists_each_look_alike_block_where_its_material_is()
    {
        string outDir = Path.Combine(Dir, "ct");
        (int code, string o, string e) = DetectCliTests.Run("synth", "--kind", "ct", "--count", "2", "--seed", "31", "--width", "128", "--height", "128",
            "--depth", "48", "--clutter", "2", "--no-slices", "--out", outDir);
        Assert.That(code, Is.Zero, o + e);
        int blocks = 0;
        for (int i = 0; i < 2; i++)
        {
            string gt = Path.Combine(outDir, "volumes", $"ct_{i:D5}.boxes.json");
            List<(string Material, int[] Min, int[] Max)> lookAlikes = VolumeGroundTruth.Load(gt).LookAlikes;
            CtVolume v = CtGenerator.Generate(31, i, 128, 128, 48, 0.5, clutter: 2.0);
            Assert.That(lookAlikes, Has.Count.EqualTo(v.LookAlikes.Count));
            foreach ((string material, int[] min, int[] max) in lookAlikes)
            {
                // The block's centre carries its material's μ (noise σ 0.008 /cm), unless a later item was drawn over it.
                Material m = new[] { Material.Cheese, Material.Soap, Material.Chocolate }.Single(x => x.Name == material);
                float mu = v.Mu[v.Index((min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2)];
                blocks += Math.Abs(mu - ((m.MuLow + m.MuHigh) / 2)) < 0.04 ? 1 : 0;
            }

            using JsonDocument d = JsonDocument.Parse(File.ReadAllBytes(gt));
            Assert.That(d.RootElement.GetProperty("look_alikes").EnumerateArray().All(x => x.GetProperty("wrapped").ValueKind is JsonValueKind.True or JsonValueKind.False));
        }

        Assert.That(blocks, Is.GreaterThan(4), "look-alike blocks are where the ground truth says");

        // Default clutter: no look-alikes, and the file has no such key (earlier volumes' files are unchanged).
        string plain = Path.Combine(Dir, "plain");
        DetectCliTests.Run("synth", "--kind", "ct", "--count", "1", "--seed", "31", "--width", "128", "--height", "128", "--depth", "48", "--no-slices", "--out", plain);
        string plainGt = File.ReadAllText(Path.Combine(plain, "volumes", "ct_00000.boxes.json"));
        Assert.That(plainGt, Does.Not.Contain("look_alikes"));
        Assert.That(VolumeGroundTruth.Load(Path.Combine(plain, "volumes", "ct_00000.boxes.json")).LookAlikes, Is.Empty);
    }

    [Test]
    public void A_false_positive_on_a_look_alike_is_counted_against_its_material()
    {
        List<(string Class, int[] Min, int[] Max)> threats = [("narcotics_brick", [10, 10, 10], [30, 20, 16])];
        List<(string Material, int[] Min, int[] Max)> lookAlikes = [("chocolate", [50, 50, 10], [80, 70, 20]), ("soap", [90, 10, 5], [110, 30, 12])];
        Region3D[] regions =
        [
            Region(0.9f, [11, 10, 10], [30, 21, 16]),  // the threat
            Region(0.8f, [55, 52, 12], [75, 68, 19]),  // wholly inside the chocolate
            Region(0.7f, [85, 8, 4], [105, 28, 11]),   // 60 % of it on the soap
            Region(0.6f, [70, 60, 15], [100, 90, 30]), // mostly off the chocolate: an ordinary false positive
            Region(0.2f, [52, 52, 12], [60, 60, 14]),  // below the score threshold: not counted at all
        ];
        VolumeEvaluation e = VolumeGroundTruth.Evaluate(regions, threats, 0.3, 0.5, lookAlikes);
        Assert.That((e.Matched, e.FalsePositives), Is.EqualTo((1, 3)));
        Assert.That(e.FalsePositivesOnLookAlikes, Is.EqualTo(new Dictionary<string, int> { ["chocolate"] = 1, ["soap"] = 1 }));
        Assert.That(VolumeGroundTruth.Evaluate(regions, threats, 0.3, 0.5).FalsePositivesOnLookAlikes, Is.Empty, "without a list, nothing is attributed");

        static Region3D Region(float score, int[] min, int[] max) => new(0, "narcotics_brick", score, min, max, [0, 0, 0], [0, 0, 0], max[2] - min[2] + 1, "z");
    }

    [Test]
    public void Xray_volume_reports_how_many_false_positives_lie_on_look_alikes()
    {
        string outDir = Path.Combine(Dir, "ct");
        DetectCliTests.Run("synth", "--kind", "ct", "--count", "1", "--seed", "4104", "--clutter", "2", "--threat-rate", "0", "--width", "192", "--height", "192", "--depth", "64", "--no-slices", "--out", outDir);
        (int code, string o, string e) = DetectCliTests.Run("volume", Path.Combine(outDir, "volumes", "ct_00000.mhd"), "--model", TestData.BundledModel,
            "--conf", "0.05", "--min-run", "1", "--no-pictures", "--out", Path.Combine(Dir, "v"));
        Assert.That(code, Is.Zero, o + e);
        using JsonDocument d = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "v", "results", "ct_00000.json")));
        JsonElement ev = d.RootElement.GetProperty("evaluation");
        int fp = ev.GetProperty("false_positives").GetInt32();
        int onLookAlikes = ev.GetProperty("false_positives_on_look_alikes").EnumerateObject().Sum(p => p.Value.GetInt32());
        Assert.That(fp, Is.GreaterThan(0), "a clean cluttered bag at a very low threshold has false positives");
        Assert.That(onLookAlikes, Is.InRange(0, fp));
        Assert.That(o, onLookAlikes > 0 ? Does.Contain("on look-alikes (") : Does.Not.Contain("look-alikes"));
    }
}
