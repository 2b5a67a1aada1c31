namespace XrayAnalysis.Merging;

/// <summary>How overlapping boxes from different tiles are combined.</summary>
public enum MergeMethod
{
    /// <summary>Keep the highest-scored box of each group, drop the rest.</summary>
    Nms,

    /// <summary>
    /// Greedy non-maximum merging (SAHI's default, changed so that boxes grow only to reassemble a seam): the group keeps
    /// the highest score and that box's class; a kept box cut by an inner tile edge grows to enclose the matching boxes of
    /// other tiles that score at least <see cref="MergeOptions.GrowScoreRatio"/> times as high (default half); a complete
    /// box keeps its own extent.
    /// </summary>
    GreedyNmm,
}

/// <summary>How two boxes are compared when merging.</summary>
public enum MatchMetric
{
    /// <summary>Intersection over union.</summary>
    Iou,

    /// <summary>Intersection over the smaller box: a fragment inside a full box matches fully.</summary>
    Ios,
}

/// <summary>Merge settings for tiled inference.</summary>
public sealed record MergeOptions
{
    /// <summary>Greedy non-maximum merging (default; SAHI's) or suppression.</summary>
    public MergeMethod Method { get; init; } = MergeMethod.GreedyNmm;

    /// <summary>Overlap measure deciding which boxes match (default intersection over smaller).</summary>
    public MatchMetric Metric { get; init; } = MatchMetric.Ios;

    /// <summary>Boxes match when the metric is at least this (default 0.5).</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>Match boxes of any class (default false: per class).</summary>
    public bool ClassAgnostic { get; init; }

    /// <summary>
    /// Greedy NMM: a box cut by an inner tile edge grows only by matching boxes of other tiles scoring at least this
    /// fraction of its own score (default 0.5; 0 lets any of them enlarge it). Weak neighbours are still absorbed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not in [0, 1].</exception>
    public float GrowScoreRatio
    {
        get;
        init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(GrowScoreRatio), value, "must be in [0, 1]");
    } = 0.5f;
}
