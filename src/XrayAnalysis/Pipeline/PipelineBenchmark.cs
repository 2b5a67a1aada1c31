using System.Diagnostics;
using System.Runtime.InteropServices;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Synthesis;

namespace XrayAnalysis.Pipeline;

/// <summary>
/// Times the 2D pipeline end to end per stage on one scan, and the bare <c>Session.Run</c> on exactly the tensors that
/// run fed to the engine, so that pipeline efficiency (engine time ÷ end-to-end time) is measured side by side. Used by
/// <c>xray bench</c>.
/// </summary>
public static class PipelineBenchmark
{
    /// <summary>
    /// Runs <paramref name="scan"/> once to warm up (recording its input tensors), then <paramref name="repeat"/> timed
    /// times (each writing its result JSON to a temporary file, as a batch does), then bare <c>Session.Run</c> over the
    /// recorded tensors as many times. Medians are reported. Other calls on the detector wait until it is done.
    /// </summary>
    /// <param name="detector">The detector (its tiling options apply).</param>
    /// <param name="scan">A scan file, or a high-energy file with its low-energy partner.</param>
    /// <param name="repeat">Timed repetitions (at least 1).</param>
    public static PipelineTiming Measure(XrayDetector detector, ScanInput scan, int repeat)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeat, 1);
        return detector.Exclusive(pipeline => MeasureOn(pipeline, scan, repeat));
    }

    private static PipelineTiming MeasureOn(DetectionPipeline pipeline, ScanInput scan, int repeat)
    {
        var tensors = new List<(float[] Data, int Count)>();
        var stageRuns = new List<StageTimings>();
        var walls = new List<double>();
        ScanResult? last = null;
        string scratch = Path.Combine(Path.GetTempPath(), $"xray-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            for (int i = 0; i <= repeat; i++)
            {
                // The warm-up run records the input tensors (they are the same every run); timed runs copy nothing.
                pipeline.BeforeRun = i == 0 ? (buf, count) => tensors.Add(((float[])buf.Clone(), count)) : null;
                var sw = Stopwatch.StartNew();
                foreach (ScanOutcome outcome in pipeline.Process([scan], keepRendered: false))
                {
                    using (outcome)
                    {
                        var write = Stopwatch.StartNew();
                        AtomicFile.WriteAllBytes(scratch, ResultJson.Serialize(outcome.Result));
                        last = outcome.Result;
                        if (i > 0)
                        {
                            stageRuns.Add(outcome.Result.TimingsMs with { Write = write.Elapsed.TotalMilliseconds });
                        }
                    }
                }

                if (i > 0)
                {
                    walls.Add(sw.Elapsed.TotalMilliseconds);
                }
            }
        }
        finally
        {
            pipeline.BeforeRun = null;
            File.Delete(scratch);
        }

        // Bare Session.Run over the same tensors, same batch sizes, same repetitions.
        var runOnly = new List<double>();
        for (int i = 0; i < repeat; i++)
        {
            runOnly.Add(tensors.Sum(t => pipeline.Detector.RunOnly(t.Data, t.Count).TotalMilliseconds));
        }

        double? Med(Func<StageTimings, double?> stage) =>
            stageRuns.Any(x => stage(x) is not null) ? Median(stageRuns.Select(x => stage(x) ?? 0).ToList()) : null;

        var medians = new StageTimings
        {
            Decode = Med(t => t.Decode),
            Render = Med(t => t.Render),
            Preprocess = Med(t => t.Preprocess),
            Inference = Med(t => t.Inference),
            Postprocess = Med(t => t.Postprocess),
            Merge = Med(t => t.Merge),
            Write = Med(t => t.Write),
        };
        return new PipelineTiming(last!, repeat, medians, Median(walls), Median(runOnly), tensors.Count);
    }

    /// <summary>
    /// Runs <paramref name="scan"/> <paramref name="runs"/> times and reports resident and managed memory every tenth of
    /// the way, to show that memory stays flat.
    /// </summary>
    public static IEnumerable<(int Run, long ResidentBytes, long ManagedBytes)> Soak(XrayDetector detector, ScanInput scan, int runs)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(scan);
        for (int i = 1; i <= runs; i++)
        {
            detector.Exclusive(pipeline =>
            {
                foreach (ScanOutcome outcome in pipeline.Process([scan], keepRendered: false))
                {
                    outcome.Dispose();
                }

                return 0;
            });

            if (i % Math.Max(1, runs / 10) == 0)
            {
                using var p = Process.GetCurrentProcess();
                yield return (i, p.WorkingSet64, GC.GetTotalMemory(false));
            }
        }
    }

    /// <summary>
    /// Steady state: <paramref name="count"/> scans, cycling through <paramref name="scans"/>, in one pipeline run (prefetch,
    /// batching and all), after one warm-up scan. Reports wall and process CPU time and the per-stage time sums, so that
    /// where the cores go can be read beside the throughput.
    /// </summary>
    public static ThroughputResult Throughput(XrayDetector detector, IReadOnlyList<ScanInput> scans, int count)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(scans);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (scans.Count == 0)
        {
            throw new ArgumentException("no scans to run", nameof(scans));
        }

        return detector.Exclusive(pipeline =>
        {
            foreach (ScanOutcome warm in pipeline.Process([scans[0]], keepRendered: false))
            {
                warm.Dispose();
            }

            var sums = new Dictionary<string, double>(StringComparer.Ordinal);
            int notOk = 0;
            var stageCpu = new StageCpu();
            pipeline.Cpu = stageCpu;
            using var me = Process.GetCurrentProcess();
            TimeSpan cpu0 = me.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            foreach (ScanOutcome o in pipeline.Process(Enumerable.Range(0, count).Select(i => scans[i % scans.Count]), keepRendered: false))
            {
                using (o)
                {
                    notOk += o.Result.Status == ScanStatus.Ok ? 0 : 1;
                    foreach ((string stage, double ms) in o.Result.TimingsMs.Stages())
                    {
                        sums[stage] = sums.GetValueOrDefault(stage) + (ms / 1000);
                    }
                }
            }

            wall.Stop();
            pipeline.Cpu = null;
            me.Refresh();
            return new ThroughputResult(count, notOk, wall.Elapsed.TotalSeconds, (me.TotalProcessorTime - cpu0).TotalSeconds, sums, pipeline.PrefetchDepth)
            {
                DecodeCpuSeconds = stageCpu.Decode,
                RenderCpuSeconds = stageCpu.Render,
            };
        });
    }

    /// <summary>Writes the default benchmark scans (a 1024×768 baggage pair and an 8192-px cargo pair, fixed seeds) under <paramref name="folder"/>.</summary>
    /// <returns>The two folders holding the raw 16-bit pairs.</returns>
    public static IReadOnlyList<string> WriteDefaultScans(string folder)
    {
        SynthWriter.Write(new SynthOptions { Kind = SceneKind.Baggage, Seed = 9001, ThreatRate = 1 }, 1, Path.Combine(folder, "baggage"));
        SynthWriter.Write(new SynthOptions { Kind = SceneKind.Cargo, Seed = 9001, ThreatRate = 1 }, 1, Path.Combine(folder, "cargo"));
        return [Path.Combine(folder, "baggage", "raw"), Path.Combine(folder, "cargo", "raw")];
    }

    /// <summary>The machine as benchmarks name it: logical cores, CPU model, .NET version.</summary>
    public static string Machine()
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        return $"{Environment.ProcessorCount} logical cores, {cpu}, {RuntimeInformation.FrameworkDescription}";
    }

    private static double Median(List<double> v)
    {
        if (v.Count == 0)
        {
            return 0;
        }

        v.Sort();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[(v.Count / 2) - 1] + v[v.Count / 2]) / 2;
    }
}
