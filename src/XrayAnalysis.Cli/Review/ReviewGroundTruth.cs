using XrayAnalysis.Evaluation;

namespace XrayAnalysis.Cli.Review;

/// <summary>One ground-truth object: class name and box in scan pixels (x1, y1, x2, y2).</summary>
internal sealed record TruthBox(string ClassName, double X1, double Y1, double X2, double Y2);

/// <summary>
/// Ground truth for the review page from COCO files (<c>annotations.coco.json</c> as <c>xray synth</c> writes them). A
/// result is joined to an image by name (file stem; a dual-energy pair's <c>NAME_high</c> is <c>NAME</c>). When several
/// files hold the same name, the one whose folder contains the scan's input path wins; otherwise the name is ambiguous
/// and the scan is shown without ground truth (with a warning), never with another scan's boxes.
/// </summary>
internal sealed class ReviewGroundTruth
{
    private readonly Dictionary<string, List<(string Root, List<TruthBox> Boxes)>> _byStem = new(StringComparer.Ordinal);

    public int Files { get; private set; }

    /// <summary>Loads COCO ground-truth files.</summary>
    /// <exception cref="FormatException">A file is not valid COCO (the message names it).</exception>
    public static ReviewGroundTruth Load(IEnumerable<string> paths)
    {
        var gt = new ReviewGroundTruth();
        foreach (string path in paths)
        {
            CocoDataset set = CocoDataset.Load(path);
            string root = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var names = set.Categories.ToDictionary(c => c.Id, c => c.Name);
            var boxes = set.Images.ToDictionary(i => i.Id, _ => new List<TruthBox>());
            foreach (CocoAnnotation a in set.Annotations)
            {
                if (boxes.TryGetValue(a.ImageId, out List<TruthBox>? list) && !a.IsCrowd)
                {
                    list.Add(new TruthBox(names.GetValueOrDefault(a.CategoryId, $"category {a.CategoryId}"), a.Bbox[0], a.Bbox[1], a.Bbox[0] + a.Bbox[2], a.Bbox[1] + a.Bbox[3]));
                }
            }

            foreach (CocoImage img in set.Images)
            {
                string stem = Path.GetFileNameWithoutExtension(img.FileName);
                if (!gt._byStem.TryGetValue(stem, out var entries))
                {
                    gt._byStem[stem] = entries = [];
                }

                entries.Add((root, boxes[img.Id]));
            }

            gt.Files++;
        }

        return gt;
    }

    /// <summary>The boxes for a scan, or null when it has no ground truth (or an ambiguous one: <paramref name="warning"/> says so).</summary>
    public List<TruthBox>? For(string name, string inputPath, out string? warning)
    {
        warning = null;
        if (!_byStem.TryGetValue(name, out var entries))
        {
            return null;
        }

        if (entries.Count == 1)
        {
            return entries[0].Boxes;
        }

        string full = Path.GetFullPath(inputPath);
        var inside = entries.Where(e => full.StartsWith(e.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToList();
        if (inside.Count == 1)
        {
            return inside[0].Boxes;
        }

        warning = $"{name}: {entries.Count} ground-truth images have this name and none is unambiguously this scan's; shown without ground truth";
        return null;
    }
}
