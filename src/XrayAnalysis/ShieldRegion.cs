namespace XrayAnalysis;

/// <summary>An "unable to clear" region: a connected area too dense for the beam, in scan pixels.</summary>
/// <param name="X">Left edge of its bounding box.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width of the bounding box.</param>
/// <param name="Height">Height of the bounding box.</param>
/// <param name="AreaPixels">Shielded pixels in the region (not the box area).</param>
public sealed record ShieldRegion(int X, int Y, int Width, int Height, long AreaPixels)
{
    /// <summary>
    /// The region's outer boundary as a simplified polygon of [x, y] points in scan pixels (at most 200 points, within
    /// about 0.2 % of its perimeter); empty when not traced. Overlays hatch inside it rather than the whole box.
    /// </summary>
    public IReadOnlyList<int[]> Outline { get; init; } = [];

    /// <summary>
    /// Holes in the region (areas inside <see cref="Outline"/> that the beam does get through), each a polygon like the
    /// outline; the 50 largest, simplified the same way. A dense frame (a container wall) is a ring, not a filled block.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int[]>> Holes { get; init; } = [];
}
