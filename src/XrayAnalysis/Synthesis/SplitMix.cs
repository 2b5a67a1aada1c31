namespace XrayAnalysis.Synthesis;

/// <summary>
/// A small deterministic PRNG (SplitMix64) whose sequence is fixed by this code, not by the runtime version, so that
/// the same (seed, kind, index) gives byte-identical scenes on every machine and .NET release.
/// </summary>
internal sealed class SplitMix
{
    private ulong _state;

    public SplitMix(ulong seed) => _state = seed;

    /// <summary>A stream for scene <paramref name="index"/> of route <paramref name="kind"/> under <paramref name="seed"/>.</summary>
    public static SplitMix For(long seed, string kind, long index)
    {
        ulong h = 1469598103934665603UL;
        foreach (char c in kind)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        var m = new SplitMix(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL) ^ h ^ unchecked((ulong)index * 0xD1B54A32D192ED03UL));
        m.NextU64();
        return m;
    }

    public ulong NextU64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double Next() => (NextU64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Range(double lo, double hi) => lo + ((hi - lo) * Next());

    /// <summary>Uniform integer in [lo, hi).</summary>
    public int Int(int lo, int hi) => lo + (int)(Next() * (hi - lo));

    public bool Chance(double p) => Next() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Int(0, items.Count)];

    /// <summary>Standard normal (Box–Muller).</summary>
    public double Gaussian()
    {
        double u = 1.0 - Next();
        double v = Next();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>A 32-bit seed for OpenCV's RNG, drawn from this stream.</summary>
    public ulong SubSeed() => NextU64();
}
