namespace XrayAnalysis.Viewing;

/// <summary>A rectangle of the scan, in scan pixels, shown enlarged (or reduced) by a scale factor.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width in scan pixels.</param>
/// <param name="Height">Height in scan pixels.</param>
/// <param name="Scale">Output pixels per scan pixel (e.g. 4 = four times larger; between 0.05 and 32).</param>
public readonly record struct ZoomRegion(int X, int Y, int Width, int Height, double Scale = 1)
{
    internal void Validate(int scanWidth, int scanHeight, string name)
    {
        if (Width <= 0 || Height <= 0 || X < 0 || Y < 0 || (long)X + Width > scanWidth || (long)Y + Height > scanHeight)
        {
            throw new ArgumentException($"{name}: zoom region x={X} y={Y} w={Width} h={Height} is not inside the {scanWidth} x {scanHeight} scan (x + w <= {scanWidth}, y + h <= {scanHeight}, sides > 0)");
        }

        if (!(Scale >= 0.05 && Scale <= 32))
        {
            throw new ArgumentException($"{name}: zoom scale {Scale} is outside 0.05–32");
        }

        long outPixels = (long)Math.Round(Width * Scale) * (long)Math.Round(Height * Scale);
        if (outPixels > 100_000_000 || Math.Round(Width * Scale) < 1 || Math.Round(Height * Scale) < 1)
        {
            throw new ArgumentException($"{name}: zoom output {Math.Round(Width * Scale)} x {Math.Round(Height * Scale)} px is empty or over 100 megapixels");
        }
    }
}
