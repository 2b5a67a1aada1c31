using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using XrayAnalysis.Cli.Archive;

namespace XrayAnalysis.Tests.Archive;

/// <summary>Runs the real <c>xray</c> program (the apphost next to the tests) and checks a run folder against its ledger.</summary>
internal static class BatchHarness
{
    public static string Xray => Path.Combine(AppContext.BaseDirectory, "xray");

    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(Xray) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach ((string k, string v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        return Process.Start(psi)!;
    }

    public static (int Code, string Out, string Err) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, int timeoutSeconds = 300)
    {
        using Process p = Start(args, env);
        Task<string> o = p.StandardOutput.ReadToEndAsync(), e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"xray {string.Join(' ', args)} did not end in {timeoutSeconds} s");
        }

        p.WaitForExit();
        return (p.ExitCode, o.Result, e.Result);
    }

    /// <summary>Rows of <c>xray batch report</c> for the latest generation, keyed by input path.</summary>
    public static Dictionary<string, string[]> Report(string runDir)
    {
        using ArchiveLedger ledger = ArchiveLedger.Open(BatchCoordinator.LedgerPath(runDir), readOnly: true);
        string csv = XrayAnalysis.Cli.Commands.BatchCommand.ReportCsv(ledger, ledger.Generations()[^1].Id);
        var rows = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (string line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            string[] cells = SplitCsv(line);
            Assert.That(rows.TryAdd(cells[0], cells), Is.True, $"{cells[0]} appears twice in the report");
        }

        return rows;
    }

    /// <summary>
    /// Every expected input accounted for exactly once and final; every finished row's result file on disk, complete
    /// and of the same status; no result file on disk that the ledger does not name (nothing duplicated).
    /// </summary>
    public static void AssertConsistent(string runDir, IEnumerable<string> expectedPaths)
    {
        Dictionary<string, string[]> report = Report(runDir);
        string[] expected = [.. expectedPaths.Order(StringComparer.Ordinal)];
        Assert.That(report.Keys.Order(StringComparer.Ordinal), Is.EqualTo(expected), "every input accounted for, once");
        using ArchiveLedger ledger = ArchiveLedger.Open(BatchCoordinator.LedgerPath(runDir), readOnly: true);
        foreach (GenerationInfo g in ledger.Generations())
        {
            var named = new HashSet<string>(StringComparer.Ordinal);
            foreach (LedgerScan s in ledger.Scans(g.Id))
            {
                Assert.That(ScanState.IsFinal(s.State), Is.True, $"{s.Path} is {s.State}");
                if (s.ResultPath is null)
                {
                    Assert.That(s.State, Is.AnyOf(ScanState.Quarantined, ScanState.Failed), $"{s.Path}: a {s.State} scan has a result file");
                    continue;
                }

                string file = Path.Combine(runDir, s.ResultPath);
                Assert.That(File.Exists(file), Is.True, $"{s.Path}: {file} is missing");
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(file));
                string status = doc.RootElement.GetProperty("status").GetString()!;
                Assert.That(status == "ok" ? ScanState.Done : status, Is.EqualTo(s.State), $"{file}: status vs ledger");
                named.Add(Path.GetFullPath(file));
            }

            string genDir = Path.Combine(runDir, "results", $"g{g.Id}");
            string[] onDisk = Directory.Exists(genDir) ? Directory.GetFiles(genDir, "*", SearchOption.AllDirectories) : [];
            Assert.That(onDisk.Select(Path.GetFullPath).Order(StringComparer.Ordinal), Is.EqualTo(named.Order(StringComparer.Ordinal)),
                $"generation {g.Id}: the files under results/ are exactly those the ledger names");
        }
    }

    public static double Seconds(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static string[] SplitCsv(string line)
    {
        var cells = new List<string>();
        var cur = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cur.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cur.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cur.ToString());
                cur.Clear();
            }
            else
            {
                cur.Append(c);
            }
        }

        cells.Add(cur.ToString());
        return [.. cells];
    }
}
