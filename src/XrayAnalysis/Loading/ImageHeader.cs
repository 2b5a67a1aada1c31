namespace XrayAnalysis.Loading;

/// <summary>
/// What a file's header says about it, read without decoding any pixels.
/// <see cref="Defect"/> is non-null when the container structure shows the file is truncated or damaged.
/// </summary>
internal sealed record ImageHeader(
    ImageFormat Format,
    int Width,
    int Height,
    int BitsPerSample,
    int Channels,
    int PageCount,
    string? Defect)
{
    /// <summary>Pixel count of one page, in 64 bits so that hostile headers cannot overflow it.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>
    /// Set when the probe left a PNG's image data unchecked because <see cref="PngDecoder"/> will inflate, check and
    /// unfilter them in one pass (the file must then be decoded by it, not by OpenCV).
    /// </summary>
    public PngLayout? DeferredPng { get; init; }
}

/// <summary>Where a PNG's image data lie and how they are coded (from IHDR), for <see cref="PngDecoder"/>.</summary>
internal sealed record PngLayout(IReadOnlyList<(int Start, int Length)> Idat, int BitDepth, int ColourType);
