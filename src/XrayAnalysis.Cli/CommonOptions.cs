using System.CommandLine;
using System.Globalization;
using XrayAnalysis.Decoding;
using XrayAnalysis.Inference;

namespace XrayAnalysis.Cli;

/// <summary>Options shared by the commands that run a detector, and their mapping into <see cref="DetectorOptions"/>.</summary>
internal sealed class DetectorCliOptions
{
    public Option<FileInfo> Model { get; } = new("--model", "-m")
    {
        Description = "ONNX detection model (Ultralytics v5u/v8/v11, YOLOv5, end-to-end, RT-DETR or YOLOX output layout).",
        Required = true,
    };

    public Option<float> Conf { get; } = new("--conf")
    {
        Description = "Confidence threshold: boxes scoring at or below it are dropped.",
        DefaultValueFactory = _ => 0.25f,
    };

    public Option<float> Iou { get; } = new("--iou")
    {
        Description = "NMS IoU threshold: a box overlapping a higher-scored one by more is suppressed.",
        DefaultValueFactory = _ => 0.7f,
    };

    public Option<int> MaxDet { get; } = new("--max-det")
    {
        Description = "Most detections kept per image.",
        DefaultValueFactory = _ => 300,
    };

    public Option<string?> Classes { get; } = new("--classes")
    {
        Description = "Keep only these classes: comma-separated ids or names (default: all).",
    };

    public Option<bool> AgnosticNms { get; } = new("--agnostic-nms")
    {
        Description = "Class-agnostic NMS: a box suppresses overlapping boxes of any class (default: per class).",
    };

    public Option<string?> Layout { get; } = new("--layout")
    {
        Description = "Force the output layout instead of deciding it from tensor shapes.",
    };

    public Option<int> Batch { get; } = new("--batch")
    {
        Description = "Images per inference call when the model's batch dimension is dynamic.",
        DefaultValueFactory = _ => 4,
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "ONNX Runtime intra-op threads (0: one per physical core).",
        DefaultValueFactory = _ => 0,
    };

    public DetectorCliOptions()
    {
        Layout.AcceptOnlyFromAmong("v8", "v5", "end2end", "rtdetr", "yolox");
    }

    public void AddTo(Command c)
    {
        c.Add(Model);
        c.Add(Conf);
        c.Add(Iou);
        c.Add(MaxDet);
        c.Add(Classes);
        c.Add(AgnosticNms);
        c.Add(Layout);
        c.Add(Batch);
        c.Add(Threads);
    }

    public static OutputLayout? ParseLayout(string? s) => s switch
    {
        null => null,
        "v8" => OutputLayout.UltralyticsV8,
        "v5" => OutputLayout.YoloV5,
        "end2end" => OutputLayout.EndToEnd,
        "rtdetr" => OutputLayout.RtDetr,
        "yolox" => OutputLayout.Yolox,
        _ => throw new ArgumentException($"unknown layout '{s}'"),
    };

    /// <summary>Options without the class filter, which needs the model's names (see <see cref="ResolveClasses"/>).</summary>
    public DetectorOptions Build(ParseResult r) => new()
    {
        Confidence = r.GetValue(Conf),
        Iou = r.GetValue(Iou),
        MaxDetections = r.GetValue(MaxDet),
        AgnosticNms = r.GetValue(AgnosticNms),
        Layout = ParseLayout(r.GetValue(Layout)),
        BatchSize = r.GetValue(Batch),
        IntraOpThreads = r.GetValue(Threads),
        ExpectedSha256 = BundledModels.PinnedSha256(r.GetValue(Model)!.FullName),
    };

    /// <summary>Maps <c>--classes</c> (ids or names) onto class ids of the opened model.</summary>
    public static IReadOnlySet<int>? ResolveClasses(string? text, ModelInfo model)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var set = new HashSet<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id))
            {
                set.Add(id);
                continue;
            }

            int found = -1;
            for (int i = 0; i < model.ClassNames.Count; i++)
            {
                if (string.Equals(model.ClassNames[i], part, StringComparison.OrdinalIgnoreCase))
                {
                    found = i;
                }
            }

            if (found < 0)
            {
                throw new ArgumentException($"--classes: '{part}' is neither a class id nor one of the model's classes ({string.Join(", ", model.ClassNames)})");
            }

            set.Add(found);
        }

        return set;
    }
}
