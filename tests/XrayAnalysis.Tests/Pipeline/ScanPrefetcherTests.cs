using OpenCvSharp;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Pipeline;

namespace XrayAnalysis.Tests.Pipeline;

/// <summary>The prefetch stage alone: order, bounded depth, timeouts, and nothing left allocated when the consumer stops.</summary>
[NonParallelizable] // timing-sensitive: a starved thread pool would delay the quick loads past the short timeout
public sealed class ScanPrefetcherTests
{
    private static OnnxDetector _detector = null!;
    private static ResultFactory _results = null!;

    [OneTimeSetUp]
    public static void Open()
    {
        _detector = OnnxDetector.Open(TestData.FixtureModel("v8"), new DetectorOptions());
        _results = new ResultFactory(_detector);
    }

    [OneTimeTearDown]
    public static void Close() => _detector.Dispose();

    private static List<ScanJob> Jobs(int n) => Enumerable.Range(0, n).Select(i => new ScanJob(ScanInput.Single($"/nowhere/s{i}.png"), null)).ToList();

    /// <summary>A stand-in load: an outcome that holds a picture, so that freeing it can be observed.</summary>
    private static ScanPrefetcher.Loaded Outcome(ScanJob job, int slot, List<Mat> made)
    {
        var picture = new Mat(4, 4, MatType.CV_8UC3);
        lock (made)
        {
            made.Add(picture);
        }

        ScanResult r = _results.FailureResult(job.Input, ScanStatus.Failed, "stand-in");
        return new ScanPrefetcher.Loaded(null, new ScanOutcome(r, picture) { Slot = slot });
    }

    private static ScanOutcome TimedOut(ScanJob job, int slot, TimeSpan elapsed) =>
        new(_results.FailureResult(job.Input, ScanStatus.Failed, "timed out"), null) { Slot = slot };

    [Test]
    public void Jobs_come_back_in_order_with_no_more_than_depth_loads_at_once()
    {
        int running = 0, most = 0;
        var made = new List<Mat>();
        var rng = new Random(3);
        int[] delays = Enumerable.Range(0, 12).Select(_ => rng.Next(0, 15)).ToArray();
        ScanPrefetcher.Loaded Load(ScanJob job, int slot)
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            Thread.Sleep(delays[slot]);
            Interlocked.Decrement(ref running);
            return Outcome(job, slot, made);
        }

        var slots = new List<int>();
        using (var p = new ScanPrefetcher(Jobs(12), Load, TimedOut, Timeout.InfiniteTimeSpan, depth: 3))
        {
            while (p.TryNext(out ScanPrefetcher.Loaded l))
            {
                using ScanOutcome o = l.Failure!;
                slots.Add(o.Slot);
            }
        }

        Assert.That(slots, Is.EqualTo(Enumerable.Range(0, 12)));
        Assert.That(most, Is.InRange(1, 3));
        Assert.That(made.All(m => m.IsDisposed), Is.True);
    }

    [Test]
    public void Stopping_early_frees_every_load_in_flight_once_it_ends()
    {
        var made = new List<Mat>();
        using var release = new ManualResetEventSlim(false);
        ScanPrefetcher.Loaded Load(ScanJob job, int slot)
        {
            if (slot > 0)
            {
                release.Wait(TimeSpan.FromSeconds(10));
            }

            return Outcome(job, slot, made);
        }

        var p = new ScanPrefetcher(Jobs(8), Load, TimedOut, Timeout.InfiniteTimeSpan, depth: 4);
        Assert.That(p.TryNext(out ScanPrefetcher.Loaded first), Is.True);
        first.Failure!.Dispose();

        // Four loads are in flight, stuck; disposing must not wait for them.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        p.Dispose();
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        release.Set();
        Assert.That(() => { lock (made) { return made.Count == 5 && made.All(m => m.IsDisposed); } }, Is.True.After(5000, 20));
    }

    [Test]
    public void A_load_that_outlasts_the_timeout_fails_on_time_and_its_picture_is_freed_later()
    {
        var made = new List<Mat>();
        using var release = new ManualResetEventSlim(false);
        ScanPrefetcher.Loaded Load(ScanJob job, int slot)
        {
            if (slot == 1)
            {
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return Outcome(job, slot, made);
        }

        var reasons = new List<string?>();
        using (var p = new ScanPrefetcher(Jobs(3), Load, TimedOut, TimeSpan.FromSeconds(1.5), depth: 1))
        {
            while (p.TryNext(out ScanPrefetcher.Loaded l))
            {
                using ScanOutcome o = l.Failure!;
                reasons.Add(o.Result.Reason);
            }
        }

        Assert.That(reasons, Is.EqualTo(new[] { "stand-in", "timed out", "stand-in" }));
        release.Set();
        Assert.That(() => { lock (made) { return made.Count == 3 && made.All(m => m.IsDisposed); } }, Is.True.After(5000, 20));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
