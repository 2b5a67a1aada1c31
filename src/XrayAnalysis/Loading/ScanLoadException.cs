namespace XrayAnalysis.Loading;

/// <summary>A scan (2D image or CT volume) could not be loaded completely. <see cref="Status"/> says whether it failed, was incomplete or was rejected.</summary>
public sealed class ScanLoadException : XrayAnalysisException
{
    /// <summary>A scan that cannot be loaded: its status (never ok), file and one-line reason.</summary>
    public ScanLoadException(ScanStatus status, string path, string reason)
        : base($"{path}: {reason}")
    {
        Status = status;
        Path = path;
        Reason = reason;
    }

    /// <summary>Never <see cref="ScanStatus.Ok"/>.</summary>
    public ScanStatus Status { get; }

    /// <summary>The file that could not be loaded.</summary>
    public string Path { get; }

    /// <summary>One line saying why, without the path.</summary>
    public string Reason { get; }
}
