using System.Text.Json;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Pipeline;

/// <summary>
/// Several fills (a route's <c>"fill": [0.625, 1]</c>, <c>--fill 0.625,1</c>): each whole scan runs once per fill and the
/// passes' boxes are fused. Run through the real CLI on the sample mail scans with the bundled model.
/// </summary>
[TestFixture]
public sealed class FillPassesCliTests : TempDirTest
{
    private static string Images => Path.Combine(TestData.SampleImages, "mail", "images");

    private string Routes(string fill) => TestData.Write(Dir, "routes.json", System.Text.Encoding.UTF8.GetBytes(
        "{\"schema_version\": 1, \"routes\": {\"small-field\": {\"description\": \"test\", \"model\": " + JsonSerializer.Serialize(TestData.BundledModel) +
        ", \"tiles\": {\"mode\": \"off\"}, \"fill\": " + fill + ", \"shield\": {\"enabled\": false}}}}"));

    private static JsonElement[] Results(string dir) => Directory.GetFiles(Path.Combine(dir, "results"), "*.json").Order(StringComparer.Ordinal)
        .Select(f => JsonDocument.Parse(File.ReadAllBytes(f)).RootElement).ToArray();

    private static (string Name, int Class, double Score, double[] Box)[] Boxes(string dir) => Results(dir)
        .SelectMany(r => r.GetProperty("detections").EnumerateArray().Select(b => (
            r.GetProperty("name").GetString()!, b.GetProperty("class_id").GetInt32(), b.GetProperty("score").GetDouble(),
            new[] { "x1", "y1", "x2", "y2" }.Select(k => b.GetProperty(k).GetDouble()).ToArray())))
        .ToArray();

    private (int Code, string Out, string Err) Detect(string name, params string[] more) =>
        DetectCliTests.Run([.. new[] { "detect", Images, "--out", Path.Combine(Dir, name) }, .. more]);

    [Test]
    public void A_route_with_two_fills_records_both_keeps_the_first_ones_scale_and_still_finds_each_labelled_threat()
    {
        string routes = Routes("[0.625, 1]");
        (int code, string stdout, string stderr) = Detect("two", "--route", "small-field", "--routes", routes, "--conf", "0.05");
        Assert.That(code, Is.Zero, stdout + stderr);
        Assert.That(stdout, Does.Contain("whole scans run at fills 0.625 and 1 of the input, boxes fused"));
        JsonElement[] results = Results(Path.Combine(Dir, "two"));
        Assert.That(results, Has.Length.EqualTo(3));
        foreach (JsonElement r in results)
        {
            JsonElement pre = r.GetProperty("parameters").GetProperty("preprocessing");
            int w = r.GetProperty("width").GetInt32(), h = r.GetProperty("height").GetInt32();
            Assert.That(pre.GetProperty("fill").GetDouble(), Is.EqualTo(0.625));
            Assert.That(pre.GetProperty("fills").EnumerateArray().Select(v => v.GetDouble()), Is.EqualTo(new[] { 0.625, 1.0 }));
            Assert.That(pre.GetProperty("applied_scale").GetDouble(), Is.EqualTo(Math.Min(384.0 / w, 384.0 / h) * 0.625).Within(1e-6));
            Assert.That(r.GetProperty("timings_ms").GetProperty("inference").GetDouble(), Is.GreaterThan(0));
            foreach (JsonElement b in r.GetProperty("detections").EnumerateArray())
            {
                Assert.That(b.GetProperty("score").GetDouble(), Is.GreaterThan(0.05).And.LessThanOrEqualTo(1));
                Assert.That(b.GetProperty("x1").GetDouble(), Is.GreaterThanOrEqualTo(0).And.LessThan(b.GetProperty("x2").GetDouble()));
                Assert.That(b.GetProperty("y1").GetDouble(), Is.GreaterThanOrEqualTo(0).And.LessThan(b.GetProperty("y2").GetDouble()));
                Assert.That(b.GetProperty("x2").GetDouble(), Is.LessThanOrEqualTo(w));
                Assert.That(b.GetProperty("y2").GetDouble(), Is.LessThanOrEqualTo(h));
            }
        }

        using JsonDocument gt = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestData.SampleImages, "mail", "annotations.coco.json")));
        var names = gt.RootElement.GetProperty("images").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetInt32(), i => Path.GetFileNameWithoutExtension(i.GetProperty("file_name").GetString()!));
        var boxes = Boxes(Path.Combine(Dir, "two"));
        foreach (JsonElement a in gt.RootElement.GetProperty("annotations").EnumerateArray())
        {
            double[] g = a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            string name = names[a.GetProperty("image_id").GetInt32()];
            double best = boxes.Where(b => b.Name == name).Select(b => IoU(b.Box, [g[0], g[1], g[0] + g[2], g[1] + g[3]])).DefaultIfEmpty(0).Max();
            Assert.That(best, Is.GreaterThanOrEqualTo(0.5), $"{name}: {string.Join(",", g)}");
        }

        // --fill given here wins over the route's list: one pass, no fills recorded.
        (code, _, stderr) = Detect("one", "--route", "small-field", "--routes", routes, "--fill", "1");
        Assert.That(code, Is.Zero, stderr);
        foreach (JsonElement r in Results(Path.Combine(Dir, "one")))
        {
            JsonElement pre = r.GetProperty("parameters").GetProperty("preprocessing");
            Assert.That(pre.GetProperty("fill").GetDouble(), Is.EqualTo(1.0));
            Assert.That(pre.TryGetProperty("fills", out _), Is.False);
        }
    }

    [Test]
    public void Fused_scores_do_not_depend_on_the_confidence_asked_for_nor_on_how_passes_fall_into_batches()
    {
        // The passes are decoded at eval's floor whatever --conf says, so the boxes above 0.3 are the same boxes with the
        // same scores at --conf 0.001 and at --conf 0.1. With --batch 1 or 3 a scan's passes go through the model in
        // different Session.Run calls than with --batch 4.
        string[] common = ["--model", TestData.BundledModel, "--fill", "0.625,1", "--no-shield", "--iou", "0.45"];
        foreach ((string name, string conf, string batch) in new[] { ("floor", "0.001", "4"), ("b1", "0.1", "1"), ("b3", "0.1", "3") })
        {
            (int code, string o, string e) = Detect(name, [.. common, "--conf", conf, "--batch", batch]);
            Assert.That(code, Is.Zero, o + e);
        }

        var floor = Boxes(Path.Combine(Dir, "floor"));
        Assert.That(floor.Where(b => b.Score > 0.1), Is.Not.Empty, "the samples hold threats the model finds");
        foreach (string other in new[] { "b1", "b3" })
        {
            var boxes = Boxes(Path.Combine(Dir, other));
            Assert.That(boxes.Select(b => b.Score), Is.All.GreaterThan(0.1));
            // Every clear box of one run is in the other, same class, same score and corners (a box within 1e-3 of the
            // cut may fall either side of it by rounding between batch shapes).
            Assert.Multiple(() =>
            {
                foreach ((var from, var to) in new[] { (floor.Where(b => b.Score > 0.101).ToArray(), boxes), (boxes.Where(b => b.Score > 0.101).ToArray(), floor) })
                {
                    foreach (var b in from)
                    {
                        var match = to.Where(x => x.Name == b.Name && x.Class == b.Class && IoU(x.Box, b.Box) > 0.99).ToArray();
                        Assert.That(match, Has.Length.EqualTo(1), $"{other}: {b.Name} class {b.Class} {b.Score:0.####}");
                        if (match.Length == 1)
                        {
                            Assert.That(match[0].Score, Is.EqualTo(b.Score).Within(1e-4));
                            Assert.That(match[0].Box, Is.EqualTo(b.Box).Within(0.05));
                        }
                    }
                }
            });
        }
    }

    [Test]
    public void A_damaged_scan_among_them_fails_alone_and_the_others_are_screened_with_both_passes()
    {
        string input = Path.Combine(Dir, "in");
        Directory.CreateDirectory(input);
        foreach (string f in Directory.GetFiles(Images))
        {
            File.Copy(f, Path.Combine(input, Path.GetFileName(f)));
        }

        byte[] png = File.ReadAllBytes(Directory.GetFiles(Images).Order(StringComparer.Ordinal).First());
        File.WriteAllBytes(Path.Combine(input, "mail_00000b_truncated.png"), png[..(png.Length / 3)]);
        (int code, string stdout, string stderr) = DetectCliTests.Run("detect", input, "--model", TestData.BundledModel, "--fill", "0.625,1", "--batch", "3", "--out", Path.Combine(Dir, "out"));
        Assert.That(code, Is.EqualTo(1), stdout + stderr);
        JsonElement[] results = Results(Path.Combine(Dir, "out"));
        Assert.That(results, Has.Length.EqualTo(4));
        JsonElement bad = results.Single(r => r.GetProperty("name").GetString() == "mail_00000b_truncated");
        Assert.That(bad.GetProperty("status").GetString(), Is.Not.EqualTo("ok"));
        foreach (JsonElement r in results.Where(r => r.GetProperty("name").GetString() != "mail_00000b_truncated"))
        {
            Assert.That(r.GetProperty("status").GetString(), Is.EqualTo("ok"));
            Assert.That(r.GetProperty("parameters").GetProperty("preprocessing").GetProperty("fills").GetArrayLength(), Is.EqualTo(2));
        }

        // The same three scans alone give the same boxes: the damaged one took nothing from them.
        (code, _, stderr) = DetectCliTests.Run("detect", Images, "--model", TestData.BundledModel, "--fill", "0.625,1", "--batch", "3", "--out", Path.Combine(Dir, "clean"));
        Assert.That(code, Is.Zero, stderr);
        var clean = Boxes(Path.Combine(Dir, "clean"));
        var mixed = Boxes(Path.Combine(Dir, "out"));
        Assert.That(mixed.Select(b => (b.Name, b.Class, Math.Round(b.Score, 3))), Is.EquivalentTo(clean.Select(b => (b.Name, b.Class, Math.Round(b.Score, 3)))));
    }

    [TestCase("0.625,0.625", "--fill")]
    [TestCase("0.625,1.5", "--fill")]
    [TestCase("0.2,0.4,0.6,0.8,1", "--fill")]
    [TestCase("0.625,x", "--fill")]
    public void A_bad_list_of_fills_is_a_usage_error_naming_the_option(string fill, string named)
    {
        (int code, _, string stderr) = Detect("bad", "--model", TestData.BundledModel, "--fill", fill);
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.Contain(named));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    private static double IoU(double[] a, double[] b)
    {
        double iw = Math.Max(0, Math.Min(a[2], b[2]) - Math.Max(a[0], b[0])), ih = Math.Max(0, Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]));
        double i = iw * ih;
        return i / (((a[2] - a[0]) * (a[3] - a[1])) + ((b[2] - b[0]) * (b[3] - b[1])) - i);
    }
}
