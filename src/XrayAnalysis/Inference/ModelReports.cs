using System.Globalization;
using System.Text.Json;
using XrayAnalysis.Decoding;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Inference;

/// <summary>What <c>xray model inspect|profile|check</c> show and write, for any program that opens models.</summary>
public static class ModelReports
{
    /// <summary>
    /// Describes an opened model, one fact per line: tensors, the layout and how it was decided, the preprocessing contract
    /// with the source of each value, profile, settings in force, classes, notes and metadata.
    /// </summary>
    public static IReadOnlyList<string> Describe(ModelInfo model, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        ModelInfo m = model;
        var lines = new List<string>
        {
            $"model:         {m.Path}",
            $"sha256:        {m.Sha256}",
            $"input:         {m.Input}  (batch {(m.DynamicBatch ? "dynamic" : "fixed")})",
        };
        lines.AddRange(m.Outputs.Select(t => $"output:        {t}"));
        lines.Add($"layout:        {LayoutNames.Of(m.Layout)} {LayoutNames.Shape(m.Layout)} from {LayoutSourceNames.Of(m.LayoutSource)}; observed output [{string.Join(", ", m.ObservedOutputShape)}] at batch 1");
        lines.Add($"preprocessing: {m.Contract}");
        lines.AddRange(InputContract.FieldNames.Select(f => $"  {f,-14} from {Names.Of(m.Contract.Sources[f])}"));
        lines.Add($"profile:       {m.Profile?.Origin ?? "none"}");
        if (m.Profile is { Routes.Count: > 0 } withRoutes)
        {
            lines.Add($"routes:        {string.Join(", ", withRoutes.Routes)}{(withRoutes.VolumeMinRun is { } run ? $"; xray volume --min-run {run} (profile)" : "")}");
        }

        if (m.Profile?.MinInputSide is { } minSide)
        {
            lines.Add($"min side:      {minSide} px (profile): smaller pictures are rejected as too small to screen");
        }

        if (m.Profile?.TrainedOn is { Length: > 0 } trainedOn)
        {
            lines.Add($"trained on:    {trainedOn}");
        }

        string op = settings.OperatingThreshold is { } ot ? string.Create(CultureInfo.InvariantCulture, $"; operating threshold {ot:0.####}") : "";
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"confidence:    {settings.Confidence:0.####} ({Names.Of(settings.ConfidenceSource)}); NMS IoU {settings.Iou:0.###} ({Names.Of(settings.IouSource)}){op}"));
        lines.Add(settings.TestTimeFlip
            ? $"test-time:     flip: each picture also run mirrored, anchors averaged ({Names.Of(settings.TestTimeFlipSource)})"
            : $"test-time:     no flip ({Names.Of(settings.TestTimeFlipSource)})");
        lines.Add($"classes:       {m.ClassNames.Count} ({m.ClassNamesSource.ToString().ToLowerInvariant()}): {string.Join(", ", m.ClassNames.Select((n, i) => $"{i}={n}"))}");
        lines.AddRange(m.Notes.Select(n => $"note:          {n}"));
        lines.AddRange(m.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"metadata:      {kv.Key} = {(kv.Value.Length > 200 ? kv.Value[..200] + "…" : kv.Value)}"));
        return lines;
    }

    /// <summary>
    /// A starter profile for the model as it was opened (classes, the preprocessing contract in force, layout, SHA-256,
    /// recommended NMS IoU, operating threshold, routes), as the JSON that <see cref="ModelProfile"/> reads beside the model.
    /// </summary>
    /// <param name="model">The opened model.</param>
    /// <param name="settings">The settings in force.</param>
    /// <param name="operatingThreshold">Operating (alarm) threshold to record; the current profile's when null.</param>
    /// <param name="nmsIou">Recommended NMS IoU to record; the one in force when null.</param>
    public static byte[] StarterProfile(ModelInfo model, DetectorSettings settings, float? operatingThreshold = null, float? nmsIou = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        InputContract c = model.Contract;
        var pre = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["channel_order"] = Names.Of(c.ChannelOrder),
            ["scale"] = Math.Abs(c.Scale - (1f / 255f)) < 1e-9 ? "1/255" : c.Scale,
            ["resize"] = Names.Of(c.Resize),
            ["pad_value"] = (int)c.PadValue,
            ["interpolation"] = Names.Of(c.Interpolation),
            ["input_size"] = new[] { c.Width, c.Height },
        };
        if (c.Mean is not null)
        {
            pre["mean"] = c.Mean;
        }

        if (c.Std is not null)
        {
            pre["std"] = c.Std;
        }

        var doc = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["file"] = Path.GetFileName(model.Path),
            ["sha256"] = model.Sha256,
            ["classes"] = model.ClassNames,
            ["layout"] = LayoutNames.Of(model.Layout),
            ["preprocessing"] = pre,
            ["recommended_nms_iou"] = nmsIou ?? settings.Iou,
            ["operating_threshold"] = operatingThreshold ?? model.Profile?.OperatingThreshold,
            ["routes"] = model.Profile?.Routes ?? [],
            ["trained_on"] = model.Profile?.TrainedOn ?? "",
        };
        if (model.Profile?.VolumeMinRun is { } minRun)
        {
            doc["volume_min_run"] = minRun;
        }

        if (model.Profile?.MinInputSide is { } minInputSide)
        {
            doc["min_input_side"] = minInputSide;
        }

        if (settings.TestTimeFlip)
        {
            doc["test_time_flip"] = true;
        }

        return JsonSerializer.SerializeToUtf8Bytes(doc, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A model check as text: the contract in force, its score statistics per class, and the alternatives tried, best first.</summary>
    internal static IReadOnlyList<string> Describe(ModelCheckReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var ci = CultureInfo.InvariantCulture;
        ContractTrial cur = report.Trials[0];
        var lines = new List<string>
        {
            $"model:    {report.Model.Path} ({LayoutNames.Of(report.Model.Layout)}, {report.Model.ClassNames.Count} classes)",
            $"images:   {report.Images.Count}{(report.Skipped.Count > 0 ? $" ({report.Skipped.Count} could not be loaded)" : "")}",
            $"contract: {cur.Contract} — sources: {string.Join(", ", cur.Contract.Sources.Select(kv => $"{kv.Key}={Names.Of(kv.Value)}"))}",
            string.Create(ci, $"scores:   max {cur.MaxScore:0.####}, mean top score per image {cur.MeanTopScore:0.####}, boxes per image {cur.BoxesPerImage:0.#} at 0.01 / {cur.ConfidentBoxesPerImage:0.##} at {ModelCheck.ConfidentScore}, stability {cur.Stability:0.##}"),
        };
        foreach ((string name, (int conf, float max, float median)) in cur.PerClass.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            lines.Add(string.Create(ci, $"  {name,-24} confident {conf,4}, max {max:0.####}, median {median:0.####}"));
        }

        lines.Add("alternatives (best first):");
        foreach (ContractTrial t in report.Trials.Skip(1).Take(8))
        {
            lines.Add(string.Create(ci, $"  {t.Options,-66} max {t.MaxScore:0.####}, mean top {t.MeanTopScore:0.####}, confident/image {t.ConfidentBoxesPerImage:0.##}, stability {t.Stability:0.##}"));
        }

        lines.Add(report.LooksBroken ? "verdict:  the model looks broken or wrongly preprocessed (see warnings)" : "verdict:  ok");
        return lines;
    }

    /// <summary>A model check as JSON (snake_case, as every file we write).</summary>
    internal static byte[] ToJson(ModelCheckReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return ResultJson.Serialize(new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["model"] = report.Model.Path,
            ["sha256"] = report.Model.Sha256,
            ["layout"] = LayoutNames.Of(report.Model.Layout),
            ["images"] = report.Images,
            ["skipped"] = report.Skipped,
            ["looks_broken"] = report.LooksBroken,
            ["warnings"] = report.Warnings,
            ["trials"] = report.Trials.Select(t => new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["contract"] = t.Contract.ToString(),
                ["options"] = t.Options,
                ["in_force"] = t.InForce,
                ["max_score"] = t.MaxScore,
                ["mean_top_score"] = t.MeanTopScore,
                ["boxes_per_image"] = t.BoxesPerImage,
                ["confident_boxes_per_image"] = t.ConfidentBoxesPerImage,
                ["stability"] = t.Stability,
                ["per_class"] = t.PerClass.ToDictionary(kv => kv.Key, kv => new { confident = kv.Value.Confident, max = kv.Value.Max, median = kv.Value.Median }),
            }).ToList(),
        });
    }
}
