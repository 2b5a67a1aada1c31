namespace XrayAnalysis;

/// <summary>An "unable to clear" region: a connected area too dense for the beam, in scan pixels.</summary>
/// <param name="X">Left edge of its bounding box.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width of the bounding box.</param>
/// <param name="Height">Height of the bounding box.</param>
/// <param name="AreaPixels">Shielded pixels in the region (not the box area).</param>
public sealed record ShieldRegion(int X, int Y, int Width, int Height, long AreaPixels);
