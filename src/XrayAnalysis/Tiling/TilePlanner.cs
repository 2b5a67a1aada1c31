namespace XrayAnalysis.Tiling;

/// <summary>A tile: its rectangle in (scaled) scan pixels and which sides touch another tile rather than the scan border.</summary>
internal readonly record struct Tile(int X, int Y, int Width, int Height, bool InnerLeft, bool InnerTop, bool InnerRight, bool InnerBottom);

/// <summary>
/// Plans tiles SAHI-style: step = size − floor(overlap × size); the last row and column are shifted back so every tile
/// lies inside the image (no padding); an image no larger than a tile is one tile.
/// </summary>
internal static class TilePlanner
{
    /// <summary>Tiles covering a <paramref name="width"/> × <paramref name="height"/> image, row by row.</summary>
    public static List<Tile> Plan(int width, int height, int size, double overlap)
    {
        if (width <= 0 || height <= 0 || size <= 0)
        {
            throw new ArgumentException($"image {width}x{height} and tile size {size} must be positive");
        }

        int[] xs = Starts(width, size, overlap);
        int[] ys = Starts(height, size, overlap);
        int tw = Math.Min(size, width), th = Math.Min(size, height);
        var tiles = new List<Tile>(xs.Length * ys.Length);
        foreach (int y in ys)
        {
            foreach (int x in xs)
            {
                tiles.Add(new Tile(x, y, tw, th, x > 0, y > 0, x + tw < width, y + th < height));
            }
        }

        return tiles;
    }

    /// <summary>Tile origins along one axis.</summary>
    public static int[] Starts(int length, int size, double overlap)
    {
        if (length <= size)
        {
            return [0];
        }

        int step = Math.Max(1, size - (int)(overlap * size));
        var starts = new List<int>();
        for (int s = 0; ; s += step)
        {
            if (s + size >= length)
            {
                starts.Add(length - size);
                break;
            }

            starts.Add(s);
        }

        return starts.ToArray();
    }
}
