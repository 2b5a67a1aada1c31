using System.Text.Json;
using System.Text.Json.Serialization;

namespace XrayAnalysis.Cli.Archive;

/// <summary>
/// The coordinator ↔ worker protocol: one JSON object per line. The worker says <see cref="WorkerHello"/> once its model
/// session is open, then answers each <see cref="WorkRequest"/> on stdin with one <see cref="WorkReply"/> on stdout, in
/// order, one scan at a time (so a worker that dies is always dying on the one scan it was given). It ends when stdin
/// closes, which is also what happens when the coordinator dies.
/// </summary>
internal static class WorkerProtocol
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static T? Read<T>(string line) => JsonSerializer.Deserialize<T>(line, Json);
}

/// <summary>The worker's first line: who it is and the effective model and parameters (which define the generation).</summary>
internal sealed record WorkerHello(int Pid, string ModelSha256, string ModelPath, string Params, double Threshold, string ThresholdSource);

/// <summary>One scan to process; the result JSON goes to <see cref="Result"/> (written atomically).</summary>
internal sealed record WorkRequest(string Id, string Path, string? Low, string Result);

/// <summary>
/// The answer for one scan: its ledger state (done, failed, incomplete, rejected), verdict, top score per class, the
/// worker's resident memory after it, and <see cref="DiskFull"/> when the result could not be written for lack of space.
/// </summary>
internal sealed record WorkReply(string Id, string State, string Verdict, Dictionary<string, float>? Top, double Ms, double RssMb, string? Cause, bool DiskFull = false);
