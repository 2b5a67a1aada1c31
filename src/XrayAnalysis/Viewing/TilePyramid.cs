using OpenCvSharp;

namespace XrayAnalysis.Viewing;

/// <summary>The shape of a written tile pyramid: what a viewer needs to request tiles.</summary>
/// <param name="Width">Full-resolution width in pixels (level 0).</param>
/// <param name="Height">Full-resolution height in pixels (level 0).</param>
/// <param name="TileSize">Tile edge in pixels at every level (edge tiles are smaller).</param>
/// <param name="Levels">Level count; level k is the image reduced by 2^k, the last one fits in one tile.</param>
/// <param name="Format">File extension of the tiles (<c>jpg</c>).</param>
internal sealed record PyramidInfo(int Width, int Height, int TileSize, int Levels, string Format)
{
    /// <summary>Width and height of level <paramref name="level"/> (ceil of the halvings, at least 1).</summary>
    public (int W, int H) LevelSize(int level) => (Math.Max(1, (int)Math.Ceiling(Width / Math.Pow(2, level))), Math.Max(1, (int)Math.Ceiling(Height / Math.Pow(2, level))));

    /// <summary>Tiles across and down at <paramref name="level"/>.</summary>
    public (int Cols, int Rows) TileGrid(int level)
    {
        (int w, int h) = LevelSize(level);
        return ((w + TileSize - 1) / TileSize, (h + TileSize - 1) / TileSize);
    }

    /// <summary>Tiles in the whole pyramid.</summary>
    public int TileCount => Enumerable.Range(0, Levels).Sum(l => TileGrid(l).Cols * TileGrid(l).Rows);
}

/// <summary>
/// Writes a deep-zoom tile pyramid of an 8-bit BGR image: <c>L/X_Y.jpg</c>, level 0 at full resolution, each next level
/// halved (area averaging) until the image fits in one tile. A viewer shows any zoom of a 20,000-pixel scan sharply while
/// loading only the tiles on screen at the level that matches the zoom.
/// </summary>
internal static class TilePyramid
{
    /// <summary>Level count for an image of this size: halvings until both sides fit in one tile, plus one.</summary>
    public static int LevelCount(int width, int height, int tileSize)
    {
        int levels = 1;
        for (int w = width, h = height; w > tileSize || h > tileSize; levels++)
        {
            w = (w + 1) / 2;
            h = (h + 1) / 2;
        }

        return levels;
    }

    /// <summary>Writes the pyramid of <paramref name="bgr"/> into <paramref name="dir"/> (created).</summary>
    public static PyramidInfo Write(Mat bgr, string dir, int tileSize = 256, int jpegQuality = 90)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentOutOfRangeException.ThrowIfLessThan(tileSize, 16);
        int width = bgr.Cols, height = bgr.Rows;
        var info = new PyramidInfo(width, height, tileSize, LevelCount(width, height, tileSize), "jpg");
        int[] encode = [(int)ImwriteFlags.JpegQuality, jpegQuality];
        Mat level = bgr;
        try
        {
            for (int l = 0; l < info.Levels; l++)
            {
                if (l > 0)
                {
                    (int w, int h) = info.LevelSize(l);
                    var next = new Mat();
                    Cv2.Resize(level, next, new Size(w, h), 0, 0, InterpolationFlags.Area);
                    if (!ReferenceEquals(level, bgr))
                    {
                        level.Dispose();
                    }

                    level = next;
                }

                string levelDir = Path.Combine(dir, l.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Directory.CreateDirectory(levelDir);
                int lw = level.Cols, lh = level.Rows;
                (int cols, int rows) = info.TileGrid(l);
                for (int ty = 0; ty < rows; ty++)
                {
                    for (int tx = 0; tx < cols; tx++)
                    {
                        var r = new Rect(tx * tileSize, ty * tileSize, Math.Min(tileSize, lw - (tx * tileSize)), Math.Min(tileSize, lh - (ty * tileSize)));
                        using var tile = new Mat(level, r);
                        Cv2.ImEncode(".jpg", tile, out byte[] jpg, encode);
                        File.WriteAllBytes(Path.Combine(levelDir, FormattableString.Invariant($"{tx}_{ty}.jpg")), jpg);
                    }
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(level, bgr))
            {
                level.Dispose();
            }
        }

        return info;
    }

    /// <summary>A JPEG thumbnail of <paramref name="bgr"/> fitting <paramref name="maxWidth"/> × <paramref name="maxHeight"/>.</summary>
    public static byte[] Thumbnail(Mat bgr, int maxWidth, int maxHeight, int jpegQuality = 85)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        int w = bgr.Cols, h = bgr.Rows;
        double f = Math.Min(1.0, Math.Min(maxWidth / (double)w, maxHeight / (double)h));
        using var small = new Mat();
        Cv2.Resize(bgr, small, new Size(Math.Max(1, (int)Math.Round(w * f)), Math.Max(1, (int)Math.Round(h * f))), 0, 0, InterpolationFlags.Area);
        Cv2.ImEncode(".jpg", small, out byte[] jpg, [(int)ImwriteFlags.JpegQuality, jpegQuality]);
        return jpg;
    }
}
