using XrayAnalysis.Merging;

namespace XrayAnalysis.Tiling;

/// <summary>When to tile a scan.</summary>
public enum TileMode
{
    /// <summary>Tile only when the scan's long side exceeds <see cref="TileOptions.AutoFactor"/> × the model input (default).</summary>
    Auto,

    /// <summary>Never tile: the whole scan is letterboxed into the model input.</summary>
    Off,

    /// <summary>Always tile with the configured tile size.</summary>
    Always,
}

/// <summary>
/// Sliced inference settings (SAHI's conventions: overlap ratio 0.2, last row/column shifted back inside the image,
/// optional full-image pass; merge by NMS or greedy NMM matched by IoU or IoS). What is configured is what runs, and
/// the result JSON records it: there is no hidden switch.
/// </summary>
public sealed record TileOptions
{
    private readonly double _overlap = 0.2;
    private readonly double _scale = 1.0;

    /// <summary>When to tile (default automatic: scans much larger than the model input).</summary>
    public TileMode Mode { get; init; } = TileMode.Auto;

    /// <summary>Tile side in (scaled) scan pixels; 0 uses the model input size.</summary>
    public int Size { get; init; }

    /// <summary>Overlap between neighbouring tiles as a share of the tile side (overlap px = floor(ratio × size)).</summary>
    public double Overlap
    {
        get => _overlap;
        init => _overlap = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Overlap), value, "must be in [0, 1)");
    }

    /// <summary>Also run the whole scan letterboxed into the model input and merge its boxes in (finds objects larger than a tile).</summary>
    public bool FullImagePass { get; init; }

    /// <summary>Scale applied to the scan before tiling (1 = native resolution, 0.5 = half size).</summary>
    public double Scale
    {
        get => _scale;
        init => _scale = value is > 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Scale), value, "must be in (0, 1]");
    }

    /// <summary>In <see cref="TileMode.Auto"/>, tile when the long side is more than this many model inputs (default 4).</summary>
    public double AutoFactor { get; init; } = 4;

    /// <summary>How boxes from overlapping tiles are merged.</summary>
    public MergeOptions Merge { get; init; } = new();

    /// <summary>The defaults of <c>xray detect</c>.</summary>
    public static TileOptions Default { get; } = new();
}
