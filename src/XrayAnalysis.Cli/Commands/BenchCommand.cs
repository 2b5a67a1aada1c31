using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Pipeline;
using XrayAnalysis.Synthesis;
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
        var soak = new Option<int>("--soak") { Description = "Also run the first scan this many times and report resident memory every 10%.", DefaultValueFactory = _ => 0 };
        var det = new DetectorCliOptions();
        var tiles = new TileCliOptions();
        var cmd = new Command("bench", "Time the pipeline end to end per stage and report pipeline efficiency (Session.Run share).");
        cmd.Add(scans);
        cmd.Add(repeat);
        cmd.Add(soak);
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

            using (detector)
            {
                string tmp = Path.Combine(Path.GetTempPath(), "xray-bench-" + Environment.ProcessId);
                string[] paths = r.GetValue(scans) is { Length: > 0 } given ? given : MakeDefaultScans(tmp);
                o.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {RuntimeInfo()}; model {detector.Model.Name} {detector.Model.InputWidth}x{detector.Model.InputHeight}, batch {detector.MaxBatch}, intra-op threads {(detector.Options.IntraOpThreads == 0 ? "default" : detector.Options.IntraOpThreads)}");
                var pipeline = new DetectionPipeline(detector, null, null, tileOptions);
                foreach (ScanInput input in ScanDiscovery.Discover(paths, out _))
                {
                    BenchOne(pipeline, input, r.GetValue(repeat), o);
                }

                if (r.GetValue(soak) is > 0 and int n)
                {
                    Soak(pipeline, ScanDiscovery.Discover(paths, out _)[0], n, o);
                }

                if (Directory.Exists(tmp))
                {
                    Directory.Delete(tmp, true);
                }
            }

            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void BenchOne(DetectionPipeline pipeline, ScanInput input, int repeat, TextWriter o)
    {
        var tensors = new List<(float[] Data, int Count)>();
        var stageRuns = new List<Dictionary<string, double>>();
        var walls = new List<double>();
        ScanResult? last = null;
        for (int i = 0; i <= repeat; i++)
        {
            // The warm-up run records the input tensors (they are the same every run); timed runs copy nothing.
            pipeline.BeforeRun = i == 0 ? (buf, count) => tensors.Add(((float[])buf.Clone(), count)) : null;
            var sw = Stopwatch.StartNew();
            foreach (ScanOutcome outcome in pipeline.Process([input], keepRendered: false))
            {
                using (outcome)
                {
                    var wsw = Stopwatch.StartNew();
                    byte[] json = ResultJson.Serialize(outcome.Result);
                    AtomicFile.WriteAllBytes(Path.Combine(Path.GetTempPath(), $"xray-bench-{Environment.ProcessId}.json"), json);
                    last = outcome.Result;
                    if (i > 0)
                    {
                        var timing = new Dictionary<string, double>(outcome.Result.TimingsMs, StringComparer.Ordinal) { ["write"] = wsw.Elapsed.TotalMilliseconds };
                        stageRuns.Add(timing);
                    }
                }
            }

            if (i > 0)
            {
                walls.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        File.Delete(Path.Combine(Path.GetTempPath(), $"xray-bench-{Environment.ProcessId}.json"));

        // Bare Session.Run over the same tensors, same batch sizes, same repetitions.
        var runOnly = new List<double>();
        for (int i = 0; i < repeat; i++)
        {
            double ms = 0;
            foreach ((float[] data, int count) in tensors)
            {
                ms += pipeline.Detector.RunOnly(data, count).TotalMilliseconds;
            }

            runOnly.Add(ms);
        }

        double wall = Median(walls), run = Median(runOnly);
        string[] stages = ["decode", "render", "preprocess", "inference", "postprocess", "merge", "write"];
        o.WriteLine();
        o.WriteLine($"{Path.GetFileName(input.Path)}{(input.LowEnergyPath is null ? "" : " + low")}: {last?.Width}x{last?.Height}, {(last?.Tiling is { } t ? $"{t.Tiles} tiles of {t.TileSize} px, overlap {t.Overlap}, {t.MergeMethod}/{t.MatchMetric} {t.MatchThreshold}" : "whole image")}, {last?.Detections.Count} detections; median of {repeat} runs");
        foreach (string s in stages)
        {
            double v = Median(stageRuns.Select(x => x.GetValueOrDefault(s)).ToList());
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {s,-12} {v,9:0.0} ms"));
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"end-to-end",-12} {wall,9:0.0} ms"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"Session.Run",-12} {run,9:0.0} ms  (bare, same {tensors.Count} input tensor(s))"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  efficiency   {run / wall,9:0.000}  (Session.Run / end-to-end)"));
        double merge = Median(stageRuns.Select(x => x.GetValueOrDefault("merge")).ToList());
        if (merge > 0)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  merge/inference {merge / Median(stageRuns.Select(x => x.GetValueOrDefault("inference")).ToList()),6:0.000}"));
        }
    }

    private static void Soak(DetectionPipeline pipeline, ScanInput input, int n, TextWriter o)
    {
        o.WriteLine();
        o.WriteLine($"soak: {n} runs of {Path.GetFileName(input.Path)}");
        for (int i = 1; i <= n; i++)
        {
            foreach (ScanOutcome outcome in pipeline.Process([input], keepRendered: false))
            {
                outcome.Dispose();
            }

            if (i % Math.Max(1, n / 10) == 0)
            {
                using var p = Process.GetCurrentProcess();
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {i,6}: RSS {p.WorkingSet64 / 1048576.0,7:0.0} MiB, managed heap {GC.GetTotalMemory(false) / 1048576.0,6:0.0} MiB"));
            }
        }
    }

    private static string[] MakeDefaultScans(string dir)
    {
        SynthWriter.Write(new SynthOptions { Kind = SceneKind.Baggage, Seed = 9001, ThreatRate = 1 }, 1, Path.Combine(dir, "baggage"));
        SynthWriter.Write(new SynthOptions { Kind = SceneKind.Cargo, Seed = 9001, ThreatRate = 1 }, 1, Path.Combine(dir, "cargo"));
        return [Path.Combine(dir, "baggage", "raw"), Path.Combine(dir, "cargo", "raw")];
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

    private static string RuntimeInfo()
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        return $"{cpu}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}";
    }
}
