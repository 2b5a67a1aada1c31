using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Pipeline;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Tiling;

namespace XrayAnalysis.Cli.Archive;

/// <summary>
/// The worker side of <c>xray batch</c>: one model session, scans one at a time from stdin, one reply line each. Everything
/// that can go wrong with one input is already isolated by the pipeline; what it cannot isolate (a native crash, an
/// out-of-memory kill, a hang) ends this process, and the coordinator blames the one scan in hand.
/// </summary>
internal static partial class BatchWorker
{
    /// <summary>Test-only fault injection: a worker given a file whose name contains this value dies of SIGSEGV.</summary>
    public const string CrashOnVariable = "XRAY_TEST_CRASH_ON";

    /// <summary>Test-only fault injection: a worker given a file whose name contains this value hangs.</summary>
    public const string HangOnVariable = "XRAY_TEST_HANG_ON";

    public static int Run(OnnxDetector detector, XrayDetectorOptions options, double? alarmThreshold, TextReader stdin, TextWriter stdout)
    {
        using XrayDetector xd = XrayDetector.Over(detector, options);
        DetectionPipeline pipeline = xd.Pipeline;
        (double threshold, string source) = alarmThreshold is { } t ? (t, "option")
            : detector.Model.Profile?.OperatingThreshold is { } p ? (p, "model profile") : (0.5, "default; no model profile");
        string parameters = CanonicalParams(detector, options, threshold);
        stdout.WriteLine(WorkerProtocol.Write(new WorkerHello(Environment.ProcessId, detector.Model.Sha256, detector.Model.Path, parameters, threshold, source)));
        stdout.Flush();

        string? crashOn = Environment.GetEnvironmentVariable(CrashOnVariable);
        string? hangOn = Environment.GetEnvironmentVariable(HangOnVariable);
        while (stdin.ReadLine() is { } line)
        {
            WorkRequest req = WorkerProtocol.Read<WorkRequest>(line) ?? throw new InvalidDataException("empty request");
            string name = Path.GetFileName(req.Path);
            if (!string.IsNullOrEmpty(crashOn) && name.Contains(crashOn, StringComparison.Ordinal))
            {
                // A real SIGSEGV death, as a decoder's bad pointer gives: the runtime's own handler is taken off first.
                _ = Signal(11, 0);
                _ = Raise(11);
            }

            if (!string.IsNullOrEmpty(hangOn) && name.Contains(hangOn, StringComparison.Ordinal))
            {
                Thread.Sleep(Timeout.Infinite);
            }

            stdout.WriteLine(WorkerProtocol.Write(Process(pipeline, req, threshold)));
            stdout.Flush();
        }

        return ExitCodes.Ok;
    }

    private static WorkReply Process(DetectionPipeline pipeline, WorkRequest req, double threshold)
    {
        var sw = Stopwatch.StartNew();
        ScanInput input = req.Low is null ? ScanInput.Single(req.Path) : ScanInput.Pair(req.Path, req.Low, ScanDiscovery.PairName(req.Path, req.Low));
        ScanResult res;
        using (ScanOutcome outcome = pipeline.Process([input], keepRendered: false).Single())
        {
            res = outcome.Result;
        }

        double rss = Environment.WorkingSet / (1024.0 * 1024.0);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(req.Result)!);
            AtomicFile.WriteAllBytes(req.Result, ResultJson.Serialize(res));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new WorkReply(req.Id, ScanState.Failed, Verdict.NotOk, null, sw.Elapsed.TotalMilliseconds, rss,
                $"cannot write result {req.Result}: {Reasons.OneLine(ex.Message, "I/O error")}", DiskFull: DetectBatch.IsDiskFull(ex));
        }

        (string state, string verdict, Dictionary<string, float>? top) = Judge(res, threshold);
        return new WorkReply(req.Id, state, verdict, top, sw.Elapsed.TotalMilliseconds, rss, res.Status == ScanStatus.Ok ? null : res.Reason);
    }

    /// <summary>Ledger state, verdict at <paramref name="threshold"/> and the top score per class of one result.</summary>
    public static (string State, string Verdict, Dictionary<string, float>? Top) Judge(ScanResult res, double threshold)
    {
        if (res.Status != ScanStatus.Ok)
        {
            string state = res.Status switch
            {
                ScanStatus.Incomplete => ScanState.Incomplete,
                ScanStatus.Rejected => ScanState.Rejected,
                _ => ScanState.Failed,
            };
            return (state, Verdict.NotOk, null);
        }

        var top = new SortedDictionary<string, float>(StringComparer.Ordinal);
        foreach (DetectionRecord d in res.Detections)
        {
            top[d.ClassName] = Math.Max(top.GetValueOrDefault(d.ClassName), d.Score);
        }

        bool alarm = top.Values.Any(s => s >= threshold);
        string verdict = alarm ? Verdict.Alarm : res.UnableToClear ? Verdict.UnableToClear : Verdict.Clear;
        return (ScanState.Done, verdict, new Dictionary<string, float>(top, StringComparer.Ordinal));
    }

    /// <summary>The effective settings that decide a result, as canonical JSON: equal JSON, equal generation.</summary>
    private static string CanonicalParams(OnnxDetector detector, XrayDetectorOptions options, double threshold)
    {
        var o = new JsonSerializerOptions { WriteIndented = false };
        var doc = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["confidence"] = detector.Settings.Confidence,
            ["iou"] = detector.Settings.Iou,
            ["settings"] = JsonSerializer.SerializeToElement(detector.Settings, o),
            ["contract"] = JsonSerializer.SerializeToElement(detector.Contract, o),
            ["tiles"] = JsonSerializer.SerializeToElement(options.Tiles, o),
            ["render"] = JsonSerializer.SerializeToElement(options.Render, o),
            ["max_pixels"] = options.Loader.MaxPixels,
            ["threshold"] = threshold,
        };
        return JsonSerializer.Serialize(doc, o);
    }

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "raise")]
    private static partial int Raise(int signal);
}
