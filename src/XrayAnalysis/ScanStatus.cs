namespace XrayAnalysis;

/// <summary>Outcome of processing one scan. Anything other than <see cref="Ok"/> must never be read as "clear".</summary>
public enum ScanStatus
{
    /// <summary>The scan was read completely and the detector ran.</summary>
    Ok,

    /// <summary>The file could not be read (unknown format, corrupt header, decoder error, I/O error).</summary>
    Failed,

    /// <summary>The file is truncated or damaged: some pixels are missing, so the scan cannot be cleared.</summary>
    Incomplete,

    /// <summary>The file was refused by policy before decoding (pixel cap, page cap, unsupported pixel type).</summary>
    Rejected,
}
