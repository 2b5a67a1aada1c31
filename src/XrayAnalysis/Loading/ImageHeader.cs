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
}
