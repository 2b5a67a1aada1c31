namespace XrayAnalysis.Loading;

/// <summary>Limits applied before any pixel memory is allocated.</summary>
public sealed record ScanLoaderOptions
{
    private readonly long _maxPixels = 400_000_000;
    private readonly int _maxPages = 16;
    private readonly long _maxFileBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Largest accepted width × height of one page (default 400 million: a 20,000 × 20,000 scan).</summary>
    public long MaxPixels
    {
        get => _maxPixels;
        init => _maxPixels = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPixels), value, "must be positive");
    }

    /// <summary>Largest number of TIFF pages followed (default 16); a longer IFD chain is rejected.</summary>
    public int MaxPages
    {
        get => _maxPages;
        init => _maxPages = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPages), value, "must be positive");
    }

    /// <summary>Largest accepted file size in bytes (default 2 GiB).</summary>
    public long MaxFileBytes
    {
        get => _maxFileBytes;
        init => _maxFileBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), value, "must be positive");
    }

    /// <summary>
    /// Largest share of NaN or infinite samples a float scan may hold and still be processed (default 0.001 = 0.1%, a few
    /// dead detector pixels); more, and so much of the scan is unknown that it is <c>incomplete</c>.
    /// </summary>
    public double MaxNonFiniteShare { get; init; } = 0.001;
}
