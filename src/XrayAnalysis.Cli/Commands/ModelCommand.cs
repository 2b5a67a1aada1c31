using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using XrayAnalysis.Decoding;
using XrayAnalysis.Inference;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray model inspect|check|profile PATH</c>.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var cmd = new Command("model", "Model utilities: inspect a model, check that it gives sensible boxes, write a starter profile.");
        cmd.Add(Inspect());
        cmd.Add(Check());
        cmd.Add(Profile());
        return cmd;
    }

    private static Argument<FileInfo> PathArgument()
    {
        var path = new Argument<FileInfo>("PATH") { Description = "ONNX model file." };
        path.AcceptExistingOnly();
        return path;
    }

    private static Command Inspect()
    {
        Argument<FileInfo> path = PathArgument();
        var det = new DetectorCliOptions();
        var inspect = new Command("inspect", "Describe a model: tensors, decided layout, preprocessing contract with the source of each value, profile, classes, metadata, SHA-256.");
        inspect.Add(path);
        det.AddContractTo(inspect);
        inspect.SetAction(r =>
        {
            TextWriter o = r.InvocationConfiguration.Output;
            if (Open(r, det, path, out OnnxDetector? d) is var code && d is null)
            {
                return code;
            }

            using (d)
            {
                ModelInfo m = d.Model;
                DetectorSettings s = d.Settings;
                o.WriteLine($"model:         {m.Path}");
                o.WriteLine($"sha256:        {m.Sha256}");
                o.WriteLine($"input:         {m.Input}  (batch {(m.DynamicBatch ? "dynamic" : "fixed")})");
                foreach (TensorInfo t in m.Outputs)
                {
                    o.WriteLine($"output:        {t}");
                }

                o.WriteLine($"layout:        {LayoutNames.Of(m.Layout)} {LayoutNames.Shape(m.Layout)} from {m.LayoutSource}; observed output [{string.Join(", ", m.ObservedOutputShape)}] at batch 1");
                o.WriteLine($"preprocessing: {m.Contract}");
                foreach (string f in InputContract.FieldNames)
                {
                    o.WriteLine($"  {f,-14} from {Names.Of(m.Contract.Sources[f])}");
                }

                o.WriteLine($"profile:       {m.Profile?.Origin ?? "none"}");
                string op = s.OperatingThreshold is { } ot ? string.Create(CultureInfo.InvariantCulture, $"; operating threshold {ot:0.###}") : "";
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"confidence:    {s.Confidence:0.###} ({Names.Of(s.ConfidenceSource)}); NMS IoU {s.Iou:0.###} ({Names.Of(s.IouSource)}){op}"));
                o.WriteLine($"classes:       {m.ClassNames.Count} ({m.ClassNamesSource}): {string.Join(", ", m.ClassNames.Select((n, i) => $"{i}={n}"))}");
                foreach (string note in m.Notes)
                {
                    o.WriteLine($"note:          {note}");
                }

                foreach ((string k, string v) in m.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    o.WriteLine($"metadata:      {k} = {(v.Length > 200 ? v[..200] + "…" : v)}");
                }
            }

            return ExitCodes.Ok;
        });
        return inspect;
    }

    private static Command Check()
    {
        Argument<FileInfo> path = PathArgument();
        var det = new DetectorCliOptions();
        var images = new Option<string[]>("--images") { Description = "Scans to check on (files, folders, globs; default: the bundled sample-images).", AllowMultipleArgumentsPerToken = true };
        var count = new Option<int>("--count") { Description = "Most images used.", DefaultValueFactory = _ => 10 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the report as JSON here." };
        var check = new Command("check",
            "Run a model over a few scans with its preprocessing contract and with the common alternatives (channel order, value scale, letterbox alignment); " +
            "report score statistics per class, boxes per image and stability, and say which contract gives confident, stable boxes. Exit 1 when the model looks broken.");
        check.Add(path);
        det.AddContractTo(check);
        check.Add(images);
        check.Add(count);
        check.Add(json);
        check.SetAction(r =>
        {
            TextWriter o = r.InvocationConfiguration.Output, e = r.InvocationConfiguration.Error;
            string[] given = r.GetValue(images) is { Length: > 0 } g ? g : SampleImages() is { } s ? [s] : [];
            if (given.Length == 0)
            {
                e.WriteLine("xray: no --images given and no sample-images folder found beside the program or above the current folder");
                return ExitCodes.UsageError;
            }

            IReadOnlyList<ScanInput> inputs = ScanDiscovery.Discover(given, out IReadOnlyList<string> missing);
            foreach (string m in missing)
            {
                e.WriteLine($"xray: {m}: no such file, folder or matching glob");
            }

            ModelCheckReport report;
            try
            {
                string model = r.GetValue(path)!.FullName;
                report = ModelCheck.Run(model, Options(r, det, model), inputs, Math.Max(1, r.GetValue(count)));
            }
            catch (ModelLoadException ex)
            {
                e.WriteLine($"xray: model unusable: {ex.Message}");
                return ExitCodes.ModelUnusable;
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                e.WriteLine($"xray: {UsageErrors.Describe(ex)}");
                return ExitCodes.UsageError;
            }

            Print(o, report);
            foreach (string w in report.Warnings)
            {
                e.WriteLine($"xray: warning: {w}");
            }

            if (r.GetValue(json) is { } jf)
            {
                AtomicFile.WriteAllBytes(jf.FullName, ResultJson.Serialize(ToJson(report)));
            }

            o.WriteLine(report.LooksBroken ? "verdict:  the model looks broken or wrongly preprocessed (see warnings)" : "verdict:  ok");
            return report.LooksBroken ? ExitCodes.SomeInputsNotOk : ExitCodes.Ok;
        });
        return check;
    }

    private static Command Profile()
    {
        Argument<FileInfo> path = PathArgument();
        var det = new DetectorCliOptions();
        var threshold = new Option<float?>("--operating-threshold") { Description = "Operating (alarm) threshold to record." };
        var iou = new Option<float?>("--nms-iou") { Description = "Recommended NMS IoU to record." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing sidecar." };
        var profile = new Command("profile", "Write a starter profile NAME.json beside NAME.onnx: classes, the preprocessing contract in force, layout, SHA-256; edit it, then every command uses it.");
        profile.Add(path);
        det.AddContractTo(profile);
        profile.Add(threshold);
        profile.Add(iou);
        profile.Add(force);
        profile.SetAction(r =>
        {
            TextWriter o = r.InvocationConfiguration.Output, e = r.InvocationConfiguration.Error;
            string model = r.GetValue(path)!.FullName;
            string sidecar = Path.ChangeExtension(model, ".json");
            if (File.Exists(sidecar) && !r.GetValue(force))
            {
                e.WriteLine($"xray: {sidecar} exists; pass --force to overwrite it");
                return ExitCodes.UsageError;
            }

            if (Open(r, det, path, out OnnxDetector? d) is var code && d is null)
            {
                return code;
            }

            using (d)
            {
                ModelInfo m = d.Model;
                InputContract c = m.Contract;
                var pre = new Dictionary<string, object?>
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

                var doc = new Dictionary<string, object?>
                {
                    ["file"] = Path.GetFileName(model),
                    ["sha256"] = m.Sha256,
                    ["classes"] = m.ClassNames,
                    ["layout"] = LayoutNames.Of(m.Layout),
                    ["preprocessing"] = pre,
                    ["recommended_nms_iou"] = r.GetValue(iou) ?? d.Settings.Iou,
                    ["operating_threshold"] = r.GetValue(threshold) ?? m.Profile?.OperatingThreshold,
                    ["routes"] = m.Profile?.Routes ?? [],
                    ["trained_on"] = m.Profile?.TrainedOn ?? "",
                };
                AtomicFile.WriteAllBytes(sidecar, JsonSerializer.SerializeToUtf8Bytes(doc, new JsonSerializerOptions { WriteIndented = true }));
                o.WriteLine($"xray model profile: wrote {sidecar} ({m.ClassNames.Count} classes, {c}); check the classes, contract and operating threshold, then run 'xray model check {model}'");
                if (c.Guessed)
                {
                    e.WriteLine("xray: note: the preprocessing written is the Ultralytics default, not known for this model: confirm it with the model's authors or 'xray model check'");
                }
            }

            return ExitCodes.Ok;
        });
        return profile;
    }

    private static DetectorOptions Options(ParseResult r, DetectorCliOptions det, string model) => new()
    {
        Layout = DetectorCliOptions.ParseLayout(r.GetValue(det.Layout)),
        Preprocessing = det.Contract(r),
    };

    private static int Open(ParseResult r, DetectorCliOptions det, Argument<FileInfo> path, out OnnxDetector? detector)
    {
        detector = null;
        string model = r.GetValue(path)!.FullName;
        DetectorOptions options;
        try
        {
            options = Options(r, det, model);
        }
        catch (FormatException ex)
        {
            r.InvocationConfiguration.Error.WriteLine($"xray: {ex.Message}");
            return ExitCodes.UsageError;
        }

        // inspect/profile print the notes themselves; a check prints them as warnings.
        return DetectorCliOptions.OpenModel(model, options, r.InvocationConfiguration.Error, out detector, printNotes: false);
    }

    private static void Print(TextWriter o, ModelCheckReport rep)
    {
        var ci = CultureInfo.InvariantCulture;
        o.WriteLine($"model:    {rep.Model.Path} ({LayoutNames.Of(rep.Model.Layout)}, {rep.Model.ClassNames.Count} classes)");
        o.WriteLine($"images:   {rep.Images.Count}{(rep.Skipped.Count > 0 ? $" ({rep.Skipped.Count} could not be loaded)" : "")}");
        ContractTrial cur = rep.Trials[0];
        o.WriteLine($"contract: {cur.Contract} — sources: {string.Join(", ", cur.Contract.Sources.Select(kv => $"{kv.Key}={Names.Of(kv.Value)}"))}");
        o.WriteLine(string.Create(ci, $"scores:   max {cur.MaxScore:0.####}, mean top score per image {cur.MeanTopScore:0.####}, boxes per image {cur.BoxesPerImage:0.#} at 0.01 / {cur.ConfidentBoxesPerImage:0.##} at {ModelCheck.ConfidentScore}, stability {cur.Stability:0.##}"));
        foreach ((string name, (int conf, float max, float median)) in cur.PerClass.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            o.WriteLine(string.Create(ci, $"  {name,-24} confident {conf,4}, max {max:0.####}, median {median:0.####}"));
        }

        o.WriteLine("alternatives (best first):");
        foreach (ContractTrial t in rep.Trials.Skip(1).Take(8))
        {
            o.WriteLine(string.Create(ci, $"  {t.Options,-66} max {t.MaxScore:0.####}, mean top {t.MeanTopScore:0.####}, confident/image {t.ConfidentBoxesPerImage:0.##}, stability {t.Stability:0.##}"));
        }
    }

    private static Dictionary<string, object?> ToJson(ModelCheckReport rep) => new(StringComparer.Ordinal)
    {
        ["model"] = rep.Model.Path,
        ["sha256"] = rep.Model.Sha256,
        ["layout"] = LayoutNames.Of(rep.Model.Layout),
        ["images"] = rep.Images,
        ["skipped"] = rep.Skipped,
        ["looks_broken"] = rep.LooksBroken,
        ["warnings"] = rep.Warnings,
        ["trials"] = rep.Trials.Select(t => new Dictionary<string, object?>(StringComparer.Ordinal)
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
    };

    /// <summary>The bundled sample-images folder: beside the program or in the current folder or one above it.</summary>
    private static string? SampleImages()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "sample-images");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
