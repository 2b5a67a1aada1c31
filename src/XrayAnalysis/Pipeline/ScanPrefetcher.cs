using System.Diagnostics;

namespace XrayAnalysis.Pipeline;

/// <summary>
/// Reads and renders jobs ahead of the consumer on worker threads, at most <c>depth</c> at a time, and hands them back in
/// input order. A load that outlasts the per-input timeout is abandoned (its scan fails with a timeout reason and what it
/// makes later is freed). Disposing frees every load not handed out without waiting for it: a load stuck in a decoder
/// cannot hold up the caller.
/// </summary>
internal sealed class ScanPrefetcher : IDisposable
{
    private readonly IEnumerator<ScanJob> _jobs;
    private readonly Func<ScanJob, int, Loaded> _load;
    private readonly Func<ScanJob, int, TimeSpan, ScanOutcome> _timedOut;
    private readonly TimeSpan _timeout;
    private readonly int _depth;
    private readonly Queue<InFlight> _inFlight = new();
    private int _order;

    /// <param name="jobs">The inputs, in order.</param>
    /// <param name="load">Reads and renders one job (runs on a worker; never throws: failures come back as an outcome).</param>
    /// <param name="timedOut">Makes the outcome of a job abandoned after the given time.</param>
    /// <param name="timeout">Longest time one load may take from its start; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <param name="depth">Loads in flight at most (memory is bounded by this many rendered scans).</param>
    public ScanPrefetcher(IEnumerable<ScanJob> jobs, Func<ScanJob, int, Loaded> load, Func<ScanJob, int, TimeSpan, ScanOutcome> timedOut, TimeSpan timeout, int depth)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        _jobs = jobs.GetEnumerator();
        _load = load;
        _timedOut = timedOut;
        _timeout = timeout;
        _depth = depth;
    }

    /// <summary>What one load gives: a prepared scan, or the outcome of a scan that could not be prepared.</summary>
    internal readonly record struct Loaded(PreparedScan? Scan, ScanOutcome? Failure);

    /// <summary>Waits for the next job in input order; false when there are no more.</summary>
    public bool TryNext(out Loaded loaded)
    {
        Fill();
        if (!_inFlight.TryDequeue(out InFlight? next))
        {
            loaded = default;
            return false;
        }

        loaded = Await(next);
        Fill();
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        while (_inFlight.TryDequeue(out InFlight? f))
        {
            FreeWhenDone(f.Task);
        }

        _jobs.Dispose();
    }

    private void Fill()
    {
        while (_inFlight.Count < _depth && _jobs.MoveNext())
        {
            ScanJob job = _jobs.Current;
            int slot = _order++;
            var started = Stopwatch.StartNew();
            _inFlight.Enqueue(new InFlight(Task.Run(() => _load(job, slot)), job, slot, started));
        }
    }

    private Loaded Await(InFlight f)
    {
        TimeSpan left = _timeout - f.Started.Elapsed;
        if (_timeout == Timeout.InfiniteTimeSpan || f.Task.Wait(left > TimeSpan.Zero ? left : TimeSpan.Zero))
        {
            return f.Task.Result;
        }

        FreeWhenDone(f.Task);
        return new Loaded(null, _timedOut(f.Job, f.Slot, f.Started.Elapsed));
    }

    private static void FreeWhenDone(Task<Loaded> task) =>
        task.ContinueWith(t => { t.Result.Scan?.Dispose(); t.Result.Failure?.Dispose(); },
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    private sealed record InFlight(Task<Loaded> Task, ScanJob Job, int Slot, Stopwatch Started);
}
