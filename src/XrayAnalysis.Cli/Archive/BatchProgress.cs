using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace XrayAnalysis.Cli.Archive;

/// <summary>
/// Progress of a run: a live Spectre.Console panel on a terminal, plain periodic lines otherwise (CI, Slurm and
/// Kubernetes logs), and a last line at the end.
/// </summary>
internal sealed class BatchProgress(TextWriter log, bool live, TimeSpan interval)
{
    private readonly Stopwatch _sw = new();
    private Func<(Dictionary<string, long> Counts, int Processed, int Todo)>? _read;
    private Thread? _thread;
    private volatile bool _stop;

    public void Start(Func<(Dictionary<string, long> Counts, int Processed, int Todo)> read)
    {
        _read = read;
        _sw.Start();
        _thread = new Thread(live ? Live : Lines) { IsBackground = true, Name = "progress" };
        _thread.Start();
    }

    public void Stop()
    {
        _stop = true;
        _thread?.Join();
        if (_read is not null)
        {
            log.WriteLine(Line(_read()));
        }
    }

    private void Lines()
    {
        while (!Wait(interval))
        {
            log.WriteLine(Line(_read!()));
        }
    }

    private void Live()
    {
        AnsiConsole.Live(new Markup(string.Empty)).AutoClear(true).Start(ctx =>
        {
            while (!Wait(TimeSpan.FromMilliseconds(500)))
            {
                ctx.UpdateTarget(new Markup(Markup.Escape(Line(_read!()))));
            }
        });
    }

    private bool Wait(TimeSpan t)
    {
        var until = _sw.Elapsed + t;
        while (_sw.Elapsed < until)
        {
            if (_stop)
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return _stop;
    }

    /// <summary>One line: counts per state, scans/s over this run, ETA for this run's remaining scans.</summary>
    public string Line((Dictionary<string, long> Counts, int Processed, int Todo) s)
    {
        double secs = Math.Max(_sw.Elapsed.TotalSeconds, 1e-3);
        double rate = s.Processed / secs;
        int left = Math.Max(0, s.Todo - s.Processed);
        string eta = left == 0 ? "0 s" : rate > 0 ? Duration(left / rate) : "unknown";
        var c = s.Counts;
        return string.Create(CultureInfo.InvariantCulture,
            $"xray batch: {c[ScanState.Done]} done, {c[ScanState.Failed] + c[ScanState.Incomplete] + c[ScanState.Rejected]} not ok, {c[ScanState.Quarantined]} quarantined, " +
            $"{c[ScanState.Pending] + c[ScanState.Running]} to go; {rate:0.0} scans/s; ETA {eta}");
    }

    private static string Duration(double s) =>
        s < 90 ? $"{s:0} s" : s < 5400 ? $"{s / 60:0} min" : $"{s / 3600:0.0} h";
}
