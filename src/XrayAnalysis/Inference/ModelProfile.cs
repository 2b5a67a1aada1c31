using System.Globalization;
using System.Text.Json;
using XrayAnalysis.Decoding;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Inference;

/// <summary>
/// What the people who trained a model say about it: classes, preprocessing contract, output layout, recommended NMS
/// IoU, operating threshold(s), intended routes, training note and SHA-256. Read from a sidecar <c>NAME.json</c> beside
/// <c>NAME.onnx</c>, else from the <c>models.json</c> beside a bundled model, else from the bundled manifest embedded in the
/// library (matched by SHA-256, so a renamed copy of a bundled model keeps its profile). Commands take their defaults from
/// it; an explicit option wins. Schema: docs/MODEL-PROFILE.md.
/// </summary>
public sealed record ModelProfile
{
    /// <summary>Where the profile was read ("path/to/NAME.json" or "bundled models.json").</summary>
    public required string Origin { get; init; }

    /// <summary>Class names by id; null when the profile names none.</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>Preprocessing values the profile states; empty when none.</summary>
    public PreprocessSettings Preprocessing { get; init; } = new();

    /// <summary>Output layout the profile states, or null.</summary>
    public OutputLayout? Layout { get; init; }

    /// <summary>Recommended NMS IoU, or null.</summary>
    public float? NmsIou { get; init; }

    /// <summary>Operating threshold for all classes (the alarm threshold), or null.</summary>
    public float? OperatingThreshold { get; init; }

    /// <summary>Per-class operating thresholds by class name, overriding <see cref="OperatingThreshold"/>; empty when none.</summary>
    public IReadOnlyDictionary<string, float> ClassThresholds { get; init; } = new Dictionary<string, float>();

    /// <summary>
    /// For CT models: the fewest processed slices a 3D region must span (<c>volume_min_run</c>), chosen with the operating
    /// threshold on validation volumes; the default of <c>xray volume --min-run</c>. Null when the profile gives none.
    /// </summary>
    public int? VolumeMinRun { get; init; }

    /// <summary>
    /// Shortest side, in pixels, of a picture the model can screen (<c>min_input_side</c>): smaller ones (thumbnails,
    /// previews, slivers) are rejected as too small to screen, never cleared. Null when the profile gives none.
    /// </summary>
    public int? MinInputSide { get; init; }

    /// <summary>
    /// Whether the model is run with the test-time flip by default (<c>test_time_flip</c>; see
    /// <see cref="DetectorOptions.TestTimeFlip"/>): its operating thresholds were chosen in that mode. Null when the
    /// profile does not say.
    /// </summary>
    public bool? TestTimeFlip { get; init; }

    /// <summary>
    /// For a profile whose thresholds were chosen with the test-time flip: the operating threshold chosen for one pass per
    /// picture (<c>operating_threshold_without_flip</c>), which replaces <see cref="OperatingThreshold"/> (and any
    /// per-class thresholds) when the flip is turned off. Null when the profile gives none.
    /// </summary>
    public float? OperatingThresholdWithoutFlip { get; init; }

    /// <summary>Routes the model is meant for (mail, express, baggage, cargo, ct).</summary>
    public IReadOnlyList<string> Routes { get; init; } = [];

    /// <summary>What the model was trained on.</summary>
    public string? TrainedOn { get; init; }

    /// <summary>SHA-256 of the model file the profile belongs to, or null.</summary>
    public string? Sha256 { get; init; }

    /// <summary>
    /// This profile as it holds when the model runs with (<paramref name="flip"/> true) or without the test-time flip:
    /// a profile chosen with the flip that also gives <see cref="OperatingThresholdWithoutFlip"/> has its operating
    /// threshold replaced by it when the flip is off, so that turning the flip off does not leave a threshold
    /// calibrated for scores it no longer makes.
    /// </summary>
    public ModelProfile ForFlip(bool flip) =>
        flip || TestTimeFlip != true || OperatingThresholdWithoutFlip is not { } one
            ? this
            : this with { OperatingThreshold = one, ClassThresholds = new Dictionary<string, float>() };

    /// <summary>The lowest operating threshold over all classes, or null when the profile gives none.</summary>
    public float? LowestThreshold =>
        ClassThresholds.Count == 0 ? OperatingThreshold : Math.Min(OperatingThreshold ?? 1f, ClassThresholds.Values.Min());

    /// <summary>Finds the profile of the model at <paramref name="modelPath"/> with hash <paramref name="sha256"/>; null when there is none.</summary>
    public static ModelProfile? Find(string modelPath, string sha256)
    {
        string full = Path.GetFullPath(modelPath);
        string sidecar = Path.ChangeExtension(full, ".json");
        if (File.Exists(sidecar) && !string.Equals(Path.GetFileName(sidecar), "models.json", StringComparison.Ordinal))
        {
            ModelProfile p = Load(sidecar);
            if (p.Sha256 is { } s && !string.Equals(s, sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelLoadException($"{sidecar}: the profile is for a model with SHA-256 {s.ToLowerInvariant()}, but {modelPath} has {sha256}");
            }

            return p;
        }

        string manifest = Path.Combine(Path.GetDirectoryName(full) ?? ".", "models.json");
        if (File.Exists(manifest))
        {
            ModelProfile? fromFolder = FromManifest(ReadJson(manifest), manifest, e =>
                e.TryGetProperty("file", out JsonElement f) && f.ValueKind == JsonValueKind.String && f.GetString() == Path.GetFileName(full));
            if (fromFolder is not null)
            {
                // A models.json entry pins its file: a different file under that name is refused, never silently run.
                if (fromFolder.Sha256 is { } pinned && !string.Equals(pinned, sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ModelLoadException($"{modelPath}: SHA-256 {sha256} differs from the pinned {pinned.ToLowerInvariant()} in {manifest}; refusing to run a model that is not the one configured");
                }

                return fromFolder;
            }
        }

        using Stream? embedded = typeof(ModelProfile).Assembly.GetManifestResourceStream("XrayAnalysis.models.json");
        if (embedded is null)
        {
            return null;
        }

        using JsonDocument doc = JsonDocument.Parse(embedded);
        return FromManifest(doc.RootElement.Clone(), "bundled models.json", e =>
            e.TryGetProperty("sha256", out JsonElement s) && string.Equals(s.GetString(), sha256, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reads a profile file (one JSON object; a bare list or <c>{"names": …}</c> is a profile with class names only).</summary>
    public static ModelProfile Load(string path) => Parse(ReadJson(path), path);

    /// <summary>Parses one profile object (a models.json entry or a sidecar).</summary>
    public static ModelProfile Parse(JsonElement e, string origin)
    {
        try
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                return new ModelProfile { Origin = origin, Classes = Names(e, origin) };
            }

            if (e.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("expected a JSON object");
            }

            IReadOnlyList<string>? classes = e.TryGetProperty("classes", out JsonElement c) ? Names(c, origin)
                : e.TryGetProperty("names", out JsonElement n) ? Names(n, origin) : null;
            float? thr = null;
            var perClass = new Dictionary<string, float>(StringComparer.Ordinal);
            if (e.TryGetProperty("operating_threshold", out JsonElement t))
            {
                if (t.ValueKind == JsonValueKind.Number)
                {
                    thr = Unit(t.GetSingle(), "operating_threshold");
                }
                else if (t.ValueKind == JsonValueKind.Object)
                {
                    foreach (JsonProperty p in t.EnumerateObject())
                    {
                        if (p.Name == "default")
                        {
                            thr = Unit(p.Value.GetSingle(), "operating_threshold.default");
                        }
                        else
                        {
                            perClass[p.Name] = Unit(p.Value.GetSingle(), $"operating_threshold.{p.Name}");
                        }
                    }
                }
                else if (t.ValueKind != JsonValueKind.Null)
                {
                    throw new FormatException("operating_threshold must be a number or an object of class name → number");
                }
            }

            if (classes is not null)
            {
                foreach (string k in perClass.Keys.Where(k => !classes.Contains(k)))
                {
                    throw new FormatException($"operating_threshold names class '{k}', which is not among the classes ({string.Join(", ", classes)})");
                }
            }

            PreprocessSettings pre = e.TryGetProperty("preprocessing", out JsonElement pp) && pp.ValueKind == JsonValueKind.Object ? Preprocess(pp) : new();
            pre.Validate(origin);
            return new ModelProfile
            {
                Origin = origin,
                Classes = classes,
                Preprocessing = pre,
                Layout = e.TryGetProperty("layout", out JsonElement l) && l.ValueKind == JsonValueKind.String ? LayoutNames.Parse(l.GetString()!.Split(' ')[0]) : null,
                NmsIou = e.TryGetProperty("recommended_nms_iou", out JsonElement iou) && iou.ValueKind == JsonValueKind.Number ? Unit(iou.GetSingle(), "recommended_nms_iou") : null,
                OperatingThreshold = thr,
                ClassThresholds = perClass,
                VolumeMinRun = e.TryGetProperty("volume_min_run", out JsonElement vm) && vm.ValueKind != JsonValueKind.Null ? AtLeastOne(vm.GetInt32(), "volume_min_run") : null,
                MinInputSide = e.TryGetProperty("min_input_side", out JsonElement ms) && ms.ValueKind != JsonValueKind.Null ? AtLeastOne(ms.GetInt32(), "min_input_side") : null,
                OperatingThresholdWithoutFlip = e.TryGetProperty("operating_threshold_without_flip", out JsonElement tw) && tw.ValueKind != JsonValueKind.Null
                    ? Unit(tw.GetSingle(), "operating_threshold_without_flip") : null,
                TestTimeFlip = e.TryGetProperty("test_time_flip", out JsonElement tf) && tf.ValueKind != JsonValueKind.Null
                    ? tf.ValueKind is JsonValueKind.True or JsonValueKind.False ? tf.GetBoolean() : throw new FormatException("test_time_flip must be true or false")
                    : null,
                Routes = e.TryGetProperty("routes", out JsonElement r) && r.ValueKind == JsonValueKind.Array ? r.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [],
                TrainedOn = e.TryGetProperty("trained_on", out JsonElement to) ? to.GetString() : null,
                Sha256 = e.TryGetProperty("sha256", out JsonElement sh) ? sh.GetString() : null,
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or KeyNotFoundException or OverflowException)
        {
            throw new ModelLoadException($"{origin}: not a usable model profile: {ex.Message}", ex);
        }
    }

    private static int AtLeastOne(int v, string name) => v >= 1 ? v : throw new FormatException($"{name} must be at least 1 (got {v})");

    private static PreprocessSettings Preprocess(JsonElement p)
    {
        (int, int)? size = null;
        if (p.TryGetProperty("input_size", out JsonElement z))
        {
            int[] v = z.ValueKind == JsonValueKind.Number ? [z.GetInt32()] : z.EnumerateArray().Select(x => x.GetInt32()).ToArray();
            size = v.Length switch
            {
                1 => (v[0], v[0]),
                2 => (v[0], v[1]),
                _ => throw new FormatException("preprocessing.input_size must be N or [width, height]"),
            };
        }

        return new PreprocessSettings
        {
            ChannelOrder = Str(p, "channel_order") is { } co ? XrayAnalysis.Preprocessing.Names.ParseChannelOrder(co) : null,
            Scale = p.TryGetProperty("scale", out JsonElement s)
                ? s.ValueKind == JsonValueKind.Number ? s.GetSingle() : XrayAnalysis.Preprocessing.Names.ParseScale(s.GetString() ?? "")
                : null,
            Mean = p.TryGetProperty("mean", out JsonElement m) ? m.EnumerateArray().Select(x => x.GetSingle()).ToList() : null,
            Std = p.TryGetProperty("std", out JsonElement sd) ? sd.EnumerateArray().Select(x => x.GetSingle()).ToList() : null,
            Resize = Str(p, "resize") is { } rz ? XrayAnalysis.Preprocessing.Names.ParseResize(rz) : null,
            PadValue = p.TryGetProperty("pad_value", out JsonElement pv) ? checked((byte)pv.GetInt32()) : null,
            Interpolation = Str(p, "interpolation") is { } ip ? XrayAnalysis.Preprocessing.Names.ParseInterpolation(ip) : null,
            InputSize = size,
        };

        static string? Str(JsonElement e, string k) => e.TryGetProperty(k, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    private static ModelProfile? FromManifest(JsonElement root, string origin, Func<JsonElement, bool> match)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("models", out JsonElement models) || models.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (JsonElement m in models.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.Object && match(m))
            {
                return Parse(m, origin);
            }
        }

        return null;
    }

    private static List<string> Names(JsonElement e, string origin)
    {
        if (e.ValueKind == JsonValueKind.Array)
        {
            return e.EnumerateArray().Select((x, i) => x.GetString() ?? throw new FormatException($"class {i} has no name")).ToList();
        }

        if (e.ValueKind == JsonValueKind.Object)
        {
            var d = e.EnumerateObject().ToDictionary(p => int.Parse(p.Name, CultureInfo.InvariantCulture), p => p.Value.GetString() ?? p.Name);
            int n = d.Count == 0 ? 0 : d.Keys.Max() + 1;
            if (d.Keys.Any(k => k < 0) || n > 100_000)
            {
                throw new FormatException("class ids must be 0..N-1");
            }

            return Enumerable.Range(0, n).Select(i => d.TryGetValue(i, out string? s) ? s : throw new FormatException($"class id {i} has no name")).ToList();
        }

        throw new FormatException($"{origin}: classes must be a list of names or an object of id → name");
    }

    private static float Unit(float v, string what) => v is >= 0 and <= 1 ? v : throw new FormatException($"{what} {v} is not in [0, 1]");

    private static JsonElement ReadJson(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.Clone();
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: cannot read the model profile: {ex.Message}", ex);
        }
    }
}
