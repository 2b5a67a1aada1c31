namespace XrayAnalysis.Cli.Review;

// The data the review page embeds (serialized snake_case). Short, flat records: a page of 10,000 scans stays small.

/// <summary>The whole page's data.</summary>
internal sealed record ReviewPage(int Version, string Generated, string Source, string View, double DisplayFloor, double? MatchIou, IReadOnlyList<string> Classes, IReadOnlyList<ReviewItem> Items);

/// <summary>One scan as the page shows it.</summary>
internal sealed record ReviewItem(
    string Id,
    string Name,
    string? Route,
    string Status,
    string? Reason,
    string Verdict,
    int? Width,
    int? Height,
    string? Model,
    double? Threshold,
    double MaxScore,
    IReadOnlyList<ReviewDetection> Detections,
    IReadOnlyList<ReviewTruth>? Truth,
    IReadOnlyList<ReviewShield>? Shield,
    string Result,
    string? Overlay,
    string? Input,
    ReviewImage? Image,
    string? ImageNote)
{
    /// <summary>rendered, reused or none (not serialized: the page only needs <see cref="Image"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string ImageState { get; init; } = "none";

    /// <summary>The scan's processing time in the run that made the result.</summary>
    public double? TotalMs { get; init; }

    /// <summary>Detections the result file held beyond what the page carries (the lowest-scored ones), else null.</summary>
    public int? DetectionsNotShown { get; init; }

    /// <summary>An entry for a result file that cannot be read: never shown as clear.</summary>
    public static ReviewItem Unreadable(string id, string name, string result, string reason) =>
        new(id, name, null, "unreadable", reason, "not ok", null, null, null, null, 0, [], null, null, result, null, null, null, reason);
}

/// <summary>A detection: class, score, box (x1, y1, x2, y2), tier (alarm, suggestion, below) and, with ground truth, tp/fp.</summary>
internal sealed record ReviewDetection(int ClassId, string Name, double Score, double[] Box, string Tier, string? Mark = null);

/// <summary>A ground-truth box and whether an alarm found it (tp) or not (fn).</summary>
internal sealed record ReviewTruth(string Name, double[] Box, string Mark);

/// <summary>A shield ("unable to clear") region: box, area and outline with holes.</summary>
internal sealed record ReviewShield(int X, int Y, int Width, int Height, long AreaPixels, IReadOnlyList<int[]> Outline, IReadOnlyList<IReadOnlyList<int[]>> Holes);

/// <summary>Where the page finds a scan's pictures: thumbnail and tile pyramid (tiles/L/X_Y.jpg).</summary>
internal sealed record ReviewImage(string Thumb, string Tiles, int Width, int Height, int TileSize, int Levels, string Format);
