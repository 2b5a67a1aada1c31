using System.Diagnostics;
using System.Globalization;

namespace XrayAnalysis.Fuzz;

/// <summary><c>fuzz TARGET SEEDDIR EXECUTIONS SEED [FINDINGSDIR]</c>: one coverage-guided run, figures on stdout as one TSV line.</summary>
internal static class FuzzCommand
{
    public static int Run(string target, string seedDir, long executions, int seed, string? findings)
    {
        IReadOnlyList<string> exts = FuzzTargets.SeedExtensions(target);
        byte[][] seeds = Directory.GetFiles(seedDir).Where(f => exts.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        bool instrumented = typeof(XrayAnalysis.Loading.ImageHeaderProbe).Assembly.GetReferencedAssemblies().Any(a => a.Name == "SharpFuzz.Common");
        string scratch = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var sw = Stopwatch.StartNew();
        using var engine = new FuzzEngine(target, seeds, seed, scratch);
        engine.Run(executions, TimeSpan.FromHours(12), msg => Console.Error.WriteLine(msg));
        if (findings is not null && engine.Findings.Count > 0)
        {
            engine.SaveFindings(Path.Combine(findings, target));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target}\t{engine.Executions}\t{sw.Elapsed.TotalSeconds:0}\t{engine.Executions / sw.Elapsed.TotalSeconds:0}\t{engine.CorpusSize}\t{engine.EdgesCovered}\t{engine.Findings.Count}\t{(instrumented ? "coverage" : "no-coverage")}"));
        foreach (string key in engine.Findings.Keys)
        {
            Console.Error.WriteLine($"finding: {target}: {key}");
        }

        return engine.Findings.Count == 0 ? 0 : 1;
    }
}
