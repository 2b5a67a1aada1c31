using System.Runtime.InteropServices;

namespace XrayAnalysis.Pipeline;

/// <summary>CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>); NaN where it cannot be read.</summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Seconds of CPU this thread has used so far.</summary>
    public static double Seconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out Timespec t) == 0 ? t.Seconds + (t.Nanoseconds * 1e-9) : double.NaN;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return double.NaN;
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

/// <summary>Thread CPU time summed per pipeline stage, for <see cref="PipelineBenchmark.Throughput"/> (thread-safe).</summary>
internal sealed class StageCpu
{
    private long _decodeNs, _renderNs;

    /// <summary>Adds CPU seconds spent decoding (on a prefetch worker).</summary>
    public void AddDecode(double seconds) => Interlocked.Add(ref _decodeNs, ToNs(seconds));

    /// <summary>Adds CPU seconds spent rendering and in the shield check (on a prefetch worker).</summary>
    public void AddRender(double seconds) => Interlocked.Add(ref _renderNs, ToNs(seconds));

    /// <summary>Decode CPU seconds so far.</summary>
    public double Decode => Interlocked.Read(ref _decodeNs) * 1e-9;

    /// <summary>Render CPU seconds so far.</summary>
    public double Render => Interlocked.Read(ref _renderNs) * 1e-9;

    private static long ToNs(double seconds) => double.IsFinite(seconds) && seconds > 0 ? (long)(seconds * 1e9) : 0;
}
