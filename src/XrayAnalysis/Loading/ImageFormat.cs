namespace XrayAnalysis.Loading;

/// <summary>Container formats recognised by their magic bytes (never by file extension).</summary>
internal enum ImageFormat
{
    Png,
    Jpeg,
    Tiff,
    Bmp,

    /// <summary>Pixels handed over in memory (<see cref="ScanImage"/>), no container.</summary>
    Pixels,
}
