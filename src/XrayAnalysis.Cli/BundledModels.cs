using System.Text.Json;

namespace XrayAnalysis.Cli;

/// <summary>
/// Reads <c>models/models.json</c> beside a bundled model: when the model file is listed there, its SHA-256 is pinned and
/// the detector refuses a file whose hash differs.
/// </summary>
internal static class BundledModels
{
    public static string? PinnedSha256(string modelPath)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(modelPath));
        string manifest = Path.Combine(dir ?? ".", "models.json");
        if (!File.Exists(manifest))
        {
            return null;
        }

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
        if (!doc.RootElement.TryGetProperty("models", out JsonElement models))
        {
            return null;
        }

        string file = Path.GetFileName(modelPath);
        foreach (JsonElement m in models.EnumerateArray())
        {
            if (m.TryGetProperty("file", out JsonElement f) && f.GetString() == file &&
                m.TryGetProperty("sha256", out JsonElement sha))
            {
                return sha.GetString();
            }
        }

        return null;
    }
}
