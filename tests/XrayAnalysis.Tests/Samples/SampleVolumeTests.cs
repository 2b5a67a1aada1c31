using System.Text.Json;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Samples;

/// <summary><c>xray volume</c> with the bundled model on the sample CT volume, through the real CLI.</summary>
[NonParallelizable] // Runs the model over 128 slices; parallel runs would only compete for the same cores.
public sealed class SampleVolumeTests : TempDirTest
{
    [Test]
    public void The_sample_volume_is_fused_into_3d_regions_with_projections_and_montages()
    {
        string mhd = Path.Combine(TestData.SampleImages, "ct", "volumes", "ct_00000.mhd");
        (int code, string o, string e) = DetectCliTests.Run("volume", mhd, "--model", TestData.BundledModel, "--iou", "0.45", "--out", Dir);
        Assert.That(code, Is.EqualTo(0), e);

        // Measured with this model at the default confidence 0.25: both tablet clusters found at 3D IoU >= 0.3,
        // with many false regions (the model card's CT section explains why).
        Assert.That(o, Does.Contain("ground truth 2/2 found at 3D IoU >= 0.3"));
        using JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "results", "ct_00000.json")));
        JsonElement root = r.RootElement;
        Assert.That(root.GetProperty("status").GetString(), Is.EqualTo("ok"));
        Assert.That(root.GetProperty("dims").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 256, 256, 128 }));
        Assert.That(root.GetProperty("spacing_mm").EnumerateArray().Select(x => x.GetDouble()), Is.EqualTo(new[] { 1.5, 1.5, 2.0 }));
        Assert.That(root.GetProperty("slices_processed").GetInt32(), Is.EqualTo(128));
        JsonElement first = root.GetProperty("regions")[0];
        Assert.That(first.GetProperty("voxel_min").GetArrayLength(), Is.EqualTo(3));
        Assert.That(first.GetProperty("mm_max")[2].GetDouble(), Is.GreaterThan(first.GetProperty("mm_min")[2].GetDouble()));
        string pictures = Path.Combine(Dir, "pictures");
        foreach (string axis in new[] { "x", "y", "z" })
        {
            Assert.That(File.Exists(Path.Combine(pictures, $"ct_00000_mip_{axis}.png")), Is.True, axis);
        }

        Assert.That(File.Exists(Path.Combine(pictures, "ct_00000_region1.png")), Is.True);
    }

    [Test]
    public void The_ct_model_runs_at_its_profiles_operating_point_and_finds_the_sample_threats()
    {
        string mhd = Path.Combine(TestData.SampleImages, "ct", "volumes", "ct_00000.mhd");
        JsonElement entry = TestData.ManifestEntry("xray-concealment-ct.onnx");
        double threshold = entry.GetProperty("operating_threshold").GetDouble();
        int minRun = entry.GetProperty("volume_min_run").GetInt32();
        (int code, string o, string e) = DetectCliTests.Run("volume", mhd, "--model", TestData.CtModel, "--no-pictures", "--out", Path.Combine(Dir, "a"));
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain("ground truth 2/2 found at 3D IoU >= 0.3"), "the bundled CT model on the sample volume (a regression gate, not its accuracy: see its card)");
        JsonElement p = Parameters(Path.Combine(Dir, "a"));
        Assert.That(p.GetProperty("confidence").GetDouble(), Is.EqualTo(threshold).Within(1e-6));
        Assert.That(p.GetProperty("confidence_source").GetString(), Is.EqualTo("profile"));
        Assert.That(p.GetProperty("min_run").GetInt32(), Is.EqualTo(minRun), "volume_min_run from the profile");

        (code, _, e) = DetectCliTests.Run("volume", mhd, "--model", TestData.CtModel, "--no-pictures", "--min-run", "1", "--out", Path.Combine(Dir, "b"));
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(Parameters(Path.Combine(Dir, "b")).GetProperty("min_run").GetInt32(), Is.EqualTo(1), "an explicit --min-run wins");

        (code, _, e) = DetectCliTests.Run("volume", mhd, "--model", TestData.CtModel, "--no-pictures", "--slice-step", "2", "--out", Path.Combine(Dir, "c"));
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(Parameters(Path.Combine(Dir, "c")).GetProperty("min_run").GetInt32(), Is.EqualTo((minRun + 1) / 2), "the profile's run is a depth: halved at every second slice");

        (code, o, e) = DetectCliTests.Run("model", "inspect", TestData.CtModel);
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain($"routes:        ct; xray volume --min-run {minRun} (profile)").And.Contain("trained on:    synthetic CT volumes"));
    }

    [Test]
    public void A_profile_with_an_impossible_minimum_run_makes_the_model_unusable()
    {
        string model = Path.Combine(Dir, "mine.onnx");
        File.Copy(TestData.FixtureModel("yolox"), model);
        File.WriteAllText(Path.Combine(Dir, "mine.json"), "{\"volume_min_run\": 0}");
        string mhd = Path.Combine(TestData.SampleImages, "ct", "volumes", "ct_00000.mhd");
        (int code, _, string e) = DetectCliTests.Run("volume", mhd, "--model", model, "--out", Path.Combine(Dir, "o"));
        Assert.That(code, Is.EqualTo(3), e);
        Assert.That(e, Does.Contain("mine.json").And.Contain("volume_min_run must be at least 1 (got 0)"));
    }

    private static JsonElement Parameters(string outDir)
    {
        using JsonDocument r = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "results", "ct_00000.json")));
        return r.RootElement.GetProperty("parameters").Clone();
    }

    [Test]
    public void A_volume_whose_data_file_escapes_its_folder_is_rejected_and_the_run_exits_1()
    {
        string mhd = Path.Combine(Dir, "evil.mhd");
        File.WriteAllText(mhd, "NDims = 3\nDimSize = 4 4 4\nElementType = MET_USHORT\nElementDataFile = ../../etc/passwd\n");
        (int code, _, string e) = DetectCliTests.Run("volume", mhd, "--model", TestData.BundledModel, "--out", Path.Combine(Dir, "o"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(e, Does.Contain("rejected: " + mhd).And.Contain("must sit beside the header"));
    }
}
