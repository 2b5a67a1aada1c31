namespace XrayAnalysis.Loading;

/// <summary>Container formats recognised by their magic bytes (never by file extension).</summary>
internal enum ImageFormat
{
    Png,
    Jpeg,
    Tiff,
    Bmp,

    /// <summary>DICOS / DICOM Part 10 (<c>DICM</c> at byte 128), read by <see cref="Dicos.DicomParser"/>.</summary>
    Dicos,

    /// <summary>Pixels handed over in memory (<see cref="ScanImage"/>), no container.</summary>
    Pixels,
}
