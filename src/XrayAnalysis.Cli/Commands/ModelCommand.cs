using System.CommandLine;
using XrayAnalysis.Decoding;
using XrayAnalysis.Inference;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray model inspect PATH</c>.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var path = new Argument<FileInfo>("PATH") { Description = "ONNX model file." };
        path.AcceptExistingOnly();
        var layout = new Option<string?>("--layout") { Description = "Force the output layout." };
        layout.AcceptOnlyFromAmong("v8", "v5", "end2end", "rtdetr", "yolox");
        var inspect = new Command("inspect", "Describe a model: inputs, outputs, detected layout, class names, metadata, SHA-256.");
        inspect.Add(path);
        inspect.Add(layout);
        inspect.SetAction(r =>
        {
            TextWriter o = r.InvocationConfiguration.Output;
            try
            {
                using OnnxDetector d = OnnxDetector.Open(r.GetValue(path)!.FullName, new DetectorOptions { Layout = DetectorCliOptions.ParseLayout(r.GetValue(layout)) });
                ModelInfo m = d.Model;
                o.WriteLine($"model:       {m.Path}");
                o.WriteLine($"sha256:      {m.Sha256}");
                o.WriteLine($"input:       {m.Input}  (used as {m.InputWidth}x{m.InputHeight}, {m.ResizeMode.ToString().ToLowerInvariant()}, batch {(m.DynamicBatch ? "dynamic" : "fixed")})");
                foreach (TensorInfo t in m.Outputs)
                {
                    o.WriteLine($"output:      {t}");
                }

                o.WriteLine($"layout:      {Describe(m.Layout)} from {m.LayoutSource}; observed output [{string.Join(", ", m.ObservedOutputShape)}] at batch 1");
                o.WriteLine($"classes:     {m.ClassNames.Count} ({m.ClassNamesSource}): {string.Join(", ", m.ClassNames.Select((n, i) => $"{i}={n}"))}");
                foreach ((string k, string v) in m.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    o.WriteLine($"metadata:    {k} = {(v.Length > 200 ? v[..200] + "…" : v)}");
                }

                return ExitCodes.Ok;
            }
            catch (ModelLoadException ex)
            {
                r.InvocationConfiguration.Error.WriteLine($"xray: model unusable: {ex.Message}");
                return ExitCodes.ModelUnusable;
            }
        });
        var cmd = new Command("model", "Model utilities.");
        cmd.Add(inspect);
        return cmd;
    }

    private static string Describe(OutputLayout l) => l switch
    {
        OutputLayout.UltralyticsV8 => "ultralytics-v8 [1, 4+nc, N]",
        OutputLayout.YoloV5 => "yolov5 [1, N, 5+nc]",
        OutputLayout.EndToEnd => "end2end [1, K, 6]",
        OutputLayout.RtDetr => "rtdetr [1, K, 4+nc]",
        OutputLayout.Yolox => "yolox [1, N, 5+nc]",
        _ => l.ToString(),
    };
}
