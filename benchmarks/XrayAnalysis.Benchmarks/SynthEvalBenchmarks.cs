using BenchmarkDotNet.Attributes;
using XrayAnalysis.Evaluation;
using XrayAnalysis.Synthesis;

namespace XrayAnalysis.Benchmarks;

/// <summary>
/// Scene synthesis on one core (OpenCV limited to one thread): one 1024×768 baggage scene (geometry, textures, physics,
/// noise, render), the same with a scanner look (amber palette, downscale 0.75, JPEG q 75), and one 256³ CT volume.
/// </summary>
[MemoryDiagnoser]
public class SynthBenchmarks
{
    [GlobalSetup]
    public void OneCore() => OpenCvSharp.Cv2.SetNumThreads(1);

    [Benchmark(Description = "baggage 1024x768 + scanner look (amber, downscale 0.75, JPEG q75)")]
    public int BaggageWithLook()
    {
        var o = new SynthOptions { Kind = SceneKind.Baggage, Seed = 1 };
        using SceneCanvas c = SceneGenerator.Generate(o, 3, out _);
        var look = new ScannerLook(ScanPalette.Amber, 20_000, 0.9, 0.75, 75);
        (OpenCvSharp.Mat h, OpenCvSharp.Mat l) = c.Expose(look.Dose, new SplitMix(7), look.BlurSigma);
        using (h)
        using (l)
        using (OpenCvSharp.Mat bgr = look.Compress(look.Resize(look.Render(h, l))))
        {
            return bgr.Rows;
        }
    }

    [Benchmark(Description = "baggage 1024x768: scene + exposure + pseudo-colour render")]
    public int Baggage()
    {
        using SceneCanvas c = SceneGenerator.Generate(new SynthOptions { Kind = SceneKind.Baggage, Seed = 1 }, 3, out _);
        (OpenCvSharp.Mat h, OpenCvSharp.Mat l) = c.Expose(20_000, new SplitMix(7));
        using (h)
        using (l)
        using (OpenCvSharp.Mat bgr = ScannerLook.Render(h, l, ScanPalette.Standard))
        {
            return bgr.Rows;
        }
    }

    [Benchmark(Description = "CT volume 256x256x256")]
    public int Ct() => CtGenerator.Generate(1, 3, 256, 256, 256, 1.0).Threats.Count;
}

/// <summary>COCO + screening evaluation of 5,000 images with 50,000 detections.</summary>
public class EvalBenchmarks
{
    private CocoDataset _gt = null!;
    private List<CocoDetection> _dt = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(11);
        var images = new List<CocoImage>();
        var anns = new List<CocoAnnotation>();
        var dets = new List<CocoDetection>();
        for (int i = 1; i <= 5000; i++)
        {
            images.Add(new CocoImage(i, $"s{i}.png", 1024, 768, i % 2 == 0 ? "baggage" : "mail"));
            int n = rng.Next(0, 3);
            for (int k = 0; k < n; k++)
            {
                double x = rng.Next(900), y = rng.Next(650), w = 20 + rng.Next(100), h = 20 + rng.Next(100);
                int cat = 1 + rng.Next(3);
                anns.Add(new CocoAnnotation(anns.Count + 1, i, cat, [x, y, w, h], w * h, false));
                dets.Add(new CocoDetection(i, cat, [x + rng.Next(-8, 8), y + rng.Next(-8, 8), w, h], rng.NextDouble()));
            }

            while (dets.Count < i * 10)
            {
                dets.Add(new CocoDetection(i, 1 + rng.Next(3), [rng.Next(900), rng.Next(650), 20 + rng.Next(100), 20 + rng.Next(100)], rng.NextDouble() * 0.6));
            }
        }

        _gt = new CocoDataset { Images = images, Annotations = anns, Categories = [new(1, "narcotics_brick"), new(2, "narcotics_packet"), new(3, "tablet_cluster")] };
        _dt = dets;
    }

    [Benchmark(Description = "COCO bbox eval, 5,000 images / 50,000 detections")]
    public double Coco() => CocoEvaluator.Evaluate(_gt, _dt).Stats[0];

    [Benchmark(Description = "same, one thread (the reference the parallel run equals bit for bit)")]
    public double CocoOneThread() => CocoEvaluator.Evaluate(_gt, _dt, parallel: false).Stats[0];

    [Benchmark(Description = "screening at one threshold, same data")]
    public double Screening() => ScreeningEvaluator.Evaluate(_gt, _dt, 0.5).Scans.Pd.Value;
}

/// <summary>
/// Choosing the threshold for a target FAR on 2,000 images / 20,000 detections: the one-sort sweep against the
/// per-candidate full evaluation it replaced (kept internal as the test reference), side by side in one run.
/// </summary>
[BenchmarkDotNet.Attributes.SimpleJob(BenchmarkDotNet.Engines.RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class ThresholdBenchmarks
{
    private CocoDataset _gt = null!;
    private List<CocoDetection> _dt = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(5);
        var images = new List<CocoImage>();
        var anns = new List<CocoAnnotation>();
        var dets = new List<CocoDetection>();
        for (int i = 1; i <= 2000; i++)
        {
            images.Add(new CocoImage(i, $"s{i}.png", 1024, 768, "baggage"));
            bool threat = rng.NextDouble() < 0.3;
            if (threat)
            {
                anns.Add(new CocoAnnotation(anns.Count + 1, i, 1, [100, 100, 50, 50], 2500, false));
            }

            for (int k = 0; k < 10; k++)
            {
                dets.Add(new CocoDetection(i, 1, [rng.Next(900), rng.Next(650), 50, 50], Math.Min(1, (rng.NextDouble() * 0.7) + (threat ? 0.3 : 0))));
            }
        }

        _gt = new CocoDataset { Images = images, Annotations = anns, Categories = [new(1, "narcotics_brick")] };
        _dt = dets;
    }

    [Benchmark(Baseline = true, Description = "threshold for FAR 0.05: full evaluation per candidate (before)")]
    public double PerCandidate() => ScreeningEvaluator.ChooseThresholdByEvaluation(_gt, _dt, null, 0.05);

    [Benchmark(Description = "threshold for FAR 0.05: one sort, one sweep")]
    public double Sweep() => ScreeningEvaluator.ChooseThreshold(_gt, _dt, null, 0.05);
}
