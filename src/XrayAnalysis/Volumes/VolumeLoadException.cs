namespace XrayAnalysis.Volumes;

/// <summary>A volume could not be read; <see cref="Status"/> says whether it failed, was incomplete or was rejected.</summary>
public sealed class VolumeLoadException : XrayAnalysisException
{
    public VolumeLoadException(ScanStatus status, string path, string reason)
        : base($"{path}: {reason}")
    {
        Status = status;
        Path = path;
        Reason = reason;
    }

    public ScanStatus Status { get; }

    public string Path { get; }

    public string Reason { get; }
}
