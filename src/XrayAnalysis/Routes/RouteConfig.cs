using System.Globalization;
using System.Text.Json;
using XrayAnalysis.Outputs;
using XrayAnalysis.Preprocessing;
using XrayAnalysis.Tiling;
using XrayAnalysis.Viewing;

namespace XrayAnalysis.Routes;

/// <summary>
/// A route file (JSON, schema in docs/ROUTES.md): <c>{"schema_version": 1, "routes": {"mail": {...}, ...}}</c>.
/// Validated strictly: an unknown key, a wrong type or a value out of range is refused with the file, the key path and
/// the reason, so a typo never silently falls back to a default.
/// </summary>
public sealed class RouteConfig
{
    private readonly Dictionary<string, RouteProfile> _routes;

    private RouteConfig(string path, Dictionary<string, RouteProfile> routes)
    {
        Path = path;
        _routes = routes;
    }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    /// <summary>The routes by name.</summary>
    public IReadOnlyDictionary<string, RouteProfile> Routes => _routes;

    /// <summary>The route called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such route; the message lists the ones there are.</exception>
    public RouteProfile Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _routes.TryGetValue(name.ToLowerInvariant(), out RouteProfile? p)
            ? p
            : throw new ArgumentException($"{Path}: no route '{name}' (routes: {string.Join(", ", _routes.Keys)})");
    }

    /// <summary>Reads and validates a route file.</summary>
    /// <param name="path">The JSON file; relative model paths in it are resolved against its folder.</param>
    /// <exception cref="FormatException">Not valid JSON, or a key, type or value the schema does not allow (one line naming the file and key).</exception>
    public static RouteConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{full}: no such route file", full);
        }

        if (info.Length > 1_000_000)
        {
            throw new FormatException($"{full}: {info.Length} bytes is too large for a route file (1 MB at most)");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(full), new JsonDocumentOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{full}: not valid JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            var r = new Reader(full);
            JsonElement root = r.Object(doc.RootElement, "");
            r.Keys(root, "", "schema_version", "routes");
            r.Number(root, "schema_version", "", 1, 1, required: true); // version 1 is the only one there is
            JsonElement routes = r.Object(r.Get(root, "routes", "", required: true)!.Value, "routes");
            var result = new Dictionary<string, RouteProfile>(StringComparer.Ordinal);
            foreach (JsonProperty p in routes.EnumerateObject())
            {
                string name = p.Name.ToLowerInvariant();
                if (name.Length == 0 || name.Length > 40 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    throw new FormatException($"{full}: routes.{p.Name}: a route name is 1–40 letters, digits, '-' or '_'");
                }

                if (!result.TryAdd(name, r.Route(p.Value, name)))
                {
                    throw new FormatException($"{full}: routes.{p.Name}: route named twice");
                }
            }

            if (result.Count == 0)
            {
                throw new FormatException($"{full}: routes: no routes defined");
            }

            return new RouteConfig(full, result);
        }
    }

    private sealed class Reader(string file)
    {
        private string Dir => System.IO.Path.GetDirectoryName(file)!;

        public FormatException Error(string key, string reason) => new($"{file}: {key}: {reason}");

        public JsonElement Object(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.Object ? e : throw Error(key.Length == 0 ? "(top level)" : key, $"expected an object, found {Kind(e)}");

        public void Keys(JsonElement obj, string at, params string[] allowed)
        {
            foreach (JsonProperty p in obj.EnumerateObject())
            {
                if (!allowed.Contains(p.Name, StringComparer.Ordinal))
                {
                    throw Error(Join(at, p.Name), $"unknown key (allowed: {string.Join(", ", allowed)})");
                }
            }
        }

        public JsonElement? Get(JsonElement obj, string name, string at, bool required = false)
        {
            if (obj.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null)
            {
                return v;
            }

            return required ? throw Error(Join(at, name), "required") : null;
        }

        public double? Number(JsonElement obj, string name, string at, double min, double max, bool required = false)
        {
            JsonElement? v = Get(obj, name, at, required);
            if (v is null)
            {
                return null;
            }

            if (v.Value.ValueKind != JsonValueKind.Number || !v.Value.TryGetDouble(out double d) || !double.IsFinite(d))
            {
                throw Error(Join(at, name), $"expected a number, found {Kind(v.Value)}");
            }

            return d >= min && d <= max ? d : throw Error(Join(at, name), string.Create(CultureInfo.InvariantCulture, $"{d} is outside {min}–{max}"));
        }

        public string? String(JsonElement obj, string name, string at)
        {
            JsonElement? v = Get(obj, name, at);
            return v is null ? null : v.Value.ValueKind == JsonValueKind.String ? v.Value.GetString() : throw Error(Join(at, name), $"expected a string, found {Kind(v.Value)}");
        }

        public bool? Bool(JsonElement obj, string name, string at)
        {
            JsonElement? v = Get(obj, name, at);
            return v is null ? null : v.Value.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.Value.GetBoolean() : throw Error(Join(at, name), $"expected true or false, found {Kind(v.Value)}");
        }

        public RouteProfile Route(JsonElement e, string name)
        {
            string at = "routes." + name;
            JsonElement o = Object(e, at);
            Keys(o, at, "description", "model", "confidence", "iou", "alarm_threshold", "tiles", "fill", "window", "view", "overlay", "shield");
            string? model = String(o, "model", at);
            if (model is not null)
            {
                model = System.IO.Path.GetFullPath(System.IO.Path.Combine(Dir, model));
            }

            ViewSettings view;
            try
            {
                view = ViewSettings.Parse(String(o, "view", at) ?? "");
            }
            catch (ArgumentException ex)
            {
                throw Error(Join(at, "view"), ex.Message);
            }

            return new RouteProfile
            {
                Name = name,
                Description = String(o, "description", at) ?? "",
                Model = model,
                Confidence = (float?)Number(o, "confidence", at, 0, 1),
                Iou = (float?)Number(o, "iou", at, 0, 1),
                AlarmThreshold = (float?)Number(o, "alarm_threshold", at, 0, 1),
                Tiles = Tiles(o, at),
                Fills = Fills(o, at),
                Render = Window(o, at),
                View = view,
                Overlay = Overlay(o, at),
                Shield = Shield(o, at),
            };
        }

        /// <summary>"fill": one number, or an array of up to <see cref="Inference.DetectorOptions.MaxFills"/> different ones, each 0.05–1.</summary>
        private double[]? Fills(JsonElement route, string at)
        {
            JsonElement? v = Get(route, "fill", at);
            string key = Join(at, "fill");
            if (v is null)
            {
                return null;
            }

            if (v.Value.ValueKind == JsonValueKind.Number)
            {
                return [Number(route, "fill", at, 0.05, 1)!.Value];
            }

            int max = Inference.DetectorOptions.MaxFills;
            if (v.Value.ValueKind != JsonValueKind.Array || v.Value.GetArrayLength() is 0 || v.Value.GetArrayLength() > max
                || v.Value.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
            {
                throw Error(key, $"expected a number or an array of 1 to {max} numbers, found {Kind(v.Value)}");
            }

            double[] f = v.Value.EnumerateArray().Select(x => x.GetDouble()).ToArray();
            foreach (double x in f)
            {
                if (x is not (>= 0.05 and <= 1))
                {
                    throw Error(key, string.Create(CultureInfo.InvariantCulture, $"{x} is outside 0.05–1"));
                }
            }

            return f.Distinct().Count() == f.Length ? f : throw Error(key, "a fill is repeated");
        }

        private TileOptions Tiles(JsonElement route, string at)
        {
            JsonElement? v = Get(route, "tiles", at);
            string key = Join(at, "tiles");
            if (v is null)
            {
                return TileOptions.Default;
            }

            JsonElement o = Object(v.Value, key);
            Keys(o, key, "mode", "size", "overlap", "full_image_pass", "scale");
            TileMode mode = String(o, "mode", key) switch
            {
                null or "auto" => TileMode.Auto,
                "off" => TileMode.Off,
                "always" => TileMode.Always,
                string s => throw Error(Join(key, "mode"), $"'{s}' is not auto, off or always"),
            };
            return TileOptions.Default with
            {
                Mode = mode,
                Size = (int)(Number(o, "size", key, 0, 8192) ?? 0),
                Overlap = Number(o, "overlap", key, 0, 0.9) ?? TileOptions.Default.Overlap,
                FullImagePass = Bool(o, "full_image_pass", key) ?? false,
                Scale = Number(o, "scale", key, 0.05, 1) ?? 1,
            };
        }

        private RenderOptions Window(JsonElement route, string at)
        {
            JsonElement? v = Get(route, "window", at);
            string key = Join(at, "window");
            if (v is null)
            {
                return RenderOptions.Default;
            }

            if (v.Value.ValueKind == JsonValueKind.String)
            {
                return v.Value.GetString() == "auto" ? RenderOptions.Default : throw Error(key, "expected \"auto\", [LOW, HIGH] or {\"percentiles\": [LOW, HIGH]}");
            }

            if (v.Value.ValueKind == JsonValueKind.Array)
            {
                double[] lh = Pair(v.Value, key, 0, 65535);
                return RenderOptions.Default with { Window = new IntensityWindow(lh[0], lh[1]) };
            }

            JsonElement o = Object(v.Value, key);
            Keys(o, key, "percentiles");
            double[] p = Pair(Get(o, "percentiles", key, required: true)!.Value, Join(key, "percentiles"), 0, 100);
            return RenderOptions.Default with { PercentileLow = p[0], PercentileHigh = p[1] };
        }

        private double[] Pair(JsonElement e, string key, double min, double max)
        {
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2 || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
            {
                throw Error(key, "expected two numbers [LOW, HIGH]");
            }

            double[] v = e.EnumerateArray().Select(x => x.GetDouble()).ToArray();
            return v[0] >= min && v[1] <= max && v[1] > v[0] ? v : throw Error(key, string.Create(CultureInfo.InvariantCulture, $"[{v[0]}, {v[1]}] must satisfy {min} <= LOW < HIGH <= {max}"));
        }

        private OverlayStyle Overlay(JsonElement route, string at)
        {
            JsonElement? v = Get(route, "overlay", at);
            string key = Join(at, "overlay");
            double? alarm = Number(route, "alarm_threshold", at, 0, 1);
            if (v is null)
            {
                return OverlayStyle.Default with { AlarmThreshold = alarm };
            }

            JsonElement o = Object(v.Value, key);
            Keys(o, key, "display_floor", "suggestions", "legend");
            return OverlayStyle.Default with
            {
                AlarmThreshold = alarm,
                DisplayFloor = Number(o, "display_floor", key, 0, 1) ?? OverlayStyle.Default.DisplayFloor,
                Suggestions = Bool(o, "suggestions", key) ?? true,
                Legend = Bool(o, "legend", key) ?? true,
            };
        }

        private ShieldOptions Shield(JsonElement route, string at)
        {
            JsonElement? v = Get(route, "shield", at);
            string key = Join(at, "shield");
            if (v is null)
            {
                return ShieldOptions.Default;
            }

            JsonElement o = Object(v.Value, key);
            Keys(o, key, "enabled", "max_transmission", "max_rendered_brightness", "min_area_pixels", "min_thickness_pixels");
            return ShieldOptions.Default with
            {
                Enabled = Bool(o, "enabled", key) ?? true,
                MaxTransmission = Number(o, "max_transmission", key, 1e-6, 0.5) ?? ShieldOptions.Default.MaxTransmission,
                MaxRenderedBrightness = (int)(Number(o, "max_rendered_brightness", key, 0, 254) ?? ShieldOptions.Default.MaxRenderedBrightness),
                MinAreaPixels = (int)(Number(o, "min_area_pixels", key, 1, 1e9) ?? ShieldOptions.Default.MinAreaPixels),
                MinThicknessPixels = (int)(Number(o, "min_thickness_pixels", key, 1, 1000) ?? ShieldOptions.Default.MinThicknessPixels),
            };
        }

        private static string Join(string at, string name) => at.Length == 0 ? name : at + "." + name;

        private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();
    }
}
