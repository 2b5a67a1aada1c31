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
    public void A_volume_whose_data_file_escapes_its_folder_is_rejected_and_the_run_exits_1()
    {
        string mhd = Path.Combine(Dir, "evil.mhd");
        File.WriteAllText(mhd, "NDims = 3\nDimSize = 4 4 4\nElementType = MET_USHORT\nElementDataFile = ../../etc/passwd\n");
        (int code, _, string e) = DetectCliTests.Run("volume", mhd, "--model", TestData.BundledModel, "--out", Path.Combine(Dir, "o"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(e, Does.Contain("rejected: " + mhd).And.Contain("must sit beside the header"));
    }
}
