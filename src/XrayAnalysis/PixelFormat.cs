namespace XrayAnalysis;

/// <summary>Layout of the pixels handed to <see cref="ScanImage.FromPixels(ReadOnlySpan{byte}, int, int, PixelFormat, string)"/>.</summary>
public enum PixelFormat
{
    /// <summary>8-bit grey, one byte per pixel.</summary>
    Grey8,

    /// <summary>16-bit grey (transmission counts), two bytes per pixel, little-endian.</summary>
    Grey16,

    /// <summary>8-bit colour, three bytes per pixel in blue, green, red order (OpenCV, GDI).</summary>
    Bgr24,

    /// <summary>8-bit colour, three bytes per pixel in red, green, blue order.</summary>
    Rgb24,
}
