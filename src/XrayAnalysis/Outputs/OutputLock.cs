using System.Globalization;

namespace XrayAnalysis.Outputs;

/// <summary>
/// Holds an output folder for one run at a time: an exclusive lock on <c>DIR/.xray.lock</c> (an OS file lock, released
/// by the kernel when the process dies, so a killed run never leaves a stale lock) plus <c>DIR/.xray.owner</c> naming
/// the holder for the message a second run prints.
/// </summary>
internal sealed class OutputLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _ownerPath;

    private OutputLock(FileStream fs, string ownerPath)
    {
        _lock = fs;
        _ownerPath = ownerPath;
    }

    /// <summary>Takes the folder (creating it). Throws <see cref="OutputLockedException"/> naming the holder when another run has it.</summary>
    public static OutputLock Acquire(string outDir)
    {
        Directory.CreateDirectory(outDir);
        string lockPath = Path.Combine(outDir, ".xray.lock");
        string ownerPath = Path.Combine(outDir, ".xray.owner");
        FileStream fs;
        try
        {
            fs = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string holder;
            try
            {
                holder = File.Exists(ownerPath) ? File.ReadAllText(ownerPath).Trim() : "an unknown process";
            }
            catch (IOException)
            {
                holder = "an unknown process";
            }

            throw new OutputLockedException(outDir, holder);
        }

        string me = string.Create(CultureInfo.InvariantCulture,
            $"pid {Environment.ProcessId} on {Environment.MachineName}, started {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z");
        try
        {
            File.WriteAllText(ownerPath, me + "\n");
        }
        catch (IOException)
        {
            // The lock alone is what excludes other runs; the owner note only improves their message.
        }

        return new OutputLock(fs, ownerPath);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            File.Delete(_ownerPath);
        }
        catch (IOException)
        {
            // Best effort; the next holder overwrites it.
        }

        _lock.Dispose();
    }
}

/// <summary>Another run holds the output folder.</summary>
public sealed class OutputLockedException(string outDir, string holder)
    : XrayAnalysisException($"{outDir}: output folder is in use by another xray run ({holder}); wait for it or choose another --out")
{
    /// <summary>Who holds the folder, as it wrote itself down.</summary>
    public string Holder { get; } = holder;
}
