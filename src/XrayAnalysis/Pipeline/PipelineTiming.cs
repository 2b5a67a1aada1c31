namespace XrayAnalysis.Pipeline;

/// <summary>One scan timed by <see cref="PipelineBenchmark.Measure"/>.</summary>
/// <param name="Result">The result of the last run (size, tiling, detections).</param>
/// <param name="Repeats">Timed runs.</param>
/// <param name="StageMedians">Median milliseconds per stage (write = the result JSON).</param>
/// <param name="EndToEndMs">Median wall time of one run.</param>
/// <param name="SessionRunMs">Median time of bare <c>Session.Run</c> over the same input tensors.</param>
/// <param name="Tensors">Input tensors (batches) one run feeds the engine.</param>
public sealed record PipelineTiming(ScanResult Result, int Repeats, StageTimings StageMedians, double EndToEndMs, double SessionRunMs, int Tensors)
{
    /// <summary>Session.Run time ÷ end-to-end time: the share of the run the engine is busy.</summary>
    public double Efficiency => SessionRunMs / Math.Max(1e-9, EndToEndMs);
}
