using System.Text.Json;

namespace XrayAnalysis.Evaluation;

/// <summary>A COCO ground-truth file (images, annotations, categories) as the evaluator needs it.</summary>
public sealed class CocoDataset
{
    /// <summary>The images, in file order.</summary>
    public required IReadOnlyList<CocoImage> Images { get; init; }

    /// <summary>The ground-truth boxes.</summary>
    public required IReadOnlyList<CocoAnnotation> Annotations { get; init; }

    /// <summary>The categories (ids as in the file).</summary>
    public required IReadOnlyList<CocoCategory> Categories { get; init; }

    /// <summary>Reads a COCO ground-truth JSON file. Throws <see cref="FormatException"/> naming the file on bad content.</summary>
    public static CocoDataset Load(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = doc.RootElement;
            var images = new List<CocoImage>();
            foreach (JsonElement im in root.GetProperty("images").EnumerateArray())
            {
                images.Add(new CocoImage(
                    im.GetProperty("id").GetInt64(),
                    im.TryGetProperty("file_name", out JsonElement fn) ? fn.GetString() ?? string.Empty : string.Empty,
                    im.TryGetProperty("width", out JsonElement w) ? w.GetInt32() : 0,
                    im.TryGetProperty("height", out JsonElement h) ? h.GetInt32() : 0,
                    im.TryGetProperty("route", out JsonElement route) ? route.GetString() : null));
            }

            var anns = new List<CocoAnnotation>();
            if (root.TryGetProperty("annotations", out JsonElement annArray))
            {
                foreach (JsonElement a in annArray.EnumerateArray())
                {
                    double[] bbox = ReadBox(a);
                    anns.Add(new CocoAnnotation(
                        a.GetProperty("id").GetInt64(),
                        a.GetProperty("image_id").GetInt64(),
                        a.GetProperty("category_id").GetInt64(),
                        bbox,
                        a.TryGetProperty("area", out JsonElement ar) ? ar.GetDouble() : bbox[2] * bbox[3],
                        a.TryGetProperty("iscrowd", out JsonElement c) && c.GetInt32() != 0)
                    {
                        Concealment = a.TryGetProperty("concealment", out JsonElement cc) && cc.ValueKind == JsonValueKind.String ? cc.GetString() : null,
                    });
                }
            }

            var cats = new List<CocoCategory>();
            foreach (JsonElement c in root.GetProperty("categories").EnumerateArray())
            {
                cats.Add(new CocoCategory(c.GetProperty("id").GetInt64(), c.TryGetProperty("name", out JsonElement n) ? n.GetString() ?? string.Empty : string.Empty));
            }

            return new CocoDataset { Images = images, Annotations = anns, Categories = cats };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"{path}: not a COCO ground-truth file: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Concatenates datasets (for example one per route) into one: image and annotation ids are renumbered from 1,
    /// categories are matched by name. <paramref name="prefixes"/> are prepended to file names so they stay unique.
    /// </summary>
    public static CocoDataset Concat(IReadOnlyList<CocoDataset> sets, IReadOnlyList<string> prefixes)
    {
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(prefixes);
        var cats = new List<CocoCategory>();
        var images = new List<CocoImage>();
        var anns = new List<CocoAnnotation>();
        for (int s = 0; s < sets.Count; s++)
        {
            var catMap = new Dictionary<long, long>();
            foreach (CocoCategory c in sets[s].Categories)
            {
                CocoCategory? existing = cats.FirstOrDefault(x => x.Name == c.Name);
                if (existing is null)
                {
                    existing = new CocoCategory(s == 0 ? c.Id : cats.Select(x => x.Id).DefaultIfEmpty(0).Max() + 1, c.Name);
                    cats.Add(existing);
                }

                catMap[c.Id] = existing.Id;
            }

            var imgMap = new Dictionary<long, long>();
            foreach (CocoImage im in sets[s].Images)
            {
                imgMap[im.Id] = images.Count + 1;
                images.Add(im with { Id = images.Count + 1, FileName = prefixes[s] + im.FileName });
            }

            foreach (CocoAnnotation a in sets[s].Annotations)
            {
                anns.Add(a with { Id = anns.Count + 1, ImageId = imgMap[a.ImageId], CategoryId = catMap[a.CategoryId] });
            }
        }

        return new CocoDataset { Images = images, Annotations = anns, Categories = cats };
    }

    /// <summary>Reads a COCO results file (a JSON array of {image_id, category_id, bbox, score}).</summary>
    public static IReadOnlyList<CocoDetection> LoadResults(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var list = new List<CocoDetection>();
            foreach (JsonElement d in doc.RootElement.EnumerateArray())
            {
                list.Add(new CocoDetection(
                    d.GetProperty("image_id").GetInt64(),
                    d.GetProperty("category_id").GetInt64(),
                    ReadBox(d),
                    d.GetProperty("score").GetDouble())
                {
                    FileName = d.TryGetProperty("file_name", out JsonElement fn) ? fn.GetString() : null,
                    CategoryName = d.TryGetProperty("category_name", out JsonElement cn) && cn.ValueKind == JsonValueKind.String ? cn.GetString() : null,
                });
            }

            return list;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"{path}: not a COCO results file: {ex.Message}", ex);
        }
    }

    private static double[] ReadBox(JsonElement e)
    {
        var b = new double[4];
        int i = 0;
        foreach (JsonElement v in e.GetProperty("bbox").EnumerateArray())
        {
            if (i == 4)
            {
                throw new FormatException("bbox has more than 4 numbers");
            }

            b[i++] = v.GetDouble();
        }

        return i == 4 ? b : throw new FormatException($"bbox has {i} numbers, expected 4");
    }
}

/// <summary>One image of a COCO file.</summary>
/// <param name="Id">Image id.</param>
/// <param name="FileName">File name, the key results are joined on.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Route">Screening route (mail, express, baggage, cargo) when the file says, for per-route rates.</param>
public sealed record CocoImage(long Id, string FileName, int Width, int Height, string? Route);

/// <summary>A ground-truth annotation; <see cref="Area"/> is the stored area, which COCO uses for area ranges.</summary>
public sealed record CocoAnnotation(long Id, long ImageId, long CategoryId, double[] Bbox, double Area, bool IsCrowd)
{
    /// <summary>
    /// The annotation's optional <c>concealment</c> string (where the threat is hidden: <c>xray synth</c> writes it, and a
    /// service can tag its own ground truth); screening reports object Pd per value. Null when absent.
    /// </summary>
    public string? Concealment { get; init; }
}

/// <summary>One category of a COCO file.</summary>
/// <param name="Id">Category id.</param>
/// <param name="Name">Category name, matched against the model's class names.</param>
public sealed record CocoCategory(long Id, string Name);

/// <summary>One detection in COCO results format: bbox is [x, y, w, h].</summary>
public sealed record CocoDetection(long ImageId, long CategoryId, double[] Bbox, double Score)
{
    /// <summary>Image file name when the results file carries one (xray detect writes it); used to join on ground truth.</summary>
    public string? FileName { get; init; }

    /// <summary>Category name when the results file carries one (xray detect writes it); used to match categories by name.</summary>
    public string? CategoryName { get; init; }
}

/// <summary>
/// The one mapping between a model's class index and the COCO <c>category_id</c> in every COCO file XrayAnalysis writes
/// (ground truth from <c>xray synth</c>, results from <c>xray detect</c>): id = index + 1, as COCO reserves 0.
/// </summary>
internal static class CocoCategories
{
    /// <summary>COCO category id of class index <paramref name="classIndex"/>.</summary>
    public static int IdOf(int classIndex) => classIndex + 1;

    /// <summary>
    /// Puts detections into the ground truth's category ids: by name when every detection carries one, else by id. Throws
    /// <see cref="FormatException"/> with both category lists when they cannot be reconciled (a name or id the ground truth does not have).
    /// </summary>
    public static List<CocoDetection> Reconcile(CocoDataset gt, IReadOnlyList<CocoDetection> dets)
    {
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(dets);
        string gtList = string.Join(", ", gt.Categories.Select(c => $"{c.Id}={c.Name}"));
        if (dets.Count > 0 && dets.All(d => d.CategoryName is not null))
        {
            var byName = gt.Categories.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
            var unknown = dets.Select(d => d.CategoryName!).Where(n => !byName.ContainsKey(n)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                throw new FormatException($"the detections name categories the ground truth does not have: {string.Join(", ", unknown)}; ground truth categories: {gtList}");
            }

            return dets.Select(d => d with { CategoryId = byName[d.CategoryName!] }).ToList();
        }

        var ids = gt.Categories.Select(c => c.Id).ToHashSet();
        var missing = dets.Select(d => d.CategoryId).Where(id => !ids.Contains(id)).Distinct().Order().ToList();
        if (missing.Count > 0)
        {
            throw new FormatException($"the detections use category ids {string.Join(", ", missing)} that the ground truth does not have and carry no category_name to match by; " +
                                      $"ground truth categories: {gtList}");
        }

        return dets.ToList();
    }
}
