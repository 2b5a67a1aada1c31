using System.Text.Json;
using OpenCvSharp;
using XrayAnalysis.Cli;

namespace XrayAnalysis.Tests.Cli;

public sealed class DetectCliTests : TempDirTest
{
    [Test]
    public void A_mixed_folder_with_two_bad_files_is_processed_whole_and_exits_1()
    {
        string scans = Directory.CreateDirectory(Path.Combine(Dir, "scans")).FullName;
        using (Mat g = TestData.Grey16(120, 80))
        {
            Cv2.ImWrite(Path.Combine(scans, "grey16.tif"), g);
            Cv2.ImWrite(Path.Combine(scans, "bag_high.png"), g);
            Cv2.ImWrite(Path.Combine(scans, "bag_low.png"), g);
        }

        using (var c = new Mat(60, 90, MatType.CV_8UC3, new Scalar(40, 120, 220)))
        {
            Cv2.ImWrite(Path.Combine(scans, "colour.jpg"), c);
            byte[] png = TestData.Encode(".png", c);
            File.WriteAllBytes(Path.Combine(scans, "truncated.png"), png[..(png.Length / 2)]);
        }

        var noise = new byte[4096];
        new Random(3).NextBytes(noise);
        File.WriteAllBytes(Path.Combine(scans, "noise.bmp"), noise);
        string outDir = Path.Combine(Dir, "out");

        (int code, string stdout, string stderr) = Run("detect", scans, "--model", TestData.FixtureModel("v8"), "--out", outDir, "--overlay");

        Assert.That(code, Is.EqualTo(1), stderr);
        Assert.That(stderr, Does.Contain("incomplete: " + Path.Combine(scans, "truncated.png") + ": truncated PNG"));
        Assert.That(stderr, Does.Contain("failed: " + Path.Combine(scans, "noise.bmp") + ": "));
        Assert.That(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2));
        Assert.That(stdout, Does.Contain("inputs:     5 = 3 ok + 1 failed + 1 incomplete"));
        string[] results = Directory.GetFiles(Path.Combine(outDir, "results"), "*.json").Select(Path.GetFileName).Order().ToArray()!;
        Assert.That(results, Is.EqualTo(new[] { "bag.json", "colour.json", "grey16.json", "noise.json", "truncated.json" }));
        Assert.That(Directory.GetFiles(Path.Combine(outDir, "overlays")), Has.Length.EqualTo(3));
        Assert.That(File.ReadAllLines(Path.Combine(outDir, "summary.csv")), Has.Length.EqualTo(6));

        using JsonDocument bag = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "results", "bag.json")));
        JsonElement root = bag.RootElement;
        Assert.That(root.GetProperty("status").GetString(), Is.EqualTo("ok"));
        Assert.That(root.GetProperty("dual_energy").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("bit_depth").GetInt32(), Is.EqualTo(16));
        Assert.That(root.GetProperty("model").GetProperty("layout").GetString(), Is.EqualTo("UltralyticsV8"));
        Assert.That(root.GetProperty("detections").GetArrayLength(), Is.EqualTo(3));
        Assert.That(root.GetProperty("timings_ms").TryGetProperty("inference", out _), Is.True);

        using JsonDocument coco = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "detections.coco.json")));
        Assert.That(coco.RootElement.GetArrayLength(), Is.EqualTo(9));
        Assert.That(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories), Is.Empty, "no temp files left behind");
    }

    [Test]
    public void A_resumed_run_keeps_finished_results_and_processes_only_the_rest()
    {
        for (int i = 0; i < 4; i++)
        {
            using var c = new Mat(32, 32, MatType.CV_8UC3, Scalar.All(50 * i));
            Cv2.ImWrite(Path.Combine(Dir, $"s{i}.png"), c);
        }

        string outDir = Path.Combine(Dir, "out");
        Assert.That(Run("detect", Dir, "--model", TestData.FixtureModel("v8"), "--out", outDir).Code, Is.EqualTo(0));

        // As if the run had been killed before s2 and s3: their results are gone; s0's file is marked to see it is kept.
        File.Delete(Path.Combine(outDir, "results", "s2.json"));
        File.Delete(Path.Combine(outDir, "results", "s3.json"));
        string s0 = Path.Combine(outDir, "results", "s0.json");
        DateTime before = File.GetLastWriteTimeUtc(s0);
        (int code, string o, _) = Run("detect", Dir, "--model", TestData.FixtureModel("v8"), "--out", outDir, "--resume");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(o, Does.Contain("xray detect: 2 scans").And.Contain("2 read back from an earlier run"));
        Assert.That(File.GetLastWriteTimeUtc(s0), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(Path.Combine(outDir, "results")), Has.Length.EqualTo(4));
        Assert.That(File.ReadAllLines(Path.Combine(outDir, "summary.csv")), Has.Length.EqualTo(5), "no lost and no duplicated rows");
        using JsonDocument coco = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "detections.coco.json")));
        Assert.That(coco.RootElement.GetArrayLength(), Is.EqualTo(4 * 3));

        // Resuming with another threshold keeps nothing made under the old one.
        (code, o, _) = Run("detect", Dir, "--model", TestData.FixtureModel("v8"), "--out", outDir, "--resume", "--conf", "0.65");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(o, Does.Contain("xray detect: 4 scans").And.Not.Contain("read back"));
    }

    [Test]
    public void Boxes_come_back_in_original_image_pixels()
    {
        // The fixture's box 0 is (15,15)-(25,25) in a 64x64 input; a 128x64 image is letterboxed at r=0.5 with 16 px top padding.
        using (var c = new Mat(64, 128, MatType.CV_8UC3, Scalar.All(200)))
        {
            Cv2.ImWrite(Path.Combine(Dir, "wide.png"), c);
        }

        string outDir = Path.Combine(Dir, "out");
        (int code, _, string err) = Run("detect", Path.Combine(Dir, "wide.png"), "--model", TestData.FixtureModel("v8"), "--out", outDir);
        Assert.That(code, Is.EqualTo(0), err);
        using JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "results", "wide.json")));
        JsonElement d0 = r.RootElement.GetProperty("detections")[0];
        Assert.That(new[] { d0.GetProperty("x1").GetSingle(), d0.GetProperty("y1").GetSingle(), d0.GetProperty("x2").GetSingle(), d0.GetProperty("y2").GetSingle() },
            Is.EqualTo(new[] { 30f, 0f, 50f, 18f }).Within(1e-3));
    }

    [Test]
    public void A_missing_required_option_is_a_usage_error()
    {
        (int code, _, string err) = Run("detect", Dir, "--out", Dir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--model"));
    }

    [Test]
    public void An_unusable_model_exits_3_with_the_reason()
    {
        using (var c = new Mat(8, 8, MatType.CV_8UC3, Scalar.All(1)))
        {
            Cv2.ImWrite(Path.Combine(Dir, "a.png"), c);
        }

        (int code, _, string err) = Run("detect", Dir, "--model", TestData.FixtureModel("unknown_layout"), "--out", Path.Combine(Dir, "o"));
        Assert.That(code, Is.EqualTo(3));
        Assert.That(err, Does.StartWith("xray: model unusable: ").And.Contain("[1, 7, 3]"));
    }

    [Test]
    public void A_bundled_model_whose_hash_differs_from_models_json_is_refused()
    {
        string models = Directory.CreateDirectory(Path.Combine(Dir, "models")).FullName;
        File.Copy(TestData.FixtureModel("v8"), Path.Combine(models, "m.onnx"));
        File.WriteAllText(Path.Combine(models, "models.json"), "{\"models\": [{\"file\": \"m.onnx\", \"sha256\": \"" + new string('a', 64) + "\"}]}");
        using (var c = new Mat(8, 8, MatType.CV_8UC3, Scalar.All(1)))
        {
            Cv2.ImWrite(Path.Combine(Dir, "a.png"), c);
        }

        (int code, _, string err) = Run("detect", Path.Combine(Dir, "a.png"), "--model", Path.Combine(models, "m.onnx"), "--out", Path.Combine(Dir, "o"));
        Assert.That(code, Is.EqualTo(3));
        Assert.That(err, Does.Contain("differs from the pinned " + new string('a', 64)));
    }

    [Test]
    public void Model_inspect_describes_every_fixture()
    {
        foreach ((string name, string layout) in new[] { ("v8", "v8 [1, 4+nc, N]"), ("v5", "v5 [1, 3N, 5+nc]"), ("yolox", "yolox [1, N, 5+nc]"), ("end2end", "end2end [1, K, 6]"), ("rtdetr", "rtdetr [1, K, 4+nc]") })
        {
            (int code, string o, string e) = Run("model", "inspect", TestData.FixtureModel(name));
            Assert.That(code, Is.EqualTo(0), e);
            Assert.That(o, Does.Contain("layout:        " + layout));
            Assert.That(o, Does.Contain("sha256:"));
            Assert.That(o, Does.Contain("classes:       3"));
            Assert.That(o, Does.Match(@"preprocessing: (rgb|bgr), "));
        }
    }

    [Test]
    public void Help_lists_the_exit_codes()
    {
        (int code, string o, _) = Run("--help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(o, Does.Contain("3 model unusable"));
    }

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = XrayCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}

/// <summary>The command tree itself: option names must be unambiguous within every command.</summary>
public sealed class CommandTreeTests
{
    [Test]
    public void No_two_options_of_one_command_share_a_name_or_alias()
    {
        var clashes = new List<string>();
        void Walk(System.CommandLine.Command c, string path)
        {
            var seen = new Dictionary<string, System.CommandLine.Option>(StringComparer.Ordinal);
            foreach (System.CommandLine.Option o in c.Options)
            {
                foreach (string n in o.Aliases.Append(o.Name).Distinct(StringComparer.Ordinal))
                {
                    if (seen.TryGetValue(n, out System.CommandLine.Option? other) && !ReferenceEquals(other, o))
                    {
                        clashes.Add($"{path}: {n} ({other.Description} / {o.Description})");
                    }

                    seen[n] = o;
                }
            }

            foreach (System.CommandLine.Command sub in c.Subcommands)
            {
                Walk(sub, path + " " + sub.Name);
            }
        }

        Walk(XrayAnalysis.Cli.XrayCli.CreateRoot(), "xray");
        Assert.That(clashes, Is.Empty);
    }
}
