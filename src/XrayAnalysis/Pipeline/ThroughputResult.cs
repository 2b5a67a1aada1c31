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

    /// <summary>CPU time (thread CPU, summed over the prefetch workers) spent reading, checking and decoding scans; NaN where thread CPU cannot be read.</summary>
    public double DecodeCpuSeconds { get; init; } = double.NaN;

    /// <summary>CPU time spent rendering scans for the model and in the shield check (prefetch workers).</summary>
    public double RenderCpuSeconds { get; init; } = double.NaN;

    /// <summary>
    /// Everything else: inference on ONNX Runtime's threads (the bulk), writing tensors, postprocessing and the
    /// pipeline's own bookkeeping — the process CPU less decoding and rendering.
    /// </summary>
    public double OtherCpuSeconds => CpuSeconds - DecodeCpuSeconds - RenderCpuSeconds;
}
