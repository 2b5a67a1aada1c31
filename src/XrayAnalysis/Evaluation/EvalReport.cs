using System.Globalization;
using System.Text;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Evaluation;

/// <summary>Writes <c>report.json</c> (every number) and <c>report.md</c> (for a person) for one evaluation.</summary>
public static class EvalReport
{
    /// <summary>The report as a JSON-ready tree (COCO stats, per-class AP, screening rates with intervals, warnings).</summary>
    public static Dictionary<string, object?> ToJson(CocoDataset gt, CocoEvalResult coco, ScreeningResult s, IReadOnlyList<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(coco);
        ArgumentNullException.ThrowIfNull(s);
        var c = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (int i = 0; i < coco.Stats.Length; i++)
        {
            c[CocoEvalResult.StatNames[i]] = coco.Stats[i];
        }

        c["per_category_AP"] = coco.PerCategoryAp.ToDictionary(kv => Name(gt, kv.Key), kv => kv.Value);
        c["per_category_AP50"] = coco.PerCategoryAp50.ToDictionary(kv => Name(gt, kv.Key), kv => kv.Value);
        c["note"] = "COCO numbers as pycocotools computes them (not Ultralytics' own mAP, which differs)";
        var screening = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["threshold"] = s.Threshold,
            ["scan_pd"] = s.Scans.Pd.Value,
            ["scan_pd_ci"] = new[] { s.Scans.Pd.Low, s.Scans.Pd.High },
            ["scan_pd_counts"] = new[] { s.Scans.Pd.Count, s.Scans.Pd.N },
            ["scan_far"] = s.Scans.Far.Value,
            ["scan_far_ci"] = new[] { s.Scans.Far.Low, s.Scans.Far.High },
            ["scan_far_counts"] = new[] { s.Scans.Far.Count, s.Scans.Far.N },
            ["object_pd_iou10"] = s.ObjectPdIou10,
            ["object_pd_iou50"] = s.ObjectPdIou50,
            ["per_route"] = s.PerRoute,
            ["per_class"] = s.PerClass.ToDictionary(kv => kv.Key, kv => new { iou10 = kv.Value.Iou10, iou50 = kv.Value.Iou50 }),
            ["per_concealment"] = s.PerConcealment.ToDictionary(kv => kv.Key, kv => new { iou10 = kv.Value.Iou10, iou50 = kv.Value.Iou50 }),
            ["not_ok_image_ids"] = s.NotOkImages,
        };
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["coco"] = c,
            ["screening"] = screening,
            ["images"] = gt.Images.Count,
            ["annotations"] = gt.Annotations.Count,
            ["warnings"] = warnings,
        };
    }

    /// <summary>Writes report.json and report.md into <paramref name="outDir"/> atomically; <paramref name="thresholdSource"/> says where the alarm threshold came from.</summary>
    public static void Write(string outDir, CocoDataset gt, CocoEvalResult coco, ScreeningResult s, IReadOnlyList<string> warnings, string? thresholdSource = null)
    {
        Directory.CreateDirectory(outDir);
        Dictionary<string, object?> json = ToJson(gt, coco, s, warnings);
        ((Dictionary<string, object?>)json["screening"]!)["threshold_source"] = thresholdSource;
        AtomicFile.WriteAllBytes(Path.Combine(outDir, "report.json"), ResultJson.Serialize(json));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), Markdown(gt, coco, s, warnings, thresholdSource));
    }

    /// <summary>The report as Markdown tables.</summary>
    public static string Markdown(CocoDataset gt, CocoEvalResult coco, ScreeningResult s, IReadOnlyList<string> warnings, string? thresholdSource = null)
    {
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(coco);
        ArgumentNullException.ThrowIfNull(s);
        var md = new StringBuilder();
        md.Append("# Evaluation report\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{gt.Images.Count} scans, {gt.Annotations.Count} ground-truth objects.\n\n");
        md.Append("## COCO (pycocotools-identical)\n\n| metric | value |\n|---|---|\n");
        for (int i = 0; i < coco.Stats.Length; i++)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {CocoEvalResult.StatNames[i]} | {F(coco.Stats[i])} |\n");
        }

        md.Append("\n| class | AP@0.5:0.95 | AP@0.5 |\n|---|---|---|\n");
        foreach (long id in coco.CategoryIds)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {Name(gt, id)} | {F(coco.PerCategoryAp[id])} | {F(coco.PerCategoryAp50[id])} |\n");
        }

        md.Append(CultureInfo.InvariantCulture, $"\n## Screening at threshold {s.Threshold:0.####}{(thresholdSource is null ? "" : $" ({thresholdSource})")}\n\n");
        md.Append("| | value | 95% CI (Wilson) | count |\n|---|---|---|---|\n");
        md.Append(Row("scan Pd (threat scans that alarm)", s.Scans.Pd));
        md.Append(Row("scan FAR (clean scans that alarm)", s.Scans.Far));
        md.Append(Row("object Pd, IoU ≥ 0.1", s.ObjectPdIou10));
        md.Append(Row("object Pd, IoU ≥ 0.5", s.ObjectPdIou50));
        md.Append("\n| route | Pd | Pd 95% CI | FAR | FAR 95% CI |\n|---|---|---|---|---|\n");
        foreach ((string route, ScanRates r) in s.PerRoute)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {route} | {F(r.Pd.Value)} ({r.Pd.Count}/{r.Pd.N}) | {F(r.Pd.Low)}–{F(r.Pd.High)} | {F(r.Far.Value)} ({r.Far.Count}/{r.Far.N}) | {F(r.Far.Low)}–{F(r.Far.High)} |\n");
        }

        ObjectPdTable(md, "class", s.PerClass);
        if (s.PerConcealment.Count > 0)
        {
            ObjectPdTable(md, "concealment", ConcealmentsWorstFirst(s));
        }

        if (s.NotOkImages.Length > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"\nScans not read completely or unable to clear (counted as alarms): image ids {string.Join(", ", s.NotOkImages)}.\n");
        }

        foreach (string w in warnings)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n> warning: {w}\n");
        }

        return md.ToString();
    }

    /// <summary>Object Pd per concealment, lowest first (the concealments a model misses are what its engineer looks for).</summary>
    internal static IEnumerable<KeyValuePair<string, (Rate Iou10, Rate Iou50)>> ConcealmentsWorstFirst(ScreeningResult s) =>
        s.PerConcealment.OrderBy(kv => kv.Value.Iou10.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal);

    private static void ObjectPdTable(StringBuilder md, string column, IEnumerable<KeyValuePair<string, (Rate Iou10, Rate Iou50)>> rows)
    {
        md.Append(CultureInfo.InvariantCulture, $"\n| {column} | object Pd IoU ≥ 0.1 | object Pd IoU ≥ 0.5 |\n|---|---|---|\n");
        foreach ((string key, (Rate a, Rate b)) in rows)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {key} | {F(a.Value)} ({a.Count}/{a.N}) | {F(b.Value)} ({b.Count}/{b.N}) |\n");
        }
    }

    private static string Row(string label, Rate r) =>
        string.Create(CultureInfo.InvariantCulture, $"| {label} | {F(r.Value)} | {F(r.Low)}–{F(r.High)} | {r.Count}/{r.N} |\n");

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Name(CocoDataset gt, long id) =>
        gt.Categories.FirstOrDefault(c => c.Id == id)?.Name ?? id.ToString(CultureInfo.InvariantCulture);
}
