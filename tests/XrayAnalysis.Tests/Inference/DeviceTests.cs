using System.Text.Json;
using XrayAnalysis.Inference;
using XrayAnalysis.Tests.Cli;

namespace XrayAnalysis.Tests.Inference;

/// <summary>
/// <c>--device</c>: CUDA when this build and machine have it, else the CPU with one line saying why; either way the
/// boxes are the CPU's (within tolerance on a real GPU).
/// </summary>
public sealed class DeviceTests : TempDirTest
{
    [TestCase("cpu", false, 0)]
    [TestCase("CPU", false, 0)]
    [TestCase("cuda", true, 0)]
    [TestCase("cuda:3", true, 3)]
    [TestCase(" cuda:0 ", true, 0)]
    public void Device_names_parse(string text, bool cuda, int index)
    {
        InferenceDevice d = InferenceDevice.Parse(text);
        Assert.That((d.Cuda, d.Index), Is.EqualTo((cuda, index)));
        Assert.That(new DetectorOptions { Device = text }.Device, Is.EqualTo(cuda ? $"cuda:{index}" : "cpu"));
    }

    [TestCase("gpu")]
    [TestCase("cuda:")]
    [TestCase("cuda:-1")]
    [TestCase("cuda:64")]
    [TestCase("cuda:1x")]
    [TestCase("")]
    public void Other_device_names_are_refused(string text) =>
        Assert.That(() => new DetectorOptions { Device = text }, Throws.ArgumentException.With.Message.Contains("cuda:N"));

    [Test]
    public void Asking_for_cuda_without_it_runs_on_the_cpu_and_says_why_once()
    {
        using OnnxDetector cpu = OnnxDetector.Open(TestData.BundledModel);
        using OnnxDetector asked = OnnxDetector.Open(TestData.BundledModel, new DetectorOptions { Device = "cuda:1" });
        Assert.That(cpu.Model.Device, Is.EqualTo("cpu"));
        if (asked.Model.Device != "cpu")
        {
            Assert.Ignore($"this build and machine have CUDA ({asked.Model.Device}); the fall-back is not reachable here");
        }

        Assert.That(asked.Model.Notes.Count(n => n.Contains("CUDA", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(asked.Model.Notes[0], Does.StartWith("CUDA device 1 ").And.EndWith("running on the CPU").And.Not.Contain('\n'));
        Assert.That(asked.MaxBatch, Is.EqualTo(4), "the CPU's batch, not the GPU's");
        using OnnxDetector given = OnnxDetector.Open(TestData.BundledModel, new DetectorOptions { Device = "cuda", BatchSize = 8 });
        Assert.That(given.MaxBatch, Is.EqualTo(8), "a batch size given is kept");
    }

    [Test]
    public void The_cli_gives_the_same_boxes_with_device_cuda_as_on_the_cpu()
    {
        string scans = Path.Combine(TestData.SampleImages, "baggage", "raw");
        string cpuOut = Path.Combine(Dir, "cpu"), cudaOut = Path.Combine(Dir, "cuda");
        (int c1, string o1, _) = DetectCliTests.Run("detect", scans, "--model", TestData.BundledModel, "--out", cpuOut);
        (int c2, string o2, string e2) = DetectCliTests.Run("detect", scans, "--model", TestData.BundledModel, "--out", cudaOut, "--device", "cuda");
        Assert.That((c1, c2), Is.EqualTo((0, 0)), e2);
        Assert.That(o1, Does.Contain("device cpu, batch 4"));
        bool onGpu = o2.Contains("device cuda:0", StringComparison.Ordinal);
        if (!onGpu)
        {
            string[] lines = e2.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines.Count(l => l.Contains("CUDA", StringComparison.Ordinal)), Is.EqualTo(1), e2);
            Assert.That(lines.Single(l => l.Contains("CUDA", StringComparison.Ordinal)), Does.StartWith("xray: note: ").And.Contain("running on the CPU"));
        }

        string[] results = Directory.GetFiles(Path.Combine(cpuOut, "results"), "*.json");
        Assert.That(results, Is.Not.Empty);
        int boxes = 0;
        foreach (string a in results)
        {
            JsonElement da = JsonDocument.Parse(File.ReadAllText(a)).RootElement.GetProperty("detections");
            JsonElement db = JsonDocument.Parse(File.ReadAllText(Path.Combine(cudaOut, "results", Path.GetFileName(a)))).RootElement.GetProperty("detections");
            Assert.That(db.GetArrayLength(), Is.EqualTo(da.GetArrayLength()), a);
            for (int i = 0; i < da.GetArrayLength(); i++)
            {
                boxes++;
                Assert.That(db[i].GetProperty("class_id").GetInt32(), Is.EqualTo(da[i].GetProperty("class_id").GetInt32()));
                Assert.That(db[i].GetProperty("score").GetDouble(), Is.EqualTo(da[i].GetProperty("score").GetDouble()).Within(onGpu ? 1e-3 : 0));
                double[] ba = Box(da[i]), bb = Box(db[i]);
                Assert.That(bb, Is.EqualTo(ba).Within(onGpu ? 0.5 : 0), "box in scan pixels");
            }
        }

        Assert.That(boxes, Is.GreaterThan(0), "something was compared");
    }

    [Test]
    public void A_bad_device_is_a_usage_error()
    {
        (int code, _, string err) = DetectCliTests.Run("detect", TestData.SampleImages, "--model", TestData.BundledModel, "--out", Path.Combine(Dir, "o"), "--device", "gpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--device").And.Contain("'gpu'"));
    }

    private static double[] Box(JsonElement d) => new[] { "x1", "y1", "x2", "y2" }.Select(k => d.GetProperty(k).GetDouble()).ToArray();
}
