namespace XrayAnalysis.Outputs;

/// <summary>
/// Writes files so that a reader, a crash or a power cut sees the old complete file or the new complete file, never a
/// partial one: write to a temporary file in the same folder, flush to disk, then rename over the target.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes the file through <paramref name="write"/>; the target appears only after the stream is flushed to disk.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }

            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes UTF-8 text (no BOM) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, new System.Text.UTF8Encoding(false).GetBytes(text));

    private static void TryDelete(string p)
    {
        try
        {
            File.Delete(p);
        }
        catch (IOException)
        {
            // Best effort: a leftover .tmp file never replaces a result.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
