using BenchmarkDotNet.Attributes;
using XrayAnalysis.Viewing;

namespace XrayAnalysis.Benchmarks;

/// <summary>
/// The operator image functions (issue 14: ≤ 10 ms per function on a 1024 × 768 pair): each function rendered through
/// the public <see cref="ScanViewer.Render(ScanImage, ViewSettings?)"/> from the sample baggage pair (16-bit high and low
/// energy, 1024 × 768), output copied out as packed BGR bytes. Tables are built on first use and cached, as in an
/// interactive session where the operator toggles functions.
/// </summary>
[MemoryDiagnoser]
public class ViewBenchmarks
{
    private ScanImage _pair = null!;
    private ScanImage _grey16 = null!;
    private ViewSettings _settings = ViewSettings.Standard;

    [Params("colour", "grey", "negative", "edge", "organic-only", "inorganic-only", "high-penetration", "low-penetration", "density=0.7", "gamma=0.6", "zoom=256,192,512,384@2")]
    public string Function { get; set; } = "colour";

    [GlobalSetup]
    public void Setup()
    {
        string raw = Path.Combine(RepoRoot(), "sample-images", "baggage", "raw");
        _pair = ScanImage.FromDualEnergyFiles(Path.Combine(raw, "baggage_00000_high.png"), Path.Combine(raw, "baggage_00000_low.png"));
        _grey16 = ScanImage.FromFile(Path.Combine(raw, "baggage_00000_high.png"));
        _settings = ViewSettings.Parse(Function);
        ScanViewer.Render(_pair, _settings);
    }

    private static string RepoRoot()
    {
        string? d = AppContext.BaseDirectory;
        while (d is not null && !File.Exists(Path.Combine(d, "XrayAnalysis.sln")))
        {
            d = Path.GetDirectoryName(d);
        }

        return d ?? throw new InvalidOperationException("run from inside the repository (XrayAnalysis.sln not found above " + AppContext.BaseDirectory + ")");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pair.Dispose();
        _grey16.Dispose();
    }

    /// <summary>The dual-energy pair (what item 2 measures).</summary>
    [Benchmark(Baseline = true)]
    public int Pair() => ScanViewer.Render(_pair, _settings).Width;

    /// <summary>The high-energy image alone, as a 16-bit single-energy scan (material functions fall back to the standard view).</summary>
    [Benchmark]
    public int Grey16() => ScanViewer.Render(_grey16, _settings.Materials == MaterialFilter.All ? _settings : _settings with { Materials = MaterialFilter.All }).Width;
}
