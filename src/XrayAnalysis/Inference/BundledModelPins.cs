using System.Text.Json;

namespace XrayAnalysis.Inference;

/// <summary>
/// The SHA-256 pins of the models bundled with XrayAnalysis (models/models.json, embedded in the library). A model is
/// recognised as bundled by its content — the ONNX metadata description a bundled model carries — not by its file name,
/// so a copy of the bundled model anywhere, under any name, must still have a pinned hash: a modified or corrupted copy
/// is refused.
/// </summary>
internal static class BundledModelPins
{
    private static readonly Lazy<IReadOnlyList<(string File, string Sha256, string? Description)>> Pins = new(Load);

    /// <summary>Throws <see cref="ModelLoadException"/> when the model claims to be a bundled one but its hash is not pinned.</summary>
    public static void Verify(string path, string sha256, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("description", out string? description))
        {
            return;
        }

        var claimed = Pins.Value.Where(p => p.Description == description).ToList();
        if (claimed.Count == 0 || claimed.Any(p => string.Equals(p.Sha256, sha256, StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        throw new ModelLoadException($"{path}: the model says it is the bundled {claimed[0].File} (metadata description '{description}') but its SHA-256 {sha256} " +
                                     $"differs from the pinned {claimed[0].Sha256}; refusing a modified or damaged copy");
    }

    private static IReadOnlyList<(string, string, string?)> Load()
    {
        using Stream? s = typeof(BundledModelPins).Assembly.GetManifestResourceStream("XrayAnalysis.models.json");
        if (s is null)
        {
            return [];
        }

        using JsonDocument doc = JsonDocument.Parse(s);
        var list = new List<(string, string, string?)>();
        foreach (JsonElement m in doc.RootElement.GetProperty("models").EnumerateArray())
        {
            list.Add((m.GetProperty("file").GetString()!, m.GetProperty("sha256").GetString()!,
                m.TryGetProperty("onnx_description", out JsonElement d) ? d.GetString() : null));
        }

        return list;
    }
}
