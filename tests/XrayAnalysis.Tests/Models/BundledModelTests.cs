using System.Buffers.Binary;
using XrayAnalysis.Inference;

namespace XrayAnalysis.Tests.Models;

/// <summary>
/// The bundled models (the 2D reference detector and the CT slice detector): each one's pinned hash, its contract, and
/// parity with the PyTorch model it was exported from.
/// </summary>
[TestFixture("xray-concealment-s.onnx", "parity")]
[TestFixture("xray-concealment-ct.onnx", "parity-ct")]
public sealed class BundledModelTests(string file, string parityFolder)
{
    private string ModelPath => Path.Combine(TestData.RepoRoot, "models", file);

    [Test]
    public void The_bundled_model_matches_its_pinned_hash_and_the_ultralytics_contract()
    {
        string pinned = TestData.ManifestEntry(file).GetProperty("sha256").GetString()!;
        using OnnxDetector d = OnnxDetector.Open(ModelPath, new DetectorOptions { ExpectedSha256 = pinned });
        Assert.That(d.Model.Layout, Is.EqualTo(XrayAnalysis.Decoding.OutputLayout.UltralyticsV8));
        Assert.That(d.Model.ObservedOutputShape, Is.EqualTo(new long[] { 1, 7, 3024 }));
        Assert.That((d.Model.InputWidth, d.Model.InputHeight, d.Model.DynamicBatch), Is.EqualTo((384, 384, true)));
        Assert.That(d.Model.ClassNames, Is.EqualTo(new[] { "narcotics_brick", "narcotics_packet", "tablet_cluster" }));
        Assert.That(d.Model.Metadata["task"], Is.EqualTo("detect"));
        Assert.That(new FileInfo(ModelPath).Length, Is.LessThan(15_000_000));
        Assert.That(d.Model.Profile?.Sha256, Is.EqualTo(pinned), "the profile comes from the model's own models.json entry");
        if (d.Model.Profile!.TestTimeFlip == true && d.Model.Profile.OperatingThresholdWithoutFlip is { } one)
        {
            using OnnxDetector single = OnnxDetector.Open(ModelPath, new DetectorOptions { ExpectedSha256 = pinned, TestTimeFlip = false });
            Assert.That(single.Settings.OperatingThreshold, Is.EqualTo(one), "--tta off takes the threshold chosen for one pass");
        }
    }

    [Test]
    public void Onnx_runtime_reproduces_the_pytorch_output_of_the_exported_model()
    {
        string dir = Path.Combine(TestData.RepoRoot, "models", "training", parityFolder);
        float[] input = ReadNpy(Path.Combine(dir, "input.npy"));
        float[] expected = ReadNpy(Path.Combine(dir, "output.npy"));
        using OnnxDetector d = OnnxDetector.Open(ModelPath);
        float[] actual = d.RunRaw(input, 1);
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        int n = 3024;
        double maxBox = 0, maxScore = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            if (i < 4 * n)
            {
                maxBox = Math.Max(maxBox, diff);
            }
            else
            {
                maxScore = Math.Max(maxScore, diff);
            }
        }

        Assert.That(maxBox, Is.LessThan(1e-2), "box coordinates (input pixels, up to 384)");
        Assert.That(maxScore, Is.LessThan(1e-4), "class scores (0-1)");
    }

    /// <summary>Reads a little-endian float32 .npy file (format 1.0/2.0, C order).</summary>
    internal static float[] ReadNpy(string path)
    {
        byte[] b = File.ReadAllBytes(path);
        int major = b[6];
        int headerLen = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8));
        int start = (major == 1 ? 10 : 12) + headerLen;
        string header = System.Text.Encoding.ASCII.GetString(b, major == 1 ? 10 : 12, headerLen);
        Assert.That(header, Does.Contain("'descr': '<f4'").And.Contain("'fortran_order': False"));
        var f = new float[(b.Length - start) / 4];
        Buffer.BlockCopy(b, start, f, 0, f.Length * 4);
        return f;
    }
}
