namespace XrayAnalysis.Loading;

/// <summary>
/// One unit of work for the 2D pipeline: a single image file, or a dual-energy pair
/// (<c>NAME_high.EXT</c> + <c>NAME_low.EXT</c>). A two-page TIFF is a single <see cref="ScanInput"/> whose pages are the pair.
/// </summary>
public sealed record ScanInput
{
    private ScanInput(string path, string? lowEnergyPath, string name)
    {
        Path = path;
        LowEnergyPath = lowEnergyPath;
        Name = name;
    }

    /// <summary>The image file; for a dual-energy pair, the high-energy file.</summary>
    public string Path { get; }

    /// <summary>The low-energy file of a dual-energy pair, else null.</summary>
    public string? LowEnergyPath { get; }

    /// <summary>Scan name used for result files: the file name without extension, or the pair's common stem.</summary>
    public string Name { get; }

    /// <summary>A single image file.</summary>
    public static ScanInput Single(string path) =>
        new(path, null, System.IO.Path.GetFileNameWithoutExtension(path));

    /// <summary>A dual-energy pair; <paramref name="name"/> is the common stem.</summary>
    public static ScanInput Pair(string highEnergyPath, string lowEnergyPath, string name) =>
        new(highEnergyPath, lowEnergyPath, name);

    /// <summary>Pixels handed over in memory under <paramref name="name"/>; its path reads <c>memory:NAME</c>.</summary>
    internal static ScanInput InMemory(string name) => new("memory:" + name, null, name);

    /// <inheritdoc/>
    public override string ToString() => LowEnergyPath is null ? Path : $"{Path} + {LowEnergyPath}";
}
