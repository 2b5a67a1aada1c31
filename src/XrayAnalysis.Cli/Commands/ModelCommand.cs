using System.CommandLine;
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
                foreach (string line in ModelReports.Describe(d.Model, d.Settings))
                {
                    o.WriteLine(line);
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
                e.WriteLine($"xray: {m}: {ScanDiscovery.MissingReason(m)}");
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

            foreach (string line in ModelReports.Describe(report))
            {
                o.WriteLine(line);
            }

            foreach (string w in report.Warnings)
            {
                e.WriteLine($"xray: warning: {w}");
            }

            if (r.GetValue(json) is { } jf)
            {
                AtomicFile.WriteAllBytes(jf.FullName, ModelReports.ToJson(report));
            }

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
        profile.Add(det.Tta);
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
                AtomicFile.WriteAllBytes(sidecar, ModelReports.StarterProfile(m, d.Settings, r.GetValue(threshold), r.GetValue(iou)));
                o.WriteLine($"xray model profile: wrote {sidecar} ({m.ClassNames.Count} classes, {m.Contract}); check the classes, contract and operating threshold, then run 'xray model check {model}'");
                if (m.Contract.Guessed)
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
        TestTimeFlip = DetectorCliOptions.TtaValue(r, det.Tta),
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
