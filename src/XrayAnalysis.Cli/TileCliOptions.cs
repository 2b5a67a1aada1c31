using System.CommandLine;
using System.Globalization;
using XrayAnalysis.Merging;
using XrayAnalysis.Tiling;

namespace XrayAnalysis.Cli;

/// <summary>Tiling and merge options shared by the commands that detect, mapped into <see cref="TileOptions"/>.</summary>
internal sealed class TileCliOptions
{
    public Option<string> Tile { get; } = new("--tile")
    {
        Description = "auto (tile when the long side exceeds 4 model inputs), off, or a tile size in pixels (always tile).",
        DefaultValueFactory = _ => "auto",
    };

    public Option<double> Overlap { get; } = new("--overlap") { Description = "Tile overlap ratio.", DefaultValueFactory = _ => 0.2 };

    public Option<bool> FullImage { get; } = new("--full-image-pass") { Description = "Also run the whole scan and merge its boxes with the tiles'." };

    public Option<double> Scale { get; } = new("--scale") { Description = "Downscale factor applied before tiling (1 = native resolution).", DefaultValueFactory = _ => 1.0 };

    public Option<string> Merge { get; } = new("--merge") { Description = "How tile boxes are merged: nmm (greedy non-maximum merging) or nms.", DefaultValueFactory = _ => "nmm" };

    public Option<string> Match { get; } = new("--match") { Description = "Box matching for the merge: ios (intersection over smaller) or iou.", DefaultValueFactory = _ => "ios" };

    public Option<float> MergeThreshold { get; } = new("--merge-threshold") { Description = "Boxes match when the metric is at least this.", DefaultValueFactory = _ => 0.5f };

    public Option<bool> MergeAgnostic { get; } = new("--merge-agnostic") { Description = "Merge boxes of different classes." };

    public Option<float> GrowRatio { get; } = new("--merge-grow-ratio")
    {
        Description = "nmm: a box cut by a tile edge grows only by other tiles' matching boxes scoring at least this fraction of its score (0-1; complete boxes never grow).",
        DefaultValueFactory = _ => 0.5f,
    };

    public TileCliOptions()
    {
        Merge.AcceptOnlyFromAmong("nmm", "nms");
        Match.AcceptOnlyFromAmong("ios", "iou");
    }

    public void AddTo(Command c)
    {
        foreach (Option o in new Option[] { Tile, Overlap, FullImage, Scale, Merge, Match, MergeThreshold, MergeAgnostic, GrowRatio })
        {
            c.Add(o);
        }
    }

    /// <summary>True when any tiling option was given on the command line (not defaulted).</summary>
    public bool AnyGiven(ParseResult r) =>
        new Option[] { Tile, Overlap, FullImage, Scale, Merge, Match, MergeThreshold, MergeAgnostic, GrowRatio }.Any(o => r.GetResult(o) is { Implicit: false });

    public TileOptions Build(ParseResult r)
    {
        string tile = r.GetValue(Tile)!;
        (TileMode mode, int size) = tile switch
        {
            "auto" => (TileMode.Auto, 0),
            "off" => (TileMode.Off, 0),
            _ when int.TryParse(tile, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 32 => (TileMode.Always, n),
            _ => throw new FormatException($"--tile '{tile}' is not auto, off or a size of at least 32 pixels"),
        };
        return new TileOptions
        {
            Mode = mode,
            Size = size,
            Overlap = r.GetValue(Overlap),
            FullImagePass = r.GetValue(FullImage),
            Scale = r.GetValue(Scale),
            Merge = new MergeOptions
            {
                Method = r.GetValue(Merge) == "nms" ? MergeMethod.Nms : MergeMethod.GreedyNmm,
                Metric = r.GetValue(Match) == "iou" ? MatchMetric.Iou : MatchMetric.Ios,
                Threshold = r.GetValue(MergeThreshold),
                ClassAgnostic = r.GetValue(MergeAgnostic),
                GrowScoreRatio = r.GetValue(GrowRatio),
            },
        };
    }
}
