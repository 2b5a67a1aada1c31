using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Merging;
using XrayAnalysis.Pipeline;
using XrayAnalysis.Tiling;

namespace XrayAnalysis.Cli.Commands;

/// <summary>
/// <c>xray bench --model M</c>: end-to-end timing per stage on a 1024×768 baggage scan and an 8192-px cargo scan (made
/// by the synthesiser, or given with --scan), and pipeline efficiency = bare Session.Run time on the very same input
/// tensors ÷ end-to-end time, both measured in this run.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var scans = new Option<string[]>("--scan") { Description = "Scans to time (default: a synthetic 1024x768 baggage pair and an 8192x1536 cargo pair).", AllowMultipleArgumentsPerToken = true };
        var repeat = new Option<int>("--repeat") { Description = "Timed repetitions per scan (after one warm-up run); medians are reported.", DefaultValueFactory = _ => 5 };
        var throughput = new Option<int>("--throughput") { Description = "Also run this many scans in one batch (cycling through the --scan inputs, or the baggage pair by default) and report steady-state scans/s, CPU use and per-stage time sums.", DefaultValueFactory = _ => 0 };
        var soak = new Option<int>("--soak") { Description = "Also run the first scan this many times and report resident memory every 10%.", DefaultValueFactory = _ => 0 };
        var det = new DetectorCliOptions();
        var tiles = new TileCliOptions();
        var cmd = new Command("bench", "Time the pipeline end to end per stage and report pipeline efficiency (Session.Run share).");
        cmd.Add(scans);
        cmd.Add(repeat);
        cmd.Add(soak);
        cmd.Add(throughput);
        det.AddTo(cmd);
        tiles.AddTo(cmd);
        cmd.SetAction(r =>
        {
            TextWriter o = r.InvocationConfiguration.Output;
            TileOptions tileOptions;
            try
            {
                tileOptions = tiles.Build(r);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                r.InvocationConfiguration.Error.WriteLine($"xray: {UsageErrors.Describe(ex)}");
                return ExitCodes.UsageError;
            }

            int opened = det.TryOpen(r, r.InvocationConfiguration.Error, out OnnxDetector? detector);
            if (detector is null)
            {
                return opened;
            }

            using XrayDetector xd = XrayDetector.Over(detector, new XrayDetectorOptions { Tiles = tileOptions });
            string tmp = Path.Combine(Path.GetTempPath(), "xray-bench-" + Environment.ProcessId);
            try
            {
                IReadOnlyList<string> paths = r.GetValue(scans) is { Length: > 0 } given ? given : PipelineBenchmark.WriteDefaultScans(tmp);
                o.WriteLine($"machine: {PipelineBenchmark.Machine()}; model {xd.Model.Name} {xd.Model.InputWidth}x{xd.Model.InputHeight}, batch {detector.MaxBatch}, intra-op threads {(detector.Options.IntraOpThreads == 0 ? "default" : detector.Options.IntraOpThreads)}");
                IReadOnlyList<ScanInput> inputs = ScanDiscovery.Discover(paths, out _);
                foreach (ScanInput input in inputs)
                {
                    Print(o, input, PipelineBenchmark.Measure(xd, input, Math.Max(1, r.GetValue(repeat))));
                }

                if (r.GetValue(throughput) is > 0 and int count && inputs.Count > 0)
                {
                    // Given scans are cycled through (all of them); by default the baggage pair alone (the cargo pair is tiled).
                    IReadOnlyList<ScanInput> cycle = r.GetValue(scans) is { Length: > 0 } ? inputs : [inputs[0]];
                    ThroughputResult t = PipelineBenchmark.Throughput(xd, cycle, count);
                    o.WriteLine();
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"steady state: {t.Scans} scans ({cycle.Count} distinct) in {t.WallSeconds:0.00} s = {t.ScansPerSecond:0.0} scans/s (prefetch {t.PrefetchDepth}, batch {detector.MaxBatch}); CPU {t.CpuSeconds:0.00} s = {t.CoresBusy:0.00} of {Environment.ProcessorCount} cores busy{(t.NotOk > 0 ? $"; {t.NotOk} not ok" : "")}"));
                    foreach ((string stage, double sec) in t.StageSeconds.OrderByDescending(kv => kv.Value))
                    {
                        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {stage,-12} {sec,8:0.00} s summed  ({1000 * sec / t.Scans,7:0.0} ms per scan)"));
                    }

                    o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  stage times sum to {t.StageSeconds.Values.Sum():0.00} s on their threads within {t.WallSeconds:0.00} s of wall: the overlap the prefetch buys; inference runs on ONNX Runtime's intra-op threads, so its CPU is up to that many times its time"));
                    if (double.IsFinite(t.DecodeCpuSeconds))
                    {
                        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  CPU by stage (thread CPU time, where the cores went): decode {t.DecodeCpuSeconds:0.00} s ({100 * t.DecodeCpuSeconds / t.CpuSeconds:0}%, {1000 * t.DecodeCpuSeconds / t.Scans:0.0} ms per scan), render {t.RenderCpuSeconds:0.00} s ({100 * t.RenderCpuSeconds / t.CpuSeconds:0}%, {1000 * t.RenderCpuSeconds / t.Scans:0.0} ms), inference and the rest {t.OtherCpuSeconds:0.00} s ({100 * t.OtherCpuSeconds / t.CpuSeconds:0}%, {1000 * t.OtherCpuSeconds / t.Scans:0.0} ms)"));
                    }
                }

                if (r.GetValue(soak) is > 0 and int n && inputs.Count > 0)
                {
                    o.WriteLine();
                    o.WriteLine($"soak: {n} runs of {Path.GetFileName(inputs[0].Path)}");
                    foreach ((int run, long rss, long managed) in PipelineBenchmark.Soak(xd, inputs[0], n))
                    {
                        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {run,6}: RSS {rss / 1048576.0,7:0.0} MiB, managed heap {managed / 1048576.0,6:0.0} MiB"));
                    }
                }
            }
            finally
            {
                if (Directory.Exists(tmp))
                {
                    Directory.Delete(tmp, true);
                }
            }

            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void Print(TextWriter o, ScanInput input, PipelineTiming t)
    {
        ScanResult last = t.Result;
        o.WriteLine();
        o.WriteLine($"{Path.GetFileName(input.Path)}{(input.LowEnergyPath is null ? "" : " + low")}: {last.Width}x{last.Height}, " +
                    $"{(last.Tiling is { } ti ? $"{ti.Tiles} tiles of {ti.TileSize} px, overlap {ti.Overlap}, {JsonNamingPolicy.SnakeCaseLower.ConvertName(ti.MergeMethod.ToString())}/{ti.MatchMetric.ToString().ToLowerInvariant()} {ti.MatchThreshold}{(ti.MergeMethod == MergeMethod.GreedyNmm ? $", grow ratio {ti.GrowScoreRatio}" : "")}" : "whole image")}, " +
                    $"{last.Detections.Count} detections; median of {t.Repeats} runs");
        foreach ((string stage, double ms) in t.StageMedians.Stages())
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {stage,-12} {ms,9:0.0} ms"));
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"end-to-end",-12} {t.EndToEndMs,9:0.0} ms"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"Session.Run",-12} {t.SessionRunMs,9:0.0} ms  (bare, same {t.Tensors} input tensor(s))"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  efficiency   {t.Efficiency,9:0.000}  (Session.Run / end-to-end)"));
        if (t.StageMedians.Merge is { } merge && t.StageMedians.Inference is { } inference && inference > 0)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  merge/inference {merge / inference,6:0.000}"));
        }
    }
}
