namespace XrayAnalysis.Cli;

/// <summary>
/// First Ctrl-C (or SIGTERM) asks the running batch to stop after the scan in hand and write what it has; a second
/// Ctrl-C ends the process at once, as usual.
/// </summary>
internal sealed class ConsoleInterrupt : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly System.Runtime.InteropServices.PosixSignalRegistration _term;

    public ConsoleInterrupt()
    {
        Console.CancelKeyPress += OnCancel;
        _term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = !_cts.IsCancellationRequested;
            _cts.Cancel();
        });
    }

    public CancellationToken Token => _cts.Token;

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = !_cts.IsCancellationRequested;
        _cts.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _term.Dispose();
        _cts.Dispose();
    }
}
