namespace XrayAnalysis.Pipeline;

/// <summary>A steady-state run of many scans through one pipeline (<see cref="PipelineBenchmark.Throughput"/>).</summary>
/// <param name="Scans">Scans processed (after one warm-up scan).</param>
/// <param name="NotOk">Scans whose result was not ok.</param>
/// <param name="WallSeconds">Wall time of the run.</param>
/// <param name="CpuSeconds">Process CPU time (user + system, all threads) during the run.</param>
/// <param name="StageSeconds">Per stage, the sum over scans of the time the stage took on the thread that ran it.</param>
/// <param name="PrefetchDepth">Scans prepared ahead of inference.</param>
public sealed record ThroughputResult(int Scans, int NotOk, double WallSeconds, double CpuSeconds, IReadOnlyDictionary<string, double> StageSeconds, int PrefetchDepth)
{
    /// <summary>Scans per second of wall time.</summary>
    public double ScansPerSecond => Scans / Math.Max(1e-9, WallSeconds);

    /// <summary>Average cores busy: CPU time over wall time.</summary>
    public double CoresBusy => CpuSeconds / Math.Max(1e-9, WallSeconds);
}
