using OpenCvSharp;

namespace XrayAnalysis.Tests;

/// <summary>The one place that knows where test data lives, and makes small images in code.</summary>
internal static class TestData
{
    public static string RepoRoot { get; } = FindRoot();

    public static string FixtureModel(string name) => Path.Combine(RepoRoot, "tests", "fixtures", "models", name + ".onnx");

    /// <summary>Fixtures copied into the repository (COCO evaluation cases with pycocotools' expected output).</summary>
    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string SampleImages => Path.Combine(RepoRoot, "sample-images");

    public static string BundledModel => Path.Combine(RepoRoot, "models", "xray-concealment-s.onnx");

    /// <summary>The bundled CT slice detector (models/xray-concealment-ct.md).</summary>
    public static string CtModel => Path.Combine(RepoRoot, "models", "xray-concealment-ct.onnx");

    /// <summary>The bundled model's operating threshold from its profile (models/models.json), so tests follow retraining.</summary>
    public static double BundledOperatingThreshold => ManifestEntry("xray-concealment-s.onnx").GetProperty("operating_threshold").GetDouble();

    /// <summary>One model's entry in models/models.json, so tests follow retraining.</summary>
    public static System.Text.Json.JsonElement ManifestEntry(string file) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "models", "models.json")))
            .RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("file").GetString() == file).Clone();

    /// <summary>A fresh empty folder under the test run's temp area.</summary>
    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "xray-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>A 16-bit grey gradient with a dark block: a plausible transmission image.</summary>
    public static Mat Grey16(int w, int h)
    {
        var m = new Mat(h, w, MatType.CV_16UC1, new Scalar(60000));
        Cv2.Rectangle(m, new Rect(w / 4, h / 4, w / 3, h / 3), new Scalar(9000), -1);
        Cv2.Rectangle(m, new Rect(w / 2, h / 2, w / 5, h / 5), new Scalar(30000), -1);
        return m;
    }

    public static byte[] Encode(string ext, Mat m)
    {
        Cv2.ImEncode(ext, m, out byte[] bytes);
        return bytes;
    }

    public static string Write(string dir, string name, byte[] bytes)
    {
        string p = Path.Combine(dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private static string FindRoot()
    {
        string? d = AppContext.BaseDirectory;
        while (d is not null && !File.Exists(Path.Combine(d, "XrayAnalysis.sln")))
        {
            d = Path.GetDirectoryName(d);
        }

        return d ?? throw new InvalidOperationException("cannot find XrayAnalysis.sln above " + AppContext.BaseDirectory);
    }
}
