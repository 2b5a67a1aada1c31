using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace XrayAnalysis.Cli.Archive;

/// <summary>
/// Shard <c>Index</c> of <c>Count</c>: an input belongs to the shard given by a stable hash of its full path (SHA-256,
/// first 8 bytes, modulo the count), the same on every machine, .NET version and run.
/// </summary>
internal sealed record ShardSpec(int Index, int Count)
{
    public static readonly ShardSpec Whole = new(0, 1);

    public bool Owns(string path) => Count == 1 || Of(path, Count) == Index;

    public static int Of(string path, int count)
    {
        byte[] h = SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(path)));
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(h) % (ulong)count);
    }

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>
    /// <c>i/N</c>, or <c>N</c> alone with the index from <c>SLURM_ARRAY_TASK_ID</c> (Slurm array jobs) or
    /// <c>JOB_COMPLETION_INDEX</c> (Kubernetes Indexed Jobs). Throws <see cref="FormatException"/>.
    /// </summary>
    public static ShardSpec Parse(string text, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        string[] parts = text.Split('/');
        string? indexText = parts.Length == 2 ? parts[0] : env("SLURM_ARRAY_TASK_ID") ?? env("JOB_COMPLETION_INDEX");
        string countText = parts.Length == 2 ? parts[1] : parts[0];
        if (parts.Length > 2 || !int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
        {
            throw new FormatException($"--shard must be I/N or N (got '{text}')");
        }

        if (indexText is null)
        {
            throw new FormatException($"--shard {text}: no shard index given, and neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set");
        }

        if (!int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= count)
        {
            throw new FormatException($"--shard {text}: shard index '{indexText}' is not in 0..{count - 1}");
        }

        return new ShardSpec(index, count);
    }
}
