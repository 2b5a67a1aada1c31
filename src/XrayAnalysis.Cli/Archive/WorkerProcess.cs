using System.Diagnostics;

namespace XrayAnalysis.Cli.Archive;

/// <summary>
/// One worker process (<c>xray batch worker …</c>) as the coordinator sees it: a line in, a line out, a deadline per line,
/// and a readable cause when it dies (exit code, signal, the last thing it wrote on stderr).
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _p;
    private readonly Queue<string> _stderrTail = new();
    private bool _killedByUs;

    private WorkerProcess(Process p, string name)
    {
        _p = p;
        Name = name;
    }

    public string Name { get; }

    public int Pid => _p.Id;

    public WorkerHello? Hello { get; private set; }

    public int Served { get; set; }

    /// <summary>Starts a worker and waits for its hello (the model session is open). Throws <see cref="WorkerStartException"/>.</summary>
    public static WorkerProcess Start(IReadOnlyList<string> args, string name, TimeSpan helloTimeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        (string exe, List<string> prefix) = Executable();
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in prefix.Concat(["batch", "worker"]).Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        foreach ((string k, string v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        Process p = Process.Start(psi) ?? throw new WorkerStartException($"{name}: cannot start {exe}");
        var w = new WorkerProcess(p, name);
        p.ErrorDataReceived += (_, e) => w.OnStderr(e.Data);
        p.BeginErrorReadLine();
        string? line = w.ReadLine(helloTimeout, out bool timedOut);
        WorkerHello? hello = null;
        try
        {
            hello = line is null ? null : WorkerProtocol.Read<WorkerHello>(line);
        }
        catch (System.Text.Json.JsonException)
        {
            // Reported below with what the worker said.
        }

        if (hello is null)
        {
            string why = timedOut ? $"no answer in {helloTimeout.TotalSeconds:0} s" : w.DescribeExit();
            w.Dispose();
            throw new WorkerStartException($"{name}: the worker did not start: {why}", p.HasExited ? p.ExitCode : -1);
        }

        w.Hello = hello;
        return w;
    }

    /// <summary>Sends one request line.</summary>
    public bool TrySend(string line)
    {
        try
        {
            _p.StandardInput.WriteLine(line);
            _p.StandardInput.Flush();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The next line, or null when the worker ended or <paramref name="timeout"/> passed (<paramref name="timedOut"/>).</summary>
    public string? ReadLine(TimeSpan timeout, out bool timedOut)
    {
        timedOut = false;
        Task<string?> t = _p.StandardOutput.ReadLineAsync();
        if (!t.Wait(timeout))
        {
            timedOut = true;
            return null;
        }

        return t.Result;
    }

    /// <summary>Why the worker is gone, in one line (waits briefly for it to be reaped).</summary>
    public string DescribeExit()
    {
        if (!_p.WaitForExit(5000))
        {
            return "stopped answering";
        }

        _p.WaitForExit();
        int code = _p.ExitCode;
        string how = code > 128 && code < 160
            ? $"killed by {SignalName(code - 128)}" + (code - 128 == 9 && !_killedByUs ? " (not sent by xray: most likely the out-of-memory killer)" : string.Empty)
            : $"exited with code {code}";
        string tail;
        lock (_stderrTail)
        {
            tail = _stderrTail.Count == 0 ? string.Empty : "; last words: " + _stderrTail.Last();
        }

        return $"worker {how}{tail}";
    }

    public void Kill()
    {
        _killedByUs = true;
        try
        {
            _p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Closes stdin (the worker's signal to end) and waits; kills it if it does not end in time.</summary>
    public void Retire(TimeSpan grace)
    {
        try
        {
            _p.StandardInput.Close();
        }
        catch (IOException)
        {
            // Gone already.
        }

        if (!_p.WaitForExit((int)grace.TotalMilliseconds))
        {
            Kill();
        }
    }

    /// <summary>Resident memory of the worker, from /proc (MiB), or null when it cannot be read.</summary>
    public double? RssMb()
    {
        try
        {
            foreach (string l in File.ReadLines($"/proc/{_p.Id}/status"))
            {
                if (l.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return double.Parse(l[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }

        return null;
    }

    public void Dispose()
    {
        if (!_p.HasExited)
        {
            Kill();
            _p.WaitForExit(5000);
        }

        _p.Dispose();
    }

    private void OnStderr(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_stderrTail)
        {
            _stderrTail.Enqueue(line.Trim());
            while (_stderrTail.Count > 5)
            {
                _stderrTail.Dequeue();
            }
        }
    }

    private static string SignalName(int s) => s switch
    {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => $"signal {s}",
    };

    /// <summary>The xray program: the apphost next to this assembly, else <c>dotnet xray.dll</c>.</summary>
    private static (string Exe, List<string> Prefix) Executable()
    {
        string dll = typeof(WorkerProcess).Assembly.Location;
        string apphost = Path.Combine(Path.GetDirectoryName(dll)!, "xray");
        if (File.Exists(apphost))
        {
            return (apphost, []);
        }

        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        return (dotnet, [dll]);
    }
}

/// <summary>A worker could not be started (model unusable, bad options, missing program).</summary>
internal sealed class WorkerStartException(string message, int exitCode = -1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
