using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using XrayAnalysis;
using XrayAnalysis.Decoding;
using XrayAnalysis.Loading;
using XrayAnalysis.Merging;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Synthesis;

namespace XrayAnalysis.Benchmarks;

/// <summary>Loading a 1024×768 dual-energy pair: our checked loader vs bare OpenCV decoding of the same bytes.</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private string _dir = null!;
    private ScanInput _pair = null!;
    private byte[] _high = null!, _low = null!;
    private readonly ScanLoader _loader = new();

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "xray-bdn-" + Environment.ProcessId);
        SynthWriter.Write(new SynthOptions { Kind = SceneKind.Baggage, Seed = 77 }, 1, _dir);
        _pair = ScanDiscovery.Discover([Path.Combine(_dir, "raw")], out _)[0];
        _high = File.ReadAllBytes(_pair.Path);
        _low = File.ReadAllBytes(_pair.LowEnergyPath!);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, true);

    [Benchmark(Baseline = true, Description = "Cv2.ImDecode x2 (no checks)")]
    public int OpenCvOnly()
    {
        using Mat a = Cv2.ImDecode(_high, ImreadModes.Unchanged);
        using Mat b = Cv2.ImDecode(_low, ImreadModes.Unchanged);
        return a.Rows + b.Rows;
    }

    [Benchmark(Description = "ScanLoader.Load (read, probe, CRC, SHA-256, decode, pair in parallel)")]
    public int Loader()
    {
        using Scan s = _loader.Load(_pair);
        return s.Height;
    }
}

/// <summary>Dual-energy pseudo-colour rendering and Ultralytics letterbox preprocessing of a 1024×768 scan.</summary>
[MemoryDiagnoser]
public class RenderPreprocessBenchmarks
{
    private Mat _high = null!, _low = null!, _bgr = null!;
    private float[] _tensor = null!;

    [GlobalSetup]
    public void Setup()
    {
        using SceneCanvas c = SceneGenerator.Generate(new SynthOptions { Kind = SceneKind.Baggage, Seed = 5 }, 0, out _);
        (_high, _low) = c.Expose(20_000, new SplitMix(1));
        _bgr = ScannerLook.Render(_high, _low, ScanPalette.Standard);
        _tensor = new float[3 * 640 * 640];
    }

    [Benchmark(Description = "DualEnergyRenderer (LUT rows)")]
    public int Render()
    {
        using Mat m = ScannerLook.Render(_high, _low, ScanPalette.Standard);
        return m.Rows;
    }

    [Benchmark(Baseline = true, Description = "letterbox → tensor, naive managed per-pixel loop")]
    public float NaivePreprocess()
    {
        // What weaker ports do: nearest-neighbour resize and per-pixel indexing in managed code.
        LetterboxTransform t = LetterboxTransform.Create(_bgr.Cols, _bgr.Rows, 640, 640, ResizeMode.Letterbox);
        int plane = 640 * 640;
        for (int y = 0; y < 640; y++)
        {
            for (int x = 0; x < 640; x++)
            {
                int sx = (int)((x - t.PadLeft) / t.ScaleX), sy = (int)((y - t.PadTop) / t.ScaleY);
                Vec3b v = sx >= 0 && sy >= 0 && sx < _bgr.Cols && sy < _bgr.Rows ? _bgr.At<Vec3b>(sy, sx) : new Vec3b(114, 114, 114);
                _tensor[(y * 640) + x] = v.Item2 / 255f;
                _tensor[plane + (y * 640) + x] = v.Item1 / 255f;
                _tensor[(2 * plane) + (y * 640) + x] = v.Item0 / 255f;
            }
        }

        return _tensor[0];
    }

    [Benchmark(Description = "InputTensorWriter (OpenCV bilinear + MixChannels into the tensor)")]
    public float Preprocess()
    {
        InputTensorWriter.Write(_bgr, 640, 640, ResizeMode.Letterbox, _tensor);
        return _tensor[0];
    }
}

/// <summary>Decoding a YOLOv8 [1, 84, 8400] output and NMS.</summary>
public class OutputDecodeBenchmarks
{
    private float[] _out = null!;
    private readonly List<Detection> _candidates = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _out = new float[84 * 8400];
        for (int i = 0; i < 8400; i++)
        {
            _out[i] = rng.Next(640);
            _out[8400 + i] = rng.Next(640);
            _out[(2 * 8400) + i] = 10 + rng.Next(100);
            _out[(3 * 8400) + i] = 10 + rng.Next(100);
            for (int c = 0; c < 80; c++)
            {
                _out[((4 + c) * 8400) + i] = (float)Math.Pow(rng.NextDouble(), 8);
            }
        }
    }

    [Benchmark(Description = "decode [84, 8400] + class-aware NMS")]
    public int DecodeAndNms()
    {
        _candidates.Clear();
        OutputDecoder.Decode(OutputLayout.UltralyticsV8, _out, 84, 8400, 640, 640, 0.25f, null, _candidates);
        return NonMaxSuppression.Apply(_candidates, 0.7f, false, 300).Count;
    }
}

/// <summary>Tile merging: grid-indexed greedy NMM against a brute-force pairwise merge.</summary>
public class MergeBenchmarks
{
    private List<MergeCandidate> _boxes = null!;

    [Params(1_000, 10_000, 100_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _boxes = new List<MergeCandidate>(N);

        // A 20,000 × 4,000 cargo scan's worth of boxes: clusters of overlapping candidates, as tiles produce.
        for (int i = 0; i < N; i++)
        {
            float x = (float)rng.NextDouble() * 20000, y = (float)rng.NextDouble() * 4000, w = 20 + ((float)rng.NextDouble() * 150), h = 20 + ((float)rng.NextDouble() * 100);
            _boxes.Add(new MergeCandidate(new Detection(rng.Next(3), (float)rng.NextDouble(), x, y, x + w, y + h), rng.Next(5) == 0, rng.Next(8)));
        }
    }

    [Benchmark(Description = "BoxMerger (grid index)")]
    public int Grid() => BoxMerger.Merge(_boxes, new MergeOptions()).Count;

    [Benchmark(Baseline = true, Description = "brute force O(n²)")]
    public int BruteForce()
    {
        if (N > 10_000)
        {
            return -1; // 10^10 comparisons: minutes; the grid's speed-up is read off the smaller sizes.
        }

        var done = new bool[N];
        int kept = 0;
        for (int i = 0; i < N; i++)
        {
            if (done[i])
            {
                continue;
            }

            kept++;
            for (int j = i + 1; j < N; j++)
            {
                if (!done[j] && BoxMerger.Match(_boxes[i].Box, _boxes[j].Box, MatchMetric.Ios) >= 0.5f)
                {
                    done[j] = true;
                }
            }
        }

        return kept;
    }
}
