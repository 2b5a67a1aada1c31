using BenchmarkDotNet.Attributes;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Benchmarks;

/// <summary>Undoing one PNG filter over a 1024 × 768 RGB image's rows (3,072 bytes each), per filter type.</summary>
public class UnfilterBenchmarks
{
    private byte[] _rows = null!, _prev = null!, _work = null!;

    [Params((byte)1, (byte)2, (byte)3, (byte)4)]
    public byte Filter { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        _rows = new byte[3072 * 768];
        r.NextBytes(_rows);
        _prev = new byte[3072];
        r.NextBytes(_prev);
        _work = new byte[3072];
    }

    [Benchmark(Description = "PngDecoder.Unfilter, 768 rows of 3,072 bytes (bpp 3)")]
    public int Unfilter()
    {
        for (int y = 0; y < 768; y++)
        {
            _rows.AsSpan(y * 3072, 3072).CopyTo(_work);
            PngDecoder.Unfilter(Filter, _work, _prev, 3);
        }

        return _work[5];
    }
}
