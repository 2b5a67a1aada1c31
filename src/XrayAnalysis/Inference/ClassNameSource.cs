using System.Text.Json;

namespace XrayAnalysis.Inference;

/// <summary>Finds class names: Ultralytics <c>names</c> metadata, else a sidecar <c>MODEL.json</c>, else <c>class_N</c>.</summary>
internal static class ClassNameSource
{
    public static (IReadOnlyList<string> Names, string Source) Resolve(string modelPath, IReadOnlyDictionary<string, string> metadata, int classCount)
    {
        if (metadata.TryGetValue("names", out string? text))
        {
            try
            {
                IReadOnlyDictionary<int, string> dict = PythonLiteral.ParseIntStringDict(text);
                return (FromDict(dict, classCount), "metadata");
            }
            catch (FormatException ex)
            {
                throw new ModelLoadException($"{modelPath}: metadata 'names' is not a Python dict literal: {ex.Message}", ex);
            }
        }

        string sidecar = Path.ChangeExtension(modelPath, ".json");
        if (File.Exists(sidecar))
        {
            return (ReadSidecar(sidecar, classCount), "sidecar");
        }

        var names = new string[Math.Max(classCount, 0)];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = $"class_{i}";
        }

        return (names, "default");
    }

    /// <summary>Reads <c>{"names": ["a", ...]}</c>, <c>{"names": {"0": "a", ...}}</c> or a bare list.</summary>
    private static string[] ReadSidecar(string path, int classCount)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = doc.RootElement;
            JsonElement names = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("names", out JsonElement n) ? n : root;
            var dict = new Dictionary<int, string>();
            if (names.ValueKind == JsonValueKind.Array)
            {
                int i = 0;
                foreach (JsonElement e in names.EnumerateArray())
                {
                    dict[i++] = e.GetString() ?? $"class_{i - 1}";
                }
            }
            else if (names.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty p in names.EnumerateObject())
                {
                    dict[int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture)] = p.Value.GetString() ?? p.Name;
                }
            }
            else
            {
                throw new ModelLoadException($"{path}: expected a 'names' list or object");
            }

            return FromDict(dict, classCount);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new ModelLoadException($"{path}: cannot read class names: {ex.Message}", ex);
        }
    }

    private static string[] FromDict(IReadOnlyDictionary<int, string> dict, int classCount)
    {
        int n = Math.Max(classCount, dict.Count == 0 ? 0 : dict.Keys.Max() + 1);
        var names = new string[n];
        for (int i = 0; i < n; i++)
        {
            names[i] = dict.TryGetValue(i, out string? s) ? s : $"class_{i}";
        }

        return names;
    }
}
